"""What malloc keeps after a storage pass's large frees goes back to the system."""

from __future__ import annotations

import os

from heartmonitor.modules.cluster.trim import give_back_free_memory

PAGE = os.sysconf("SC_PAGE_SIZE")


def resident() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * PAGE


def test_free_pages_kept_by_malloc_are_handed_back():
    # 64 KB blocks come from malloc's heap (under its mmap threshold); a block made after
    # them keeps the heap from shrinking by itself once they are freed.
    blocks = [bytes(64 << 10) for _ in range(400)]
    pin = bytes(64 << 10)
    before = resident()
    del blocks
    kept = resident()
    give_back_free_memory()
    after = resident()
    assert kept > before - (4 << 20)  # malloc kept the 25 MB freed
    assert after < kept - (16 << 20)  # and handed it back
    del pin
