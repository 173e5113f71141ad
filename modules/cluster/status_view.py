"""mod_heartmonitor's parts of server-status: the HTML table, ?auto lines, ?json, ?metrics.

By default only fresh servers (heard within `expire` seconds) are listed, with a count
of the stale ones; `?all` lists every server the table still holds. Rows are gathered,
sorted and formatted ROWS_PER_TURN at a time (sorted runs merged lazily), so a table of
300,000 servers never holds the event loop for more than a few milliseconds at a time;
the rows are formatted as the page is sent, so its text is never held whole.

A page's row snapshot is let go as it is sent; what a page cut short (a closed
connection, a restart) still holds is freed a slice per turn (slices.let_go), not all
at once. Slices are tuples of rows that share the table's address text: the cyclic
collector stops walking them after one young collection (a tuple of numbers and text,
and a tuple of such tuples, are untracked), so a full collection during a page walks
a few hundred slices, not 300,000 rows.
"""

from __future__ import annotations

import gc
import heapq
import itertools
import time
from collections.abc import AsyncIterator, Callable, Iterator
from json.encoder import encode_basestring_ascii as json_string

from heartmonitor.apr.sockaddr import show_address
from heartmonitor.cstr import as_unsigned32
from heartmonitor.modules.mod_status import JsonText, Piece, escape_html

from .slices import let_go, yield_to_loop
from .table import out_of_sight

# ip, port, ready, busy, seconds since last heard, state; fresh servers are shown as
# published (publish.py): their state is fresh, warming, draining or down
Row = tuple[str, int, int, int, int, str]
SHOWN_STATE = {"up": "fresh", "warming": "warming", "draining": "draining", "down": "down"}
# Rows gathered or formatted per turn of the loop: 1,000 take 1-3 ms on a slow machine.
ROWS_PER_TURN = 1000


class Rows:
    """The servers a status page lists, in IP order and in slices of at most ROWS_PER_TURN
    rows, and how many servers are fresh and stale."""

    def __init__(self, chunks: list[tuple[Row, ...]], fresh: int, stale: int,
                 everything: bool) -> None:
        self.chunks = chunks
        self.count = sum(len(chunk) for chunk in chunks)
        self.fresh = fresh
        self.stale = stale
        self.everything = everything
        self.marked: list[Row] = []  # rows a knob changed (warming, draining, down)

    def __del__(self) -> None:
        # A page cut short: the slices it did not send are freed a few per turn.
        let_go(self.chunks)


def wants_all(request) -> bool:
    return "all" in (request.args or "").replace(";", "&").split("&")


def ip_slices(servers: dict) -> Iterator[list[str]]:
    """The table's IPs as they are now, ROWS_PER_TURN at a time, sliced from one list that
    the collector never walks (table.addresses) and that is freed in slices."""
    addresses = list(servers)
    out_of_sight(addresses)
    try:
        for start in range(0, len(addresses), ROWS_PER_TURN):
            yield addresses[start : start + ROWS_PER_TURN]
    finally:  # read to the end, or the page was cut short
        let_go([addresses])


async def gather(monitor, now: float, everything: bool) -> Rows:
    expire = monitor.table.expire
    table = monitor.table.servers
    publisher = getattr(monitor, "publisher", None)
    publish = publisher if publisher is not None and publisher.active else None
    runs: list[tuple[Row, ...]] = []
    chunks: list[tuple[Row, ...]] = []
    try:
        fresh, total, marked = await _read_runs(table, now, expire, everything, publish, runs)
        merged = heapq.merge(*runs)
        while True:
            await yield_to_loop()
            chunk = tuple(itertools.islice(merged, ROWS_PER_TURN))
            if not chunk:
                break
            # Its rows were untracked as they were read, but the tuple holding them is
            # young until a collection comes: a full one (a restart's) would walk every
            # row of every chunk of a page in progress (270,000 at 300,000 servers).
            out_of_sight(chunk)
            chunks.append(chunk)
    except BaseException:  # cancelled (a restart, a closed connection): free in slices
        let_go(runs)
        let_go(chunks)
        raise
    let_go(runs)  # their rows live on in chunks: only the runs' own references go
    rows = Rows(chunks, fresh, total - fresh, everything)
    rows.marked = sorted(marked)
    return rows


