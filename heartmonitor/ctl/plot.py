"""`heartmonitorctl plot RECORD.jsonl -o OUT.svg|OUT.png`: a recording as stacked charts.

Panels, all against seconds since the recording started: fresh and stale server counts;
ready per server; busy per server; and, when the recording has them, pick chances per
server. Up to MAX_SERIES servers are drawn one line each (the ones with the highest
ready); samples where the monitor did not answer leave gaps. SVG, or PNG drawn by
raster.py (zlib and struct): no dependency.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from xml.sax.saxutils import escape

from .raster import BLACK, Canvas, colour_of

MAX_SERIES = 12
WIDTH, PANEL_HEIGHT, MARGIN_LEFT, MARGIN_RIGHT, GAP = 900, 180, 70, 150, 40
COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939")


class RecordError(Exception):
    pass


@dataclass
class Panel:
    title: str
    series: dict[str, list[tuple[float, float | None]]]


def read_record(path: str) -> list[dict]:
    samples = []
    try:
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    sample = json.loads(line)
                    float(sample["t"])
                except (ValueError, KeyError, TypeError):
                    raise RecordError(f"{path}:{number}: not a sample line") from None
                samples.append(sample)
    except OSError as error:
        raise RecordError(f"{path}: {error.strerror}") from None
    if not samples:
        raise RecordError(f"{path}: no samples")
    return samples


def panels(samples: list[dict]) -> list[Panel]:
    peak: dict[str, int] = {}
    for sample in samples:
        for ip, (ready, *_rest) in sample.get("servers", {}).items():
            peak[ip] = max(peak.get(ip, 0), ready)
    shown = sorted(peak, key=lambda ip: (-peak[ip], ip))[:MAX_SERIES]

    def column(index: int) -> dict[str, list[tuple[float, float | None]]]:
        return {ip: [(s["t"], s["servers"][ip][index] if ip in s.get("servers", {}) else None)
                     for s in samples] for ip in shown}

    counts: dict[str, list[tuple[float, float | None]]] = {
        "fresh": [(s["t"], sum(1 for v in s["servers"].values() if v[3])
                   if "servers" in s else None) for s in samples],
        "stale": [(s["t"], sum(1 for v in s["servers"].values() if not v[3])
                   if "servers" in s else None) for s in samples],
    }
    result = [Panel("servers (fresh, stale)", counts), Panel("ready", column(0)),
              Panel("busy", column(1))]
    if any("pick" in s for s in samples):
        result.append(Panel("pick chance", {ip: [(s["t"], s["pick"].get(ip, 0.0)
                                                  if "pick" in s else None) for s in samples]
                                            for ip in shown}))
    return result


@dataclass
class Drawing:
    """One panel placed on the page: pixel coordinates shared by the SVG and PNG forms."""

    title: str
    top: int
    bottom: int
    left: int
    right: int
    y_max: float
    t_end: float
    # (name, colour, runs of (x, y) points)
    lines: list[tuple[str, str, list[list[tuple[float, float]]]]]


def layout(samples: list[dict]) -> tuple[int, int, list[Drawing]]:
    """The page's width and height and its panels, placed."""
    charts = panels(samples)
    height = len(charts) * (PANEL_HEIGHT + GAP) + GAP
    t_end = max(s["t"] for s in samples) or 1.0
    plot_width = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    drawings = []
    for number, panel in enumerate(charts):
        top = GAP + number * (PANEL_HEIGHT + GAP)
        bottom = top + PANEL_HEIGHT
        values = [v for points in panel.series.values() for _t, v in points if v is not None]
        y_max = max(values, default=1) or 1
        lines = [(name, COLOURS[index % len(COLOURS)],
                  [[(MARGIN_LEFT + plot_width * t / t_end, bottom - PANEL_HEIGHT * v / y_max)
                    for t, v in run] for run in runs(points)])
                 for index, (name, points) in enumerate(panel.series.items())]
        drawings.append(Drawing(panel.title, top, bottom, MARGIN_LEFT,
                                MARGIN_LEFT + plot_width, y_max, t_end, lines))
    return WIDTH, height, drawings


