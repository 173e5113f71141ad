"""Reading a request head as httpd's ap_read_request does (server/protocol.c).

The request line (read_request_line, ap_parse_request_line), the header fields
(ap_get_mime_headers_core) and the checks made before any hook runs (Content-Length,
Transfer-Encoding, Host, Expect) give the same verdict, status and log line as httpd
2.4, with LimitRequestLine, LimitRequestFieldSize, LimitRequestFields and
HttpProtocolOptions applied. Each function works on bytes already received: a head is
parsed once, when its blank line is there (or a limit is already exceeded).
"""

from __future__ import annotations

import re

from heartmonitor import log

from .limits import Limits

# httpd's DEFAULT_LIMIT_BLANK_LINES.
LIMIT_BLANK_LINES = 10
LOG_NAME_MAX_LEN = 80

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]*")
_VCHAR_OBSTEXT = re.compile(r"[\x21-\x7e\x80-\xff]*")
_FIELD_CONTENT = re.compile(r"[\t\x20-\x7e\x80-\xff]*")
_SPACE = "\t\n\v\f\r "
# The usual well-formed line, checked at once: method SP target SP HTTP/d.d
_PLAIN_LINE = re.compile(r"([!#$%&'*+\-.^_`|~0-9A-Za-z]+) (/[\x21-\x7e\x80-\xff]*) "
                         r"HTTP/([1-9])\.([0-9])")
_PLAIN_FIELD = re.compile(r"([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*([\t\x20-\x7e\x80-\xff]*)")
_ABSOLUTE = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*)://([^/?#]*)([^?#]*)(?:\?([^#]*))?(?:#(.*))?",
                       re.S)


def _leading(run: re.Pattern[str], text: str) -> int:
    """How many leading characters of text a `[...]*` pattern takes (it always matches)."""
    found = run.match(text)
    return found.end() if found is not None else 0


class Head:
    """A request head that passed httpd's checks, or the error status it gets."""

    __slots__ = ("method", "target", "protocol", "proto_num", "headers", "uri", "args",
                 "hostname", "status", "notes", "logs", "close", "http09", "the_request",
                 "length", "chunked", "expect_100", "fragment")

    def __init__(self) -> None:
        self.method = ""
        self.target = ""
        self.protocol = "HTTP/1.0"
        self.proto_num = 1000
        self.headers: dict[str, str] = {}
        self.uri = ""
        self.args: str | None = None
        self.hostname: str | None = None
        self.status = 200
        self.notes = ""
        self.logs: list[tuple[str, int, str]] = []  # (module, level, message)
        self.close = False
        self.http09 = False
        self.the_request = ""
        self.length = 0
        self.chunked = False
        self.expect_100 = False
        self.fragment = False

    def copy(self) -> Head:
        """A head of its own with the same fields (the header fields in a new dict)."""
        twin = Head.__new__(Head)
        twin.method, twin.target, twin.protocol = self.method, self.target, self.protocol
        twin.proto_num, twin.headers, twin.uri = self.proto_num, dict(self.headers), self.uri
        twin.args, twin.hostname, twin.status = self.args, self.hostname, self.status
        twin.notes, twin.logs, twin.close = self.notes, list(self.logs), self.close
        twin.http09, twin.the_request, twin.length = self.http09, self.the_request, self.length
        twin.chunked, twin.expect_100 = self.chunked, self.expect_100
        twin.fragment = self.fragment
        return twin

    def fail(self, status: int, level: int, message: str, module: str = "core") -> Head:
        self.status = status
        self.logs.append((module, level, message))
        return self


def _name(text: str) -> str:
    """field_name_len: a field's name (to its ':') for a log line, 80 characters at most."""
    end = text.find(":")
    return text[: end if 0 <= end <= LOG_NAME_MAX_LEN else LOG_NAME_MAX_LEN]


