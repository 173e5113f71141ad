"""The heartbeat message codec, hb.dat, the merge writer and the slotmem, byte for byte."""

from __future__ import annotations

import asyncio
import os
import stat
import struct
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heartmonitor.modules.cluster import codec, hbfile
from heartmonitor.modules.cluster.filestore import FileStorage
from heartmonitor.modules.cluster.settings import MonitorSettings
from heartmonitor.modules.cluster.slotmem import (
    SLOT_SIZE,
    TYPE_PREGRAB,
    Slotmem,
    pack_slot,
    segment_size,
    shm_name,
    unpack_slot,
)
from heartmonitor.modules.cluster.slotstore import SlotIndex, SlotmemStorage
from heartmonitor.modules.cluster.table import Server, ServerTable


@pytest.mark.parametrize("payload, expected", [
    (b"v=1&ready=75&busy=0", {"v": "1", "ready": "75", "busy": "0"}),
    (b"V=1&READY=10&BUSY=2", {"v": "1", "ready": "10", "busy": "2"}),
    (b"&&v&&ready=a=b&&", {"v": "1", "ready": "a=b"}),
    (b"ready=1&ready=2", {"ready": "2"}),
    (b"ready=%37%38&busy=%zz&port=%2b8", {"ready": "78", "busy": "%zz", "port": "+8"}),
    (b"ready=1+2&busy=%2F", {"ready": "1+2", "busy": "/"}),
    (b"ready=4%00x&busy=5", {"ready": "4", "busy": "5"}),
    (b"ready=1\x00&busy=2", {"ready": "1"}),
    (b"", {}),
])
def test_qs_to_table(payload, expected):
    assert codec.decode(payload) == expected


@pytest.mark.parametrize("text, number", [
    ("75", 75), (" +7x", 7), ("-5", -5), ("4294967297", 1), ("99999999999999999999", -1),
    ("abc", 0), ("", 0), ("\t\n 12", 12),
])
def test_numbers_are_glibc_atoi(text, number):
    assert codec.numbers({"busy": text, "ready": "0"})[0] == number


def test_a_message_needs_v_busy_and_ready():
    assert codec.is_heartbeat(codec.decode(b"v&busy&ready"))
    assert not codec.is_heartbeat(codec.decode(b"busy=1&ready=1"))
    assert codec.port_of(codec.decode(b"port=8080x")) == 8080
    assert codec.port_of({}) == 80


def test_encode_is_mod_heartbeats_datagram():
    assert codec.encode(75, 0) == b"v=1&ready=75&busy=0"
    assert codec.encode(-1, 4294967295) == b"v=1&ready=4294967295&busy=4294967295"


def test_hb_dat_line_format():
    assert hbfile.format_line("10.0.0.5", 75, 0, 2, 80) == (
        "10.0.0.5 &ready=75&busy=0&lastseen=2&port=80\n")
    assert hbfile.format_line("10.0.0.6", -5, 1, 0, 80) == (
        "10.0.0.6 &ready=4294967291&busy=1&lastseen=0&port=80\n")
    servers = [Server("a", 80, 1, 2, 100.0), Server("b", 81, 3, 4, 68.9)]
    assert hbfile.render(servers, 130.5) == b"a &ready=2&busy=1&lastseen=30&port=80\n"


def test_write_atomically_leaves_a_0444_file_and_no_temporary(tmp_path):
    path = str(tmp_path / "hb.dat")
    hbfile.write_atomically(path, b"x &ready=1&busy=1&lastseen=0&port=80\n")
    hbfile.write_atomically(path, b"")
    assert open(path, "rb").read() == b""
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o444
    assert os.listdir(tmp_path) == ["hb.dat"]
    with pytest.raises(hbfile.WriteError) as failure:
        hbfile.write_atomically(str(tmp_path / "missing" / "hb.dat"), b"")
    assert (failure.value.code, failure.value.errno) == ("AH02081", 2)
    assert failure.value.message == f"Unable to open tmp file: {tmp_path}/missing/hb.dat.tmp.XXXXXX"


def test_split_lines_has_httpds_quirks():
    # The last line without a newline loses its last character; CR stays; 4096-byte cut.
    assert hbfile.split_lines(b"a b\r\nc d") == [b"a b\r", b"c "]
    long = b"x" * 5000 + b"\n"
    assert [len(p) for p in hbfile.split_lines(long)] == [4095, 904]


