"""mod_heartmonitor at run time: post_config, the watchdog callback, the POST handler.

post_config follows hm_post_config step by step (AH02093, AH02284/AH02285, the
`_heartmonitor_` watchdog and its callback). heartmonitor opens the multicast socket
there too, so a listener that cannot be set up stops start-up with httpd's messages
(AH02068-AH02073, AH02090) instead of leaving a server that hears nothing.

What the monitor knows survives graceful restarts (httpd keeps it in the child that
owns the watchdog, and loses it when that child changes): the table, the socket when
its address is unchanged, and the slotmem segment.
"""

from __future__ import annotations

import asyncio
import time

from heartmonitor import log
from heartmonitor.cstr import strtol, to_int32

from . import hbfile
from .codec import DEFAULT_PORT, MAX_MSG_LEN, decode, printable
from .listener import HeartbeatListener, ListenError, open_socket
from .slotmem import SLOT_SIZE, TYPE_PREGRAB
from .storage import FileStorage, SlotmemStorage
from .table import SEEN_TIMEOUT, ServerTable

HM_WATCHDOG_NAME = "_heartmonitor_"
HM_UPDATE_SEC = 5
SLOTMEM_NAME = "mod_heartmonitor"
# httpd never forgets a server; heartmonitor drops one unseen for an hour, so a flood
# of forged sources cannot grow the table without bound.
FORGET_AFTER = 3600.0
STATE_STARTING, STATE_RUNNING, STATE_STOPPING = 1, 2, 3
OK, DECLINED = 0, -1
M_POST = 2


class Monitor:
    """hm_ctx_t at run time: the table, its storage and the listener."""

    def __init__(self, httpd, config, table: ServerTable, storage) -> None:
        self.httpd = httpd
        self.config = config
        self.table = table
        self.storage = storage
        self.listener: HeartbeatListener | None = None
        self.last_update = 0.0

    def update(self, now: float) -> None:
        """hm_update_stats, plus the stale/forget bookkeeping."""
        self.table.sweep(now, FORGET_AFTER)
        self.storage.write_all(self.table, now)
        self.last_update = now
        if self.listener is not None:
            self.listener.flush_suppressed()

    def callback(self, state: int, data, pool) -> int:
        """hm_watchdog_callback."""
        now = time.time()
        if state == STATE_STARTING:
            self.listener.start(asyncio.get_running_loop())
            self.httpd.log_error("heartmonitor", log.DEBUG,
                                 "AH02091: _heartmonitor_ listener started.",
                                 source="mod_heartmonitor.c(619)")
            self.update(now)
        elif state == STATE_RUNNING:
            if now - self.last_update >= HM_UPDATE_SEC:
                self.update(now)
        elif state == STATE_STOPPING:
            self.httpd.log_error("heartmonitor", log.DEBUG,
                                 "AH02092: stopping _heartmonitor_ listener.",
                                 source="mod_heartmonitor.c(660)")
            self.listener.stop()
            self.update(now)
        return 0


def _retained(httpd) -> dict:
    return httpd.retained.setdefault("heartmonitor", {})


def _table(httpd, config, kept: dict) -> ServerTable:
    table = kept.get("table")
    if table is None:
        table = kept["table"] = ServerTable()
        if not config.maxworkers and config.storage_path:
            hbfile.remove_stale_temporaries(config.storage_path)
            for server in hbfile.load(config.storage_path):
                table.servers[server.ip] = server
    return table


def _storage(httpd, config, kept: dict):
    """The slotmem (created as httpd creates it) or hb.dat; None after logging a failure."""
    if not config.maxworkers:
        return FileStorage(httpd, config.storage_path)
    provider = httpd.lookup_provider("slotmem", "shm", "0")
    if provider is None:
        httpd.log_error("heartmonitor", log.EMERG,
                        "AH02284: failed to lookup provider 'shm' for 'slotmem', maybe you need "
                        "to load mod_slotmem_shm?")
        return None
    try:
        slotmem = provider.create(httpd, SLOTMEM_NAME, SLOT_SIZE, config.maxworkers,
                                  TYPE_PREGRAB)
    except OSError as error:
        from .slotmem import slotmem_filename

        httpd.log_error("slotmem_shm", log.ERR,
                        f"AH02611: create: apr_shm_create({slotmem_filename(httpd, SLOTMEM_NAME)})"
                        " failed", error.errno)
        httpd.log_error("heartmonitor", log.EMERG, "AH02285: slotmem_create for status failed")
        return None
    previous = kept.get("slotmem_storage")
    if previous is not None and previous.slotmem is slotmem:
        return previous
    storage = kept["slotmem_storage"] = SlotmemStorage(httpd, slotmem)
    return storage


