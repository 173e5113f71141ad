"""mod_expires' configuration checks (modules/metadata/mod_expires.c).

ExpiresByType and ExpiresDefault: the MIME type and the "<base> [plus] {<num> <type>}*"
code are checked as check_code does. No header is ever added.
"""

from __future__ import annotations

from heartmonitor.checkmodule import checks_module
from heartmonitor.config.words import getword_conf
from heartmonitor.cstr import ascii_lower

# Each unit with the number of leading characters strncasecmp compares.
_UNITS = (("years", 1), ("months", 2), ("weeks", 1), ("days", 1), ("hours", 1),
          ("minutes", 2), ("seconds", 1))


def _prefix(word: str, name: str, count: int) -> bool:
    """strncasecmp(word, name, count) == 0."""
    return ascii_lower(word[:count]) == name[:count]


def check_code(code: str) -> str | None:
    if code[:1] in ("A", "M"):
        return None
    word, pos = getword_conf(code)
    if not (_prefix(word, "now", 1) or _prefix(word, "access", 1)
            or _prefix(word, "modification", 1)):
        return f"bad expires code, unrecognised <base> '{word}'"
    word, pos = getword_conf(code, pos)
    if _prefix(word, "plus", 1):
        word, pos = getword_conf(code, pos)
    while word:
        if not (word[0].isascii() and word[0].isdigit()):
            return f"bad expires code, numeric value expected <num> '{word}'"
        word, pos = getword_conf(code, pos)
        if not word:
            return "bad expires code, missing <type>"
        if not any(_prefix(word, name, count) for name, count in _UNITS):
            return f"bad expires code, unrecognised <type>'{word}'"
        word, pos = getword_conf(code, pos)
    return None


def set_expiresbytype(cmd, mconfig, mime: str, code: str) -> str | None:
    if "/" not in mime:
        return "Invalid mimetype: should contain a slash"
    error = check_code(code)
    if error is not None:
        return f"'ExpiresByType {mime} {code}': {error}"
    return None


def set_expiresdefault(cmd, mconfig, code: str) -> str | None:
    error = check_code(code)
    if error is not None:
        return f"'ExpiresDefault {code}': {error}"
    return None


MODULE = checks_module("mod_expires", {"ExpiresByType": set_expiresbytype,
                                       "ExpiresDefault": set_expiresdefault})
