"""The watchdog's turns and the storage cycle at exact instants of a clock moved by hand.

mod_watchdog's callbacks and step hooks, and mod_heartmonitor's storage passes (hb.dat
written every HeartbeatStorageInterval, servers left out after HeartbeatExpire, dropped
from the table after HeartbeatForget, failures logged once a minute) run in this process
on a FakeClock: nothing waits for them in real time.
"""

from __future__ import annotations

import asyncio
import io
import os
import re
import socket

import pytest

from heartmonitor import log
from heartmonitor.errorlog import open_error_log
from heartmonitor.layout import Layout
from heartmonitor.lifecycle import new_httpd, read_and_check
from heartmonitor.options import parse_options
from heartmonitor.server_rec import ServerRec
from heartmonitor.watchdog import STATE_RUNNING, STATE_STARTING, STATE_STOPPING, Watchdog, run
from tests.fakeclock import FakeClock
from tests.helpers import write
from tests.live import read, send
from tests.test_monitor import monitor_conf

# -- mod_watchdog --------------------------------------------------------------------------


class WatchdogHttpd:
    """What heartmonitor.watchdog.run uses of httpd; hooks and log lines are recorded with
    the clock's milliseconds."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.server_conf = ServerRec()
        self.stopping = False
        self.events: list[tuple[int, str]] = []
        self.logged: list[str] = []

    def ms(self) -> int:
        return self.clock.elapsed_us // 1000

    def run_hook(self, name: str, server, watchdog_name: str) -> None:
        self.events.append((self.ms(), f"{name} {watchdog_name}"))

    def log_error(self, module, level, message, status=None, **kwargs) -> None:
        self.logged.append(f"{level} {message}")


def run_watchdog(httpd: WatchdogHttpd, watchdog: Watchdog, interval_us: int,
                 seconds: float) -> None:
    """The watchdog for `seconds` of the clock, then stopped at its next turn."""

    async def main() -> None:
        task = asyncio.get_running_loop().create_task(run(httpd, watchdog, interval_us))
        await httpd.clock.advance(seconds, [task])
        httpd.stopping = True
        await httpd.clock.advance(0.1, [task])
        assert task.done()
        task.result()

    asyncio.run(main())


def recorder(httpd: WatchdogHttpd, name: str, answers: dict[int, int] | None = None):
    """A callback recording (ms, name, state); returns answers[call number] (else 0)."""
    calls = [0]

    def callback(state: int, data, pool) -> int:
        calls[0] += 1
        httpd.events.append((httpd.ms(), f"{name} {state}"))
        return (answers or {}).get(calls[0], 0)

    return callback


def test_callbacks_run_at_their_intervals_on_the_100ms_grid():
    """Interval 0 runs every turn, 1 s every tenth turn (1.0 s, not 1.1 s: steps are
    whole microseconds, as apr_time_t), 300 ms every third; a callback that answers
    an error is never called again, nor at STOPPING."""
    httpd = WatchdogHttpd(FakeClock())
    watchdog = Watchdog("_test_", True)
    watchdog.register_callback(0, "a", recorder(httpd, "turn"))
    watchdog.register_callback(1_000_000, "b", recorder(httpd, "second"))
    watchdog.register_callback(300_000, "c", recorder(httpd, "failing", {3: 1}))
    run_watchdog(httpd, watchdog, 1_000_000, 2.0)
    by_name: dict[str, list[tuple[int, int]]] = {}
    for ms, what in httpd.events:
        name, state = what.split()
        by_name.setdefault(name, []).append((ms, int(state)))
    assert by_name["turn"] == ([(0, STATE_STARTING)]
                               + [(ms, STATE_RUNNING) for ms in range(100, 2001, 100)]
                               + [(2100, STATE_STOPPING)])
    assert by_name["second"] == [(0, STATE_STARTING), (1000, STATE_RUNNING),
                                 (2000, STATE_RUNNING), (2100, STATE_STOPPING)]
    assert by_name["failing"] == [(0, STATE_STARTING), (300, STATE_RUNNING),
                                  (600, STATE_RUNNING)]
    assert len(httpd.logged) == 2  # AH02972 running, AH02973 stopping
    assert httpd.logged[0].endswith("AH02972: Singleton Watchdog (_test_) running")
    assert httpd.logged[1].endswith("AH02973: Singleton Watchdog (_test_) stopping")


def test_a_callback_that_raises_is_disabled_and_logged_once():
    httpd = WatchdogHttpd(FakeClock())
    watchdog = Watchdog("_test_", False)
    calls: list[int] = []

    async def broken(state: int, data, pool) -> int:
        calls.append(httpd.ms())
        if state == STATE_RUNNING:
            raise RuntimeError("boom")
        return 0

    watchdog.register_callback(500_000, None, broken)
    run_watchdog(httpd, watchdog, 1_000_000, 3.0)
    assert calls == [0, 500]
    assert httpd.logged[1:] == [
        f"{log.CRIT} Watchdog (_test_): callback failed and is disabled: RuntimeError('boom')",
        f"{log.DEBUG} AH02973: Watchdog (_test_) stopping"]


def test_step_hooks_run_every_watchdog_interval():
    """A watchdog without callbacks (mod_heartbeat's _singleton_) runs watchdog_step once
    the turns add up to WatchdogInterval: 1 s on every tenth turn, 250 ms on every third
    (0.3 s: the turn after the interval is reached), init before and exit after."""
    for interval_us, steps in ((1_000_000, [1000, 2000, 3000]),
                               (250_000, list(range(300, 3001, 300)))):
        httpd = WatchdogHttpd(FakeClock())
        run_watchdog(httpd, Watchdog("_singleton_", True), interval_us, 3.0)
        assert httpd.events == ([(0, "watchdog_init _singleton_")]
                                + [(ms, "watchdog_step _singleton_") for ms in steps]
                                + [(3100, "watchdog_exit _singleton_")])


# -- mod_heartmonitor's storage cycle, in this process -------------------------------------


class InProcess:
    """A configuration started in this process on a FakeClock: post_config and child_init
    as the server runs them (sockets on the test's private network), no HTTP side."""

    def __init__(self, directory: str, conf: str) -> None:
        self.directory = directory
        self.conf = conf
        self.clock = FakeClock()

    async def start(self) -> InProcess:
        options = parse_options(["heartmonitor", "-f", self.conf], io.StringIO())
        options.bin_name, options.layout = "heartmonitor", Layout()
        httpd = self.httpd = new_httpd(options, stderr=io.StringIO(), stdout=io.StringIO())
        httpd.clock = self.clock
        assert read_and_check(httpd, self.conf), httpd.stderr.getvalue()
        httpd.error_log = open_error_log(httpd)
        for state in ("create-pre-config", "create-config"):
            httpd.main_state = state
            assert httpd.run_hook_all("post_config"), read(self.log_path)
        httpd.loop = asyncio.get_running_loop()
        httpd.run_hook_all("child_init")
        self.tasks = list(httpd.background_tasks)
        assert len(self.tasks) == 1  # one active watchdog
        await self.clock.settle(self.tasks)
        return self

    @property
    def log_path(self) -> str:
        return os.path.join(self.directory, "error_log")

    async def at(self, seconds: float) -> None:
        """Run until `seconds` after start."""
        await self.clock.advance_to(seconds, self.tasks)

    async def stop(self) -> None:
        self.httpd.stopping = True
        await self.clock.advance(0.1, self.tasks)
        assert all(task.done() for task in self.tasks)
        for task in self.tasks:
            task.result()
        self.httpd.run_hook_all("shutdown", True)
        self.httpd.error_log.target.close()


class Monitor(InProcess):
    """A monitor (mod_heartmonitor, hb.dat) in this process, hearing the test's network."""

    def __init__(self, directory: str, extra: str = "", hb: str | None = None) -> None:
        self.hb = hb or os.path.join(directory, "hb.dat")
        conf = monitor_conf(directory, extra=extra)
        write(conf, read(conf).replace(f"HeartbeatStorage {directory}/hb.dat",
                                       f"HeartbeatStorage {self.hb}"))
        super().__init__(directory, conf)

    async def start(self) -> Monitor:
        await super().start()
        return self

    @property
    def table(self):
        return self.httpd.extensions["heartmonitor"].table

    async def beat(self, source: str, payload: bytes) -> None:
        """A heartbeat from source, heard now (the listener has read it when this returns)."""
        send(payload, source)
        now = self.clock.time()
        for _ in range(2000):
            server = self.table.servers.get(source)
            if server is not None and server.seen == now:
                return
            await asyncio.sleep(0.001)
        raise AssertionError(f"{source} not heard")

    def storage(self) -> bytes:
        with open(self.hb, "rb") as handle:
            return handle.read()


def line(ip: str, ready: int, busy: int, lastseen: int, port: int = 80) -> bytes:
    return f"{ip} &ready={ready}&busy={busy}&lastseen={lastseen}&port={port}\n".encode()


def test_hb_dat_every_five_seconds_and_expired_servers_left_out(network, tmp_path):
    """httpd's timings: storage written at start (empty), then every 5 s on the watchdog's
    100 ms turns; lastseen is whole seconds; a server unheard for more than 30 s leaves
    hb.dat; the port of the first heartbeat stays."""

    async def main() -> None:
        monitor = await Monitor(str(tmp_path)).start()
        try:
            assert monitor.storage() == b""
            await monitor.at(1.0)
            await monitor.beat("127.0.0.2", b"v=1&ready=10&busy=1&port=8001")
            await monitor.at(2.5)
            await monitor.beat("127.0.0.3", b"v=1&ready=20&busy=2")
            await monitor.at(4.9)
            assert monitor.storage() == b""
            await monitor.at(5.0)
            assert monitor.storage() == (line("127.0.0.2", 10, 1, 4, 8001)
                                         + line("127.0.0.3", 20, 2, 2))
            await monitor.at(7.0)
            await monitor.beat("127.0.0.2", b"v=1&ready=11&busy=1&port=9999")
            await monitor.at(10.0)
            assert monitor.storage() == (line("127.0.0.2", 11, 1, 3, 8001)
                                         + line("127.0.0.3", 20, 2, 7))
            await monitor.at(30.0)
            await monitor.beat("127.0.0.2", b"v=1&ready=12&busy=0")
            await monitor.at(34.9)  # written at 30.0, before that heartbeat
            assert monitor.storage() == (line("127.0.0.2", 11, 1, 23, 8001)
                                         + line("127.0.0.3", 20, 2, 27))
            await monitor.at(35.0)  # 127.0.0.3 unheard for 32.5 s
            assert monitor.storage() == line("127.0.0.2", 12, 0, 5, 8001)
            assert set(monitor.table.servers) == {"127.0.0.2", "127.0.0.3"}
        finally:
            await monitor.stop()
        assert monitor.storage() == line("127.0.0.2", 12, 0, 5, 8001)  # the pass at stop

    asyncio.run(main())


def test_heartlab_timings_expire_and_forget(network, tmp_path):
    """HeartbeatStorageInterval 2, HeartbeatExpire 4, HeartbeatForget 8: a server aged
    exactly 4 s is still written; one unheard for more than 8 s leaves the table, and
    comes back with the port of its next heartbeat."""

    async def main() -> None:
        monitor = await Monitor(str(tmp_path), "HeartbeatStorageInterval 2\n"
                                "HeartbeatExpire 4\nHeartbeatForget 8\n").start()
        try:
            await monitor.at(0.1)
            await monitor.beat("127.0.0.2", b"v=1&ready=1&busy=1&port=8001")
            await monitor.at(2.0)
            assert monitor.storage() == line("127.0.0.2", 1, 1, 1, 8001)
            await monitor.beat("127.0.0.3", b"v=1&ready=3&busy=0")
            await monitor.at(4.0)
            assert monitor.storage() == (line("127.0.0.2", 1, 1, 3, 8001)
                                         + line("127.0.0.3", 3, 0, 2))
            await monitor.at(6.0)
            assert monitor.storage() == line("127.0.0.3", 3, 0, 4)
            await monitor.at(8.0)
            assert monitor.storage() == b""
            assert set(monitor.table.servers) == {"127.0.0.2", "127.0.0.3"}
            await monitor.at(10.0)  # 127.0.0.2 unheard for 9.9 s, 127.0.0.3 for 8 s
            assert set(monitor.table.servers) == {"127.0.0.3"}
            await monitor.at(10.5)
            await monitor.beat("127.0.0.2", b"v=1&ready=2&busy=1&port=8002")
            await monitor.beat("127.0.0.3", b"v=1&ready=4&busy=1&port=9000")
            await monitor.at(12.0)
            assert monitor.storage() == (line("127.0.0.3", 4, 1, 1)
                                         + line("127.0.0.2", 2, 1, 1, 8002))
        finally:
            await monitor.stop()

    asyncio.run(main())


def test_a_failing_storage_is_logged_once_a_minute(network, tmp_path):
    """hb.dat's directory vanishes: AH02081 is logged at the first failed pass, the 11
    passes of the next minute are counted, not logged, then logged with their count; the
    first good write after says so."""
    store = tmp_path / "store"
    store.mkdir()
    hb = store / "hb.dat"

    async def main() -> None:
        monitor = await Monitor(str(tmp_path), hb=str(hb)).start()
        try:
            assert monitor.storage() == b""
            os.chmod(hb, 0o644)
            for name in os.listdir(store):  # hb.dat and the instance lock's hb.dat.lock
                os.remove(store / name)
            os.rmdir(store)
            await monitor.at(65.0)
            os.mkdir(store)
            await monitor.at(70.0)
            assert monitor.storage() == b""
        finally:
            await monitor.stop()

    asyncio.run(main())
    lines = re.findall(r"\[heartmonitor:(\w+)\] \[pid \d+:tid \d+\] (.*)\n",
                       read(str(tmp_path / "error_log")))
    failure = f"(2)No such file or directory: AH02081: Unable to open tmp file: {hb}.tmp.XXXXXX"
    assert lines == [("crit", failure),
                     ("crit", failure + " (failed 11 more times since last logged)"),
                     ("notice", f"{hb} written again")]


# -- mod_heartbeat: one datagram per WatchdogInterval --------------------------------------


def group_receiver() -> socket.socket:
    """A socket hearing 239.0.0.1:27999 on loopback, read without blocking."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("239.0.0.1", 27999))
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                    socket.inet_aton("239.0.0.1") + socket.inet_aton("127.0.0.1"))
    sock.setblocking(False)
    return sock


@pytest.mark.parametrize("interval, sent", [
    ("", [1000, 2000, 3000]),  # WatchdogInterval 1 s: every tenth 100 ms turn
    ("WatchdogInterval 250ms\n", list(range(300, 3001, 300))),
])
def test_heartbeats_are_sent_every_watchdog_interval(network, tmp_path, interval, sent):
    """mod_heartbeat in this process, its _singleton_ watchdog on the fake clock: a
    datagram at each instant the step hook runs, and none in between."""
    directory = str(tmp_path)
    conf = write(os.path.join(directory, "httpd.conf"), (
        f"ServerRoot {directory}\nServerName localhost\nErrorLog {directory}/error_log\n"
        f"DefaultRuntimeDir {directory}\nLoadModule heartbeat_module modules/mod_heartbeat.so\n"
        f"HeartbeatAddress 239.0.0.1:27999\n{interval}"))
    heard: list[int] = []

    async def main() -> None:
        receiver = group_receiver()
        sender = await InProcess(directory, conf).start()
        try:
            for tenth in range(1, 31):
                await sender.at(tenth / 10)
                # sendto() on loopback has queued the datagram before the hook returned
                while True:
                    try:
                        payload = receiver.recv(1000)
                    except BlockingIOError:
                        break
                    assert re.fullmatch(rb"v=1&ready=\d+&busy=\d+", payload), payload
                    heard.append(tenth * 100)
        finally:
            await sender.stop()
            receiver.close()

    asyncio.run(main())
    assert heard == sent