def find_line(buffer: bytes | bytearray, start: int, limit: int) -> tuple[int, int]:
    """(end of the line's text, start of the next line) or (-1, 0) for more data;
    (-2, 0) when the line is already longer than ap_rgetline's buffer of limit + 2
    (which holds limit + 1 characters and the CR; the LF may overrun it)."""
    newline = buffer.find(b"\n", start, start + limit + 3)
    if newline < 0:
        if len(buffer) - start >= limit + 3:
            return -2, 0
        return -1, 0
    return newline, newline + 1


# Heads up to this size that passed every check are remembered (HeadCache): clients
# repeat theirs byte for byte (a scraper, a heartbeat poster, a load generator).
CACHED_HEAD_BYTES = 1024
CACHED_HEADS = 256


class HeadCache(dict[bytes, "Head"]):
    """The text of recent plain heads and what reading them gave, for one configuration
    (its limits and methods): a head seen before is copied, not parsed again."""


def read_head(buffer: bytes | bytearray, limits: Limits, method_number,
              cache: HeadCache | None = None) -> tuple[int, Head | None]:
    """(bytes used, Head) for a complete head; (0, None) when more data is needed.

    method_number(method) -> int is ap_method_number_of for this configuration; cache,
    when given, holds heads this configuration has read.
    """
    if limits.strict:
        end = buffer.find(b"\r\n\r\n")
        if cache is not None and 0 < end < CACHED_HEAD_BYTES:
            text = bytes(buffer[:end])
            known = cache.get(text)
            if known is not None:
                return end + 4, known.copy()
            fast = _read_plain_head(buffer, end, limits, method_number)
            if fast is not None:
                head = fast[1]
                if head.status == 200 and not head.logs:
                    if len(cache) >= CACHED_HEADS:
                        cache.clear()
                    cache[text] = head.copy()
                return fast
        else:
            fast = _read_plain_head(buffer, end, limits, method_number)
            if fast is not None:
                return fast
    head = Head()
    position = 0
    # read_request_line: skip up to LIMIT_BLANK_LINES empty lines.
    for _blank in range(LIMIT_BLANK_LINES + 1):
        end, following = find_line(buffer, position, limits.line)
        if end == -1:
            return 0, None
        if end == -2:
            head.close = True
            head.fail(414, log.INFO, "AH00565: request failed: client's request-line exceeds "
                      f"LimitRequestLine (longer than {limits.line})")
            return len(buffer), head
        text_end = end
        if end > position and buffer[end - 1] == 13:
            text_end = end - 1
        elif limits.strict:
            head.close = True
            head.status = 400
            return following, head
        line = bytes(buffer[position:text_end]).decode("latin-1")
        position = following
        if line:
            break
    if not _parse_request_line(head, line, limits, method_number):
        head.close = True
        return position, head
    if head.http09:
        return position, head
    used = _read_fields(head, buffer, position, limits)
    if used == 0:
        return 0, None
    if head.status == 200:
        _check_head(head, limits)
    return used, head


def _read_plain_head(buffer: bytes | bytearray, end: int, limits: Limits,
                     method_number) -> tuple[int, Head] | None:
    """The usual head (CRLF lines, no folding, every line within its limit, well-formed
    fields) read at once, `end` where its blank line starts; None sends anything else
    through the line-by-line reader."""
    if end <= 0:
        return None
    text = bytes(buffer[:end]).decode("latin-1")
    lines = text.split("\r\n")
    if "\n" in text.replace("\r\n", "") or len(lines) - 1 > (limits.fields or len(lines)):
        return None
    line = lines[0]
    if len(line) > limits.line + 1 or not line:
        return None
    head = Head()
    if not _parse_request_line(head, line, limits, method_number) or head.http09:
        return None  # the line-by-line reader gives the error its exact form
    headers = head.headers
    fieldsize = limits.fieldsize
    for field in lines[1:]:
        if len(field) > fieldsize + 1:
            return None
        plain = _PLAIN_FIELD.fullmatch(field)
        if plain is None:
            return None
        key = plain.group(1).lower()
        value = plain.group(2).rstrip(" \t")
        if key in headers:
            value = headers[key] + ", " + value
            if len(value) > fieldsize:
                return None
        headers[key] = value
    _check_head(head, limits)
    return end + 4, head


