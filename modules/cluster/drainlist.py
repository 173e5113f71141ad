"""The servers an operator drained, kept across restarts in a file next to the storage.

The set lives in memory (shared with the Publisher) and survives graceful restarts with
the rest of the monitor's retained state; every change is also written to
`<storage>.drained`, one IP a line, replaced atomically with hb.dat's modes (a 0600
temporary file made 0444 and renamed), so a full stop and start drains the same servers.
A file that is not such a list is reported once, when it is read at start-up, and its
bad lines are ignored.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os

from heartmonitor import log

from . import hbfile

SUFFIX = ".drained"
MAX_DRAINED = 65536
READ_LIMIT = 4 * 1024 * 1024
HEADER = "# servers drained by heartmonitor (heartmonitorctl drain), one IP a line\n"


class DrainError(ValueError):
    """A drain request that cannot be done: the message says why, in one line."""


class NotSaved(DrainError):
    """The drained set could not be written; it was left as it was."""


def canonical_ip(text: str) -> str:
    """The IP as the monitor keys servers (Python's and the kernel's text form)."""
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        raise DrainError(f"'{text}' is not an IP address") from None


def parse(data: bytes, path: str) -> tuple[set[str], str | None]:
    """The IPs of a drained-servers file, and what was wrong with it (None: nothing)."""
    ips: set[str] = set()
    bad: list[int] = []
    for number, raw in enumerate(data.split(b"\n"), 1):
        line = raw.decode("utf-8", "replace").strip()
        if not line or line.startswith("#"):
            continue
        try:
            ips.add(canonical_ip(line))
        except DrainError:
            bad.append(number)
    if not bad:
        return ips, None
    more = f" ({len(bad)} such lines)" if len(bad) > 1 else ""
    return ips, (f"{path}:{bad[0]}: not an IP address: ignored{more}; other lines are "
                 "still drained")


class DrainList:
    """The drained set of one monitor and the file that keeps it."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self.ips: set[str] = set()
        self._lock: asyncio.Lock | None = None

    def load(self, httpd) -> None:
        """Read the file at start-up (a missing one is an empty set)."""
        path = self.path
        if not path:
            return
        try:
            data, _mtime = hbfile.read_storage(path)
        except FileNotFoundError:
            return
        except (OSError, hbfile.StorageRefused) as error:
            why = str(error) if isinstance(error, hbfile.StorageRefused) else (
                f"{path}: {error.strerror}")
            httpd.log_error("heartmonitor", log.WARNING, f"drained servers not restored: {why}")
            return
        if len(data) > READ_LIMIT:
            httpd.log_error("heartmonitor", log.WARNING,
                            f"drained servers not restored: {path} is larger than "
                            f"{READ_LIMIT} bytes")
            return
        ips, problem = parse(data, path)
        if problem:
            httpd.log_error("heartmonitor", log.WARNING, f"drained servers: {problem}")
        self.ips.update(list(ips)[:MAX_DRAINED])

    def render(self) -> bytes:
        return (HEADER + "".join(f"{ip}\n" for ip in sorted_ips(self.ips))).encode()

    async def change(self, drain: list[str], undrain: list[str]) -> None:
        """Apply, then save; on a failed save the set is as it was (DrainError)."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            before = set(self.ips)
            after = (before | set(drain)) - set(undrain)
            if len(after) > MAX_DRAINED:
                raise DrainError(f"at most {MAX_DRAINED} servers can be drained")
            if after == before:
                return
            self.ips.clear()
            self.ips.update(after)
            if not self.path:
                return
            try:
                await asyncio.to_thread(hbfile.write_atomically, self.path, self.render())
            except hbfile.WriteError as error:
                self.ips.clear()
                self.ips.update(before)
                raise NotSaved(f"not saved, nothing changed: {error.message}: "
                                 f"{os.strerror(error.errno)}") from None


def sorted_ips(ips: set[str]) -> list[str]:
    """IPv4 before IPv6, each in numeric order."""
    return sorted(ips, key=lambda ip: (ipaddress.ip_address(ip).version,
                                      ipaddress.ip_address(ip)))


def path_for(storage_location: str) -> str | None:
    return storage_location + SUFFIX if storage_location else None