def test_reader_semantics_of_lbmethod():
    data = (b"# comment\nnospace\n10.0.0.1 &ready=8&busy=0&lastseen=3&port=81\n"
            b"10.0.0.2 &ready=8&busy=1\n10.0.0.2 &busy=0\n")
    assert hbfile.parse_entries(data) == {
        "10.0.0.1": {"port": 81, "busy": 0, "ready": 2, "seen": 3},
        "10.0.0.2": {"port": 80, "busy": 0, "ready": 2, "seen": -1},
    }


class FakeHttpd:
    def __init__(self) -> None:
        self.logged: list[tuple] = []

    def log_error(self, module, level, message, status=None, *args, **kwargs) -> None:
        self.logged.append((module, level, message, status))

    def runtime_dir_relative(self, name: str) -> str:
        return os.path.join("/run/heartmonitor", name)


class FakeConfig:
    def __init__(self, path: str = "", maxworkers: int = 0) -> None:
        self.storage_path = path
        self.maxworkers = maxworkers
        self.maxworkers_line = None
        self.settings = MonitorSettings()


def slotmem_storage(slotmem: Slotmem, httpd: FakeHttpd | None = None) -> SlotmemStorage:
    """The slotmem storage over a segment made by the test (open() would make its own)."""
    storage = SlotmemStorage(httpd or FakeHttpd(), FakeConfig(maxworkers=slotmem.num))
    storage.slotmem, storage.index = slotmem, SlotIndex(slotmem)
    return storage


def file_storage(path: str) -> FileStorage:
    return FileStorage(FakeHttpd(), FakeConfig(path))


def merged(storage: FileStorage, table: ServerTable, server: Server, now: float) -> None:
    """One POST merged and written (close() waits for the pending rewrite)."""
    async def run() -> None:
        await storage.merge(table, server, now)
        await storage.close()

    asyncio.run(run())


def test_merge_writer_is_hm_file_update_stat(tmp_path):
    """Other lines aged by the file's age (lastseen 30 when missing); comments kept."""
    path = str(tmp_path / "hb.dat")
    with open(path, "wb") as handle:
        handle.write(b"# lab\n10.0.0.1 &ready=5&busy=1&lastseen=2&port=81\nodd\n"
                     b"10.0.0.9 &ready=1&busy=0&lastseen=1&port=80\n10.0.0.2 &busy=4")
    os.utime(path, (1000.0, 1000.0))
    storage = file_storage(path)
    table = ServerTable()
    server = table.update("10.0.0.9", 8080, 3, 7, now=1010.2)
    assert hbfile.merge(open(path, "rb").read(), 1000.0, [server], 1010.6) == (
        b"# lab\n10.0.0.1 &ready=5&busy=1&lastseen=12&port=81\nodd\n"
        b"10.0.0.9 &ready=7&busy=3&lastseen=0&port=8080\n"
        b"10.0.0.2 &ready=0&busy=0&lastseen=40&port=80\n")
    other = table.update("10.0.0.3", 80, 1, 1, now=time.time())
    merged(storage, table, other, time.time())
    assert open(path, "rb").read().endswith(b"10.0.0.3 &ready=1&busy=1&lastseen=0&port=80\n")
    assert (storage.writes, storage.errors) == (1, 0)


def test_slot_layout_is_hm_slot_server_t():
    data = pack_slot("10.0.0.5", 2, -3, 1_700_000_000_123_456, 7)
    assert len(data) == SLOT_SIZE == 72
    assert data[:9] == b"10.0.0.5\0" and data[46:48] == b"\0\0"
    assert struct.unpack_from("<iiqi", data, 48) == (2, -3, 1_700_000_000_123_456, 7)
    assert unpack_slot(data) == ("10.0.0.5", 2, -3, 1_700_000_000_123_456, 7)
    assert unpack_slot(pack_slot("x" * 60, 0, 0, 0, 0))[0] == "x" * 45


def test_segment_name_and_size_are_aprs():
    # Checked against a real apache2's /dev/shm segment for this file name.
    assert shm_name("/tmp/r/slotmem-shm-mod_heartmonitor_0.shm").startswith("/ShM.")
    assert segment_size(SLOT_SIZE, 10) == 754


