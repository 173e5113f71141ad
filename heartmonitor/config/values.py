"""Parsers for argument values that several modules share (server/util.c)."""

from __future__ import annotations

from ..cstr import strtol

INT64_MAX = (1 << 63) - 1


class UnparseableTimeout(ValueError):
    """ap_timeout_parameter_parse failed."""


def timeout_parameter_parse(text: str, default_unit: str = "s") -> int:
    """ap_timeout_parameter_parse: microseconds for '5', '5s', '100ms', '2mi', '1h'.

    Only the first character of the unit counts (two for 'ms' and 'mi'); a negative
    value, an unknown unit or an overflow raises UnparseableTimeout.
    """
    value, end, overflow = strtol(text)
    if overflow:
        raise UnparseableTimeout(text)
    unit = text[end:] if end < len(text) else default_unit
    if end == 0:
        unit = text
    if value < 0:
        raise UnparseableTimeout(text)
    first = unit[:1]
    if first == "s":
        limit, factor = INT64_MAX // 1_000_000, 1_000_000
    elif first == "h":
        limit, factor = INT64_MAX // 3600 // 1_000_000, 3600 * 1_000_000
    elif first == "m" and unit[1:2] == "s":
        limit, factor = INT64_MAX // 1000, 1000
    elif first == "m" and unit[1:2] == "i":
        limit, factor = INT64_MAX // 60 // 1_000_000, 60 * 1_000_000
    else:
        raise UnparseableTimeout(text)
    if value > limit:
        raise UnparseableTimeout(text)
    return value * factor
