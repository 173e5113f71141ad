"""The heartbeat listener reads for a bounded time per wakeup, not a bounded count: what it
has not read by then waits in the socket's buffer for its next turn (loopback only)."""

from __future__ import annotations

import socket
import types

import pytest

from heartmonitor.modules.cluster import listener as listener_module
from heartmonitor.modules.cluster.listener import HeartbeatListener
from heartmonitor.modules.cluster.table import ServerTable

NOW = 1000.0


class Httpd:
    def __init__(self) -> None:
        self.clock = types.SimpleNamespace(time=lambda: NOW)
        self.logged: list[str] = []

    def log_enabled(self, module: str, level: int) -> bool:
        return False

    def log_error(self, module, level, message, status=None, **kwargs) -> None:
        self.logged.append(message)


@pytest.fixture
def heard():
    """A listener on a loopback port and a socket that sends to it."""
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.setblocking(False)
    listener_module._enlarge_receive_buffer(receiver)  # as open_socket does
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listener = HeartbeatListener(Httpd(), receiver, ServerTable(), receiver.getsockname())
    yield listener, sender
    sender.close()
    receiver.close()


def send(sender: socket.socket, listener: HeartbeatListener, count: int) -> None:
    for index in range(count):
        sender.sendto(b"v=1&ready=%d&busy=1" % (index % 50), listener.address)


def test_a_wakeup_stops_reading_when_its_time_is_up(heard, monkeypatch):
    listener, sender = heard
    monkeypatch.setattr(listener_module, "BUDGET", 0.010)
    monkeypatch.setattr(listener_module, "CHECK_EVERY", 4)
    ticks = iter(range(10_000))
    listener.timer = lambda: next(ticks) / 1000  # 1 ms per reading of the clock
    send(sender, listener, 100)
    read = []
    for _wakeup in range(4):
        before = listener.counters.received
        listener.drain()
        read.append(listener.counters.received - before)
    # the clock is read every 4 datagrams: the tenth reading is 10 ms after the first
    assert read == [40, 40, 20, 0]
    server = listener.table.servers["127.0.0.1"]
    assert (server.ready, server.busy, server.row, listener.counters.accepted) == (
        49, 1, 100, 100)


def test_a_wakeup_within_its_time_reads_everything_queued(heard):
    listener, sender = heard
    listener.timer = lambda: 0.0  # never late
    send(sender, listener, 3000)  # more than the 1,024 a wakeup used to be limited to
    listener.drain()
    assert listener.counters.received == 3000 and listener.httpd.logged == []
