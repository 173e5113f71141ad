"""ap_pregcomp for the value checks: a pattern httpd would refuse gives None.

httpd compiles with PCRE2; heartmonitor.pcre, where present, does the same. Until then
Python's `re` stands in, which accepts and refuses a few patterns differently.
"""

from __future__ import annotations

import re

ICASE = 1
NOSUB = 2


def pregcomp(pattern: str, flags: int = 0):
    """The compiled pattern, or None when it does not compile."""
    try:
        return re.compile(pattern, re.IGNORECASE if flags & ICASE else 0)
    except (re.error, RecursionError, OverflowError, ValueError):
        return None