def test_slotmem_pregrab_semantics_and_full_table(tmp_path):
    filename = str(tmp_path / "slotmem-shm-test_0.shm")
    slotmem = Slotmem.create(filename, SLOT_SIZE, 10, TYPE_PREGRAB)
    try:
        assert os.path.getsize(slotmem.path) == 762
        httpd = FakeHttpd()
        storage = slotmem_storage(slotmem, httpd)
        table = ServerTable()
        for index in range(12):
            table.update(f"10.0.0.{index}", 80, 1, index, now=1000.0 + index)
            asyncio.run(storage.write_table(table, 1000.0 + index))
        ips = sorted(unpack_slot(data)[0] for _index, data in slotmem.doall())
        assert len(ips) == 10 and "10.0.0.11" in ips and "10.0.0.0" not in ips
        assert slotmem.num_free == 0
        assert [m for _mod, _lvl, m, _st in httpd.logged] == [
            "slotmem full: HeartbeatMaxServers 10 is too small; reusing the slot of the "
            "stalest server (10.0.0.0 for 10.0.0.10)"]
        asyncio.run(storage.write_table(table, 1042.0))  # everyone stale: all released
        assert list(slotmem.doall()) == [] and slotmem.num_free == 10
        attached = Slotmem.attach(filename)
        assert (attached.item_size, attached.num) == (SLOT_SIZE, 10)
        attached.close()
    finally:
        slotmem.remove()


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_any_datagram_decodes_without_error(payload):
    table = codec.decode(payload)
    if codec.is_heartbeat(table):
        busy, ready = codec.numbers(table)
        assert -2**31 <= busy < 2**31 and -2**31 <= ready < 2**31


# -- the storage interface and its providers ----------------------------------------------


class ProviderHttpd(FakeHttpd):
    """Enough of Httpd for storage_for: the providers mod_heartmonitor registers."""

    def __init__(self) -> None:
        super().__init__()
        from heartmonitor.modules.mod_heartmonitor import MODULE

        self.providers = dict(MODULE.providers)

    def lookup_provider(self, group: str, name: str, version: str):
        return self.providers.get((group, name, version))


def test_storage_is_chosen_by_provider_name():
    from heartmonitor.modules.cluster.storage import STORAGE_GROUP, storage_for
    from heartmonitor.modules.mod_heartmonitor import MonitorConfig

    httpd = ProviderHttpd()
    config = MonitorConfig(httpd, None)
    assert config.storage_kind == "slotmem" and config.maxworkers == 10
    assert type(storage_for(httpd, config)) is SlotmemStorage
    config.maxworkers = 0
    storage = storage_for(httpd, config)
    assert type(storage) is FileStorage
    assert storage.describe() == "/run/heartmonitor/hb.dat (file)"
    assert sorted(key for key in httpd.providers if key[0] == STORAGE_GROUP) == [
        (STORAGE_GROUP, "file", "0"), (STORAGE_GROUP, "slotmem", "0")]


def test_one_line_parser_for_reader_restore_and_merge():
    assert hbfile.parse_line(b"10.0.0.1 &ready=5&busy=1") == (
        "10.0.0.1", {"ready": "5", "busy": "1"})
    assert hbfile.parse_line(b"# 10.0.0.1 &ready=5") is None
    assert hbfile.parse_line(b"nospace") is None
    # The merge reads from the space on, as hm_file_update_stat does: " ready" is no key.
    assert hbfile.parse_line(b"10.0.0.2 ready=5", from_space=True) == (
        "10.0.0.2", {" ready": "5"})
    assert hbfile.parse_line(b"10.0.0.2 ready=5") == ("10.0.0.2", {"ready": "5"})


def test_restore_reads_back_the_previous_file(tmp_path):
    path = str(tmp_path / "hb.dat")
    with open(path, "wb") as handle:
        handle.write(b"10.0.0.1 &ready=5&busy=1&lastseen=3&port=81\n# x\n &ready=1\n")
    os.utime(path, (1000.0, 1000.0))
    table = ServerTable()
    file_storage(path).restore(table, 1010.0)
    assert [(s.ip, s.port, s.busy, s.ready, s.seen) for s in table.servers.values()] == [
        ("10.0.0.1", 81, 1, 5, 997.0)]


def test_table_writes_happen_in_a_worker_thread(tmp_path, monkeypatch):
    import threading

    path = str(tmp_path / "hb.dat")
    storage = file_storage(path)
    threads = []
    real = hbfile.write_atomically

    def recording(*args, **kwargs):
        threads.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(hbfile, "write_atomically", recording)
    table = ServerTable()
    table.update("10.0.0.1", 80, 1, 2, now=100.0)
    table.update("10.0.0.2", 80, 3, 4, now=60.0)

    async def run() -> None:
        await storage.write_table(table, 101.5)
        await storage.close()

    asyncio.run(run())
    assert open(path, "rb").read() == b"10.0.0.1 &ready=2&busy=1&lastseen=1&port=80\n"
    assert threads == ["hb.dat_0"] and storage.writes == 1


