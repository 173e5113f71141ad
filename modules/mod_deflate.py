"""mod_deflate's configuration checks (modules/filters/mod_deflate.c): ranges and keywords."""

from __future__ import annotations

from heartmonitor.checkmodule import checks_module
from heartmonitor.cnum import atoi, strtol
from heartmonitor.cstr import ascii_lower


def _range(low: int, high: int, message: str):
    def handler(cmd, mconfig, arg: str) -> str | None:
        value = atoi(arg)
        return message if value < low or value > high else None

    return handler


def set_note(cmd, mconfig, first: str, second) -> str | None:
    if second is None or ascii_lower(first) in ("ratio", "input", "output"):
        return None
    return f"Unknown note type {first}"


def set_etag(cmd, mconfig, arg: str) -> str | None:
    if ascii_lower(arg) in ("nochange", "addsuffix", "remove"):
        return None
    return "DeflateAlterETAG accepts only 'NoChange', 'AddSuffix', and 'Remove'"


def set_inflate_limit(cmd, mconfig, arg: str) -> str | None:
    value, end, overflow = strtol(arg)
    if overflow:
        return "DeflateInflateLimitRequestBody is not parsable."
    if end != len(arg) or value < 0:
        return "DeflateInflateLimitRequestBody requires a non-negative integer."
    return None


_POSITIVE = 2**31 - 1
MODULE = checks_module("mod_deflate", {
    "DeflateFilterNote": set_note,
    "DeflateWindowSize": _range(1, 15, "DeflateWindowSize must be between 1 and 15"),
    "DeflateBufferSize": _range(1, _POSITIVE, "DeflateBufferSize should be positive"),
    "DeflateMemLevel": _range(1, 9, "DeflateMemLevel must be between 1 and 9"),
    "DeflateCompressionLevel": _range(1, 9, "Compression Level must be between 1 and 9"),
    "DeflateInflateLimitRequestBody": set_inflate_limit,
    "DeflateInflateRatioLimit": _range(1, _POSITIVE, "DeflateInflateRatioLimit must be positive"),
    "DeflateInflateRatioBurst": _range(1, _POSITIVE, "DeflateInflateRatioBurst must be positive"),
    "DeflateAlterEtag": set_etag,
})
