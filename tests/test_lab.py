"""The README's Test lab: the embedded monitor, a simulated fleet, the shipped balancer
example under a real apache2, and pick's odds, together."""

from __future__ import annotations

import collections
import http.client
import json
import math
import os
import shutil
import stat
import subprocess
import sys
import tempfile

import pytest

from tests.conftest import need_apache2
from tests.helpers import ROOT, heartmonitor
from tests.live import PrivateNetwork, Server, apache2_server, wait_for
from tests.test_ctl_pick import ctl
from tests.test_interop import Backends

BALANCER = os.path.join(ROOT, "conf", "extra", "httpd-balancer-heartbeat.conf")
STEADY = os.path.join(ROOT, "conf", "scenarios", "steady.toml")


def test_default_runtime_directory_is_searchable_by_other_users(tmp_path):
    env = {"XDG_RUNTIME_DIR": str(tmp_path), "HEARTMONITOR_RUNDIR": ""}
    result = heartmonitor("-t", env=env)
    assert (result.returncode, result.stderr) == (0, "Syntax OK\n")
    assert stat.S_IMODE(os.stat(tmp_path / "heartmonitor").st_mode) == 0o755


def _error_lines(path: str) -> list[str]:
    """The balancer's errors (why a request was answered 503), for a failing assertion."""
    with open(path) as log:
        return [line for line in log if ":error]" in line][:5]


@pytest.fixture
def rundir():
    path = tempfile.mkdtemp(prefix="hmlab-")
    os.chmod(path, 0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_monitor_fleet_and_real_balancer_as_the_readme_runs_them(rundir, monkeypatch):
    apache2 = need_apache2()
    monkeypatch.setenv("HEARTMONITOR_RUNDIR", rundir)
    members = [f"127.0.1.{n}" for n in range(1, 5)]
    with PrivateNetwork():
        monitor = Server([sys.executable, "-m", "heartmonitor", "-DFOREGROUND"], rundir,
                         ready_log="AH00489")
        monitor.error_log = os.path.join(rundir, "error_log")
        backends = Backends(members, 8000)
        # The fleet beats until the test stops it: a fleet that stopped by itself (it ran
        # 30 s once, too short on a loaded machine) leaves hb.dat with lastseen >= 10 and
        # the balancer answers 503 (AH01170: All workers are in error state). The duration
        # only bounds a fleet whose test died.
        fleet = subprocess.Popen([sys.executable, "-m", "heartmonitor.ctl", "simulate", STEADY,
                                  "--duration", "600"], cwd=ROOT, stdout=subprocess.DEVNULL)
        try:
            with monitor:
                hb = os.path.join(rundir, "hb.dat")
                assert wait_for(lambda: os.path.exists(hb) and open(hb).read().count("\n")
                                >= 100, timeout=10)
                result = ctl("pick", "-f", BALANCER, "--format", "json")
                assert result.returncode == 0, result.stderr
                odds = {url.split("//")[1].split(":")[0]: row["probability"]
                        for url, row in json.loads(result.stdout)["balancer://lab"].items()}
                balancer = apache2_server(apache2, BALANCER, rundir)
                balancer.error_log = os.path.join(rundir, "balancer_error_log")
                counts: collections.Counter = collections.Counter()
                with balancer:
                    connection = http.client.HTTPConnection("127.0.0.1", 8081, timeout=10)
                    for _ in range(800):
                        connection.request("GET", "/app")
                        response = connection.getresponse()
                        counts[(response.status, response.read().decode())] += 1
                    connection.close()
                errors = _error_lines(balancer.error_log)
        finally:
            fleet.terminate()
            fleet.wait()
            backends.close()
    assert sum(counts[(200, host)] for host in members) == 800, (counts, errors)
    # ready 50 busy 10 each: picks 0..200 in four ranges, the last one a pick longer.
    assert odds == pytest.approx({host: 50 / 201 for host in members[:3]}
                                 | {members[3]: 51 / 201}, abs=1e-3)
    for host in members:
        p = odds[host]
        assert abs(counts[(200, host)] / 800 - p) <= 4.5 * math.sqrt(p * (1 - p) / 800)