def _parse_request_line(head: Head, line: str, limits: Limits, method_number) -> bool:
    """ap_parse_request_line (and ap_parse_uri); False with head.status for an error."""
    plain = _PLAIN_LINE.fullmatch(line)
    if plain is not None:
        head.method, head.target = plain.group(1), plain.group(2)
        head.proto_num = int(plain.group(3)) * 1000 + int(plain.group(4))
        head.protocol = line[-8:]
        head.the_request = line
        return _parse_target(head, limits, method_number)
    strict = limits.strict
    error = ""
    method = line
    if method[:1] and method[0] in _SPACE:
        error = "badwhitespace"
        method = method.lstrip(_SPACE)
    scan = _TOKEN if strict else _VCHAR_OBSTEXT
    cut = _leading(scan, method)
    rest = method[cut:]
    if (cut == 0 or (rest and rest[0] not in _SPACE)) and not error:
        error = "badmethod"
    if error == "badmethod" or (rest and rest[0] not in _SPACE):
        found = [rest.find(c) for c in _SPACE if c in rest]
        cut += min(found) if found else len(rest)
        rest = method[cut:]
    uri = protocol = ""
    trailing = ""
    method, rest = method[:cut], method[cut:]
    if not rest:
        if not error:
            error = "missinguri"
    else:
        if strict and len(rest) > 1 and rest[1] in _SPACE and not error:
            error = "excesswhitespace"
        stripped = rest.lstrip(_SPACE)
        if not error and any(c != " " for c in rest[: len(rest) - len(stripped)]):
            error = "badwhitespace"
        rest = stripped
        if not rest and not error:
            error = "missinguri"
        cut = _leading(_VCHAR_OBSTEXT, rest)
        after = rest[cut:]
        if cut == 0 or (after and after[0] not in _SPACE):
            error = "baduri"
            found = [after.find(c) for c in _SPACE if c in after]
            cut += min(found) if found else len(after)
            after = rest[cut:]
        uri = rest[:cut]
        if after:
            if strict and len(after) > 1 and after[1] in _SPACE and not error:
                error = "excesswhitespace"
            stripped = after.lstrip(_SPACE)
            if not error and any(c != " " for c in after[: len(after) - len(stripped)]):
                error = "badwhitespace"
            cut = _leading(_VCHAR_OBSTEXT, stripped)
            protocol, trailing = stripped[:cut], stripped[cut:]
            if trailing and trailing[0] not in _SPACE:
                error = "badprotocol"
            elif strict and trailing:
                error = "excesswhitespace"
            elif trailing:
                text = trailing.lstrip(_SPACE)
                if not error and any(c != " " for c in trailing[: len(trailing) - len(text)]):
                    error = "badwhitespace"
                if text and not error:
                    error = "trailingtext"
                trailing = text
    head.method, head.target = method, uri
    head.the_request = " ".join(p for p in (method, uri, protocol) if p)
    if (len(protocol) == 8 and protocol[:5].upper() == "HTTP/" and protocol[5].isdigit()
            and protocol[6] == "." and protocol[7].isdigit() and protocol[5] != "0"
            and protocol[5].isascii() and protocol[7].isascii()):
        head.proto_num = int(protocol[5]) * 1000 + int(protocol[7])
        head.protocol = protocol
        if not protocol.startswith("HTTP/"):
            if strict and not error:
                error = "badprotocol"
            else:
                head.protocol = "HTTP" + protocol[4:]
    elif protocol:
        head.proto_num = 9
        if not error:
            error = "badprotocol"
    else:
        head.http09 = True
        head.protocol = "HTTP/0.9"
        head.proto_num = 9
    number = method_number(method)
    parsed = _parse_target(head, limits, method_number, check=False)
    if head.proto_num == 9 and not error:
        if not limits.allow09:
            error = "reject09"
        elif strict and (number != 0 or method == "HEAD"):
            error = "badmethod09"
    if error:
        head.logs.append(("core", log.DEBUG, _request_line_error(error, method, uri, protocol,
                                                                 trailing)))
        head.status = 400
        if head.proto_num == 9:
            head.http09 = False
            head.proto_num = 1000
            head.protocol = "HTTP/1.0"
        return False
    return parsed and _check_target(head, limits, method_number)


