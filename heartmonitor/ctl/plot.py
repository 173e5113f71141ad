"""`heartmonitorctl plot RECORD.jsonl -o OUT.svg`: a recording drawn as stacked charts.

Panels, all against seconds since the recording started: fresh and stale server counts;
ready per server; busy per server; and, when the recording has them, pick chances per
server. Up to MAX_SERIES servers are drawn one line each (the ones with the highest
ready); samples where the monitor did not answer leave gaps. Plain SVG, no dependency.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from xml.sax.saxutils import escape

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


def svg(samples: list[dict]) -> str:
    charts = panels(samples)
    height = len(charts) * (PANEL_HEIGHT + GAP) + GAP
    t_end = max(s["t"] for s in samples) or 1.0
    plot_width = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
             f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="11">',
             f'<rect width="{WIDTH}" height="{height}" fill="white"/>']
    for number, panel in enumerate(charts):
        top = GAP + number * (PANEL_HEIGHT + GAP)
        values = [v for points in panel.series.values() for _t, v in points if v is not None]
        y_max = max(values, default=1) or 1
        parts.append(f'<g class="panel" data-title="{escape(panel.title)}">')
        parts.append(f'<text class="title" x="{MARGIN_LEFT}" y="{top - 8}" font-size="13">'
                     f'{escape(panel.title)}</text>')
        bottom = top + PANEL_HEIGHT
        parts.append(f'<line class="axis x" x1="{MARGIN_LEFT}" y1="{bottom}" '
                     f'x2="{MARGIN_LEFT + plot_width}" y2="{bottom}" stroke="black"/>')
        parts.append(f'<line class="axis y" x1="{MARGIN_LEFT}" y1="{top}" x2="{MARGIN_LEFT}" '
                     f'y2="{bottom}" stroke="black"/>')
        parts.append(f'<text class="tick" x="{MARGIN_LEFT - 6}" y="{top + 4}" '
                     f'text-anchor="end">{y_max:g}</text>')
        parts.append(f'<text class="tick" x="{MARGIN_LEFT - 6}" y="{bottom}" '
                     'text-anchor="end">0</text>')
        parts.append(f'<text class="label" x="{MARGIN_LEFT + plot_width}" y="{bottom + 14}" '
                     f'text-anchor="end">seconds (0 to {t_end:g})</text>')
        for index, (name, points) in enumerate(panel.series.items()):
            colour = COLOURS[index % len(COLOURS)]
            for run in runs(points):
                coords = " ".join(
                    f"{MARGIN_LEFT + plot_width * t / t_end:.1f},"
                    f"{bottom - PANEL_HEIGHT * v / y_max:.1f}" for t, v in run)
                parts.append(f'<polyline class="series" data-name="{escape(name)}" '
                             f'fill="none" stroke="{colour}" points="{coords}"/>')
            parts.append(f'<text class="legend" x="{MARGIN_LEFT + plot_width + 10}" '
                         f'y="{top + 12 + 13 * index}" fill="{colour}">{escape(name)}</text>')
        parts.append("</g>")
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


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
    if not args.output.endswith(".svg"):
        err.write("heartmonitorctl plot: the output is SVG: name it something.svg\n")
        return 1
    try:
        drawing = svg(read_record(args.record))
    except RecordError as error:
        err.write(f"heartmonitorctl plot: {error}\n")
        return 1
    try:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(drawing)
    except OSError as error:
        err.write(f"heartmonitorctl plot: {args.output}: {error.strerror}\n")
        return 1
    return 0
