"""C library string semantics that httpd relies on: isspace, strtol and atoi.

httpd reads numbers with glibc's atoi/strtol, and several observable results depend on their
exact behaviour (leading white space, signs, trailing junk, overflow clamping, truncation to a
32-bit int). Everything here works on str holding one character per byte.
"""

from __future__ import annotations

# apr_isspace / isspace in the C locale.
SPACE = " \t\n\v\f\r"
_DIGITS = "0123456789"

LONG_MAX = (1 << 63) - 1
LONG_MIN = -(1 << 63)


def strtol(text: str) -> tuple[int, int, bool]:
    """glibc strtol(text, &end, 10): returns (value, end index, overflowed).

    When no digits are found the value is 0 and end is 0, as C leaves endptr at the start.
    """
    i = 0
    n = len(text)
    while i < n and text[i] in SPACE:
        i += 1
    negative = False
    if i < n and text[i] in "+-":
        negative = text[i] == "-"
        i += 1
    start = i
    while i < n and text[i] in _DIGITS:
        i += 1
    if i == start:
        return 0, 0, False
    value = int(text[start:i])
    if negative:
        value = -value
    if value > LONG_MAX:
        return LONG_MAX, i, True
    if value < LONG_MIN:
        return LONG_MIN, i, True
    return value, i, False


def to_int32(value: int) -> int:
    """Truncate to a C int the way a long -> int conversion does on x86-64."""
    value &= 0xFFFFFFFF
    return value - 0x100000000 if value & 0x80000000 else value


def atoi(text: str | None) -> int:
    """glibc atoi: (int) strtol(text, NULL, 10)."""
    if not text:
        return 0
    return to_int32(strtol(text)[0])


def as_unsigned32(value: int) -> int:
    """What printf("%u") shows for a C int."""
    return value & 0xFFFFFFFF


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def ascii_lower(text: str) -> str:
    """ap_str_tolower / ap_cstr_casecmp folding: only A-Z change case."""
    return text.lower() if text.isascii() else text.translate(_ASCII_LOWER)
