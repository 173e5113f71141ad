"""Run heartmonitor and measure its event loop from inside: the CPU time of the longest turns.

A probe's round trip on a shared machine also counts the time the kernel gave other
processes; this counts only what the server's main thread spent between two ticks of a
2 ms timer (its own work: callbacks, garbage collection). At exit it writes one line
per tick, "monotonic_seconds cpu_ms", to the file named by HEARTMONITOR_TURNS_OUT
(time.monotonic is the same clock in every process: phases are cut out by time).

    HEARTMONITOR_TURNS_OUT=/tmp/turns python bench/loop_turns.py -f httpd.conf -DFOREGROUND

With HEARTMONITOR_STALLS_OUT=file as well, a watcher thread notices when the loop's tick
is more than STALL late and samples the main thread's stack (sys._current_frames) every
SAMPLE seconds until it ticks again; at exit the file holds, per stall whose own CPU time
went over STALL, its CPU ms and the stacks sampled during it (stall_report() reads it).
Garbage collections are timed too (gc.callbacks: CPU time of the collecting thread,
with the objects in each generation and where it started), as they hold the GIL
without a Python frame to sample. Off unless the variable is set: the server itself never pays.

HEARTMONITOR_MEMORY_OUT=file samples RSS and the allocators every 10 s (memory_watch);
HEARTMONITOR_TRACEMALLOC_OUT=file lists where live allocations grew (allocation_watch).

The interpreter running this file is the one whose heartmonitor is measured.
"""

from __future__ import annotations

import asyncio
import collections
import ctypes
import gc
import os
import sys
import threading
import time
import traceback

TICK = 0.002
STALL = 0.05
SAMPLE = 0.005
MEMORY_EVERY = 10.0
GC_SHOWN = 0.005  # full collections that took this much CPU are listed


class Turns:
    def __init__(self) -> None:
        self.last = time.thread_time()
        self.last_wall = time.monotonic()
        self.ticks: list[tuple[float, float]] = []

    def tick(self) -> None:
        now, wall = time.thread_time(), time.monotonic()
        self.ticks.append((wall, now - self.last))
        self.last, self.last_wall = now, wall  # after the append: the watcher reads it
        asyncio.get_running_loop().call_later(TICK, self.tick)

    def write(self, path: str) -> None:
        with open(path, "w") as handle:
            handle.writelines(f"{when:.4f} {gap * 1000:.2f}\n" for when, gap in self.ticks)


class StallWatcher(threading.Thread):
    """Samples the main thread's stack while the loop's tick is late (see the docstring)."""

    def __init__(self, turns: Turns) -> None:
        super().__init__(name="stall-watcher", daemon=True)
        self.turns = turns
        self.main = threading.main_thread().ident
        self.stalls: list[tuple[float, float, collections.Counter]] = []
        self.gc_started = 0.0
        self.gc_where = ""
        self.gcs: list[tuple[float, float, str]] = []  # (when, ms, thread and stack)

    def run(self) -> None:
        assert self.main is not None
        while True:
            time.sleep(SAMPLE)
            tick = self.turns.last_wall
            if time.monotonic() - tick < STALL:
                continue
            stacks: collections.Counter = collections.Counter()
            while self.turns.last_wall == tick:
                frame = sys._current_frames().get(self.main)
                if frame is not None:
                    stacks[_stack(frame)] += 1
                time.sleep(SAMPLE)
            cpu = self.turns.ticks[-1][1]
            if cpu >= STALL:
                self.stalls.append((tick, cpu * 1000, stacks))

    def on_gc(self, phase: str, info: dict) -> None:
        generation = info["generation"]
        if phase == "start":
            self.gc_where = ""
            if generation == 2:  # a young one is timed alone (listing would cost more)
                counts = [len(gc.get_objects(n)) for n in range(3)]
                self.gc_where = f"objects {counts} largest {_largest_containers()} "
            self.gc_started = time.thread_time()
        else:
            ms = (time.thread_time() - self.gc_started) * 1000
            if ms >= GC_SHOWN * 1000:
                where = (f"{threading.current_thread().name} generation {generation} "
                         f"collected {info['collected']} "
                         f"{self.gc_where}{_stack(sys._getframe(0))}")
                self.gcs.append((time.monotonic(), ms, where))

    def write(self, path: str) -> None:
        with open(path, "w") as handle:
            for when, ms, where in self.gcs:
                handle.write(f"gc {when:.4f} {ms:.1f}\n  1 {where}\n")
            for when, ms, stacks in self.stalls:
                handle.write(f"stall {when:.4f} {ms:.1f}\n")
                for stack, count in stacks.most_common(3):
                    handle.write(f"  {count} {stack}\n")


