"""hb.dat of a large table: made on the event loop a slice per turn, written in a thread.

A thread that formats 300,000 lines holds the GIL for a quarter of a second, and the
loop, which gives the GIL away at every system call, waits up to the 5 ms switch
interval each time it wants it back: requests waited 200-330 ms. So the text is made on
the loop, a slice at a time, and only the system calls go to the thread.
"""

from __future__ import annotations

import asyncio
import threading

from heartmonitor.modules.cluster import hbfile, slices
from heartmonitor.modules.cluster.table import Server, ServerTable

from .test_storage import file_storage

NOW = 5000.0
COUNT = 3 * slices.SLICE + 17


def ip(index: int) -> str:
    return f"10.{index >> 16 & 255}.{index >> 8 & 255}.{index & 255}"


def expected(table: ServerTable, now: float) -> bytes:
    return b"".join(
        hbfile.format_line(s.ip, s.ready, s.busy, max(int(now - s.seen), 0), s.port).encode()
        for s in table.servers.values() if now - s.seen <= table.expire)


async def write_counting_turns(storage, table: ServerTable, now: float,
                               between=None) -> int:
    """Run write_table beside a task that counts the turns the loop made meanwhile;
    between(turn) runs on each of those turns."""
    turns = 0
    done = False

    async def ticker() -> None:
        nonlocal turns
        while not done:
            turns += 1
            if between is not None:
                between(turns)
            await asyncio.sleep(0)

    task = asyncio.get_running_loop().create_task(ticker())
    await asyncio.sleep(0)
    await storage.write_table(table, now)
    done = True
    await task
    return turns


def test_the_text_is_made_on_the_loop_a_slice_per_turn(tmp_path, monkeypatch):
    path = str(tmp_path / "hb.dat")
    storage = file_storage(path)
    table = ServerTable()
    for index in range(COUNT):
        table.update(ip(index), 80, index % 5, index % 9, now=NOW - index % 50)
    rendered = []
    real_render = hbfile.render
    writers = []
    real_write = hbfile.write_atomically

    def recording_render(servers, *args):
        servers = list(servers)
        rendered.append((threading.current_thread() is threading.main_thread(),
                         len(servers)))
        return real_render(servers, *args)

    def recording_write(*args):
        writers.append(threading.current_thread().name)
        return real_write(*args)

    monkeypatch.setattr(hbfile, "render", recording_render)
    monkeypatch.setattr(hbfile, "write_atomically", recording_write)

    async def run() -> int:
        turns = await write_counting_turns(storage, table, NOW)
        await storage.close()
        return turns

    turns = asyncio.run(run())
    assert rendered == [(True, slices.SLICE)] * 3 + [(True, 17)]
    assert writers == ["hb.dat_0"]
    assert turns >= 4  # the loop turned between every two slices
    assert open(path, "rb").read() == expected(table, NOW)


def test_servers_heard_during_the_pass_are_written_as_just_seen(tmp_path):
    """Between two slices datagrams update the table: a server seen after the pass began
    is 0 seconds old, not -1 (which unsigned would be 4294967295)."""
    path = str(tmp_path / "hb.dat")
    storage = file_storage(path)
    table = ServerTable()
    for index in range(COUNT):
        table.update(ip(index), 80, 1, 2, now=NOW - 3)
    late = ip(COUNT - 1)

    def hear_late(turn: int) -> None:
        if turn == 2:
            table.update(late, 80, 7, 8, now=NOW + 2.5)  # the clock moved on meanwhile
            table.update("10.255.0.1", 80, 1, 1, now=NOW + 2.5)  # a newcomer: next pass

    async def run() -> None:
        await write_counting_turns(storage, table, NOW, hear_late)
        await storage.close()

    asyncio.run(run())
    lines = open(path, "rb").read().splitlines()
    assert len(lines) == COUNT
    assert lines[-1] == f"{late} &ready=8&busy=7&lastseen=0&port=80".encode()
    assert all(line.endswith(b"&lastseen=3&port=80") for line in lines[:-1])


def test_a_merge_in_parts_is_the_merge_at_once():
    servers = [Server("10.0.0.2", 81, 5, 6, 1009.0), Server("10.0.0.9", 80, 1, 1, 1010.0)]
    data = (b"# kept\n10.0.0.1 &ready=1&busy=1&lastseen=2&port=80\nnospace\n"
            b"10.0.0.2 &ready=0&busy=0&lastseen=9&port=81\n10.0.0.3 &ready=3&busy=1\n")
    whole = hbfile.merge(data, 1000.0, servers, 1010.6)
    parts = list(hbfile.merge_parts(data, 1000.0, servers, 1010.6, lines_per_part=2))
    assert b"".join(parts) == whole
    assert [part.count(b"\n") for part in parts] == [2, 2, 2]
    assert whole == (b"# kept\n10.0.0.1 &ready=1&busy=1&lastseen=12&port=80\nnospace\n"
                     b"10.0.0.2 &ready=6&busy=5&lastseen=1&port=81\n"
                     b"10.0.0.3 &ready=3&busy=1&lastseen=40&port=80\n"
                     b"10.0.0.9 &ready=1&busy=1&lastseen=0&port=80\n")


def test_a_merge_waits_for_the_table_pass_in_progress(tmp_path):
    """A POST's merge asked for while the table is being written reads the file that
    pass writes, so the POSTed line is not overwritten by it."""
    path = str(tmp_path / "hb.dat")
    storage = file_storage(path)
    storage.settings.merge_interval = 0.0
    table = ServerTable()
    for index in range(COUNT):
        table.update(ip(index), 80, 1, 2, now=NOW - 1)
    posted = Server("192.0.2.7", 80, 4, 4, NOW)
    posts = []

    def post_meanwhile(turn: int) -> None:
        if turn == 2:
            posts.append(asyncio.get_running_loop().create_task(
                storage.merge(table, posted, NOW)))

    async def run() -> None:
        await write_counting_turns(storage, table, NOW, post_meanwhile)
        await asyncio.gather(*posts)
        await storage.close()

    asyncio.run(run())
    lines = open(path, "rb").read().splitlines()
    assert len(lines) == COUNT + 1
    assert lines[-1].startswith(b"192.0.2.7 &ready=4&busy=4&lastseen=")
    assert storage.writes == 2
