"""The monitor's timings: one object, read by the table, the storage and the status pages.

httpd hard-codes these (30 s in mod_heartmonitor.c, 5 s HM_UPDATE_SEC); heartmonitor keeps
them as plain attributes of MonitorSettings so that a directive setting one is a one-line
handler (`config.settings.expire = seconds`).
"""

from __future__ import annotations


class MonitorSettings:
    """How long a server stays in storage, in the table, and how often storage is written."""

    __slots__ = ("expire", "forget", "storage_interval", "merge_interval", "warmup",
                 "hysteresis")

    def __init__(self) -> None:
        # Seconds without a heartbeat after which a server leaves storage (httpd: 30).
        self.expire: int = 30
        # Seconds without a heartbeat after which it leaves the table (httpd: never).
        self.forget: float = 3600.0
        # Seconds between two periodic storage passes (httpd: HM_UPDATE_SEC, 5).
        self.storage_interval: float = 5.0
        # At most one hb.dat rewrite per this many seconds for POSTed heartbeats (httpd
        # rewrites it on every POST).
        self.merge_interval: float = 0.1
        # Seconds over which a server that appears has its published ready ramp up (0: off).
        self.warmup: int = 0
        # (down, up): heartbeats missed before a server is published stale, and heard in
        # a row before it is published up again; None: off (publish.py).
        self.hysteresis: tuple[int, int] | None = None
