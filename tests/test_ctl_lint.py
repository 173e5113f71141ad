"""heartmonitorctl lint: what goes wrong between a sender, a monitor and a balancer."""

from __future__ import annotations

import json
import os
import shutil
import tempfile

import pytest

from tests.helpers import write
from tests.test_ctl_pick import ctl

MODDIR = "/usr/lib/apache2/modules"


def sender(directory: str, address: str = "239.0.0.1:27999", interval: str = "") -> str:
    return write(f"{directory}/sender.conf", (
        f"ServerName s\nErrorLog {directory}/se\n"
        f"LoadModule heartbeat_module {MODDIR}/mod_heartbeat.so\n"
        f"HeartbeatAddress {address}\n{interval}"))


def monitor(directory: str, storage: str = "HeartbeatMaxServers 0\nHeartbeatStorage hb.dat\n"
            ) -> str:
    os.makedirs(f"{directory}/run", exist_ok=True)
    return write(f"{directory}/monitor.conf", (
        f"ServerName m\nErrorLog {directory}/me\nDefaultRuntimeDir {directory}/run\n"
        f"LoadModule slotmem_shm_module {MODDIR}/mod_slotmem_shm.so\n"
        f"LoadModule heartmonitor_module {MODDIR}/mod_heartmonitor.so\n"
        f"HeartbeatListen 239.0.0.1:27999\n{storage}"))


def balancer(directory: str, members: list[str], head: str = "", slotmem: bool = True) -> str:
    loads = "".join(f"LoadModule {m}_module {MODDIR}/mod_{m}.so\n" for m in (
        ["slotmem_shm"] if slotmem else []) + ["proxy", "proxy_balancer", "lbmethod_heartbeat"])
    return write(f"{directory}/balancer.conf", (
        f"ServerName b\nErrorLog {directory}/be\n{head}{loads}<Proxy balancer://hb>\n"
        + "".join(f"    BalancerMember {m}\n" for m in members)
        + "    ProxySet lbmethod=heartbeat\n</Proxy>\n"))


def lint_text(*paths: str) -> tuple[int, str, str]:
    result = ctl("lint", *paths)
    return result.returncode, result.stdout, result.stderr


def test_a_consistent_slotmem_lab_is_clean(tmp_path):
    d = str(tmp_path)
    result = lint_text(sender(d), monitor(d, "HeartbeatMaxServers 100\n"),
                       balancer(d, ["http://127.0.0.2:80", "http://[::1]:80"],
                                head=f"DefaultRuntimeDir {d}/run\n"))
    assert result == (0, "", "Lint OK\n")


@pytest.fixture
def searchable_dir():
    """A directory every user may search (pytest's own are 0700)."""
    path = tempfile.mkdtemp(prefix="hmlint-")
    os.chmod(path, 0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_every_cross_file_mistake(searchable_dir):
    d = searchable_dir
    os.mkdir(f"{d}/run", 0o700)
    paths = (sender(d, "239.0.0.2:27999", "WatchdogInterval 6\n"), monitor(d),
             balancer(d, ["http://127.0.0.2:8201", "http://backend:8201",
                          "http://127.0.0.2:8202"],
                      head=f"User nobody\nHeartbeatStorage {d}/run/hb.dat\n"))
    code, out, err = lint_text(*paths)
    prefix = "heartmonitorctl lint: "
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        f"{prefix}error: HeartbeatAddress 239.0.0.2:27999 is not the monitor's HeartbeatListen "
        f"239.0.0.1:27999 (line 6 of {d}/monitor.conf): the monitor never hears this sender "
        f"(line 4 of {d}/sender.conf)",
        f"{prefix}warn: WatchdogInterval 6: one lost heartbeat makes a server stale for the "
        f"balancer (lastseen >= 10) (line 5 of {d}/sender.conf)",
        f"{prefix}warn: when the monitor stops, {d}/run/hb.dat keeps its last lastseen values "
        "and a balancer reading it keeps picking those servers (the reader does not add the "
        "file's age); heartlab_module's 'HeartbeatOnStop expire' empties it "
        f"(line 8 of {d}/monitor.conf)",
        f"{prefix}error: BalancerMember http://backend:8201: 'backend' is not an IP address; "
        "mod_lbmethod_heartbeat compares the member's host text with the IPs in the storage "
        f"(no DNS), so it never gets a request (line 11 of {d}/balancer.conf)",
        f"{prefix}warn: BalancerMember http://127.0.0.2:8202 has the IP of "
        "http://127.0.0.2:8201: the lbmethod ignores ports, so one heartbeat stands for both "
        f"and the later member gets every pick (line 12 of {d}/balancer.conf)",
        f"{prefix}error: User nobody cannot read {d}/run/hb.dat ({d}/run is not searchable "
        "for it): every balancer request fails with AH01213 and a 503 "
        f"(line 3 of {d}/balancer.conf)",
        "Lint failed",
    ]
    result = ctl("lint", *paths, "--format", "json")
    document = json.loads(result.stdout)
    assert (result.returncode, document["ok"], document["exit_code"]) == (1, False, 1)
    assert document["diagnostics"][0] == {
        "file": f"{d}/sender.conf", "line": 4, "severity": "error", "code": None,
        "message": "HeartbeatAddress 239.0.0.2:27999 is not the monitor's HeartbeatListen "
                   f"239.0.0.1:27999 (line 6 of {d}/monitor.conf): the monitor never hears "
                   "this sender"}
    assert [e["severity"] for e in document["diagnostics"]] == [
        "error", "warn", "warn", "error", "warn", "error"]
    os.chmod(f"{d}/run", 0o755)
    code, _out, err = lint_text(*paths)
    assert "cannot read" not in err


