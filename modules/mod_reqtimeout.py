"""mod_reqtimeout's configuration checks (modules/filters/mod_reqtimeout.c).

RequestReadTimeout's handshake=, header= and body= values ("20-40,MinRate=500") are
parsed as set_reqtimeout_param parses them; the main server's stages are kept in
httpd.extensions["reqtimeout"] as (timeout, maximum, MinRate) for the HTTP server.
"""

from __future__ import annotations

from heartmonitor.checkmodule import checks_module
from heartmonitor.cnum import strtol, to_int32
from heartmonitor.config.words import getword_conf
from heartmonitor.cstr import ascii_lower

_STAGES = frozenset(("handshake", "header", "body"))
_MINRATE = ",minrate="


def parse_int(text: str) -> tuple[int, str | None]:
    """parse_int: (value, error)."""
    value, end, _overflow = strtol(text)
    value = to_int32(value)
    if end == 0:
        return value, f"Value '{text}' not numerical"
    if end != len(text):
        return value, f"Cannot parse '{text[end:]}'"
    if value < 0:
        return value, "Value must be non-negative"
    return value, None


def set_param(key: str, value: str, stages: dict | None = None) -> str | None:
    """set_reqtimeout_param; the stage's (timeout, maximum, MinRate) go into stages."""
    if ascii_lower(key) not in _STAGES:
        return "Unknown RequestReadTimeout parameter"
    at = ascii_lower(value).find(_MINRATE)
    maximum = rate = 0
    if at >= 0:
        initial = value[:at]
        rate, error = parse_int(value[at + len(_MINRATE):])
        if error:
            return error
        if rate == 0:
            return "Minimum data rate must be larger than 0"
        dash = initial.find("-")
        if dash >= 0:
            maximum, error = parse_int(initial[dash + 1:])
            if error:
                return error
            initial = initial[:dash]
        timeout, error = parse_int(initial)
    else:
        if "-" in value:
            return "Must set MinRate option if using timeout range"
        timeout, error = parse_int(value)
    if error:
        return error
    if maximum and timeout >= maximum:
        return "Maximum timeout must be larger than initial timeout"
    if stages is not None:
        stages[ascii_lower(key)] = (timeout, maximum, rate)
    return None


def set_reqtimeouts(cmd, mconfig, arg: str) -> str | None:
    # The main server's stages time every request (the HTTP server reads them).
    stages = None if cmd.server.is_virtual else cmd.httpd.extensions.setdefault(
        "reqtimeout", {})
    pos = 0
    while pos < len(arg):
        word, pos = getword_conf(arg, pos)
        if "=" not in word:
            return ("Invalid RequestReadTimeout parameter. Parameter must be in the form "
                    "'key=value'")
        key, value = word.split("=", 1)
        error = set_param(key, value, stages)
        if error:
            return f"RequestReadTimeout: {key}={value}: {error}"
    return None


MODULE = checks_module("mod_reqtimeout", {"RequestReadTimeout": set_reqtimeouts})
