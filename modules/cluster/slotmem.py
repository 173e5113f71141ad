"""mod_slotmem_shm's shared segment, byte for byte as httpd lays it out on Linux.

httpd's APR creates name-based shared memory with shm_open(), under a name derived from
the slotmem file name (`<runtime dir>/slotmem-shm-<name>_<generation>.shm`):
"/ShM.<times-33 hash>H<Sedgwick hash>", i.e. /dev/shm/ShM.... The object holds:

    apr_size_t realsize                      (APR's header, 8 bytes)
    sharedslotdesc_t {size, num, type}       (16 bytes)
    unsigned num_free                        (padded to 8)
    num x item_size slots
    num in-use flags (one byte each)

so a real mod_lbmethod_heartbeat in another httpd finds and reads heartmonitor's table.
Where /dev/shm is missing, the segment is a file in the runtime directory instead.
"""

from __future__ import annotations

import heapq
import mmap
import os
import struct

SHM_DIR = "/dev/shm"
APR_HEADER = 8
DESC = struct.Struct("<QII")  # sharedslotdesc_t: apr_size_t size; unsigned num; unsigned type
SLOTMEM_OFFSET = 16
UNSIGNED_OFFSET = 8
TYPE_PERSIST, TYPE_NOTMPSAFE, TYPE_PREGRAB, TYPE_CLEARINUSE = 1, 2, 4, 8

# hm_slot_server_t on x86-64: char ip[46]; int busy; int ready; apr_time_t seen; int id.
SLOT = struct.Struct("<46s2xiiqi4x")
SLOT_SIZE = SLOT.size
MAXIPSIZE = 46


def slotmem_filename(httpd, name: str, generation: int = 0) -> str:
    """slotmem_filenames: relative names go to the runtime directory with a generation."""
    if os.path.isabs(name):
        return name
    return httpd.runtime_dir_relative(f"slotmem-shm-{name}_{generation:x}.shm")


def shm_name(filename: str) -> str:
    """APR's make_shm_open_safe_name."""
    data = filename.encode("utf-8", "surrogateescape")
    h1 = 0
    for byte in data:
        h1 = (h1 * 33 + byte) & 0xFFFFFFFF
    a, b, h2 = 63689, 378551, 0
    for byte in data:
        signed = byte - 256 if byte > 127 else byte  # C's char is signed here
        h2 = (h2 * a + signed) & 0xFFFFFFFF
        a = (a * b) & 0xFFFFFFFF
    return f"/ShM.{h1:x}H{h2:x}"


def segment_path(filename: str) -> str:
    """Where the segment lives: /dev/shm/ShM.... as APR puts it, or the file itself."""
    if os.path.isdir(SHM_DIR):
        return SHM_DIR + shm_name(filename)
    return filename


def segment_size(item_size: int, count: int) -> int:
    return SLOTMEM_OFFSET + UNSIGNED_OFFSET + count * item_size + count


class SlotmemError(OSError):
    pass


class Slotmem:
    """An ap_slotmem_instance_t over the mapped segment."""

    def __init__(self, path: str, filename: str, handle: mmap.mmap) -> None:
        self.path = path
        self.filename = filename
        self.map = handle
        self.item_size, self.num, self.type = DESC.unpack_from(handle, APR_HEADER)
        self.base = APR_HEADER + SLOTMEM_OFFSET + UNSIGNED_OFFSET
        self.inuse_at = self.base + self.num * self.item_size
        self._free: list[int] | None = None  # free slots, lowest first (built on first grab)

    @classmethod
    def create(cls, filename: str, item_size: int, count: int, kind: int) -> Slotmem:
        """apr_shm_remove + apr_shm_create + the slotmem header; contents zeroed."""
        path = segment_path(filename)
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        size = segment_size(item_size, count)
        realsize = size + APR_HEADER
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        try:
            os.ftruncate(fd, realsize)
            handle = mmap.mmap(fd, realsize)
        finally:
            os.close(fd)
        struct.pack_into("<Q", handle, 0, realsize)
        DESC.pack_into(handle, APR_HEADER, item_size, count, kind)
        struct.pack_into("<I", handle, APR_HEADER + SLOTMEM_OFFSET, count)
        return cls(path, filename, handle)

    @classmethod
    def attach(cls, filename: str, writable: bool = False) -> Slotmem:
        """apr_shm_attach + the header checks mod_slotmem_shm makes."""
        path = segment_path(filename)
        fd = os.open(path, (os.O_RDWR if writable else os.O_RDONLY) | os.O_CLOEXEC)
        try:
            size = os.fstat(fd).st_size
            if size < APR_HEADER + SLOTMEM_OFFSET + UNSIGNED_OFFSET:
                raise SlotmemError(22, "segment too small", path)
            handle = mmap.mmap(fd, size, access=mmap.ACCESS_WRITE if writable
                               else mmap.ACCESS_READ)
        finally:
            os.close(fd)
        instance = cls(path, filename, handle)
        if instance.inuse_at + instance.num > size:
            raise SlotmemError(22, "segment shorter than its description", path)
        return instance

    @property
    def num_free(self) -> int:
        return struct.unpack_from("<I", self.map, APR_HEADER + SLOTMEM_OFFSET)[0]

    def _set_num_free(self, value: int) -> None:
        struct.pack_into("<I", self.map, APR_HEADER + SLOTMEM_OFFSET, value)

    def in_use(self, index: int) -> bool:
        return self.map[self.inuse_at + index] != 0

    def doall(self):
        """(index, slot bytes) for every slot in use, in index order."""
        for index in range(self.num):
            if self.map[self.inuse_at + index]:
                start = self.base + index * self.item_size
                yield index, bytes(self.map[start : start + self.item_size])

    def grab(self) -> int | None:
        """The lowest free slot, now in use; None when the table is full (APR_EINVAL)."""
        if self._free is None:
            flags = self.map[self.inuse_at : self.inuse_at + self.num]
            self._free = [index for index, used in enumerate(flags) if not used]
        while self._free:
            index = heapq.heappop(self._free)
            if not self.map[self.inuse_at + index]:
                self.map[self.inuse_at + index] = 1
                self._set_num_free(max(self.num_free - 1, 0))
                return index
        return None

    def put(self, index: int, data: bytes) -> None:
        start = self.base + index * self.item_size
        self.map[start : start + len(data)] = data

    def release(self, index: int) -> None:
        if self.map[self.inuse_at + index]:
            self.map[self.inuse_at + index] = 0
            self._set_num_free(self.num_free + 1)
            if self._free is not None:
                heapq.heappush(self._free, index)

    def close(self) -> None:
        self.map.close()

    def remove(self) -> None:
        self.close()
        try:
            os.unlink(self.path)
        except OSError:
            pass


def pack_slot(ip: str, busy: int, ready: int, seen_us: int, slot_id: int) -> bytes:
    """hm_slot_server_t: memset, apr_cpystrn(ip, 46), the numbers as C ints."""
    raw = ip.encode("utf-8", "surrogateescape")[: MAXIPSIZE - 1]
    return SLOT.pack(raw, _c_int(busy), _c_int(ready), seen_us, slot_id)


def unpack_slot(data: bytes) -> tuple[str, int, int, int, int]:
    """(ip, busy, ready, seen in microseconds, id)."""
    raw, busy, ready, seen, slot_id = SLOT.unpack_from(data)
    return raw.split(b"\0", 1)[0].decode("utf-8", "surrogateescape"), busy, ready, seen, slot_id


def _c_int(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - 0x100000000 if value & 0x80000000 else value
