"""mod_headers' configuration checks (modules/metadata/mod_headers.c): Header, RequestHeader.

The action, the edit regex, the echo regex, the env=/expr= clause and the value's format
tags are checked as header_inout_cmd does; nothing is added to responses.
"""

from __future__ import annotations

from heartmonitor.checkmodule import checks_module
from heartmonitor.config.words import getword_conf
from heartmonitor.cstr import ascii_lower
from heartmonitor.regex import NOSUB, pregcomp

_ACTIONS = frozenset(("set", "setifempty", "add", "append", "merge", "unset", "echo", "edit",
                      "edit*", "note"))
_FORMAT_TAGS = frozenset("Dtesl" "ib")


def _parse_expr(cmd, text: str, flags: int = 0) -> str | None:
    # Imported here: the expression tables load only for configurations that use them.
    from heartmonitor.expr import parse_cmd

    return parse_cmd(cmd, text, flags)


def _format_error(value: str) -> str | None:
    """parse_format_string: every %x must be a registered format tag."""
    pos = 0
    while True:
        pos = value.find("%", pos)
        if pos < 0 or pos + 1 >= len(value):
            return None
        pos += 1
        if value[pos] == "%":
            pos += 1
            continue
        if value[pos] == "{":
            end = value.find("}", pos + 1)
            pos = len(value) if end < 0 else end + 1
        tag = value[pos] if pos < len(value) else ""
        if tag not in _FORMAT_TAGS or not tag:
            return f"Unrecognized header format %{tag}"
        pos += 1


def header_inout(cmd, action: str, hdr: str, value, subs, envclause, onsuccess) -> str | None:
    lower = ascii_lower(action)
    if lower not in _ACTIONS:
        return ("first argument must be 'add', 'set', 'setifempty', 'append', 'merge', "
                "'unset', 'echo', 'note', 'edit', or 'edit*'.")
    if lower in ("edit", "edit*"):
        if subs is None:
            return "Header edit requires a match and a substitution"
        if pregcomp(value) is None:
            return "Header edit regex could not be compiled"
    else:
        if envclause is not None:
            return "Too many arguments to directive"
        envclause = subs
    if lower == "unset":
        if value is not None:
            if envclause is not None:
                return "header unset takes two arguments"
            envclause, value = value, None
    elif lower == "echo":
        if value is not None:
            if envclause is not None:
                return "Header echo takes two arguments"
            envclause, value = value, None
        if not onsuccess:
            return "Header echo only valid on Header directives"
        if pregcomp(hdr, NOSUB) is None:
            return "Header echo regex could not be compiled"
    elif value is None:
        return "Header requires three arguments"
    if envclause is not None:
        clause = ascii_lower(envclause)
        if clause == "early":
            pass
        elif clause.startswith("env="):
            if envclause[4:] in ("", "!"):
                return ("error: missing environment variable name. envclause should be in "
                        "the form env=envar ")
        elif clause.startswith("expr="):
            error = _parse_expr(cmd, envclause[5:])
            if error is not None:
                return f"Can't parse envclause/expression: {error}"
        else:
            return f"Unknown parameter: {envclause}"
    if lower in ("unset", "echo"):
        return None
    if lower in ("edit", "edit*"):
        value = subs
    if value.startswith("expr="):
        from heartmonitor.expr import STRING_RESULT  # with the tables, as _parse_expr

        error = _parse_expr(cmd, value[5:], STRING_RESULT)
        if error is not None:
            return f"Can't parse value expression : {error}"
        return None
    return _format_error(value)


def header_cmd(cmd, mconfig, args: str) -> str | None:
    """header_cmd: [always|onsuccess] action header [value [replacement]] [early|env=|expr=]."""
    onsuccess = cmd.cmd.name == "Header"
    action, pos = getword_conf(args)
    if onsuccess and ascii_lower(action) in ("always", "onsuccess"):
        action, pos = getword_conf(args, pos)
    hdr, pos = getword_conf(args, pos)
    words: list[str | None] = []
    for _ in range(3):
        if pos < len(args):
            word, pos = getword_conf(args, pos)
            words.append(word)
        else:
            words.append(None)
    if pos < len(args):
        return f"{cmd.cmd.name} has too many arguments"
    value, subs, envclause = words
    return header_inout(cmd, action, hdr, value, subs, envclause, onsuccess)


MODULE = checks_module("mod_headers", {"Header": header_cmd, "RequestHeader": header_cmd})
