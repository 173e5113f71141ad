"""ap_expr evaluated for a request as server/util_expr_eval.c evaluates it.

Strings are handled as httpd handles them, as bytes: every value here is a str whose
characters are the bytes (latin-1), as the request's URI and headers are; the constants
of the configuration (UTF-8 text) are converted once when first used. C stops a string
at NUL, so values that could hold one (unbase64, file) are cut there.

Evaluation is bounded as in httpd: AP_EXPR_MAX_RECURSION (20) levels of words and
conditions, after which the result is the error "Recursion limit reached"; chains of
`.` are walked in a loop, as httpd does. An evaluation error makes the result -1 and
is logged as httpd logs it ("Evaluation of expression from FILE:LINE failed: ...").
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import socket
import stat
import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from heartmonitor import log
from heartmonitor.apr.ipsubnet import SubnetError, create
from heartmonitor.cnum import strtol
from heartmonitor.http.errors import DEFAULT_ADMIN
from heartmonitor.http.signature import server_banner

from . import Expression
from .parser import Node

AP_EXPR_MAX_RECURSION = 20
AP_MAX_REG_MATCH = 10
MODULE_MAGIC_NUMBER_MAJOR = "20120211"
MAX_FILE_SIZE = 10 * 1024 * 1024


class _Limit(Exception):
    """The recursion limit was reached: the rest of the evaluation is skipped."""


def as_bytes_text(text: str) -> str:
    """Configuration text (UTF-8, surrogate escapes) as the bytes httpd holds, one a char."""
    if text.isascii():
        return text
    return text.encode("utf-8", "surrogateescape").decode("latin-1")


def _c_string(text: str) -> str:
    nul = text.find("\0")
    return text if nul < 0 else text[:nul]


def _strcmp(a: str, b: str) -> int:
    return (a > b) - (a < b)


def _intcmp(a: str, b: str) -> int:
    # apr_atoi64 is strtoll: glibc's strtol on a 64-bit long, saturating.
    i1, i2 = strtol(a)[0], strtol(b)[0]
    return (i1 > i2) - (i1 < i2)


_COMPARE: dict[str, Callable[[int], bool]] = {
    "EQ": lambda c: c == 0, "NE": lambda c: c != 0, "LT": lambda c: c < 0,
    "LE": lambda c: c <= 0, "GT": lambda c: c > 0, "GE": lambda c: c >= 0,
}
_STRING_COMPARE = {"STR_" + name: test for name, test in _COMPARE.items()}


# -- helpers of the functions and operators -------------------------------------------------

_ESCAPE_SAFE = frozenset("$-_.+!*'(),:;@&=/~")  # T_OS_ESCAPE_PATH clear


def escape_uri(text: str) -> str:
    """ap_escape_uri (ap_os_escape_path, partial): %xx in lower case."""
    out = []
    for ch in text:
        if (ch.isascii() and ch.isalnum()) or ch in _ESCAPE_SAFE:
            out.append(ch)
        else:
            out.append(f"%{ord(ch):02x}")
    return "".join(out)


_HEX = frozenset("0123456789abcdefABCDEF")


def unescape_keep2f(text: str) -> tuple[str, int]:
    """ap_unescape_url_keep2f(.., 0): the decoded text and 0, 400 (bad escape) or 404."""
    if "%" not in text:
        return text, 0
    out = []
    bad_escape = bad_path = False
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch != "%":
            out.append(ch)
            i += 1
            continue
        pair = text[i + 1:i + 3]
        if len(pair) < 2 or pair[0] not in _HEX or pair[1] not in _HEX:
            bad_escape = True
            out.append("%")
            i += 1
            continue
        decoded = chr(int(pair, 16))
        if decoded == "\0":
            bad_path = True
            out.append(decoded)
        elif decoded == "/":
            out.append(text[i:i + 3])
        else:
            out.append(decoded)
        i += 3
    result = "".join(out)
    if bad_escape:
        return result, 400
    if bad_path:
        return result, 404
    return result, 0


_BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_PR2SIX = {ch: i for i, ch in enumerate(_BASE64)}


def unbase64(text: str) -> str:
    """apr_base64_decode as ap_pbase64decode uses it: up to the first character that is
    not base64, groups of four, a short tail decoded as far as it goes; cut at NUL."""
    count = 0
    while count < len(text) and text[count] in _PR2SIX:
        count += 1
    if count == 1:
        return ""
    usable = text[:count]
    out = bytearray()
    whole = count - (count % 4 if count % 4 else 4) if count > 4 else 0
    values = [_PR2SIX[ch] for ch in usable]
    i = 0
    while i < whole:
        a, b, c, d = values[i:i + 4]
        out += bytes(((a << 2 | b >> 4) & 0xFF, (b << 4 | c >> 2) & 0xFF, (c << 6 | d) & 0xFF))
        i += 4
    rest = values[i:]
    if len(rest) > 1:
        out.append((rest[0] << 2 | rest[1] >> 4) & 0xFF)
    if len(rest) > 2:
        out.append((rest[1] << 4 | rest[2] >> 2) & 0xFF)
    if len(rest) > 3:
        out.append((rest[2] << 6 | rest[3]) & 0xFF)
    return _c_string(out.decode("latin-1"))


_LDAP_SPECIALS = frozenset('\\,+<>;"*()')


def _ldap_escape(text: str) -> str:
    """apr_pescape_ldap(APR_ESCAPE_LDAP_ALL): the DN and filter specials, controls and
    bytes above 0x7e as \\xx (a space, '#' and '=' stay)."""
    out = []
    for ch in text:
        if ch in _LDAP_SPECIALS or ord(ch) < 0x20 or ord(ch) > 0x7E:
            out.append(f"\\{ord(ch):02x}")
        else:
            out.append(ch)
    return "".join(out)


@lru_cache(maxsize=256)
def fnmatch_regex(pattern: str, pathname: bool, casefold: bool) -> re.Pattern:
    """apr_fnmatch as a regular expression: '*', '?', '[...]' ('!' or '^' negates) and
    backslash escapes; with APR_FNM_PATHNAME none of them matches a '/'."""
    out = []
    any_char = "[^/]" if pathname else "."
    i = 0
    n = len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "*":
            out.append(any_char + "*")
        elif ch == "?":
            out.append(any_char)
        elif ch == "[":
            j = i + 1
            negate = j < n and pattern[j] in "!^"
            if negate:
                j += 1
            k = j
            if k < n and pattern[k] == "]":
                k += 1
            while k < n and pattern[k] != "]":
                k += 2 if pattern[k] == "\\" and k + 1 < n else 1
            if k >= n:
                out.append(re.escape(ch))
            else:
                body = []
                m = j
                while m < k:
                    c = pattern[m]
                    if c == "\\" and m + 1 < k:
                        m += 1
                        c = pattern[m]
                    if m + 2 < k and pattern[m + 1] == "-":
                        end = pattern[m + 2]
                        body.append(f"{re.escape(c)}-{re.escape(end)}")
                        m += 3
                        continue
                    body.append(re.escape(c))
                    m += 1
                if pathname:
                    body.append("/") if negate else None
                cls = "".join(body)
                if negate:
                    out.append(f"[^{cls}]")
                elif pathname:
                    out.append(f"(?!/)[{cls}]" if cls else "(?!)")
                else:
                    out.append(f"[{cls}]" if cls else "(?!)")
                i = k
        elif ch == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(ch))
        i += 1
    # APR_FNM_CASE_BLIND folds ASCII letters only (apr_tolower in the C locale).
    flags = re.S | (re.I | re.A if casefold else 0)
    return re.compile("".join(out), flags)


def _fnmatch(pattern: str, string: str, pathname: bool = False, casefold: bool = False) -> bool:
    return fnmatch_regex(pattern, pathname, casefold).fullmatch(string) is not None


@lru_cache(maxsize=64)
def _subnet(text: str):
    address, slash, mask = text.partition("/")
    try:
        return create(address, mask if slash else None)
    except SubnetError:
        return None


def _ip_literal(text: str) -> str | None:
    """apr_sockaddr_info_get of a numeric address; names are not looked up."""
    text = text.strip()
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, text)
        except (OSError, ValueError):
            continue
        return text
    return None


def _lstat(path: str) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except (OSError, ValueError):
        return None


def _stat(path: str) -> os.stat_result | None:
    try:
        return os.stat(path.encode("latin-1"))
    except (OSError, ValueError, UnicodeEncodeError):
        return None


def _path(text: str) -> bytes | str:
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text


def _time_fields(now: float) -> time.struct_time:
    return time.localtime(now)


# -- the evaluation ---------------------------------------------------------------------


class Evaluation:
    """ap_expr_eval_ctx_t for one expression and one request."""

    def __init__(self, request: Any, expression: Expression) -> None:
        self.request = request
        self.expression = expression
        self.error: str | None = None
        self.level = 0
        # $0..$9: the subject and spans of the last regex with captures that ran.
        self.source: str | None = None
        self.spans: list[tuple[int, int]] = []
        self.regex_ran = False  # whether a regex with captures set $0..$9 (or cleared them)
        self.vary: list[str] = []

    # recursion bookkeeping (inc_rec)
    def _enter(self) -> None:
        if self.level < AP_EXPR_MAX_RECURSION:
            self.level += 1
            return
        self.error = "Recursion limit reached"
        raise _Limit

    # -- words ---------------------------------------------------------------------------

    def word(self, node: Node) -> str:
        self._enter()
        op = node.op
        if op == "String" or op == "Digit":
            result = as_bytes_text(node.arg1)
        elif op == "Var":
            result = variable(self, node.arg1)
        elif op == "Concat":
            parts: list[str] = []
            stack = [node]
            while stack:  # left to right, without recursion for the chain itself
                current = stack.pop()
                if current.op == "Concat":
                    stack.append(current.arg2)
                    stack.append(current.arg1)
                else:
                    parts.append(self.word(current))
            result = "".join(parts)
        elif op == "StringFuncCall":
            result = string_function(self, node.arg1, self.word(node.arg2)) or ""
        elif op == "RegexBackref":
            result = self.backref(node.arg1)
        else:
            self.error = "Internal evaluation error: Unknown word expression node"
            result = ""
        self.level -= 1
        return result or ""

    def backref(self, n: int) -> str:
        if not self.source or n + 1 > AP_MAX_REG_MATCH or n >= len(self.spans):
            return ""
        start, end = self.spans[n]
        if start < 0 or end <= start:
            return ""
        return self.source[start:end]

    # -- conditions ----------------------------------------------------------------------

    def condition(self, node: Node) -> bool:
        self._enter()
        result = False
        while True:
            op = node.op
            if op == "True":
                result = not result
                break
            if op == "False":
                break
            if op == "Not":
                result = not result
                node = node.arg1
                continue
            if op == "Or" or op == "And":
                # httpd walks the right-hand chain in a loop and recurses on the left.
                want = op == "Or"
                while node.op == op:
                    left = node.arg1
                    if left.op == "Not":
                        value = not self.condition(left.arg1)
                    else:
                        value = self.condition(left)
                    if value == want:
                        break
                    node = node.arg2
                else:
                    continue
                if want:
                    result = not result
                break
            if op == "UnaryOpCall":
                result ^= unary_operator(self, node.arg1, self.word(node.arg2))
                break
            if op == "BinaryOpCall":
                left, right = node.arg2
                result ^= binary_operator(self, node.arg1, self.word(left), self.word(right))
                break
            if op == "Comp":
                result ^= self.comparison(node.arg1)
                break
            self.error = "Internal evaluation error: Unknown expression node"
            break
        self.level -= 1
        return result

    def comparison(self, node: Node) -> bool:
        op = node.op
        test = _COMPARE.get(op)
        if test is not None:
            return test(_intcmp(self.word(node.arg1), self.word(node.arg2)))
        test = _STRING_COMPARE.get(op)
        if test is not None:
            return test(_strcmp(self.word(node.arg1), self.word(node.arg2)))
        if op == "IN":
            needle = self.word(node.arg1)
            haystack = node.arg2
            if haystack.op == "ListElement":
                while haystack is not None:
                    if needle == self.word(haystack.arg1):
                        return True
                    haystack = haystack.arg2
                return False
            if haystack.op == "ListFuncCall":
                values = list_function(self, haystack.arg1, self.word(haystack.arg2))
                return values is not None and needle in values
            return False
        if op == "REG" or op == "NRE":
            subject = self.word(node.arg1)
            regex = node.arg2.arg1
            match = regex.search(_c_string(subject).encode("latin-1", "replace"))
            if regex.groups > 0:
                self.regex_ran = True
                if match is not None:
                    self.source = _c_string(subject)
                    self.spans = match.spans[:AP_MAX_REG_MATCH]
                else:
                    self.source = None
            matched = match is not None
            return matched if op == "REG" else not matched
        self.error = "Internal evaluation error: Unknown comp expression node"
        return False

    def add_vary(self, name: str) -> None:
        self.vary.append(name)


def _log_failure(request: Any, expression: Expression, error: str) -> None:
    request.log_error(expression.module, log.ERR, f"Evaluation of expression from "
                      f"{expression.filename}:{expression.line_number} failed: {error}")


def evaluate(request: Any, expression: Expression) -> tuple[int, str | None]:
    """ap_expr_exec: (1 or 0, None), or (-1, the error) once logged as httpd logs it.

    Headers the condition read are added to the response's Vary as httpd adds them.
    """
    ctx = Evaluation(request, expression)
    return _run(ctx)


def evaluate_with_matches(request: Any, expression: Expression) -> tuple[int, str | None,
                                                                          Evaluation]:
    """ap_expr_exec_re: like evaluate, with the evaluation (its $0..$9) kept."""
    ctx = Evaluation(request, expression)
    result, error = _run(ctx)
    return result, error, ctx


def _run(ctx: Evaluation) -> tuple[int, str | None]:
    try:
        result = ctx.condition(ctx.expression.root)
    except _Limit:
        result = False
    except RecursionError:  # unreachable within the limit; never a traceback
        ctx.error = "Recursion limit reached"
        result = False
    if ctx.error is not None:
        _log_failure(ctx.request, ctx.expression, ctx.error)
        return -1, ctx.error
    if ctx.vary:
        add_vary_header(ctx.request, ", ".join(ctx.vary))
    return (1 if result else 0), None


def evaluate_string(request: Any, expression: Expression) -> tuple[str | None, str | None]:
    """ap_expr_str_exec: (the string, None), or (None, the error) once logged."""
    root = expression.root
    if root.op == "String":
        return as_bytes_text(root.arg1), None
    ctx = Evaluation(request, expression)
    try:
        result = ctx.word(root)
    except _Limit:
        result = ""
    if ctx.error is not None:
        _log_failure(request, expression, ctx.error)
        return None, ctx.error
    return result, None


def add_vary_header(request: Any, value: str) -> None:
    """apr_table_merge(r->headers_out, "Vary", value), as the response shows it after
    fix_vary: each field name once (the first spelling, compared without case), joined
    by ","."""
    headers = request.headers_out
    index = next((i for i, (name, _value) in enumerate(headers) if name.lower() == "vary"),
                 None)
    tokens: list[str] = []
    seen: set[str] = set()
    old = headers[index][1] if index is not None else ""
    for token in (old + "," + value).split(","):
        token = token.strip(" \t")
        if token and token.lower() not in seen:
            seen.add(token.lower())
            tokens.append(token)
    if index is None:
        headers.append(("Vary", ",".join(tokens)))
    else:
        headers[index] = (headers[index][0], ",".join(tokens))


# -- variables ----------------------------------------------------------------------------

_HEADER_VARIABLES = {
    "HTTP_USER_AGENT": "User-Agent", "HTTP_PROXY_CONNECTION": "Proxy-Connection",
    "HTTP_REFERER": "Referer", "HTTP_COOKIE": "Cookie", "HTTP_FORWARDED": "Forwarded",
    "HTTP_HOST": "Host", "HTTP_ACCEPT": "Accept",
}


def _header(request: Any, name: str) -> str | None:
    return request.headers_in.get(name.lower())


def _time_variable(name: str) -> str:
    tm = _time_fields(time.time())
    if name == "TIME_YEAR":
        return f"{tm.tm_year:04d}"
    if name == "TIME_MON":
        return f"{tm.tm_mon:02d}"
    if name == "TIME_DAY":
        return f"{tm.tm_mday:02d}"
    if name == "TIME_HOUR":
        return f"{tm.tm_hour:02d}"
    if name == "TIME_MIN":
        return f"{tm.tm_min:02d}"
    if name == "TIME_SEC":
        return f"{tm.tm_sec:02d}"
    if name == "TIME_WDAY":
        return str((tm.tm_wday + 1) % 7)
    return time.strftime("%Y%m%d%H%M%S", tm)


def _server_name(request: Any) -> str:
    """ap_get_server_name_for_url with UseCanonicalName Off."""
    name = request.hostname or request.server.server_hostname or ""
    if ":" in name and not name.startswith("["):
        return f"[{name}]"
    return name


def _server_port(request: Any) -> str:
    """ap_get_server_port with UseCanonicalName Off: the Host header's port, else the
    connection's."""
    host = _header(request, "Host") or ""
    if host.startswith("["):
        rest = host[host.find("]") + 1:] if "]" in host else ""
    else:
        rest = host[host.find(":"):] if ":" in host else ""
    if rest.startswith(":") and rest[1:].isdigit() and rest[1:].isascii():
        return str(int(rest[1:]) & 0xFFFF)
    return str(request.local_port)


