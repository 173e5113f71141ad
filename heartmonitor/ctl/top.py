"""`heartmonitorctl top [URL] [-f BALANCER.conf]`: a live view of a running monitor.

Once a second it reads the monitor's server-status `?json` (every server, `&all`) and
shows each server's ready, busy, lastseen and fresh/stale state; given a balancer's
configuration, also each server's chance of being picked by that balancer (read from
the storage that balancer reads, as `pick` computes it). Keys: i r b l p sort by IP,
ready, busy, lastseen, pick (again: reverse); q quits. A plain curses screen, so it
works over ssh. A monitor that stops answering is reported and retried.
"""

from __future__ import annotations

import curses
import json
import time
import urllib.request
from dataclasses import dataclass

DEFAULT_URL = "http://127.0.0.1:8080/server-status"
SORT_KEYS = {"i": "ip", "r": "ready", "b": "busy", "l": "lastseen", "p": "pick"}


@dataclass
class Row:
    ip: str
    port: int
    ready: int
    busy: int
    lastseen: int
    fresh: bool
    pick: float | None = None
    # fresh or stale, or what a knob publishes: warming, draining, down
    state: str = ""

    @property
    def shown_state(self) -> str:
        return self.state or ("fresh" if self.fresh else "stale")


def fetch(url: str, timeout: float = 2.0) -> list[Row]:
    """The monitor's servers; OSError or ValueError when it does not answer well."""
    separator = "&" if "?" in url else "?"
    with urllib.request.urlopen(f"{url}{separator}json&all", timeout=timeout) as response:
        document = json.loads(response.read())
    servers = (document.get("Heartbeat") or {}).get("Servers") or []
    return [Row(s["IP"], int(s.get("Port", 80)), int(s["Ready"]), int(s["Busy"]),
                int(s["LastSeen"]), bool(s.get("Fresh", True)), state=str(s.get("State", "")))
            for s in servers]


def pick_shares(balancer_conf: str | None) -> dict[str, float]:
    """{ip: chance of being picked} over every heartbeat balancer of that config."""
    if balancer_conf is None:
        return {}
    from urllib.parse import urlsplit

    from .pick import pick_report

    shares: dict[str, float] = {}
    for members in pick_report(balancer_conf)["balancers"].values():
        for url, row in members.items():
            host = urlsplit(url).hostname or ""
            shares[host] = shares.get(host, 0.0) + row["probability"]
    return shares


def balancer_config_refused(balancer_conf: str | None, command: str, err) -> bool:
    """Check a balancer configuration before a command follows it: True (and the reason
    on err) when it cannot be read or has no heartbeat balancer."""
    if balancer_conf is None:
        return False
    from .loadconf import ConfigError

    try:
        pick_shares(balancer_conf)
    except ConfigError as error:
        err.write(error.text)
        return True
    except LookupError as error:
        err.write(f"heartmonitorctl {command}: {error}\n")
        return True
    return False


def sort_rows(rows: list[Row], key: str, reverse: bool) -> list[Row]:
    if key == "ip":
        import ipaddress

        def by_ip(row: Row):
            try:
                return (0, ipaddress.ip_address(row.ip))
            except ValueError:
                return (1, row.ip)

        return sorted(rows, key=by_ip, reverse=reverse)
    return sorted(rows, key=lambda row: (getattr(row, key) or 0, row.ip), reverse=reverse)


def render(rows: list[Row], url: str, key: str, reverse: bool, error: str | None,
           with_pick: bool, width: int, height: int) -> list[str]:
    """The screen as lines (no curses here, so it is tested directly)."""
    fresh = sum(1 for row in rows if row.fresh)
    order = f"{key}{' (reversed)' if reverse else ''}"
    lines = [f"heartmonitor {url}: {len(rows)} servers, {fresh} fresh, {len(rows) - fresh} "
             f"stale; sorted by {order}"]
    if error:
        lines.append(f"monitor not answering: {error}; retrying every second")
    else:
        lines.append("keys: i r b l p sort, q quit")
    wide = max([5, *(len(row.shown_state) for row in rows)])
    header = f"{'IP':<16} {'PORT':>5} {'READY':>7} {'BUSY':>7} {'LASTSEEN':>8} {'STATE':<{wide}}"
    if with_pick:
        header += f" {'PICK':>8}"
    lines.append(header)
    for row in rows[: max(0, height - len(lines))]:
        line = (f"{row.ip:<16} {row.port:>5} {row.ready:>7} {row.busy:>7} {row.lastseen:>8} "
                f"{row.shown_state:<{wide}}")
        if with_pick:
            line += f" {row.pick * 100:7.2f}%" if row.pick is not None else f" {'-':>8}"
        lines.append(line)
    return [line[: max(0, width - 1)] for line in lines]


class View:
    def __init__(self, url: str, balancer_conf: str | None) -> None:
        self.url = url
        self.balancer_conf = balancer_conf
        self.key = "ip"
        self.reverse = False
        self.rows: list[Row] = []
        self.error: str | None = None

    def refresh(self) -> None:
        try:
            rows = fetch(self.url)
        except (OSError, ValueError, KeyError, TypeError) as error:
            reason = getattr(error, "reason", None) or getattr(error, "strerror", None) or error
            self.error = str(reason)
            return
        self.error = None
        from .loadconf import ConfigError

        try:
            shares = pick_shares(self.balancer_conf)
        except (ConfigError, LookupError, OSError) as error:  # the file was edited since
            self.error = f"balancer configuration: {str(error).strip()}"
            shares = {}
        for row in rows:
            row.pick = shares.get(row.ip, 0.0) if self.balancer_conf else None
        self.rows = rows

    def press(self, key: str) -> bool:
        """False to quit."""
        if key in ("q", "Q"):
            return False
        if key in SORT_KEYS:
            wanted = SORT_KEYS[key]
            self.reverse = not self.reverse if wanted == self.key else wanted != "ip"
            self.key = wanted
        return True


def loop(screen, view: View, interval: float) -> None:
    curses.curs_set(0)
    screen.timeout(100)
    next_refresh = 0.0
    while True:
        if time.monotonic() >= next_refresh:
            view.refresh()
            next_refresh = time.monotonic() + interval
            draw(screen, view)
        code = screen.getch()
        if code == -1:
            continue
        if code == curses.KEY_RESIZE:
            draw(screen, view)
            continue
        if not view.press(chr(code) if 0 <= code < 256 else ""):
            return
        draw(screen, view)


def draw(screen, view: View) -> None:
    height, width = screen.getmaxyx()
    lines = render(sort_rows(view.rows, view.key, view.reverse), view.url, view.key,
                   view.reverse, view.error, view.balancer_conf is not None, width, height)
    screen.erase()
    for number, line in enumerate(lines[:height]):
        screen.addstr(number, 0, line, curses.A_BOLD if number == 2 else curses.A_NORMAL)
    screen.refresh()


def run(args, out, err) -> int:
    if balancer_config_refused(args.config, "top", err):
        return 1
    view = View(args.url, args.config)
    try:
        curses.wrapper(loop, view, args.interval)
    except KeyboardInterrupt:
        pass
    except curses.error as error:
        err.write(f"heartmonitorctl top: this terminal cannot show it ({error})\n")
        return 1
    return 0
