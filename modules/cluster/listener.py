"""mod_heartmonitor's multicast listener (hm_listen, hm_recv, hm_processmsg).

The socket is set up as httpd sets it up (SO_REUSEADDR, non-blocking, bound to the
group address itself, IP_ADD_MEMBERSHIP, IP_MULTICAST_LOOP), with httpd's CRIT message
for the step that fails. Unlike httpd, every queued datagram is read on each wakeup (for
at most a few milliseconds at a time, so HTTP requests still get their turn), the
socket gets a large receive buffer, identical payloads are parsed once, and
malformed-message reports are limited to one per second with a count of those left out.
With heartlab_module's opt-in (HeartbeatListenUnicast On) a unicast address is bound
instead of joined.
"""

from __future__ import annotations

import errno
import socket
import struct
import time
from collections.abc import Callable

from heartmonitor import log

from .checks import is_multicast
from .codec import MAX_MSG_LEN, decode, is_heartbeat, numbers, port_of, printable
from .table import ROW_GAP, ServerTable

IP_MULTICAST_ALL = 49  # Linux; not in Python's socket module
RECEIVE_BUFFER = 32 << 20  # seconds of 25,000 small datagrams a second
# One wakeup reads for at most BUDGET seconds (the clock read every CHECK_EVERY
# datagrams), then lets requests and status pages have their turn; what is left waits in
# the receive buffer for the next turn. A count alone would not do: 1,024 datagrams
# from new servers take 10 ms or more on a busy machine, 1,024 known ones a few.
BUDGET = 0.008
CHECK_EVERY = 32
PARSE_CACHE_LIMIT = 4096
MALFORMED_WINDOW = 1.0
# A datagram as hm_recv reads it: (busy, ready, port, busy text, ready text).
Parsed = tuple[int, int, int, str, str]
# What the parse cache answers for a datagram it has not seen (never a parse result).
_NOT_CACHED: Parsed = (-1, -1, -1, "", "")


class ListenError(Exception):
    """A setup step failed: httpd's message for it and the OS error."""

    def __init__(self, message: str, errno_value: int) -> None:
        super().__init__(message)
        self.message = message
        self.errno = errno_value


def open_socket(address: str, port: int, interface: str | None = None,
                unicast: bool = False) -> socket.socket:
    """hm_listen: a socket bound to address:port and joined to it as a multicast group.

    With `unicast` (heartlab_module's HeartbeatListenUnicast On), an address that is not
    a multicast group is only bound, IPv4 or IPv6, so mod_heartbeat senders that send to
    it with HeartbeatAddress are heard where multicast is not routed.
    """
    joins = not unicast or is_multicast(address)
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    try:
        sock = socket.socket(family, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    except OSError as error:
        raise ListenError("AH02068: Failed to create listening socket.",
                          error.errno or errno.EINVAL) from None
    steps = [
        ("AH02069: Failed to set APR_SO_REUSEADDR to 1 on socket.",
         lambda: sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)),
        ("AH02070: Failed to set APR_SO_NONBLOCK to 1 on socket.",
         lambda: sock.setblocking(False)),
        ("AH02071: Failed to bind on socket.", lambda: sock.bind((address, port))),
    ]
    if joins:
        steps += [
            ("AH02072: Failed to join multicast group",
             lambda: _join(sock, address, interface)),
            ("AH02073: Failed to accept localhost mulitcast on socket.",
             lambda: sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)),
        ]
    for message, step in steps:
        try:
            step()
        except OSError as error:
            sock.close()
            raise ListenError(message, error.errno or errno.EINVAL) from None
    _enlarge_receive_buffer(sock)
    if joins:
        try:
            # Only the joined group's traffic, even when other sockets join other groups.
            sock.setsockopt(socket.IPPROTO_IP, IP_MULTICAST_ALL, 0)
        except OSError:
            pass
    return sock


def _join(sock: socket.socket, group: str, interface: str | None) -> None:
    mreq = struct.pack("4s4s", socket.inet_aton(group),
                       socket.inet_aton(interface or "0.0.0.0"))
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)


def _enlarge_receive_buffer(sock: socket.socket) -> None:
    """A burst must not overflow the socket while a storage write runs."""
    for option in (getattr(socket, "SO_RCVBUFFORCE", 33), socket.SO_RCVBUF):
        try:
            sock.setsockopt(socket.SOL_SOCKET, option, RECEIVE_BUFFER)
            return
        except OSError:
            continue