def _owner(request: Any, group: bool) -> str:
    """SCRIPT_USER / SCRIPT_GROUP: the owner of the mapped file, when it exists."""
    info = _stat(request.filename or "")
    if info is None:
        return ""
    try:
        if group:
            import grp  # only an expression naming SCRIPT_GROUP needs it

            return grp.getgrgid(info.st_gid).gr_name
        import pwd  # only an expression naming SCRIPT_USER needs it

        return pwd.getpwuid(info.st_uid).pw_name
    except KeyError:
        return ""


def _document_root(request: Any) -> str:
    root = getattr(request, "document_root", None)
    return root or ""


def variable(ctx: Evaluation, name: str) -> str:
    """The %{NAME} of core_expr_lookup's var_providers (and mod_ssl's SSL_*)."""
    request = ctx.request
    upper = name.upper()
    header = _HEADER_VARIABLES.get(upper)
    if header is not None:
        if header != "Host":
            ctx.add_vary(header)
        return _header(request, header) or ""
    getter = _REQUEST_VARIABLES.get(upper)
    if getter is not None:
        return getter(request) or ""
    if upper.startswith("TIME"):
        return _time_variable(upper)
    return ""  # SSL_* on a connection without TLS


def _ipv6(request: Any) -> str:
    ip = request.client_ip
    return "on" if ":" in ip and not ip.lower().startswith("::ffff:") else "off"