def _request_line_error(error: str, method: str, uri: str, protocol: str, trailing: str) -> str:
    prefix = "HTTP Request Line; "
    return {
        "badmethod": f"AH03445: {prefix}Invalid method token: '{_name(method)}'",
        "badmethod09": f"AH03444: {prefix}Invalid method token: '{_name(method)}' (only GET is "
                       "allowed for HTTP/0.9 requests)",
        "missinguri": f"AH03446: {prefix}Missing URI",
        "baduri": f"AH03454: {prefix}URI incorrectly encoded: '{_name(uri)}'",
        "badwhitespace": f"AH03447: {prefix}Invalid whitespace",
        "excesswhitespace": f"AH03448: {prefix}Excess whitespace (disallowed by "
                            "HttpProtocolOptions Strict)",
        "trailingtext": f"AH03449: {prefix}Extraneous text found '{_name(trailing)}' (perhaps "
                        "whitespace was injected?)",
        "reject09": f"AH02401: {prefix}Rejected HTTP/0.9 request",
        "badprotocol": f"AH02418: {prefix}Unrecognized protocol '{_name(protocol)}' (perhaps "
                       "whitespace was injected?)",
    }[error]


def _parse_target(head: Head, limits: Limits, method_number, check: bool = True) -> bool:
    """ap_parse_uri: path, args and (for an absolute URI) the host name."""
    target = head.target
    while target.startswith("//"):
        target = target[1:]
    ok = True
    if target.startswith("/") or target == "*":
        path, sep, query = target.partition("?")
        path, hashmark, fragment = path.partition("#")
        if not sep:
            query_part = None
        else:
            query_part, hashmark2, _frag = query.partition("#")
            hashmark = hashmark or hashmark2
        head.uri, head.args, head.fragment = path, query_part, bool(hashmark)
    else:
        absolute = _ABSOLUTE.fullmatch(target)
        if absolute is None:
            head.uri, head.args = target.partition("?")[0], None
            ok = target != "" and target.startswith("/")
        else:
            authority = absolute.group(2)
            if "@" in authority:
                head.fragment = head.fragment or False
                head.notes = "userinfo"
                authority = authority.rsplit("@", 1)[1]
            if absolute.group(1).lower() == "http":
                host = authority.rsplit(":", 1)[0] if not authority.endswith("]") else authority
                head.hostname = host
            head.uri = absolute.group(3) or "/"
            head.args = absolute.group(4)
            head.fragment = absolute.group(5) is not None
    if ok and not head.uri.startswith("/") and not (head.uri == "*"
                                                      and head.method == "OPTIONS"):
        ok = False
    if not ok:
        head.status = 400
    if not check:
        return True
    return _check_target(head, limits, method_number)


def _check_target(head: Head, limits: Limits, method_number) -> bool:
    """The end of ap_parse_request_line: RegisteredMethods, the URI, strict URI rules."""
    if limits.registered_methods and method_number(head.method) == 26:
        head.status = 501
        head.logs.append(("core", log.DEBUG, "AH02423: HTTP Request Line; Unrecognized HTTP "
                          f"method: '{_name(head.method)}' (disallowed by RegisteredMethods)"))
        return False
    if head.status != 200:
        head.logs.append(("core", log.DEBUG, "AH03450: HTTP Request Line; Unable to parse URI: "
                          f"'{_name(head.uri)}'"))
        return False
    if limits.strict:
        if head.fragment:
            head.fail(400, log.DEBUG, "AH02421: HTTP Request Line; URI must not contain a "
                      "fragment")
            return False
        if head.notes == "userinfo":
            head.notes = ""
            head.fail(400, log.DEBUG, "AH02422: HTTP Request Line; URI must not contain a "
                      "username/password")
            return False
    head.notes = ""
    return True


