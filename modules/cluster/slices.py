"""Long loops over a large table, cut into slices so the event loop keeps turning.

Between two slices every other ready callback runs (datagrams, requests): with SLICE
rows per slice no turn of the loop lasts more than a few milliseconds. Freeing is work
too: dropping the 300,000 rows of a status page at once takes 20-130 ms, and a list of
300,000 addresses 5-15 ms, so they are let go a few slices per turn (let_go).
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import TYPE_CHECKING, TypeVar

from heartmonitor.turns import yield_to_loop

if TYPE_CHECKING:
    from asyncio import AbstractEventLoop

T = TypeVar("T")
SLICE = 4000
# Slices freed per turn of the loop by let_go (a status page's slice is 1,000 rows).
FREED_PER_TURN = 2

# Slices waiting to be freed, and the loop on which a turn is booked to free some.
_held: list[object] = []
_booked: AbstractEventLoop | None = None


async def in_slices(items: Sequence[T], size: int = SLICE) -> AsyncIterator[Sequence[T]]:
    """items[0:size], items[size:2*size] ..., letting the loop run before each slice."""
    for start in range(0, len(items), size):
        if start:
            await yield_to_loop()
        yield items[start : start + size]


def let_go(slices: Iterable[object]) -> None:
    """Drop these slices FREED_PER_TURN per turn of the running loop (at once when no
    loop runs): the caller's references may go now, freeing nothing big. A list longer
    than SLICE is cut SLICE items at a time: it must be the caller's own."""
    global _booked
    asyncio = sys.modules.get("asyncio")  # not imported: no loop runs (-t)
    loop = asyncio._get_running_loop() if asyncio is not None else None
    if loop is None:
        return
    _held.extend(slice_ for slice_ in slices if slice_)
    if _held and _booked is not loop:
        _booked = loop
        loop.call_soon(_free_some, loop)


def held() -> int:
    """Slices still waiting to be freed."""
    return len(_held)


def _free_some(loop: AbstractEventLoop) -> None:
    global _booked
    if _booked is not loop:  # another loop took the work over
        return
    for _step in range(FREED_PER_TURN):
        if not _held:
            break
        last = _held[-1]
        if isinstance(last, list) and len(last) > SLICE:
            del last[-SLICE:]
        else:
            _held.pop()
    if _held:
        loop.call_soon(_free_some, loop)
    else:
        _booked = None
