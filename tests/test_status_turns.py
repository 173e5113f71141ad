"""Status pages of a large table: bounded work per turn of the loop, and the collector.

The renderers are driven by hand, one turn of the loop per send(), so that the rows
handled in each turn can be counted and the table changed between turns, as datagrams
change it while a page is being written.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import sys
import types

import pytest

from heartmonitor import collector
from heartmonitor.modules.cluster import slices, status_view
from heartmonitor.modules.cluster.table import ServerTable
from heartmonitor.modules.mod_status import page_text

from .test_storage import StatusRequest, status_httpd

NOW = 5000.0


def ip(index: int) -> str:
    return f"10.{index >> 16 & 255}.{index >> 8 & 255}.{index & 255}"


def drive(coroutine, between=None):
    """Run a coroutine to its end, one send() per turn; between(turn) runs after each."""
    turn = 0
    while True:
        try:
            coroutine.send(None)
        except StopIteration as stop:
            return stop.value, turn
        turn += 1
        if between is not None:
            between(turn)


def table_of(count: int) -> ServerTable:
    table = ServerTable()
    for index in range(count):
        table.update(ip(index), 80 + index % 3, index % 7, index % 11, now=NOW - index % 40)
    return table


def expected_auto(table: ServerTable) -> str:
    """The ?auto rows written the simple way: fresh servers in IP text order."""
    rows = sorted((s.ip, s.port, s.ready, s.busy, int(NOW - s.seen))
                  for s in table.servers.values() if NOW - s.seen <= table.expire)
    out = []
    for index, (address, port, ready, busy, age) in enumerate(rows):
        out.append(f"HeartbeatServer[{index}]IP: {address}\nHeartbeatServer[{index}]Port: "
                   f"{port}\nHeartbeatServer[{index}]Ready: {ready}\n"
                   f"HeartbeatServer[{index}]Busy: {busy}\n"
                   f"HeartbeatServer[{index}]LastSeen: {age}\n")
    return "".join(out)


def test_a_large_page_is_the_same_text_written_over_many_turns(monkeypatch):
    monkeypatch.setattr(status_view, "ROWS_PER_TURN", 100)
    monkeypatch.setattr(status_view.time, "time", lambda: NOW)
    httpd = status_httpd(NOW)
    table = table_of(2500)
    httpd.extensions["heartmonitor"].table = table
    seen: list[int] = []
    original = status_view._auto_line

    def counted(index, row):
        seen.append(index)
        return original(index, row)

    monkeypatch.setattr(status_view, "_auto_line", counted)
    rows_per_turn: list[int] = []
    pieces, turns = drive(status_view.status_hook(httpd, StatusRequest("auto"), 1),
                          lambda turn: rows_per_turn.append(len(seen)))
    assert seen == []  # rows are formatted as the page is sent
    text, sent_turns = drive(page_text(pieces), lambda turn: rows_per_turn.append(len(seen)))
    fresh = sum(1 for s in table.servers.values() if NOW - s.seen <= table.expire)
    assert pieces[0] == (f"HeartbeatServers: {fresh}\nHeartbeatServersFresh: {fresh}\n"
                         f"HeartbeatServersStale: {2500 - fresh}\n")
    assert text == pieces[0] + expected_auto(table)
    # 25 turns to read the table, 20 to merge, then 20 to format: never more than 100 rows.
    assert (turns, sent_turns) == (25 + 21, 20)
    formatted = [after - before for before, after in itertools.pairwise([0, *rows_per_turn])]
    assert max(formatted) == 100


def test_servers_that_come_and_go_while_a_page_is_written(monkeypatch):
    monkeypatch.setattr(status_view, "ROWS_PER_TURN", 100)
    httpd = status_httpd(NOW)
    table = table_of(1000)
    httpd.extensions["heartmonitor"].table = table

    def churn(turn: int) -> None:
        if turn == 3:
            del table.servers[ip(999)]  # not read yet: not listed
            del table.servers[ip(5)]  # read already: listed as it was
            for index in range(2000, 2100):  # new ones are left for the next page
                table.update(ip(index), 80, 1, 1, now=NOW)

    report, _turns = drive(status_view.status_json(httpd, StatusRequest("json&all"), NOW),
                           churn)
    listed, _turns = drive(page_text([report["Heartbeat"]["Servers"].pieces]))
    assert listed.count('"IP"') == 999
    assert f'"IP": "{ip(5)}"' in listed
    assert f'"IP": "{ip(999)}"' not in listed and f'"IP": "{ip(2000)}"' not in listed
    assert report["Heartbeat"]["Fresh"] + report["Heartbeat"]["Stale"] == 999


def test_ip_slices_cut_the_table_without_losing_an_address(monkeypatch):
    monkeypatch.setattr(status_view, "ROWS_PER_TURN", 3)
    servers = {ip(index): None for index in range(7)}
    assert list(status_view.ip_slices(servers)) == [
        [ip(0), ip(1), ip(2)], [ip(3), ip(4), ip(5)], [ip(6)]]
    assert list(status_view.ip_slices({})) == []
    assert list(status_view.ip_slices({ip(index): None for index in range(6)})) == [
        [ip(0), ip(1), ip(2)], [ip(3), ip(4), ip(5)]]


@pytest.fixture
def clean_collector():
    yield
    if collector._after_collection in gc.callbacks:
        gc.callbacks.remove(collector._after_collection)
    gc.unfreeze()


def test_long_lived_objects_leave_the_collectors_sight(monkeypatch, clean_collector):
    monkeypatch.setattr(collector, "FREEZE_AT", 5000)
    collector.freeze_long_lived()
    frozen = gc.get_freeze_count()
    assert frozen > 0 and collector._after_collection in gc.callbacks
    kept = [types.SimpleNamespace(n=n) for n in range(6000)]  # a table grows
    gc.collect()
    assert gc.get_freeze_count() >= frozen + 6000
    assert len(gc.get_objects(2)) == 0
    small = [types.SimpleNamespace(n=n) for n in range(100)]
    gc.collect()  # a full collection that leaves few objects: nothing more is frozen
    assert len(gc.get_objects(2)) >= 100
    del kept, small


def test_a_page_cut_short_frees_its_rows_a_few_slices_per_turn(monkeypatch):
    monkeypatch.setattr(status_view, "ROWS_PER_TURN", 100)
    monkeypatch.setattr(slices, "FREED_PER_TURN", 2)
    table = table_of(2500)
    monitor = types.SimpleNamespace(table=table)

    async def cut_short() -> list[int]:
        rows = await status_view.gather(monitor, NOW, everything=True)
        assert [len(chunk) for chunk in rows.chunks] == [100] * 25
        addresses = [row[0] for chunk in rows.chunks for row in chunk]
        assert addresses == sorted(table.servers)
        # a row holds the table's own text, not a copy of it
        assert all(row[0] is table.servers[row[0]].ip for chunk in rows.chunks
                   for row in chunk)
        # each slice's rows were collected young, as they were read: none is left for
        # the collector to walk, however many rows were freed meanwhile
        assert not any(gc.is_tracked(row) for chunk in rows.chunks for row in chunk)
        # nor the slices holding them, before any collection: a full one (a restart's)
        # would otherwise walk every row of a page in progress
        assert not any(gc.is_tracked(chunk) for chunk in rows.chunks)
        del rows  # the connection closed before any of it was sent
        held = [slices.held()]
        while slices.held():
            await asyncio.sleep(0)
            held.append(slices.held())
        return held

    # the page's 25 slices, and the 25 sorted runs they were merged from (let go as
    # the page was gathered, never freed all at once either)
    assert asyncio.run(cut_short()) == list(range(50, -1, -2))


def test_a_page_cancelled_while_it_is_gathered_frees_its_runs_in_slices(monkeypatch):
    monkeypatch.setattr(status_view, "ROWS_PER_TURN", 100)
    monkeypatch.setattr(slices, "FREED_PER_TURN", 1)
    monitor = types.SimpleNamespace(table=table_of(2000))

    async def cancelled() -> tuple[int, int]:
        task = asyncio.ensure_future(status_view.gather(monitor, NOW, everything=True))
        for _turn in range(12):  # 11 of the 20 runs read
            await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        first = slices.held()
        turns = 0
        while slices.held():
            await asyncio.sleep(0)
            turns += 1
        return first, turns

    held, turns = asyncio.run(cancelled())
    # the 10 runs read, and the list of addresses they were read from: one per turn
    assert held == 11 and turns == 11


def test_a_long_list_let_go_is_cut_a_slice_per_turn(monkeypatch):
    monkeypatch.setattr(slices, "SLICE", 1000)
    monkeypatch.setattr(slices, "FREED_PER_TURN", 1)
    addresses = [ip(index) for index in range(4500)]
    last = addresses[-1]
    references = sys.getrefcount(last)

    async def cut() -> list[int]:
        slices.let_go([addresses])
        lengths = []
        while slices.held():
            lengths.append(len(addresses))
            await asyncio.sleep(0)
        return lengths

    # cut from its end while longer than a slice; the last 500 go with the list (here
    # the test still holds it)
    assert asyncio.run(cut()) == [4500, 3500, 2500, 1500, 500]
    assert len(addresses) == 500 and sys.getrefcount(last) == references - 1


def test_slices_are_freed_at_once_when_no_loop_runs():
    rows = status_view.Rows([((ip(1), 80, 1, 1, 0, "fresh"),)], 1, 0, False)
    del rows
    assert slices.held() == 0
