"""PidFile: ap_log_pid, ap_read_pid, ap_remove_pid, and whether a pid is really ours.

httpd's `-k` signals whatever process the pid file names once kill(pid, 0) succeeds.
heartmonitor's server holds a POSIX lock on its pid file (heartmonitor.instancelock) for
as long as it runs, and `-k` signals the pid in the file only when that pid holds the
lock, runs heartmonitor (the same interpreter, `-m heartmonitor` or its script) and has
the uid that owns the file. Anything else is "not running", and never signalled.

The file is written as httpd writes it (a temporary file renamed over PidFile), before
detaching when the server detaches, so that a PidFile that cannot be written stops
start-up with httpd's messages and nothing runs that `-k stop` cannot find.
"""

from __future__ import annotations

import os
import random
import shutil
import string
import sys
from collections.abc import Callable

import psutil  # only -k needs it

from . import log
from .instancelock import directory_turn, holder, open_regular, pid_file_holder, pid_path, take

__all__ = ["PidFile", "PidReadError", "PidState", "is_ours", "pid_path", "read_pid"]

BUFFER_SIZE = 8 * 3 + 2
PID_MAX = 2**22  # Linux's highest pid_max
APR_EGENERAL = 20014


class PidReadError(Exception):
    def __init__(self, errno_value: int | None, message: str | None = None) -> None:
        super().__init__(message)
        self.errno = errno_value


class PidState:
    """What a pid file says: its pid, who holds its lock (None: nobody), its owner."""

    def __init__(self, pid: int, lock_holder: int | None, owner: int) -> None:
        self.pid = pid
        self.lock_holder = lock_holder
        self.owner = owner


def parse_pid(data: bytes) -> int:
    """ap_read_pid's checks on the first BUFFER_SIZE - 1 bytes; PidReadError if corrupt.

    httpd would take strtol()'s value truncated to a pid_t (4294967297 is pid 1); a pid
    outside 1..PID_MAX is refused here as corrupt.
    """
    if not data or len(data) == BUFFER_SIZE - 1 or not data[:1].isdigit():
        raise PidReadError(None)
    end = 0
    while end < len(data) and data[end:end + 1].isdigit():
        end += 1
    pid = int(data[:end])
    if not 0 < pid <= PID_MAX:
        raise PidReadError(None)
    return pid


def read_pid(path: str) -> PidState:
    """ap_read_pid and the lock: FileNotFoundError, or PidReadError for a corrupt file.

    The file is opened without blocking (a FIFO never hangs `-k`) and must be regular.
    """
    try:
        fd = open_regular(path, os.O_RDONLY)
    except (FileNotFoundError, NotADirectoryError):
        raise
    except OSError as error:
        raise PidReadError(error.errno) from None
    try:
        try:
            data = os.read(fd, BUFFER_SIZE - 1)
            owner = os.fstat(fd).st_uid
            lock_holder = holder(fd)
        except OSError as error:
            raise PidReadError(error.errno) from None
    finally:
        os.close(fd)
    return PidState(parse_pid(data), lock_holder, owner)


def is_ours(state: PidState) -> bool:
    """A running heartmonitor of the file's owner that holds the pid file's lock."""
    pid = state.pid
    if state.lock_holder != pid or pid == os.getpid():
        return False

    try:
        process = psutil.Process(pid)
        if process.uids().effective != state.owner:
            return False
        executable = process.exe()
        command = process.cmdline()
        cwd = process.cwd()
    except (psutil.Error, OSError):
        return False
    if os.path.realpath(executable) != os.path.realpath(sys.executable):
        return False
    return runs_heartmonitor(command, cwd)


def runs_heartmonitor(command: list[str], cwd: str) -> bool:
    """Whether a Python command line runs heartmonitor: `-m heartmonitor` or its script."""
    arguments = iter(command[1:])
    for argument in arguments:
        if argument == "-m":
            return next(arguments, "") in ("heartmonitor", "heartmonitor.cli")
        if argument.startswith("-m"):
            return argument[2:] in ("heartmonitor", "heartmonitor.cli")
        if argument.startswith("-c") or argument == "-":
            return False
        if argument in ("-W", "-X", "--check-hash-based-pycs"):
            next(arguments, None)
            continue
        if argument.startswith("-"):
            continue
        script = os.path.realpath(os.path.join(cwd, argument))
        return script in heartmonitor_scripts()
    return False


