"""The expr_lookup hook as httpd runs it at configuration time (server/util_expr_eval.c).

core_expr_lookup knows the stock variables, functions and operators; mod_ssl adds the
SSL_* variables, SSL() and PeerExtList(); expr_lookup_not_found words the refusal.
"""

from __future__ import annotations

from ..apr.ipsubnet import SubnetError, create

VARIABLES = frozenset(name.upper() for name in (
    "TIME_YEAR", "TIME_MON", "TIME_DAY", "TIME_HOUR", "TIME_MIN", "TIME_SEC", "TIME_WDAY",
    "TIME", "SERVER_SOFTWARE", "API_VERSION",
    "HTTP_USER_AGENT", "HTTP_PROXY_CONNECTION", "HTTP_REFERER", "HTTP_COOKIE",
    "HTTP_FORWARDED", "HTTP_HOST", "HTTP_ACCEPT",
    "REQUEST_METHOD", "REQUEST_SCHEME", "REQUEST_URI", "REQUEST_FILENAME", "REMOTE_HOST",
    "REMOTE_IDENT", "REMOTE_USER", "SERVER_ADMIN", "SERVER_NAME", "SERVER_PORT",
    "SERVER_PROTOCOL", "SCRIPT_FILENAME", "PATH_INFO", "QUERY_STRING", "IS_SUBREQ",
    "DOCUMENT_ROOT", "AUTH_TYPE", "THE_REQUEST", "CONTENT_TYPE", "HANDLER",
    "REQUEST_LOG_ID", "SCRIPT_USER", "SCRIPT_GROUP", "DOCUMENT_URI", "LAST_MODIFIED",
    "CONTEXT_PREFIX", "CONTEXT_DOCUMENT_ROOT", "REQUEST_STATUS", "REMOTE_ADDR",
    "REMOTE_PORT",
    "HTTPS", "IPV6", "CONN_LOG_ID", "CONN_REMOTE_ADDR", "HTTP2",
))
STRING_FUNCTIONS = frozenset((
    "osenv", "env", "resp", "req", "http", "note", "reqenv", "req_novary", "tolower",
    "toupper", "escape", "unescape", "file", "filesize", "base64", "unbase64", "sha1", "md5",
    "ldap",
))
UNARY_OPERATORS = frozenset("nzRTdefsLhxFUA")
BINARY_OPERATORS = frozenset(("ipmatch", "fnmatch", "strmatch", "strcmatch"))
_SUBNET_OPERATORS = {("unary", "R"), ("binary", "ipmatch")}
_KIND_NAMES = {
    "var": "Variable", "string": "Function", "list": "List-returning function",
    "unary": "Unary operator", "binary": "Binary operator",
}


def _ascii_lower(text: str) -> str:
    return text.lower() if text.isascii() else "".join(
        ch.lower() if ch.isascii() else ch for ch in text)


def _subnet_arg(name: str, constant: str | None) -> str | None:
    """subnet_parse_arg: -R and -ipmatch need a constant subnet."""
    if constant is None:
        return f"-{name} requires subnet/netmask as constant argument"
    address, _slash, mask = constant.partition("/")
    try:
        create(address, mask if _slash else None)
    except SubnetError:
        return "parsing of subnet/netmask failed"
    return None


def make_lookup(with_ssl: bool):
    """The lookup function of a server, given whether mod_ssl's hook is registered."""

    def lookup(kind: str, name: str, constant: str | None) -> str | None:
        if kind == "var":
            if _ascii_lower(name).upper() in VARIABLES and name.isascii():
                return None
            if with_ssl and name.startswith("SSL_"):
                return None
        elif kind == "string":
            if _ascii_lower(name) in STRING_FUNCTIONS:
                return None
            if with_ssl and name == "SSL":
                return None
        elif kind == "list":
            if with_ssl and name == "PeerExtList":
                return None
        elif kind == "unary":
            if name in UNARY_OPERATORS:
                return _subnet_arg(name, constant) if name == "R" else None
        elif kind == "binary":
            lower = _ascii_lower(name)
            if lower in BINARY_OPERATORS:
                return _subnet_arg(name, constant) if lower == "ipmatch" else None
        prefix = "-" if kind in ("unary", "binary") else ""
        return f"{_KIND_NAMES[kind]} '{prefix}{name}' does not exist"

    return lookup