_REQUEST_VARIABLES: dict[str, Callable[[Any], str | None]] = {
    "SERVER_SOFTWARE": lambda r: server_banner(r.httpd),
    "API_VERSION": lambda r: MODULE_MAGIC_NUMBER_MAJOR,
    "REQUEST_METHOD": lambda r: r.method,
    "REQUEST_SCHEME": lambda r: "https" if r.server.server_scheme == "https" else "http",
    "REQUEST_URI": lambda r: r.uri,
    "REQUEST_FILENAME": lambda r: r.filename,
    "SCRIPT_FILENAME": lambda r: r.filename,
    "REMOTE_HOST": lambda r: r.client_ip,
    "REMOTE_IDENT": lambda r: None,
    "REMOTE_USER": lambda r: r.user,
    "SERVER_ADMIN": lambda r: r.server.server_admin or DEFAULT_ADMIN,
    "SERVER_NAME": _server_name,
    "SERVER_PORT": _server_port,
    "SERVER_PROTOCOL": lambda r: r.protocol,
    "PATH_INFO": lambda r: None,
    "QUERY_STRING": lambda r: r.args,
    "IS_SUBREQ": lambda r: "false",
    "DOCUMENT_ROOT": _document_root,
    "AUTH_TYPE": lambda r: None,
    "THE_REQUEST": lambda r: r.the_request,
    "CONTENT_TYPE": lambda r: None,
    # r->handler is set by the type checker, after access checks and <If>.
    "HANDLER": lambda r: None,
    "REQUEST_LOG_ID": lambda r: None,
    "SCRIPT_USER": lambda r: _owner(r, False),
    "SCRIPT_GROUP": lambda r: _owner(r, True),
    "DOCUMENT_URI": lambda r: r.subprocess_env.get("DOCUMENT_URI") or r.uri,
    "LAST_MODIFIED": lambda r: time.strftime("%Y%m%d%H%M%S", time.localtime(0)),
    "CONTEXT_PREFIX": lambda r: getattr(r, "context_prefix", ""),
    "CONTEXT_DOCUMENT_ROOT": lambda r: getattr(r, "context_document_root", None)
    or _document_root(r),
    "REQUEST_STATUS": lambda r: str(r.status) if r.status else "",
    "REMOTE_ADDR": lambda r: r.client_ip,
    "REMOTE_PORT": lambda r: str(r.client_port),
    "HTTPS": lambda r: "off",
    "IPV6": _ipv6,
    "CONN_LOG_ID": lambda r: None,
    "CONN_REMOTE_ADDR": lambda r: r.client_ip,
    "HTTP2": lambda r: "off",
}