def _listener(httpd, config, table: ServerTable, kept: dict) -> HeartbeatListener | None:
    address = (config.listen_ip, config.listen_port, config.listen_interface)
    old = kept.pop("listener", None)
    if old is not None and old.address == address:
        old.httpd = httpd
        old.table = table
        kept["listener"] = old
        return old
    if old is not None:
        old.close()
    try:
        sock = open_socket(config.listen_ip, config.listen_port, config.listen_interface)
    except ListenError as error:
        httpd.log_error("heartmonitor", log.CRIT, error.message, error.errno)
        httpd.log_error("heartmonitor", log.CRIT, "AH02090: Unable to listen for connections!",
                        error.errno)
        return None
    listener = kept["listener"] = HeartbeatListener(httpd, sock, table, address)
    return listener


def post_config(httpd, module) -> bool:
    """hm_post_config."""
    config = httpd.server_conf.module_config[module]
    get_instance = httpd.optional_functions.get("ap_watchdog_get_instance")
    register = httpd.optional_functions.get("ap_watchdog_register_callback")
    if get_instance is None or register is None:
        httpd.log_error("heartmonitor", log.CRIT, "AH02093: mod_watchdog is required")
        return False
    if httpd.main_state != "create-config":
        return True
    kept = _retained(httpd)
    refusal = (hbfile.storage_problem(config.storage_path)
               if not config.maxworkers and config.storage_path else None)
    if refusal:
        httpd.log_error("heartmonitor", log.CRIT, refusal)
        return False
    storage = _storage(httpd, config, kept)
    if storage is None:
        return False
    table = _table(httpd, config, kept)
    monitor = Monitor(httpd, config, table, storage)
    httpd.extensions["heartmonitor"] = monitor
    if not config.active:
        old = kept.pop("listener", None)
        if old is not None:
            old.close()
        return True
    monitor.listener = _listener(httpd, config, table, kept)
    if monitor.listener is None:
        return False
    watchdog = get_instance(httpd, HM_WATCHDOG_NAME, 0, 1)
    register(watchdog, 0, monitor, monitor.callback)
    httpd.log_error("heartmonitor", log.DEBUG, "AH02096: wd callback _heartmonitor_",
                    source="mod_heartmonitor.c(736)")
    return True


def shutdown(httpd, final: bool) -> None:
    """The server stops (final) or restarts: release what is not carried over."""
    if not final:
        return
    kept = _retained(httpd)
    listener = kept.pop("listener", None)
    if listener is not None:
        listener.close()
    storage = kept.pop("slotmem_storage", None)
    if storage is not None:
        storage.slotmem.remove()


async def handler(httpd, module, request) -> int:
    """hm_handler as httpd 2.4.71 has it: POST `ready=N&busy=N[&port=N]`, 200 OK.

    Monitoring must be active (HeartbeatListen), busy and ready must be present, and
    values that are not plain numbers are logged and replaced, as httpd does. Unlike
    httpd, the body is read up to 1000 bytes even when it comes in several pieces
    (httpd reads one piece: a chunked POST usually gets 400), and the server is also
    entered in the monitor's table, so the next periodic write keeps it.
    """
    if request.handler != "heartbeat":
        return DECLINED
    if request.method_number != M_POST:
        request.headers_out.append(("Allow", "TRACE"))
        return 405
    monitor = httpd.extensions.get("heartmonitor")
    if monitor is None or monitor.listener is None:
        request.log_error("heartmonitor", log.ERR, "AH10561: Heartbeat monitoring not active")
        return 503
    from heartmonitor.http.request import BodyError

    try:
        body = await request.read_body(MAX_MSG_LEN)
    except BodyError as error:
        return error.status
    fields = decode(body)
    if "busy" not in fields or "ready" not in fields:
        request.log_error("heartmonitor", log.ERR,
                          "AH10563: Missing required parameters: busy and/or ready")
        return 400
    port = _checked(request, fields.get("port"), 1, 65535,
                    "AH10564: Invalid port value: {}, using default 80", DEFAULT_PORT)
    busy = _checked(request, fields["busy"], None, None,
                    "AH10565: Invalid busy value: {}, using 0", 0)
    ready = _checked(request, fields["ready"], None, None,
                     "AH10566: Invalid ready value: {}, using 0", 0)
    now = time.time()
    server = monitor.table.update(request.client_ip, port, busy, ready, now)
    server.port = port
    monitor.storage.write_one(monitor.table, server, now)
    request.set_content_type("text/plain")
    request.write(b"OK")
    return OK


def _checked(request, text: str | None, low: int | None, high: int | None, warning: str,
             default: int) -> int:
    """strtol with nothing left over (and within low..high), else httpd's warning."""
    if text is None:
        return default
    value, end, _overflow = strtol(text)
    valid = end == len(text) and (low is None or low <= value <= high)
    if not valid:
        request.log_error("heartmonitor", log.WARNING, warning.format(printable(text)))
        return default
    return to_int32(value)


