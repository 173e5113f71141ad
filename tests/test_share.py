"""HeartbeatShare: three monitors, each hearing its own group, share one table through etcd."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
import signal
import subprocess
import threading
import time
import types

import pytest

from heartmonitor.clock import SYSTEM_CLOCK
from heartmonitor.modules.cluster.filestore import FileStorage
from heartmonitor.modules.cluster.monitor import _table as restored_table
from heartmonitor.modules.cluster.settings import MonitorSettings
from heartmonitor.modules.cluster.share import (
    CHUNK_BYTES,
    REQUEST_TIMEOUT,
    EtcdClient,
    b64,
    pack,
    range_end,
    shared,
    unpack,
)
from heartmonitor.modules.cluster.share_url import ShareTarget
from heartmonitor.modules.cluster.storage import HeartbeatStorage, StorageContents
from heartmonitor.modules.cluster.table import Server, ServerTable
from tests.helpers import heartmonitor, write
from tests.live import (
    PrivateNetwork,
    _fail_or_skip,
    heartmonitor_server,
    read,
    request,
    send,
    wait_for,
)
from tests.test_monitor import entries, monitor_conf, storage_writes

ETCD_PORT, ETCD_PEER_PORT = 23790, 23800
INTERVAL, EXPIRE = 2, 8  # HeartbeatStorageInterval, HeartbeatExpire
OUTAGE = 30  # seconds etcd is down in the three-monitor test


def lab_conf(tmp_path, body: str) -> str:
    return write(str(tmp_path / "httpd.conf"), (
        f"ServerName x\nErrorLog {tmp_path}/e\nDefaultRuntimeDir {tmp_path}\n"
        "LoadModule heartmonitor_module modules/mod_heartmonitor.so\n"
        "LoadModule heartlab_module modules/mod_heartlab.so\n" + body))


@pytest.mark.parametrize("arguments, message", [
    ("http://127.0.0.1:2379/hb",
     "HeartbeatShare: not an etcd:// URL in 'http://127.0.0.1:2379/hb' "
     "(expected etcd://HOST:PORT/PREFIX)"),
    ("etcd://127.0.0.1/hb",
     "HeartbeatShare: no port in 'etcd://127.0.0.1/hb' (expected etcd://HOST:PORT/PREFIX)"),
    ("etcd://127.0.0.1:99999/hb",
     "HeartbeatShare: a bad port in 'etcd://127.0.0.1:99999/hb' "
     "(expected etcd://HOST:PORT/PREFIX)"),
    ("etcd://:2379/hb",
     "HeartbeatShare: no host in 'etcd://:2379/hb' (expected etcd://HOST:PORT/PREFIX)"),
    ("etcd://127.0.0.1:2379",
     "HeartbeatShare: no key prefix in 'etcd://127.0.0.1:2379' "
     "(expected etcd://HOST:PORT/PREFIX)"),
    ("etcd://127.0.0.1:2379/a%2fb",
     "HeartbeatShare: a prefix other than /-separated letters, digits, '.', '_', '-' in "
     "'etcd://127.0.0.1:2379/a%2fb' (expected etcd://HOST:PORT/PREFIX)"),
    ("etcd://127.0.0.1:2379/hb?x=1",
     "HeartbeatShare: credentials, a query or a fragment in 'etcd://127.0.0.1:2379/hb?x=1' "
     "(expected etcd://HOST:PORT/PREFIX)"),
    ("etcd://127.0.0.1:2379/hb a/b",
     "HeartbeatShare: the monitor name 'a/b' must be 1 to 64 letters, digits, '.', '_' "
     "or '-'"),
    ("", "HeartbeatShare takes 1-2 arguments, etcd://HOST:PORT/PREFIX to share the "
     "heartbeat table through, and optionally this monitor's name there (heartmonitor)"),
])
def test_bad_share_urls_are_config_errors(tmp_path, arguments, message):
    conf = lab_conf(tmp_path, f"HeartbeatShare {arguments}\n")
    result = heartmonitor("-f", conf, "-t")
    assert (result.returncode, result.stdout, result.stderr) == (
        1, "", f"AH00526: Syntax error on line 6 of {conf}:\n{message}\n")


def test_good_share_url_and_context(tmp_path):
    conf = lab_conf(tmp_path, "HeartbeatShare etcd://localhost:2379/heartmonitor/lab m-1\n")
    result = heartmonitor("-f", conf, "-t")
    assert (result.returncode, result.stderr) == (0, "Syntax OK\n")
    conf = lab_conf(tmp_path, "<VirtualHost *:80>\nHeartbeatShare etcd://h:1/p\n"
                              "</VirtualHost>\n")
    result = heartmonitor("-f", conf, "-t")
    assert (result.returncode, result.stderr) == (1, (
        f"AH00526: Syntax error on line 7 of {conf}:\n"
        "HeartbeatShare cannot occur within <VirtualHost> section\n"))


class Etcd:
    """A one-member etcd on loopback with its data in a directory of the test."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self.process: subprocess.Popen | None = None

    def start(self) -> Etcd:
        url, peer = f"http://127.0.0.1:{ETCD_PORT}", f"http://127.0.0.1:{ETCD_PEER_PORT}"
        self.process = subprocess.Popen(
            ["etcd", "--name", "t", "--data-dir", self.directory,
             "--listen-client-urls", url, "--advertise-client-urls", url,
             "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
             "--initial-cluster", f"t={peer}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert wait_for(self.healthy, timeout=10)
        return self

    def healthy(self) -> bool:
        try:
            status, _headers, _body = request(ETCD_PORT, "POST", "/v3/maintenance/status",
                                              b"{}", timeout=1)
        except OSError:
            return False
        return status == 200

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()


class Beats(threading.Thread):
    """A backend sending a heartbeat to one monitor's group every half second."""

    def __init__(self, source: str, group: str, port: int, ready: int) -> None:
        super().__init__(daemon=True)
        self.args = (f"v=1&ready={ready}&busy=1&port=8{port % 1000:03d}".encode(), source,
                     group, port)
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            send(*self.args)
            self.stopped.wait(0.5)


def monitor(tmp_path, number: int) -> tuple[str, str]:
    directory = str(tmp_path / f"m{number}")
    os.makedirs(directory)
    conf = monitor_conf(
        directory, port=8090 + number,
        extra=f"HeartbeatShare etcd://127.0.0.1:{ETCD_PORT}/heartmonitor/test m{number}\n"
              f"HeartbeatStorageInterval {INTERVAL}\nHeartbeatExpire {EXPIRE}\n")
    write(conf, read(conf).replace("HeartbeatListen 239.0.0.1:27999",
                                   f"HeartbeatListen 239.0.0.{number}:2799{number}"))
    return conf, directory


def etcd_server(directory: str) -> Etcd:
    """A started etcd on loopback (without etcd installed, CI fails the test)."""
    if shutil.which("etcd") is None:
        _fail_or_skip("etcd (Debian's etcd-server) is needed for the sharing tests")
    return Etcd(directory).start()


def test_three_monitors_share_one_table(tmp_path):
    """A server heard by one monitor is in the others' hb.dat one storage pass after its
    own. etcd is then killed for 30 s: each monitor keeps storing what it hears, logs the
    outage once and loses no local server; a server that stops meanwhile leaves every
    hb.dat after the expiry and does not come back; when etcd returns the monitors
    converge on the same fleet, each publishing only what it hears."""
    with PrivateNetwork():
        etcd = etcd_server(str(tmp_path / "etcd"))
        monitors = [monitor(tmp_path, number) for number in (1, 2, 3)]
        hbs = [os.path.join(directory, "hb.dat") for _conf, directory in monitors]
        logs = [os.path.join(directory, "error_log") for _conf, directory in monitors]
        servers = [heartmonitor_server(conf, directory).start()
                   for conf, directory in monitors]
        beats = [Beats(f"127.0.{n}.1", f"239.0.0.{n}", 27990 + n, 10 + n) for n in (1, 2, 3)]
        try:
            for beat in beats[:2]:
                beat.start()
            # 127.0.1.1 is heard by the first monitor only, 127.0.2.1 by the second.
            assert wait_for(lambda: "127.0.1.1" in entries(hbs[0]), timeout=INTERVAL + 2)
            # Counted in storage passes, not seconds: on a loaded machine passes come late.
            passes = [storage_writes(8090 + number) for number in (2, 3)]
            everywhere = wait_for(lambda: all(
                {"127.0.1.1", "127.0.2.1"} <= entries(hb).keys() for hb in hbs),
                timeout=4 * INTERVAL, interval=0.1)
            assert everywhere, [entries(hb) for hb in hbs]
            # The next pass of each monitor after the one that published it (or the pass
            # after that, when it was running just then).
            later = [storage_writes(8090 + number) - before
                     for number, before in zip((2, 3), passes, strict=True)]
            assert max(later) <= 2, later
            for hb in hbs:
                table = entries(hb)
                assert (table["127.0.1.1"][:2], table["127.0.1.1"][3]) == ((11, 1), 8991)
                assert (table["127.0.2.1"][:2], table["127.0.2.1"][3]) == ((12, 1), 8992)
                assert table["127.0.1.1"][2] <= INTERVAL + 1

            # etcd dies for 30 s; 127.0.1.1 stops at once, 127.0.3.1 starts 3 s later.
            etcd.kill()
            beats[0].stopped.set()
            killed = time.monotonic()
            seen = []  # [(seconds into the outage, [set of IPs in each hb.dat])]
            while time.monotonic() - killed < OUTAGE:
                if beats[2].ident is None and time.monotonic() - killed >= 3:
                    beats[2].start()
                tables = [entries(hb) for hb in hbs]
                seen.append((time.monotonic() - killed, [set(table) for table in tables]))
                # local heartbeats keep reaching local storage, a pass or so old at most
                assert tables[1]["127.0.2.1"][2] <= INTERVAL + 1, tables
                assert all(server.process.poll() is None for server in servers)
                time.sleep(0.5)
            for index in range(3):  # the outage is logged once, and etcd not back yet
                assert read(logs[index]).count("etcd unreachable") == 1, read(logs[index])
                assert "sharing resumed" not in read(logs[index])
            # 127.0.3.1 reached its own monitor's storage and stayed there; nothing
            # reached the other monitors without etcd.
            local = [moment for moment, ips in seen if "127.0.3.1" in ips[2]]
            assert local and local[0] <= 3 + INTERVAL + 2, seen
            assert all("127.0.3.1" in ips[2] for moment, ips in seen if moment >= local[0])
            assert all("127.0.3.1" not in ips[0] | ips[1] for _moment, ips in seen)
            # 127.0.1.1 left every hb.dat after the expiry and never came back.
            gone = EXPIRE + INTERVAL + 3
            assert all("127.0.1.1" not in ips[0] | ips[1] | ips[2]
                       for moment, ips in seen if moment >= gone), seen
            assert all("127.0.2.1" in ips[1] for _moment, ips in seen)

            etcd.start()
            converged = wait_for(lambda: all(
                entries(hb).keys() == {"127.0.2.1", "127.0.3.1"} for hb in hbs),
                timeout=3 * INTERVAL, interval=0.1)
            assert converged, [entries(hb) for hb in hbs]
            for index in range(3):
                log = read(logs[index])
                assert log.count("etcd unreachable") == 1, log
                assert wait_for(lambda i=index: read(logs[i]).count(
                    "etcd answers again, sharing resumed") == 1, timeout=INTERVAL), log
            published = wait_for(lambda: etcd_servers() == {
                "/heartmonitor/test/m1/00000": [],
                "/heartmonitor/test/m2/00000": ["127.0.2.1"],
                "/heartmonitor/test/m3/00000": ["127.0.3.1"]} and etcd_servers(),
                timeout=INTERVAL + 1)
            assert published, etcd_servers()
        finally:
            for beat in beats:
                beat.stopped.set()
            for server in servers:
                server.stop()
            etcd.kill()
    for log_path in logs:
        log = read(log_path)
        assert "Traceback" not in log, log
        assert f"HeartbeatShare etcd://127.0.0.1:{ETCD_PORT}/heartmonitor/test: sharing as m" \
            in log, log


def etcd_servers() -> dict[str, list[str]]:
    """The keys under /heartmonitor/test/ and the IPs each one publishes."""
    prefix = b"/heartmonitor/test/"
    status, _headers, body = request(ETCD_PORT, "POST", "/v3/kv/range", json.dumps(
        {"key": b64(prefix), "range_end": b64(range_end(prefix))}).encode(), timeout=2)
    assert status == 200, body
    return {base64.b64decode(kv["key"]).decode(): [
        server[0] for server in json.loads(base64.b64decode(kv["value"]))["servers"]]
        for kv in json.loads(body).get("kvs", [])}


# -- an etcd that lies or says nothing, in-process on loopback ---------------------------

class Recorder(HeartbeatStorage):
    """A storage that keeps what each pass asked it to write."""

    kind = "file"

    def __init__(self, httpd, config) -> None:
        super().__init__(httpd, config)
        self.tables: list[dict[str, tuple[int, int, int]]] = []

    def open(self, kept: dict) -> bool:
        return True

    async def write_table(self, table: ServerTable, now: float) -> None:
        self.tables.append({ip: (s.port, s.ready, round(now - s.seen))
                            for ip, s in table.servers.items() if s.age(now) <= table.expire})

    async def merge(self, table: ServerTable, server: Server, now: float) -> None:
        return None

    def read(self) -> StorageContents:
        return StorageContents("")

    def findings(self) -> list:
        return []

    @property
    def location(self) -> str:
        return ""

    def describe(self) -> str:
        return "recorder"


class LogHttpd:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.clock = SYSTEM_CLOCK

    def log_error(self, module, level, message, status=None, *args, **kwargs) -> None:
        self.lines.append(message)


def etcd_value(servers: object, version: object = 1) -> str:
    return base64.b64encode(json.dumps({"v": version, "servers": servers}).encode()).decode()


def etcd_key(key: bytes) -> str:
    return base64.b64encode(key).decode()


LYING_RANGE = {"header": {"revision": "9"}, "kvs": [
    {"key": etcd_key(b"/hb/other/00000"),
     "value": etcd_value([["10.0.0.1", 80, 1, 5, 2], ["10.0.0.9", 81, 0, 1, 7],
                          ["10.0.0.2", 70000, 0, 1, 1], ["10.0.0.3", 80, 0, 1, 999],
                          ["not-an-ip", 80, 0, 1, 1], ["10.0.0.4", 80, "1", 1, 1]])},
    {"key": etcd_key(b"/hb/newer/00000"), "value": etcd_value([["10.0.0.5", 80, 0, 1, 0]], 2)},
    {"key": etcd_key(b"/hb/junk/00000"), "value": base64.b64encode(b"{not json").decode()},
    {"key": etcd_key(b"/hb/huge/00000"),
     "value": base64.b64encode(b" " * (2 * 1024 * 1024)).decode()},
    {"key": "!!not base64!!", "value": ""},
]}


async def fake_etcd(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    silent: bool) -> None:
    """Answers as etcd's gateway would, with LYING_RANGE as the prefix's contents; a silent
    one reads the request and never answers."""
    request = await reader.readuntil(b"\r\n\r\n")
    length = int(request.split(b"Content-Length: ")[1].split(b"\r\n")[0])
    await reader.readexactly(length)
    path = request.split(b" ")[1].decode()
    if silent or path == "/v3/watch":
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            writer.close()
            return
    answers = {"/v3/lease/grant": {"ID": "7", "TTL": "8"},
               "/v3/lease/keepalive": {"result": {"ID": "7", "TTL": "8"}},
               "/v3/kv/range": LYING_RANGE}
    body = json.dumps(answers.get(path, {"header": {"revision": "9"}})).encode()
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
    await writer.drain()
    writer.close()


# A pass or a close that waited for etcd would take its request timeout; one that does not
# takes milliseconds, a loaded machine's scheduling delays included.
WAITED_FOR_ETCD = REQUEST_TIMEOUT / 5


def share_passes(silent: bool) -> tuple[Recorder, LogHttpd, list[float]]:
    """Three storage passes of a monitor hearing 10.0.0.9, sharing through a fake etcd."""

    async def run() -> tuple[Recorder, LogHttpd, list[float]]:
        server = await asyncio.start_server(
            lambda r, w: fake_etcd(r, w, silent), "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        httpd = LogHttpd()
        config = types.SimpleNamespace(settings=MonitorSettings(), storage_path="/x",
                                       listen_ip="239.0.0.1", listen_port=1,
                                       share=ShareTarget("127.0.0.1", port, "/hb", "me"))
        config.settings.expire = 8
        inner = Recorder(httpd, config)
        storage = shared(httpd, config, inner)
        table = ServerTable(8)
        durations = []
        for number in range(3):
            if number == 2 and not silent:  # a loaded machine may take a while to answer
                await until(lambda: bool(storage.share.remote))
            table.update("10.0.0.9", 80, 1, 9)
            started = time.monotonic()
            await storage.write_table(table, time.time())
            durations.append(time.monotonic() - started)
            await asyncio.sleep(0.3)
        closing = time.monotonic()
        await storage.close()
        durations.append(time.monotonic() - closing)
        server.close()
        return inner, httpd, durations

    return asyncio.run(run())


def test_a_lying_etcd_adds_only_well_formed_remote_servers():
    """Unknown versions, junk, oversized values, bad entries and bad keys are ignored (each
    key logged once); a remote entry older than the local one does not replace it."""
    inner, httpd, durations = share_passes(silent=False)
    assert inner.tables[0] == {"10.0.0.9": (80, 9, 0)}  # before the first range answered
    last = inner.tables[-1]
    assert last.keys() == {"10.0.0.9", "10.0.0.1"}
    assert last["10.0.0.9"] == (80, 9, 0)
    assert last["10.0.0.1"][:2] == (80, 5) and 2 <= last["10.0.0.1"][2] <= 3
    ignored = sorted(line for line in httpd.lines if "ignoring" in line)
    where = f"HeartbeatShare etcd://127.0.0.1:{inner.config.share.port}/hb: ignoring"
    assert ignored == [
        f"{where} '': a key or value that is not base64",
        f"{where} '/hb/huge/00000': a value of 2097152 bytes",
        f"{where} '/hb/junk/00000': a value that is not JSON",
        f"{where} '/hb/newer/00000': format version 2 (this monitor reads 1)",
    ]
    assert max(durations) < WAITED_FOR_ETCD


def test_a_silent_etcd_delays_nothing():
    """etcd accepts connections and never answers: every pass writes the local server at
    once, and closing does not wait for etcd."""
    inner, httpd, durations = share_passes(silent=True)
    assert inner.tables == [{"10.0.0.9": (80, 9, 0)}] * 3
    assert max(durations) < WAITED_FOR_ETCD
    assert httpd.lines == []  # no answer yet is not an outage (the timeout is 5 s)


def test_large_tables_are_published_in_chunks_under_the_request_limit():
    servers = [(f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}", 65535, 99999, 99999, 30)
               for i in range(30000)]
    values = pack(servers)
    assert len(values) > 1
    assert all(len(value) <= CHUNK_BYTES for value in values)
    assert [tuple(s) for v in values for s in unpack(v, 30)] == servers


# -- what a monitor publishes after a restart, with a real etcd in this process -----------

class FileMonitor:
    """A file storage shared through etcd as post_config builds it: the restore at start
    (nothing kept: a new process) or the table kept across a graceful restart."""

    def __init__(self, tmp_path, name: str) -> None:
        self.httpd = LogHttpd()
        self.hb = str(tmp_path / f"{name}.dat")
        settings = MonitorSettings()
        # Who published what is the point here, not expiry: a loaded machine that takes
        # half a minute over these passes must not age the servers out of the restore.
        settings.expire = 3600
        self.config = types.SimpleNamespace(
            settings=settings, storage_path=self.hb, listen_ip="239.0.0.1",
            listen_port=1, share=ShareTarget("127.0.0.1", ETCD_PORT, "/hb", name))

    def start(self, kept: dict) -> tuple[HeartbeatStorage, ServerTable]:
        storage = shared(self.httpd, self.config, FileStorage(self.httpd, self.config))
        assert storage.open(kept)
        return storage, restored_table(self.httpd, storage, kept)


async def published(name: str) -> dict[str, list[tuple[str, int, int, int]]]:
    """What etcd holds under /hb/<name>/: {key: [(ip, port, busy, ready)]}."""
    prefix = f"/hb/{name}/".encode()
    answer = await EtcdClient("127.0.0.1", ETCD_PORT).call(
        "/v3/kv/range", {"key": b64(prefix), "range_end": b64(range_end(prefix))})
    return {base64.b64decode(kv["key"]).decode(): [
        tuple(server[:4]) for server in json.loads(base64.b64decode(kv["value"]))["servers"]]
        for kv in answer.get("kvs", [])}


async def until(predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def one_pass(storage: HeartbeatStorage, table: ServerTable) -> None:
    """A storage pass, and the publication it hands over made."""
    share = storage.share
    puts = share.puts
    await storage.write_table(table, time.time())
    await until(lambda: share.puts > puts)


def test_restored_servers_are_published_only_if_heard_here(network, tmp_path):
    """hb.dat lists the local and the remote servers; after a restart the monitor
    publishes only what it had heard itself (its own keys in etcd say which), keeps the
    remote ones in its storage until they expire, and publishes a remote server's IP
    again only once it hears it (a POST), with what it heard."""
    etcd = etcd_server(str(tmp_path / "etcd"))

    async def main() -> None:
        m2_value = pack([("10.0.0.2", 80, 1, 2, 0)])[0]
        await EtcdClient("127.0.0.1", ETCD_PORT).call(
            "/v3/kv/put", {"key": b64(b"/hb/m2/00000"), "value": b64(m2_value)})
        m1 = FileMonitor(tmp_path, "m1")
        storage, table = m1.start({})
        table.update("10.0.0.1", 80, 1, 1)
        for _ in range(50):
            await one_pass(storage, table)
            if set(entries(m1.hb)) == {"10.0.0.1", "10.0.0.2"}:
                break
        assert set(entries(m1.hb)) == {"10.0.0.1", "10.0.0.2"}
        assert await published("m1") == {"/hb/m1/00000": [("10.0.0.1", 80, 1, 1)]}
        await storage.close()

        # m2 stops (its key goes); m1 starts again, a new process, from its hb.dat.
        await EtcdClient("127.0.0.1", ETCD_PORT).call(
            "/v3/kv/deleterange", {"key": b64(b"/hb/m2/00000")})
        kept: dict = {}
        storage, table = m1.start(kept)
        await one_pass(storage, table)
        assert await published("m1") == {"/hb/m1/00000": [("10.0.0.1", 80, 1, 1)]}
        assert set(table.servers) == {"10.0.0.1"}
        assert set(entries(m1.hb)) == {"10.0.0.1", "10.0.0.2"}  # until it expires

        # A graceful restart keeps the table: the same servers are published.
        await storage.close()
        storage, table = m1.start(kept)
        await one_pass(storage, table)
        assert await published("m1") == {"/hb/m1/00000": [("10.0.0.1", 80, 1, 1)]}

        # 10.0.0.2 POSTs to m1: heard here now, published with what it sent.
        server = table.update("10.0.0.2", 8080, 5, 6)
        await storage.merge(table, server, time.time())
        await one_pass(storage, table)
        assert await published("m1") == {"/hb/m1/00000": [("10.0.0.1", 80, 1, 1),
                                                          ("10.0.0.2", 8080, 5, 6)]}
        assert entries(m1.hb)["10.0.0.2"][:2] == (6, 5)
        await storage.close()
        assert m1.httpd.lines == ["HeartbeatShare etcd://127.0.0.1:23790/hb: sharing as m1"] * 3

    try:
        asyncio.run(main())
    finally:
        etcd.kill()
