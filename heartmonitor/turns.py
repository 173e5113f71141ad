"""Giving the event loop a turn, for code that `-t` imports but only a running server runs."""

from __future__ import annotations

import types

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (-t start-up)
if TYPE_CHECKING:
    from collections.abc import Generator


@types.coroutine
def yield_to_loop() -> Generator[None, None, None]:
    """asyncio.sleep(0) without importing asyncio (which a plain `-t` never needs): a bare
    yield makes the running task step again on the next turn of the loop."""
    yield