def svg(samples: list[dict]) -> str:
    width, height, drawings = layout(samples)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
             f'<rect width="{width}" height="{height}" fill="white"/>']
    for panel in drawings:
        top, bottom, left, right = panel.top, panel.bottom, panel.left, panel.right
        parts.append(f'<g class="panel" data-title="{escape(panel.title)}">')
        parts.append(f'<text class="title" x="{left}" y="{top - 8}" font-size="13">'
                     f'{escape(panel.title)}</text>')
        parts.append(f'<line class="axis x" x1="{left}" y1="{bottom}" '
                     f'x2="{right}" y2="{bottom}" stroke="black"/>')
        parts.append(f'<line class="axis y" x1="{left}" y1="{top}" x2="{left}" '
                     f'y2="{bottom}" stroke="black"/>')
        parts.append(f'<text class="tick" x="{left - 6}" y="{top + 4}" '
                     f'text-anchor="end">{panel.y_max:g}</text>')
        parts.append(f'<text class="tick" x="{left - 6}" y="{bottom}" '
                     'text-anchor="end">0</text>')
        parts.append(f'<text class="label" x="{right}" y="{bottom + 14}" '
                     f'text-anchor="end">seconds (0 to {panel.t_end:g})</text>')
        for index, (name, colour, point_runs) in enumerate(panel.lines):
            for run in point_runs:
                coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
                parts.append(f'<polyline class="series" data-name="{escape(name)}" '
                             f'fill="none" stroke="{colour}" points="{coords}"/>')
            parts.append(f'<text class="legend" x="{right + 10}" '
                         f'y="{top + 12 + 13 * index}" fill="{colour}">{escape(name)}</text>')
        parts.append("</g>")
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def png(samples: list[dict]) -> bytes:
    """The same panels as svg(), drawn into pixels (lines one pixel wide, 5x7 text)."""
    width, height, drawings = layout(samples)
    canvas = Canvas(width, height)
    for panel in drawings:
        top, bottom, left, right = panel.top, panel.bottom, panel.left, panel.right
        canvas.text(left, top - 8, panel.title, scale=2)
        canvas.text(left - 6, top + 4, f"{panel.y_max:g}", anchor="end")
        canvas.text(left - 6, bottom, "0", anchor="end")
        canvas.text(right, bottom + 14, f"seconds (0 to {panel.t_end:g})", anchor="end")
        for index, (name, colour, point_runs) in enumerate(panel.lines):
            rgb = colour_of(colour)
            for run in point_runs:
                canvas.polyline(run, rgb)
            canvas.text(right + 10, top + 12 + 13 * index, name, rgb)
        # The axes last: a series starting at t=0 or at 0 must not hide them.
        canvas.line(left, bottom, right, bottom, BLACK)
        canvas.line(left, top, left, bottom, BLACK)
    return canvas.png()


def runs(points: list[tuple[float, float | None]]) -> list[list[tuple[float, float]]]:
    """Consecutive known values (a gap where the monitor did not answer)."""
    found: list[list[tuple[float, float]]] = [[]]
    for t, value in points:
        if value is None:
            if found[-1]:
                found.append([])
        else:
            found[-1].append((t, value))
    return [run for run in found if run]


def run(args, out, err) -> int:
    kind = args.output.rsplit(".", 1)[-1].lower()
    if kind not in ("svg", "png"):
        err.write("heartmonitorctl plot: the output is SVG or PNG: name it something.svg "
                  "or something.png\n")
        return 1
    try:
        samples = read_record(args.record)
    except RecordError as error:
        err.write(f"heartmonitorctl plot: {error}\n")
        return 1
    drawing = svg(samples).encode("utf-8") if kind == "svg" else png(samples)
    try:
        with open(args.output, "wb") as handle:
            handle.write(drawing)
    except OSError as error:
        err.write(f"heartmonitorctl plot: {args.output}: {error.strerror}\n")
        return 1
    return 0
