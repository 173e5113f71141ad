"""mod_log_config's configuration checks (modules/loggers/mod_log_config.c).

LogFormat strings and the formats and env=/expr= clauses of CustomLog, TransferLog and
GlobalLog are parsed as parse_log_string and add_custom_log parse them, against the
format letters the loaded modules register (mod_log_config's, mod_logio's, mod_ssl's).
No access log is written.
"""

from __future__ import annotations

from heartmonitor.checkmodule import checks_module
from heartmonitor.cstr import ascii_lower

_OWN = frozenset("haAlutfbBionLeVvpPHmqXCkrDTUsR") | {"^ti", "^to"}
_LOGIO = frozenset("IOS") | {"^FB"}
_SSL = frozenset("cx")


def _known(cmd) -> frozenset:
    known = _OWN | _LOGIO
    if cmd.httpd.module_named("ssl_module") is not None:
        known |= _SSL
    return known


def parse_log_string(cmd, text: str) -> str | None:
    """parse_log_string: None, or the error of the first bad %-directive."""
    known = None
    pos, end = 0, len(text)
    while pos < end:
        percent = text.find("%", pos)
        if percent < 0:
            return None
        pos = percent + 1
        if pos < end and text[pos] == "%":
            pos += 1
            continue
        while True:
            if pos >= end:
                return "Ran off end of LogFormat parsing args to some directive"
            ch = text[pos]
            if ch in "!<>,":
                pos += 1
            elif ch == "{":
                close = text.find("}", pos + 1)
                pos = end if close < 0 else close + 1
            elif ch.isascii() and ch.isdigit():
                while pos < end and text[pos].isascii() and text[pos].isdigit():
                    pos += 1
            else:
                if known is None:
                    known = _known(cmd)
                if ch == "^" and pos + 2 < end and text[pos:pos + 3] in known:
                    pos += 3
                elif ch in known:
                    pos += 1
                else:
                    return f"Unrecognized LogFormat directive %{ch}"
                break
    return None


def log_format(cmd, mconfig, fmt: str, name) -> str | None:
    return parse_log_string(cmd, fmt)


def add_custom_log(cmd, mconfig, filename: str, fmt, clause) -> str | None:
    if clause is not None:
        lower = ascii_lower(clause)
        if lower.startswith("env="):
            if clause[4:] in ("", "!"):
                return "missing environment variable name"
        elif lower.startswith("expr="):
            if not clause[5:]:
                return "missing condition"
            # Imported here: the expression tables load only for configurations using them.
            from heartmonitor.expr import parse_cmd

            error = parse_cmd(cmd, clause[5:])
            if error is not None:
                return error
        else:
            return "error in condition clause"
    if fmt is None:
        return None
    return parse_log_string(cmd, fmt)


def add_global_log(cmd, mconfig, filename: str, fmt, clause) -> str | None:
    return add_custom_log(cmd, mconfig, filename, fmt, clause)


MODULE = checks_module("mod_log_config", {
    "LogFormat": log_format, "CustomLog": add_custom_log, "GlobalLog": add_global_log,
})
