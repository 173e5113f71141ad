"""The monitor's memory: one entry per heartbeat source, keyed by its IP text.

As in mod_heartmonitor: the port is set when a server is first seen and never changed;
busy, ready and the time of the last heartbeat are updated by each message. Entries
are kept after they go stale (they come back when the server sends again) until
`forget_after` seconds without a heartbeat, which httpd never does.
"""

from __future__ import annotations

import time

SEEN_TIMEOUT = 30


class Server:
    __slots__ = ("ip", "port", "busy", "ready", "seen")

    def __init__(self, ip: str, port: int, busy: int = 0, ready: int = 0, seen: float = 0.0):
        self.ip = ip
        self.port = port
        self.busy = busy
        self.ready = ready
        self.seen = seen

    def age(self, now: float) -> int:
        """apr_time_sec(now - seen): whole seconds, truncated toward zero."""
        return int(now - self.seen)

    def __repr__(self) -> str:
        return f"<Server {self.ip}:{self.port} ready={self.ready} busy={self.busy}>"


class ServerTable:
    """hm_ctx_t's server hash, plus change notification for the terminal and status."""

    def __init__(self) -> None:
        self.servers: dict[str, Server] = {}
        self.on_new = None  # callback(server) when a server is first seen
        self.on_stale = None  # callback(server) when a server passes SEEN_TIMEOUT
        self._stale: set[str] = set()

    def __len__(self) -> int:
        return len(self.servers)

    def add(self, ip: str, port: int) -> Server:
        """hm_get_server for an IP not seen before: its port is fixed from now on."""
        server = self.servers[ip] = Server(ip, port)
        return server

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
        server = self.servers.get(ip)
        appeared = server is None
        if server is None:
            server = self.add(ip, port)
        else:
            appeared = self.revive(server)
        server.busy = busy
        server.ready = ready
        server.seen = time.time() if now is None else now
        if appeared:
            self.appeared(server)
        return server

    def sweep(self, now: float, forget_after: float | None = None) -> list[Server]:
        """Note servers newly stale; drop those unseen for forget_after seconds."""
        forgotten = []
        for ip, server in list(self.servers.items()):
            age = server.age(now)
            if age > SEEN_TIMEOUT and ip not in self._stale:
                self._stale.add(ip)
                if self.on_stale is not None:
                    self.on_stale(server)
            if forget_after is not None and age > forget_after:
                del self.servers[ip]
                self._stale.discard(ip)
                forgotten.append(server)
        return forgotten

    def fresh(self, now: float) -> list[Server]:
        return [s for s in self.servers.values() if s.age(now) <= SEEN_TIMEOUT]
