"""Long loops over a large table, cut into slices so the event loop keeps turning.

Between two slices every other ready callback runs (datagrams, requests): with SLICE
rows per slice no turn of the loop lasts more than a few milliseconds.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import TypeVar

from heartmonitor.turns import yield_to_loop

T = TypeVar("T")
SLICE = 4000


async def in_slices(items: Sequence[T], size: int = SLICE) -> AsyncIterator[Sequence[T]]:
    """items[0:size], items[size:2*size] ..., letting the loop run before each slice."""
    for start in range(0, len(items), size):
        if start:
            await yield_to_loop()
        yield items[start : start + size]
