"""mod_setenvif (modules/metadata/mod_setenvif.c): checked as httpd checks it, applied as
httpd applies it.

SetEnvIf, SetEnvIfNoCase, BrowserMatch, BrowserMatchNoCase and SetEnvIfExpr: the
attribute, the regex (or the header-name regex), the expression and the variables are
checked as add_setenvif_core and add_envvars do. The conditions of the server and its
virtual host set the request's variables before its sections are walked
(post_read_request); those of <Directory>, <Location>, <Files> and <If> sections after
(header_parser), so that `Require env`, `reqenv()` and `%{ENV:...}` see them.
"""

from __future__ import annotations

from heartmonitor import log
from heartmonitor.checkmodule import checks_module
from heartmonitor.config.words import getword_conf
from heartmonitor.constants import DECLINED, HTTP_INTERNAL_SERVER_ERROR
from heartmonitor.cstr import ascii_lower
from heartmonitor.module import Hook
from heartmonitor.regex import ICASE, NOSUB, pregcomp

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (-t start-up)
if TYPE_CHECKING:  # the expression tables load only when a configuration has one
    from heartmonitor.expr import Expression

ICASE_MAGIC = "icase"
_SPECIAL = frozenset(("remote_addr", "remote_host", "request_uri", "request_method",
                      "request_protocol", "server_addr"))
