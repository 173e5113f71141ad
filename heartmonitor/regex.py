"""ap_pregcomp for the value checks: a pattern httpd would refuse gives None.

httpd compiles every configuration regex with PCRE2; heartmonitor.pcre does the same and
is loaded only when a configuration has a regex to check.
"""

from __future__ import annotations

ICASE = 0x01
# AP_REG_NOSUB only drops captures; it never changes whether a pattern compiles.
NOSUB = 0


def pregcomp(pattern: str, flags: int = 0):
    """The compiled pattern, or None when PCRE2 refuses it."""
    # Imported here: libpcre2 is loaded only when a configuration uses a regex.
    from .pcre import ICASE as PCRE_ICASE
    from .pcre import compile_regex

    regex = compile_regex(pattern, PCRE_ICASE if flags & ICASE else 0)
    return None if isinstance(regex, str) else regex
