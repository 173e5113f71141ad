"""hb.dat: the flat-file storage mod_heartmonitor writes and mod_lbmethod_heartbeat reads.

One line per server, byte for byte as httpd writes it:

    10.0.0.5 &ready=75&busy=0&lastseen=2&port=80\\n

Writes go to `<path>.tmp.XXXXXX` (created 0600, exclusive), are flushed and fsync'd,
made 0444 and renamed over the file, so a reader always sees a complete file and a crash
at any instant leaves the previous one. Unlike httpd a failed write removes its
temporary file.
"""

from __future__ import annotations

import errno
import os
import stat
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from heartmonitor.cstr import as_unsigned32, atoi, to_int32

from .codec import qs_to_table
from .table import SEEN_TIMEOUT, Server, out_of_sight

if TYPE_CHECKING:
    from .publish import Published

# publish.Publisher: a server as it is published (drain, warm-up, hysteresis)
Publish = Callable[[Server, float], "Published"]

_TMP_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
LINE_MAX = 4096
# The largest hb.dat read back (at start-up, and by a POST's merge): 64 MiB holds about
# 1.2 million servers; anything bigger is not a file heartmonitor wrote.
READ_LIMIT = 64 * 1024 * 1024


class StorageRefused(ValueError):
    """The storage path names something hb.dat cannot be: the message says why."""


def _refusal(path: str, mode: int, size: int) -> str | None:
    if not stat.S_ISREG(mode):
        return f"HeartbeatStorage {path} is not a regular file"
    if size > READ_LIMIT:
        return f"HeartbeatStorage {path} is larger than {READ_LIMIT} bytes"
    return None


