"""mod_heartbeat's sender (hb_monitor), and heartmonitor's simulated backends for labs.

The real heartbeat is sent exactly as httpd sends it: a new UDP socket, IP_MULTICAST_LOOP
on, one `v=1&ready=N&busy=N` datagram, closed; errors are logged at WARNING (AH02097,
AH02098, AH02099) and the beat is skipped. ready and busy count this server's worker
slots as mod_heartbeat counts the scoreboard.

Simulated backends (HeartbeatSimulate) share one socket and set each datagram's source
address with IP_PKTINFO, so a lab can stand in for thousands of backends (127.0.x.y on
loopback, or addresses assigned to an interface) from one process.
"""

from __future__ import annotations

import ipaddress
import socket
import struct

from heartmonitor import log
from heartmonitor.cnum import digits_value, is_ascii_digits

from .codec import encode

IP_PKTINFO = getattr(socket, "IP_PKTINFO", 8)
DEFAULT_THREADS = 25


class Simulation:
    """count backends from first (an IPv4 address) on, each sending the same numbers."""

    def __init__(self, count: int, first: str, ready: int, busy: int, port: int | None):
        self.count = count
        self.first = int(ipaddress.IPv4Address(first))
        payload = encode(ready, busy)
        if port is not None:
            payload += f"&port={port}".encode()
        self.payload = payload
        self.failed = False

    def sources(self):
        for offset in range(self.count):
            yield str(ipaddress.IPv4Address(self.first + offset))


def parse_simulation(words: list[str]) -> Simulation | str:
    """HeartbeatSimulate count first-ip [ready=N] [busy=N] [port=N]; or the error text."""
    if len(words) < 2:
        return "HeartbeatSimulate takes a count, a first source address and options"
    count_text, first = words[0], words[1]
    if not is_ascii_digits(count_text) or not 1 <= digits_value(count_text, 65536) <= 65536:
        return "HeartbeatSimulate: the count must be a number from 1 to 65536"
    try:
        start = ipaddress.IPv4Address(first)
    except ValueError:
        return f"HeartbeatSimulate: '{first}' is not an IPv4 address"
    if int(start) + int(count_text) - 1 > 0xFFFFFFFF:
        return "HeartbeatSimulate: the addresses run past 255.255.255.255"
    values = {"ready": DEFAULT_THREADS, "busy": 0}  # and port=N when given
    for word in words[2:]:
        key, sep, value = word.partition("=")
        key = key.lower()
        if not sep or key not in ("ready", "busy", "port") or not is_ascii_digits(value):
            return (f"HeartbeatSimulate: '{word}' is not ready=N, busy=N or port=N")
        limit = 65535 if key == "port" else 0xFFFFFFFF
        number = digits_value(value, limit)
        if number > limit or (key == "port" and number == 0):
            return f"HeartbeatSimulate: {key} out of range in '{word}'"
        values[key] = number
    return Simulation(int(count_text), first, values["ready"], values["busy"],
                      values.get("port"))


def _counts(httpd) -> tuple[int, int]:
    scoreboard = httpd.extensions.get("scoreboard")
    if scoreboard is None:
        return DEFAULT_THREADS, 0
    return scoreboard.counts()


def send_heartbeat(httpd, ctx) -> None:
    """hb_monitor, then the simulated backends."""
    ready, busy = _counts(httpd)
    _send_one(httpd, ctx, encode(ready, busy))
    if ctx.simulations:
        _send_simulated(httpd, ctx)


def _send_one(httpd, ctx, payload: bytes) -> None:
    try:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    except OSError as error:
        httpd.log_error("heartbeat", log.WARNING, "AH02097: Heartbeat: apr_socket_create failed",
                        error.errno)
        return
    try:
        try:
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)
            if ctx.interface:
                sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                                socket.inet_aton(ctx.interface))
        except OSError as error:
            httpd.log_error("heartbeat", log.WARNING,
                            "AH02098: Heartbeat: apr_mcast_loopback failed", error.errno)
            return
        try:
            sock.sendto(payload, ctx.address)
        except OSError as error:
            httpd.log_error("heartbeat", log.WARNING,
                            "AH02099: Heartbeat: apr_socket_sendto failed", error.errno)
    finally:
        sock.close()


def open_fleet_socket(interface: str | None) -> socket.socket:
    """One non-blocking socket for many simulated backends (see send_from)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    try:
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)
        if interface:
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                            socket.inet_aton(interface))
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def send_from(sock: socket.socket, payload: bytes, source: str, address: tuple) -> None:
    """Send one datagram as if from `source` (a local address): IP_PKTINFO's spec_dst.
    BlockingIOError when the socket buffer is full."""
    info = struct.pack("I4s4s", 0, socket.inet_aton(source), b"\0\0\0\0")
    sock.sendmsg([payload], [(socket.IPPROTO_IP, IP_PKTINFO, info)], 0, address)


def _simulation_socket(ctx) -> socket.socket:
    sock = getattr(ctx, "simulation_socket", None)
    if sock is None:
        sock = ctx.simulation_socket = open_fleet_socket(ctx.interface)
    return sock


def _send_simulated(httpd, ctx) -> None:
    try:
        sock = _simulation_socket(ctx)
    except OSError as error:
        httpd.log_error("heartbeat", log.WARNING, "AH02097: Heartbeat: apr_socket_create failed",
                        error.errno)
        return
    for simulation in ctx.simulations:
        for source in simulation.sources():
            try:
                send_from(sock, simulation.payload, source, ctx.address)
            except BlockingIOError:
                continue  # the socket buffer is full: this beat is lost, like a real one
            except OSError as error:
                if not simulation.failed:
                    simulation.failed = True
                    httpd.log_error("heartbeat", log.WARNING,
                                    f"AH02099: Heartbeat: apr_socket_sendto failed (simulated "
                                    f"backend {source})", error.errno)
                break


def close(ctx) -> None:
    sock = getattr(ctx, "simulation_socket", None)
    if sock is not None:
        sock.close()
        ctx.simulation_socket = None
