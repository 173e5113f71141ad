"""heartmonitorctl record and plot: a monitor sampled over time, then drawn as SVG or PNG."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
import zlib

from tests.helpers import ROOT, write
from tests.live import PrivateNetwork, heartmonitor_server, read, send, wait_for
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
            # A sample answered (the recorder writes each as it comes), then the rest of
            # the recording: the monitor does not answer.
            assert wait_for(lambda: '"servers"' in read(record), timeout=10)
            monitor.stop()
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
    result = ctl("plot", bad, "-o", str(tmp_path / "x.gif"))
    assert (result.returncode, result.stderr) == (
        1, "heartmonitorctl plot: the output is SVG or PNG: name it something.svg or "
           "something.png\n")


def decode_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of RGB bytes) of an 8-bit RGB PNG, any row filter."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks, idat = 8, [], b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position:position + 4])
        kind, body = data[position + 4:position + 8], data[position + 8:position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length:position + 12 + length])
        assert crc == zlib.crc32(kind + body)
        chunks.append(kind)
        idat += body if kind == b"IDAT" else b""
        if kind == b"IHDR":
            width, height, depth, colour_type, *_rest = struct.unpack(">IIBBBBB", body)
            assert (depth, colour_type) == (8, 2)
        position += 12 + length
    assert chunks[0] == b"IHDR" and chunks[-1] == b"IEND"
    raw, stride, rows = zlib.decompress(idat), width * 3, []
    previous = bytes(stride)
    for row in range(height):
        kind, line = raw[row * (stride + 1)], bytearray(raw[row * (stride + 1) + 1:
                                                           (row + 1) * (stride + 1)])
        for i in range(stride if kind else 0):
            left = line[i - 3] if i >= 3 else 0
            up, corner = previous[i], previous[i - 3] if i >= 3 else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                guess = left + up - corner
                pa, pb, pc = abs(guess - left), abs(guess - up), abs(guess - corner)
                near = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + near) & 0xFF
        assert kind <= 4
        rows.append(bytes(line))
        previous = rows[-1]
    return width, height, rows


def test_plot_png(tmp_path):
    """The PNG has the SVG's size and panels: axes, and each series in its colour."""
    lines = []
    for step in range(10):
        servers = {"127.0.0.2": [10 + step, 2, 0, True], "127.0.0.3": [40, 1, 0, step < 8]}
        sample = {"t": step * 0.5, "time": 0, "servers": servers} if step != 5 else {
            "t": step * 0.5, "time": 0, "error": "connection refused"}
        lines.append(json.dumps(sample) + "\n")
    record = write(str(tmp_path / "lab.jsonl"), "".join(lines))
    result = ctl("plot", record, "-o", str(tmp_path / "lab.png"))
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    width, height, rows = decode_png((tmp_path / "lab.png").read_bytes())
    assert (width, height) == (900, 700)

    def pixel(x: int, y: int) -> tuple[int, ...]:
        return tuple(rows[y][3 * x:3 * x + 3])

    def count(colour: tuple[int, ...], top: int, bottom: int) -> int:
        pattern = bytes(colour)
        return sum(1 for row in rows[top:bottom] for x in range(width)
                   if row[3 * x:3 * x + 3] == pattern)

    black, white = (0, 0, 0), (255, 255, 255)
    blue, orange = (0x1F, 0x77, 0xB4), (0xFF, 0x7F, 0x0E)
    for top in (40, 260, 480):  # three panels: servers, ready, busy
        bottom = top + 180
        assert all(pixel(70, y) == black for y in range(top, bottom + 1))      # y axis
        assert all(pixel(x, bottom) == black for x in range(70, 751))         # x axis
        assert pixel(71, top + 90) in (white, blue, orange)
        assert count(blue, top, bottom) > 100 and count(orange, top, bottom) > 100
        assert count(black, top - 30, top - 6) > 50                           # its title
    # ready: 127.0.0.3 (the highest, first colour) runs along the top edge, with a gap
    # where the monitor did not answer (t=2 to t=3 of 4.5: x=372 to x=523).
    assert pixel(100, 260) == blue and pixel(372, 260) == blue
    assert pixel(373, 260) == pixel(522, 260) == white and pixel(523, 260) == blue

