"""Run heartmonitor and measure its event loop from inside: the CPU time of the longest turns.

A probe's round trip on a shared machine also counts the time the kernel gave other
processes; this counts only what the server's main thread spent between two ticks of a
2 ms timer (its own work: callbacks, garbage collection). At exit it writes one line
per tick, "monotonic_seconds cpu_ms", to the file named by HEARTMONITOR_TURNS_OUT
(time.monotonic is the same clock in every process: phases are cut out by time).

    HEARTMONITOR_TURNS_OUT=/tmp/turns python bench/loop_turns.py -f httpd.conf -DFOREGROUND

The interpreter running this file is the one whose heartmonitor is measured.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time

TICK = 0.002


class Turns:
    def __init__(self) -> None:
        self.last = time.thread_time()
        self.ticks: list[tuple[float, float]] = []

    def tick(self) -> None:
        now = time.thread_time()
        self.ticks.append((time.monotonic(), now - self.last))
        self.last = now
        asyncio.get_running_loop().call_later(TICK, self.tick)

    def write(self, path: str) -> None:
        with open(path, "w") as handle:
            handle.writelines(f"{when:.4f} {gap * 1000:.2f}\n" for when, gap in self.ticks)


def cpu_stalls(path: str, start: float, end: float) -> tuple[float, float]:
    """(longest, p99) CPU ms between two ticks within [start, end] of a file written above."""
    gaps = []
    with open(path) as handle:
        for line in handle:
            when, gap = (float(field) for field in line.split())
            if start <= when <= end:
                gaps.append(gap)
    gaps.sort()
    if not gaps:
        return 0.0, 0.0
    return gaps[-1], gaps[int(len(gaps) * 0.99)]


def main() -> int:
    # This directory has an http.py: it must not stand in for the standard library's.
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    import heartmonitor.serve as serve
    from heartmonitor.cli import main as heartmonitor

    turns = Turns()
    run = serve.run

    def measured(coroutine):
        async def ticking():
            turns.tick()
            return await coroutine
        return run(ticking())

    serve.run = measured
    sys.argv = ["heartmonitor", *sys.argv[1:]]
    try:
        return heartmonitor()
    finally:
        if os.environ.get("HEARTMONITOR_TURNS_OUT"):
            turns.write(os.environ["HEARTMONITOR_TURNS_OUT"])


if __name__ == "__main__":
    sys.exit(main())