# -- functions ----------------------------------------------------------------------------


def _file(ctx: Evaluation, path: str) -> str:
    """file_func: the whole file (up to MAX_FILE_SIZE) as stat sized it; a directory
    opens and fails to read, as with apr_file_open and apr_file_read."""
    try:
        descriptor = os.open(_path(path), os.O_RDONLY)
    except (OSError, ValueError):
        ctx.error = f"Cannot open file {path}"
        return ""
    try:
        size = os.fstat(descriptor).st_size
        if size > MAX_FILE_SIZE:
            ctx.error = f"File {path} too large"
            return ""
        if size == 0:
            return ""
        chunks = []
        remaining = size
        try:
            while remaining > 0:
                chunk = os.read(descriptor, remaining)
                if not chunk:
                    break
                chunks.append(chunk)
                remaining -= len(chunk)
        except OSError:
            ctx.error = f"Cannot read from file {path}"
            return ""
    finally:
        os.close(descriptor)
    return _c_string(b"".join(chunks).decode("latin-1"))


def _filesize(path: str) -> str:
    info = _stat(path)
    if info is not None and stat.S_ISREG(info.st_mode) and info.st_size > 0:
        return str(info.st_size)
    return "0"


def _unescape(ctx: Evaluation, arg: str) -> str:
    result, status = unescape_keep2f(arg)
    if status == 0:
        return result
    expression = ctx.expression
    kind = "Bad" if status == 400 else "Forbidden"
    ctx.request.log_error(expression.module, log.DEBUG, f"AH00538: {kind} % escape in "
                          f"unescape('{arg}') at {expression.filename}:"
                          f"{expression.line_number}")
    return ""


