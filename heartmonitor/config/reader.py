"""Reading configuration files into logical lines exactly as httpd 2.4 does.

This mirrors ap_varbuf_cfg_getline / ap_cfg_getline_core / cfg_trim_line in server/util.c:

* a physical line ends at '\\n' (apr_file_gets); the line counter grows once per read;
* backslash-newline (or backslash-CR-newline) joins the next physical line, keeping its
  leading white space, and applies to comment lines too;
* C strings end at NUL: what follows a NUL in a physical line is dropped, and because
  apr_file_gets fills a fixed buffer, a long line with a NUL in it is cut where the buffer
  ends and its remainder is read as the next line;
* the logical line is trimmed of leading and trailing white space;
* a line over 16 MiB (8 KiB for .htaccess) is an error.

Files are decoded as UTF-8 with surrogate escapes, so every byte survives to the output.
"""

from __future__ import annotations

import os
import stat

from ..cstr import SPACE

VARBUF_MAX_LEN = 16 * 1024 * 1024
HUGE_STRING_LEN = 8192
_VARBUF_INIT_LEN = 200
_VARBUF_SMALL_SIZE = 2048
_MEMNODE_OVERHEAD = 40 + 16  # APR_MEMNODE_T_SIZE + the varbuf info block
_ALLOC_BOUNDARY = 4096
_MIN_ALLOC = 2 * _ALLOC_BOUNDARY

OK = 0
EOF = 1
ENOSPC = 2


class LineTooLong(Exception):
    """APR_ENOSPC while reading: 'Error reading F at line N: Line too long'."""


def _align(size: int, boundary: int) -> int:
    return (size + boundary - 1) // boundary * boundary


class LineBuffer:
    """The capacity of httpd's growing line buffer (struct ap_varbuf).

    Only its size is modelled: it decides where a long line containing a NUL byte is cut.
    A fresh buffer that grows before anything else was allocated extends in place, as the
    pool hands out adjacent memory; later growth moves it.
    """

    __slots__ = ("avail", "fresh")

    def __init__(self) -> None:
        self.avail = _align(_VARBUF_INIT_LEN + 1, 8) - 1
        self.fresh = True

    def grow(self, new_len: int) -> None:
        if new_len <= self.avail:
            return
        if new_len < 2 * self.avail:
            new_len = 2 * self.avail
        new_len += 1
        if new_len <= _VARBUF_SMALL_SIZE:
            new_len = _align(new_len, 8)
            self.avail = self.avail + new_len if self.fresh else new_len - 1
            self.fresh = True
            return
        node = max(_align(new_len + _MEMNODE_OVERHEAD, _ALLOC_BOUNDARY), _MIN_ALLOC)
        self.avail = node - _MEMNODE_OVERHEAD - 1
        self.fresh = False


class Pieces:
    """A growing logical line kept as a list of pieces, so that joining N physical lines
    costs time proportional to their total size (repeated `buf += chunk` and
    `buf = buf[:cp]` copy the whole line each time: 1.3 million continued lines took
    15 minutes). Only the last few characters are ever inspected or removed."""

    __slots__ = ("parts", "length")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0

    def append(self, text: str) -> None:
        if text:
            self.parts.append(text)
            self.length += len(text)

    def tail(self, count: int) -> str:
        """The last `count` characters (fewer when the line is shorter)."""
        out = ""
        for part in reversed(self.parts):
            out = part[-(count - len(out)):] + out
            if len(out) >= count:
                break
        return out

    def drop(self, count: int) -> None:
        """Remove the last `count` characters."""
        self.length -= count
        while count:
            last = self.parts[-1]
            if len(last) > count:
                self.parts[-1] = last[:-count]
                return
            self.parts.pop()
            count -= len(last)

    def continued(self) -> bool:
        """cfg_getline's end-of-line test: when the text ends with a backslash before
        '\\n' (or '\\r\\n'), drop the three and say the next physical line continues
        it. The test looks at the joined text, so an empty line after a line ending in
        two backslashes continues it too; a line that ends otherwise is left as it is."""
        end = self.tail(3)
        if end[-1:] != "\n":
            return False
        cp = len(end) - 1
        if cp and end[cp - 1] == "\r":
            cp -= 1
        if cp and end[cp - 1] == "\\":
            self.drop(len(end) - cp + 1)
            return True
        return False

    def text(self) -> str:
        return "".join(self.parts)