def heartmonitor_scripts() -> set[str]:
    """heartmonitor's command next to this interpreter, and the one this process runs."""
    candidates = [os.path.join(os.path.dirname(sys.executable), "heartmonitor"),
                  shutil.which("heartmonitor") or ""]
    if os.path.basename(sys.argv[0]) == "heartmonitor":
        candidates.append(sys.argv[0])
    return {os.path.realpath(c) for c in candidates if c}


class PidFile:
    """The server's pid file: created before detaching, then locked and published."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.temporary: str | None = None
        self.fd: int | None = None

    def create(self, httpd, first: bool = True) -> bool:
        """ap_log_pid's temporary file; False after httpd's AH00099/AH00100. httpd warns
        about a file already there only the first time (not on a restart)."""
        if first and os.path.lexists(self.path):
            httpd.log_error("core", log.WARNING, f"AH00098: pid file {self.path} overwritten "
                            "-- Unclean shutdown of previous Apache run?")
        temporary = self.path + "." + "".join(
            random.choices(string.ascii_letters + string.digits, k=6))
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
            os.fchmod(fd, 0o644)
        except OSError as error:
            httpd.log_error("core", log.ERR, f"AH00099: could not create {temporary}",
                            error.errno)
            httpd.log_error("core", log.ERR,
                            f"AH00100: {httpd.argv0}: could not log pid to file {self.path}")
            return False
        self.temporary, self.fd = temporary, fd
        return True

    def claim(self) -> bool:
        """In the serving process: its pid in the file, and the lock."""
        if self.fd is None:
            return False
        text = f"{os.getpid()}\n".encode()
        try:
            os.ftruncate(self.fd, 0)
            os.pwrite(self.fd, text, 0)
            return take(self.fd)
        except OSError:
            return False

    def publish(self, httpd, refuse: Callable[[int], None] | None = None) -> bool:
        """Rename the temporary file over PidFile; False after logging why (refuse(pid)
        says it when another server holds PidFile).

        Two servers started at once on one PidFile both pass the first check; here they
        take turns, and the second finds the first's lock on PidFile and gives up.
        """
        if self.temporary is None:
            return False
        with directory_turn(self.path):
            held = pid_file_holder(self.path)
            if held is not None and held != os.getpid():
                if refuse is not None:
                    refuse(held)
                else:
                    httpd.startup(f"{httpd.argv0}: another server (pid {held}) runs with "
                                  f"the PidFile {self.path}: not starting a second one")
                self.discard()
                return False
            return self._rename(httpd, self.temporary)

    def _rename(self, httpd, temporary: str) -> bool:
        try:
            os.rename(temporary, self.path)
        except OSError as error:
            httpd.log_error("core", log.ERR, f"AH10231: {httpd.argv0}: Failed creating pid "
                            f"file {temporary}", error.errno)
            self.discard()
            return False
        self.temporary = None
        return True

    def discard(self) -> None:
        """Start-up failed: remove the temporary file, let go of the descriptor."""
        if self.temporary is not None:
            try:
                os.unlink(self.temporary)
            except OSError:
                pass
            self.temporary = None
        self.close()

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def remove(self, httpd) -> None:
        """ap_remove_pid: only the file this process published (the same inode)."""
        if self.fd is None:
            return
        try:
            ours = os.stat(self.path).st_ino == os.fstat(self.fd).st_ino
        except OSError:
            ours = False
        if ours:
            try:
                os.unlink(self.path)
            except OSError as error:
                httpd.log_error("core", log.ERR, f"AH00095: failed to remove PID file "
                                f"{self.path}", error.errno)
            else:
                httpd.log_error("core", log.INFO,
                                f"AH00096: removed PID file {self.path} (pid={os.getpid()})")
        self.close()
