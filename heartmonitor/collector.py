"""The cyclic garbage collector on a server that holds a large heartbeat table.

A full collection walks every tracked object, one memory access per object and per
item of a container it walks: 1-2 microseconds each on a loaded machine, during which no
request and no datagram is served. The heartbeat table is out of its sight altogether
(modules/cluster/table.py: its servers, its dict and its set of stale addresses hold
only numbers and text). What start-up leaves (the modules' functions and classes, the
first configuration generation, about 25,000 objects) lives as long as the process, so
it is moved out of the collector's sight once (gc.freeze) and stays there. Frozen objects
are still freed by reference counting, but a cycle among them never is: the first
generation is held for the life of the process anyway (the frames that started the
server refer to it).

Should the old generation grow past FREEZE_AT objects again, it is frozen as well. What
that freezes may include a configuration generation, full of cycles (the server, its
modules and their hooks refer to one another), which a restart replaces: so a restart
holds freezing off while it reads and swaps configurations (a read that fails is
garbage at once), and then, if anything was frozen since start-up, gives every frozen
object back to the collector (gc.unfreeze). Its collection (collect_released, a callback
of its own) frees the replaced generation; nothing more is frozen unless the old
generation has grown past FREEZE_AT again.
"""

from __future__ import annotations

import gc

# A full collection of this many objects costs about 10 ms of CPU on a loaded machine
# (the soak measured 30-50 ms for 26,000-50,000 objects: they lie all over memory).
FREEZE_AT = 10_000
_holds = 0
_grown = False  # frozen since start-up: may hold a generation that a restart replaces


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
    """A restart has ended: if anything was frozen since start-up, every frozen object goes
    back to the collector, so that the cycles of the generation it replaced can be freed."""
    global _holds, _grown
    _holds = max(0, _holds - 1)
    if _grown and not _holds:
        _grown = False
        gc.unfreeze()


def collect_released() -> None:
    """The full collection that frees what a restart replaced (and freezes what is left,
    if that is a lot)."""
    if not _holds:  # another restart began meanwhile: its own end collects
        gc.collect()


def _after_collection(phase: str, info: dict) -> None:
    global _grown
    if (phase == "stop" and info["generation"] == 2 and not _holds
            and len(gc.get_objects(2)) > FREEZE_AT):
        gc.freeze()
        _grown = True
