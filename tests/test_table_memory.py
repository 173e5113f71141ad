"""What the heartbeat table costs per server, and that a forgotten server gives it back:
memory follows the servers the table holds, not the number that ever beat."""

from __future__ import annotations

import asyncio
import gc
import inspect
import tracemalloc

from heartmonitor.modules.cluster.table import ServerTable

COUNT = 20_000
NOW = 100_000.0
# A Server of 8 slots (96 bytes), its address as text (about 56) and its share of the
# dict (about 35): the soak's 300,000 sources cost about 60 MB of table.
MOST_PER_SERVER = 250


def ip(index: int) -> str:
    return f"10.{index >> 16 & 255}.{index >> 8 & 255}.{index & 255}"


def beat(table: ServerTable, first: int, count: int, now: float) -> None:
    """A batch of heartbeats as the listener records them (one time for the batch)."""
    for index in range(first, first + count):
        table.update(ip(index), 80, index % 7, index % 50, now=now)


def test_memory_follows_the_table_not_the_servers_ever_seen():
    gc.collect()
    tracemalloc.start()
    try:
        table = ServerTable()
        empty = tracemalloc.get_traced_memory()[0]
        beat(table, 0, COUNT, NOW)
        full = tracemalloc.get_traced_memory()[0]
        per_server = (full - empty) / COUNT
        assert 150 < per_server < MOST_PER_SERVER
        # Churn: the first half stops beating and is forgotten, as many new ones appear.
        for turn in range(1, 5):
            now = NOW + turn * 100
            beat(table, COUNT // 2 + (turn - 1) * COUNT // 2, COUNT, now)
            forgotten = asyncio.run(table.sweep(now, forget_after=50))
            assert len(forgotten) == COUNT // 2 and len(table) == COUNT
        del forgotten
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
        # Servers are out of the cyclic collector's sight: counted where they are made.
        made_at = tracemalloc.take_snapshot().filter_traces(
            [tracemalloc.Filter(True, inspect.getsourcefile(ServerTable) or "",
                                inspect.getsourcelines(ServerTable.add)[1] + 2)])
        servers_left = sum(stat.count for stat in made_at.statistics("lineno"))
    finally:
        tracemalloc.stop()
    assert not table._stale  # forgotten servers are no longer counted stale either
    # 60,000 servers passed through: only the 20,000 of the table are left, and they cost
    # what the first 20,000 cost, but for the dict's room for the 30,000 of each peak.
    assert COUNT <= servers_left <= COUNT + 1  # and the dict's table, made on that line
    assert after - empty < (full - empty) * 1.5