class Counters:
    __slots__ = ("received", "accepted", "malformed")

    def __init__(self) -> None:
        self.received = 0
        self.accepted = 0
        self.malformed = 0


class HeartbeatListener:
    """Reads datagrams into the server table from the event loop."""

    def __init__(self, httpd, sock: socket.socket, table: ServerTable, address: tuple) -> None:
        self.httpd = httpd
        self.sock = sock
        self.table = table
        self.address = address
        self.loop = None
        self.counters = Counters()
        self._cache: dict[bytes, Parsed | None] = {}
        self._malformed_until = 0.0
        self._suppressed = 0
        self.timer: Callable[[], float] = time.perf_counter  # what BUDGET is measured on

    def start(self, loop) -> None:
        self.loop = loop
        loop.add_reader(self.sock.fileno(), self.drain)

    def stop(self) -> None:
        if self.loop is not None:
            try:
                self.loop.remove_reader(self.sock.fileno())
            except (ValueError, OSError):
                pass
            self.loop = None

    def close(self) -> None:
        self.stop()
        self.sock.close()

    def _parse(self, data: bytes) -> Parsed | None:
        """(busy, ready, port, busy text, ready text), or None when malformed."""
        table = decode(data)
        if not is_heartbeat(table):
            return None
        busy, ready = numbers(table)
        return busy, ready, port_of(table), table["busy"], table["ready"]

    def drain(self) -> None:
        """hm_recv for every queued datagram, for up to BUDGET seconds per call."""
        recvfrom = self.sock.recvfrom
        cache = self._cache
        servers = self.table.servers
        debug = self.httpd.log_enabled("heartmonitor", log.DEBUG)
        now = self.httpd.clock.time()
        quiet = min(ROW_GAP, self.table.expire)
        timer = self.timer
        deadline = timer() + BUDGET
        count = 0
        while True:
            if count % CHECK_EVERY == 0 and count and timer() >= deadline:
                break
            count += 1
            try:
                data, source = recvfrom(MAX_MSG_LEN)
            except BlockingIOError:
                count -= 1
                break
            except OSError as error:
                count -= 1
                self.httpd.log_error("heartmonitor", log.CRIT, "AH02089: recvfrom failed",
                                     error.errno)
                break
            parsed = cache.get(data, _NOT_CACHED)
            if parsed is _NOT_CACHED:
                parsed = self._parse(data)
                if len(cache) >= PARSE_CACHE_LIMIT:
                    cache.clear()
                cache[data] = parsed
            if parsed is None:
                self._malformed(source, now)
                continue
            ip = source[0]
            server = servers.get(ip)
            appeared = False
            if server is None:
                server = self.table.add(ip, parsed[2], now)
                appeared = True
            elif now - server.seen >= quiet:  # after a silence: a new row of heartbeats
                appeared = self.table.new_row(server, now)
            server.row += 1
            server.busy = parsed[0]
            server.ready = parsed[1]
            server.seen = now
            if appeared:
                self.table.appeared(server)
            if debug:
                self.httpd.log_error(
                    "heartmonitor", log.DEBUG,
                    f"AH02086: {source[0]}:{source[1]} busy={_shown(parsed[3])} "
                    f"ready={_shown(parsed[4])}", source="mod_heartmonitor.c(549)")
        counters = self.counters
        counters.received += count
        counters.accepted = counters.received - counters.malformed

    def _malformed(self, source, now: float) -> None:
        self.counters.malformed += 1
        if now < self._malformed_until:
            self._suppressed += 1
            return
        self.flush_suppressed()
        self._malformed_until = now + MALFORMED_WINDOW
        self.httpd.log_error("heartmonitor", log.CRIT,
                             f"AH02087: malformed message from {source[0]}:{source[1]}")

    def flush_suppressed(self) -> None:
        """Report how many malformed-message lines the rate limit left out."""
        if self._suppressed:
            self.httpd.log_error(
                "heartmonitor", log.CRIT,
                f"{self._suppressed} more malformed messages were not logged (at most one "
                f"AH02087 line per second)")
            self._suppressed = 0


def _shown(value: str) -> str:
    return printable(value)
