"""PidFile: ap_log_pid, ap_read_pid, ap_remove_pid, and whether a pid is really ours.

httpd's `-k` signals whatever process the pid file names once kill(pid, 0) succeeds.
heartmonitor also asks psutil whether that process is a heartmonitor of this user that
was running when the file was written, so a stale file whose pid now belongs to
something else is treated as "not running" and that process is never signalled.
"""

from __future__ import annotations

import os
import random
import string

from . import log

BUFFER_SIZE = 8 * 3 + 2


class PidReadError(Exception):
    def __init__(self, errno_value: int | None, message: str | None = None) -> None:
        super().__init__(message)
        self.errno = errno_value


def pid_path(httpd) -> str | None:
    return httpd.server_root_relative(httpd.pid_fname or httpd.layout.default_pidlog)


def read_pid(path: str) -> int:
    """ap_read_pid: the pid, FileNotFoundError, or PidReadError for a corrupt file."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(BUFFER_SIZE - 1)
    except FileNotFoundError:
        raise
    except OSError as error:
        raise PidReadError(error.errno) from None
    if not data or len(data) == BUFFER_SIZE - 1 or not data[:1].isdigit():
        raise PidReadError(None)
    digits = data.split(b"\n", 1)[0].strip()
    number = ""
    for ch in digits.decode("ascii", "replace"):
        if not ch.isdigit():
            break
        number += ch
    return int(number)


def is_ours(pid: int, path: str) -> bool:
    """A live heartmonitor of ours, started no later than the pid file was written."""
    if pid <= 0 or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False
    import psutil

    try:
        process = psutil.Process(pid)
        if process.uids().real != os.getuid() and os.getuid() != 0:
            return False
        command = " ".join(process.cmdline())
        started = process.create_time()
    except (psutil.Error, OSError):
        return False
    if "heartmonitor" not in command:
        return False
    try:
        written = os.stat(path).st_mtime
    except OSError:
        return True
    return started <= written + 1.0


def write_pid(httpd, path: str) -> bool:
    """ap_log_pid: <pid>\\n via a temporary file renamed over the pid file (mode 0644)."""
    if os.path.exists(path):
        httpd.log_error("core", log.WARNING, f"AH00098: pid file {path} overwritten -- "
                        "Unclean shutdown of previous Apache run?")
    temporary = path + "." + "".join(random.choices(string.ascii_letters + string.digits,
                                                    k=6))
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_TRUNC, 0o600)
    except OSError as error:
        httpd.log_error("core", log.ERR, f"AH00099: could not create {temporary}", error.errno)
        httpd.log_error("core", log.ERR,
                        f"AH00100: {httpd.argv0}: could not log pid to file {path}")
        return False
    try:
        os.fchmod(fd, 0o644)
        os.write(fd, f"{os.getpid()}\n".encode())
        os.close(fd)
        os.rename(temporary, path)
    except OSError as error:
        httpd.log_error("core", log.ERR,
                        f"AH10231: {httpd.argv0}: Failed creating pid file {temporary}",
                        error.errno)
        try:
            os.unlink(temporary)
        except OSError:
            pass
        return False
    return True


def remove_pid(httpd, path: str) -> None:
    """ap_remove_pid: only a file that still names this process."""
    try:
        if read_pid(path) != os.getpid():
            return
    except (OSError, PidReadError):
        return
    try:
        os.unlink(path)
    except OSError as error:
        httpd.log_error("core", log.ERR, f"AH00095: failed to remove PID file {path}",
                        error.errno)
        return
    httpd.log_error("core", log.INFO, f"AH00096: removed PID file {path} (pid={os.getpid()})")
