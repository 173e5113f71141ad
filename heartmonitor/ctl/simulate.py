"""`heartmonitorctl simulate SCENARIO.toml`: a fleet of backends beating as a scenario says.

Datagrams (multicast or unicast) leave one socket with each backend's own source
address (IP_PKTINFO, as HeartbeatSimulate sends them); POSTs come from connections
bound to each backend's address. On loopback every 127.x.y.z is local, which is how
one machine stands in for thousands of backends: a monitor tells servers apart by
source address only.
"""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlsplit

from .scenario import Scenario, ScenarioError, load

POST_CONCURRENCY = 64


class Counters:
    def __init__(self) -> None:
        self.sent = 0
        self.lost = 0  # socket buffer full, connection refused, or a non-200 answer
        self.first_error: str | None = None

    def failed(self, reason: str) -> None:
        self.lost += 1
        if self.first_error is None:
            self.first_error = reason


def send_datagrams(sock, scenario: Scenario, beats: list[tuple[str, bytes]],
                   counters: Counters) -> None:
    from heartmonitor.modules.cluster.sender import send_from

    address = scenario.target()
    for source, payload in beats:
        try:
            send_from(sock, payload, source, address)
            counters.sent += 1
        except BlockingIOError:
            counters.failed("the socket buffer was full")
        except OSError as error:
            counters.failed(f"{source}: {error.strerror}")


async def post_one(url, source: str, payload: bytes, counters: Counters,
                   limit: asyncio.Semaphore, timeout: float) -> None:
    path = (url.path or "/") + (f"?{url.query}" if url.query else "")
    request = (f"POST {path} HTTP/1.1\r\nHost: {url.netloc}\r\nContent-Length: {len(payload)}"
               "\r\nContent-Type: application/x-www-form-urlencoded\r\nConnection: close"
               "\r\n\r\n").encode() + payload
    async with limit:
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(
                url.hostname, url.port or 80, local_addr=(source, 0)), timeout)
            try:
                writer.write(request)
                status = await asyncio.wait_for(reader.readline(), timeout)
            finally:
                writer.close()
        except (TimeoutError, OSError) as error:
            counters.failed(f"{source}: {getattr(error, 'strerror', None) or 'timed out'}")
            return
    if status.split(b" ")[1:2] == [b"200"]:
        counters.sent += 1
    else:
        counters.failed(f"{source}: {status.decode('latin-1').strip() or 'no answer'}")


async def run_fleet(scenario: Scenario, out, duration: float | None = None) -> Counters:
    counters = Counters()
    total = scenario.duration if duration is None else duration
    sock = None
    if scenario.transport != "post":
        from heartmonitor.modules.cluster.sender import open_fleet_socket

        sock = open_fleet_socket(scenario.interface)
    url = urlsplit(scenario.to)
    limit = asyncio.Semaphore(POST_CONCURRENCY)
    announced: set[int] = set()
    start = time.monotonic()
    beat = 0
    try:
        while True:
            t = time.monotonic() - start
            if total and t >= total:
                break
            announce(scenario, t, announced, out)
            beats = scenario.beats(t, beat)
            if sock is not None:
                send_datagrams(sock, scenario, beats, counters)
            else:
                await asyncio.gather(*(post_one(url, source, payload, counters, limit,
                                                scenario.interval)
                                       for source, payload in beats))
            beat += 1
            next_beat = start + beat * scenario.interval
            await asyncio.sleep(max(0.0, next_beat - time.monotonic()))
    finally:
        if sock is not None:
            sock.close()
    return counters


def announce(scenario: Scenario, t: float, announced: set[int], out) -> None:
    """One line per event when it starts, so a lab log shows the timeline."""
    sources = scenario.sources()
    for number, event in enumerate(scenario.events):
        if number in announced or event.at > t:
            continue
        announced.add(number)
        count = event.last - event.first
        what = f"{event.action} {count} servers ({sources[event.first]}-{sources[event.last - 1]})"
        if event.action in ("partition", "flap"):
            what += f" for {event.duration:g} s"
        if event.action == "port":
            what += f": port {event.port}"
        out.write(f"t={event.at:g}s {what}\n")
        out.flush()


def run(args, out, err) -> int:
    try:
        scenario = load(args.scenario)
    except ScenarioError as error:
        err.write(f"heartmonitorctl simulate: {error}\n")
        return 1
    target = scenario.to
    out.write(f"simulating {scenario.servers} servers from {scenario.first} by "
              f"{scenario.transport} to {target} every {scenario.interval:g} s\n")
    out.flush()
    started = time.monotonic()
    try:
        counters = asyncio.run(run_fleet(scenario, out, args.duration))
    except KeyboardInterrupt:
        return 130
    except OSError as error:
        err.write(f"heartmonitorctl simulate: cannot send: {error.strerror}\n")
        return 1
    elapsed = time.monotonic() - started
    out.write(f"sent {counters.sent} heartbeats in {elapsed:.1f} s, {counters.lost} lost"
              + (f" (first: {counters.first_error})" if counters.first_error else "") + "\n")
    return 0