def _read_fields(head: Head, buffer: bytes | bytearray, position: int, limits: Limits) -> int:
    """ap_get_mime_headers_core; the bytes used (0: more data needed), head.status set."""
    strict = limits.strict
    fields: list[str] = []
    last: str | None = None
    while True:
        end, following = find_line(buffer, position, limits.fieldsize)
        if end == -1:
            return 0
        if end == -2:
            # The field so far, as far as ap_rgetline's buffer holds it.
            text = bytes(buffer[position : position + limits.fieldsize + 1]).decode("latin-1")
            head.notes = "Size of a request header field exceeds server limit."
            head.close = True
            head.fail(400, log.INFO, "AH00561: Request header exceeds LimitRequestFieldSize"
                      + (f": {_name(text)}" if text else ""))
            return len(buffer)
        text_end = end
        if end > position and buffer[end - 1] == 13:
            text_end = end - 1
        elif strict:
            head.close = True
            head.logs.append(("core", log.DEBUG, "AH00567: request failed: error reading the "
                              "headers"))
            head.status = 400
            return following
        line = bytes(buffer[position:text_end]).decode("latin-1")
        position = following
        length = len(line)
        while length > 1 and line[length - 1] in " \t":
            length -= 1
        line = line[:length]
        if line[:1] in (" ", "\t"):
            if last is None:
                return _field_error(head, following, log.DEBUG,
                                    "AH03442: Line folding encountered before first header line")
            if len(line) == 1:
                return _field_error(head, following, log.DEBUG,
                                    "AH03443: Empty folded line encountered")
            line = " " + line.lstrip(" \t")
            if len(last) + len(line) + 1 >= limits.fieldsize:
                head.notes = "Size of a request header field exceeds server limit."
                return _field_error(head, following, log.INFO, "AH00562: Request header "
                                    "exceeds LimitRequestFieldSize after folding: "
                                    f"{_name(last)}")
            last += line
            continue
        if last is not None:
            if limits.fields and len(fields) + 1 > limits.fields:
                head.notes = "The number of request header fields exceeds this server's limit."
                return _field_error(head, following, log.INFO,
                                    "AH00563: Number of request headers exceeds "
                                    "LimitRequestFields")
            fields.append(last)
        if not line:
            break
        last = line
    headers = head.headers
    for field in fields:
        plain = _PLAIN_FIELD.fullmatch(field)
        if plain is not None:
            name, value = plain.group(1), plain.group(2)
        elif strict:
            cut = _leading(_TOKEN, field)
            if cut == 0 or field[cut : cut + 1] != ":":
                return _field_error(head, position, log.DEBUG, "AH02426: Request header field "
                                    f"name is malformed: {field[:LOG_NAME_MAX_LEN]}")
            value = field[cut + 1 :].lstrip(" \t")
            return _field_error(head, position, log.DEBUG, "AH02427: Request header value is "
                                f"malformed: {value[:LOG_NAME_MAX_LEN]}")
        else:
            colon = field.find(":")
            if colon < 0:
                return _field_error(head, position, log.DEBUG, "AH00564: Request header field "
                                    "is missing ':' separator: "
                                    f"{field[:LOG_NAME_MAX_LEN]}")
            if colon == 0:
                return _field_error(head, position, log.DEBUG,
                                    "AH03453: Request header field name was empty")
            name, value = field[:colon], field[colon + 1 :].lstrip(" \t")
            if any(c in name for c in _SPACE):
                return _field_error(head, position, log.DEBUG, "AH03452: Request header field "
                                    "name presented invalid whitespace")
            if any(c in value for c in "\n\v\f\r"):
                return _field_error(head, position, log.DEBUG, "AH03451: Request header field "
                                    "value presented bad whitespace")
        key = name.lower()
        if key in headers:
            headers[key] += ", " + value
            if len(headers[key]) > limits.fieldsize:
                head.notes = "Size of a request header field exceeds server limit."
                return _field_error(head, position, log.INFO, "AH00560: Request header exceeds "
                                    f"LimitRequestFieldSize after merging: {_name(name)}")
        else:
            headers[key] = value
    return position


