"""mod_status: the server-status handler, the HTML page and ?auto exactly as httpd 2.4.

heartmonitor adds two machine formats beside ?auto: ?json (the same fields as an
object) and ?metrics (Prometheus text, apache_exporter's names). Modules add content
through the status_hook (HTML and ?auto, as in httpd), status_json and status_metrics
hooks; mod_heartmonitor uses them for its table of servers.
"""

from __future__ import annotations

import os
import time

# collections.abc's own module, loaded with os: collections.abc would import
# collections as well (-t start-up)
from _collections_abc import AsyncIterable, Awaitable
from operator import attrgetter

from heartmonitor import HTTPD_VERSION, SERVER_BUILT
from heartmonitor.apr.snprintf import format_g
from heartmonitor.constants import DECLINED, M_GET
from heartmonitor.cstr import atoi
from heartmonitor.module import LAST, MIDDLE, Hook, Module
from heartmonitor.remembered import remembered
from heartmonitor.turns import yield_to_loop

STATUS_MAGIC_TYPE = "application/x-httpd-status"
DEFAULT_TIME_FORMAT = "%A, %d-%b-%Y %H:%M:%S %Z"
# httpd 2.4's DOCTYPE_HTML_3_2 is, despite its name, HTML 4.01 strict.
DOCTYPE_HTML_3_2 = ('<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN" '
                    '"http://www.w3.org/TR/html4/strict.dtd">\n')
AP_STATUS_SHORT, AP_STATUS_NOTABLE, AP_STATUS_EXTENDED = 1, 2, 4
KBYTE, MBYTE, GBYTE = 1024, 1048576, 1073741824
STATUS_MAXLINE = 64

SCOREBOARD_KEY = (
    "<p>Scoreboard Key:<br />\n"
    "\"<b><code>_</code></b>\" Waiting for Connection, \n"
    "\"<b><code>S</code></b>\" Starting up, \n"
    "\"<b><code>R</code></b>\" Reading Request,<br />\n"
    "\"<b><code>W</code></b>\" Sending Reply, \n"
    "\"<b><code>K</code></b>\" Keepalive (read), \n"
    "\"<b><code>D</code></b>\" DNS Lookup,<br />\n"
    "\"<b><code>C</code></b>\" Closing connection, \n"
    "\"<b><code>L</code></b>\" Logging, \n"
    "\"<b><code>G</code></b>\" Gracefully finishing,<br /> \n"
    "\"<b><code>I</code></b>\" Idle cleanup of worker, \n"
    "\"<b><code>.</code></b>\" Open slot with no current process<br />\n"
    "</p>\n"
)
TABLE_KEY = (
    "</table>\n <hr /> <table>\n "
    "<tr><th>Srv</th><td>Child Server number - generation</td></tr>\n "
    "<tr><th>PID</th><td>OS process ID</td></tr>\n "
    "<tr><th>Acc</th><td>Number of accesses this connection / this child / this slot</td>"
    "</tr>\n "
    "<tr><th>M</th><td>Mode of operation</td></tr>\n"
    "<tr><th>CPU</th><td>CPU usage, number of seconds</td></tr>\n"
    "<tr><th>SS</th><td>Seconds since beginning of most recent request</td></tr>\n "
    "<tr><th>Req</th><td>Milliseconds required to process most recent request</td></tr>\n "
    "<tr><th>Dur</th><td>Sum of milliseconds required to process all requests</td></tr>\n "
    "<tr><th>Conn</th><td>Kilobytes transferred this connection</td></tr>\n "
    "<tr><th>Child</th><td>Megabytes transferred this child</td></tr>\n "
    "<tr><th>Slot</th><td>Total megabytes transferred this slot</td></tr>\n "
    "</table>\n"
)
MODE_NAMES = {2: "_", 1: "<b>S</b>", 3: "<b>R</b>", 4: "<b>W</b>", 5: "<b>K</b>",
              6: "<b>L</b>", 7: "<b>D</b>", 8: "<b>C</b>", 0: ".", 9: "G", 10: "I"}


@remembered(maxsize=1024)
def c_g(value: float, precision: int = 6) -> str:
    """apr_snprintf's %g (".125", not "0.125"); figures repeat between scrapes."""
    return format_g(value, precision)