# is_header_regex_regex: "^[-A-Za-z0-9_]*$"
_HEADER_NAME = frozenset("-ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
_REGEX_SPECIALS = frozenset("^.$|()[]*+?{}")
AP_MAX_REG_MATCH = 10
AP_PREGSUB_MAXLEN = 8192 * 8


class Entry:
    """sei_entry: one condition and the variables it sets ("!" unsets)."""

    __slots__ = ("name", "regex", "icase", "pattern", "preg", "pnamereg", "expr", "special",
                 "features")

    def __init__(self) -> None:
        self.name: str | None = None
        self.regex: str | None = None
        self.icase = False
        self.pattern: str | None = None  # a plain substring (apr_strmatch)
        self.preg = None
        self.pnamereg = None
        self.expr: Expression | None = None
        self.special: str | None = None
        self.features: dict[str, tuple[str, str]] = {}  # apr_table: lower name -> (name, value)


class SetEnvIfConfig:
    """sei_cfg_rec, per server and per directory section."""

    def __init__(self, httpd=None, where=None) -> None:
        self.conditionals: list[Entry] = []


def merge(base: SetEnvIfConfig | None, new: SetEnvIfConfig) -> SetEnvIfConfig:
    """merge_setenvif_config: the base's conditions, then the section's."""
    if base is None:
        return new
    merged = SetEnvIfConfig()
    merged.conditionals = base.conditionals + new.conditionals
    return merged


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


def _unescaped(pattern: str) -> str:
    """non_regex_pattern's copy: each backslash drops and keeps the next character."""
    out = []
    i = 0
    while i < len(pattern):
        if pattern[i] == "\\":
            i += 1
            if i >= len(pattern):
                break
        out.append(pattern[i])
        i += 1
    return "".join(out)


# httpd.extensions key: conditions were written inside a section (<Directory>, <If> ...).
IN_SECTIONS = "setenvif_in_sections"


def _config(cmd, mconfig) -> SetEnvIfConfig:
    """The server's conditions outside sections, the section's inside one."""
    if cmd.path is not None and mconfig is not None:
        cmd.httpd.extensions[IN_SECTIONS] = True
        return mconfig
    return cmd.server.module_config[MODULE]


def add_envvars(cmd, args: str, pos: int, entry: Entry | None = None) -> str | None:
    """add_envvars: NAME=VALUE, !NAME (unset) or NAME (set to 1); at least one."""
    seen = False
    while True:
        word, pos = getword_conf(args, pos)
        if not word:
            break
        seen = True
        if entry is None:
            continue
        name, equals, value = word.partition("=")
        if equals and value:
            entry.features[name.lower()] = (name, value)
        elif name.startswith("!"):
            entry.features[name[1:].lower()] = (name[1:], "!")
        else:
            entry.features[name.lower()] = (name, "1")
    if not seen:
        return f"Missing envariable expression for {cmd.cmd.name}"
    return None


def add_setenvif_core(cmd, mconfig, name: str, args: str, pos: int) -> str | None:
    config = _config(cmd, mconfig)
    regex, pos = getword_conf(args, pos)
    if not regex:
        return f"Missing regular expression for {cmd.cmd.name}"
    icase = cmd.info == ICASE_MAGIC
    last = config.conditionals[-1] if config.conditionals else None
    if (last is not None and last.name is not None and last.name.lower() == name.lower()
            and last.icase == icase and last.regex == regex):
        entry = last
    else:
        entry = Entry()
        entry.name, entry.regex, entry.icase = name, regex, icase
        if _is_plain(regex):
            entry.pattern = _unescaped(regex)
        else:
            entry.preg = pregcomp(regex, ICASE if icase else 0)
            if entry.preg is None:
                return f"{cmd.cmd.name} regex could not be compiled."
        lower = ascii_lower(name)
        if lower in _SPECIAL:
            entry.special = lower
        elif not _HEADER_NAME.issuperset(name):
            entry.pnamereg = pregcomp(name, NOSUB | (ICASE if icase else 0))
            if entry.pnamereg is None:
                return f"{cmd.cmd.name}Header name regex could not be compiled."
        config.conditionals.append(entry)
    return add_envvars(cmd, args, pos, entry)


def add_setenvif(cmd, mconfig, args: str) -> str | None:
    name, pos = getword_conf(args)
    if not name:
        return f"Missing header-field name for {cmd.cmd.name}"
    return add_setenvif_core(cmd, mconfig, name, args, pos)


def add_browser(cmd, mconfig, args: str) -> str | None:
    return add_setenvif_core(cmd, mconfig, "User-Agent", args, 0)


def add_setenvifexpr(cmd, mconfig, args: str) -> str | None:
    config = _config(cmd, mconfig)
    expr, pos = getword_conf(args)
    if not expr:
        return f"Missing expression for {cmd.cmd.name}"
    # Imported here: the expression tables load only for configurations that use them.
    from heartmonitor.expr import compile_cmd

    entry = Entry()
    config.conditionals.append(entry)
    error, entry.expr = compile_cmd(cmd, expr)
    if error is not None:
        return f'Could not parse expression "{expr}": {error}'
    return add_envvars(cmd, args, pos, entry)


# -- at request time ----------------------------------------------------------------------


def _value(request, entry: Entry) -> str | None:
    special = entry.special
    if special == "remote_addr" or special == "remote_host":
        return request.client_ip
    if special == "server_addr":
        return request.local_ip
    if special == "request_uri":
        return request.uri
    if special == "request_method":
        return request.method
    if special == "request_protocol":
        return request.protocol
    if entry.pnamereg is not None:
        value = None
        for key, field in request.headers_in.items():
            if entry.pnamereg.search(_header_name(key)) is not None:
                value = field
        return value
    name = entry.name or ""
    value = request.headers_in.get(name.lower())
    if value is None:
        value = request.subprocess_env.get(name)
    return value


def _header_name(key: str) -> str:
    """Header names are kept in lower case; httpd matches them as the client sent them,
    which heartmonitor no longer knows: the canonical Capitalized-Form is used."""
    return "-".join(part[:1].upper() + part[1:] for part in key.split("-"))


def pregsub(template: str, source: str, spans: list[tuple[int, int]]) -> str | None:
    """ap_pregsub: $0..$9 replaced by the captures, a backslash keeps the next character;
    None when the result would reach AP_PREGSUB_MAXLEN."""
    out: list[str] = []
    length = 0
    i = 0
    n = len(template)
    while i < n:
        ch = template[i]
        i += 1
        if ch == "$" and i < n and template[i].isdigit() and template[i].isascii():
            number = int(template[i])
            i += 1
            if number < len(spans):
                start, end = spans[number]
                if 0 <= start < end:
                    out.append(source[start:end])
                    length += end - start
            continue
        if ch == "\\" and i < n:
            ch = template[i]
            i += 1
        out.append(ch)
        length += 1
    if length >= AP_PREGSUB_MAXLEN:
        return None
    return "".join(out)


def match_headers(request, config: SetEnvIfConfig | None) -> int:
    """match_headers: each condition in order; a true one sets or unsets its variables."""
    if config is None or not config.conditionals:
        return DECLINED
    # Imported here: only a configuration with SetEnvIf conditions matches at all.
    from heartmonitor.expr.eval import as_bytes_text, evaluate_with_matches

    value: str | None = None
    spans: list[tuple[int, int]] = []
    env = request.subprocess_env
    for entry in config.conditionals:
        if entry.expr is None:
            value = _value(request, entry)
        if value is None:
            value = ""
        matched = False
        if entry.pattern is not None:
            pattern = as_bytes_text(entry.pattern)
            if entry.icase:
                matched = pattern.lower() in value.lower()
            else:
                matched = pattern in value
        elif entry.preg is not None:
            match = entry.preg.search(value.encode("latin-1", "replace"))
            if match is not None:
                matched = True
                spans = match.spans[:AP_MAX_REG_MATCH]
        elif entry.expr is not None:
            result, _error, evaluation = evaluate_with_matches(request, entry.expr)
            matched = result > 0
            if matched and evaluation.regex_ran:
                value = evaluation.source
                if value is not None:
                    spans = evaluation.spans
        if not matched:
            continue
        for name, feature in entry.features.values():
            name = as_bytes_text(name)
            if feature == "!":
                env.unset(name)
                continue
            feature = as_bytes_text(feature)
            if entry.pattern is None and (value is not None or entry.expr is None):
                replaced = pregsub(feature, value or "", spans)
                if replaced is None:
                    request.log_error("setenvif", log.CRIT, f"AH01505: Regular expression "
                                      f"replacement failed for '{name}', value too long?")
                    return HTTP_INTERNAL_SERVER_ERROR
                env.set(name, replaced)
            else:
                env.set(name, feature)
    return DECLINED


def _server_conditions(httpd, request) -> int:
    """post_read_request: the conditions outside sections (the main server's, then the
    virtual host's)."""
    main = httpd.server_conf.module_config.get(MODULE)
    config = main
    if request.server is not httpd.server_conf:
        own = request.server.module_config.get(MODULE)
        if own is not None:
            config = merge(main, own) if main is not None else own
    return match_headers(request, config)


def _section_conditions(httpd, request) -> int:
    """header_parser: the conditions of the request's merged sections."""
    return match_headers(request, request.per_dir_config.get(MODULE))


def _has_server_conditions(httpd) -> bool:
    """Whether the main server or a virtual host has conditions outside sections."""
    return any(getattr(server.module_config.get(MODULE), "conditionals", None)
               for server in (httpd.server_conf, *httpd.vhosts))


def _has_section_conditions(httpd) -> bool:
    return bool(httpd.extensions.get(IN_SECTIONS))


MODULE = checks_module(
    "mod_setenvif",
    {"SetEnvIf": add_setenvif, "SetEnvIfNoCase": add_setenvif, "SetEnvIfExpr": add_setenvifexpr,
     "BrowserMatch": add_browser, "BrowserMatchNoCase": add_browser},
    data={"SetEnvIfNoCase": ICASE_MAGIC, "BrowserMatchNoCase": ICASE_MAGIC},
    create_server_config=SetEnvIfConfig,
    create_dir_config=SetEnvIfConfig,
    merge_dir_config=merge,
    # A configuration without SetEnvIf or BrowserMatch lines runs neither hook.
    hooks={"post_read_request": Hook(_server_conditions, needed=_has_server_conditions),
           "header_parser": Hook(_section_conditions, needed=_has_section_conditions)},
)
