"""mod_alias's configuration checks (modules/mappers/mod_alias.c).

Alias, ScriptAlias (with their expression form inside <Location>), AliasMatch,
ScriptAliasMatch and the Redirect family: contexts, regexes, expressions, status codes
and targets as add_alias_internal and add_redirect_internal check them, and the AH00671
warning for an alias an earlier one hides. Nothing is mapped.
"""

from __future__ import annotations

from heartmonitor.checkmodule import checks_module, server_warning
from heartmonitor.cnum import atoi
from heartmonitor.config.command import NOT_IN_DIR_CONTEXT, NOT_IN_DIRECTORY, NOT_IN_FILES
from heartmonitor.config.walker import check_cmd_context
from heartmonitor.cstr import ascii_lower
from heartmonitor.regex import pregcomp
from heartmonitor.server import Httpd
from heartmonitor.server_rec import ServerRec

WARN = 4
SCRIPT = "cgi-script"


class AliasServerConfig:
    """The aliases defined so far: (fake, regex or None, handler)."""

    def __init__(self, httpd: Httpd, server: ServerRec) -> None:
        self.aliases: list[tuple[str, object, str | None]] = []


def _parse_string_expr(cmd, text: str) -> str | None:
    # Imported here: the expression tables load only for configurations that use them.
    from heartmonitor.expr import STRING_RESULT, parse_cmd

    return parse_cmd(cmd, text, STRING_RESULT)


def alias_matches(uri: str, fake: str) -> int:
    """alias_matches: how many characters of uri the alias covers, 0 for none."""
    a = u = 0
    while a < len(fake):
        if fake[a] == "/":
            if u >= len(uri) or uri[u] != "/":
                return 0
            while a < len(fake) and fake[a] == "/":
                a += 1
            while u < len(uri) and uri[u] == "/":
                u += 1
        else:
            if u >= len(uri) or uri[u] != fake[a]:
                return 0
            u += 1
            a += 1
    if fake[a - 1] != "/" and u < len(uri) and uri[u] != "/":
        return 0
    return u


def add_alias_internal(cmd, fake: str, real: str, use_regex: bool) -> str | None:
    # httpd checks here, in the function the handlers call, and differently for the
    # one-argument form (add_alias): the catalogue records no mask for these directives.
    error = check_cmd_context(cmd, NOT_IN_DIR_CONTEXT)
    if error:
        return error
    conf = cmd.server.module_config[MODULE]
    regex = None
    if use_regex:
        regex = pregcomp(fake)
        if regex is None:
            return "Regular expression could not be compiled."
    else:
        for earlier, earlier_regex, handler in conf.aliases:
            if (earlier_regex is None and alias_matches(fake, earlier) > 0) or (
                    earlier_regex is not None and earlier_regex.search(fake) is not None):
                directive = cmd.directive
                server_warning(
                    cmd, "alias", WARN,
                    f"AH00671: The {cmd.cmd.name} directive in {directive.filename} at line "
                    f"{directive.line_num} will probably never match because it overlaps an "
                    f"earlier {'Script' if handler else ''}Alias"
                    f"{'Match' if earlier_regex is not None else ''}.")
                break
    conf.aliases.append((fake, regex, cmd.info))
    return None


def add_alias(cmd, mconfig, fake: str, real) -> str | None:
    if real is not None:
        return add_alias_internal(cmd, fake, real, False)
    error = check_cmd_context(cmd, NOT_IN_DIRECTORY | NOT_IN_FILES)
    if error:
        return error
    if cmd.path is None:
        return "Alias must have two arguments when used globally"
    error = _parse_string_expr(cmd, fake)
    if error is not None:
        return f"Cannot parse alias expression '{fake}': {error}"
    return None


def add_alias_regex(cmd, mconfig, fake: str, real: str) -> str | None:
    return add_alias_internal(cmd, fake, real, True)


def _is_redirect(status: int) -> bool:
    return 300 <= status <= 399


def is_url(text: str) -> bool:
    """ap_is_url: a scheme of [A-Za-z0-9+.-] before a colon."""
    colon = text.find(":")
    if colon <= 0:
        return False
    return all((ch.isascii() and ch.isalnum()) or ch in "+-." for ch in text[:colon])


def add_redirect_internal(cmd, arg1: str, arg2: str | None, arg3: str | None,
                          use_regex: bool) -> str | None:
    status = cmd.info
    grok = 1
    lower = ascii_lower(arg1)
    if lower == "permanent":
        status = 301
    elif lower == "temp":
        status = 302
    elif lower == "seeother":
        status = 303
    elif lower == "gone":
        status, grok = 410, -1
    elif arg1[:1].isascii() and arg1[:1].isdigit():
        status = atoi(arg1)
        if not _is_redirect(status):
            grok = -1
    else:
        grok = 0
    if arg3 is not None and not grok:
        return "Redirect: invalid first argument (of three)"
    fake, url = arg2, arg3
    if cmd.path is not None:
        if (grok > 0 and arg2 is not None and arg3 is None) or (not grok and arg2 is None):
            url = arg2 if grok and arg2 is not None else arg1
            error = _parse_string_expr(cmd, url)
            if error is not None:
                return f"Cannot parse redirect expression '{url}': {error}"
            return None
        if grok < 0 and arg2 is None:
            return None
    if arg3 is None and not grok:
        fake, url = arg1, arg2
    if use_regex and pregcomp(fake or "") is None:
        return "Regular expression could not be compiled."
    if _is_redirect(status):
        if url is None:
            return "URL to redirect to is missing"
        if not use_regex and not is_url(url) and not url.startswith("/"):
            return "Redirect to non-URL"
    elif url is not None:
        return "Redirect URL not valid for this status"
    return None


def add_redirect(cmd, mconfig, arg1: str, arg2, arg3) -> str | None:
    return add_redirect_internal(cmd, arg1, arg2, arg3, cmd.cmd.name == "RedirectMatch")


def add_redirect2(cmd, mconfig, arg1: str, arg2: str) -> str | None:
    return add_redirect_internal(cmd, arg1, arg2, None, False)


MODULE = checks_module(
    "mod_alias",
    {"Alias": add_alias, "ScriptAlias": add_alias, "AliasMatch": add_alias_regex,
     "ScriptAliasMatch": add_alias_regex, "Redirect": add_redirect,
     "RedirectMatch": add_redirect, "RedirectTemp": add_redirect2,
     "RedirectPermanent": add_redirect2},
    data={"ScriptAlias": SCRIPT, "ScriptAliasMatch": SCRIPT, "Redirect": 302,
          "RedirectMatch": 302, "RedirectTemp": 302, "RedirectPermanent": 301},
    create_server_config=AliasServerConfig,
)
