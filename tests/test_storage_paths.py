"""hb.dat paths that are not regular files, oversized files and absurd restored entries."""

from __future__ import annotations

import os
import re

import pytest

from heartmonitor.modules.cluster import hbfile
from tests.helpers import heartmonitor, write
from tests.live import PrivateNetwork


def _fifo(tmp_path) -> str:
    path = str(tmp_path / "hb.fifo")
    os.mkfifo(path)
    return path


def test_a_fifo_is_refused_without_blocking(tmp_path):
    path = _fifo(tmp_path)
    with pytest.raises(hbfile.StorageRefused, match=f"^HeartbeatStorage {path} is not a "
                                                     "regular file$"):
        hbfile.read_storage(path)
    assert hbfile.load(path) == []


@pytest.mark.parametrize("path", ["/dev/zero", "/dev/null", "/tmp"])
def test_devices_and_directories_are_refused(path):
    assert hbfile.storage_problem(path) == f"HeartbeatStorage {path} is not a regular file"
    with pytest.raises(hbfile.StorageRefused):
        hbfile.read_storage(path)


def test_a_file_over_the_limit_is_refused(tmp_path):
    path = str(tmp_path / "hb.dat")
    with open(path, "wb") as handle:
        handle.truncate(hbfile.READ_LIMIT + 1)
    assert hbfile.storage_problem(path) == (
        f"HeartbeatStorage {path} is larger than 67108864 bytes")
    assert hbfile.load(path) == []
    with open(path, "wb") as handle:
        handle.truncate(hbfile.READ_LIMIT)
    assert hbfile.storage_problem(path) is None
    assert hbfile.read_storage(path)[0] == b"\0" * hbfile.READ_LIMIT


def test_a_missing_file_is_no_problem(tmp_path):
    assert hbfile.storage_problem(str(tmp_path / "none")) is None
    assert hbfile.load(str(tmp_path / "none")) == []


def test_restored_entries_seen_in_the_future_are_expired(tmp_path):
    path = write(str(tmp_path / "hb.dat"), (
        "10.0.0.1 &ready=5&busy=1&lastseen=-2000000000&port=80\n"
        "10.0.0.2 &ready=5&busy=1&lastseen=-1&port=80\n"
        "10.0.0.3 &ready=5&busy=1&lastseen=3&port=81\n"
        "10.0.0.4 &ready=5&busy=1&lastseen=99999999999999999999999&port=80\n"
        "10.0.0.5 &ready=5&busy=1&lastseen=2000000000&port=80\n"))
    now = os.stat(path).st_mtime
    servers = hbfile.load(path, now=now)
    assert [(s.ip, s.port, s.ready, s.busy, s.seen) for s in servers] == [
        ("10.0.0.3", 81, 5, 1, now - 3), ("10.0.0.5", 80, 5, 1, now - 2000000000)]
    assert servers[1].age(now) > 30


def _config(tmp_path, storage: str) -> str:
    return write(str(tmp_path / "hm.conf"), (
        f"ServerName x\nErrorLog {tmp_path}/error_log\nPidFile {tmp_path}/hm.pid\n"
        "Listen 127.0.0.1:28123\n"
        "LoadModule heartmonitor_module modules/mod_heartmonitor.so\n"
        "HeartbeatMaxServers 0\n"
        f"HeartbeatStorage {storage}\n"))


def _lines(stderr: str) -> list[str]:
    return re.sub(r"^\[[^\]]+\] (\[[^\]]+\]) \[pid \d+:tid \d+\] ", r"\1 ", stderr,
                  flags=re.M).splitlines()


@pytest.mark.parametrize("kind", ["fifo", "device", "directory"])
def test_strict_and_start_up_refuse_the_path(tmp_path, kind):
    storage = {"fifo": lambda: _fifo(tmp_path), "device": lambda: "/dev/zero",
               "directory": lambda: str(tmp_path)}[kind]()
    conf = _config(tmp_path, storage)
    assert heartmonitor("-f", conf, "-t").stderr == "Syntax OK\n"
    strict = heartmonitor("-f", conf, "-t", "--strict")
    assert (strict.returncode, _lines(strict.stderr)) == (1, [
        f"[heartmonitor:crit] HeartbeatStorage {storage} is not a regular file",
        "heartmonitor: HeartbeatStorage must name a regular file (or one not created yet)",
        "AH00016: Configuration Failed"])
    with PrivateNetwork():  # its Listen port, were it opened, is the namespace's alone
        started = heartmonitor("-f", conf, "-DFOREGROUND")
    assert (started.returncode, _lines(started.stderr)) == (1, [
        f"[heartmonitor:crit] HeartbeatStorage {storage} is not a regular file",
        "[:emerg] AH00020: Configuration Failed, exiting"])
