"""heartmonitorctl simulate: scenario files, their timeline, and a fleet a monitor hears."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from heartmonitor.ctl.scenario import ScenarioError, load
from tests.helpers import ROOT, write
from tests.live import PrivateNetwork, heartmonitor_server, request
from tests.test_ctl_pick import ctl
from tests.test_monitor import PORT, monitor_conf

SCENARIOS = os.path.join(ROOT, "conf", "scenarios")


@pytest.mark.parametrize("name", sorted(os.listdir(SCENARIOS)))
def test_shipped_scenarios_load(name):
    scenario = load(os.path.join(SCENARIOS, name))
    assert len(scenario.beats(0)) == scenario.servers


def test_outage_timeline():
    scenario = load(os.path.join(SCENARIOS, "outage.toml"))
    def alive(t: float) -> set[int]:
        sources = scenario.sources()
        return {sources.index(source) + 1 for source, _payload in scenario.beats(t)}
    everyone = set(range(1, 201))
    assert alive(19.9) == everyone
    assert alive(20) == everyone - set(range(1, 51))                     # die: first 25%
    assert alive(30) == everyone - set(range(1, 51)) - set(range(101, 121))  # partition
    assert alive(40) == alive(30) - set(range(121, 131))                 # flap: down 12 s
    assert alive(52) == everyone - set(range(101, 121))                  # return; flap up
    assert alive(55) == everyone                                         # partition over
    assert alive(64) == everyone - set(range(121, 131))                  # flap down again
    assert alive(88) == everyone                                         # flap over
    payloads = dict(scenario.beats(0))
    assert payloads["127.0.2.1"] == b"v=1&ready=10&busy=0"               # ramp start
    assert dict(scenario.beats(30))["127.0.2.60"] == b"v=1&ready=35&busy=15"
    late = dict(scenario.beats(70))
    assert late["127.0.2.131"] == b"v=1&ready=60&busy=30&port=8080"     # port event
    assert late["127.0.2.141"] == b"v=1&ready=60&busy=30"


def test_random_load_is_seeded_and_bounded():
    scenario = load(os.path.join(SCENARIOS, "post-random.toml"))
    first, again, other = scenario.load_at(0, 3), scenario.load_at(0, 3), scenario.load_at(0, 4)
    assert first == again != other
    assert all(0 <= ready <= 40 and 0 <= busy <= 20 for ready, busy in first + other)
    assert len({ready for ready, _busy in first}) > 10


@pytest.mark.parametrize("text, line, message", [
    ("[fleet]\nservers = 20001\n", 2,
     "[fleet]: servers must be a whole number from 1 to 10000, not 20001"),
    ("[fleet]\nservers = 5\n\n[send]\ntransport = \"carrier-pigeon\"\n", 5,
     "[send]: transport must be one of multicast, unicast, post, not 'carrier-pigeon'"),
    ("[send]\ntransport = \"unicast\"\nto = \"239.0.0.1:27999\"\n", 3,
     "[send]: unicast sends to a unicast address, not 239.0.0.1"),
    ("[send]\nto = \"10.0.0.1\"\n", 2, "[send]: to must be IPv4:port, not '10.0.0.1'"),
    ("[send]\nto = \"10.0.0.1:\u00b2\"\n", 2,
     "[send]: to must be IPv4:port, not '10.0.0.1:\u00b2'"),
    (f"[send]\nto = \"10.0.0.1:{'9' * 5000}\"\n", 2,
     f"[send]: to must be IPv4:port, not '10.0.0.1:{'9' * 5000}'"),
    ("[load]\nmodel = \"steady\"\nreddy = 5\n", 3,
     "[load]: unknown key 'reddy' (known: busy, busy_start, model, port, ramp, ready, "
     "ready_start, seed)"),
    ("[fleet]\nservers = 10\n[[event]]\nat = 1\naction = \"die\"\n[[event]]\nat = 2\n"
     "action = \"return\"\nservers = \"5-11\"\n", 9,
     "[[event]] #2: servers must be \"a-b\" within 1-10, not '5-11'"),
    ("[[event]]\nat = 1\naction = \"flap\"\n", 3, "[[event]] #1: flap needs for (seconds)"),
    ("[[event]]\nat = 1\n", 1, "[[event]] #1: an event needs at and action"),
    ("[fleet]\nservers = 5\nservers = 6\n", 3, "TOML: Cannot overwrite a value"),
    ("[fleet]\ninterval = 0\n", 2, "[fleet]: interval must be a number from 0.05 to 3600, not 0"),
    ("[flet]\nservers = 5\n", 1, "unknown table 'flet' (known: fleet, send, load, event)"),
])
def test_errors_name_file_and_line(tmp_path, text, line, message):
    path = write(str(tmp_path / "bad.toml"), text)
    with pytest.raises(ScenarioError) as caught:
        load(path)
    assert str(caught.value) == f"{path}:{line}: {message}"
    result = ctl("simulate", path)
    assert (result.returncode, result.stdout, result.stderr) == (
        1, "", f"heartmonitorctl simulate: {path}:{line}: {message}\n")


def test_a_fleet_by_multicast_and_by_post_reaches_the_monitor(tmp_path):
    directory = str(tmp_path)
    multicast = write(f"{directory}/multicast.toml", (
        "[fleet]\nservers = 10\nfirst = \"127.0.1.1\"\ninterval = 0.5\nduration = 4\n"
        "[load]\nready = 30\nbusy = 3\n"
        "[[event]]\nat = 1\naction = \"die\"\nservers = \"1-5\"\n"
        "[[event]]\nat = 0\naction = \"port\"\nservers = \"6-7\"\nport = 8080\n"))
    post = write(f"{directory}/post.toml", (
        "[fleet]\nservers = 3\nfirst = \"127.0.3.1\"\ninterval = 0.5\nduration = 4\n"
        f"[send]\ntransport = \"post\"\nto = \"http://127.0.0.1:{PORT}/hb\"\n"
        "[load]\nready = 7\nbusy = 1\n"))
    with PrivateNetwork(), heartmonitor_server(monitor_conf(directory), directory):
        command = [sys.executable, "-m", "heartmonitor.ctl", "simulate"]
        runs = [subprocess.Popen(command + [path], stdout=subprocess.PIPE, text=True, cwd=ROOT)
                for path in (multicast, post)]
        outputs = [run.communicate(timeout=30)[0] for run in runs]
        status = json.loads(request(PORT, path="/server-status?json")[2])
    servers = {row["IP"]: row for row in status["Heartbeat"]["Servers"]}
    assert outputs[0].splitlines()[:3] == [
        "simulating 10 servers from 127.0.1.1 by multicast to 239.0.0.1:27999 every 0.5 s",
        "t=0s port 2 servers (127.0.1.6-127.0.1.7): port 8080",
        "t=1s die 5 servers (127.0.1.1-127.0.1.5)"]
    assert outputs[0].splitlines()[3].endswith(", 0 lost")
    assert outputs[1].splitlines()[-1].endswith(", 0 lost")
    for n in range(1, 11):
        row = servers[f"127.0.1.{n}"]
        assert (row["Ready"], row["Busy"]) == (30, 3)
        assert row["Port"] == (8080 if n in (6, 7) else 80)
        assert (row["LastSeen"] >= 2) == (n <= 5), row
    for n in range(1, 4):
        assert (servers[f"127.0.3.{n}"]["Ready"], servers[f"127.0.3.{n}"]["Busy"]) == (7, 1)
