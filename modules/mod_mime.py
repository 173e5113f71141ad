"""mod_mime's configuration checks (modules/http/mod_mime.c): MultiviewsMatch.

The Add*/Remove* directives accept any value in httpd; MultiviewsMatch refuses unknown
options and incompatible combinations. No type is ever assigned.
"""

from __future__ import annotations

from heartmonitor.checkmodule import checks_module
from heartmonitor.cstr import ascii_lower
from heartmonitor.server import Httpd

ANY, NEGOTIATED, FILTERS, HANDLERS = 1, 2, 4, 8
_OPTIONS = {
    "any": (ANY, ~ANY, "Any is incompatible with NegotiatedOnly, Filters and Handlers"),
    "negotiatedonly": (NEGOTIATED, ~NEGOTIATED,
                       "NegotiatedOnly is incompatible with Any, Filters and Handlers"),
    "filters": (FILTERS, NEGOTIATED | ANY, "Filters is incompatible with Any and NegotiatedOnly"),
    "handlers": (HANDLERS, NEGOTIATED | ANY,
                 "Handlers is incompatible with Any and NegotiatedOnly"),
}


class MimeDirConfig:
    def __init__(self, httpd: Httpd, path: str | None) -> None:
        self.multimatch = 0


def multiviews_match(cmd, mconfig: MimeDirConfig, include: str) -> str | None:
    option = _OPTIONS.get(ascii_lower(include))
    if option is None:
        return f"Unrecognized option '{include}'"
    bit, conflicts, message = option
    if mconfig.multimatch & conflicts:
        return message
    mconfig.multimatch |= bit
    return None


MODULE = checks_module("mod_mime", {"MultiviewsMatch": multiviews_match},
                       create_dir_config=MimeDirConfig)
