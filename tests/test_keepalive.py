"""KeepAlive, MaxKeepAliveRequests and KeepAliveTimeout applied per server as apache2
applies them: the same response heads, the same number of requests on a connection, the
connection closed after the same idle wait.

Both servers run one configuration in a private network namespace. Name-based virtual
hosts on one port each set one of the directives; the first of them is the connection's
base server, whose KeepAliveTimeout is the wait of a virtual host that sets none.
"""

from __future__ import annotations

import selectors
import socket
import time

from tests.conftest import need_apache2
from tests.live import PrivateNetwork, apache2_and_heartmonitor

REAL_PORT, OUR_PORT = 8391, 8392
CONF = """KeepAliveTimeout 2
LogLevel warn
<VirtualHost *:{port}>
    ServerName first.test
    KeepAliveTimeout 1
    MaxKeepAliveRequests 3
</VirtualHost>
<VirtualHost *:{port}>
    ServerName inherit.test
</VirtualHost>
<VirtualHost *:{port}>
    ServerName off.test
    KeepAlive Off
</VirtualHost>
<VirtualHost *:{port}>
    ServerName unlimited.test
    MaxKeepAliveRequests 0
</VirtualHost>
<VirtualHost *:{port}>
    ServerName ms.test
    KeepAliveTimeout 500ms
</VirtualHost>
<VirtualHost *:{port}>
    ServerName zero.test
    KeepAliveTimeout 0
</VirtualHost>
"""
# The main server's own values: 0 s closes, -1 requests closes, a virtual host's
# KeepAliveTimeout 0 and MaxKeepAliveRequests -1 take them.
MAIN_CONF = """KeepAliveTimeout 0
MaxKeepAliveRequests -1
LogLevel warn
<VirtualHost *:{port}>
    ServerName first.test
</VirtualHost>
<VirtualHost *:{port}>
    ServerName set.test
    KeepAliveTimeout 1
    MaxKeepAliveRequests 2
</VirtualHost>
<VirtualHost *:{port}>
    ServerName unset.test
    KeepAliveTimeout 0
    MaxKeepAliveRequests -1
</VirtualHost>
"""
MAIN_HOSTS = ("first.test", "set.test", "unset.test", "localhost")
HOSTS = ("first.test", "inherit.test", "off.test", "unlimited.test", "ms.test", "zero.test")
ATTEMPTS = 5  # requests tried on one connection: one more than first.test allows


def _request(host: str, version: str = "1.1", connection: str = "keep-alive",
             more: str = "") -> bytes:
    return (f"GET /none HTTP/{version}\r\nHost: {host}\r\nConnection: {connection}\r\n"
            f"{more}\r\n").encode()


def _read_response(sock: socket.socket, buffer: bytearray) -> bytes | None:
    """One response's head without its Date and Server lines (the clock; the banner names
    heartmonitor), the body read and dropped; None when the server closed first."""
    while b"\r\n\r\n" not in buffer:
        data = sock.recv(65536)
        if not data:
            return None
        buffer += data
    head, _sep, rest = bytes(buffer).partition(b"\r\n\r\n")
    lines = [line for line in head.split(b"\r\n") if not line.startswith((b"Date: ", b"Server: "))]
    length = next(int(line.split(b":")[1]) for line in lines
                  if line.lower().startswith(b"content-length:"))
    while len(rest) < length:
        data = sock.recv(65536)
        if not data:
            break
        rest += data
    buffer[:] = rest[length:]
    return b"\r\n".join(lines)


def _conversation(port: int, request: bytes) -> list[bytes | None]:
    """The heads answering ATTEMPTS requests sent one after another on one connection;
    None where the connection was closed."""
    heads: list[bytes | None] = []
    buffer = bytearray()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        for _ in range(ATTEMPTS):
            try:
                sock.sendall(request)
                head = _read_response(sock, buffer)
            except (BrokenPipeError, ConnectionResetError):
                head = None
            heads.append(head)
            if head is None:
                break
    return heads


def _idle_waits(port: int, hosts: tuple[str, ...]) -> dict[str, float]:
    """Seconds from the end of one response to the server closing the idle connection,
    measured on one connection per host at the same time."""
    selector = selectors.DefaultSelector()
    started = {}
    for host in hosts:
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.sendall(_request(host))
        assert _read_response(sock, bytearray()) is not None
        started[sock] = time.monotonic()
        selector.register(sock, selectors.EVENT_READ, host)
    waits = {}
    deadline = time.monotonic() + 5
    while started and time.monotonic() < deadline:
        for key, _events in selector.select(timeout=0.5):
            sock = key.fileobj
            assert isinstance(sock, socket.socket)
            assert sock.recv(1) == b""  # the close, nothing else
            waits[key.data] = time.monotonic() - started.pop(sock)
            selector.unregister(sock)
            sock.close()
    for sock in started:
        sock.close()
    selector.close()
    return waits


def _servers(tmp_path, body: str):
    return apache2_and_heartmonitor(need_apache2(), tmp_path, (REAL_PORT, OUR_PORT),
                                    lambda _directory, port: body.format(port=port),
                                    ["authz_core"])


def _same_conversations(hosts: tuple[str, ...]) -> None:
    for host in hosts:
        # The last: a 417 answered while the head is read, by the Host's server still.
        for request in (_request(host), _request(host, "1.0"), _request(host, connection=""),
                        _request(host, more="Expect: nonsense\r\n")):
            theirs = _conversation(REAL_PORT, request)
            assert _conversation(OUR_PORT, request) == theirs, (host, request)


def test_main_server_values_as_apache2(tmp_path):
    with PrivateNetwork():
        real, ours = _servers(tmp_path, MAIN_CONF)
        with real, ours:
            _same_conversations(MAIN_HOSTS)
            kept = _conversation(REAL_PORT, _request("set.test"))
            unset = _conversation(REAL_PORT, _request("unset.test"))
    assert [h is not None and b"Keep-Alive: timeout=1" in h for h in kept] == [
        True, True, False, False]
    assert [h is not None and b"Connection: close" in h for h in unset] == [True, False]


def test_keepalive_as_apache2(tmp_path):
    with PrivateNetwork():
        real, ours = _servers(tmp_path, CONF)
        with real, ours:
            _same_conversations(HOSTS)
            first = _conversation(REAL_PORT, _request("first.test"))
            assert [h is not None and b"Connection: close" in h for h in first] == [
                False, False, False, True, False]
            assert [h.split(b"Keep-Alive: ")[1].split(b"\r\n")[0] for h in first[:3]
                    if h is not None] == [b"timeout=1, max=3", b"timeout=1, max=2",
                                          b"timeout=1, max=1"]
            timed = ("first.test", "inherit.test", "ms.test", "zero.test")
            theirs, mine = _idle_waits(REAL_PORT, timed), _idle_waits(OUR_PORT, timed)
    # zero.test: a virtual host's KeepAliveTimeout 0 is httpd's "unset", the main server's
    # 2 s then, yet set: the base server's 1 s is not used.
    expected = {"first.test": 1.0, "inherit.test": 1.0, "ms.test": 0.5, "zero.test": 2.0}
    for waits in (theirs, mine):
        assert set(waits) == set(timed), waits
        for host, wait in waits.items():
            assert expected[host] - 0.05 <= wait <= expected[host] + 0.6, (host, waits)
