"""ap_process_request for heartmonitor: URI checks, section walk, Require, handler.

The per-directory configuration of a request is merged as httpd merges it: the server's
defaults, then the <Directory> sections that contain the mapped file name (shortest
first, regular expressions after), <Files> on its base name, then every <Location>
that matches the URI, in configuration order, each module's through its merge slot.
Then the <If>/<ElseIf>/<Else> sections of the merged configuration are evaluated for
the request and the true ones merged on top, nested ones after (httpd's ap_if_walk).
The post_read_request hooks run before the walk, the header_parser hooks after it
(mod_setenvif); the access_checker hooks decide access (Require and friends); the
handler hooks run in httpd's order, core's default handler last (heartmonitor serves no
documents, so it answers 404, or 405 for methods other than GET and POST).
"""

from __future__ import annotations

import functools
import inspect
import os
import re

from heartmonitor import log
from heartmonitor.constants import (
    DECLINED,
    DONE,
    M_GET,
    M_INVALID,
    M_OPTIONS,
    M_POST,
    M_TRACE,
    OK,
)
from heartmonitor.core import CORE
from heartmonitor.hooks import declined, failed
from heartmonitor.vhost import select_server

from .request import Request, normalise_path
from .trace import send_http_trace

_DEFAULT_METHODS = "HEAD,GET,POST,OPTIONS"  # core's default handler's, in a fixed order


def trace_enabled(httpd, server) -> bool:
    """TraceEnable: a virtual host's, else the main server's; on unless set off."""
    return (server.trace_enable or httpd.server_conf.trace_enable) != "off"


def allow(httpd, server, methods: str) -> str:
    """make_allow: the methods, and TRACE unless TraceEnable is off."""
    if trace_enabled(httpd, server):
        return f"{methods},TRACE" if methods else "TRACE"
    return methods


# What does not change between requests of one configuration generation: the virtual
# host of (address, port, Host), and the merged sections and handler of (host, path).
_CACHE_LIMIT = 4096


class _Cached:
    __slots__ = ("httpd", "servers", "roots", "walks", "post_read_request", "header_parser",
                 "access_checker", "handlers")

    def __init__(self, httpd) -> None:
        self.httpd = httpd
        self.servers: dict[tuple, object] = {}
        self.roots: dict[int, str] = {}  # DocumentRoot of each server
        self.walks: dict[tuple, tuple] = {}
        # The request hooks with work in this configuration (mod_setenvif's, say, only
        # where SetEnvIf or BrowserMatch lines exist): a request runs no others.
        self.post_read_request = httpd.active_hooks("post_read_request")
        self.header_parser = httpd.active_hooks("header_parser")
        self.access_checker = httpd.active_hooks("access_checker")
        self.handlers = httpd.active_hooks("handler")


_cached: list[_Cached] = []


def forget_cached(httpd) -> None:
    """A new configuration: nothing cached for the old one is used again."""
    _cached.clear()
    _cached.append(_Cached(httpd))


def _cache_of(httpd) -> _Cached:
    if not _cached or _cached[0].httpd is not httpd:
        forget_cached(httpd)
    return _cached[0]