def _field_error(head: Head, used: int, level: int, message: str) -> int:
    head.close = True
    head.fail(400, level, message)
    if level == log.DEBUG or "AH0056" in message:
        head.logs.append(("core", log.DEBUG, "AH00567: request failed: error reading the "
                          "headers"))
    return used


def _check_head(head: Head, limits: Limits) -> None:
    """The checks of ap_read_request and ap_check_request_header after the fields."""
    headers = head.headers
    length = headers.get("content-length")
    if length is not None:
        if not length.isdigit() or not length.isascii() or len(length) > 18:
            head.close = True
            head.fail(400, log.DEBUG, f"AH10242: client sent invalid Content-Length ({length}): "
                      f"{head.uri}")
            return
        head.length = int(length)
    coding = headers.get("transfer-encoding")
    if coding is not None:
        if coding.rsplit(",", 1)[-1].strip(" \t").lower() != "chunked" or _chunked_twice(coding):
            head.close = True
            head.fail(400, log.DEBUG, f"AH02539: client sent unknown Transfer-Encoding "
                      f"({coding}): {head.uri}")
            return
        head.chunked = True
        if length is not None:
            # RFC 9112 6.1: answer, then close; no request smuggled behind this one.
            del headers["content-length"]
            head.length = 0
            head.close = True
    host = headers.get("host")
    if head.hostname is None and host is not None:
        head.hostname = host
    if head.hostname is not None:
        fixed = fix_hostname(head.hostname)
        if fixed is None:
            head.close = True
            head.fail(400, log.DEBUG, f"AH00550: Client sent malformed Host header: "
                      f"{head.hostname}")
            return
        head.hostname = fixed
    if (head.hostname is None and head.proto_num >= 1001) or (
            head.proto_num == 1001 and host is None):
        head.close = True
        head.fail(400, log.DEBUG, "AH00569: client sent HTTP/1.1 request without hostname (see "
                  f"RFC2616 section 14.23): {head.uri}")
        return
    expect = headers.get("expect")
    if expect:
        if expect.lower() == "100-continue":
            head.expect_100 = True  # r->expecting_100, whatever the protocol
        else:
            head.fail(417, log.INFO, f"AH00570: client sent an unrecognized expectation value of "
                      f"Expect: {expect}")


def _chunked_twice(coding: str) -> bool:
    return sum(1 for part in coding.split(",") if part.strip(" \t").lower() == "chunked") > 1


_fixed_hosts: dict[str, str | None] = {}


def fix_hostname(host: str) -> str | None:
    """vhost.c fix_hostname: the lower-cased name without port or trailing dot; None: 400."""
    try:
        return _fixed_hosts[host]
    except KeyError:
        pass
    fixed = _fix_hostname(host)
    if len(_fixed_hosts) >= 1024:
        _fixed_hosts.clear()
    _fixed_hosts[host] = fixed
    return fixed


def _fix_hostname(host: str) -> str | None:
    if host.startswith("["):
        close = host.find("]")
        if close < 0:
            return None
        name, rest = host[: close + 1], host[close + 1 :]
        if rest and (rest[0] != ":" or not rest[1:].isdigit()):
            return None
        if not all(c in "0123456789abcdefABCDEF:.[]" for c in name):
            return None
        return name.lower()
    name, colon, port = host.partition(":")
    if colon and port and not (port.isdigit() and port.isascii()):
        return None
    if not name:
        return None
    for ch in name:
        if not (ch.isascii() and (ch.isalnum() or ch in "-._")):
            return None
    if ".." in name or name.startswith("."):
        return None
    return name.rstrip(".").lower()
