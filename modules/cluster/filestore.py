"""The "file" heartbeat storage: hb.dat, as mod_heartmonitor writes it without a slotmem.

The file's text is made on the event loop a slice of the table at a time (a few
milliseconds per turn); reading and writing the file, the system calls, happen in a
worker thread. Made in that thread, 300,000 lines held the GIL for 250 ms, and the loop,
which gives the GIL away at every system call, waited up to the 5 ms switch interval to
get it back each time: requests waited 200-330 ms. One pass at a time (a lock), so
writes land in the order they were asked for.

POSTed servers are merged into the existing file as httpd does (hm_file_update_stat),
but at most once per `merge_interval` (0.1 s): the POSTs of that window go into one
rewrite. httpd rewrites the file on every POST.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from heartmonitor import log
from heartmonitor.strict import Finding
from heartmonitor.turns import yield_to_loop

from . import hbfile
from .checks import writable_directory
from .reader import read_file
from .slices import in_slices, let_go
from .storage import HeartbeatStorage, StorageContents
from .table import Server, ServerTable
from .trim import give_back_free_memory

if TYPE_CHECKING:
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

T = TypeVar("T")
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
        self._passes: asyncio.Lock | None = None  # one render or merge at a time

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

    # -- writing: text made on the loop in slices, system calls in a thread -------------

    async def _off_loop(self, function: Callable[..., T], *args) -> T:
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

    def _write(self, parts: list[bytes], codes: tuple[str, ...]) -> hbfile.WriteError | None:
        try:
            hbfile.write_atomically(self.path, parts, codes)
        except hbfile.WriteError as error:
            return error
        finally:
            give_back_free_memory()  # what making the file freed, in this thread
        return None

    @staticmethod
    def _read_for_merge(path: str, now: float) -> tuple[bytes, float]:
        try:
            return hbfile.read_storage(path)
        except (OSError, hbfile.StorageRefused):
            return b"", now

    def _one_pass(self) -> asyncio.Lock:
        import asyncio

        if self._passes is None:
            self._passes = asyncio.Lock()
        return self._passes

    async def write_table(self, table: ServerTable, now: float) -> None:
        # The loop copies the keys, renders a slice of servers per turn, and frees the
        # keys and the text a slice per turn once the thread has written them.
        async with self._one_pass():
            addresses = table.addresses()
            parts: list[bytes] = []
            publish = self.active_publisher()
            try:
                async for some in in_slices(addresses):
                    parts.append(hbfile.render(table.present(some), now, table.expire,
                                               publish))
                self._record(await self._off_loop(self._write, parts, FILE_CODES))
            finally:
                let_go([addresses, parts])

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
        async with self._one_pass():
            # The POSTs that came while a table pass held the file join this merge.
            self._flush = None
            self._last_merge = time.monotonic()
            servers = list(self._pending.values())
            self._pending.clear()
            now = time.time()
            data, mtime = await self._off_loop(self._read_for_merge, self.path, now)
            parts: list[bytes] = []
            try:
                for part in hbfile.merge_parts(data, mtime, servers, now,
                                               self.active_publisher()):
                    parts.append(part)
                    await yield_to_loop()
                data = b""
                self._record(await self._off_loop(self._write, parts, MERGE_CODES))
            finally:
                let_go([parts])

    async def close(self) -> None:
        if self._flush is not None:
            await self._flush
        if self._pending:
            await self._merge_after(0)
        async with self._one_pass():  # a pass in progress ends first
            pass
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
