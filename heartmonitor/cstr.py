"""C library string semantics that httpd relies on: isspace, case folding, numbers.

httpd reads numbers with glibc's atoi/strtol, and several observable results depend on their
exact behaviour (leading white space, signs, trailing junk, overflow clamping, truncation to a
32-bit int). Everything here works on str holding one character per byte.
"""

from __future__ import annotations

# The number parsers live in cnum; they are re-exported here for existing callers.
from .cnum import (  # noqa: F401
    LONG_MAX,
    LONG_MIN,
    SPACE,
    as_unsigned32,
    atoi,
    strtol,
    to_int32,
)

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def ascii_lower(text: str) -> str:
    """ap_str_tolower / ap_cstr_casecmp folding: only A-Z change case."""
    return text.lower() if text.isascii() else text.translate(_ASCII_LOWER)
