"""What the monitor publishes: drain, warm-up and flap damping applied to what it hears.

The table keeps what servers announce; storage (hb.dat, the slotmem, HeartbeatShare) and
the server-status views show a server through a Publisher, so all of them carry the
same published values:

- drained (an operator's mark, drainlist.py): ready 0; busy, lastseen and the entry kept;
- warming (HeartbeatWarmup W): a server that appeared (new, or back after it expired)
  less than W seconds ago publishes int(ready * elapsed / W), 0 when it appears;
- hysteresis (HeartbeatHysteresis DOWN UP): mod_lbmethod_heartbeat leaves out a server
  whose lastseen is 10 or more and uses every other one. "Reported stale" therefore
  means published with lastseen >= 10 (the entry stays in storage, its ready and busy as
  announced): from DOWN seconds without a heartbeat (DOWN missed, at one a second),
  until UP heartbeats are heard in a row (no silence of ROW_GAP seconds between them).
  Otherwise the server is reported up: its lastseen is published as at most HOLD, small
  enough that the balancer still counts it fresh until the next storage pass (a slotmem
  reader ages the time itself), so a DOWN above 10 keeps a silent server in use.

With none of them set, the published values are the heard ones (and the storages do not
call the Publisher at all).
"""

from __future__ import annotations

import math
from typing import NamedTuple

from .settings import MonitorSettings
from .table import Server

# mod_lbmethod_heartbeat's find_best_hb uses a server only while `seen < 10`.
BALANCER_STALE = 10
UP, WARMING, DRAINING, DOWN = "up", "warming", "draining", "down"


class Published(NamedTuple):
    """A server as storage and status show it: seen is a time (time.time() scale)."""

    ready: int
    busy: int
    seen: float
    state: str

    def lastseen(self, now: float) -> int:
        """apr_time_sec(now - seen), as hb.dat and the status views carry it."""
        return int(now - self.seen)


def hold_seconds(storage_interval: float) -> int:
    """The largest lastseen published for a server reported up: the balancer must still
    read it below 10 when the next pass comes (a storage interval and a watchdog tick
    later)."""
    return max(0, BALANCER_STALE - 2 - math.ceil(storage_interval))


class Publisher:
    """Turns a table entry into what is published, under the knobs of the settings and
    the drained set (shared with the DrainList, so a drain takes effect at once).

    The settings are read once: a configuration generation builds its own Publisher.
    """

    def __init__(self, settings: MonitorSettings, drained: set[str] | None = None) -> None:
        self.settings = settings
        self.drained: set[str] = drained if drained is not None else set()
        self.warmup = settings.warmup
        self.hysteresis = settings.hysteresis
        self.hold = hold_seconds(settings.storage_interval)

    @property
    def active(self) -> bool:
        """False when every published value is the heard one."""
        return bool(self.drained) or self.warmup > 0 or self.hysteresis is not None

    def is_down(self, server: Server, now: float) -> bool:
        """Reported stale by the hysteresis (False when it is off)."""
        hysteresis = self.hysteresis
        if hysteresis is None:
            return False
        down, up = hysteresis
        return server.age(now) >= down or (server.down and server.row < up)

    def __call__(self, server: Server, now: float) -> Published:
        ready, seen, state = server.ready, server.seen, UP
        if self.hysteresis is not None:
            if self.is_down(server, now):
                seen, state = min(seen, now - BALANCER_STALE), DOWN
            else:
                seen = max(seen, now - self.hold)
        warmup = self.warmup
        if warmup > 0 and server.since > 0:
            elapsed = now - server.since
            if elapsed < warmup:
                ready = int(ready * max(elapsed, 0.0) / warmup)
                if state == UP:
                    state = WARMING
        if server.ip in self.drained:
            ready, state = 0, DRAINING
        return Published(ready, server.busy, seen, state)


def heard(server: Server) -> Published:
    """A server's values as heard (no knob applies)."""
    return Published(server.ready, server.busy, server.seen, UP)