def format_byte_out(size: float) -> str:
    if size < 5 * KBYTE:
        return f"{int(size)} B"
    if size < MBYTE / 2:
        return f"{size / KBYTE:.1f} kB"
    if size < GBYTE / 2:
        return f"{size / MBYTE:.1f} MB"
    return f"{size / GBYTE:.1f} GB"


def format_kbyte_out(kbytes: int) -> str:
    if kbytes < KBYTE:
        return f"{int(kbytes)} kB"
    if kbytes < MBYTE:
        return f"{kbytes / KBYTE:.1f} MB"
    return f"{kbytes / MBYTE:.1f} GB"


def show_time(seconds: int) -> str:
    secs = seconds % 60
    seconds //= 60
    mins = seconds % 60
    seconds //= 60
    hrs = seconds % 24
    days = seconds // 24
    out = ""
    for value, unit in ((days, "day"), (hrs, "hour"), (mins, "minute"), (secs, "second")):
        if value:
            out += f" {value} {unit}{'' if value == 1 else 's'}"
    return out


def escape_html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace(
        '"', "&quot;")


class Figures:
    """What one status request reports, gathered once."""

    def __init__(self, httpd, request) -> None:
        # Lazy: psutil is needed by status requests only, never by -t.
        import psutil

        self.now = time.time()
        scoreboard = httpd.extensions["scoreboard"]
        self.scoreboard = scoreboard
        self.extended = httpd.extensions.get("extended_status", True)
        self.restart_time = scoreboard.restart_time
        self.up_time = int(self.now - self.restart_time)
        self.load = os.getloadavg()
        ready, busy = scoreboard.counts()
        self.idle, self.busy, self.graceful = ready, busy, 0
        workers = scoreboard.workers
        self.count = sum(map(_ACCESS_COUNT, workers))
        total_bytes = sum(map(_BYTES_SERVED, workers))
        self.kbcount = total_bytes >> 10
        self.duration_ms = int(sum(map(_DURATION, workers)) * 1000)
        times = _cpu_times(psutil, self.now)
        self.cpu = tuple(round(t, 2) for t in (times.user, times.system,
                                                   times.children_user,
                                                   times.children_system))
        # ap_get_server_name with UseCanonicalName Off: the Host the client asked for.
        self.server_name = request.hostname or httpd.server_conf.server_hostname or ""
        self.config_generation = httpd.config_generation
        self.mpm_generation = scoreboard.generation
        self.connections = scoreboard.connections
        self.keep_alive = scoreboard.keep_alive


# Every slot is read for each status request: C-level iteration, not a Python loop.
def _server_description(httpd) -> str:
    # Here, not at the top: the signature imports html, which -t would pay for.
    from heartmonitor.http.signature import server_description

    return server_description(httpd)


_ACCESS_COUNT = attrgetter("access_count")
_BYTES_SERVED = attrgetter("bytes_served")
_DURATION = attrgetter("duration")

_cpu_cache: list = [0.0, None, None]  # when read, psutil.Process, its cpu_times


def _cpu_times(psutil, now: float):
    """The process's CPU times, read at most once a second (a scrape storm stays cheap)."""
    if _cpu_cache[1] is None or _cpu_cache[1].pid != os.getpid():
        _cpu_cache[1] = psutil.Process()
        _cpu_cache[0] = 0.0
    if now - _cpu_cache[0] >= 1.0:
        _cpu_cache[0] = now
        _cpu_cache[2] = _cpu_cache[1].cpu_times()
    return _cpu_cache[2]


def ht_time(moment: float) -> str:
    return _ht_time(int(moment))


@remembered(maxsize=8)
def _ht_time(second: int) -> str:
    """The time of a whole second (a scrape storm asks for the same few)."""
    return time.strftime(DEFAULT_TIME_FORMAT, time.localtime(second))


# A page in pieces: strings, and async iterables of strings that a status hook formats
# as the page is sent (a large table is never held as text).
Piece = str | AsyncIterable[str]


