"""Where mod_heartmonitor keeps what it heard: hb.dat or the slotmem, behind one interface.

write_all(table, now) is the periodic pass (hm_file_update_stats / hm_slotmem_update_stats);
write_one(table, server, now) is the POST handler's (hm_file_update_stat /
hm_slotmem_update_stat). Failures are logged with httpd's messages and never raised: the
next pass retries, and identical failures are logged once a minute, not every 5 s.
"""

from __future__ import annotations

import time

from heartmonitor import log
from heartmonitor.cstr import atoi, to_int32

from . import hbfile
from .codec import qs_to_table
from .slotmem import pack_slot, unpack_slot
from .table import SEEN_TIMEOUT, Server, ServerTable

REPEAT_LOG_SECONDS = 60.0
FILE_CODES = ("AH02081", "AH02082", "AH02083", "AH02084", "AH02085")
MERGE_CODES = ("AH02074", "AH02077", "AH02078", "AH02079", "AH02080")


class FailureLog:
    """Logs a storage failure when it first happens, changes, or a minute has passed."""

    def __init__(self, httpd) -> None:
        self.httpd = httpd
        self.last: tuple | None = None
        self.last_time = 0.0
        self.repeats = 0

    def failed(self, key: tuple, level: int, message: str, status: int | None) -> None:
        now = time.monotonic()
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


class FileStorage:
    """hb.dat, replaced atomically on every write."""

    kind = "file"

    def __init__(self, httpd, path: str) -> None:
        self.httpd = httpd
        self.path = path
        self.failures = FailureLog(httpd)
        self.writes = 0
        self.errors = 0

    def _write(self, data: bytes, codes) -> None:
        try:
            hbfile.write_atomically(self.path, data, codes)
        except hbfile.WriteError as error:
            self.errors += 1
            self.failures.failed((error.code, error.errno), log.CRIT,
                                 f"{error.code}: {error.message}", error.errno)
            return
        self.writes += 1
        self.failures.succeeded(self.path)

    def write_all(self, table: ServerTable, now: float) -> None:
        self._write(hbfile.render(table.servers.values(), now), FILE_CODES)

    def write_one(self, table: ServerTable, server: Server, now: float) -> None:
        """The POST path merges into the file as httpd does (the table has it too)."""
        self._write(self.merge(server, now), MERGE_CODES)

    def merge(self, server: Server, now: float) -> bytes:
        """hm_file_update_stat: the old file, its other lines aged, this server replaced."""
        try:
            data, mtime = hbfile.read_storage(self.path)
        except (OSError, hbfile.StorageRefused):
            data, mtime = b"", now
        file_age = int(now - mtime)
        out = []
        updated = False
        mine = hbfile.format_line(server.ip, server.ready, server.busy,
                                  server.age(now), server.port)
        for raw in hbfile.split_lines(data):
            line = raw.decode("latin-1")
            space = line.find(" ")
            if space < 0 or line.startswith("#"):
                out.append(line + "\n")
                continue
            if line[:space] == server.ip:
                out.append(mine)
                updated = True
                continue
            fields = qs_to_table(line[space:])
            busy = atoi(fields["busy"]) if "busy" in fields else 0
            ready = atoi(fields["ready"]) if "ready" in fields else 0
            lastseen = atoi(fields["lastseen"]) if "lastseen" in fields else SEEN_TIMEOUT
            port = atoi(fields["port"]) if "port" in fields else 80
            out.append(hbfile.format_line(line[:space], ready, busy,
                                          to_int32(file_age + lastseen), port))
        if not updated:
            out.append(mine)
        return "".join(out).encode("latin-1", "replace")

    def close(self) -> None:
        pass


class SlotmemStorage:
    """The "mod_heartmonitor" slotmem: one hm_slot_server_t per fresh server.

    Slots are found through an index kept beside the segment (httpd scans them all for
    every server). When the table is full the stalest slot is reused, and that is logged
    once, where httpd drops the server or overwrites a random slot.
    """

    kind = "slotmem"

    def __init__(self, httpd, slotmem) -> None:
        self.httpd = httpd
        self.slotmem = slotmem
        self.slot_of: dict[str, int] = {}
        self.seen_of: dict[int, float] = {}
        self.full_logged = False
        self.writes = 0
        self.errors = 0
        for index, data in slotmem.doall():
            ip, _busy, _ready, seen, _id = unpack_slot(data)
            self.slot_of[ip] = index
            self.seen_of[index] = seen / 1_000_000

    def _slot_for(self, ip: str) -> int:
        index = self.slot_of.get(ip)
        if index is not None:
            return index
        index = self.slotmem.grab()
        if index is None:
            index = min(self.seen_of, key=self.seen_of.__getitem__)
            stale_ip = next(k for k, v in self.slot_of.items() if v == index)
            del self.slot_of[stale_ip]
            if not self.full_logged:
                self.full_logged = True
                self.httpd.log_error(
                    "heartmonitor", log.WARNING,
                    f"slotmem full: HeartbeatMaxServers {self.slotmem.num} is too small; "
                    f"reusing the slot of the stalest server ({stale_ip} for {ip})")
        self.slot_of[ip] = index
        return index

    def _put(self, server: Server) -> None:
        index = self._slot_for(server.ip)
        self.slotmem.put(index, pack_slot(server.ip, server.busy, server.ready,
                                          int(server.seen * 1_000_000), index))
        self.seen_of[index] = server.seen

    def _release(self, ip: str) -> None:
        index = self.slot_of.pop(ip, None)
        if index is not None:
            self.slotmem.release(index)
            self.seen_of.pop(index, None)

    def write_all(self, table: ServerTable, now: float) -> None:
        for server in table.servers.values():
            if server.age(now) > SEEN_TIMEOUT:
                if server.ip in self.slot_of:
                    self._release(server.ip)
            else:
                self._put(server)
        for ip in [ip for ip in self.slot_of if ip not in table.servers]:
            self._release(ip)
        self.writes += 1

    def write_one(self, table: ServerTable, server: Server, now: float) -> None:
        self._put(server)
        self.writes += 1

    def close(self) -> None:
        pass