def test_posts_within_the_merge_interval_make_one_rewrite(tmp_path, monkeypatch):
    path = str(tmp_path / "hb.dat")
    storage = file_storage(path)
    storage.settings.merge_interval = 0.3
    writes = []
    real = hbfile.write_atomically
    monkeypatch.setattr(hbfile, "write_atomically",
                        lambda path, data, codes: (writes.append(data), real(path, data, codes)))
    table = ServerTable()

    async def written(count: int) -> bytes:
        """The file once `count` rewrites have finished (polled: a loaded machine is slow)."""
        deadline = time.monotonic() + 10
        while storage.writes < count and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        return open(path, "rb").read()

    async def run() -> list[bytes]:
        now = time.time()
        for index in range(5):  # one burst: one rewrite, at once
            await storage.merge(table, table.update(f"10.0.0.{index}", 80, 1, index, now), now)
        seen = [await written(1)]
        server = table.update("10.0.0.9", 81, 2, 9, time.time())
        await storage.merge(table, server, time.time())  # within 0.3 s: waits
        await asyncio.sleep(0.05)
        seen.append(open(path, "rb").read())
        seen.append(await written(2))
        await storage.close()
        return seen

    first, waiting, last = asyncio.run(run())
    burst = b"".join(b"10.0.0.%d &ready=%d&busy=1&lastseen=0&port=80\n" % (i, i)
                     for i in range(5))
    assert first == waiting == burst
    assert last == burst + b"10.0.0.9 &ready=9&busy=2&lastseen=0&port=81\n"
    assert len(writes) == 2 and storage.writes == 2


def test_sweep_in_slices_marks_stale_and_forgets():
    table = ServerTable(expire=30)
    for index in range(10_000):  # more than one slice
        table.update(f"10.0.{index >> 8}.{index & 255}", 80, 0, 0, now=1000.0 - index % 3 * 40)
    stale = []
    table.on_stale = stale.append
    forgotten = asyncio.run(table.sweep(1000.0, forget_after=60))
    assert len(forgotten) == 3333 and all(s.seen == 920.0 for s in forgotten)
    assert len(stale) == 6666 and len(table) == 6667
    assert len(table.fresh(1000.0)) == 3334
    assert asyncio.run(table.sweep(1000.0, forget_after=60)) == [] and len(stale) == 6666


def test_slotmem_grabs_the_lowest_free_slot(tmp_path):
    slotmem = Slotmem.create(str(tmp_path / "slotmem-shm-t_0.shm"), SLOT_SIZE, 10, TYPE_PREGRAB)
    try:
        assert [slotmem.grab() for _ in range(4)] == [0, 1, 2, 3]
        slotmem.release(2)
        slotmem.release(0)
        assert [slotmem.grab(), slotmem.grab(), slotmem.grab()] == [0, 2, 4]
        assert slotmem.num_free == 5
    finally:
        slotmem.remove()


# -- what server-status lists -----------------------------------------------------------


class StatusMonitor:
    def __init__(self, table: ServerTable) -> None:
        self.table = table
        self.listener = None
        self.storage = FileStorage(FakeHttpd(), FakeConfig("/run/hb.dat"))


class StatusRequest:
    def __init__(self, args: str) -> None:
        self.args = args


def status_text(pieces) -> str:
    """A status page's pieces as one text, those a hook formats as it is sent formatted."""
    from heartmonitor.modules.mod_status import page_text

    return asyncio.run(page_text(pieces))


def status_items(pieces) -> list[str]:
    """The pieces, each one formatted as it is sent turned into its whole text."""
    return [piece if isinstance(piece, str) else status_text([piece]) for piece in pieces]


def status_httpd(now: float):
    table = ServerTable()
    table.update("10.0.0.2", 80, 1, 7, now=now - 3)
    table.update("10.0.0.10", 8080, 0, 4, now=now - 100)  # stale
    table.update("10.0.0.1", 81, 2, 5, now=now)
    httpd = FakeHttpd()
    httpd.extensions = {"heartmonitor": StatusMonitor(table)}
    return httpd