class JsonText:
    """A JSON array a status_json hook writes, as json.dumps(indent=2) writes it where
    the array sits (`depth` levels deep): a large table is formatted in slices, as the
    page is sent, instead of in one json.dumps call that would hold the event loop.
    `count`: how many elements, when pieces is an async iterable."""

    def __init__(self, pieces: list[str] | AsyncIterable[str], depth: int,
                 count: int | None = None) -> None:
        self.pieces = pieces  # the elements, indented, joined by ",\n", in pieces
        self.depth = depth
        self.empty = count == 0 if count is not None else not pieces


def dumps_in_pieces(report: dict) -> list[Piece]:
    """json.dumps(report, indent=2) + "\n" in pieces, JsonText values spliced in."""
    spliced: list[JsonText] = []

    def placeholder(value):
        if isinstance(value, JsonText):
            spliced.append(value)
            return f"\0{len(spliced) - 1}\0"
        raise TypeError(f"{type(value).__name__} is not JSON serializable")

    import json  # here: -t of a configuration never renders a status page

    rest = json.dumps(report, indent=2, default=placeholder) + "\n"
    pieces: list[Piece] = []
    for number, value in enumerate(spliced):
        before, _mark, rest = rest.partition(f'"\\u0000{number}\\u0000"')
        if value.empty:
            pieces.append(before + "[]")
            continue
        pieces.append(before + "[\n")
        if isinstance(value.pieces, list):
            pieces.extend(value.pieces)
        else:
            pieces.append(value.pieces)
        pieces.append(f"\n{'  ' * value.depth}]")
    pieces.append(rest)
    return pieces


WRITE_PIECE = 1 << 16


async def strings(pieces: list[Piece]):
    """Each piece's text in turn, formatting the pieces that hooks format lazily."""
    for piece in pieces:
        if isinstance(piece, str):
            yield piece
        else:
            async for text in piece:
                yield text


async def page_text(pieces: list[Piece]) -> str:
    """The whole text of pieces (tests and small pages)."""
    return "".join([text async for text in strings(pieces)])


async def write_pieces(request, pieces: list[Piece]) -> None:
    """The pieces encoded and added to the response, about WRITE_PIECE characters per turn
    of the loop, each WRITE_PIECE sent before the next is formatted: a large table's
    page is written in many turns, as fast as the client reads it, and never held whole."""
    pending: list[str] = []
    size = 0
    async for piece in strings(pieces):
        pending.append(piece)
        size += len(piece)
        if size >= WRITE_PIECE:
            request.write("".join(pending))
            pending, size = [], 0
            await request.flush()
            await yield_to_loop()
    if pending:
        request.write("".join(pending))


async def _hook_result(result):
    # inspect.isawaitable, without importing inspect on -t
    return await result if isinstance(result, Awaitable) else result


def status_handler(httpd, request):
    """The handler hook: DECLINED at once, or the coroutine that writes the page."""
    if request.handler not in (STATUS_MAGIC_TYPE, "server-status"):
        return DECLINED
    if request.method_number != M_GET:
        return DECLINED
    return _serve_status(httpd, request)


async def _serve_status(httpd, request) -> int:
    args = request.args or ""
    figures = Figures(httpd, request)
    if "auto" in args:
        request.set_content_type("text/plain; charset=ISO-8859-1")
        await write_pieces(request, await render_auto(httpd, request, figures))
    elif "json" in args:
        request.set_content_type("application/json")
        await write_pieces(request, dumps_in_pieces(await render_json(httpd, request, figures)))
    elif "metrics" in args:
        request.set_content_type("text/plain; version=0.0.4; charset=utf-8")
        await write_pieces(request, await render_metrics(httpd, request, figures))
    else:
        request.set_content_type("text/html; charset=ISO-8859-1")
        refresh = args.find("refresh")
        if refresh >= 0:
            value = 0
            if args[refresh + 7 : refresh + 8] == "=":
                value = atoi(args[refresh + 8 :])
            request.headers_out.append(("Refresh", str(value if value >= 1 else 10)))
        await write_pieces(request, await render_html(httpd, request, figures, "notable" in args))
    return 0


def _flags(figures: Figures, short: bool, notable: bool) -> int:
    return ((AP_STATUS_SHORT if short else 0) | (AP_STATUS_NOTABLE if notable else 0)
            | (AP_STATUS_EXTENDED if figures.extended else 0))


