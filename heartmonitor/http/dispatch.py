"""ap_process_request for heartmonitor: URI checks, section walk, Require, handler.

The per-directory configuration of a request is merged as httpd merges it: the server's
defaults, then the <Directory> sections that contain the mapped file name (shortest
first, regular expressions after), <Files> on its base name, then every <Location>
that matches the URI, in configuration order, each module's through its merge slot.
The access_checker hooks decide access (Require and friends); the
handler hooks run in httpd's order, core's default handler last (heartmonitor serves no
documents, so it answers 404, or 405 for methods other than GET and POST).
"""

from __future__ import annotations

import functools
import inspect
import os
import re

from heartmonitor import log
from heartmonitor.constants import DECLINED, DONE, M_GET, M_INVALID, M_OPTIONS, M_POST, OK
from heartmonitor.core import CORE
from heartmonitor.vhost import select_server

from .request import Request, normalise_path

DEFAULT_ALLOW = "HEAD,GET,POST,OPTIONS,TRACE"


# What does not change between requests of one configuration generation: the virtual
# host of (address, port, Host), and the merged sections and handler of (host, path).
_CACHE_LIMIT = 4096


class _Cached:
    __slots__ = ("httpd", "servers", "walks", "handlers")

    def __init__(self, httpd) -> None:
        self.httpd = httpd
        self.servers: dict[tuple, object] = {}
        self.walks: dict[tuple, tuple] = {}
        self.handlers = list(httpd.hooks("handler"))


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
    walk = cache.walks.get((id(server), path))
    if walk is None:
        filename = _document_root(httpd, server) + path
        request.filename = filename
        per_dir = walk_sections(httpd, request)
        core_config = _core_dir(httpd, per_dir)
        handler = core_config.handler if core_config is not None else None
        if handler is not None and handler.lower() == "none":
            handler = None
        if len(cache.walks) >= _CACHE_LIMIT:
            cache.walks.clear()
        walk = cache.walks[(id(server), path)] = (filename, per_dir, handler)
    request.filename, request.per_dir_config, request.handler = walk
    access = await httpd.run_hook_first("access_checker", request)
    if access not in (OK, DECLINED):
        return access
    for hook in cache.handlers:
        if request.handler is None:
            break
        result = hook.function(httpd, request)
        if inspect.isawaitable(result):
            result = await result
        if result is None or result == DECLINED:
            continue
        return OK if result in (OK, DONE) else result
    return default_handler(httpd, request)


def default_handler(httpd, request: Request) -> int:
    """core's default_handler with nothing to serve."""
    if request.method_number == M_INVALID:
        request.log_error("core", log.ERR, f"AH00135: Invalid method in request "
                          f"{request.the_request}")
        request.headers_out.append(("Allow", DEFAULT_ALLOW))
        return 501
    if request.method_number in (M_GET, M_POST):
        request.log_error("core", log.INFO, f"AH00128: File does not exist: {request.filename}",
                          source="core.c(4920)")
        return 404
    request.headers_out.append(("Allow", DEFAULT_ALLOW))
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


def walk_sections(httpd, request: Request) -> dict:
    """The merged per-directory configuration of each module for this request."""
    merged = dict(httpd.server_conf.lookup_defaults)
    for section in _sections_matching(httpd, request):
        for module, config in section.config.items():
            merge = module.merge_dir_config or _merge_plain
            merged[module] = merge(merged.get(module), config)
    return merged


def _merge_plain(base, new):
    """Fields a later section sets override the earlier ones (httpd's usual merge)."""
    if base is None:
        return new
    result = object.__new__(type(new))
    fields = dict(vars(base))
    fields.update({k: v for k, v in vars(new).items() if v is not None})
    result.__dict__.update(fields)
    return result
