"""Giving the memory that malloc keeps after large frees back to the system.

Each storage pass builds and drops tens of megabytes in its thread (hb.dat's lines, its
text, its bytes), and status pages drop their formatted slices: glibc keeps what was
freed in its arenas for later, so RSS crept up by tens of megabytes over minutes while
the live objects stayed the same (bench/loop_turns.py's HEARTMONITOR_MEMORY_OUT and
HEARTMONITOR_TRACEMALLOC_OUT show both). malloc_trim(0) hands the free pages back;
ctypes releases the GIL for the call, so the writing thread pays for it, not the loop.
"""

from __future__ import annotations

from collections.abc import Callable

_trim: Callable[[int], int] | None = None
_missing = False


def give_back_free_memory() -> None:
    """malloc_trim(0) where the C library has it (glibc); nothing elsewhere."""
    global _trim, _missing
    if _trim is None:
        if _missing:
            return
        import ctypes  # serving only: -t never writes storage

        try:
            _trim = ctypes.CDLL(None).malloc_trim
        except AttributeError:
            _missing = True
            return
    _trim(0)
