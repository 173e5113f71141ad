"""The heartbeat message codec, hb.dat, the merge writer and the slotmem, byte for byte."""

from __future__ import annotations

import os
import stat
import struct

import pytest
from heartmonitor.modules.cluster import codec, hbfile
from heartmonitor.modules.cluster.slotmem import (
    SLOT_SIZE,
    TYPE_PREGRAB,
    Slotmem,
    pack_slot,
    segment_size,
    shm_name,
    unpack_slot,
)
from heartmonitor.modules.cluster.storage import FileStorage, SlotmemStorage
from heartmonitor.modules.cluster.table import Server, ServerTable
from hypothesis import given, settings
from hypothesis import strategies as st


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


def test_merge_writer_is_hm_file_update_stat(tmp_path):
    """Other lines aged by the file's age (lastseen 30 when missing); comments kept."""
    path = str(tmp_path / "hb.dat")
    with open(path, "wb") as handle:
        handle.write(b"# lab\n10.0.0.1 &ready=5&busy=1&lastseen=2&port=81\nodd\n"
                     b"10.0.0.9 &ready=1&busy=0&lastseen=1&port=80\n10.0.0.2 &busy=4")
    os.utime(path, (1000.0, 1000.0))
    storage = FileStorage(FakeHttpd(), path)
    table = ServerTable()
    server = table.update("10.0.0.9", 8080, 3, 7, now=1010.2)
    storage.write_one(table, server, 1010.6)
    assert open(path, "rb").read() == (
        b"# lab\n10.0.0.1 &ready=5&busy=1&lastseen=12&port=81\nodd\n"
        b"10.0.0.9 &ready=7&busy=3&lastseen=0&port=8080\n"
        b"10.0.0.2 &ready=0&busy=0&lastseen=40&port=80\n")
    other = table.update("10.0.0.3", 80, 1, 1, now=1010.6)
    storage.write_one(table, other, 1010.6)
    assert open(path, "rb").read().endswith(b"10.0.0.3 &ready=1&busy=1&lastseen=0&port=80\n")


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
        storage = SlotmemStorage(httpd, slotmem)
        table = ServerTable()
        for index in range(12):
            table.update(f"10.0.0.{index}", 80, 1, index, now=1000.0 + index)
            storage.write_all(table, 1000.0 + index)
        ips = sorted(unpack_slot(data)[0] for _index, data in slotmem.doall())
        assert len(ips) == 10 and "10.0.0.11" in ips and "10.0.0.0" not in ips
        assert slotmem.num_free == 0
        assert [m for _mod, _lvl, m, _st in httpd.logged] == [
            "slotmem full: HeartbeatMaxServers 10 is too small; reusing the slot of the "
            "stalest server (10.0.0.0 for 10.0.0.10)"]
        storage.write_all(table, 1042.0)  # everyone stale: every slot released
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