async def _run_status_hooks(httpd, request, flags: int) -> list[Piece]:
    """What the status_hook functions add: each returns a string or a list of pieces."""
    pieces: list[Piece] = []
    for hook in httpd.hooks("status_hook"):
        added = await _hook_result(hook.function(httpd, request, flags)) or ""
        pieces.extend([added] if isinstance(added, str) else added)
    return pieces


async def render_auto(httpd, request, f: Figures) -> list[Piece]:
    tick = 100
    gu, gs, gcu, gcs = f.cpu
    lines = [
        f.server_name,
        f"ServerVersion: {_server_description(httpd)}",
        "ServerMPM: event",
        f"Server Built: {SERVER_BUILT}",
        f"CurrentTime: {ht_time(f.now)}",
        f"RestartTime: {ht_time(f.restart_time)}",
        f"ParentServerConfigGeneration: {f.config_generation}",
        f"ParentServerMPMGeneration: {f.mpm_generation}",
        f"ServerUptimeSeconds: {f.up_time}",
        f"ServerUptime:{show_time(f.up_time)}",
        f"Load1: {f.load[0]:.2f}\nLoad5: {f.load[1]:.2f}\nLoad15: {f.load[2]:.2f}",
    ]
    if f.extended:
        lines += [f"Total Accesses: {f.count}", f"Total kBytes: {f.kbcount}",
                  f"Total Duration: {f.duration_ms}",
                  f"CPUUser: {c_g(gu)}", f"CPUSystem: {c_g(gs)}",
                  f"CPUChildrenUser: {c_g(gcu)}", f"CPUChildrenSystem: {c_g(gcs)}"]
        cpu = round((gu + gs + gcu + gcs) * tick)
        if cpu and f.up_time:
            lines.append(f"CPULoad: {c_g(cpu / tick / f.up_time * 100.0)}")
        lines.append(f"Uptime: {f.up_time}")
        if f.up_time > 0:
            lines.append(f"ReqPerSec: {c_g(_f32(f.count / f.up_time))}")
            lines.append(f"BytesPerSec: {c_g(_f32(KBYTE * f.kbcount / f.up_time))}")
        if f.count > 0:
            lines.append(f"BytesPerReq: {c_g(_f32(KBYTE * f.kbcount / f.count))}")
            lines.append(f"DurationPerReq: {c_g(_f32(f.duration_ms / f.count))}")
    lines += [f"BusyWorkers: {f.busy}", f"GracefulWorkers: {f.graceful}",
              f"IdleWorkers: {f.idle}", "Processes: 1", "Stopping: 0",
              f"ConnsTotal: {f.connections}", "ConnsAsyncWaitIO: 0", "ConnsAsyncWriting: 0",
              f"ConnsAsyncKeepAlive: {f.keep_alive}", "ConnsAsyncClosing: 0",
              f"Scoreboard: {f.scoreboard.flags()}"]
    text = "\n".join(lines) + "\n"
    return [text, *await _run_status_hooks(httpd, request, _flags(f, True, False))]


def _f32(value: float) -> float:
    """The C code divides floats: round through single precision like it."""
    import struct  # here: -t of a configuration never renders a status page

    return struct.unpack("f", struct.pack("f", value))[0]


