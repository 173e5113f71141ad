"""Fleet scenarios for `heartmonitorctl simulate`: the file format and what it means.

A scenario is a TOML file (conf/scenarios/ has examples; README.md has the schema):

    [fleet]   servers, first, interval, duration
    [send]    transport (multicast | unicast | post), to, interface
    [load]    model (steady | random | ramp), ready, busy, ready_start, busy_start,
              ramp, seed, port
    [[event]] at, action (die | return | partition | flap | port), share or servers,
              for, period, port

`Scenario.beats(t)` says which backends beat at time t and with what message, so the
timeline is tested without a clock. Errors name the file and the line.
"""

from __future__ import annotations

import ipaddress
import math
import random
import re
import tomllib
from dataclasses import dataclass, field
from typing import NoReturn, overload
from urllib.parse import urlsplit

from heartmonitor.cnum import digits_value, is_ascii_digits
from heartmonitor.modules.cluster.codec import encode

MAX_SERVERS = 10000
TRANSPORTS = ("multicast", "unicast", "post")
MODELS = ("steady", "random", "ramp")
ACTIONS = ("die", "return", "partition", "flap", "port")
TABLES = {
    "fleet": {"servers", "first", "interval", "duration"},
    "send": {"transport", "to", "interface"},
    "load": {"model", "ready", "busy", "ready_start", "busy_start", "ramp", "seed", "port"},
    "event": {"at", "action", "share", "servers", "for", "period", "port"},
}


class ScenarioError(Exception):
    """One problem in a scenario file: `path:line: message`."""

    def __init__(self, path: str, line: int | None, message: str) -> None:
        self.path, self.line, self.message = path, line, message
        super().__init__(f"{path}:{line}: {message}" if line else f"{path}: {message}")


@dataclass
class Event:
    at: float
    action: str
    first: int  # index range [first, last) of the fleet it concerns
    last: int
    duration: float = 0.0
    period: float = 1.0
    port: int | None = None


@dataclass
class Scenario:
    servers: int
    first: str
    interval: float
    duration: float
    transport: str
    to: str
    interface: str | None
    model: str
    ready: int
    busy: int
    ready_start: int
    busy_start: int
    ramp: float
    seed: int
    port: int | None
    events: list[Event] = field(default_factory=list)
    _sources: list[str] = field(default_factory=list, repr=False)

    def sources(self) -> list[str]:
        if len(self._sources) != self.servers:
            start = int(ipaddress.IPv4Address(self.first))
            self._sources = [str(ipaddress.IPv4Address(start + i)) for i in range(self.servers)]
        return self._sources

    def target(self) -> tuple[str, int]:
        host, _sep, port = self.to.rpartition(":")
        return host, int(port)

    def load_at(self, t: float, beat: int) -> list[tuple[int, int]]:
        """(ready, busy) of every backend at time t (the beat number seeds random)."""
        if self.model == "ramp":
            done = 1.0 if self.ramp <= 0 else min(1.0, max(0.0, t / self.ramp))
            ready = round(self.ready_start + (self.ready - self.ready_start) * done)
            busy = round(self.busy_start + (self.busy - self.busy_start) * done)
            return [(ready, busy)] * self.servers
        if self.model == "random":
            rng = random.Random(self.seed * 1_000_003 + beat)
            return [(rng.randint(0, self.ready), rng.randint(0, self.busy))
                    for _ in range(self.servers)]
        return [(self.ready, self.busy)] * self.servers

    def state_at(self, t: float) -> tuple[list[bool], list[int | None]]:
        """(alive, announced port) of every backend at time t."""
        alive = [True] * self.servers
        ports: list[int | None] = [self.port] * self.servers
        for event in self.events:
            if event.at > t:
                continue
            span = range(event.first, event.last)
            if event.action in ("die", "return"):
                for index in span:
                    alive[index] = event.action == "return"
            elif event.action == "partition" and t < event.at + event.duration:
                for index in span:
                    alive[index] = False
            elif event.action == "flap" and t < event.at + event.duration:
                down = int((t - event.at) // event.period) % 2 == 0
                for index in span:
                    alive[index] = alive[index] and not down
            elif event.action == "port":
                for index in span:
                    ports[index] = event.port
        return alive, ports

    def beats(self, t: float, beat: int = 0) -> list[tuple[str, bytes]]:
        """(source address, message) of every backend that beats at time t."""
        alive, ports = self.state_at(t)
        loads = self.load_at(t, beat)
        out = []
        for source, up, port, (ready, busy) in zip(self.sources(), alive, ports, loads,
                                                  strict=True):
            if up:
                payload = encode(ready, busy)
                if port is not None:
                    payload += f"&port={port}".encode()
                out.append((source, payload))
        return out


# -- reading a file -----------------------------------------------------------------------

class Lines:
    """Where each key of each table was written (tomllib does not say)."""

    _HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.-]+)\s*\]\]?")
    _KEY = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")

    def __init__(self, text: str) -> None:
        self.keys: dict[tuple[str, int, str], int] = {}
        self.headers: dict[tuple[str, int], int] = {}
        counts: dict[str, int] = {}
        table, index = "", 0
        for number, line in enumerate(text.splitlines(), 1):
            header = self._HEADER.match(line)
            if header:
                table = header.group(2)
                index = counts.get(table, -1) + 1 if header.group(1) == "[[" else 0
                counts[table] = index
                self.headers[(table, index)] = number
                continue
            key = self._KEY.match(line)
            if key:
                self.keys.setdefault((table, index, key.group(1)), number)

    def of(self, table: str, index: int = 0, key: str | None = None) -> int | None:
        if key is not None and (table, index, key) in self.keys:
            return self.keys[(table, index, key)]
        return self.headers.get((table, index))


