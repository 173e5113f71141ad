"""mod_negotiation's configuration checks (modules/mappers/mod_negotiation.c):
ForceLanguagePriority's options and their combinations."""

from __future__ import annotations

from heartmonitor.checkmodule import checks_module
from heartmonitor.cstr import ascii_lower
from heartmonitor.server import Httpd

NONE, PREFER, FALLBACK = 1, 2, 4


class NegotiationDirConfig:
    def __init__(self, httpd: Httpd, path: str | None) -> None:
        self.force = 0


def set_force_priority(cmd, mconfig: NegotiationDirConfig, word: str) -> str | None:
    lower = ascii_lower(word)
    if lower == "none":
        if mconfig.force & ~NONE:
            return "Cannot combine ForceLanguagePriority options with None"
        mconfig.force = NONE
    elif lower in ("prefer", "fallback"):
        if mconfig.force & NONE:
            if lower == "prefer":
                return "Cannot combine ForceLanguagePriority options None and Prefer"
            return "Cannot combine ForceLanguagePriority options None and Fallback"
        mconfig.force |= PREFER if lower == "prefer" else FALLBACK
    else:
        return f"Invalid ForceLanguagePriority option {word}"
    return None


MODULE = checks_module("mod_negotiation", {"ForceLanguagePriority": set_force_priority},
                       create_dir_config=NegotiationDirConfig)