async def process_request(httpd, request: Request) -> int:
    """The request's status: OK once a handler filled the response, else an error code."""
    raw = request.raw_path
    path = normalise_path(raw) if raw != "*" else "*"
    if path is None:
        lowered = raw.lower()
        if "%2f" in lowered or "%00" in lowered:
            request.log_error("core", log.INFO, f"AH00026: found %2f (encoded '/') in URI path "
                              f"({raw}), returning 404")
            return 404
        request.log_error("core", log.ERR, f"AH10244: invalid URI path ({raw})")
        return 400
    request.uri = path
    cache = _cache_of(httpd)
    key = (request.local_ip, request.local_port, request.hostname)
    server = cache.servers.get(key)
    if server is None:
        server = select_server(httpd, request.local_ip, request.local_port, request.hostname)
        if len(cache.servers) >= _CACHE_LIMIT:
            cache.servers.clear()
        cache.servers[key] = server
    request.server = server
    root = cache.roots.get(id(server))
    if root is None:
        root = cache.roots[id(server)] = _document_root(httpd, server)
    request.document_root = root
    for hook in cache.post_read_request:  # RUN_ALL
        if failed(hook.function(httpd, request)):
            return 500  # mod_setenvif: AH01505
    if request.method_number == M_TRACE:  # map_to_storage: before any access check
        return await send_http_trace(httpd, request, request.connection.trace_head)
    if request.method_number == M_OPTIONS and path == "*":
        request.status = 200
        return OK  # http_send_options (map_to_storage): the pong, without an Allow header
    core_config = _walk(httpd, cache, request, path)
    for hook in cache.header_parser:  # RUN_ALL
        if failed(hook.function(httpd, request)):
            return 500  # mod_setenvif: AH01505
    for hook in cache.access_checker:  # FIRST
        access = hook.function(httpd, request)
        if not isinstance(access, int) and inspect.isawaitable(access):
            access = await access
        if not declined(access):
            if access != OK:
                return access
            break
    if core_config is not None and core_config.expr_handler is not None:
        evaluated, handler = _expression_handler(request, core_config.expr_handler)
        if not evaluated:
            return 500
        request.handler = handler
    for hook in cache.handlers:
        if request.handler is None:
            break
        result = hook.function(httpd, request)
        if not isinstance(result, int) and inspect.isawaitable(result):
            result = await result
        if result is None or result == DECLINED:
            continue
        return OK if result in (OK, DONE) else result
    # core's default handler reads and drops the body before it answers.
    if request.body_pending():
        discarded = await request.discard_body()
        if discarded != OK:
            return discarded
    return default_handler(httpd, request)


def _walk(httpd, cache: _Cached, request: Request, path: str):
    """The request's file name, per-directory configuration and handler (the sections'
    walk, cached per server and path; then the <If> walks, per request); core's
    merged configuration."""
    server = request.server
    walk = cache.walks.get((id(server), path))
    if walk is None:
        filename = request.document_root + path
        request.filename = filename
        variables: list[tuple[str, str]] = []
        per_dir = walk_sections(httpd, request, variables)
        core_config = _core_dir(httpd, per_dir)
        handler = _static_handler(core_config)
        # What the walks before translate_name merge: only where there are <If>s.
        early = (_location_vector(httpd, request)
                 if core_config is not None and core_config.sec_if else None)
        if len(cache.walks) >= _CACHE_LIMIT:
            cache.walks.clear()
        walk = cache.walks[(id(server), path)] = (filename, per_dir, handler, early,
                                                  variables)
    request.filename, request.per_dir_config, request.handler, early, variables = walk
    for name, value in variables:
        request.subprocess_env.set(name, value)
    if early is None:
        return _core_dir(httpd, request.per_dir_config)
    _early_if_walks(httpd, request, early)
    request.per_dir_config = walk_if_sections(httpd, request, request.per_dir_config)
    core_config = _core_dir(httpd, request.per_dir_config)
    request.handler = _static_handler(core_config)
    return core_config


def default_handler(httpd, request: Request) -> int:
    """core's default_handler with nothing to serve."""
    if request.method_number == M_INVALID:
        request.log_error("core", log.ERR, f"AH00135: Invalid method in request "
                          f"{request.the_request}")
        request.headers_out.append(("Allow", allow(httpd, request.server, _DEFAULT_METHODS)))
        return 501
    if request.method_number in (M_GET, M_POST):
        if httpd.log_enabled("core", log.INFO):  # the line is made only when written
            request.log_error("core", log.INFO, f"AH00128: File does not exist: "
                              f"{request.filename}", source="core.c(4920)")
        return 404
    request.headers_out.append(("Allow", allow(httpd, request.server, _DEFAULT_METHODS)))
    if request.method_number == M_OPTIONS:
        request.status = 200
        return OK
    return 405


