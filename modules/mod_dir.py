"""mod_dir's configuration checks (modules/mappers/mod_dir.c): DirectoryIndexRedirect."""

from __future__ import annotations

from heartmonitor.checkmodule import checks_module
from heartmonitor.cnum import atoi
from heartmonitor.cstr import ascii_lower

_KEYWORDS = frozenset(("on", "off", "permanent", "temp", "seeother"))


def configure_redirect(cmd, mconfig, arg: str) -> str | None:
    if ascii_lower(arg) in _KEYWORDS:
        return None
    if arg[:1].isascii() and arg[:1].isdigit():
        if not 300 <= atoi(arg) <= 399:
            return "DirectoryIndexRedirect only accepts values between 300 and 399"
        return None
    return "DirectoryIndexRedirect ON|OFF|permanent|temp|seeother|3xx"


MODULE = checks_module("mod_dir", {"DirectoryIndexRedirect": configure_redirect})