async def render_html(httpd, request, f: Figures, notable: bool) -> list[Piece]:
    gu, gs, gcu, gcs = f.cpu
    out = [
        DOCTYPE_HTML_3_2, "<html><head>\n<title>Apache Status</title>\n</head><body>\n",
        f"<h1>Apache Server Status for {escape_html(f.server_name)} "
        f"(via {request.local_ip})</h1>\n\n",
        f"<dl><dt>Server Version: {_server_description(httpd)}</dt>\n",
        "<dt>Server MPM: event</dt>\n",
        f"<dt>Server Built: {SERVER_BUILT}\n</dt></dl><hr /><dl>\n",
        f"<dt>Current Time: {ht_time(f.now)}</dt>\n",
        f"<dt>Restart Time: {ht_time(f.restart_time)}</dt>\n",
        f"<dt>Parent Server Config. Generation: {f.config_generation}</dt>\n",
        f"<dt>Parent Server MPM Generation: {f.mpm_generation}</dt>\n",
        f"<dt>Server uptime: {show_time(f.up_time)}</dt>\n",
        f"<dt>Server load: {f.load[0]:.2f} {f.load[1]:.2f} {f.load[2]:.2f}</dt>\n",
    ]
    if f.extended:
        out.append(f"<dt>Total accesses: {f.count} - Total Traffic: "
                   f"{format_kbyte_out(f.kbcount)} - Total Duration: {f.duration_ms}</dt>\n")
        out.append(f"<dt>CPU Usage: u{c_g(gu)} s{c_g(gs)} cu{c_g(gcu)} cs{c_g(gcs)}")
        cpu = gu + gs + gcu + gcs
        if cpu and f.up_time:
            out.append(f" - {c_g(cpu / f.up_time * 100.0, 3)}% CPU load</dt>\n")
        else:
            out.append("</dt>\n")
        out.append("<dt>")
        if f.up_time > 0:
            out.append(f"{c_g(_f32(f.count / f.up_time), 3)} requests/sec - "
                       f"{format_byte_out(int(_f32(KBYTE * f.kbcount / f.up_time)))}/second")
        if f.count > 0:
            if f.up_time > 0:
                out.append(" - ")
            out.append(f"{format_byte_out(int(_f32(KBYTE * f.kbcount / f.count)))}/request - "
                       f"{c_g(_f32(f.duration_ms / f.count))} ms/request")
        out.append("</dt>\n")
    out.append(f"<dt>{f.busy} requests currently being processed, {f.graceful} workers "
               f"gracefully restarting, {f.idle} idle workers</dt>\n")
    out.append("</dl>")
    out.append(
        "\n\n<table rules=\"all\" cellpadding=\"1%\">\n"
        "<tr><th rowspan=\"2\">Slot</th><th rowspan=\"2\">PID</th>"
        "<th rowspan=\"2\">Stopping</th><th colspan=\"2\">Connections</th>\n"
        "<th colspan=\"3\">Threads</th><th colspan=\"4\">Async connections</th></tr>\n"
        "<tr><th>total</th><th>accepting</th><th>busy</th><th>graceful</th><th>idle</th>"
        "<th>wait-io</th><th>writing</th><th>keep-alive</th><th>closing</th></tr>\n")
    pid = f.scoreboard.pid
    out.append(f"<tr><td>0</td><td>{pid}</td><td>no</td><td>{f.connections}</td><td>yes</td>"
               f"<td>{f.busy}</td><td>0</td><td>{f.idle}</td><td>0</td><td>0</td>"
               f"<td>{f.keep_alive}</td><td>0</td></tr>\n")
    out.append(f"<tr><td>Sum</td><td>1</td><td>0</td><td>{f.connections}</td><td>&nbsp;</td>"
               f"<td>{f.busy}</td><td>0</td><td>{f.idle}</td><td>0</td><td>0</td>"
               f"<td>{f.keep_alive}</td><td>0</td></tr>\n</table>\n")
    out.append("<pre>")
    for index, flag in enumerate(f.scoreboard.flags()):
        out.append(flag)
        if index % STATUS_MAXLINE == STATUS_MAXLINE - 1:
            out.append("\n")
    out.append("</pre>\n" + SCOREBOARD_KEY)
    if not f.extended:
        out.append(_pid_key(f))
        out.append("<hr />To obtain a full report with current status information you need "
                   "to use the <code>ExtendedStatus On</code> directive.\n")
    else:
        out.append(_worker_table(f, notable))
    hooks = await _run_status_hooks(httpd, request, _flags(f, False, notable))
    # Here, not at the top: the signature imports html, which -t would pay for.
    from heartmonitor.http.signature import psignature

    return ["".join(out), *hooks, psignature("<hr />\n", request) + "</body></html>\n"]


def _pid_key(f: Figures) -> str:
    out = ["PID Key: <br />\n<pre>\n"]
    k = 0
    for flag in f.scoreboard.flags():
        if flag == ".":
            continue
        out.append(f"   {f.scoreboard.pid} in state: {flag} ")
        k += 1
        if k >= 3:
            out.append("\n")
            k = 0
        else:
            out.append(",")
    out.append("\n</pre>\n")
    return "".join(out)