def _document_root(httpd, server) -> str:
    root = None
    for candidate in (server, httpd.server_conf):
        root = root or getattr(candidate.module_config.get(CORE), "document_root", None)
    root = root or httpd.layout.document_location
    return (httpd.server_root_relative(root) or root).rstrip("/")


def _core_dir(httpd, per_dir_config: dict):
    return per_dir_config.get(CORE)


def _handler_name(value: str | None) -> str | None:
    """core_override_type: the value lower-cased (ASCII; "proxy:unix..." kept as it is);
    "none" sets no handler."""
    if value is None:
        return None
    if not value.startswith("proxy:unix"):
        value = value.lower() if value.isascii() else "".join(
            ch.lower() if ch.isascii() else ch for ch in value)
    return None if value == "none" else value


def _static_handler(core_config) -> str | None:
    """SetHandler's value when it is plain text."""
    if core_config is None or core_config.expr_handler is not None:
        return None
    return _handler_name(core_config.handler)


def _expression_handler(request: Request, expression) -> tuple[bool, str | None]:
    """core_override_type for an expression: (False, None) after an evaluation error
    (AH03154: the request gets 500), else (True, the handler)."""
    # Imported here: only a configuration with expressions evaluates them.
    from heartmonitor.expr.eval import evaluate_string

    value, error = evaluate_string(request, expression)
    if error is not None or value is None:
        request.log_error("core", log.ERR, f"AH03154: Can't evaluate handler expression: "
                          f"{error}")
        return False, None
    return True, _handler_name(value)


def _sections_matching(httpd, request: Request) -> list:
    """The main server's sections, then those of the request's virtual host."""
    sections = list(httpd.server_conf.per_dir_sections)
    if request.server is not httpd.server_conf:
        sections += request.server.per_dir_sections
    filename = request.filename or ""
    directory = filename if filename.endswith("/") else os.path.dirname(filename) + "/"
    plain = [s for s in sections if s.kind == "directory" and s.regex is None]
    plain.sort(key=lambda s: s.path.count("/") if s.path != "/" else 0)
    matched = [s for s in plain if s.path == "/" or directory.startswith(s.path)]
    matched += [s for s in sections if s.kind == "directory" and s.regex is not None
                and s.regex.search(directory)]
    base = os.path.basename(filename)
    for section in sections:
        if section.kind != "files":
            continue
        if section.regex is not None:
            if section.regex.search(base):
                matched.append(section)
        elif _wildcard(section.path).fullmatch(base):
            matched.append(section)
    for section in sections:
        if section.kind == "location" and _location_matches(section, request.uri):
            matched.append(section)
    return matched


def _match_variables(request: Request, sections: list) -> list[tuple[str, str]]:
    """MATCH_<NAME> for the named groups of the regex sections that matched (core's
    ap_regname refs: the walks set them in r->subprocess_env), in walk order."""
    filename = request.filename or ""
    directory = filename if filename.endswith("/") else os.path.dirname(filename) + "/"
    subjects = {"directory": directory, "files": os.path.basename(filename),
                "location": request.uri}
    pairs = []
    for section in sections:
        if section.regex is None:
            continue
        names = section.regex.group_names()
        if not names:
            continue
        match = section.regex.search(subjects[section.kind])
        if match is None:
            continue
        for number, name in sorted(names.items()):
            value = match.group(number)
            if value is not None:
                pairs.append(("MATCH_" + name.upper(), value))
    return pairs


def _location_matches(section, uri: str) -> bool:
    """ap_location_walk: a regex search, a wildcard, or a prefix ending at a '/'."""
    if section.regex is not None:
        return section.regex.search(uri) is not None
    entry = section.path
    if any(ch in entry for ch in "*?["):
        return _wildcard(entry).fullmatch(uri) is not None
    if not uri.startswith(entry):
        return False
    return entry.endswith("/") or len(uri) == len(entry) or uri[len(entry)] == "/"


