"""mod_filter's configuration checks (modules/filters/mod_filter.c).

FilterDeclare, FilterProvider (its provider must be an output filter some loaded module
registers, its condition an expression), FilterChain, FilterTrace, FilterProtocol and
AddOutputFilterByType, checked as their handlers check them. As in httpd, the smart
filters a section declares are its own: a <Location> does not see those of the server
(the per-directory configurations are merged only at request time). No filter runs.
"""

from __future__ import annotations

from heartmonitor.checkmodule import checks_module
from heartmonitor.cstr import ascii_lower
from heartmonitor.server import Httpd

# The output filters each module registers in its register_hooks (ap_register_output_filter),
# by module identifier; ap_get_output_filter_handle finds them whatever their case.
OUTPUT_FILTERS = {
    "core_module": ("CONTENT_LENGTH", "CORE", "SUBREQ_CORE", "OLD_WRITE"),
    "http_module": ("HTTP_HEADER", "CHUNK", "HTTP_OUTERROR", "BYTERANGE"),
    "logio_module": ("LOGIO_TTFB_OUT",),
    "brotli_module": ("BROTLI_COMPRESS",),
    "bucketeer_module": ("BUCKETEER",),
    "buffer_module": ("BUFFER",),
    "cache_module": ("CACHE", "CACHE_SAVE", "CACHE_SAVE_SUBREQ", "CACHE_OUT",
                     "CACHE_OUT_SUBREQ", "CACHE_REMOVE_URL", "CACHE_INVALIDATE"),
    "case_filter_module": ("CaseFilter",),
    "charset_lite_module": ("XLATEOUT",),
    "data_module": ("DATA",),
    "deflate_module": ("DEFLATE", "INFLATE"),
    "dumpio_module": ("DUMPIO_OUT",),
    "expires_module": ("MOD_EXPIRES",),
    "headers_module": ("FIXUP_HEADERS_OUT", "FIXUP_HEADERS_ERR"),
    "http2_module": ("H2_C2_NET_OUT", "H2_C2_NET_CATCH_H1",
                     "H2_C2_RESPONSE_OUT", "H2_C2_TRAILERS_OUT", "H2_C2_WS_OUT"),
    "include_module": ("INCLUDES",),
    "proxy_ftp_module": ("PROXY_SEND_DIR",),
    "proxy_html_module": ("proxy-html",),
    "ratelimit_module": ("RATE_LIMIT",),
    "reqtimeout_module": ("reqtimeout",),
    "sed_module": ("Sed",),
    "session_module": ("MOD_SESSION_OUT",),
    "ssl_module": ("SSL/TLS Coalescing Filter", "SSL/TLS Filter"),
    "substitute_module": ("SUBSTITUTE",),
    "xml2enc_module": ("xml2enc",),
}
# Modules that register output filters from their directives (ExtFilterDefine,
# LuaOutputFilter), which heartmonitor does not run: with one loaded, any provider passes.
_REGISTER_WHILE_READING = ("ext_filter_module", "lua_module")


class FilterDirConfig:
    """mod_filter_cfg: the smart filters declared here, each with its providers' names."""

    def __init__(self, httpd: Httpd, path: str | None) -> None:
        self.live_filters: dict[str, list[str]] = {}


def _provider_known(httpd, name: str) -> bool:
    """ap_get_output_filter_handle(name) != NULL."""
    wanted = ascii_lower(name)
    for module, _static in httpd.loaded_modules:
        if module.identifier in _REGISTER_WHILE_READING:
            return True
        if any(ascii_lower(each) == wanted for each in OUTPUT_FILTERS.get(module.identifier, ())):
            return True
    return False


def filter_declare(cmd, config: FilterDirConfig, fname: str, place: str | None = None) -> None:
    config.live_filters[fname] = []
    return None


def add_filter(cmd, config: FilterDirConfig, fname: str, pname: str,
               expr: str | None) -> str | None:
    if not _provider_known(cmd.httpd, pname):
        return f"Unknown filter provider {pname}"
    providers = config.live_filters.setdefault(fname, [])
    if expr is not None:
        # Imported here: the expression tables load only for configurations that use them.
        from heartmonitor.expr import parse_cmd

        error = parse_cmd(cmd, expr)
        if error is not None:
            return f"Error parsing FilterProvider expression:{error}"
    providers.append(pname)
    return None


def filter_provider(cmd, config: FilterDirConfig, fname: str, pname: str,
                    expr: str) -> str | None:
    return add_filter(cmd, config, fname, pname, expr)


def filter_chain(cmd, config: FilterDirConfig, arg: str) -> None:
    return None


def filter_bytype(cmd, config: FilterDirConfig, argv: list[str]) -> str | None:
    if len(argv) < 2:
        return "AddOutputFilterByType requires at least two arguments"
    for pname in argv[0].split(";"):
        if pname:
            error = add_filter(cmd, config, "BYTYPE:" + pname, pname, None)
            if error is not None:
                return error
    return None


def filter_debug(cmd, config: FilterDirConfig, fname: str, level: str) -> str | None:
    if fname not in config.live_filters:
        return f"Undeclared smart filter {fname}"
    return None


def filter_protocol(cmd, config: FilterDirConfig, fname: str, pname: str,
                    proto: str | None = None) -> str | None:
    providers = config.live_filters.get(fname)
    if providers is None:
        return "FilterProtocol: No such filter"
    if proto is not None and ascii_lower(pname) not in map(ascii_lower, providers):
        return "FilterProtocol: No such provider for this filter"
    return None


MODULE = checks_module(
    "mod_filter",
    {"FilterDeclare": filter_declare, "FilterProvider": filter_provider,
     "FilterChain": filter_chain, "FilterTrace": filter_debug,
     "AddOutputFilterByType": filter_bytype, "FilterProtocol": filter_protocol},
    create_dir_config=FilterDirConfig,
)