def _worker_table(f: Figures, notable: bool) -> str:
    out = []
    if notable:
        out.append("<hr /><h2>Server Details</h2>\n\n")
    else:
        out.append("\n\n<table border=\"0\"><tr><th>Srv</th><th>PID</th><th>Acc</th>"
                   "<th>M</th><th>CPU\n</th><th>SS</th><th>Req</th><th>Dur</th>"
                   "<th>Conn</th><th>Child</th><th>Slot</th><th>Client</th>"
                   "<th>Protocol</th><th>VHost</th><th>Request</th></tr>\n\n")
    pid = f.scoreboard.pid
    for worker in f.scoreboard.workers:
        if worker.access_count == 0 and worker.status in (0, 2):
            continue
        req_ms = max(int((worker.stop_time - worker.start_time) * 1000), 0)
        if worker.start_time == 0:
            req_ms = 0
        ss = int(f.now - worker.last_used) if worker.last_used else int(f.now)
        dur = int(worker.duration * 1000)
        acc = f"{worker.conn_count}/{worker.my_access_count}/{worker.access_count}"
        if notable:
            out.append(f"<b>Server 0-{f.mpm_generation}</b> ({pid}): "
                       f"{acc.replace('/', '|')} [{_state_word(worker.status)}] "
                       f"u0 s0 cu0 cs0\n {ss} {req_ms} {dur}("
                       f"{format_byte_out(worker.conn_bytes)}|"
                       f"{format_byte_out(worker.my_bytes_served)}|"
                       f"{format_byte_out(worker.bytes_served)})\n"
                       f" <i>{escape_html(worker.client)} {{{escape_html(worker.request)}}}"
                       f"</i> <i>({escape_html(worker.protocol)})</i> "
                       f"<b>[{escape_html(worker.vhost)}]</b><br />\n\n")
            continue
        out.append(
            f"<tr><td><b>0-{f.mpm_generation}</b></td><td>{pid}</td><td>{acc}"
            f"</td><td>{MODE_NAMES.get(worker.status, '?')}\n</td><td>0.00</td>"
            f"<td>{ss}</td><td>{req_ms}</td><td>{dur}"
            f"</td><td>{worker.conn_bytes / KBYTE:<1.1f}</td>"
            f"<td>{worker.my_bytes_served / MBYTE:<2.2f}</td>"
            f"<td>{worker.bytes_served / MBYTE:<2.2f}\n"
            f"</td><td>{escape_html(worker.client)}</td><td>{escape_html(worker.protocol)}"
            f"</td><td nowrap>{escape_html(worker.vhost)}</td>"
            f"<td nowrap>{escape_html(worker.request)}</td></tr>\n\n")
    if not notable:
        out.append(TABLE_KEY)
    return "".join(out)


def _state_word(status: int) -> str:
    return {2: "Ready", 1: "Starting", 3: "<b>Read</b>", 4: "<b>Write</b>",
            5: "<b>Keepalive</b>", 6: "<b>Logging</b>", 7: "<b>DNS lookup</b>",
            8: "<b>Closing</b>", 0: "Dead", 9: "Graceful", 10: "Dying"}.get(status, "?STATE?")


async def render_json(httpd, request, f: Figures) -> dict:
    report = {
        "ServerName": f.server_name, "ServerVersion": _server_description(httpd),
        "ServerMPM": "event",
        "ServerBuilt": SERVER_BUILT, "CurrentTime": ht_time(f.now),
        "RestartTime": ht_time(f.restart_time),
        "ParentServerConfigGeneration": f.config_generation,
        "ParentServerMPMGeneration": f.mpm_generation, "ServerUptimeSeconds": f.up_time,
        "Load1": round(f.load[0], 2), "Load5": round(f.load[1], 2),
        "Load15": round(f.load[2], 2),
    }
    if f.extended:
        report.update({
            "TotalAccesses": f.count, "TotalkBytes": f.kbcount,
            "TotalDuration": f.duration_ms, "CPUUser": f.cpu[0], "CPUSystem": f.cpu[1],
            "CPUChildrenUser": f.cpu[2], "CPUChildrenSystem": f.cpu[3],
        })
    report.update({
        "BusyWorkers": f.busy, "GracefulWorkers": f.graceful, "IdleWorkers": f.idle,
        "Processes": 1, "Stopping": 0, "ConnsTotal": f.connections,
        "ConnsAsyncKeepAlive": f.keep_alive, "Scoreboard": f.scoreboard.flags(),
    })
    for hook in httpd.hooks("status_json"):
        report.update(await _hook_result(hook.function(httpd, request, f.now)) or {})
    return report