def storage_problem(path: str) -> str | None:
    """Why an existing path cannot be hb.dat (a FIFO, device, directory, huge file), or None."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return _refusal(path, info.st_mode, info.st_size)


def read_storage(path: str) -> tuple[bytes, float]:
    """(content, mtime) of hb.dat, opened without blocking and checked before reading.

    OSError when it cannot be opened; StorageRefused when it is not a regular file of at
    most READ_LIMIT bytes, so a FIFO never blocks and /dev/zero is never read.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        info = os.fstat(fd)
        refusal = _refusal(path, info.st_mode, info.st_size)
        if refusal:
            raise StorageRefused(refusal)
        chunks = []
        total = 0
        while True:
            chunk = os.read(fd, min(1 << 20, READ_LIMIT + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > READ_LIMIT:  # it grew while being read
                raise StorageRefused(_refusal(path, info.st_mode, total) or "")
        return b"".join(chunks), info.st_mtime
    finally:
        os.close(fd)


class WriteError(Exception):
    """A storage write failed: the AH code and message httpd logs, and the errno."""

    def __init__(self, code: str, message: str, errno_value: int) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.errno = errno_value


def format_line(ip: str, ready: int, busy: int, lastseen: int, port: int) -> str:
    return (f"{ip} &ready={as_unsigned32(ready)}&busy={as_unsigned32(busy)}"
            f"&lastseen={as_unsigned32(lastseen)}&port={as_unsigned32(port)}\n")


def render(servers: Iterable[Server], now: float, expire: int = SEEN_TIMEOUT,
           publish: Publish | None = None) -> bytes:
    """hm_file_update_stats: every server seen within `expire` (SEEN_TIMEOUT) seconds,
    with its published values when a publisher is given.

    A pass over a large table is rendered a slice at a time while the table goes on
    changing: a server heard again after `now` is written as seen 0 seconds ago, never as
    a negative age (4294967295 once made unsigned)."""
    lines: list[str] = []
    out_of_sight(lines)  # 300,000 lines that young collections would walk, in any thread
    mask = 0xFFFFFFFF  # as_unsigned32, inline: this runs for every server every 5 s
    for server in servers:
        seen = int(now - server.seen)  # server.age(now)
        if seen > expire:
            continue
        if publish is None:
            lines.append(f"{server.ip} &ready={server.ready & mask}&busy={server.busy & mask}"
                         f"&lastseen={seen & mask if seen > 0 else 0}&port={server.port & mask}\n")
        else:
            shown = publish(server, now)
            lines.append(format_line(server.ip, shown.ready, shown.busy,
                                     max(shown.lastseen(now), 0), server.port))
    return "".join(lines).encode("utf-8", "surrogateescape")


def _create_temporary(path: str) -> tuple[int, str]:
    # Lazy: -t loads this module for the storage's checks, never writes a file.
    import random

    template = f"{path}.tmp."
    for _attempt in range(100):
        name = template + "".join(random.choices(_TMP_CHARS, k=6))
        try:
            return os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600), name
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name", template)


def write_atomically(path: str, data: bytes | Sequence[bytes],
                     codes=("AH02081", "AH02082", "AH02083", "AH02084", "AH02085")) -> None:
    """Replace path with data, or the concatenation of its parts (mode 0444), or raise
    WriteError with httpd's message."""
    open_code, flush_code, close_code, perms_code, move_code = codes
    shown = f"{path}.tmp.XXXXXX"
    try:
        fd, temporary = _create_temporary(path)
    except OSError as error:
        raise WriteError(open_code, f"Unable to open tmp file: {shown}",
                         error.errno or errno.EIO) from None
    step = (flush_code, f"Unable to flush file: {temporary}")
    try:
        for part in (data,) if isinstance(data, bytes) else data:
            view = memoryview(part)
            while view:
                view = view[os.write(fd, view):]
        os.fsync(fd)
        step = (close_code, f"Unable to close file: {temporary}")
        os.close(fd)
        fd = -1
        step = (perms_code, f"Unable to set file permissions on {temporary}")
        os.chmod(temporary, 0o444)
        step = (move_code, f"Unable to move file: {temporary} -> {path}")
        os.rename(temporary, path)
    except OSError as error:
        if fd >= 0:
            os.close(fd)
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise WriteError(step[0], step[1], error.errno or errno.EIO) from None
    _sync_directory(os.path.dirname(path) or ".")


def _sync_directory(directory: str) -> None:
    """Make the rename itself durable (a crash right after it keeps the new file)."""
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_stale_temporaries(path: str, older_than: float = 60.0) -> int:
    """Temporary files a crash left behind (our pattern only, not recent ones)."""
    directory = os.path.dirname(path) or "."
    prefix = os.path.basename(path) + ".tmp."
    removed = 0
    try:
        names = os.listdir(directory)
    except OSError:
        return 0
    now = time.time()
    for name in names:
        if name.startswith(prefix) and len(name) == len(prefix) + 6:
            full = os.path.join(directory, name)
            try:
                if now - os.stat(full).st_mtime > older_than:
                    os.unlink(full)
                    removed += 1
            except OSError:
                continue
    return removed


def split_lines(data: bytes) -> list[bytes]:
    """apr_brigade_split_line(..., 4096) then buf[bsize - 1] = 0, as both readers do it.

    Each piece ends at a newline or after 4096 bytes, and loses its last byte: the
    newline normally, a real character on a final line without one.
    """
    return list(iter_lines(data))


def iter_lines(data: bytes) -> Iterator[bytes]:
    """split_lines one line at a time."""
    pos = 0
    n = len(data)
    while pos < n:
        newline = data.find(b"\n", pos, pos + LINE_MAX)
        end = newline + 1 if newline >= 0 else min(pos + LINE_MAX, n)
        yield data[pos : end - 1].split(b"\0", 1)[0]
        pos = end


def parse_line(raw: bytes, from_space: bool = False) -> tuple[str, dict[str, str]] | None:
    """(ip, fields) of one line from split_lines; None for a comment or a line without a space.

    The fields are qs_to_table of what follows the first space: mod_lbmethod_heartbeat
    starts after the space, hm_file_update_stat at it (from_space), which makes a first
    key written right after the space ("ip ready=1") unknown to the merge, as in httpd.
    """
    line = raw.decode("latin-1")
    if line.startswith("#"):
        return None
    space = line.find(" ")
    if space < 0:
        return None
    return line[:space], qs_to_table(line[space if from_space else space + 1 :])


def parse_entries(data: bytes) -> dict[str, dict[str, int]]:
    """What mod_lbmethod_heartbeat's readfile_heartbeats sees in a file.

    {ip: {port, busy, ready, seen}}; a missing lastseen leaves seen -1 (fresh), the
    'busy == 0 makes ready / 4' penalty is applied per line, duplicates accumulate.
    """
    servers: dict[str, dict[str, int]] = {}
    for raw in split_lines(data):
        parsed = parse_line(raw)
        if parsed is None:
            continue
        ip, table = parsed
        entry = servers.setdefault(ip, {"port": 80, "busy": 0, "ready": 0, "seen": -1})
        for key, field in (("busy", "busy"), ("ready", "ready"), ("lastseen", "seen"),
                           ("port", "port")):
            if key in table:
                entry[field] = atoi(table[key])
        if entry["busy"] == 0 and entry["ready"] != 0:
            entry["ready"] = int(entry["ready"] / 4)
    return servers


def load(path: str, now: float | None = None) -> list[Server]:
    """The servers of an existing hb.dat, their age counted from the file's age.

    Used at start-up so that a restart does not blind the balancer; the penalty of the
    reader is not applied here (the file's own numbers are restored).
    """
    now = time.time() if now is None else now
    try:
        data, mtime = read_storage(path)
    except (OSError, StorageRefused):
        return []
    file_age = max(now - mtime, 0.0)
    servers = []
    for raw in split_lines(data):
        parsed = parse_line(raw)
        if parsed is None or not parsed[0]:
            continue
        ip, table = parsed
        lastseen = atoi(table.get("lastseen", str(SEEN_TIMEOUT)))
        if lastseen < 0:  # seen in the future: not a time heartmonitor wrote; expired
            continue
        servers.append(Server(
            ip, atoi(table.get("port", "80")), atoi(table.get("busy", "0")),
            atoi(table.get("ready", "0")), now - file_age - lastseen,
        ))
    return servers


def merge(data: bytes, mtime: float, servers: list[Server], now: float,
          publish: Publish | None = None) -> bytes:
    """hm_file_update_stat for each of servers in turn (merge_parts, at once)."""
    return b"".join(merge_parts(data, mtime, servers, now, publish))


def merge_parts(data: bytes, mtime: float, servers: list[Server], now: float,
                publish: Publish | None = None, lines_per_part: int = 4000
                ) -> Iterator[bytes]:
    """hm_file_update_stat for each of servers in turn: the old file (read at mtime), its
    other lines aged by the file's age, the lines of these servers replaced or appended.
    The new file comes `lines_per_part` lines at a time, so a large one can be merged a
    slice per turn of the event loop.

    Lines without a space and comments are kept as they are; a missing lastseen counts
    as SEEN_TIMEOUT, a missing port as 80, as in httpd.
    """
    file_age = int(now - mtime)
    if publish is None:
        mine = {server.ip: format_line(server.ip, server.ready, server.busy,
                                       max(server.age(now), 0), server.port)
                for server in servers}
    else:
        mine = {}
        for server in servers:
            shown = publish(server, now)
            mine[server.ip] = format_line(server.ip, shown.ready, shown.busy,
                                          max(shown.lastseen(now), 0), server.port)
    written: set[str] = set()
    out: list[str] = []
    for raw in iter_lines(data):
        if len(out) >= lines_per_part:
            yield "".join(out).encode("latin-1", "replace")
            out = []
        parsed = parse_line(raw, from_space=True)
        if parsed is None:
            out.append(raw.decode("latin-1") + "\n")
            continue
        ip, fields = parsed
        if ip in mine:
            out.append(mine[ip])
            written.add(ip)
            continue
        busy = atoi(fields["busy"]) if "busy" in fields else 0
        ready = atoi(fields["ready"]) if "ready" in fields else 0
        lastseen = atoi(fields["lastseen"]) if "lastseen" in fields else SEEN_TIMEOUT
        port = atoi(fields["port"]) if "port" in fields else 80
        out.append(format_line(ip, ready, busy, to_int32(file_age + lastseen), port))
    out.extend(line for ip, line in mine.items() if ip not in written)
    yield "".join(out).encode("latin-1", "replace")
