"""mod_authz_core: Require, <RequireAll>/<RequireAny>/<RequireNone>, AuthMerging.

Configuration is checked as httpd checks it (unknown providers, negations that cannot
take effect, empty sections), and the server applies the same logic to each request
(apply_authz_sections): `Require all`, `method`, `env` (the variables SetEnvIf set),
`expr` (heartmonitor.expr.eval), and mod_authz_host's `ip`, `host`, `local`,
`forward-dns` are evaluated; a provider of a module heartmonitor does not emulate
(user, group, ldap ...) never grants access.
"""

from __future__ import annotations

from heartmonitor import log
from heartmonitor.checkmodule import server_warning
from heartmonitor.config.command import ACCESS_CONF, FLAG, OR_AUTHCFG, RAW_ARGS, TAKE1, Command
from heartmonitor.config.walker import walk_config
from heartmonitor.config.words import getword_conf, words_until_empty
from heartmonitor.constants import (
    ALL_METHODS,
    DECLINED,
    HTTP_FORBIDDEN,
    HTTP_INTERNAL_SERVER_ERROR,
    M_INVALID,
    METHOD_NUMBER_LAST,
    OK,
)
from heartmonitor.core import (
    method_number,
    missing_container_arg,
    section_argument,
    unclosed_directive,
)
from heartmonitor.cstr import ascii_lower
from heartmonitor.module import Module
from heartmonitor.server import Httpd

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (-t start-up)
if TYPE_CHECKING:
    from collections.abc import Coroutine
    from typing import Any

AUTHZ_PROVIDER_GROUP = "authz"
AUTHZ_PROVIDER_VERSION = "0"
DENIED, GRANTED, NEUTRAL, GENERAL_ERROR, DENIED_NO_USER = range(5)
AND, OR = "and", "or"


class Section:
    """authz_section_conf: a Require line (provider set) or a group of them."""

    def __init__(self, op: str = OR, negate: bool = False) -> None:
        self.op = op
        self.negate = negate
        self.provider = None
        self.provider_name = ""
        self.provider_args = ""
        self.parsed = None
        self.limited = 0
        self.children: list[Section] = []
        self.is_merged = False

    def describe(self) -> str:
        """format_authz_command."""
        if self.provider is not None:
            negation = "not " if self.negate else ""
            return f"Require {negation}{self.provider_name} {self.provider_args}"
        if self.op == AND:
            kind = "NotAll" if self.negate else "All"
        else:
            kind = "None" if self.negate else "Any"
        return f"AuthMerging {kind}" if self.is_merged else f"<Require{kind}>"


class AuthzDirConfig:
    # create_dir_config(httpd, path); merging makes one from nothing (httpd: a pool).
    def __init__(self, httpd: Httpd | None = None, path: str | None = None) -> None:
        self.section: Section | None = None
        self.merge_op: str | None = None
        self.forbidden_on_fail: bool | None = None


class Provider:
    """An authz provider: parse(cmd, line) -> (error, parsed); check(request, parsed)."""

    def __init__(self, check, parse=None, blocking: bool = False) -> None:
        self.check = check
        self.parse = parse
        self.blocking = blocking  # it asks DNS: run it off the event loop


def needs_lookup(section: Section) -> bool:
    """Whether evaluating these rules may block on a DNS lookup."""
    if section.provider is not None:
        return getattr(section.provider, "blocking", False)
    return any(needs_lookup(child) for child in section.children)


def add_authz_provider(cmd, config: AuthzDirConfig, args: str) -> str | None:
    section = Section()
    name, pos = getword_conf(args)
    if ascii_lower(name) == "not":
        name, pos = getword_conf(args, pos)
        section.negate = True
    section.provider_name = name
    section.provider_args = args[pos:]
    provider = cmd.httpd.lookup_provider(AUTHZ_PROVIDER_GROUP, name, AUTHZ_PROVIDER_VERSION)
    if provider is None:
        return f"Unknown Authz provider: {name}"
    section.provider = provider
    section.limited = cmd.limited & ALL_METHODS
    parse = getattr(provider, "parse", None)
    if parse is not None:
        error, section.parsed = parse(cmd, section.provider_args)
        if error:
            return error
    if config.section is None:
        config.section = Section(OR)
    if section.negate and config.section.op == OR:
        return (
            f"negative {cmd.cmd.name} directive has no effect in {config.section.describe()} "
            "directive"
        )
    config.section.limited |= section.limited
    config.section.children.append(section)
    return None


