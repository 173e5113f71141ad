"""The cyclic garbage collector on a server that holds a large heartbeat table.

A full collection walks every tracked object: with 300,000 known servers that is
50-100 ms during which no request and no datagram is served, and Python starts one
each time the old generation has grown by a quarter. Objects that have survived a full
collection are long-lived (the table's servers, the configuration), so they are moved
out of the collector's sight (gc.freeze): once after start-up, and again after any full
collection that left more than FREEZE_AT objects behind. Frozen objects are still freed
by reference counting, but a cycle among them never is.

A configuration generation is full of cycles (the server, its modules and their hooks
refer to one another), so one that a restart replaces must not stay frozen: a restart
holds freezing off while it reads and swaps configurations, then gives every frozen
object back to the collector (gc.unfreeze), and nothing is frozen again until the
generations it dropped are gone (the next full collection frees them).
"""

from __future__ import annotations

import gc
import time
import weakref

# A full collection of this many objects costs about 10 ms of CPU on a loaded machine
# (the soak measured 30-50 ms for 26,000-50,000: the table's servers lie all over memory).
FREEZE_AT = 10_000
# A dropped generation still alive this long after its restart is held by something
# other than its own cycles (a leak freezing cannot make worse): freezing resumes.
RETIRED_WAIT = 60.0

_holds = 0
# Generations dropped by restarts, with when: nothing is frozen while one is alive.
_retired: list[tuple[weakref.ref, float]] = []


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


def release_freezing(*dropped: object) -> None:
    """A restart has ended; `dropped` are the generations it let go. Every frozen object
    goes back to the collector, so that their cycles can be freed."""
    global _holds
    _holds = max(0, _holds - 1)
    now = time.monotonic()
    _retired.extend((weakref.ref(generation), now) for generation in dropped)
    gc.unfreeze()


def freezing_allowed() -> bool:
    now = time.monotonic()
    _retired[:] = [(ref, when) for ref, when in _retired
                   if ref() is not None and now - when < RETIRED_WAIT]
    return not _holds and not _retired


def _after_collection(phase: str, info: dict) -> None:
    if (phase == "stop" and info["generation"] == 2 and freezing_allowed()
            and len(gc.get_objects(2)) > FREEZE_AT):
        gc.freeze()
