"""Large server-status pages are sent as they are formatted, and restarts treat a page in
flight as apache2 treats a request in flight: a graceful restart (SIGUSR1) lets it finish,
a restart (SIGHUP) cuts it off."""

from __future__ import annotations

import json
import os
import re
import signal
import socket

from tests.live import PrivateNetwork, heartmonitor_server, read, wait_for
from tests.test_monitor import PORT, monitor_conf

SERVERS = 20_000  # a page of 3.6 MB
RESUMED = "AH00489: "
REQUEST = b"GET /server-status?auto HTTP/1.1\r\nHost: localhost\r\n\r\n"


def ip(index: int) -> str:
    return f"10.{index >> 16 & 255}.{index >> 8 & 255}.{index & 255}"


def write_table(path: str, count: int) -> None:
    """count fresh servers, each with its own port, ready and busy."""
    with open(path, "w") as handle:
        for index in range(count):
            handle.write(f"{ip(index)} &ready={index % 97}&busy={index % 13}&lastseen=0"
                         f"&port={1000 + index % 5000}\n")


def expected_rows() -> str:
    """The ?auto rows of the table, in IP text order; LastSeen masked (see masked())."""
    rows = sorted((ip(index), 1000 + index % 5000, index % 97, index % 13)
                  for index in range(SERVERS))
    return "".join(f"HeartbeatServer[{n}]IP: {address}\nHeartbeatServer[{n}]Port: {port}\n"
                   f"HeartbeatServer[{n}]Ready: {ready}\nHeartbeatServer[{n}]Busy: {busy}\n"
                   f"HeartbeatServer[{n}]LastSeen: N\n"
                   for n, (address, port, ready, busy) in enumerate(rows))


def masked(rows: str) -> str:
    """Seconds since last heard depend on when the page was made."""
    return re.sub(r"LastSeen: \d+\n", "LastSeen: N\n", rows)


def start(tmp_path, count: int = SERVERS):
    directory = str(tmp_path)
    write_table(os.path.join(directory, "hb.dat"), count)
    conf = monitor_conf(directory)
    return heartmonitor_server(conf, directory).start(timeout=60), \
        os.path.join(directory, "error_log")


def slow_client() -> socket.socket:
    """A client with a small receive window: the server cannot push the page ahead."""
    client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    client.settimeout(30)
    client.connect(("127.0.0.1", PORT))
    client.sendall(REQUEST)
    return client


def read_until_closed_or_ended(client: socket.socket, data: bytes) -> bytes:
    while not data.endswith(b"\r\n0\r\n\r\n"):
        try:
            more = client.recv(1 << 16)
        except ConnectionResetError:
            break
        if not more:
            break
        data += more
    return data


def dechunk(body: bytes) -> bytes:
    out = []
    while True:
        size_line, _crlf, body = body.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            assert body == b"\r\n"
            return b"".join(out)
        out.append(body[:size])
        assert body[size : size + 2] == b"\r\n"
        body = body[size + 2 :]


def test_a_graceful_restart_lets_a_large_page_finish(tmp_path):
    with PrivateNetwork():
        server, log = start(tmp_path)
        try:
            client = slow_client()
            data = client.recv(1 << 16)
            head, _blank, _rest = data.partition(b"\r\n\r\n")
            assert head.split(b"\r\n")[0] == b"HTTP/1.1 200 OK"
            assert b"Transfer-Encoding: chunked" in head.split(b"\r\n")
            assert b"Content-Length" not in head
            server.signal(signal.SIGUSR1)
            assert wait_for(lambda: read(log).count(RESUMED) == 2, 30)
            data = read_until_closed_or_ended(client, data)
            client.close()
            text = dechunk(data.partition(b"\r\n\r\n")[2]).decode("latin-1")
            status, _servers, rows = text.partition(f"HeartbeatServers: {SERVERS}\n")
            assert status.startswith("localhost\nServerVersion: ")
            assert rows.startswith(f"HeartbeatServersFresh: {SERVERS}\n"
                                   "HeartbeatServersStale: 0\n")
            assert masked(rows.split("\n", 2)[2]) == expected_rows()
            # HTTP/1.0: no chunks, the end of the connection ends the page.
            client = socket.create_connection(("127.0.0.1", PORT), timeout=30)
            client.sendall(b"GET /server-status?json HTTP/1.0\r\n\r\n")
            data = read_until_closed_or_ended(client, b"")
            client.close()
            head, _blank, body = data.partition(b"\r\n\r\n")
            assert b"Connection: close" in head.split(b"\r\n")
            assert b"Content-Length" not in head and b"Transfer-Encoding" not in head
            report = json.loads(body)["Heartbeat"]
            assert (report["Fresh"], len(report["Servers"])) == (SERVERS, SERVERS)
            assert report["Servers"][0] == {"IP": "10.0.0.0", "Port": 1000, "Ready": 0,
                                            "Busy": 0, "LastSeen": report["Servers"][0][
                                                "LastSeen"], "Fresh": True, "State": "fresh"}
            # HEAD: the page's length, counted as it is made; no body; the connection
            # goes on.
            client = socket.create_connection(("127.0.0.1", PORT), timeout=30)
            client.sendall(b"HEAD /server-status?auto HTTP/1.1\r\nHost: localhost\r\n\r\n"
                           b"GET /missing HTTP/1.1\r\nHost: localhost\r\n"
                           b"Connection: close\r\n\r\n")
            data = read_until_closed_or_ended(client, b"")
            client.close()
            head, _blank, rest = data.partition(b"\r\n\r\n")
            lines = head.split(b"\r\n")
            length = int(next(line for line in lines if line.startswith(b"Content-Length: "))
                         .split(b": ")[1])
            # Every row has the same LastSeen (the table came from one hb.dat): one,
            # two or three digits on a machine slow enough, where expected_rows has one.
            extra = length - len(expected_rows())
            assert any(0 < extra - SERVERS * more_digits < 2000 for more_digits in range(3))
            assert b"Transfer-Encoding" not in head
            assert rest.startswith(b"HTTP/1.1 404 Not Found\r\n")
        finally:
            code, _out, err = server.stop()
    assert (code, err) == (0, "")


def test_a_restart_cuts_a_large_page_off(tmp_path):
    with PrivateNetwork():
        # A page larger than what the kernel's buffers can take ahead of the client.
        server, log = start(tmp_path, 2 * SERVERS)
        try:
            client = slow_client()
            data = client.recv(1 << 16)
            server.signal(signal.SIGHUP)
            assert wait_for(lambda: read(log).count(RESUMED) == 2, 30)
            data = read_until_closed_or_ended(client, data)
            client.close()
            assert not data.endswith(b"\r\n0\r\n\r\n")
            assert len(data) < len(expected_rows()) * 2
        finally:
            code, _out, err = server.stop()
    assert (code, err) == (0, "")
