"""ap_send_http_trace (modules/http/http_filters.c): TRACE echoed back as message/http.

httpd runs it as a map_to_storage hook, before any access check: TraceEnable Off is a
405 with an empty Allow header; On refuses a request body (413); extended echoes one of
at most 64 KiB given by Content-Length, or what a buffer of 73,730 bytes takes of a
chunked one while 32 bytes stay free. The echo is the request line, the header fields as
httpd's table holds them (the first spelling of each name, repeated fields merged with
", ", folded lines joined with a space), a blank line and the body, sent without a
length as httpd sends it: chunked to an HTTP/1.1 client, ended by closing for HTTP/1.0.
"""

from __future__ import annotations

from heartmonitor import log
from heartmonitor.constants import OK

from .errors import error_page
from .request import BodyError, Request
from .signature import psignature

EXTENDED_BODY_MAX = 65536  # "Extended TRACE request bodies cannot exceed 64k"
CHUNKED_BUFFER = 73730  # 64 KiB and 8192 for chunk headers, as ap_send_http_trace sizes it
CHUNKED_SPARE = 32  # the loop stops once fewer than this many bytes of the buffer are free


def trace_setting(httpd, server) -> str:
    """TraceEnable: a virtual host's, else the main server's; on by default."""
    return server.trace_enable or httpd.server_conf.trace_enable or "on"


def field_names(raw: bytes) -> dict[str, str]:
    """Each header field's name as the client first spelled it, by its lower-case form,
    from the request's head as read (blank lines before the request line, folded lines
    skipped)."""
    names: dict[str, str] = {}
    seen_request_line = False
    for line in raw.split(b"\n"):
        line = line.rstrip(b"\r")
        if not seen_request_line:
            seen_request_line = bool(line)
            continue
        if not line:
            break
        if line[:1] in (b" ", b"\t"):
            continue
        name = line.split(b":", 1)[0].decode("latin-1")
        names.setdefault(name.lower(), name)
    return names


def echo(request: Request, raw: bytes, body: bytes) -> bytes:
    """The request line, its header fields, a blank line and the body."""
    names = field_names(raw)
    lines = [request.the_request]
    lines += [f"{names.get(key, key)}: {value}" for key, value in request.headers_in.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace") + body


async def _read_extended_body(request: Request) -> tuple[int, bytes]:
    """(0, body) or (an error status, b"") as the extended TRACE reads its body."""
    connection = request.connection
    if connection.chunked:
        try:
            body = await request.read_body(CHUNKED_BUFFER)
        except BodyError as error:
            return _read_failed(request, error), b""
        if len(body) > CHUNKED_BUFFER - CHUNKED_SPARE:
            return 413, b""  # "Extended TRACE request bodies cannot exceed 64k"
        return 0, body
    remaining = int(request.headers_in.get("content-length") or 0)
    if remaining > EXTENDED_BODY_MAX:
        return 413, b""
    if remaining == 0:
        return 0, b""
    try:
        return 0, await request.read_body(remaining)
    except BodyError as error:
        return _read_failed(request, error), b""


def _read_failed(request: Request, error: BodyError) -> int:
    """ap_get_client_block failed: 400 whatever the reason (a timeout too). A chunk that
    could not be parsed has already made the input filter send its own 400 page, so the
    client gets that page twice, without a length, as from httpd."""
    if error.status == 413:
        return 413
    if request.connection.body_broken:
        page = error_page(400, request.method, signature=psignature("<hr>\n", request))
        request.status = 400
        request.body = [page, page]
        request.content_type = "text/html; charset=iso-8859-1"
        return OK
    return 400


async def send_http_trace(httpd, request: Request, raw: bytes) -> int:
    """The TRACE request answered (OK) or the error status for it."""
    setting = trace_setting(httpd, request.server)
    if setting == "off":
        # Nothing is allowed yet at map_to_storage: the Allow header is empty.
        request.headers_out.append(("Allow", ""))
        return 405
    connection = request.connection
    has_body = connection.chunked or int(request.headers_in.get("content-length") or 0) > 0
    body = b""
    if setting != "extended":
        if has_body:
            request.log_error("http", log.INFO, f"AH01595: TRACE with body is not allowed "
                              f"for {request.uri}")
            return 413
    elif has_body:
        status, body = await _read_extended_body(request)
        if status:
            return status
        if request.status != 200:  # the input filter's page, already in place
            return OK
    request.status = 200
    request.content_type = "message/http"
    request.write(echo(request, raw, body))
    await connection.flush_body(request, force=True)
    return OK