async def _read_runs(table: dict, now: float, expire: int, everything: bool, publish,
                     runs: list[tuple[Row, ...]]) -> tuple[int, int, list[Row]]:
    """The table read ROWS_PER_TURN servers a turn into sorted runs (appended to runs):
    (fresh, total, rows a knob changed)."""
    marked: list[Row] = []
    fresh = total = 0
    mask = 0xFFFFFFFF  # as_unsigned32, inline: this runs for every server of the page
    for ips in ip_slices(table):
        await yield_to_loop()
        run: list[Row] = []
        append = run.append
        for address in ips:
            server = table.get(address)
            if server is None:  # gone since the page began
                continue
            ip = server.ip  # the table's text, not the copy: rows cost a tuple each
            total += 1
            age = int(now - server.seen)  # server.age(now), not below 0
            if age < 0:
                age = 0
            if age > expire:
                if not everything:
                    continue
                state = "stale"
            elif publish is not None:
                fresh += 1
                shown = publish(server, now)
                row = (server.ip, as_unsigned32(server.port), as_unsigned32(shown.ready),
                       as_unsigned32(shown.busy), max(shown.lastseen(now), 0),
                       SHOWN_STATE[shown.state])
                run.append(row)
                if shown.state != "up":
                    marked.append(row)
                continue
            else:
                fresh += 1
                state = "fresh"
            append((ip, server.port & mask, server.ready & mask, server.busy & mask, age,
                    state))
        run.sort()
        runs.append(tuple(run))
        # Python starts a young collection when allocations outnumber frees by 700; a
        # page freeing its sent rows (or an earlier page's) as this one gathers keeps
        # that count at 0, and young rows piled up by the 10,000 until one collection
        # walked them all (40-60 ms). Collected here, each slice's rows are untracked
        # (a tuple of numbers and text) for a fraction of a millisecond.
        gc.collect(0)
    return fresh, total, marked


async def joined(rows: Rows, line: Callable[[int, Row], str], keep: bool = False,
                 trim: int = 0) -> AsyncIterator[str]:
    """line(index, row) for every row: one string per slice of rows, formatted when the
    page is sent that far (the text of a large table is never held whole). Unless kept
    for another pass, the rows are let go slice by slice, so that freeing them never
    holds the loop either. trim: characters cut off the end of the last row."""
    start = 0
    chunks = rows.chunks
    last = len(chunks) - 1
    for number, chunk in enumerate(chunks):
        await yield_to_loop()
        text = "".join([line(start + offset, row) for offset, row in enumerate(chunk)])
        start += len(chunk)
        if not keep:
            chunks[number] = ()
        yield text[:-trim] if trim and number == last else text


def _auto_line(index: int, row: Row) -> str:
    ip, port, ready, busy, age, state = row
    # the state only where a knob changed it (it is fresh or stale otherwise)
    shown = "" if state in ("fresh", "stale") else f"HeartbeatServer[{index}]State: {state}\n"
    return (f"HeartbeatServer[{index}]IP: {ip}\nHeartbeatServer[{index}]Port: {port}\n"
            f"HeartbeatServer[{index}]Ready: {ready}\nHeartbeatServer[{index}]Busy: {busy}\n"
            f"HeartbeatServer[{index}]LastSeen: {age}\n{shown}")


