"""Advisory locks that say a server runs: on its pid file and on its heartbeat storage.

The kernel drops them when the process dies, so a file left behind by a crash never
looks alive. The pid file carries a POSIX (fcntl) lock, whose holder F_GETLK names; the
storage carries an open-file-description lock on `<storage>.lock`, which a detaching
server hands to its child across fork(). One rule follows from POSIX locks: a process
must never open and close its own pid file, as closing any descriptor of a file drops
the process's locks on it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat
import struct
from collections.abc import Iterator

from .modules.cluster.storage import storage_for  # only with mod_heartmonitor

FLOCK = "hhxxxxqqi4x"  # struct flock (l_type, l_whence, l_start, l_len, l_pid) on Linux
OPEN_FLAGS = os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY
SIDECAR_SUFFIX = ".lock"
PID_TEXT_LIMIT = 32


class NotRegular(OSError):
    """A path that is a FIFO, a device, a socket or a directory."""


def open_regular(path: str, flags: int, mode: int = 0o644) -> int:
    """A descriptor of `path`, which must be a regular file; opening never blocks."""
    fd = os.open(path, flags | OPEN_FLAGS, mode)
    try:
        info = os.fstat(fd)
    except OSError:
        os.close(fd)
        raise
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        code = 21 if stat.S_ISDIR(info.st_mode) else 22  # EISDIR, EINVAL
        raise NotRegular(code, os.strerror(code), path)
    return fd


def _lock_request(kind: int) -> bytes:
    return struct.pack(FLOCK, kind, os.SEEK_SET, 0, 0, 0)


def holder(fd: int, description: bool = False) -> int | None:
    """Who holds a lock on the whole file: a pid, -1 for an open-file-description lock,
    or None when nobody does."""
    command = fcntl.F_OFD_GETLK if description else fcntl.F_GETLK
    result = fcntl.fcntl(fd, command, _lock_request(fcntl.F_WRLCK))
    kind, _whence, _start, _length, pid = struct.unpack(FLOCK, result)
    return None if kind == fcntl.F_UNLCK else pid


def take(fd: int, description: bool = False) -> bool:
    """A write lock on the whole file without waiting; False when someone else has one."""
    command = fcntl.F_OFD_SETLK if description else fcntl.F_SETLK
    try:
        fcntl.fcntl(fd, command, _lock_request(fcntl.F_WRLCK))
    except OSError as error:
        if error.errno in (11, 13):  # EAGAIN, EACCES
            return False
        raise
    return True


def pid_path(httpd) -> str | None:
    return httpd.server_root_relative(httpd.pid_fname or httpd.layout.default_pidlog)


def pid_file_holder(path: str) -> int | None:
    """The pid of the live process that holds this pid file's lock, or None."""
    try:
        fd = open_regular(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        return holder(fd)
    except OSError:
        return None
    finally:
        os.close(fd)


@contextlib.contextmanager
def directory_turn(path: str) -> Iterator[None]:
    """One process at a time between checking who holds a file's lock and replacing the
    file: an exclusive flock on its directory, held for those few system calls."""
    try:
        fd = os.open(os.path.dirname(path) or ".", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:  # the rename that follows fails and says why
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def running_instances(httpd) -> list[str]:
    """Why another server would refuse this configuration: it holds the same pid file or
    uses the same heartbeat storage."""
    found = []
    path = pid_path(httpd)
    held = pid_file_holder(path) if path is not None else None
    if held is not None:
        found.append(f"another server (pid {held}) runs with the PidFile {path}")
    for storage in storage_paths(httpd):
        user = storage_holder(storage)
        if user is not None:
            note = f" (pid {user})" if user > 0 else ""
            found.append(f"another server{note} uses the heartbeat storage {storage}")
    return found


def sidecar(path: str) -> str:
    return path + SIDECAR_SUFFIX


class StorageLock:
    """`<storage>.lock`, locked for as long as a server uses that storage."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.fd: int | None = None

    def acquire(self) -> int | None:
        """None once held; else the pid that holds it (0 when the file does not say).

        A lock file that cannot be created (a read-only directory) is not an error:
        storage that cannot be written fails on its own, with httpd's messages.
        """
        try:
            fd = open_regular(sidecar(self.path), os.O_RDWR | os.O_CREAT)
        except OSError:
            return None
        if take(fd, description=True):
            self.fd = fd
            return None
        try:
            return read_holder_pid(fd)
        finally:
            os.close(fd)

    def note_pid(self) -> None:
        """Write this process's pid in the lock file (after detaching), for messages."""
        if self.fd is None:
            return
        text = f"{os.getpid()}\n".encode()
        try:
            os.pwrite(self.fd, text, 0)
            os.ftruncate(self.fd, len(text))
        except OSError:
            pass

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def read_holder_pid(fd: int) -> int:
    try:
        text = os.pread(fd, PID_TEXT_LIMIT, 0)
    except OSError:
        return 0
    digits = text.split(b"\n", 1)[0].strip()
    return int(digits) if digits.isdigit() and len(digits) < 11 else 0


def storage_holder(path: str) -> int | None:
    """The pid of the server using this storage (0 when unknown), or None."""
    try:
        fd = open_regular(sidecar(path), os.O_RDONLY)
    except OSError:
        return None
    try:
        if holder(fd, description=True) is None:
            return None
        return read_holder_pid(fd)
    finally:
        os.close(fd)


def storage_paths(httpd) -> list[str]:
    """What mod_heartmonitor writes when it listens: hb.dat, or its slotmem's file."""
    for module, _static in httpd.loaded_modules:
        if module.identifier != "heartmonitor_module":
            continue
        config = httpd.server_conf.module_config.get(module)
        if config is None or not getattr(config, "active", False):
            return []

        storage = storage_for(httpd, config)
        return [storage.location] if storage is not None else []
    return []
