"""HeartbeatShare's argument: where the etcd that monitors share their tables through is.

Kept apart from share.py so that `-t` checks the URL without loading asyncio.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

EXPECTED = "etcd://HOST:PORT/PREFIX"
NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")
PREFIX = re.compile(r"(/[A-Za-z0-9._-]+)+")


class ShareTarget:
    """etcd's client address, the key prefix shared by all monitors, this monitor's name."""

    def __init__(self, host: str, port: int, prefix: str, name: str | None = None) -> None:
        self.host = host
        self.port = port
        self.prefix = prefix
        self.name = name

    def url(self) -> str:
        return f"etcd://{self.host}:{self.port}{self.prefix}"


def parse_share(url: str, name: str | None = None) -> ShareTarget | str:
    """The target, or the directive's error message."""

    def refused(reason: str) -> str:
        return f"HeartbeatShare: {reason} in '{url}' (expected {EXPECTED})"

    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return refused("a bad port")
    if parts.scheme != "etcd":
        return refused("not an etcd:// URL")
    if not parts.hostname:
        return refused("no host")
    if port is None or port == 0:
        return refused("no port")
    if parts.username is not None or parts.query or parts.fragment:
        return refused("credentials, a query or a fragment")
    prefix = parts.path.rstrip("/")
    if not prefix:
        return refused("no key prefix")
    if not PREFIX.fullmatch(prefix):
        return refused("a prefix other than /-separated letters, digits, '.', '_', '-'")
    if name is not None and not NAME.fullmatch(name):
        return (f"HeartbeatShare: the monitor name '{name}' must be 1 to 64 letters, digits, "
                "'.', '_' or '-'")
    return ShareTarget(parts.hostname, port, prefix, name)
