"""The heartbeat-admin handler (heartlab_module): drain and undrain servers over HTTP.

    <Location /heartbeat-admin>
        SetHandler heartbeat-admin
        Require local
    </Location>

GET lists the drained servers, one IP a line. POST takes a form body of at most
MAX_BODY bytes (the heartbeat POST handler's bound) with `drain=IP` and `undrain=IP`
fields, as many as fit, changes the drained set, writes storage at once and answers one
line per IP. Answers are text/plain; a refused request gets one line saying why.
Access is decided before the handler runs, by the access_checker hooks (Require), as
for every other handler.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from heartmonitor import log
from heartmonitor.constants import M_GET, M_POST, OK
from heartmonitor.http.request import BodyError

from .codec import MAX_MSG_LEN
from .drainlist import DrainError, NotSaved, canonical_ip, sorted_ips

MAX_BODY = MAX_MSG_LEN
FIELDS = ("drain", "undrain")


def _answer(request, status: int, text: str) -> int:
    request.status = status
    request.set_content_type("text/plain; charset=utf-8")
    request.write(text.encode())
    return OK


def _fields(body: bytes) -> tuple[list[str], list[str]]:
    """(IPs to drain, IPs to undrain) of a form body; DrainError says what is wrong."""
    drain: list[str] = []
    undrain: list[str] = []
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        raise DrainError("the body is not a form (drain=IP&undrain=IP)") from None
    for name, value in pairs:
        if name not in FIELDS:
            raise DrainError(f"unknown field '{name}': POST drain=IP or undrain=IP")
        (drain if name == "drain" else undrain).append(canonical_ip(value))
    if not drain and not undrain:
        raise DrainError("nothing to do: POST drain=IP or undrain=IP")
    return drain, undrain


async def handler(httpd, request) -> int:
    if request.method_number not in (M_GET, M_POST):
        request.headers_out.append(("Allow", "GET,HEAD,POST"))
        return 405
    monitor = httpd.extensions.get("heartmonitor")
    if monitor is None:
        request.log_error("heartlab", log.ERR,
                          "heartbeat-admin: no heartbeat monitor (mod_heartmonitor) here")
        return _answer(request, 503, "no heartbeat monitor here: load mod_heartmonitor\n")
    drained = monitor.drained
    if request.method_number == M_GET:
        return _answer(request, 200, "".join(f"{ip}\n" for ip in sorted_ips(drained.ips)))
    length = request.headers_in.get("content-length", "")
    if length.isdigit() and int(length) > MAX_BODY:
        return _answer(request, 413, f"the body is larger than {MAX_BODY} bytes\n")
    try:
        body = await request.read_body(MAX_BODY + 1)
    except BodyError as error:
        return error.status
    if len(body) > MAX_BODY:
        return _answer(request, 413, f"the body is larger than {MAX_BODY} bytes\n")
    try:
        drain, undrain = _fields(body)
        await drained.change(drain, undrain)
    except DrainError as error:
        status = 500 if isinstance(error, NotSaved) else 400
        return _answer(request, status, f"{error}\n")
    # the balancer sees it now, not at the next storage pass
    await monitor.storage.write_table(monitor.table, httpd.clock.time())
    lines = [f"drained {ip}" for ip in dict.fromkeys(drain) if ip not in undrain]
    lines += [f"undrained {ip}" for ip in dict.fromkeys(undrain)]
    for line in lines:
        request.log_error("heartlab", log.NOTICE, f"heartbeat-admin: {line}")
    return _answer(request, 200, "".join(f"{line}\n" for line in lines))