class ConfigFile:
    """An open configuration file (ap_configfile_t) yielding trimmed logical lines."""

    __slots__ = ("name", "line_number", "_data", "_pos", "_end", "_plain", "_index")

    def __init__(self, name: str, data: str) -> None:
        self.name = name
        self.line_number = 0
        self._data = data
        self._pos = 0
        self._end = len(data)
        # A file with no NUL byte and too short for an over-long line reads the same
        # whatever the buffer sizes: split it into logical lines once, up front.
        self._plain = None
        self._index = 0
        if len(data) < VARBUF_MAX_LEN - 1 and "\0" not in data:
            self._plain = _logical_lines(data)

    @classmethod
    def open(cls, path: str) -> ConfigFile:
        """ap_pcfg_openfile: OSError when the open fails, NotRegularFile for non-files.

        The file is opened with O_NONBLOCK and its type checked before anything is read,
        so a FIFO is refused at once (httpd would wait for a writer forever).
        """
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            if path != "/dev/null" and not _is_regular(fd):
                raise NotRegularFile(path)
            chunks = []
            while True:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
        finally:
            os.close(fd)
        return cls(path, b"".join(chunks).decode("utf-8", "surrogateescape"))

    def _gets(self, room: int) -> str | None:
        """apr_file_gets: up to room-1 characters, stopping after a newline."""
        pos = self._pos
        if pos >= self._end:
            return None
        limit = pos + room - 1
        newline = self._data.find("\n", pos, limit)
        end = newline + 1 if newline >= 0 else min(limit, self._end)
        self._pos = end
        return self._data[pos:end]

    def _getline_core(self, buf: Pieces, bufsize: int) -> int:
        """ap_cfg_getline_core: append one logical line (with its newline) to buf."""
        joined = False
        while True:
            self.line_number += 1
            chunk = self._gets(bufsize - buf.length)
            if chunk is None:
                return OK if joined else EOF
            nul = chunk.find("\0")
            if nul >= 0:
                chunk = chunk[:nul]
            if len(chunk) >= 3 and chunk[-2:] == "\\\n":  # the common continuation
                buf.parts.append(chunk[:-2])
                buf.length += len(chunk) - 2
                joined = True
                continue
            buf.append(chunk)
            if buf.continued():
                joined = True
                continue
            if buf.length >= bufsize - 1 and buf.tail(1) != "\n":
                return ENOSPC
            return OK

    def getline(self, vb: LineBuffer, max_len: int = VARBUF_MAX_LEN) -> str | None:
        """ap_varbuf_cfg_getline + cfg_trim_line: the next logical line, or None at EOF."""
        plain = self._plain
        if plain is not None:
            index = self._index
            count = len(plain)
            while index < count:
                line = plain[index]
                index += 1
                if line is not None:  # not a line a continuation swallowed
                    self._index = self.line_number = index
                    return line
            self._index = index
            self.line_number += 1
            return None
        data = self._data
        pos = self._pos
        # Fast path: a plain physical line that fits the buffer, with no NUL and no
        # continuation, is exactly what the general loop would return.
        newline = data.find("\n", pos)
        if newline >= 0 and newline - pos < vb.avail - 1:
            line = data[pos:newline]
            if "\0" not in line and not line.rstrip("\r").endswith("\\"):
                self._pos = newline + 1
                self.line_number += 1
                line = line.strip(SPACE)
                if line and line[0] != "#":
                    vb.fresh = False
                return line
        buf = Pieces()
        while True:
            rc = self._getline_core(buf, vb.avail)
            if rc != ENOSPC:
                break
            if vb.avail >= max_len:
                raise LineTooLong(self.line_number)
            vb.grow(min(vb.avail * 2, max_len))
            self.line_number -= 1
        if rc == EOF:
            return None
        if buf.length > max_len:
            raise LineTooLong(self.line_number)
        line = buf.text().strip(SPACE)
        if line and line[0] != "#":
            vb.fresh = False
        return line