_SECTION_KINDS = {
    "<requireall": (AND, False), "<requireany": (OR, False),
    "<requirenotall": (AND, True), "<requirenone": (OR, True),
}


def add_authz_section(cmd, config: AuthzDirConfig, args: str) -> str | None:
    closed = section_argument(cmd, args)
    if closed is None:
        return unclosed_directive(cmd)
    args = closed
    if args:
        return f"{cmd.cmd.name}> directive doesn't take additional arguments"
    op, negate = _SECTION_KINDS[ascii_lower(cmd.cmd.name)]
    section = Section(op, negate)
    old_section = config.section
    config.section = section
    old_override, old_limited = cmd.override, cmd.limited
    cmd.limited = (cmd.limited & ALL_METHODS) & ~(1 << METHOD_NUMBER_LAST)
    cmd.override = OR_AUTHCFG
    error = walk_config(cmd.httpd, cmd.directive.children or (), cmd, cmd.context)
    cmd.override, cmd.limited = old_override, old_limited
    config.section = old_section
    if error:
        return error
    if not section.children:
        return f"{section.describe()} directive contains no authorization directives"
    if old_section is None:
        old_section = config.section = Section(OR)
    if section.negate and old_section.op == OR:
        return (
            f"{section.describe()} directive has no effect in {old_section.describe()} "
            "directive"
        )
    old_section.limited |= section.limited
    if not section.negate and section.op == old_section.op:
        old_section.children.extend(section.children)
    else:
        old_section.children.append(section)
    return None


class AliasProvider:
    """The provider an <AuthzProviderAlias> registers: the base provider, asked with the
    arguments of the alias's section line (a Require line's own arguments are ignored)."""

    parse = None

    def __init__(self, base, parsed) -> None:
        self.base = base
        self.parsed = parsed
        self.blocking = getattr(base, "blocking", False)

    def check(self, request, _parsed) -> int:
        check = getattr(self.base, "check", None)
        return check(request, self.parsed) if check else DENIED


def authz_alias_section(cmd, mconfig, arg: str) -> str | None:
    """authz_require_alias_section: the base provider, its argument, then the alias."""
    closed = section_argument(cmd, arg)
    if closed is None:
        return unclosed_directive(cmd)
    name, pos = getword_conf(closed)
    alias, pos = getword_conf(closed, pos)
    provider_args, pos = getword_conf(closed, pos)
    extra, pos = getword_conf(closed, pos)
    if not closed or not name or not alias:
        return missing_container_arg(cmd)
    if extra:
        server_warning(cmd, "authz_core", log.WARNING,
                       f"AH10142: When several arguments ({provider_args} {extra}...) are passed "
                       f"to a {cmd.cmd.name} directive, they must be enclosed in quotation "
                       "marks.  Otherwise, only the first one is taken into account")
    old_override = cmd.override
    cmd.override = OR_AUTHCFG | ACCESS_CONF
    error = walk_config(cmd.httpd, cmd.directive.children or (), cmd, {})
    cmd.override = old_override
    if error:
        return error
    provider = cmd.httpd.lookup_provider(AUTHZ_PROVIDER_GROUP, name, AUTHZ_PROVIDER_VERSION)
    if provider is None:
        return f"Unknown Authz provider: {name}"
    parsed = None
    parse = getattr(provider, "parse", None)
    if parse is not None:
        error, parsed = parse(cmd, provider_args)
        if error:
            return f"Can't parse 'Require {name} {provider_args}': {error}"
    cmd.httpd.providers[(AUTHZ_PROVIDER_GROUP, alias, AUTHZ_PROVIDER_VERSION)] = AliasProvider(
        provider, parsed)
    return None


def set_merging(cmd, config: AuthzDirConfig, arg: str) -> str | None:
    lower = ascii_lower(arg)
    if lower not in ("off", "and", "or"):
        return f"{cmd.cmd.name} must be one of: Off | And | Or"
    config.merge_op = lower
    return None


def set_forbidden_on_fail(cmd, config: AuthzDirConfig, flag: bool) -> str | None:
    config.forbidden_on_fail = flag
    return None


