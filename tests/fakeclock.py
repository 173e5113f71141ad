"""A clock that moves only when a test says so, for the watchdog and the storage cycle.

Put it in `httpd.clock`: the watchdog's turns sleep on it, the monitor dates heartbeats
and storage passes by it. `await clock.advance(seconds, tasks)` moves time forward turn
by turn; at each instant something sleeps until, it wakes the sleepers and waits (in
real time) until every task of `tasks` sleeps on the clock again or has ended, so a
storage write finishing in its thread is part of the instant it started at.

Time is kept in integer microseconds, as apr_time_t is, so 50 turns of 0.1 s are
exactly 5 s.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Iterable

from heartmonitor.clock import Clock

SETTLE_SECONDS = 10.0  # real time a woken task may take to sleep again before a test fails


class FakeClock(Clock):
    def __init__(self, wall: int = 1_800_000_000, monotonic: int = 1_000) -> None:
        self.elapsed_us = 0
        self._wall_us = wall * 1_000_000
        self._monotonic_us = monotonic * 1_000_000
        self._sleepers: list[tuple[int, int, asyncio.Future, asyncio.Task | None]] = []
        self._order = itertools.count()

    @property
    def start(self) -> float:
        """time() when the clock was made."""
        return self._wall_us / 1_000_000

    def time(self) -> float:
        return (self._wall_us + self.elapsed_us) / 1_000_000

    def monotonic(self) -> float:
        return (self._monotonic_us + self.elapsed_us) / 1_000_000

    async def sleep(self, seconds: float) -> None:
        wake = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.elapsed_us + round(seconds * 1_000_000),
                                        next(self._order), wake, asyncio.current_task()))
        await wake

    async def settle(self, tasks: Iterable[asyncio.Task]) -> None:
        """Until each task sleeps on this clock or has ended."""
        tasks = list(tasks)
        deadline = time.monotonic() + SETTLE_SECONDS
        while True:
            await asyncio.sleep(0)
            sleeping = {task for _due, _n, wake, task in self._sleepers if not wake.done()}
            if all(task.done() or task in sleeping for task in tasks):
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"still running after {SETTLE_SECONDS} s: {tasks}")
            await asyncio.sleep(0.0005)

    async def advance(self, seconds: float, tasks: Iterable[asyncio.Task]) -> None:
        """Move `seconds` forward, waking each sleeper at its instant."""
        tasks = list(tasks)
        target = self.elapsed_us + round(seconds * 1_000_000)
        await self.settle(tasks)
        while self._sleepers and self._sleepers[0][0] <= target:
            due, _n, wake, _task = heapq.heappop(self._sleepers)
            if wake.done():  # its sleeper was cancelled
                continue
            self.elapsed_us = due
            wake.set_result(None)
            await self.settle(tasks)
        self.elapsed_us = target

    async def advance_to(self, seconds: float, tasks: Iterable[asyncio.Task]) -> None:
        """Move forward until `seconds` after the clock was made."""
        await self.advance(seconds - self.elapsed_us / 1_000_000, tasks)
