"""heartmonitorctl pick: mod_lbmethod_heartbeat's exact odds, by hand and against apache2."""

from __future__ import annotations

import collections
import http.client
import json
import math
import os
import subprocess
import sys
import time
from fractions import Fraction

import pytest

from heartmonitor.ctl.pickmath import member_odds, pick_range_odds
from tests.conftest import need_apache2
from tests.helpers import ROOT, write
from tests.live import PrivateNetwork, apache2_config, apache2_server
from tests.test_interop import Backends

# mod_proxy_balancer needs mod_slotmem_shm; the lbmethod still reads the file while
# mod_heartmonitor's segment does not exist (AH02282).
BALANCER_MODULES = ["authz_core", "slotmem_shm", "proxy", "proxy_http", "proxy_balancer",
                    "lbmethod_heartbeat"]


def ctl(*args: str, cwd: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "heartmonitor.ctl", *args], capture_output=True,
                          text=True, cwd=cwd or ROOT, timeout=60)


def balancer_conf(directory: str, members: list[str], storage: str = "", port: int = 8185,
                  modules: list[str] = BALANCER_MODULES) -> str:
    body = (f"HeartbeatStorage {directory}/hb.dat\n{storage}<Proxy balancer://hb>\n"
            + "".join(f"    BalancerMember {m}\n" for m in members)
            + "    ProxySet lbmethod=heartbeat\n</Proxy>\nProxyPass /app balancer://hb\n")
    return write(os.path.join(directory, "httpd.conf"),
                 apache2_config(directory, port, body, modules))


def pick_json(conf: str) -> dict:
    result = ctl("pick", "-f", conf, "--format", "json")
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    return json.loads(result.stdout)["balancer://hb"]


# -- the arithmetic, by hand ------------------------------------------------------------

def test_inclusive_pick_with_16_bit_draws():
    """ready 10 and 30: openslots 40, picks 0..40; 0..9 go to the first (10 of 41 values),
    10..40 to the second; n in 0..65535 maps to floor(41 n / 65536)."""
    assert member_odds([10, 30]) == [Fraction(15985, 65536), Fraction(49551, 65536)]
    assert pick_range_odds(0, 40, 40) == 1


def test_boundary_overlap_last_match_wins():
    # A ready-0 member after another wins the one shared pick (10 of 0..10) ...
    assert member_odds([10, 0]) == [Fraction(59579, 65536), Fraction(5957, 65536)]
    # ... and loses it to a later member starting at the same place.
    assert member_odds([0, 10]) == [0, 1]
    assert member_odds([5, 0, 5]) == [pick_range_odds(0, 4, 10), 0, pick_range_odds(5, 10, 10)]


def test_large_openslots_draw_32_bits():
    odds = member_odds([10000, 10000])
    assert odds == [Fraction(math.ceil(10000 * 2**32 / 20001), 2**32),
                    1 - Fraction(math.ceil(10000 * 2**32 / 20001), 2**32)]


def test_no_open_slots_and_negative_ready():
    assert member_odds([0, 0]) == [0, 0]
    # atoi("-2") in a hand-written file: apr_uint32_t arithmetic, walked pick by pick.
    odds = member_odds([5, -2, 4])
    assert sum(odds) == 1 and odds[1] == 0


# -- a configuration and its storage ------------------------------------------------------

def test_penalty_stale_unmatched_disabled_and_duplicate(tmp_path):
    directory = str(tmp_path)
    write(f"{directory}/hb.dat", (
        "# written by hand\n"
        "127.0.0.2 &ready=10&busy=5&lastseen=1&port=80\n"
        "127.0.0.3 &ready=40&busy=0&lastseen=0&port=80\n"     # busy 0: ready 40 / 4 = 10
        "127.0.0.4 &ready=30&busy=5&lastseen=10&port=80\n"    # stale: lastseen >= 10
        "127.0.0.5 &ready=20&busy=1&port=80\n"                # no lastseen: fresh (-1)
        "127.0.0.6 &ready=20&busy=1&lastseen=9&port=80\n"))
    conf = balancer_conf(directory, [
        "http://127.0.0.2:8201", "http://127.0.0.3:9999", "http://127.0.0.4:8201",
        "http://127.0.0.5:8201", "http://127.0.0.6:8201 status=+D", "http://backend:8201",
        "http://127.0.0.5:8202"])
    table = pick_json(conf)
    # Up, in order: .2 (10), .3 (10), .5 (20), .5 again (20) -> openslots 60.
    expected = {
        "http://127.0.0.2:8201": (pick_range_odds(0, 9, 60), 10, 5, 1, None),
        "http://127.0.0.3:9999": (pick_range_odds(10, 19, 60), 10, 0, 0, None),
        "http://127.0.0.4:8201": (0, 30, 5, 10, "stale: lastseen 10 >= 10"),
        "http://127.0.0.5:8201": (0, 20, 1, -1,
                                  "same host as http://127.0.0.5:8202, which gets its picks"),
        "http://127.0.0.6:8201": (0, 20, 1, 9, "disabled (status=D)"),
        "http://backend:8201": (0, None, None, None, "no heartbeat from backend in the storage"),
        "http://127.0.0.5:8202": (pick_range_odds(20, 60, 60), 20, 1, -1, None),
    }
    assert {url: (row["probability"], row["ready"], row["busy"], row["lastseen"],
                  row["reason"]) for url, row in table.items()} == {
        url: (float(p), *rest) for url, (p, *rest) in expected.items()}
    assert sum(row["probability"] for row in table.values()) == pytest.approx(1, abs=1e-12)


