"""Restarts that always survive: every kind of restart after every kind of bad edit.

One monitor serves every case of a class (a signalled one, one with --watch-config); each
case edits its configuration, restarts it and checks the error log's lines, that the
server still answers and, at the end, that it still writes hb.dat. Faults inside Python
code come from tests/faults/sitecustomize.py.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import time

import pytest

from tests import live
from tests.helpers import ROOT, heartmonitor, write
from tests.live import PrivateNetwork, heartmonitor_server, read, request, send, wait_for
from tests.test_monitor import PORT, entries, monitor_conf

FAULTS = os.path.join(ROOT, "tests", "faults")
# Far above a normal read of the test's configuration even on a loaded machine, far below
# the read of huge_include.
TIME_LIMIT = 1.5
PREFIX = re.compile(r"^\[[^\]]+\] (\[[^\]]*\]) \[pid \d+:tid \d+\] ")
STAYS = "[core:error] configuration not reloaded: it has errors (see above); the running " \
        "configuration stays"
TOO_LONG = (f"[core:error] configuration not reloaded: reading it took longer than "
            f"{TIME_LIMIT} seconds; the running configuration stays")
RESTART_FAILED = "[core:error] restart failed (see above); the running configuration stays"
RESUMED = "AH00489: "
RESUMED_LINES = ["[mpm_event:notice] AH00489: Apache/2.4.71 (Debian) heartmonitor/0.1.0 configured "
                 "-- resuming normal operations",
                 "[core:notice] AH00094: Command line: 'heartmonitor -f {conf} -D FOREGROUND'"]


def lines_from(path: str, offset: int) -> list[str]:
    """The error log from `offset`, without times and pids."""
    return [PREFIX.sub(lambda m: m.group(1) + " ", line)
            for line in read(path)[offset:].splitlines()]


def huge_include(directory: str) -> str:
    """A valid file that takes far longer than the time limit to read (13 MB)."""
    return write(os.path.join(directory, "huge.conf"), "ServerName localhost\n" * 600_000)


def fifo_include(directory: str) -> str:
    path = os.path.join(directory, "fifo.conf")
    if not os.path.exists(path):
        os.mkfifo(path)
    return path


# name -> (text appended to the configuration, what the error log says after the notice).
# {conf} and {line} (the appended line's number) are filled in.
EDITS = {
    "parse error": ("<Location /extra>\n", [
        "heartmonitor: Syntax error on line {line} of {conf}: {conf}:{line}: <Location> was "
        "not closed.", STAYS]),
    # A slotmem without mod_slotmem_shm: httpd finds it at post_config.
    "post_config check": ((("LoadModule slotmem_shm_module modules/mod_slotmem_shm.so\n", ""),
                           ("HeartbeatMaxServers 0\n", "HeartbeatMaxServers 10\n")), [
        "[heartmonitor:emerg] AH02284: failed to lookup provider 'shm' for 'slotmem', maybe "
        "you need to load mod_slotmem_shm?",
        "[:emerg] AH00020: Configuration Failed, exiting",
        RESTART_FAILED, *RESUMED_LINES]),
    "handler exception": ("ServerAlias fault.raise\n", [
        "[core:crit] internal error while reading the configuration on line {line} of {conf}: "
        "RuntimeError: injected fault in a directive handler", STAYS]),
    "post_config exception": ("Define POST_CONFIG_FAULT\n", [
        "[core:crit] internal error while starting the configuration: RuntimeError: injected "
        "fault in post_config",
        RESTART_FAILED, *RESUMED_LINES]),
    "child_init exception": ("Define CHILD_INIT_FAULT\n", [
        "[core:crit] internal error while starting the configuration: RuntimeError: injected "
        "fault in child_init",
        RESTART_FAILED, *RESUMED_LINES]),
    "huge file": ("Include {huge}\n", [TOO_LONG]),
    # A FIFO is refused as not a regular file, or, where it is opened, never answers.
    "FIFO": ("Include {fifo}\n", None),
    # apache2 takes these two; whichever way heartmonitor answers, it keeps serving.
    # (In a virtual host, where Timeout leaves the server's own alone: a global one
    # saturates to -1, which the HTTP side does not take as "no limit" yet.)
    "4301-digit Timeout": ("<VirtualHost 127.0.0.1:8090>\nTimeout " + "9" * 4301
                           + "\n</VirtualHost>\n", None),
    "empty host label": ("<VirtualHost www..example.com:80>\n</VirtualHost>\n", None),
}


ISSUE_REPRODUCERS = ("4301-digit Timeout", "empty host label")


class Monitor:
    """The monitor of one class: its directory, configuration and process."""

    def __init__(self, directory: str, *args: str) -> None:
        self.directory = directory
        # hb.dat written every second: the check that it still is, at the end, is short.
        self.conf = monitor_conf(directory, extra="HeartbeatStorageInterval 1\n")
        self.original = read(self.conf)
        self.log = os.path.join(directory, "error_log")
        self.server = heartmonitor_server(self.conf, directory, *args)
        self.huge = huge_include(directory)
        self.fifo = fifo_include(directory)
        # What `-k` reads: it checks its own configuration before it signals, so it gets
        # one that names the same PidFile and nothing else.
        self.control = write(os.path.join(directory, "control.conf"), (
            f"ServerName localhost\nPidFile {directory}/httpd.pid\n"
            f"ErrorLog {directory}/control_log\n"))

    def save(self, text: str) -> None:
        """As editors do: a copy renamed over the file."""
        write(self.conf + ".swp", text)
        os.replace(self.conf + ".swp", self.conf)

    def edit(self, name: str) -> list[str] | None:
        """Make this edit; the lines it should log."""
        change, expected = EDITS[name]
        if isinstance(change, tuple):
            text = self.original
            for old, new in change:
                assert old in text
                text = text.replace(old, new)
            self.save(text)
        else:
            self.save(self.original + change.format(huge=self.huge, fifo=self.fifo))
        line = len(self.original.splitlines()) + 1
        if expected is None:
            return None
        return [e.format(conf=self.conf, line=line, dir=self.directory) for e in expected]


@pytest.fixture(scope="class")
def monitor(request, tmp_path_factory):
    watch = request.cls.watch
    patch = pytest.MonkeyPatch()
    patch.setenv("PYTHONPATH", FAULTS + os.pathsep + os.environ.get("PYTHONPATH", ""))
    patch.setenv("HEARTMONITOR_RELOAD_TIME_LIMIT", str(TIME_LIMIT))
    with PrivateNetwork():
        directory = str(tmp_path_factory.mktemp("restarts"))
        monitor = Monitor(directory, *(["--watch-config"] if watch else []))
        monitor.server.start()
        try:
            yield monitor
            # Still writing hb.dat, and a good configuration is taken again.
            send(b"v=1&ready=7&busy=1", "127.0.0.9")
            assert wait_for(lambda: "127.0.0.9" in entries(os.path.join(directory, "hb.dat")),
                            timeout=8)
            offset = len(read(monitor.log))
            monitor.save(monitor.original + "<Location /extra>\n    SetHandler server-status\n"
                         "</Location>\n")
            if not watch:
                monitor.server.signal(signal.SIGUSR1)
            assert wait_for(lambda: RESUMED in read(monitor.log)[offset:], timeout=10)
            assert live.request(PORT, path="/extra")[0] == 200
        finally:
            code, _out, err = monitor.server.stop()
            patch.undo()
        assert (code, err) == (0, "")


def restart(monitor: Monitor, kind: str) -> str:
    """Restart as `kind` does; the notice line it logs."""
    if kind == "SIGHUP":
        monitor.server.signal(signal.SIGHUP)
        return "[mpm_event:notice] AH00494: SIGHUP received.  Attempting to restart"
    if kind == "SIGUSR1":
        monitor.server.signal(signal.SIGUSR1)
    elif kind == "-k graceful":
        result = heartmonitor("-f", monitor.control, "-k", "graceful")
        assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    elif kind == "--watch-config":
        return "[core:notice] a configuration file changed: graceful restart"
    return "[mpm_event:notice] AH00493: SIGUSR1 received.  Doing graceful restart"


def finished(lines: list[str]) -> bool:
    return any(line.endswith("the running configuration stays") and "restart failed" not in line
               or "AH00094" in line for line in lines)


def check_case(monitor: Monitor, kind: str, name: str) -> None:
    offset = len(read(monitor.log))
    expected = monitor.edit(name)
    notice = restart(monitor, kind)
    assert wait_for(lambda: finished(lines_from(monitor.log, offset)), timeout=8), \
        lines_from(monitor.log, offset)
    lines = lines_from(monitor.log, offset)
    if expected is not None:
        assert lines == [notice, *expected]
    else:
        assert lines[0] == notice
        assert lines[-1] in (STAYS, TOO_LONG) or "AH00094" in lines[-1], lines
    assert monitor.server.process.poll() is None
    status, _headers, body = request(PORT, path="/server-status?auto")
    assert status == 200 and b"ServerUptimeSeconds" in body


class TestSignalledRestarts:
    watch = False

    @pytest.mark.parametrize("kind, name", [
        (kind, name) for name in EDITS for kind in ("SIGHUP", "SIGUSR1", "-k graceful")
        # The issue's two reproducers are about SIGUSR1 (and --watch-config).
        if kind == "SIGUSR1" or name not in ISSUE_REPRODUCERS])
    def test_bad_edit_keeps_the_server(self, monitor, kind, name):
        check_case(monitor, kind, name)


class TestWatchedRestarts:
    watch = True

    @pytest.mark.parametrize("name", list(EDITS))
    def test_bad_edit_keeps_the_server(self, monitor, name):
        check_case(monitor, "--watch-config", name)


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _faulty_env(monkeypatch, limit: float) -> None:
    monkeypatch.setenv("PYTHONPATH", FAULTS + os.pathsep + os.environ.get("PYTHONPATH", ""))
    monkeypatch.setenv("HEARTMONITOR_RELOAD_TIME_LIMIT", str(limit))


def test_an_overrunning_read_is_interrupted(tmp_path, monkeypatch):
    """A read still running Python at its time limit stops: the CPU goes quiet."""
    _faulty_env(monkeypatch, 0.5)
    directory = str(tmp_path)
    with PrivateNetwork():
        conf = monitor_conf(directory)
        log = os.path.join(directory, "error_log")
        with heartmonitor_server(conf, directory) as server:
            write(conf, read(conf) + f"Include {huge_include(directory)}\n")
            server.signal(signal.SIGHUP)
            assert wait_for(lambda: "reading it took longer than 0.5 seconds" in read(log))
            time.sleep(0.2)
            before = _cpu_seconds(server.process.pid)
            time.sleep(1.0)
            assert _cpu_seconds(server.process.pid) - before < 0.3
            assert request(PORT, path="/server-status?auto")[0] == 200


def test_sigterm_works_while_a_read_is_stuck(tmp_path, monkeypatch):
    """A handler that never returns (as a FIFO would) does not delay SIGTERM."""
    _faulty_env(monkeypatch, 60)
    directory = str(tmp_path)
    with PrivateNetwork():
        conf = monitor_conf(directory)
        log = os.path.join(directory, "error_log")
        server = heartmonitor_server(conf, directory).start()
        write(conf, read(conf) + "ServerAlias fault.sleep\n")
        server.signal(signal.SIGHUP)
        assert wait_for(lambda: "AH00494" in read(log))
        time.sleep(0.3)
        started = time.monotonic()
        code, _out, err = server.stop()
        assert time.monotonic() - started < 3
    assert (code, err) == (0, "")
    assert lines_from(log, 0)[-3:] == [
        "[mpm_event:notice] AH00494: SIGHUP received.  Attempting to restart",
        "[core:notice] configuration reading abandoned: the server is stopping",
        "[mpm_event:notice] AH00491: caught SIGTERM, shutting down"]


@pytest.mark.parametrize("hook", ["post_config", "child_init"])
def test_no_traceback_when_a_hook_raises_at_start(tmp_path, monkeypatch, hook):
    _faulty_env(monkeypatch, 1)
    directory = str(tmp_path)
    conf = monitor_conf(directory, extra=f"Define {hook.upper()}_FAULT\n")
    with PrivateNetwork():
        result = heartmonitor("-f", conf, "-DFOREGROUND")
    expected = ["[core:crit] internal error while starting the configuration: RuntimeError: "
                f"injected fault in {hook}"]
    assert result.returncode == 1
    assert [PREFIX.sub(lambda m: m.group(1) + " ", line)
            for line in result.stderr.splitlines()] == expected
    assert lines_from(os.path.join(directory, "error_log"), 0) == expected


def test_a_handler_that_outlives_its_connection_writes_nothing(tmp_path, monkeypatch):
    """SIGHUP closes every connection at once; a handler still working then has nowhere to
    write its page: it is stopped, nothing is written and nothing is logged (uvloop used
    to raise "RuntimeError: ... the handler is closed", printed as a traceback on stderr,
    and pages nobody would read piled up under repeated restarts)."""
    _faulty_env(monkeypatch, 5)
    directory = str(tmp_path)
    conf = monitor_conf(directory, extra="Define SLOW_STATUS_FAULT\n")
    log = os.path.join(directory, "error_log")
    with PrivateNetwork():
        server = heartmonitor_server(conf, directory).start()
        client = socket.create_connection(("127.0.0.1", PORT), timeout=10)
        client.sendall(b"GET /server-status?auto HTTP/1.1\r\nHost: localhost\r\n\r\n")
        time.sleep(0.3)  # the handler waits
        server.signal(signal.SIGHUP)
        assert client.recv(100) == b""  # closed by the restart, nothing written
        client.close()
        assert wait_for(lambda: read(log).count(RESUMED) == 2)
        time.sleep(1.5)  # the handler's wait is over: it was stopped, no page is made
        assert request(PORT, path="/missing")[0] == 404
        assert not os.path.exists(os.path.join(directory, "status-page-begun"))
        code, _out, err = server.stop()
    assert (code, err) == (0, "")
    command = RESUMED_LINES[1].format(conf=conf)
    assert lines_from(log, 0) == [
        RESUMED_LINES[0], command,
        "[mpm_event:notice] AH00494: SIGHUP received.  Attempting to restart",
        RESUMED_LINES[0], command,
        "[mpm_event:notice] AH00491: caught SIGTERM, shutting down"]