def merge(base: AuthzDirConfig | None, new: AuthzDirConfig) -> AuthzDirConfig:
    """merge_authz_core_dir_config: a later section replaces, unless AuthMerging says."""
    if base is None:
        return new
    if new.merge_op is None and new.section is None and base.section is not None:
        merged = AuthzDirConfig()
        merged.section, merged.merge_op = base.section, base.merge_op
    elif new.merge_op in (None, "off") or not (base.section or new.section):
        merged = AuthzDirConfig()
        merged.section, merged.merge_op = new.section, new.merge_op
    else:
        section: Section | None
        if base.section and new.section:
            section = Section(AND if new.merge_op == "and" else OR)
            section.is_merged = True
            section.limited = base.section.limited | new.section.limited
            section.children = [base.section, new.section]
        else:
            section = base.section or new.section
        merged = AuthzDirConfig()
        merged.section, merged.merge_op = section, new.merge_op
    merged.forbidden_on_fail = (
        base.forbidden_on_fail if new.forbidden_on_fail is None else new.forbidden_on_fail
    )
    return merged


def apply_sections(request, section: Section, parent_op: str) -> int:
    """apply_authz_sections."""
    if not section.limited & (1 << request.method_number):
        return GRANTED if parent_op == AND else NEUTRAL
    if section.provider is not None:
        check = getattr(section.provider, "check", None)
        result = check(request, section.parsed) if check else DENIED
    else:
        result = NEUTRAL
        for child in section.children:
            outcome = apply_sections(request, child, section.op)
            if outcome == GENERAL_ERROR:
                return outcome
            if outcome == NEUTRAL:
                continue
            if section.op == AND:
                if outcome == DENIED:
                    result = outcome
                    break
                if (outcome == DENIED_NO_USER and result != DENIED) or result == NEUTRAL:
                    result = outcome
            else:
                if outcome == GRANTED:
                    result = outcome
                    break
                if (outcome == DENIED_NO_USER and result == DENIED) or result == NEUTRAL:
                    result = outcome
    if section.negate:
        if result == GRANTED:
            result = DENIED
        elif result in (DENIED, DENIED_NO_USER):
            result = NEUTRAL
    return result


# -- the providers mod_authz_core registers ------------------------------------------------


def check_access(httpd, request) -> int | Coroutine[Any, Any, int]:
    """authorize_userless for the request's merged Require sections: OK, or 403 (AH01630);
    500 when an expression failed or the rules wait for a user no module authenticates.
    A coroutine to await when a provider must resolve host names; the rest is answered
    at once (no coroutine made for each request)."""
    config = request.per_dir_config.get(MODULE)
    if config is None or config.section is None:
        return DECLINED
    if needs_lookup(config.section):
        return _check_access_off_loop(httpd, request, config.section)
    return _access_answer(httpd, request, apply_sections(request, config.section, AND))


async def _check_access_off_loop(httpd, request, section: Section) -> int:
    """Host-name providers resolve names: off the event loop."""
    # asyncio is imported here: a plain `-t` loads this module and never checks a request.
    import asyncio

    result = await asyncio.get_running_loop().run_in_executor(
        None, apply_sections, request, section, AND)
    return _access_answer(httpd, request, result)


def _access_answer(httpd, request, result: int) -> int:
    """The access_checker's answer for apply_authz_sections' result."""
    if result == GRANTED:
        return OK
    if result == DENIED_NO_USER:
        return _no_user(httpd, request)
    if result == GENERAL_ERROR:
        return HTTP_INTERNAL_SERVER_ERROR
    request.log_error("authz_core", log.ERR,
                      f"AH01630: client denied by server configuration: {request.filename}")
    return HTTP_FORBIDDEN


def _no_user(httpd, request) -> int:
    """ap_process_request_internal when authorization needs a user: check_user_id runs;
    without AuthType mod_authn_core lets it pass with no user (AH00027), and without
    mod_authn_core nothing answers it (AH00025). Both are 500."""
    if httpd.module_named("authn_core_module") is not None:
        request.log_error("core", log.ERR, f"AH00027: No authentication done but request not "
                          f"allowed without authentication for {request.uri}. Authentication "
                          "not configured?")
    else:
        request.log_error("core", log.CRIT, f"AH00025: configuration error:  couldn't check "
                          f"user: {request.uri}")
    return HTTP_INTERNAL_SERVER_ERROR


def _all_parse(cmd, line: str):
    lower = ascii_lower(line)
    if lower == "granted":
        return None, True
    if lower == "denied":
        return None, False
    return "Argument for 'Require all' must be 'granted' or 'denied'", None