def console(httpd, say) -> None:
    """In the foreground: where heartbeats come from, and each server coming and going."""
    monitor = httpd.extensions.get("heartmonitor")
    if monitor is None:
        return
    listener = monitor.listener
    if listener is not None:
        group, port, interface = listener.address
        joined = f" (joined on {interface})" if interface else ""
        say(f"listening for heartbeats on {group}:{port}{joined}")
    else:
        say("no HeartbeatListen: heartbeats are not monitored (POSTs get 503, as in httpd)")
    say(f"heartbeat storage: {_storage_text(monitor)}")
    monitor.table.on_new = lambda server: say(
        f"server {server.ip} is up (port {server.port}, ready {server.ready}, "
        f"busy {server.busy})")
    monitor.table.on_stale = lambda server: say(
        f"server {server.ip} is stale (no heartbeat for more than {SEEN_TIMEOUT} s)")


# -- what server-status shows -------------------------------------------------------------


def _rows(monitor: Monitor, now: float) -> list[tuple]:
    from heartmonitor.cstr import as_unsigned32

    rows = []
    for server in sorted(monitor.table.servers.values(), key=lambda s: s.ip):
        rows.append((server.ip, as_unsigned32(server.port), as_unsigned32(server.ready),
                     as_unsigned32(server.busy), max(server.age(now), 0)))
    return rows


def _storage_text(monitor: Monitor) -> str:
    if monitor.storage.kind == "file":
        return f"{monitor.storage.path} (file)"
    return f"slotmem {SLOTMEM_NAME}, {monitor.storage.slotmem.num} slots"


def status_hook(httpd, request, flags: int) -> str:
    monitor = httpd.extensions.get("heartmonitor")
    if monitor is None:
        return ""
    now = time.time()
    rows = _rows(monitor, now)
    if flags & 1:
        lines = [f"HeartbeatServers: {len(rows)}"]
        for index, (ip, port, ready, busy, age) in enumerate(rows):
            lines += [f"HeartbeatServer[{index}]IP: {ip}", f"HeartbeatServer[{index}]Port: {port}",
                      f"HeartbeatServer[{index}]Ready: {ready}",
                      f"HeartbeatServer[{index}]Busy: {busy}",
                      f"HeartbeatServer[{index}]LastSeen: {age}"]
        return "".join(line + "\n" for line in lines)
    from heartmonitor.modules.mod_status import escape_html

    listener = monitor.listener
    where = (f"listening on {listener.address[0]}:{listener.address[1]}"
             if listener is not None else "not listening")
    out = [f"<hr /><h2>Heartbeats</h2>\n<p>{len(rows)} servers, {where}, storage "
           f"{escape_html(_storage_text(monitor))}</p>\n"
           "<table border=\"0\"><tr><th>Server</th><th>Port</th><th>Ready</th><th>Busy</th>"
           "<th>Seen (s ago)</th><th>State</th></tr>\n"]
    for ip, port, ready, busy, age in rows:
        state = "fresh" if age <= SEEN_TIMEOUT else "stale"
        out.append(f"<tr><td>{escape_html(ip)}</td><td>{port}</td><td>{ready}</td>"
                   f"<td>{busy}</td><td>{age}</td><td>{state}</td></tr>\n")
    out.append("</table>\n")
    return "".join(out)


def status_json(httpd, now: float) -> dict:
    monitor = httpd.extensions.get("heartmonitor")
    if monitor is None:
        return {}
    listener = monitor.listener
    return {"Heartbeat": {
        "Listen": f"{listener.address[0]}:{listener.address[1]}" if listener else None,
        "Storage": _storage_text(monitor),
        "Servers": [{"IP": ip, "Port": port, "Ready": ready, "Busy": busy, "LastSeen": age,
                     "Fresh": age <= SEEN_TIMEOUT}
                    for ip, port, ready, busy, age in _rows(monitor, now)],
    }}


def status_metrics(httpd, now: float) -> list[str]:
    monitor = httpd.extensions.get("heartmonitor")
    if monitor is None:
        return []
    rows = _rows(monitor, now)
    fresh = sum(1 for row in rows if row[4] <= SEEN_TIMEOUT)
    lines = ["# TYPE heartmonitor_servers gauge",
             f'heartmonitor_servers{{state="fresh"}} {fresh}',
             f'heartmonitor_servers{{state="stale"}} {len(rows) - fresh}']
    for name, column in (("ready", 2), ("busy", 3), ("last_seen_seconds", 4)):
        lines.append(f"# TYPE heartmonitor_server_{name} gauge")
        for row in rows:
            lines.append(f'heartmonitor_server_{name}{{ip="{row[0]}",port="{row[1]}"}} '
                         f"{row[column]}")
    if monitor.listener is not None:
        counters = monitor.listener.counters
        lines += ["# TYPE heartmonitor_packets_total counter",
                  f'heartmonitor_packets_total{{result="ok"}} {counters.accepted}',
                  f'heartmonitor_packets_total{{result="malformed"}} {counters.malformed}']
    storage = monitor.storage
    lines += ["# TYPE heartmonitor_storage_writes_total counter",
              f'heartmonitor_storage_writes_total{{backend="{storage.kind}",result="ok"}} '
              f"{storage.writes}",
              f'heartmonitor_storage_writes_total{{backend="{storage.kind}",result="error"}} '
              f"{storage.errors}"]
    return lines
