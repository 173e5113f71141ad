"""The monitor's memory: one entry per heartbeat source, keyed by its IP text.

As in mod_heartmonitor: the port is set when a server is first seen and never changed;
busy, ready and the time of the last heartbeat are updated by each message. Entries
are kept after they go stale (they come back when the server sends again) until
`forget_after` seconds without a heartbeat, which httpd never does. `expire` is the
SEEN_TIMEOUT of mod_heartmonitor.c unless the settings say otherwise.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator

from .slices import in_slices, let_go

SEEN_TIMEOUT = 30
# A silence this long ends a row of heartbeats: mod_heartbeat sends one a second, so at
# least one was missed (publish.py counts rows for HeartbeatHysteresis).
ROW_GAP = 2.0


# The cyclic collector never needs to see a Server: its slots hold only numbers and text,
# so it cannot be part of a cycle, and 300,000 of them would be walked by every full
# collection (120-200 ms; the first one after a restart gives back what was frozen).
# Nor the table's dict and its set of stale addresses, which hold only servers and text:
# walking a dict of 300,000 servers touches each key and value (10-50 ms).
_untrack: Callable[[object], None] | None = None


def _load_untrack() -> Callable[[object], None]:
    global _untrack
    import ctypes  # serving only: -t never creates a Server

    function = ctypes.pythonapi.PyObject_GC_UnTrack
    function.argtypes = (ctypes.py_object,)
    function.restype = None
    _untrack = function
    return function


def out_of_sight(container: object) -> None:
    """Take a container of servers and text out of the cyclic collector's lists
    (PyObject_GC_UnTrack: reference counting still frees it). A dict goes back into
    them whenever a server is stored in it, so every store is followed by this."""
    (_untrack or _load_untrack())(container)


class Server:
    """One heartbeat source. Besides what it announced: `since`, when it appeared (new,
    or back after it expired; 0 for one restored from storage), `row`, heartbeats heard
    since its last silence of ROW_GAP seconds, and `down`, whether HeartbeatHysteresis
    had it published stale when that row began."""

    __slots__ = ("ip", "port", "busy", "ready", "seen", "since", "row", "down")

    def __init__(self, ip: str, port: int, busy: int = 0, ready: int = 0, seen: float = 0.0):
        self.ip = ip
        self.port = port
        self.busy = busy
        self.ready = ready
        self.seen = seen
        self.since = 0.0
        self.row = 0
        self.down = False
        (_untrack or _load_untrack())(self)

    def age(self, now: float) -> int:
        """apr_time_sec(now - seen): whole seconds, truncated toward zero."""
        return int(now - self.seen)

    def __repr__(self) -> str:
        return f"<Server {self.ip}:{self.port} ready={self.ready} busy={self.busy}>"


class ServerTable:
    """hm_ctx_t's server hash, plus change notification for the terminal and status."""

    def __init__(self, expire: int = SEEN_TIMEOUT) -> None:
        self.servers: dict[str, Server] = {}
        self.expire = expire
        self.on_new: Callable[[Server], None] | None = None  # a server is first seen
        self.on_stale: Callable[[Server], None] | None = None  # a server passes expire
        self._stale: set[str] = set()
        # (down, up) of HeartbeatHysteresis, or None (MonitorSettings.hysteresis)
        self.hysteresis: tuple[int, int] | None = None

    def __len__(self) -> int:
        return len(self.servers)

    def add(self, ip: str, port: int, now: float | None = None) -> Server:
        """hm_get_server for an IP not seen before: its port is fixed from now on."""
        server = self.servers[ip] = Server(ip, port)
        out_of_sight(self.servers)
        server.since = time.time() if now is None else now
        return server

    def addresses(self) -> list[str]:
        """The table's addresses as they are now, for a pass over it in slices (a server
        may be gone by the time its address comes up). Copying the keys is the least
        that a snapshot of 300,000 entries can cost (5-15 ms), and the list is out of
        the collector's sight: young collections would walk it item by item."""
        addresses = list(self.servers)
        out_of_sight(addresses)
        return addresses

    def present(self, addresses: Iterable[str]) -> Iterator[Server]:
        """The servers of these addresses that the table still holds."""
        servers = self.servers
        for ip in addresses:
            server = servers.get(ip)
            if server is not None:
                yield server

    def adopt(self, server: Server) -> None:
        """A server read from storage or from a peer goes into the table as it is."""
        self.servers[server.ip] = server
        out_of_sight(self.servers)

    def new_row(self, server: Server, now: float) -> bool:
        """A heartbeat after a silence of ROW_GAP seconds or more (or of more than expire):
        a new row of heartbeats begins. True when the server is back after being
        reported stale (then it also appeared again, for the warm-up).

        With hysteresis, whether the server was published stale when this row begins
        is settled here, where the length of the silence is known: it was if the
        silence lasted `down` seconds, or if it was already and the row that ended was
        shorter than `up` heartbeats.
        """
        silence = now - server.seen
        if self.hysteresis is not None:
            down, up = self.hysteresis
            server.down = int(silence) >= down or (server.down and server.row < up)
        server.row = 0
        if silence > self.expire:
            server.since = now
            return self.revive(server)
        return False

    def revive(self, server: Server) -> bool:
        """A server that had gone stale sends again: True when it had been reported."""
        if server.ip in self._stale:
            self._stale.discard(server.ip)
            return True
        return False

    def appeared(self, server: Server) -> None:
        """Tell on_new about a server that is new or back (its fields already set)."""
        if self.on_new is not None:
            self.on_new(server)

    def update(self, ip: str, port: int, busy: int, ready: int, now: float | None = None
               ) -> Server:
        """hm_get_server + the field updates of hm_processmsg / the POST handler."""
        now = time.time() if now is None else now
        server = self.servers.get(ip)
        appeared = server is None
        if server is None:
            server = self.add(ip, port, now)
        elif now - server.seen >= min(ROW_GAP, self.expire):
            appeared = self.new_row(server, now)
        server.row += 1
        server.busy = busy
        server.ready = ready
        server.seen = now
        if appeared:
            self.appeared(server)
        return server

    async def sweep(self, now: float, forget_after: float | None = None) -> list[Server]:
        """Note servers newly stale; drop those unseen for forget_after seconds.

        Done in slices: a server heard again meanwhile is judged by its new time.
        """
        forgotten = []
        expire = self.expire
        out_of_sight(self._stale)  # a set stays out once taken out
        everyone = self.addresses()
        async for addresses in in_slices(everyone):
            for server in self.present(addresses):
                age = server.age(now)
                if age <= expire and (forget_after is None or age <= forget_after):
                    continue
                ip = server.ip
                if age > expire and ip not in self._stale:
                    self._stale.add(ip)
                    if self.on_stale is not None:
                        self.on_stale(server)
                if (forget_after is not None and age > forget_after
                        and self.servers.get(ip) is server):
                    del self.servers[ip]
                    self._stale.discard(ip)
                    forgotten.append(server)
        let_go([everyone])
        return forgotten

    def is_fresh(self, server: Server, now: float) -> bool:
        return server.age(now) <= self.expire

    def fresh(self, now: float) -> list[Server]:
        return [s for s in self.servers.values() if s.age(now) <= self.expire]
