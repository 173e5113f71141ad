"""The heartbeat storage interface, and the provider group its implementations register in.

mod_heartmonitor keeps what it heard in one storage, chosen once in post_config by name
from the "heartbeat_storage" provider group (as httpd modules find each other with
ap_lookup_provider): "file" (hb.dat, filestore.py) or "slotmem" (slotstore.py).
HeartbeatMaxServers 0 names "file", anything else "slotmem" (MonitorConfig.storage_kind).

Every method that touches storage while the server runs is a coroutine and never blocks
the event loop for long: the file's text is made in slices of the loop and written in a
thread, the slotmem is updated in slices. Failures are logged with httpd's messages and
never raised: the next pass retries, and identical failures are logged once a minute,
not every 5 s.
"""

from __future__ import annotations

import abc

from heartmonitor import log

from .settings import MonitorSettings

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (-t start-up)
if TYPE_CHECKING:  # -t loads this module (mod_heartmonitor's provider group), not these
    from collections.abc import Callable

    from .publish import Publisher
    from .table import Server, ServerTable

STORAGE_GROUP = "heartbeat_storage"
STORAGE_VERSION = "0"
REPEAT_LOG_SECONDS = 60.0
SLOTMEM_NAME = "mod_heartmonitor"


class FailureLog:
    """Logs a storage failure when it first happens, changes, or a minute has passed."""

    def __init__(self, httpd) -> None:
        self.httpd = httpd
        self.last: tuple | None = None
        self.last_time = 0.0
        self.repeats = 0

    def failed(self, key: tuple, level: int, message: str, status: int | None) -> None:
        now = self.httpd.clock.monotonic()
        if key == self.last and now - self.last_time < REPEAT_LOG_SECONDS:
            self.repeats += 1
            return
        if key == self.last and self.repeats:
            message += f" (failed {self.repeats} more times since last logged)"
        self.last, self.last_time, self.repeats = key, now, 0
        self.httpd.log_error("heartmonitor", level, message, status)

    def succeeded(self, what: str) -> None:
        if self.last is not None:
            self.httpd.log_error("heartmonitor", log.NOTICE, f"{what} written again")
            self.last, self.repeats = None, 0


class StorageContents:
    """What a balancer reads from a storage now (for -S and pick).

    where: how the storage is named ('"/run/hb.dat" (file)'); servers: as
    mod_lbmethod_heartbeat sees them, {ip: {port, busy, ready, seen}}; error: why
    nothing could be read (then servers is empty).
    """

    def __init__(self, where: str, servers: dict[str, dict[str, int]] | None = None,
                 error: str | None = None) -> None:
        self.where = where
        self.servers = servers or {}
        self.error = error


class HeartbeatStorage(abc.ABC):
    """One storage of the heartbeat table; a provider class is constructed with
    (httpd, config) and does nothing until open()."""

    kind = ""

    def __init__(self, httpd, config) -> None:
        self.httpd = httpd
        self.config = config
        self.settings: MonitorSettings = config.settings
        self.failures = FailureLog(httpd)
        self.writes = 0
        self.errors = 0
        self.publisher: Publisher | None = None

    def publish_with(self, publisher: Publisher) -> None:
        """What this storage writes is what the publisher makes of the table."""
        self.publisher = publisher

    def active_publisher(self) -> Publisher | None:
        """The publisher, or None while it publishes every server as heard."""
        publisher = self.publisher
        return publisher if publisher is not None and publisher.active else None

    @abc.abstractmethod
    def open(self, kept: dict) -> bool:
        """Create what the storage needs (post_config); False after logging why not."""

    def restore(self, table: ServerTable, now: float) -> None:
        """Put what an earlier run left in storage back into the table (start-up)."""
        return None

    @abc.abstractmethod
    async def write_table(self, table: ServerTable, now: float) -> None:
        """The periodic pass: storage holds the table's fresh servers, and only them."""

    @abc.abstractmethod
    async def merge(self, table: ServerTable, server: Server, now: float) -> None:
        """One POSTed server (already in the table) into storage."""

    @abc.abstractmethod
    def read(self) -> StorageContents:
        """What a balancer reads from this storage now (from any process)."""

    @abc.abstractmethod
    def findings(self) -> list:
        """What open() would fail on, found without creating anything (--strict): a list
        of heartmonitor.strict.Finding (not imported here: strict reaches this module
        through the instance lock)."""

    @property
    @abc.abstractmethod
    def location(self) -> str:
        """The file this storage lives in (hb.dat, or the slotmem's file name)."""

    @abc.abstractmethod
    def describe(self) -> str:
        """The storage in a few words, for the console and server-status."""

    async def close(self) -> None:
        """This generation stops: finish pending writes."""
        return None

    def release(self) -> None:
        """The server stops for good: remove what only this process uses."""
        return None


def storage_class(httpd, config) -> Callable[..., HeartbeatStorage] | None:
    """The provider that config names, called with (httpd, config) (None when no loaded
    module offers it)."""
    return httpd.lookup_provider(STORAGE_GROUP, config.storage_kind, STORAGE_VERSION)


def storage_for(httpd, config) -> HeartbeatStorage | None:
    provider = storage_class(httpd, config)
    return provider(httpd, config) if provider is not None else None
