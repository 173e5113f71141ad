"""httpd's error_log: levels, the default line format, escaping, and where lines go.

A line looks exactly like httpd 2.4's default (no ErrorLogFormat):

    [Wed Nov 25 03:07:12.912591 2026] [core:warn] [pid 4324:tid 4324] AH00111: ...

At debug level and above the C source location follows the prefix; an OS error adds
"(2)No such file or directory: ". Start-up messages (APLOG_STARTUP) are the bare text.
Messages are escaped like ap_escape_errorlog_item and cut at MAX_STRING_LEN bytes.
"""

from __future__ import annotations

import _thread  # threading's lock and thread id, without importing threading on -t
import os
import sys
import time

EMERG, ALERT, CRIT, ERR, WARNING, NOTICE, INFO, DEBUG = range(8)
TRACE1 = 8
TRACE8 = 15
LEVEL_NAMES = [
    "emerg", "alert", "crit", "error", "warn", "notice", "info", "debug",
    "trace1", "trace2", "trace3", "trace4", "trace5", "trace6", "trace7", "trace8",
]
MAX_STRING_LEN = 8192
# The OS error shown before a message: an errno, or (code, text) as for a resolver's EAI_*.
Status = int | tuple[int | str, str] | None

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# ap_escape_errorlog_item: what a byte becomes in the log.
_ESCAPES = {"\b": "\\b", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v", "\\": "\\\\"}


def parse_level(text: str) -> int | None:
    """ap_parse_log_level: a level name (any case) to its number, None if unknown."""
    try:
        return LEVEL_NAMES.index(text.lower())
    except ValueError:
        return None


def _needs_escape(message: str) -> bool:
    return not (message.isascii() and message.isprintable()) or "\\" in message


def escape_item(message: str, room: int) -> str:
    """Escape control and 8-bit bytes as httpd does, within `room` bytes of buffer."""
    data = message.encode("utf-8", "surrogateescape")
    out = []
    used = 0
    limit = room - 1
    for byte in data:
        if used >= limit:
            break
        ch = chr(byte)
        if 0x20 <= byte < 0x7F and ch != "\\":
            out.append(ch)
            used += 1
            continue
        if used + 1 >= limit:
            break
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
            used += 2
        elif ch == '"':
            out.append(ch)
            used += 1
        else:
            if used + 1 >= limit - 2:
                break
            out.append(f"\\x{byte:02x}")
            used += 4
    return "".join(out)


def strerror(errno_value: int) -> str:
    """APR's text for an OS error number, as '%pm' prints it."""
    return os.strerror(errno_value)


def ctime(now: float | None = None) -> str:
    """ap_recent_ctime_ex with microseconds: 'Wed Nov 25 03:07:12.912591 2026'."""
    if now is None:
        now = time.time()
    seconds = int(now)
    micro = int(round((now - seconds) * 1_000_000))
    if micro >= 1_000_000:
        seconds += 1
        micro -= 1_000_000
    t = time.localtime(seconds)
    return (
        f"{_DAYS[t.tm_wday]} {_MONTHS[t.tm_mon - 1]} {t.tm_mday:02d} "
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}.{micro:06d} {t.tm_year}"
    )


def format_line(
    module: str,
    level: int,
    message: str,
    status: Status = None,
    source: str | None = None,
    client: str | None = None,
    startup: bool = False,
    now: float | None = None,
    timestamp: bool = True,
) -> str:
    """One error_log line without its newline (do_errorlog_default); syslog has no time."""
    if startup:
        prefix = ""
    else:
        tid = _thread.get_native_id()
        prefix = (
            f"[{module}:{LEVEL_NAMES[level]}] [pid {os.getpid()}:tid {tid}] "
        )
        if timestamp:
            prefix = f"[{ctime(now)}] " + prefix
    if level >= DEBUG and source:
        prefix += source + ": "
    if status:
        code, text = status if isinstance(status, tuple) else (status, strerror(status))
        prefix += f"({code}){text}: "
    if client:
        prefix += f"[client {client}] "
    room = MAX_STRING_LEN - len(prefix.encode("utf-8", "surrogateescape"))
    body = message[: MAX_STRING_LEN - 1]
    if _needs_escape(body) or len(body) >= room:
        body = escape_item(body, room)
    return prefix + body


# write_logline: a line written to a file keeps room for "\n" and the terminator within
# MAX_STRING_LEN (syslog gets one byte more).
_LINE_MAX = MAX_STRING_LEN - 2


def _cut_for_newline(line: str) -> str:
    data = line.encode("utf-8", "surrogateescape")
    if len(data) <= _LINE_MAX:
        return line
    return data[:_LINE_MAX].decode("utf-8", "surrogateescape")


class LogTarget:
    """Where error_log lines are written: stderr, a file, a pipe to a program, or syslog."""

    def __init__(self, stream=None, close=None, syslog_facility=None, echo=None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self._close = close
        self.syslog_facility = syslog_facility
        self.timestamps = syslog_facility is None
        # While starting, serious lines also go to the terminal (see heartmonitor.serve).
        self.echo = echo
        # While set, every line is also kept here (heartmonitor.second_reading).
        self.record: list[tuple[str, int]] | None = None
        self._lock = _thread.allocate_lock()

    def write(self, line: str, level: int) -> None:
        if len(line) > _LINE_MAX // 4 and self.syslog_facility is None:
            line = _cut_for_newline(line)
        if self.record is not None:
            self.record.append((line, level))
        echo = self.echo
        if echo is not None and level <= ERR and echo is not self.stream:
            try:
                echo.write(line + "\n")
                echo.flush()
            except (OSError, ValueError):
                pass
        if self.syslog_facility is not None:
            import syslog  # here: only an ErrorLog syslog (never -t) writes there

            syslog.syslog(self.syslog_facility | min(level, DEBUG), line)
            return
        data = line + "\n"
        with self._lock:
            try:
                self.stream.write(data)
                self.stream.flush()
            except (OSError, ValueError):
                pass

    def close(self) -> None:
        if self._close:
            self._close()


class ErrorLog:
    """A server's error log: its target and LogLevel (with per-module levels)."""

    def __init__(self, target: LogTarget | None = None, level: int = WARNING) -> None:
        self.target = target or LogTarget()
        self.level = level
        self.module_levels: dict[str, int] = {}

    def level_for(self, module: str) -> int:
        return self.module_levels.get(module, self.level)

    def enabled(self, module: str, level: int) -> bool:
        """httpd shows notice messages whatever the level (start-up/shutdown notes)."""
        return level == NOTICE or level <= self.level_for(module)

    def log(
        self,
        module: str,
        level: int,
        message: str,
        status: Status = None,
        source: str | None = None,
        client: str | None = None,
    ) -> None:
        if not self.enabled(module, level):
            return
        self.target.write(format_line(module, level, message, status, source, client,
                                      timestamp=self.target.timestamps), level)

    def startup(self, message: str, status: Status = None, level: int = NOTICE) -> None:
        """An APLOG_STARTUP line: the message alone, after the OS error if there is one."""
        self.target.write(format_line("", level, message, status, startup=True), level)
