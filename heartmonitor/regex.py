"""ap_pregcomp for the value checks: a pattern httpd would refuse gives None.

httpd compiles every configuration regex with PCRE2; heartmonitor.pcre does the same and
is loaded only when a configuration has a regex to check.
"""

from __future__ import annotations

from types import ModuleType

ICASE = 0x01
# AP_REG_NOSUB only drops captures; it never changes whether a pattern compiles.
NOSUB = 0


_pcre: ModuleType | None = None


def pregcomp(pattern: str, flags: int = 0):
    """The compiled pattern, or None when PCRE2 refuses it."""
    global _pcre
    if _pcre is None:
        # Imported here, once: libpcre2 is loaded only when a configuration uses a regex.
        from . import pcre

        _pcre = pcre
    regex = _pcre.compile_regex(pattern, _pcre.ICASE if flags & ICASE else 0)
    return None if isinstance(regex, str) else regex
