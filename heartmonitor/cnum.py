"""C number parsing as httpd gets it from glibc and APR: strtol, strtoul, atoi, apr_atoi64.

Every number httpd reads from a configuration goes through one of these, so their exact
results are observable: leading white space and a sign are skipped, only ASCII digits
count (Python's str.isdigit() also takes '²' or Arabic-Indic digits), trailing junk ends
the number, and an overflow saturates instead of failing. Work is bounded by the length
of the text: a number of 100,000 digits is never handed to int() (Python refuses more
than 4,300 digits).
"""

from __future__ import annotations

# apr_isspace / isspace in the C locale.
SPACE = " \t\n\v\f\r"
DIGITS = "0123456789"

LONG_MAX = (1 << 63) - 1
LONG_MIN = -(1 << 63)
ULONG_MAX = (1 << 64) - 1
INT_MAX = (1 << 31) - 1
INT_MIN = -(1 << 31)


def is_ascii_digits(text: str) -> bool:
    """True for a non-empty run of 0-9 only (apr_isdigit on every character)."""
    return bool(text) and text.isascii() and text.isdigit()


def digits_value(digits: str, ceiling: int) -> int:
    """The value of a run of ASCII digits, or ceiling + 1 when it exceeds ceiling."""
    digits = digits.lstrip("0")
    if len(digits) > len(str(ceiling)):
        return ceiling + 1
    value = int(digits) if digits else 0
    return ceiling + 1 if value > ceiling else value


def _scan(text: str) -> tuple[bool, int, int]:
    """(negative, first digit index, end of digits) after white space and a sign."""
    i = 0
    n = len(text)
    while i < n and text[i] in SPACE:
        i += 1
    negative = False
    if i < n and text[i] in "+-":
        negative = text[i] == "-"
        i += 1
    start = i
    while i < n and text[i] in DIGITS:
        i += 1
    return negative, start, i


def strtol(text: str) -> tuple[int, int, bool]:
    """glibc strtol(text, &end, 10): (value, end index, overflowed with ERANGE).

    When no digits are found the value is 0 and end is 0, as C leaves endptr at the start.
    An overflow saturates to LONG_MAX or LONG_MIN.
    """
    if len(text) < 19 and text.isdigit() and text.isascii():
        return int(text), len(text), False  # digits only, too few to overflow: most numbers
    negative, start, end = _scan(text)
    if end == start:
        return 0, 0, False
    magnitude = digits_value(text[start:end], LONG_MAX + 1)
    if negative:
        if magnitude > LONG_MAX + 1:
            return LONG_MIN, end, True
        return -magnitude, end, False
    if magnitude > LONG_MAX:
        return LONG_MAX, end, True
    return magnitude, end, False


def strtoul(text: str) -> tuple[int, int, bool]:
    """glibc strtoul(text, &end, 10): a '-' negates modulo 2**64; overflow is ULONG_MAX."""
    negative, start, end = _scan(text)
    if end == start:
        return 0, 0, False
    magnitude = digits_value(text[start:end], ULONG_MAX)
    if magnitude > ULONG_MAX:
        return ULONG_MAX, end, True
    return ((-magnitude) & ULONG_MAX if negative else magnitude), end, False


def to_int32(value: int) -> int:
    """Truncate to a C int the way a long -> int conversion does on x86-64."""
    value &= 0xFFFFFFFF
    return value - 0x100000000 if value & 0x80000000 else value


def as_unsigned32(value: int) -> int:
    """What printf("%u") shows for a C int."""
    return value & 0xFFFFFFFF


def atol(text: str | None) -> int:
    """glibc atol: strtol(text, NULL, 10)."""
    return strtol(text)[0] if text else 0


def atoi(text: str | None) -> int:
    """glibc atoi: (int) strtol(text, NULL, 10)."""
    return to_int32(atol(text))


def apr_strtoi64(text: str) -> tuple[int, int, bool]:
    """apr_strtoi64(text, &end, 10): strtol on a 64-bit system."""
    return strtol(text)


def apr_atoi64(text: str | None) -> int:
    """apr_atoi64: apr_strtoi64(text, NULL, 10), saturating at the 64-bit limits."""
    return atol(text)


# glibc strtod's grammar in the C locale: hexadecimal first, so that "0x1" is not "0".
# Compiled on first use (a few ms of -t start-up that most configurations never need).
_STRTOD_PATTERN = (
    r"[ \t\n\v\f\r]*([+-]?)(?:"
    r"(0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?[0-9]+)?)"
    r"|((?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
    r"|([iI][nN][fF](?:[iI][nN][iI][tT][yY])?)"
    r"|([nN][aA][nN])(?:\([0-9A-Za-z_]*\))?)")


def strtod(text: str) -> tuple[float, int]:
    """glibc strtod(text, &end): (value, end index); (0.0, 0) when there is no number.

    Only ASCII counts (Python's float() also takes '١٢' and '1_0'); an overflow is
    +-inf, as strtod returns HUGE_VAL. Linear in the length of the text.
    """
    import re  # only here: -t of most configurations never reads a float, and re costs it

    match = re.match(_STRTOD_PATTERN, text)
    if match is None:
        return 0.0, 0
    sign, hexadecimal, decimal, infinity, _nan = match.groups()
    if hexadecimal is not None:
        mantissa = hexadecimal if "p" in hexadecimal.lower() else hexadecimal + "p0"
        try:
            value = float.fromhex(mantissa)
        except OverflowError:
            value = float("inf")
    elif decimal is not None:
        value = float(decimal)
    elif infinity is not None:
        value = float("inf")
    else:
        value = float("nan")
    return (-value if sign == "-" else value), match.end()


def atof(text: str | None) -> float:
    """glibc atof: strtod(text, NULL)."""
    return strtod(text)[0] if text else 0.0