def _env(ctx: Evaluation, arg: str) -> str | None:
    request = ctx.request
    value = request.notes.get(arg)
    if value is None:
        value = request.subprocess_env.get(arg)
    if value is None:
        value = os.environ.get(arg)
    return value


def _ascii_case(text: str, upper: bool) -> str:
    if text.isascii():
        return text.upper() if upper else text.lower()
    return "".join((ch.upper() if upper else ch.lower()) if ch.isascii() else ch for ch in text)


def string_function(ctx: Evaluation, name: str, arg: str) -> str | None:
    """The functions of string_func_providers (and mod_ssl's SSL())."""
    lower = name.lower()
    request = ctx.request
    if lower in ("req", "http"):
        if arg.lower() != "host":
            ctx.add_vary(arg)
        return _header(request, arg)
    if lower == "req_novary":
        return _header(request, arg)
    if lower == "resp":
        return _table_get(request.headers_out, arg)
    if lower == "reqenv":
        return request.subprocess_env.get(arg)
    if lower == "note":
        return request.notes.get(arg)
    if lower == "env":
        return _env(ctx, arg)
    if lower == "osenv":
        return os.environ.get(arg)
    if lower == "tolower":
        return _ascii_case(arg, False)
    if lower == "toupper":
        return _ascii_case(arg, True)
    if lower == "escape":
        return escape_uri(arg)
    if lower == "unescape":
        return _unescape(ctx, arg)
    if lower == "base64":
        return base64.b64encode(arg.encode("latin-1", "replace")).decode("ascii")
    if lower == "unbase64":
        return unbase64(arg)
    if lower == "sha1":
        return hashlib.sha1(arg.encode("latin-1", "replace")).hexdigest()
    if lower == "md5":
        return hashlib.md5(arg.encode("latin-1", "replace")).hexdigest()
    if lower == "ldap":
        return _ldap_escape(arg)
    if lower == "file":
        return _file(ctx, arg)
    if lower == "filesize":
        return _filesize(arg)
    if name == "SSL":
        return _ssl_variable(ctx, arg)
    return ""


