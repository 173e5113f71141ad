"""heartmonitorctl top, driven in a real terminal (tmux): rows, sorting, picks, a monitor
that goes away, q."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest

from heartmonitor.ctl.pickmath import pick_range_odds
from heartmonitor.ctl.top import Row, render, sort_rows
from tests.helpers import ROOT, write
from tests.live import PrivateNetwork, heartmonitor_server, send, wait_for
from tests.test_monitor import PORT, monitor_conf

MODDIR = "/usr/lib/apache2/modules"


def test_render_and_sort():
    rows = [Row("127.0.0.10", 80, 5, 1, 0, True, 0.25), Row("127.0.0.9", 8080, 40, 0, 31, False,
                                                          0.0)]
    assert [r.ip for r in sort_rows(rows, "ip", False)] == ["127.0.0.9", "127.0.0.10"]
    assert [r.ip for r in sort_rows(rows, "ready", True)] == ["127.0.0.9", "127.0.0.10"]
    assert render(rows, "http://m/server-status", "ip", False, None, True, 80, 10) == [
        "heartmonitor http://m/server-status: 2 servers, 1 fresh, 1 stale; sorted by ip",
        "keys: i r b l p sort, q quit",
        "IP                PORT   READY    BUSY LASTSEEN STATE     PICK",
        "127.0.0.10          80       5       1        0 fresh   25.00%",
        "127.0.0.9         8080      40       0       31 stale    0.00%",
    ]
    assert render([], "u", "ready", True, "Connection refused", False, 30, 10) == [
        "heartmonitor u: 0 servers, 0 ",
        "monitor not answering: Connec",
        "IP                PORT   READ",
    ]


class Tmux:
    """A detached tmux session running one command in an 100x30 terminal."""

    def __init__(self, name: str, command: list[str]) -> None:
        if shutil.which("tmux") is None:
            if os.environ.get("CI"):
                pytest.fail("tmux is not installed (CI installs it: see .ci/run)")
            pytest.skip("tmux is not installed")
        self.base = ["tmux", "-L", name]
        # The size comes from the terminal: COLUMNS and LINES (pytest-xdist's workers set
        # them to 80x24) would override it for curses.
        env = {key: value for key, value in os.environ.items()
               if key not in ("COLUMNS", "LINES")}
        subprocess.run(self.base + ["new-session", "-d", "-s", name, "-x", "100", "-y", "30",
                                    subprocess.list2cmdline(command) + "; sleep 30"],
                       check=True, cwd=ROOT, env={**env, "TERM": "xterm"})
        self.name = name

    def screen(self) -> str:
        result = subprocess.run(self.base + ["capture-pane", "-p", "-t", self.name],
                                capture_output=True, text=True)
        return result.stdout

    def drawn(self, predicate, timeout: float) -> str:
        """The first screen that satisfies predicate and stays the same in a second capture
        (a capture may catch top half-way through redrawing); the last one after the
        timeout."""
        def settled() -> str:
            screen = self.screen()
            return screen if predicate(screen) and self.screen() == screen else ""

        return wait_for(settled, timeout=timeout) or self.screen()

    def keys(self, *keys: str) -> None:
        subprocess.run(self.base + ["send-keys", "-t", self.name, *keys], check=True)

    def close(self) -> None:
        subprocess.run(self.base + ["kill-server"], capture_output=True)


def test_top_in_a_terminal(tmp_path):
    directory = str(tmp_path)
    balancer = write(f"{directory}/balancer/httpd.conf", (
        f"ServerName b\nErrorLog {directory}/balancer/e\nDefaultRuntimeDir {directory}/balancer\n"
        f"LoadModule proxy_module {MODDIR}/mod_proxy.so\n"
        f"LoadModule proxy_balancer_module {MODDIR}/mod_proxy_balancer.so\n"
        f"LoadModule lbmethod_heartbeat_module {MODDIR}/mod_lbmethod_heartbeat.so\n"
        f"HeartbeatStorage {directory}/hb.dat\n<Proxy balancer://hb>\n"
        "BalancerMember http://127.0.0.2:80\nBalancerMember http://127.0.0.3:80\n"
        "ProxySet lbmethod=heartbeat\n</Proxy>\n"))
    with PrivateNetwork():
        monitor = heartmonitor_server(monitor_conf(
            directory, extra="HeartbeatStorageInterval 1\n"), directory).start()
        tmux = Tmux(f"hmtop{os.getpid()}", [
            sys.executable, "-m", "heartmonitor.ctl", "top",
            f"http://127.0.0.1:{PORT}/server-status", "-f", balancer])
        try:
            sent = time.monotonic()
            send(b"v=1&ready=10&busy=5", "127.0.0.2")
            send(b"v=1&ready=40&busy=0", "127.0.0.3")  # the balancer counts 40 / 4
            send(b"v=1&ready=30&busy=5", "127.0.0.4")  # no member: 0 %
            # hb.dat is written every second; the picks follow it. Up: .2 (10), .3 (10):
            # picks 0..20, 0..9 to .2 and 10..20 to .3.
            first = f"{float(pick_range_odds(0, 9, 20)) * 100:.2f}%"
            second = f"{float(pick_range_odds(10, 20, 20)) * 100:.2f}%"
            screen = tmux.drawn(lambda screen: second in screen, timeout=12)
            lines = screen.splitlines()
            assert lines[0] == (f"heartmonitor http://127.0.0.1:{PORT}/server-status: "
                                "3 servers, 3 fresh, 0 stale; sorted by ip")
            rows = [line.split() for line in lines[3:6]]
            assert [(r[0], r[1], r[2], r[3], r[5], r[6]) for r in rows] == [
                ("127.0.0.2", "80", "10", "5", "fresh", first),
                ("127.0.0.3", "80", "40", "0", "fresh", second),
                ("127.0.0.4", "80", "30", "5", "fresh", "0.00%"),
            ]
            assert int(rows[0][4]) <= time.monotonic() - sent + 1  # lastseen, rounded
            tmux.keys("r")
            screen = tmux.drawn(lambda screen: "sorted by ready" in screen, timeout=5)
            order = [line.split()[0] for line in screen.splitlines()[3:6]]
            assert order == ["127.0.0.3", "127.0.0.4", "127.0.0.2"]
            monitor.stop()
            assert wait_for(lambda: "monitor not answering: [Errno 111] Connection refused; "
                            "retrying every second" in tmux.screen(), timeout=5), tmux.screen()
            monitor.start()
            assert wait_for(lambda: "keys: i r b l p sort, q quit" in tmux.screen(), timeout=8)
            tmux.keys("q")
            assert wait_for(lambda: "127.0.0.2" not in tmux.screen(), timeout=5)
        finally:
            tmux.close()
            monitor.stop()