def _method_parse(cmd, line: str):
    allowed = 0
    for word in words_until_empty(line):
        number = method_number(cmd.httpd, word, register=False)
        if number == M_INVALID:
            return f"Invalid Method '{word}'", None
        allowed |= 1 << number
    return None, allowed


def _env_check(request, parsed) -> int:
    """env_check_authorization: granted when one of the named variables is set."""
    line = parsed
    pos = 0
    while True:
        name, pos = getword_conf(line, pos)
        if not name:
            return DENIED
        if name in request.subprocess_env:
            return GRANTED


def _env_parse(cmd, line: str):
    return None, line


def _expr_parse(cmd, line: str):
    """expr_parse_config: the expression, without the quotes around it if any."""
    if line.startswith('"') and line.endswith('"'):
        line = line[1:-1]
    # Imported here: the expression tables load only for configurations that use them.
    from heartmonitor.expr import compile_cmd

    error, expression = compile_cmd(cmd, line)
    if error is not None or expression is None:
        return f"Cannot parse expression in require line: {error}", None
    expression.want_user = _names_remote_user(expression.root)
    return None, expression


def _names_remote_user(root) -> bool:
    """expr_lookup_fn: whether the expression reads the variable REMOTE_USER."""
    stack = [root]
    while stack:
        node = stack.pop()
        if node is None or not hasattr(node, "op"):
            continue
        if node.op == "Var" and ascii_lower(node.arg1) == "remote_user":
            return True
        for arg in (node.arg1, node.arg2):
            if isinstance(arg, tuple):
                stack.extend(arg)
            elif hasattr(arg, "op"):
                stack.append(arg)
    return False


def _expr_check(request, expression) -> int:
    """expr_check_authorization."""
    # Imported here: only a configuration with `Require expr` evaluates expressions.
    from heartmonitor.expr.eval import evaluate

    result, error = evaluate(request, expression)
    if result < 0:
        request.log_error("authz_core", log.ERR, f"AH02320: Error evaluating expression in "
                          f"'Require expr': {error}")
        return GENERAL_ERROR
    if result == 0:
        return DENIED_NO_USER if expression.want_user else DENIED
    return GRANTED


PROVIDERS = {
    (AUTHZ_PROVIDER_GROUP, "all", "0"): Provider(
        lambda request, granted: GRANTED if granted else DENIED, _all_parse),
    (AUTHZ_PROVIDER_GROUP, "method", "0"): Provider(
        lambda request, allowed: GRANTED if allowed & (1 << request.method_number) else DENIED,
        _method_parse),
    (AUTHZ_PROVIDER_GROUP, "env", "0"): Provider(_env_check, _env_parse),
    (AUTHZ_PROVIDER_GROUP, "expr", "0"): Provider(_expr_check, _expr_parse),
}


MODULE = Module(
    "authz_core_module",
    "mod_authz_core.c",
    commands=[
        Command("Require", RAW_ARGS, OR_AUTHCFG,
                "specifies authorization directives which one must pass (or not) for a request "
                "to suceeed", add_authz_provider),
        Command("<RequireAll", RAW_ARGS, OR_AUTHCFG,
                "container for grouping authorization directives of which none must fail and at "
                "least one must pass for a request to succeed", add_authz_section),
        Command("<RequireAny", RAW_ARGS, OR_AUTHCFG,
                "container for grouping authorization directives of which one must pass for a "
                "request to succeed", add_authz_section),
        Command("<RequireNone", RAW_ARGS, OR_AUTHCFG,
                "container for grouping authorization directives of which none must pass for a "
                "request to succeed", add_authz_section),
        Command("AuthMerging", TAKE1, OR_AUTHCFG,
                "controls how a <Directory>, <Location>, or similar directive's authorization "
                "directives are combined with those of its predecessor", set_merging),
        Command("AuthzSendForbiddenOnFailure", FLAG, OR_AUTHCFG,
                "Controls if an authorization failure should result in a '403 FORBIDDEN' "
                "response instead of the HTTP-conforming '401 UNAUTHORIZED'",
                set_forbidden_on_fail),
    ],
    create_dir_config=AuthzDirConfig,
    merge_dir_config=merge,
    hooks={"access_checker": check_access},
    providers=PROVIDERS,
    handlers={"<AuthzProviderAlias": authz_alias_section},
)