@pytest.mark.parametrize("monitor_storage, balancer_head, slotmem, expected", [
    ("HeartbeatMaxServers 0\nHeartbeatStorage hb.dat\n", "HeartbeatStorage /elsewhere/hb.dat\n",
     True, "the balancer reads file /elsewhere/hb.dat but the monitor writes file {d}/run/hb.dat:"
     " give the balancer the monitor's HeartbeatStorage (line 3 of {d}/balancer.conf)"),
    ("HeartbeatMaxServers 10\n", "DefaultRuntimeDir {d}/run\n", False,
     "the balancer reads file {d}/run/hb.dat but the monitor writes slotmem "
     "{d}/run/slotmem-shm-mod_heartmonitor_0.shm: load mod_slotmem_shm in the balancer and give"
     " it the monitor's DefaultRuntimeDir ({d}/balancer.conf)"),
    ("HeartbeatMaxServers 10\n", "DefaultRuntimeDir {d}/other\n", True,
     "the balancer reads slotmem {d}/other/slotmem-shm-mod_heartmonitor_0.shm but the monitor "
     "writes slotmem {d}/run/slotmem-shm-mod_heartmonitor_0.shm: give the balancer the "
     "monitor's DefaultRuntimeDir ({d}/balancer.conf)"),
])
def test_balancer_reads_another_storage(tmp_path, monitor_storage, balancer_head, slotmem,
                                        expected):
    d = str(tmp_path)
    os.mkdir(f"{d}/other")
    paths = (sender(d), monitor(d, monitor_storage),
             balancer(d, ["http://127.0.0.2:80"], head=balancer_head.format(d=d),
                      slotmem=slotmem))
    code, _out, err = lint_text(*paths)
    lines = [line for line in err.splitlines() if ": error: " in line]
    assert (code, lines) == (1, ["heartmonitorctl lint: error: " + expected.format(d=d)])


def test_stale_interval_missing_roles_and_broken_files(tmp_path):
    d = str(tmp_path)
    code, _out, err = lint_text(sender(d, interval="WatchdogInterval 10\n"),
                                monitor(d, "HeartbeatMaxServers 10\n"))
    assert (code, err) == (1, (
        "heartmonitorctl lint: error: WatchdogInterval 10: the sender beats every 10 s, so a "
        "balancer finds each of its servers stale (lastseen >= 10) before the next heartbeat "
        f"(line 5 of {d}/sender.conf)\nLint failed\n"))
    plain = write(f"{d}/plain.conf", f"ServerName x\nErrorLog {d}/e\n")
    code, _out, err = lint_text(plain, plain, plain)
    assert (code, err) == (1, (
        "heartmonitorctl lint: error: the sender has no HeartbeatAddress (mod_heartbeat not "
        f"loaded or not configured): it sends no heartbeats ({plain})\n"
        "heartmonitorctl lint: error: the monitor has no HeartbeatListen (mod_heartmonitor not "
        f"loaded or not configured): it hears no heartbeats ({plain})\n"
        "heartmonitorctl lint: error: no balancer with lbmethod=heartbeat and members "
        f"({plain})\nLint failed\n"))
    broken = write(f"{d}/broken.conf", "ServerName x\nHeartbeatAdress 1\n")
    assert lint_text(broken, plain) == (1, "", (
        f"AH00526: Syntax error on line 2 of {broken}:\nInvalid command 'HeartbeatAdress', "
        "perhaps misspelled or defined by a module not included in the server configuration\n"))
    result = ctl("lint", broken, plain, "--format", "json")
    assert (result.returncode, json.loads(result.stdout)) == (1, {
        "ok": False, "exit_code": 1, "diagnostics": [{
            "file": broken, "line": 2, "severity": "error", "code": "AH00526",
            "message": "Invalid command 'HeartbeatAdress', perhaps misspelled or defined by a "
                       "module not included in the server configuration"}]})
