"""Timeout 0, negative and huge, served as apache2 serves them.

httpd sets Timeout with atoi(): a number too long for it saturates to -1, and APR takes a
negative socket timeout as "wait without limit", so `Timeout -1` and `Timeout <4,301
digits>` let a client that stops half-way through its request hold its connection for as
long as it likes. `Timeout 0` makes every read that finds no data fail at once: a request
whose header fields stop coming gets 400. Each case runs against apache2 and heartmonitor.
"""

from __future__ import annotations

import os
import socket
import time

import pytest

from tests.conftest import need_apache2
from tests.helpers import write
from tests.live import apache2_config, apache2_server, heartmonitor_server

APACHE2_PORT, HEARTMONITOR_PORT = 8121, 8122
HUGE = "9" * 4301
PARTIAL = b"GET /missing HTTP/1.1\r\nHost: local"
FULL = b"GET /missing HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"


def servers(directory: str, value: str):
    body = f"Timeout {value}\nLogLevel debug\n"
    ours = os.path.join(directory, "heartmonitor")
    theirs = os.path.join(directory, "apache2")
    os.makedirs(ours)
    os.makedirs(theirs)
    apache2_conf = write(os.path.join(theirs, "httpd.conf"),
                         apache2_config(theirs, APACHE2_PORT, body, ["authz_core"]))
    heartmonitor_conf = write(os.path.join(ours, "httpd.conf"), (
        f"ServerRoot {ours}\nServerName localhost\nPidFile {ours}/httpd.pid\n"
        f"ErrorLog {ours}/error_log\nDefaultRuntimeDir {ours}\n"
        f"Listen 127.0.0.1:{HEARTMONITOR_PORT}\n{body}"))
    return (apache2_server(need_apache2(), apache2_conf, theirs),
            heartmonitor_server(heartmonitor_conf, ours))


def first_line(port: int, data: bytes, wait: float) -> bytes | None:
    """The status line answered to `data`, b"" when closed unanswered, None when the
    connection is still open after `wait` seconds."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as client:
        client.sendall(data)
        try:
            return client.recv(4096).split(b"\r\n", 1)[0]
        except TimeoutError:
            return None


@pytest.mark.parametrize("value, partial", [
    ("0", b"HTTP/1.1 400 Bad Request"),  # at once
    ("-1", None),  # still waiting
    (HUGE, None),
])
def test_timeout_value_as_apache2(network, tmp_path, value, partial):
    apache2, heartmonitor = servers(str(tmp_path), value)
    with apache2, heartmonitor:
        for port in (APACHE2_PORT, HEARTMONITOR_PORT):
            started = time.monotonic()
            assert first_line(port, PARTIAL, 1.5) == partial, port
            if partial is not None:
                assert time.monotonic() - started < 1.0
            assert first_line(port, FULL, 5) == b"HTTP/1.1 404 Not Found", port
