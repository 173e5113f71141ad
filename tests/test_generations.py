"""A restart's old configuration generation is freed: the collector never keeps it frozen.

A generation is full of cycles (the server, its modules, their hooks), so only the
cyclic collector frees it; a server with a large table freezes what survives its full
collections (heartmonitor.collector), which would keep every replaced generation for
good (the soak's RSS grew with each restart).
"""

from __future__ import annotations

import asyncio
import gc
import subprocess
import sys
import weakref

from heartmonitor import collector
from heartmonitor.modules.cluster.table import ServerTable
from tests.helpers import ROOT

RESTARTS = 6


class Generation:
    pass


def test_restarts_leave_only_the_running_and_the_first_generation(tmp_path):
    conf = tmp_path / "httpd.conf"
    conf.write_text(
        f"ServerRoot {ROOT}\nServerName localhost\nPidFile {tmp_path}/httpd.pid\n"
        f"ErrorLog {tmp_path}/error_log\nDefaultRuntimeDir {tmp_path}\nLogLevel warn\n"
        "LoadModule heartmonitor_module modules/mod_heartmonitor.so\n"
        "LoadModule status_module modules/mod_status.so\n"
        "HeartbeatMaxServers 0\n"
        f"HeartbeatStorage {tmp_path}/hb.dat\n"
        "<Location /server-status>\n    SetHandler server-status\n</Location>\n")
    done = subprocess.run([sys.executable, "-m", "tests.generations_probe", str(conf),
                           str(RESTARTS)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    # The first read, one per restart; alive: the running one, and the first one (the
    # frames that started the server hold it for the life of the process).
    assert done.stdout.splitlines()[-1] == f"generations {RESTARTS + 1} alive 2"
    errors = (tmp_path / "error_log").read_text()
    assert errors.count("Invalid command 'NoSuchDirective'") == RESTARTS // 3


def test_a_restart_freezes_nothing_and_gives_frozen_cycles_back(monkeypatch):
    monkeypatch.setattr(collector, "FREEZE_AT", 0)
    monkeypatch.setattr(collector, "_holds", 0)
    monkeypatch.setattr(collector, "_grown", False)
    gc.callbacks.append(collector._after_collection)
    try:
        old = Generation()
        old.itself = old  # a cycle, as a generation is
        alive = weakref.ref(old)
        gc.collect()
        assert gc.get_freeze_count() > 0  # a long-lived generation is frozen
        collector.hold_freezing()
        gc.unfreeze()
        gc.collect()
        assert gc.get_freeze_count() == 0  # a restart is reading
        gc.freeze()  # frozen as it was when the restart began
        del old  # replaced
        gc.collect()
        assert alive() is not None  # frozen cyclic garbage
        collector.release_freezing()
        assert gc.get_freeze_count() == 0
        gc.collect()
        assert alive() is None
        assert gc.get_freeze_count() > 0  # the rest frozen again
    finally:
        gc.callbacks.remove(collector._after_collection)
        gc.unfreeze()


def test_the_tables_servers_are_not_walked_by_the_collector():
    table = ServerTable()
    gc.collect()
    before = len(gc.get_objects())
    for index in range(1000):
        table.add(f"10.0.{index >> 8}.{index & 255}", 80, now=1.0)
    assert [gc.is_tracked(server) for server in table.servers.values()] == [False] * 1000
    assert len(gc.get_objects()) - before < 10  # neither its servers nor its dict
    assert not gc.is_tracked(table.servers)
    server = table.servers.pop("10.0.0.1")
    assert sys.getrefcount(server) == 2  # freed by reference counting once dropped
    table.adopt(server)  # as restored from storage
    assert not gc.is_tracked(table.servers)
    assert asyncio.run(table.sweep(100.0)) == []
    assert len(table._stale) == 1000 and not gc.is_tracked(table._stale)


def test_a_restart_gives_back_only_what_was_frozen_after_start_up(monkeypatch):
    monkeypatch.setattr(collector, "_holds", 0)
    monkeypatch.setattr(collector, "_grown", False)
    try:
        collector.freeze_long_lived()  # start-up: the modules, the first generation
        frozen = gc.get_freeze_count()
        assert frozen > 0
        collector.hold_freezing()
        collector.release_freezing()
        assert gc.get_freeze_count() == frozen  # not walked again after every restart
        monkeypatch.setattr(collector, "FREEZE_AT", 0)
        grown = [Generation() for _ in range(100)]
        gc.collect()  # the old generation grew: frozen too, generation and all
        assert gc.get_freeze_count() >= frozen + 100 and collector._grown
        collector.hold_freezing()
        collector.release_freezing()
        assert gc.get_freeze_count() == 0 and not collector._grown
        del grown
    finally:
        gc.callbacks.remove(collector._after_collection)
        gc.unfreeze()
