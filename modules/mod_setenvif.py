"""mod_setenvif's configuration checks (modules/metadata/mod_setenvif.c).

SetEnvIf, SetEnvIfNoCase, BrowserMatch, BrowserMatchNoCase and SetEnvIfExpr: the
attribute, the regex (or the header-name regex), the expression and the variables are
checked as add_setenvif_core and add_envvars do; no variable is ever set.
"""

from __future__ import annotations

import re

from heartmonitor.checkmodule import checks_module
from heartmonitor.config.words import getword_conf
from heartmonitor.cstr import ascii_lower
from heartmonitor.regex import ICASE, NOSUB, pregcomp

ICASE_MAGIC = "icase"
_SPECIAL = frozenset(("remote_addr", "remote_host", "request_uri", "request_method",
                      "request_protocol", "server_addr"))
# is_header_regex_regex: "^[-A-Za-z0-9_]*$"
_HEADER_NAME = re.compile(r"[-A-Za-z0-9_]*\Z")
_REGEX_SPECIALS = frozenset("^.$|()[]*+?{}")


def _is_plain(pattern: str) -> bool:
    """non_regex_pattern: no unescaped special character and no escaped ordinary one."""
    in_escape = False
    for ch in pattern:
        if ch in _REGEX_SPECIALS:
            if not in_escape:
                return False
            in_escape = False
        elif ch == "\\":
            in_escape = not in_escape
        elif in_escape:
            return False
    return True


def add_envvars(cmd, args: str, pos: int) -> str | None:
    """add_envvars: at least one variable must follow."""
    word, pos = getword_conf(args, pos)
    if not word:
        return f"Missing envariable expression for {cmd.cmd.name}"
    return None


def add_setenvif_core(cmd, name: str, args: str, pos: int) -> str | None:
    regex, pos = getword_conf(args, pos)
    if not regex:
        return f"Missing regular expression for {cmd.cmd.name}"
    icase = ICASE if cmd.info == ICASE_MAGIC else 0
    if not _is_plain(regex) and pregcomp(regex, icase) is None:
        return f"{cmd.cmd.name} regex could not be compiled."
    if ascii_lower(name) not in _SPECIAL and not _HEADER_NAME.match(name):
        if pregcomp(name, NOSUB | icase) is None:
            return f"{cmd.cmd.name}Header name regex could not be compiled."
    return add_envvars(cmd, args, pos)


def add_setenvif(cmd, mconfig, args: str) -> str | None:
    name, pos = getword_conf(args)
    if not name:
        return f"Missing header-field name for {cmd.cmd.name}"
    return add_setenvif_core(cmd, name, args, pos)


def add_browser(cmd, mconfig, args: str) -> str | None:
    return add_setenvif_core(cmd, "User-Agent", args, 0)


def add_setenvifexpr(cmd, mconfig, args: str) -> str | None:
    expr, pos = getword_conf(args)
    if not expr:
        return f"Missing expression for {cmd.cmd.name}"
    # Imported here: the expression tables load only for configurations that use them.
    from heartmonitor.expr import parse_cmd

    error = parse_cmd(cmd, expr)
    if error is not None:
        return f'Could not parse expression "{expr}": {error}'
    return add_envvars(cmd, args, pos)


MODULE = checks_module(
    "mod_setenvif",
    {"SetEnvIf": add_setenvif, "SetEnvIfNoCase": add_setenvif, "SetEnvIfExpr": add_setenvifexpr,
     "BrowserMatch": add_browser, "BrowserMatchNoCase": add_browser},
    data={"SetEnvIfNoCase": ICASE_MAGIC, "BrowserMatchNoCase": ICASE_MAGIC},
)