def _ssl_variable(ctx: Evaluation, name: str) -> str | None:
    """mod_ssl's SSL(): on a connection without TLS, what ssl_var_lookup gives."""
    upper = name.upper()
    if upper == "HTTPS":
        return "off"
    if upper.startswith("SSL"):
        return ""
    if upper.startswith("HTTP:"):
        return _header(ctx.request, name[5:])
    if upper.startswith("ENV:"):
        return _env(ctx, name[4:])
    if upper in _HEADER_VARIABLES or upper in _REQUEST_VARIABLES or upper.startswith("TIME"):
        return variable(ctx, upper)
    return ""


def _table_get(table: list[tuple[str, str]], name: str) -> str | None:
    lower = name.lower()
    for key, value in table:
        if key.lower() == lower:
            return value
    return None


def list_function(ctx: Evaluation, name: str, arg: str) -> list[str] | None:
    """mod_ssl's PeerExtList(): no peer certificate without TLS."""
    return None


# -- operators ----------------------------------------------------------------------------


def unary_operator(ctx: Evaluation, name: str, arg: str) -> bool:
    """The operators of unary_op_providers."""
    if name == "n":
        return arg != ""
    if name == "z":
        return arg == ""
    if name == "T":
        return _true(arg)
    if name == "R":
        subnet = _subnet(arg)  # the constant httpd parsed at configuration time
        return subnet is not None and subnet.contains(ctx.request.client_ip)
    if name in "defs":
        info = _stat(arg)
        if info is None:
            return False
        if name == "d":
            return stat.S_ISDIR(info.st_mode)
        if name == "f":
            return stat.S_ISREG(info.st_mode)
        if name == "s":
            return stat.S_ISREG(info.st_mode) and info.st_size > 0
        return True
    if name in "Lh":
        info = _lstat_path(arg)
        return info is not None and stat.S_ISLNK(info.st_mode)
    if name == "x":
        info = _lstat_path(arg)
        return info is not None and bool(info.st_mode & 0o111)
    if name == "F":
        # A file subrequest (a relative name is taken from the request's directory):
        # heartmonitor makes no subrequests, so only whether the file exists.
        if not arg.startswith("/"):
            arg = os.path.join(os.path.dirname(ctx.request.filename or "/"), arg)
        return _stat(arg) is not None
    # -U, -A: heartmonitor makes no subrequests (httpd without a request: false).
    return False


def _lstat_path(path: str) -> os.stat_result | None:
    try:
        return os.lstat(_path(path))
    except (OSError, ValueError):
        return None


def _true(arg: str) -> bool:
    """op_T."""
    if arg == "":
        return False
    first = arg[0]
    if first in "oO":
        return arg.lower() != "off"
    if first in "nN":
        return arg.lower() != "no"
    if first in "fF":
        return arg.lower() != "false"
    if first == "0":
        return len(arg) != 1
    return True


def binary_operator(ctx: Evaluation, name: str, left: str, right: str) -> bool:
    """The operators of binary_op_providers."""
    lower = name.lower()
    if lower == "ipmatch":
        subnet = _subnet(right)
        address = _ip_literal(left)
        return subnet is not None and address is not None and subnet.contains(address)
    if lower == "fnmatch":
        return _fnmatch(right, left, pathname=True)
    if lower == "strmatch":
        return _fnmatch(right, left)
    if lower == "strcmatch":
        return _fnmatch(right, left, casefold=True)
    return False


__all__ = ["evaluate", "evaluate_string", "evaluate_with_matches", "Evaluation"]