async def render_metrics(httpd, request, f: Figures) -> list[Piece]:
    major, minor, patch = (int(x) for x in HTTPD_VERSION.split("."))
    flags = f.scoreboard.flags()
    states = {"idle": "_", "startup": "S", "read": "R", "reply": "W", "keepalive": "K",
              "dns": "D", "closing": "C", "logging": "L", "graceful_stop": "G",
              "idle_cleanup": "I", "open_slot": "."}
    lines: list[Piece] = [
        "# TYPE apache_up gauge", "apache_up 1",
        "# TYPE apache_version gauge",
        f"apache_version {major + minor / 100 + patch / 100000:.5f}",
        "# TYPE apache_info gauge",
        f'apache_info{{mpm="event",version="Apache/{HTTPD_VERSION}"}} 1',
        "# TYPE apache_generation gauge",
        f'apache_generation{{type="config"}} {f.config_generation}',
        f'apache_generation{{type="mpm"}} {f.mpm_generation}',
        "# TYPE apache_load gauge",
        f'apache_load{{interval="1min"}} {f.load[0]:.2f}',
        f'apache_load{{interval="5min"}} {f.load[1]:.2f}',
        f'apache_load{{interval="15min"}} {f.load[2]:.2f}',
        "# TYPE apache_accesses_total counter", f"apache_accesses_total {f.count}",
        "# TYPE apache_sent_kilobytes_total counter",
        f"apache_sent_kilobytes_total {f.kbcount}",
        "# TYPE apache_duration_ms_total counter", f"apache_duration_ms_total {f.duration_ms}",
        "# TYPE apache_cpu_time_ms_total counter",
        f'apache_cpu_time_ms_total{{type="user"}} {round((f.cpu[0] + f.cpu[2]) * 1000)}',
        f'apache_cpu_time_ms_total{{type="system"}} {round((f.cpu[1] + f.cpu[3]) * 1000)}',
        "# TYPE apache_uptime_seconds_total counter",
        f"apache_uptime_seconds_total {f.up_time}",
        "# TYPE apache_workers gauge",
        f'apache_workers{{state="busy"}} {f.busy}', f'apache_workers{{state="idle"}} {f.idle}',
        "# TYPE apache_processes gauge",
        'apache_processes{state="all"} 1', 'apache_processes{state="stopping"} 0',
        "# TYPE apache_connections gauge",
        f'apache_connections{{state="total"}} {f.connections}',
        'apache_connections{state="writing"} 0',
        f'apache_connections{{state="keepalive"}} {f.keep_alive}',
        'apache_connections{state="closing"} 0',
        "# TYPE apache_scoreboard gauge",
    ]
    for state, flag in states.items():
        lines.append(f'apache_scoreboard{{state="{state}"}} {flags.count(flag)}')
    for hook in httpd.hooks("status_metrics"):
        lines.extend(await _hook_result(hook.function(httpd, request, f.now)) or [])
    # A hook's item of many lines ends with its newline already (an item formatted as
    # the page is sent too): it is not copied again.
    return [line + "\n" if isinstance(line, str) and not line.endswith("\n") else line
            for line in lines]


def pre_config(httpd) -> None:
    """mod_status turns ExtendedStatus on unless the configuration says otherwise."""
    httpd.extensions.setdefault("extended_status", True)


MODULE = Module(
    "status_module",
    "mod_status.c",
    hooks={
        "pre_config": Hook(pre_config, LAST),
        "handler": Hook(status_handler, MIDDLE),
    },
)