@functools.lru_cache(maxsize=256)
def _wildcard(pattern: str) -> re.Pattern:
    """apr_fnmatch with APR_FNM_PATHNAME: '*' and '?' never match a '/'."""
    out = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "[":
            end = pattern.find("]", i + 2)
            if end < 0:
                out.append(re.escape(ch))
            else:
                body = pattern[i + 1 : end].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end
        elif ch == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(ch))
        i += 1
    return re.compile("".join(out), re.S)


def walk_sections(httpd, request: Request,
                  variables: list[tuple[str, str]] | None = None) -> dict:
    """The merged per-directory configuration of each module for this request (and in
    `variables`, the MATCH_ variables of the regex sections it matched)."""
    merged = dict(httpd.server_conf.lookup_defaults)
    if request.server is not httpd.server_conf:
        merged = merge_vectors(merged, request.server.lookup_defaults)
    sections = _sections_matching(httpd, request)
    for section in sections:
        merged = merge_vectors(merged, section.config)
    if variables is not None:
        variables.extend(_match_variables(request, sections))
    return merged


def merge_vectors(base: dict, new: dict) -> dict:
    """ap_merge_per_dir_configs: each module's configuration through its merge slot."""
    merged = dict(base)
    for module, config in new.items():
        merge = module.merge_dir_config or _merge_plain
        merged[module] = merge(merged.get(module), config)
    return merged


def _location_vector(httpd, request: Request) -> dict:
    """The server's defaults and its matching <Location> sections (what
    ap_process_request_internal has merged before the file is mapped)."""
    per_dir = dict(httpd.server_conf.lookup_defaults)
    if request.server is not httpd.server_conf:
        per_dir = merge_vectors(per_dir, request.server.lookup_defaults)
    for section in _sections_matching(httpd, request):
        if section.kind == "location":
            per_dir = merge_vectors(per_dir, section.config)
    return per_dir


def _early_if_walks(httpd, request: Request, per_dir: dict) -> None:
    """ap_process_request_internal walks <Location> and <If> before translate_name too,
    twice, with no file name yet: the conditions there are evaluated (and their failures
    logged) each time; their merged result is not what serves the request."""
    filename, request.filename = request.filename, None
    try:
        for _walk in range(2):
            walk_if_sections(httpd, request, per_dir)
    finally:
        request.filename = filename


def walk_if_sections(httpd, request: Request, per_dir: dict) -> dict:
    """ap_if_walk: the true <If>/<ElseIf> and reached <Else> sections merged in order,
    then the sections nested in them. A condition that fails to evaluate is false
    (AH00039)."""
    # Imported here: only a configuration with <If> evaluates expressions.
    from heartmonitor.expr.eval import evaluate

    core_config = per_dir.get(CORE)
    entries = core_config.sec_if if core_config is not None else None
    while entries:
        now_merged: dict | None = None
        previous = -1
        for entry in entries:
            if entry.kind != "if" and previous == 1:
                continue
            if entry.kind != "else":
                result, error = evaluate(request, entry.condition)
                if result <= 0:
                    if result < 0:
                        request.log_error("core", log.ERR, f"AH00039: Failed to evaluate "
                                          f"<If > condition: {error}")
                    previous = 0
                    continue
                previous = 1
            else:
                previous = -1
            now_merged = (entry.config if now_merged is None
                          else merge_vectors(now_merged, entry.config))
        if now_merged is None:
            break
        per_dir = merge_vectors(per_dir, now_merged)
        nested = now_merged.get(CORE)
        entries = nested.sec_if if nested is not None else None
    return per_dir


def _merge_plain(base, new):
    """Fields a later section sets override the earlier ones (httpd's usual merge)."""
    if base is None:
        return new
    result = object.__new__(type(new))
    fields = dict(vars(base))
    fields.update({k: v for k, v in vars(new).items() if v is not None})
    result.__dict__.update(fields)
    return result
