"""The "file" heartbeat storage: hb.dat, as mod_heartmonitor writes it without a slotmem.

The periodic pass renders and writes the whole file in a worker thread (one thread per
storage, so writes land in the order they were asked for); the event loop only takes a
list of the table's entries. POSTed servers are merged into the existing file as httpd
does (hm_file_update_stat), but at most once per `merge_interval` (0.1 s): the POSTs of
that window go into one rewrite. httpd rewrites the file on every POST.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from heartmonitor import log
from heartmonitor.strict import Finding

from . import hbfile
from .checks import writable_directory
from .reader import read_file
from .slices import let_go
from .storage import HeartbeatStorage, StorageContents
from .table import Server, ServerTable
from .trim import give_back_free_memory

if TYPE_CHECKING:
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

FILE_CODES = ("AH02081", "AH02082", "AH02083", "AH02084", "AH02085")
MERGE_CODES = ("AH02074", "AH02077", "AH02078", "AH02079", "AH02080")


class FileStorage(HeartbeatStorage):
    """hb.dat, replaced atomically on every write."""

    kind = "file"

    def __init__(self, httpd, config) -> None:
        super().__init__(httpd, config)
        self.path: str = config.storage_path
        self._executor: ThreadPoolExecutor | None = None
        self._pending: dict[str, Server] = {}
        self._flush: asyncio.Task | None = None
        self._last_merge = 0.0

    def open(self, kept: dict) -> bool:
        """A FIFO, device, directory or huge file at the path is refused (CRIT)."""
        refusal = hbfile.storage_problem(self.path) if self.path else None
        if refusal:
            self.httpd.log_error("heartmonitor", log.CRIT, refusal)
            return False
        return True

    def restore(self, table: ServerTable, now: float) -> None:
        if not self.path:
            return
        hbfile.remove_stale_temporaries(self.path)
        for server in hbfile.load(self.path, now):
            table.adopt(server)

    # -- writing, off the event loop ---------------------------------------------------

    async def _off_loop(self, function, *args) -> hbfile.WriteError | None:
        # Imported here, as below: a plain `-t` loads this module and never writes.
        import asyncio
        from concurrent.futures import ThreadPoolExecutor

        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="hb.dat")
        return await asyncio.get_running_loop().run_in_executor(self._executor, function,
                                                                 *args)

    def _record(self, error: hbfile.WriteError | None) -> None:
        if error is None:
            self.writes += 1
            self.failures.succeeded(self.path)
            return
        self.errors += 1
        self.failures.failed((error.code, error.errno), log.CRIT,
                             f"{error.code}: {error.message}", error.errno)

    def _render_and_write(self, table: ServerTable, addresses: list[str], now: float,
                          expire: int, publish: hbfile.Publish | None
                          ) -> hbfile.WriteError | None:
        try:
            data = hbfile.render(table.present(addresses), now, expire, publish)
            hbfile.write_atomically(self.path, data, FILE_CODES)
        except hbfile.WriteError as error:
            return error
        finally:
            data = b""
            give_back_free_memory()  # what building the file freed, in this thread
        return None

    def _merge_and_write(self, servers: list[Server], now: float,
                         publish: hbfile.Publish | None) -> hbfile.WriteError | None:
        try:
            data, mtime = hbfile.read_storage(self.path)
        except (OSError, hbfile.StorageRefused):
            data, mtime = b"", now
        try:
            hbfile.write_atomically(self.path, hbfile.merge(data, mtime, servers, now, publish),
                                    MERGE_CODES)
        except hbfile.WriteError as error:
            return error
        return None

    async def write_table(self, table: ServerTable, now: float) -> None:
        # The servers are looked up in the writing thread: the loop copies only the keys,
        # and frees them a slice per turn once the thread is done.
        addresses = table.addresses()
        try:
            self._record(await self._off_loop(self._render_and_write, table, addresses, now,
                                              table.expire, self.active_publisher()))
        finally:
            let_go([addresses])

    async def merge(self, table: ServerTable, server: Server, now: float) -> None:
        """Queue the server; the first POST after a quiet window is written at once."""
        import asyncio

        self._pending[server.ip] = server
        if self._flush is None:
            wait = self._last_merge + self.settings.merge_interval - time.monotonic()
            self._flush = asyncio.get_running_loop().create_task(self._merge_after(wait))

    async def _merge_after(self, wait: float) -> None:
        import asyncio

        if wait > 0:
            await asyncio.sleep(wait)
        self._flush = None
        self._last_merge = time.monotonic()
        servers = list(self._pending.values())
        self._pending.clear()
        self._record(await self._off_loop(self._merge_and_write, servers, time.time(),
                                          self.active_publisher()))

    async def close(self) -> None:
        if self._flush is not None:
            await self._flush
        if self._pending:
            await self._merge_after(0)
        if self._executor is not None:
            self._executor.shutdown(wait=False)
            self._executor = None

    # -- reading and checking ----------------------------------------------------------

    def read(self) -> StorageContents:
        where = f'"{self.path}" (file)'
        try:
            return StorageContents(where, read_file(self.path))
        except OSError as error:
            return StorageContents(where, error=error.strerror)

    def findings(self) -> list[Finding]:
        if not self.path:
            return []
        findings = []
        refusal = hbfile.storage_problem(self.path)
        if refusal:
            findings.append(Finding(
                "heartmonitor", log.CRIT, refusal,
                hint="HeartbeatStorage must name a regular file (or one not created yet)"))
        failure = writable_directory(self.path)
        if failure:
            findings.append(Finding(
                "heartmonitor", log.CRIT,
                f"AH02081: Unable to open tmp file: {self.path}.tmp.XXXXXX", status=failure,
                hint="the directory of HeartbeatStorage must exist and be writable"))
        return findings

    @property
    def location(self) -> str:
        return self.path

    def describe(self) -> str:
        return f"{self.path} (file)"
