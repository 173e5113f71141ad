"""Where heartmonitor's timers read the time: the system's clocks, or a test's.

The watchdog's turns, the monitor's storage passes and the time a heartbeat is heard at
come from `httpd.clock`, so a test can run them at exact instants without waiting for
them (tests/fakeclock.py moves a clock by hand).
"""

from __future__ import annotations

import time


class Clock:
    """The system's clocks: time() for what is written (ages in hb.dat), monotonic() for
    intervals, sleep() for the watchdog's turns."""

    def time(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        # Lazy: -t loads this module with the server's declarations and never sleeps.
        import asyncio

        await asyncio.sleep(seconds)


SYSTEM_CLOCK = Clock()
