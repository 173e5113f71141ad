"""The cyclic garbage collector on a server that holds a large heartbeat table.

A full collection walks every tracked object: with 300,000 known servers that is
50-100 ms during which no request and no datagram is served, and Python starts one
each time the old generation has grown by a quarter. Objects that have survived a full
collection are long-lived (the table's servers, the configuration), so they are moved
out of the collector's sight (gc.freeze): once after start-up, and again after any full
collection that left more than FREEZE_AT objects behind. Frozen objects are still freed
by reference counting, but a cycle among them never is.

A configuration generation is full of cycles (the server, its modules and their hooks
refer to one another), so one that a restart replaced must not stay frozen: a restart
holds freezing off while it reads and swaps configurations (a read that fails is
garbage at once), then gives every frozen object back to the collector (gc.unfreeze).
The next full collection frees the generations that are gone and freezes the rest again:
it walks the whole table once (about 120-160 ms with 350,000 objects on a loaded
machine), the price of memory that follows the live table across restarts.
"""

from __future__ import annotations

import gc

# A full collection of this many objects costs about 10 ms of CPU on a loaded machine
# (the soak measured 30-50 ms for 26,000-50,000: the table's servers lie all over memory).
FREEZE_AT = 10_000
_holds = 0


def freeze_long_lived() -> None:
    """Start-up is done: collect once, freeze what is left, and keep doing so whenever the
    old generation grows large again."""
    gc.collect()
    gc.freeze()
    if _after_collection not in gc.callbacks:
        gc.callbacks.append(_after_collection)


def hold_freezing() -> None:
    """A restart begins: what it reads must not be frozen (a read that fails is garbage)."""
    global _holds
    _holds += 1


def release_freezing() -> None:
    """A restart has ended: every frozen object goes back to the collector, so that the
    cycles of the generation it replaced can be freed."""
    global _holds
    _holds = max(0, _holds - 1)
    gc.unfreeze()


def _after_collection(phase: str, info: dict) -> None:
    if (phase == "stop" and info["generation"] == 2 and not _holds
            and len(gc.get_objects(2)) > FREEZE_AT):
        gc.freeze()