def test_status_lists_fresh_servers_unless_all(monkeypatch):
    from heartmonitor.modules.cluster import status_view

    now = 5000.0
    monkeypatch.setattr(status_view.time, "time", lambda: now)
    httpd = status_httpd(now)
    auto = status_text(asyncio.run(status_view.status_hook(httpd, StatusRequest("auto"), 1)))
    assert auto == (
        "HeartbeatServers: 2\nHeartbeatServersFresh: 2\nHeartbeatServersStale: 1\n"
        "HeartbeatServer[0]IP: 10.0.0.1\nHeartbeatServer[0]Port: 81\n"
        "HeartbeatServer[0]Ready: 5\nHeartbeatServer[0]Busy: 2\n"
        "HeartbeatServer[0]LastSeen: 0\n"
        "HeartbeatServer[1]IP: 10.0.0.2\nHeartbeatServer[1]Port: 80\n"
        "HeartbeatServer[1]Ready: 7\nHeartbeatServer[1]Busy: 1\n"
        "HeartbeatServer[1]LastSeen: 3\n")
    every = status_text(asyncio.run(
        status_view.status_hook(httpd, StatusRequest("auto&all"), 1)))
    # IP text order, as before: 10.0.0.10 sorts between 10.0.0.1 and 10.0.0.2.
    assert every.startswith("HeartbeatServers: 3\n") and (
        "HeartbeatServer[1]IP: 10.0.0.10\nHeartbeatServer[1]Port: 8080\n"
        "HeartbeatServer[1]Ready: 4\nHeartbeatServer[1]Busy: 0\n"
        "HeartbeatServer[1]LastSeen: 100\nHeartbeatServer[2]IP: 10.0.0.2\n") in every
    html = status_text(asyncio.run(status_view.status_hook(httpd, StatusRequest(""), 0)))
    assert html == (
        "<hr /><h2>Heartbeats</h2>\n<p>2 fresh and 1 stale servers (stale servers are "
        "listed on <a href=\"?all\">?all</a>), not listening, storage /run/hb.dat (file)</p>\n"
        "<table border=\"0\"><tr><th>Server</th><th>Port</th><th>Ready</th><th>Busy</th>"
        "<th>Seen (s ago)</th><th>State</th></tr>\n"
        "<tr><td>10.0.0.1</td><td>81</td><td>5</td><td>2</td><td>0</td><td>fresh</td></tr>\n"
        "<tr><td>10.0.0.2</td><td>80</td><td>7</td><td>1</td><td>3</td><td>fresh</td></tr>\n"
        "</table>\n")
    metrics = status_items(asyncio.run(
        status_view.status_metrics(httpd, StatusRequest("metrics"), now)))
    assert metrics[:9] == [
        "# TYPE heartmonitor_servers gauge", 'heartmonitor_servers{state="fresh"} 2',
        'heartmonitor_servers{state="stale"} 1', "# TYPE heartmonitor_server_ready gauge",
        'heartmonitor_server_ready{ip="10.0.0.1",port="81"} 5\n'
        'heartmonitor_server_ready{ip="10.0.0.2",port="80"} 7\n',
        "# TYPE heartmonitor_server_busy gauge",
        'heartmonitor_server_busy{ip="10.0.0.1",port="81"} 2\n'
        'heartmonitor_server_busy{ip="10.0.0.2",port="80"} 1\n',
        "# TYPE heartmonitor_server_last_seen_seconds gauge",
        'heartmonitor_server_last_seen_seconds{ip="10.0.0.1",port="81"} 0\n'
        'heartmonitor_server_last_seen_seconds{ip="10.0.0.2",port="80"} 3\n']


@pytest.mark.parametrize("args, listed", [
    ("json", ["10.0.0.1", "10.0.0.2"]), ("json&all", ["10.0.0.1", "10.0.0.10", "10.0.0.2"])])
def test_status_json_is_json_dumps_of_the_same_report(args, listed):
    import json

    from heartmonitor.modules.cluster import status_view
    from heartmonitor.modules.mod_status import JsonText, dumps_in_pieces

    now = time.time()
    httpd = status_httpd(now)
    report = {"ServerName": "x", **asyncio.run(
        status_view.status_json(httpd, StatusRequest(args), now))}
    text = status_text(dumps_in_pieces(report))
    servers = json.loads(text)["Heartbeat"]["Servers"]
    assert [s["IP"] for s in servers] == listed
    report["Heartbeat"]["Servers"] = servers
    assert text == json.dumps(report, indent=2) + "\n"
    empty = {"a": {"b": JsonText([], 2)}}
    assert status_text(dumps_in_pieces(empty)) == json.dumps({"a": {"b": []}}, indent=2) + \
        "\n"