class Reader:
    """Typed access to one table of the file, with errors that name the line."""

    def __init__(self, path: str, lines: Lines, table: str, index: int, data: dict) -> None:
        self.path, self.lines, self.table, self.index, self.data = path, lines, table, index, data
        label = f"[[{table}]] #{index + 1}" if table == "event" else f"[{table}]"
        self.label = label
        for key in data:
            if key not in TABLES[table]:
                self.fail(key, f"{label}: unknown key '{key}' (known: "
                          f"{', '.join(sorted(TABLES[table]))})")

    def fail(self, key: str | None, message: str) -> NoReturn:
        raise ScenarioError(self.path, self.lines.of(self.table, self.index, key), message)

    # A number with a default is always there; one without may be missing (None).
    @overload
    def number(self, key: str, default: float, low: float, high: float,
               integer: bool = False) -> float: ...

    @overload
    def number(self, key: str, default: None, low: float, high: float,
               integer: bool = False) -> float | None: ...

    def number(self, key: str, default: float | None, low: float, high: float,
               integer: bool = False) -> float | None:
        value = self.data.get(key, default)
        if value is None:
            return None
        kinds = (int,) if integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds) or not (
                low <= value <= high) or (isinstance(value, float) and math.isnan(value)):
            kind = "a whole number" if integer else "a number"
            self.fail(key, f"{self.label}: {key} must be {kind} from {low:g} to {high:g}, "
                      f"not {value!r}")
        return value

    def choice(self, key: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.data.get(key, default)
        if value not in choices:
            self.fail(key, f"{self.label}: {key} must be one of {', '.join(choices)}, "
                      f"not {value!r}")
        return value

    @overload
    def text(self, key: str, default: str) -> str: ...

    @overload
    def text(self, key: str, default: None) -> str | None: ...

    def text(self, key: str, default: str | None) -> str | None:
        value = self.data.get(key, default)
        if value is not None and not isinstance(value, str):
            self.fail(key, f"{self.label}: {key} must be a string, not {value!r}")
        return value


def load(path: str) -> Scenario:
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as error:
        raise ScenarioError(path, None, error.strerror or str(error)) from None
    try:
        text = raw.decode("utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError as error:
        raise ScenarioError(path, raw[: error.start].count(b"\n") + 1,
                            "not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        found = re.search(r"\(at line (\d+), column \d+\)$", message)
        at_line = int(found.group(1)) if found else None
        message = message[: found.start()].strip() if found else message
        raise ScenarioError(path, at_line, f"TOML: {message}") from None
    return parse(path, text, data)


def parse(path: str, text: str, data: dict) -> Scenario:
    lines = Lines(text)
    for key, value in data.items():
        if key not in TABLES:
            raise ScenarioError(path, lines.of(key) or lines.keys.get(("", 0, key)),
                                f"unknown table '{key}' (known: fleet, send, load, event)")
        if key == "event" and not isinstance(value, list):
            raise ScenarioError(path, lines.of(key), "events are written [[event]]")
        if key != "event" and not isinstance(value, dict):
            raise ScenarioError(path, lines.of(key), f"'{key}' must be a table [{key}]")
    fleet = Reader(path, lines, "fleet", 0, data.get("fleet", {}))
    servers = int(fleet.number("servers", 10, 1, MAX_SERVERS, integer=True))
    first = fleet.text("first", "127.0.1.1")
    try:
        start = ipaddress.IPv4Address(first)
    except ValueError:
        fleet.fail("first", f"[fleet]: first must be an IPv4 address, not {first!r}")
    if int(start) + servers - 1 > 0xFFFFFFFF:
        fleet.fail("servers", "[fleet]: the addresses run past 255.255.255.255")
    send = Reader(path, lines, "send", 0, data.get("send", {}))
    transport = send.choice("transport", "multicast", TRANSPORTS)
    default_to = {"multicast": "239.0.0.1:27999", "unicast": "127.0.0.1:27999",
                  "post": "http://127.0.0.1:8080/heartbeat"}[transport]
    to = send.text("to", default_to)
    check_target(send, transport, to)
    interface = send.text("interface", "127.0.0.1" if transport == "multicast" else None)
    load_table = Reader(path, lines, "load", 0, data.get("load", {}))
    model = load_table.choice("model", "steady", MODELS)
    ready = int(load_table.number("ready", 25, 0, 0xFFFFFFFF, integer=True))
    busy = int(load_table.number("busy", 0, 0, 0xFFFFFFFF, integer=True))
    port = load_table.number("port", None, 1, 65535, integer=True)
    scenario = Scenario(
        servers=servers, first=first, interval=float(fleet.number("interval", 1, 0.05, 3600)),
        duration=float(fleet.number("duration", 0, 0, 86400 * 365)), transport=transport,
        to=to, interface=interface, model=model, ready=ready, busy=busy,
        ready_start=int(load_table.number("ready_start", 0, 0, 0xFFFFFFFF, integer=True)),
        busy_start=int(load_table.number("busy_start", 0, 0, 0xFFFFFFFF, integer=True)),
        ramp=float(load_table.number("ramp", 0, 0, 86400)),
        seed=int(load_table.number("seed", 1, 0, 2**63, integer=True)),
        port=None if port is None else int(port))
    for index, item in enumerate(data.get("event", [])):
        scenario.events.append(parse_event(Reader(path, lines, "event", index, item), servers))
    scenario.events.sort(key=lambda event: event.at)
    return scenario


def check_target(send: Reader, transport: str, to: str) -> None:
    if transport == "post":
        parts = urlsplit(to)
        if parts.scheme != "http" or not parts.hostname:
            send.fail("to", f"[send]: to must be an http:// URL for post, not {to!r}")
        return
    host, sep, port = to.rpartition(":")
    try:
        address = ipaddress.IPv4Address(host)
    except ValueError:
        address = None
    if not sep or address is None or not is_ascii_digits(port) or \
            not 1 <= digits_value(port, 65535) <= 65535:
        send.fail("to", f"[send]: to must be IPv4:port, not {to!r}")
    if (transport == "multicast") != address.is_multicast:
        want = "a multicast group" if transport == "multicast" else "a unicast address"
        send.fail("to", f"[send]: {transport} sends to {want}, not {host}")


def parse_event(event: Reader, servers: int) -> Event:
    if "at" not in event.data or "action" not in event.data:
        event.fail(None, f"{event.label}: an event needs at and action")
    at = float(event.number("at", 0, 0, 86400 * 365))
    action = event.choice("action", "die", ACTIONS)
    first, last = select(event, servers)
    result = Event(at, action, first, last)
    if action in ("partition", "flap"):
        if "for" not in event.data:
            event.fail("action", f"{event.label}: {action} needs for (seconds)")
        result.duration = float(event.number("for", 0, 0, 86400 * 365))
    if action == "flap":
        result.period = float(event.number("period", 2, 0.1, 86400))
    if action == "port":
        if "port" not in event.data:
            event.fail("action", f"{event.label}: port needs port (the new port)")
        result.port = int(event.number("port", 80, 1, 65535, integer=True))
    return result


def select(event: Reader, servers: int) -> tuple[int, int]:
    """The backends an event concerns: the first `share` of the fleet, or `servers =
    "a-b"` (1-based, inclusive); the whole fleet when neither is given."""
    if "share" in event.data and "servers" in event.data:
        event.fail("servers", f"{event.label}: give share or servers, not both")
    if "share" in event.data:
        share = event.number("share", 1, 0, 1)
        return 0, math.ceil(share * servers)
    text = event.text("servers", None)
    if text is None:
        return 0, servers
    found = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", text)
    low = int(found.group(1)) if found else 0
    high = int(found.group(2) or low) if found else 0
    if not found or not 1 <= low <= high <= servers:
        event.fail("servers", f"{event.label}: servers must be \"a-b\" within 1-{servers}, "
                   f"not {text!r}")
    return low - 1, high
