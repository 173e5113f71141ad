"""The "slotmem" heartbeat storage: mod_heartmonitor's slotmem, one hm_slot_server_t per
fresh server, in the segment a real mod_lbmethod_heartbeat attaches to.

Slots are found through an index kept beside the segment (httpd scans them all for every
server); the index lives as long as the segment, across graceful restarts. When the
table is full the stalest slot is reused, and that is logged once, where httpd drops the
server or overwrites a random slot. The periodic pass runs in slices; a POSTed server is
written at once.
"""

from __future__ import annotations

from heartmonitor import log
from heartmonitor.strict import Finding

from .checks import writable_directory
from .publish import Publisher
from .reader import read_slotmem
from .slices import in_slices, let_go
from .slotmem import SLOT_SIZE, TYPE_PREGRAB, Slotmem, pack_slot, slotmem_filename, unpack_slot
from .storage import SLOTMEM_NAME, HeartbeatStorage, StorageContents
from .table import Server, ServerTable

SLOTMEM_GROUP = "slotmem"


class SlotIndex:
    """Which slot holds which server, for one segment."""

    def __init__(self, slotmem: Slotmem) -> None:
        self.slotmem = slotmem
        self.slot_of: dict[str, int] = {}
        self.ip_of: dict[int, str] = {}
        self.seen_of: dict[int, float] = {}
        self.full_logged = False
        for index, data in slotmem.doall():
            ip, _busy, _ready, seen, _id = unpack_slot(data)
            self.slot_of[ip] = index
            self.ip_of[index] = ip
            self.seen_of[index] = seen / 1_000_000


class SlotmemStorage(HeartbeatStorage):
    kind = "slotmem"

    def __init__(self, httpd, config) -> None:
        super().__init__(httpd, config)
        self.slots: int = config.maxworkers
        self.filename = slotmem_filename(httpd, SLOTMEM_NAME)
        self.slotmem: Slotmem | None = None
        self.index: SlotIndex | None = None

    def open(self, kept: dict) -> bool:
        """As hm_post_config creates it (AH02284, AH02611/AH02285 on failure)."""
        provider = self.httpd.lookup_provider(SLOTMEM_GROUP, "shm", "0")
        if provider is None:
            self.httpd.log_error(
                "heartmonitor", log.EMERG,
                "AH02284: failed to lookup provider 'shm' for 'slotmem', maybe you need to "
                "load mod_slotmem_shm?")
            return False
        try:
            slotmem = provider.create(self.httpd, SLOTMEM_NAME, SLOT_SIZE, self.slots,
                                      TYPE_PREGRAB)
        except OSError as error:
            self.httpd.log_error("slotmem_shm", log.ERR,
                                 f"AH02611: create: apr_shm_create({self.filename}) failed",
                                 error.errno)
            self.httpd.log_error("heartmonitor", log.EMERG,
                                 "AH02285: slotmem_create for status failed")
            return False
        index = kept.get("slot_index")
        if index is None or index.slotmem is not slotmem:
            index = kept["slot_index"] = SlotIndex(slotmem)
        self.slotmem, self.index = slotmem, index
        return True

    @property
    def opened(self) -> SlotIndex:
        """The index of the segment open() attached; the table is written only after it."""
        if self.index is None:
            raise RuntimeError("slotmem storage written before it was opened")
        return self.index

    def _slot_for(self, ip: str) -> int:
        index = self.opened
        slot = index.slot_of.get(ip)
        if slot is not None:
            return slot
        slot = index.slotmem.grab()
        if slot is None:
            slot = min(index.seen_of, key=index.seen_of.__getitem__)
            stale_ip = index.ip_of[slot]
            del index.slot_of[stale_ip]
            if not index.full_logged:
                index.full_logged = True
                self.httpd.log_error(
                    "heartmonitor", log.WARNING,
                    f"slotmem full: HeartbeatMaxServers {index.slotmem.num} is too small; "
                    f"reusing the slot of the stalest server ({stale_ip} for {ip})")
        index.slot_of[ip] = slot
        index.ip_of[slot] = ip
        return slot

    def _put(self, server: Server, now: float, publish: Publisher | None) -> None:
        slot = self._slot_for(server.ip)
        busy, ready, seen = server.busy, server.ready, server.seen
        if publish is not None:
            shown = publish(server, now)
            busy, ready, seen = shown.busy, shown.ready, shown.seen
        index = self.opened
        index.slotmem.put(slot, pack_slot(server.ip, busy, ready, int(seen * 1_000_000), slot))
        index.seen_of[slot] = server.seen

    def _release(self, ip: str) -> None:
        index = self.opened
        slot = index.slot_of.pop(ip, None)
        if slot is not None:
            index.slotmem.release(slot)
            index.seen_of.pop(slot, None)
            index.ip_of.pop(slot, None)

    async def write_table(self, table: ServerTable, now: float) -> None:
        """hm_slotmem_update_stats: fresh servers in their slots, the others released."""
        expire = table.expire
        slot_of = self.opened.slot_of
        publish = self.active_publisher()
        # The keys only, out of the collector's sight and freed a slice per turn (as
        # hb.dat's pass takes them): a server gone meanwhile is skipped.
        addresses = table.addresses()
        try:
            async for some in in_slices(addresses):
                for server in table.present(some):
                    if server.age(now) > expire:
                        if server.ip in slot_of:
                            self._release(server.ip)
                    else:
                        self._put(server, now, publish)
        finally:
            let_go([addresses])
        async for ips in in_slices([ip for ip in slot_of if ip not in table.servers]):
            for ip in ips:
                if ip not in table.servers:
                    self._release(ip)
        self.writes += 1

    async def merge(self, table: ServerTable, server: Server, now: float) -> None:
        """hm_slotmem_update_stat: the balancer sees a POSTed value at once."""
        self._put(server, now, self.active_publisher())
        self.writes += 1

    def release(self) -> None:
        if self.slotmem is not None:
            self.slotmem.remove()

    def read(self) -> StorageContents:
        where = f'"{self.filename}" (slotmem, {self.slots} slots)'
        try:
            slotmem = Slotmem.attach(self.filename)
        except OSError as error:
            return StorageContents(where, error=f"no slotmem: {error.strerror}")
        try:
            return StorageContents(where, read_slotmem(slotmem))
        finally:
            slotmem.close()

    def findings(self) -> list[Finding]:
        where = self.config.maxworkers_line or (None, None)
        if self.httpd.lookup_provider(SLOTMEM_GROUP, "shm", "0") is None:
            return [Finding(
                "heartmonitor", log.EMERG,
                "AH02284: failed to lookup provider 'shm' for 'slotmem', maybe you need to "
                "load mod_slotmem_shm?", file_name=where[0], line=where[1],
                hint="load mod_slotmem_shm ('LoadModule slotmem_shm_module "
                     "modules/mod_slotmem_shm.so') or use file storage "
                     "('HeartbeatMaxServers 0')")]
        failure = writable_directory(self.filename)
        if not failure:
            return []
        return [Finding(
            "slotmem_shm", log.ERR, f"AH02611: create: apr_shm_create({self.filename}) failed",
            status=failure,
            hint="the runtime directory (DefaultRuntimeDir) must exist and be writable")]

    @property
    def location(self) -> str:
        return self.filename

    def describe(self) -> str:
        num = self.slotmem.num if self.slotmem is not None else self.slots
        return f"slotmem {SLOTMEM_NAME}, {num} slots"