class ArgvConfig(ConfigFile):
    """The -C / -c directives: each argument is one line with no newline of its own.

    httpd copies each argument into the line buffer; one that does not fit is cut and the
    next argument is appended to it (arr_elts_getstr returns APR_ENOSPC).
    """

    __slots__ = ("_items", "_index")

    def __init__(self, name: str, items: list[str]) -> None:
        super().__init__(name, "")
        self._items = items
        self._index = 0

    def _getline_items(self, buf: str, bufsize: int) -> tuple[str, int]:
        """ap_cfg_getline_core over the arguments (arr_elts_getstr): (line, status)."""
        cbuf = len(buf)
        joined = False
        while True:
            self.line_number += 1
            if self._index >= len(self._items):
                return buf, OK if joined else EOF
            item = self._items[self._index]
            self._index += 1
            room = bufsize - cbuf
            if len(item) >= room - 1:
                return buf + item[: max(room - 1, 0)], ENOSPC
            buf += item.split("\0", 1)[0]
            cp = len(buf)
            if cp and buf[-1] == "\n":
                cp -= 1
                if cp and buf[cp - 1] == "\r":
                    cp -= 1
                if cp and buf[cp - 1] == "\\":
                    buf = buf[: cp - 1]
                    cbuf = cp - 1
                    joined = True
                    continue
            return buf, OK

    def getline(self, vb: LineBuffer, max_len: int = VARBUF_MAX_LEN) -> str | None:
        buf = ""
        while True:
            buf, rc = self._getline_items(buf, vb.avail)
            if rc != ENOSPC:
                break
            if vb.avail >= max_len:
                raise LineTooLong(self.line_number)
            vb.grow(min(vb.avail * 2, max_len))
            self.line_number -= 1
        if rc == EOF:
            return None
        return buf.strip(SPACE)


def _logical_lines(data: str) -> list[str | None]:
    """The logical lines as ap_cfg_getline yields them, one slot per physical line: a
    line's trimmed text in the slot of its number (a continued line's joined text in the
    slot of its last physical line, the lines it joined None).

    Only for text without NUL bytes whose lines cannot outgrow the buffer: then joining
    continuation lines is all there is to it, including httpd's quirks (an empty line
    after a line ending in two backslashes is swallowed too; a continuation at the end
    of the file counts one more line: one more slot). Lines are split and trimmed in
    bulk; only the continued ones are walked one by one.
    """
    lines = data.split("\n")
    last_has_newline = lines[-1] == ""
    if last_has_newline:
        lines.pop()
    count = len(lines)
    trimmed: list[str | None] = [line.strip(SPACE) for line in lines]
    if "\\\n" not in data and "\\\r\n" not in data:
        return trimmed
    continued = [i for i, line in enumerate(lines) if line.endswith(("\\", "\\\r"))]
    pos = 0
    for start in continued:
        if start < pos:
            continue
        buf = Pieces()
        parts = buf.parts
        index = start
        while True:
            line = lines[index]
            trimmed[index] = None
            if index == count - 1 and not last_has_newline:
                buf.append(line)
                break
            # A line of two characters or more decides its own continuation; a shorter
            # one may continue through a backslash left before it (Pieces.continued).
            if len(line) >= 2 and line[-1] == "\\":
                parts.append(line[:-1])
            elif len(line) >= 2 and line[-2:] == "\\\r":
                parts.append(line[:-2])
            elif len(line) >= 2:
                parts.append(line)
                break
            else:  # (buf.length is not kept up to date here: nothing reads it)
                buf.append(line + "\n")
                if not buf.continued():
                    break
            index += 1
            if index == count:
                trimmed.append("".join(parts).strip(SPACE))
                return trimmed
        trimmed[index] = "".join(parts).strip(SPACE)
        pos = index + 1
    return trimmed


class NotRegularFile(OSError):
    """AH00554: the path names something other than a regular file."""


def _is_regular(fd: int) -> bool:
    return stat.S_ISREG(os.fstat(fd).st_mode)