def test_text_form_and_bad_input(tmp_path):
    directory = str(tmp_path)
    write(f"{directory}/hb.dat", "127.0.0.2 &ready=10&busy=5&lastseen=1&port=80\n")
    conf = balancer_conf(directory, ["http://127.0.0.2:8201", "http://127.0.0.3:8201"])
    result = ctl("pick", "-f", conf)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == (
        f"storage: file {directory}/hb.dat\nbalancer://hb\n"
        "    http://127.0.0.2:8201  100.000%  ready=10 busy=5 lastseen=1\n"
        "    http://127.0.0.3:8201    0.000%  ready=- busy=- lastseen=-  "
        "(no heartbeat from 127.0.0.3 in the storage)\n")
    os.unlink(f"{directory}/hb.dat")
    reason = pick_json(conf)["http://127.0.0.2:8201"]["reason"]
    assert reason == (f"AH01213: lb_heartbeat: Unable to read heartbeats at '{directory}/hb.dat'"
                      " (No such file or directory): every request gets 503")
    plain = write(f"{directory}/plain.conf", f"ServerName x\nErrorLog {directory}/e\n")
    result = ctl("pick", "-f", plain)
    assert (result.returncode, result.stdout, result.stderr) == (1, "", (
        f"heartmonitorctl pick: no balancer with lbmethod=heartbeat and members in {plain}\n"))
    broken = write(f"{directory}/broken.conf", "ServerName x\nBalancerMembr x\n")
    result = ctl("pick", "-f", broken)
    assert (result.returncode, result.stdout, result.stderr) == (1, "", (
        f"AH00526: Syntax error on line 2 of {broken}:\nInvalid command 'BalancerMembr', "
        "perhaps misspelled or defined by a module not included in the server configuration\n"))


def test_slotmem_storage_is_read_when_attached(tmp_path):
    from heartmonitor.modules.cluster.slotmem import SLOT_SIZE, TYPE_PREGRAB, Slotmem, pack_slot

    directory = str(tmp_path)
    slotmem = Slotmem.create(f"{directory}/slotmem-shm-mod_heartmonitor_0.shm", SLOT_SIZE, 10,
                             TYPE_PREGRAB)
    try:
        now_us = int(time.time() * 1_000_000)
        for ip, busy, ready, age in (("127.0.0.2", 5, 10, 0), ("127.0.0.3", 0, 40, 20)):
            index = slotmem.grab()
            slotmem.put(index, pack_slot(ip, busy, ready, now_us - age * 1_000_000, index))
        conf = balancer_conf(directory, ["http://127.0.0.2:1", "http://127.0.0.3:1"],
                             modules=BALANCER_MODULES)
        rows = pick_json(conf)
        read_within = int(time.time() - now_us / 1_000_000)  # pick's start-up under load
    finally:
        slotmem.close()
    assert rows["http://127.0.0.2:1"]["probability"] == 1.0
    assert (rows["http://127.0.0.3:1"]["ready"], rows["http://127.0.0.3:1"]["busy"]) == (10, 0)
    assert rows["http://127.0.0.3:1"]["reason"] in [
        f"stale: lastseen {20 + late} >= 10" for late in range(read_within + 1)]


# -- a real balancer ------------------------------------------------------------------------

def test_pick_matches_a_real_balancers_split(tmp_path):
    """Members .2 (10), .3 (40 busy 0 -> 10), .4 stale, .5 (30), .6 (ready 0 at the last
    boundary), .7 unmatched: 3000 requests through apache2 land as pick says."""
    apache2 = need_apache2()
    directory = str(tmp_path)
    write(f"{directory}/hb.dat", (
        "127.0.0.2 &ready=10&busy=5&lastseen=1&port=80\n"
        "127.0.0.3 &ready=40&busy=0&lastseen=0&port=80\n"
        "127.0.0.4 &ready=50&busy=5&lastseen=11&port=80\n"
        "127.0.0.5 &ready=30&busy=5&lastseen=2&port=80\n"
        "127.0.0.6 &ready=0&busy=9&lastseen=2&port=80\n"))
    hosts = [f"127.0.0.{n}" for n in range(2, 8)]
    conf = balancer_conf(directory, [f"http://{h}:8201" for h in hosts])
    predicted = {url.split("//")[1].split(":")[0]: row["probability"]
                 for url, row in pick_json(conf).items()}
    total = 3000
    counts: collections.Counter = collections.Counter()
    with PrivateNetwork():
        backends = Backends(hosts, 8201)
        try:
            with apache2_server(apache2, conf, directory):
                connection = http.client.HTTPConnection("127.0.0.1", 8185, timeout=10)
                for _ in range(total):
                    connection.request("GET", "/app")
                    response = connection.getresponse()
                    counts[(response.status, response.read().decode())] += 1
                connection.close()
        finally:
            backends.close()
    assert {status for status, _host in counts} == {200}
    for host in hosts:
        p = predicted[host]
        measured = counts[(200, host)] / total
        if p == 0:
            assert measured == 0, host
        else:
            assert abs(measured - p) <= 4.5 * math.sqrt(p * (1 - p) / total), (host, measured, p)
    assert predicted["127.0.0.6"] == pytest.approx(1 / 51, abs=1e-3)
