"""The cyclic garbage collector on a server that holds a large heartbeat table.

A full collection walks every tracked object: with 300,000 known servers that is
50-100 ms during which no request and no datagram is served, and Python starts one
each time the old generation has grown by a quarter. Objects that have survived a full
collection are long-lived (the table's servers, the configuration), so they are moved
out of the collector's sight (gc.freeze): once after start-up, and again after any full
collection that left more than FREEZE_AT objects behind. Frozen objects are still freed
by reference counting; only a cycle among them would never be collected, which the
table and the configuration do not make.
"""

from __future__ import annotations

import gc

# A full collection of this many objects costs about 10 ms of CPU on a loaded machine
# (the soak measured 30-50 ms for 26,000-50,000: the table's servers lie all over memory).
FREEZE_AT = 10_000


def freeze_long_lived() -> None:
    """Start-up is done: collect once, freeze what is left, and keep doing so whenever the
    old generation grows large again."""
    gc.collect()
    gc.freeze()
    if _after_collection not in gc.callbacks:
        gc.callbacks.append(_after_collection)


def _after_collection(phase: str, info: dict) -> None:
    if phase == "stop" and info["generation"] == 2 and len(gc.get_objects(2)) > FREEZE_AT:
        gc.freeze()
