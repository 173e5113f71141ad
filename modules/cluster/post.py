"""mod_heartmonitor's POST handler (hm_handler): `ready=N&busy=N[&port=N]`, 200 OK.

The table and, with a slotmem, the balancer's slot are updated at once; hb.dat is merged
by the file storage at most once per merge_interval (httpd rewrites it on every POST).
"""

from __future__ import annotations

import time

from heartmonitor import log
from heartmonitor.constants import DECLINED, M_POST, OK
from heartmonitor.cstr import strtol, to_int32
from heartmonitor.http.dispatch import allow
from heartmonitor.http.request import BodyError

from .codec import DEFAULT_PORT, MAX_MSG_LEN, decode, printable


async def handler(httpd, module, request) -> int:
    """hm_handler as httpd 2.4.71 has it.

    Monitoring must be active (HeartbeatListen), busy and ready must be present, and
    values that are not plain numbers are logged and replaced, as httpd does. Unlike
    httpd, the body is read up to 1000 bytes even when it comes in several pieces
    (httpd reads one piece: a chunked POST usually gets 400), and the server is also
    entered in the monitor's table, so the next periodic write keeps it.
    """
    if request.handler != "heartbeat":
        return DECLINED
    if request.method_number != M_POST:
        request.headers_out.append(("Allow", allow(httpd, request.server, "")))
        return 405
    monitor = httpd.extensions.get("heartmonitor")
    if monitor is None or monitor.listener is None:
        request.log_error("heartmonitor", log.ERR, "AH10561: Heartbeat monitoring not active")
        return 503

    try:
        body = await request.read_body(MAX_MSG_LEN)
    except BodyError as error:
        return error.status
    fields = decode(body)
    if "busy" not in fields or "ready" not in fields:
        request.log_error("heartmonitor", log.ERR,
                          "AH10563: Missing required parameters: busy and/or ready")
        return 400
    port = _checked(request, fields.get("port"), (1, 65535),
                    "AH10564: Invalid port value: {}, using default 80", DEFAULT_PORT)
    busy = _checked(request, fields["busy"], None,
                    "AH10565: Invalid busy value: {}, using 0", 0)
    ready = _checked(request, fields["ready"], None,
                     "AH10566: Invalid ready value: {}, using 0", 0)
    now = time.time()
    server = monitor.table.update(request.client_ip, port, busy, ready, now)
    server.port = port
    await monitor.storage.merge(monitor.table, server, now)
    request.set_content_type("text/plain")
    request.write(b"OK")
    return OK


def _checked(request, text: str | None, bounds: tuple[int, int] | None, warning: str,
             default: int) -> int:
    """strtol with nothing left over (and within bounds, low..high), else httpd's warning."""
    if text is None:
        return default
    value, end, _overflow = strtol(text)
    valid = end == len(text) and (bounds is None or bounds[0] <= value <= bounds[1])
    if not valid:
        request.log_error("heartmonitor", log.WARNING, warning.format(printable(text)))
        return default
    return to_int32(value)
