"""The raw-request corpus (tests/http_corpus.py) answered as apache2 answers it.

apache2 and heartmonitor run on one configuration in a private network namespace; each
request is sent over a raw socket, the client half-closes, and every response on the
connection is compared: status line, the headers that matter, and the body.
"""

from __future__ import annotations

import socket
import time

from tests.conftest import need_apache2
from tests.http_corpus import CORPUS, CORPUS_LIMITED, LIMITS
from tests.live import PrivateNetwork, apache2_and_heartmonitor

REAL_PORT, OUR_PORT = 8381, 8382
CONF = ("HeartbeatListen 239.0.0.1:27999\nHeartbeatMaxServers 0\n"
        "HeartbeatStorage {dir}/hb.dat\nLogLevel warn\n"
        "<Location /hb>\n    SetHandler heartbeat\n</Location>\n"
        "<Location /server-status>\n    SetHandler server-status\n</Location>\n")
MODULES = ["authz_core", "authz_host", "status", "heartmonitor"]
COMPARED = ("content-type", "content-length", "connection", "allow", "transfer-encoding")


def exchange(port: int, raw: bytes, timeout: float = 5.0) -> bytes:
    """Everything the server sends back for `raw` (the client half-closes after it)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        sock.sendall(raw)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                data = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not data:
                break
            chunks.append(data)
        return b"".join(chunks)
    finally:
        sock.close()


def responses(stream: bytes) -> list[tuple]:
    """(status line, {header: value} of the compared ones, body) of each response."""
    out = []
    while stream:
        if not stream.startswith(b"HTTP/"):
            out.append(("(HTTP/0.9)", {}, stream))
            break
        head, _sep, rest = stream.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            name, _colon, value = line.partition(":")
            if name.lower() in COMPARED:
                value = value.strip()
                if name.lower() == "allow":
                    value = ",".join(sorted(value.split(",")))
                headers[name.lower()] = value
        length = 0 if lines[0].startswith("HTTP/1.1 1") else int(
            headers.get("content-length", len(rest)))
        out.append((lines[0], headers, rest[:length]))
        stream = rest[length:]
    return out


def _pair(tmp_path, extra: str):
    return apache2_and_heartmonitor(need_apache2(), tmp_path, (REAL_PORT, OUR_PORT),
                                    lambda directory, _port: CONF.format(dir=directory) + extra,
                                    MODULES)


def _replay(tmp_path, corpus, extra: str) -> list[str]:
    differences = []
    with PrivateNetwork():
        real, ours = _pair(tmp_path, extra)
        with real, ours:
            for name, raw in corpus:
                theirs = responses(exchange(REAL_PORT, raw))
                mine = responses(exchange(OUR_PORT, raw))
                if mine != theirs:
                    differences.append(f"{name}:\n  apache2:      {theirs!r}\n"
                                       f"  heartmonitor: {mine!r}")
    return differences


# Where heartmonitor answers otherwise on purpose (README, compatibility table).
KNOWN = {
    "URI of 8175 bytes": "httpd maps it to a file name longer than PATH_MAX: 403 (AH00127)",
}


def test_corpus_answers_as_apache2(tmp_path):
    corpus = [(name, raw) for name, raw in CORPUS if name not in KNOWN]
    assert len(CORPUS) + len(CORPUS_LIMITED) >= 40
    assert _replay(tmp_path, corpus, "") == []


def test_configured_limits_answer_as_apache2(tmp_path):
    assert _replay(tmp_path, CORPUS_LIMITED, LIMITS) == []


def test_corpus_probe_is_exact():
    """The response splitter itself: two responses, then an HTTP/0.9 body."""
    stream = (b"HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\nX: y\r\n\r\nab"
              b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    assert responses(stream) == [("HTTP/1.1 404 Not Found", {"content-length": "2"}, b"ab"),
                                 ("HTTP/1.1 200 OK", {"content-length": "0"}, b"")]
