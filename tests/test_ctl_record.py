"""heartmonitorctl record and plot: a monitor sampled over time, then drawn as SVG."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET

from tests.helpers import ROOT, write
from tests.live import PrivateNetwork, heartmonitor_server, send
from tests.test_ctl_pick import ctl
from tests.test_monitor import PORT, monitor_conf

SVG = "{http://www.w3.org/2000/svg}"


def test_record_then_plot(tmp_path):
    directory = str(tmp_path)
    record = f"{directory}/lab.jsonl"
    with PrivateNetwork():
        with heartmonitor_server(monitor_conf(directory), directory) as monitor:
            send(b"v=1&ready=10&busy=5", "127.0.0.2")
            send(b"v=1&ready=40&busy=1", "127.0.0.3")
            recorder = subprocess.Popen(
                [sys.executable, "-m", "heartmonitor.ctl", "record",
                 f"http://127.0.0.1:{PORT}/server-status", "-o", record, "--interval", "0.5",
                 "--duration", "3"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
            subprocess.run(["sleep", "1.5"])
            monitor.stop()  # the rest of the recording: the monitor does not answer
            out, _err = recorder.communicate(timeout=20)
    assert out == f"6 samples written to {record}\n"
    samples = [json.loads(line) for line in open(record)]
    assert [s["t"] for s in samples] == sorted(s["t"] for s in samples)
    answered = [s for s in samples if "servers" in s]
    assert answered and answered[0]["servers"]["127.0.0.3"][:2] == [40, 1]
    assert answered[0]["servers"]["127.0.0.2"][3] is True
    assert any("error" in s for s in samples[-2:])

    result = ctl("plot", record, "-o", f"{directory}/lab.svg")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    root = ET.parse(f"{directory}/lab.svg").getroot()
    assert (root.tag, root.get("width"), root.get("height")) == (f"{SVG}svg", "900", "700")
    titles = [g.get("data-title") for g in root.iter(f"{SVG}g")]
    assert titles == ["servers (fresh, stale)", "ready", "busy"]
    for panel in root.iter(f"{SVG}g"):
        assert len([line for line in panel.iter(f"{SVG}line")]) == 2  # x and y axes
        labels = [t.text for t in panel.iter(f"{SVG}text") if t.get("class") == "label"]
        assert labels[0].startswith("seconds (0 to ")
    series = {(g.get("data-title"), p.get("data-name")) for g in root.iter(f"{SVG}g")
              for p in g.iter(f"{SVG}polyline")}
    assert series == {("servers (fresh, stale)", "fresh"), ("servers (fresh, stale)", "stale"),
                      ("ready", "127.0.0.3"), ("ready", "127.0.0.2"),
                      ("busy", "127.0.0.3"), ("busy", "127.0.0.2")}
    ready_line = next(p for g in root.iter(f"{SVG}g") if g.get("data-title") == "ready"
                      for p in g.iter(f"{SVG}polyline") if p.get("data-name") == "127.0.0.3")
    # The highest ready is drawn at the top edge of the second panel: 40 + 180 + 40.
    assert {point.split(",")[1] for point in ready_line.get("points").split()} == {"260.0"}


def test_plot_bad_input(tmp_path):
    bad = write(str(tmp_path / "bad.jsonl"), '{"t": 0, "servers": {}}\nnot json\n')
    result = ctl("plot", bad, "-o", str(tmp_path / "x.svg"))
    assert (result.returncode, result.stderr) == (
        1, f"heartmonitorctl plot: {bad}:2: not a sample line\n")
    result = ctl("plot", bad, "-o", str(tmp_path / "x.png"))
    assert (result.returncode, result.stderr) == (
        1, "heartmonitorctl plot: the output is SVG: name it something.svg\n")