async def status_hook(httpd, request, flags: int) -> list[Piece]:
    monitor = httpd.extensions.get("heartmonitor")
    if monitor is None:
        return []
    listed = await gather(monitor, time.time(), wants_all(request))
    if flags & 1:
        head = (f"HeartbeatServers: {listed.count}\n"
                f"HeartbeatServersFresh: {listed.fresh}\n"
                f"HeartbeatServersStale: {listed.stale}\n")
        return [head, joined(listed, _auto_line)]
    listener = monitor.listener
    where = (f"listening on {show_address(*listener.address[:2])}"
             if listener is not None else "not listening")
    hidden = ("" if listed.everything or not listed.stale
              else ' (stale servers are listed on <a href="?all">?all</a>)')

    def html_line(_index: int, row: Row) -> str:
        ip, port, ready, busy, age, state = row
        return (f"<tr><td>{escape_html(ip)}</td><td>{port}</td><td>{ready}</td>"
                f"<td>{busy}</td><td>{age}</td><td>{state}</td></tr>\n")

    head = (f"<hr /><h2>Heartbeats</h2>\n<p>{listed.fresh} fresh and {listed.stale} stale "
            f"servers{hidden}, {where}, storage {escape_html(monitor.storage.describe())}</p>\n"
            "<table border=\"0\"><tr><th>Server</th><th>Port</th><th>Ready</th><th>Busy</th>"
            "<th>Seen (s ago)</th><th>State</th></tr>\n")
    return [head, joined(listed, html_line), "</table>\n"]


async def status_json(httpd, request, now: float) -> dict:
    monitor = httpd.extensions.get("heartmonitor")
    if monitor is None:
        return {}
    listed = await gather(monitor, now, wants_all(request))
    listener = monitor.listener
    pad = "      "  # elements of report["Heartbeat"]["Servers"]

    def element(_index: int, row: Row) -> str:
        ip, port, ready, busy, age, state = row
        fresh = "false" if state == "stale" else "true"
        return (f'{pad}{{\n{pad}  "IP": {json_string(ip)},\n{pad}  "Port": {port},\n'
                f'{pad}  "Ready": {ready},\n{pad}  "Busy": {busy},\n'
                f'{pad}  "LastSeen": {age},\n{pad}  "Fresh": {fresh},\n'
                f'{pad}  "State": "{state}"\n{pad}}},\n')

    pieces = joined(listed, element, trim=2)  # no comma after the last element
    return {"Heartbeat": {
        "Listen": show_address(*listener.address[:2]) if listener else None,
        "Storage": monitor.storage.describe(),
        "Fresh": listed.fresh,
        "Stale": listed.stale,
        "Servers": JsonText(pieces, 2, listed.count),
    }}


def _metric_line(name: str, column: int) -> Callable[[int, Row], str]:
    """One server's line of the heartmonitor_server_NAME gauge (its value in column)."""
    def line(_index: int, row: Row) -> str:
        return f'heartmonitor_server_{name}{{ip="{row[0]}",port="{row[1]}"}} {row[column]}\n'
    return line


async def status_metrics(httpd, request, now: float) -> list[Piece]:
    monitor = httpd.extensions.get("heartmonitor")
    if monitor is None:
        return []
    listed = await gather(monitor, now, wants_all(request))
    lines: list[Piece] = ["# TYPE heartmonitor_servers gauge",
             f'heartmonitor_servers{{state="fresh"}} {listed.fresh}',
             f'heartmonitor_servers{{state="stale"}} {listed.stale}']
    for name, column in (("ready", 2), ("busy", 3), ("last_seen_seconds", 4)):
        lines.append(f"# TYPE heartmonitor_server_{name} gauge")
        # an item of many lines, each ending with its newline
        lines.append(joined(listed, _metric_line(name, column), keep=column != 4))
    lines += _state_metrics(listed)
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




def _state_metrics(listed: Rows) -> list[str]:
    """heartmonitor_server_state for the servers a knob changed (warming, draining,
    down): none at all while no knob is set."""
    if not listed.marked:
        return []
    return ["# TYPE heartmonitor_server_state gauge",
            *(f'heartmonitor_server_state{{ip="{ip}",port="{port}",state="{state}"}} 1'
              for ip, port, _ready, _busy, _age, state in listed.marked)]