def _largest_containers(top: int = 3) -> str:
    """The old generation's containers with the most items, which a full collection
    walks one memory access per item: "dict:300000 set:60000"."""
    sizes = sorted(((len(o), type(o).__name__) for o in gc.get_objects(2)
                    if isinstance(o, (dict, list, set, tuple, collections.deque))
                    and len(o) > 1000), reverse=True)
    return " ".join(f"{name}:{size}" for size, name in sizes[:top]) or "-"


def _stack(frame) -> str:
    """The innermost frames of heartmonitor's code (and the one it called), as one line."""
    frames = traceback.extract_stack(frame)
    last = max((i for i, f in enumerate(frames) if "/heartmonitor/" in f.filename),
               default=len(frames) - 1)
    shown = frames[max(0, last - 4) : last + 2]
    return " < ".join(f"{os.path.basename(f.filename)}:{f.lineno} {f.name}"
                      for f in reversed(shown))


def stall_report(path: str, start: float, end: float, top: int = 8) -> list[str]:
    """The longest stalls within [start, end] of a file written above, with their stacks."""
    blocks: list[tuple[float, list[str]]] = []
    inside = False
    with open(path) as handle:
        for line in handle:
            if line.startswith("  "):
                if inside:
                    blocks[-1][1].append(line.rstrip())
                continue
            kind, when, ms = line.split()
            inside = start <= float(when) <= end
            if inside:
                blocks.append((float(ms), [f"{kind} {float(ms):.0f} ms at "
                                            f"+{float(when) - start:.0f} s"]))
    blocks.sort(key=lambda block: -block[0])
    return [text for _ms, lines in blocks[:top] for text in lines]


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


class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]


def memory_watch(path: str) -> None:
    """Every MEMORY_EVERY seconds one line: monotonic seconds, RSS, the bytes Python's
    allocator has in blocks (sys.getallocatedblocks is a count: times 64 is rough),
    malloc's bytes in use and free-but-kept (glibc mallinfo2), objects frozen. It tells
    objects kept alive from memory that malloc holds without handing it back."""
    libc = ctypes.CDLL(None)
    libc.mallinfo2.restype = MallInfo2
    with open(path, "w", buffering=1) as handle:
        while True:
            with open("/proc/self/status") as status:
                rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
            info = libc.mallinfo2()
            handle.write(f"{time.monotonic():.1f} rss={rss // 1024}MB "
                         f"blocks={sys.getallocatedblocks()} "
                         f"malloc_used={info.uordblks >> 20}MB "
                         f"malloc_free={info.fordblks >> 20}MB mmap={info.hblkhd >> 20}MB "
                         f"frozen={gc.get_freeze_count()}\n")
            time.sleep(MEMORY_EVERY)


def allocation_watch(path: str, every: float) -> None:
    """HEARTMONITOR_TRACEMALLOC_OUT: every `every` seconds (HEARTMONITOR_TRACEMALLOC_EVERY,
    60 by default) the lines of code whose live allocations grew most since the first
    snapshot, taken `every` seconds after start-up (tracemalloc slows the server: for
    finding where memory goes, not for timing)."""
    import tracemalloc

    time.sleep(every)
    first = tracemalloc.take_snapshot()
    with open(path, "w", buffering=1) as handle:
        while True:
            time.sleep(every)
            snapshot = tracemalloc.take_snapshot()
            total = sum(stat.size for stat in snapshot.statistics("filename"))
            handle.write(f"{time.monotonic():.1f} traced {total >> 20} MB, growth since "
                         f"the first snapshot:\n")
            for stat in snapshot.compare_to(first, "lineno")[:12]:
                handle.write(f"  {stat}\n")


def main() -> int:
    # This directory has an http.py: it must not stand in for the standard library's.
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    import heartmonitor.serve as serve
    from heartmonitor.cli import main as heartmonitor

    turns = Turns()
    watcher = None
    if os.environ.get("HEARTMONITOR_STALLS_OUT"):
        watcher = StallWatcher(turns)
        gc.callbacks.append(watcher.on_gc)
        watcher.start()
    if os.environ.get("HEARTMONITOR_MEMORY_OUT"):
        threading.Thread(target=memory_watch, args=(os.environ["HEARTMONITOR_MEMORY_OUT"],),
                         name="memory-watch", daemon=True).start()
    if os.environ.get("HEARTMONITOR_TRACEMALLOC_OUT"):
        import tracemalloc

        tracemalloc.start()
        every = float(os.environ.get("HEARTMONITOR_TRACEMALLOC_EVERY", "60"))
        threading.Thread(target=allocation_watch, name="allocation-watch", daemon=True,
                         args=(os.environ["HEARTMONITOR_TRACEMALLOC_OUT"], every)).start()
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
        if watcher is not None:
            watcher.write(os.environ["HEARTMONITOR_STALLS_OUT"])


if __name__ == "__main__":
    sys.exit(main())
