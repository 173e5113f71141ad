"""When a connection stays open, as httpd's ap_set_keepalive decides, and 100-continue.

Each case opens a connection, sends one request (its body only after a 100 Continue when
it carries Expect: 100-continue and one comes), reads the answer, then sends a plain GET
on the same connection. What both servers answer is compared with the exact answer
recorded from Debian's apache2: status lines, Connection and Keep-Alive fields, and
whether the second request was answered. The Connection tokens are read as
ap_find_token reads them (a prefix of a token matches: `c` is `close`); `nokeepalive`
(SetEnvIf, BrowserMatch) closes unless the request came through a proxy (Via); a client
still waiting for 100 Continue (its body never read) gets the connection closed.
"""

from __future__ import annotations

import socket
from types import SimpleNamespace

import pytest

from heartmonitor.apr.tables import Table
from heartmonitor.http.keepalive import KeepAlive, find_token, set_keepalive
from tests.conftest import need_apache2
from tests.live import PrivateNetwork, apache2_and_heartmonitor

REAL_PORT, OUR_PORT = 8563, 8564
CONF = """HeartbeatListen 239.0.0.1:27999
HeartbeatMaxServers 0
HeartbeatStorage {dir}/hb.dat
LogLevel warn
KeepAliveTimeout 3
MaxKeepAliveRequests 50
SetEnvIf Request_URI ^/nka nokeepalive
BrowserMatch ^NoKA nokeepalive
<Location /hb>
    SetHandler heartbeat
</Location>
<Location /nka>
    SetHandler heartbeat
</Location>
<Location /denied>
    SetHandler heartbeat
    Require all denied
</Location>
<VirtualHost *:{port}>
    ServerName main.test
</VirtualHost>
<VirtualHost *:{port}>
    ServerName off.test
    KeepAlive Off
</VirtualHost>
<VirtualHost *:{port}>
    ServerName short.test
    KeepAliveTimeout 7
    MaxKeepAliveRequests 1
</VirtualHost>
"""
MODULES = ["authz_core", "authz_host", "heartmonitor", "setenvif"]
BODY = b"v=1&ready=3&busy=1"
LENGTH = f"Content-Length: {len(BODY)}\r\n"
EXPECT = "Expect: 100-continue\r\n"
NOT_FOUND = "HTTP/1.1 404 Not Found | Content-Length: 236"
OK_2 = "HTTP/1.1 200 OK | Content-Length: 2"
KEPT = " | Keep-Alive: timeout=3, max=50 | Connection: Keep-Alive"
CLOSE = " | Connection: close"
CONTINUE = "HTTP/1.1 100 Continue"
NONE = "(no 100 Continue)"
SECOND = NOT_FOUND  # the plain GET that follows on the connection
CLOSED = "(closed)"


def request(method: str = "GET", path: str = "/missing", version: str = "1.1",
            headers: str = "", body: bytes = b"", host: str = "127.0.0.1") -> tuple[bytes, bytes]:
    return (f"{method} {path} HTTP/{version}\r\nHost: {host}\r\n{headers}\r\n".encode(), body)


def post(path: str, version: str = "1.1", headers: str = "", body: bytes = BODY):
    return request("POST", path, version, headers, body)


# (name, (head, body), the answers: interim, final, then the second request's)
CASES = [
    ("HTTP/1.1", request(), [NOT_FOUND, SECOND]),
    ("close", request(headers="Connection: close\r\n"), [NOT_FOUND + CLOSE, CLOSED]),
    ("CLOSE", request(headers="Connection: CLOSE\r\n"), [NOT_FOUND + CLOSE, CLOSED]),
    ("c, a prefix of close", request(headers="Connection: c\r\n"), [NOT_FOUND + CLOSE, CLOSED]),
    ("closed is another token", request(headers="Connection: closed\r\n"), [NOT_FOUND, SECOND]),
    ("xclose", request(headers="Connection: xclose\r\n"), [NOT_FOUND, SECOND]),
    ("keep-alive, close", request(headers="Connection: keep-alive, close\r\n"),
     [NOT_FOUND + CLOSE, CLOSED]),
    ("TE,close", request(headers="Connection: TE,close\r\n"), [NOT_FOUND + CLOSE, CLOSED]),
    ("two Connection fields", request(headers="Connection: foo\r\nConnection: close\r\n"),
     [NOT_FOUND + CLOSE, CLOSED]),
    ("HTTP/1.1 keep-alive", request(headers="Connection: keep-alive\r\n"),
     [NOT_FOUND + KEPT, SECOND]),
    ("keep, a prefix of keep-alive", request(headers="Connection: keep\r\n"),
     [NOT_FOUND + KEPT, SECOND]),
    ("HTTP/1.0", request(version="1.0"), [NOT_FOUND + CLOSE, CLOSED]),
    ("HTTP/1.0 keep-alive", request(version="1.0", headers="Connection: keep-alive\r\n"),
     [NOT_FOUND + KEPT, SECOND]),
    ("HTTP/1.0 KEEP-ALIVE", request(version="1.0", headers="Connection: KEEP-ALIVE\r\n"),
     [NOT_FOUND + KEPT, SECOND]),
    ("HTTP/1.0 k", request(version="1.0", headers="Connection: k\r\n"),
     [NOT_FOUND + KEPT, SECOND]),
    ("HTTP/1.0 keep-alivex", request(version="1.0", headers="Connection: keep-alivex\r\n"),
     [NOT_FOUND + CLOSE, CLOSED]),
    ("HTTP/1.0 upgrade, keep-alive",
     request(version="1.0", headers="Connection: upgrade, keep-alive\r\n"),
     [NOT_FOUND + KEPT, SECOND]),
    ("HTTP/1.0 HEAD keep-alive",
     request("HEAD", version="1.0", headers="Connection: keep-alive\r\n"),
     ["HTTP/1.1 404 Not Found" + KEPT, SECOND]),
    ("HTTP/1.0 POST keep-alive", post("/hb", "1.0", "Connection: keep-alive\r\n" + LENGTH),
     [OK_2 + KEPT, SECOND]),
    ("POST", post("/hb", headers=LENGTH), [OK_2, SECOND]),
    # A handler that reads the body: 100 Continue first, then the answer; kept.
    ("100-continue", post("/hb", headers=LENGTH + EXPECT), [CONTINUE, OK_2, SECOND]),
    ("100-continue chunked",
     post("/hb", headers="Transfer-Encoding: chunked\r\n" + EXPECT,
          body=b"%x\r\n%s\r\n0\r\n\r\n" % (len(BODY), BODY)), [CONTINUE, OK_2, SECOND]),
    # No body to wait for: no 100, and the expectation is never met.
    ("100-continue, empty body", post("/hb", headers="Content-Length: 0\r\n" + EXPECT, body=b""),
     ["HTTP/1.1 400 Bad Request | Content-Length: 266" + CLOSE, CLOSED]),
    ("GET with 100-continue", request(headers=EXPECT), [NOT_FOUND + CLOSE, CLOSED]),
    ("GET on the handler with 100-continue", request(path="/hb", headers=EXPECT),
     ["HTTP/1.1 405 Method Not Allowed | Content-Length: 260" + CLOSE, CLOSED]),
    # HTTP/1.0 gets no 100 Continue; its expectation stays, the connection closes.
    ("HTTP/1.0 100-continue", post("/hb", "1.0", "Connection: keep-alive\r\n" + LENGTH + EXPECT),
     [NONE, OK_2 + CLOSE, CLOSED]),
    # core's default handler reads the body before its 404: a 100 Continue first.
    ("POST to no handler, 100-continue", post("/missing", headers=LENGTH + EXPECT),
     [CONTINUE, NOT_FOUND, SECOND]),
    ("POST to no handler", post("/missing", headers=LENGTH), [NOT_FOUND, SECOND]),
    # Refused before the body is read: no 100; closed when the client still waits.
    ("403, 100-continue", post("/denied", headers=LENGTH + EXPECT),
     ["HTTP/1.1 403 Forbidden | Content-Length: 239" + CLOSE, CLOSED]),
    ("403", post("/denied", headers=LENGTH),
     ["HTTP/1.1 403 Forbidden | Content-Length: 239", SECOND]),
    # Over LimitRequestBody: the input filter's 413 has no Content-Length.
    ("413, 100-continue", post("/hb", headers="Content-Length: 2000000000\r\n" + EXPECT, body=b""),
     ["HTTP/1.1 413 Request Entity Too Large" + CLOSE, CLOSED]),
    ("413 on no handler", post("/missing", headers="Content-Length: 2000000000\r\n", body=b"abc"),
     ["HTTP/1.1 413 Request Entity Too Large" + CLOSE, CLOSED]),
    # nokeepalive from SetEnvIf and BrowserMatch; a proxy's request (Via) stays open.
    ("SetEnvIf nokeepalive", post("/nka", headers=LENGTH), [OK_2 + CLOSE, CLOSED]),
    ("SetEnvIf nokeepalive, HTTP/1.0 keep-alive",
     post("/nka", "1.0", "Connection: keep-alive\r\n" + LENGTH), [OK_2 + CLOSE, CLOSED]),
    ("nokeepalive with Via", post("/nka", headers="Via: 1.1 proxy\r\n" + LENGTH),
     [OK_2, SECOND]),
    ("BrowserMatch nokeepalive", request(headers="User-Agent: NoKA/1\r\n"),
     [NOT_FOUND + CLOSE, CLOSED]),
    # The request's server (by Host) decides; the next request's server is its own.
    ("KeepAlive Off", request(version="1.0", headers="Connection: keep-alive\r\n",
                              host="off.test"), [NOT_FOUND + CLOSE, CLOSED]),
    ("MaxKeepAliveRequests 1", request(version="1.0", headers="Connection: keep-alive\r\n",
                                       host="short.test"),
     [NOT_FOUND + " | Keep-Alive: timeout=7, max=1 | Connection: Keep-Alive", SECOND]),
]


def _head(sock: socket.socket, buffer: bytearray) -> bytes | None:
    while b"\r\n\r\n" not in buffer:
        data = sock.recv(65536)
        if not data:
            return None
        buffer += data
    head, _sep, rest = bytes(buffer).partition(b"\r\n\r\n")
    buffer[:] = rest
    return head


def _answer(sock: socket.socket, buffer: bytearray, method: str) -> str:
    """The status line and the framing and keep-alive fields; the body read past."""
    head = _head(sock, buffer)
    if head is None:
        return CLOSED
    lines = head.decode("latin-1").split("\r\n")
    fields = [line for line in lines[1:] if line.lower().startswith(
        ("connection:", "keep-alive:", "content-length:", "transfer-encoding:"))]
    length = next((int(line.split(":")[1]) for line in fields
                   if line.lower().startswith("content-length:")), None)
    if method == "HEAD" or lines[0].startswith("HTTP/1.1 100"):
        pass
    elif length is not None:
        while len(buffer) < length:
            data = sock.recv(65536)
            if not data:
                break
            buffer += data
        del buffer[:length]
    else:  # no length: the end of the connection ends the body
        while sock.recv(65536):
            pass
        buffer.clear()
    return " | ".join([lines[0], *fields])


def conversation(port: int, head: bytes, body: bytes) -> list[str]:
    method = head.split(b" ", 1)[0].decode()
    answers = []
    buffer = bytearray()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(head)
        if b"100-continue" in head and body:
            sock.settimeout(0.5)
            try:
                first = _answer(sock, buffer, method)
            except TimeoutError:
                first = NONE
            sock.settimeout(5)
            answers.append(first)
            if first in (CONTINUE, NONE):
                sock.sendall(body)
                answers.append(_answer(sock, buffer, method))
        else:
            sock.sendall(body)
            answers.append(_answer(sock, buffer, method))
        try:
            sock.sendall(b"GET /missing HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            answers.append(_answer(sock, buffer, "GET"))
        except (BrokenPipeError, ConnectionResetError):
            answers.append(CLOSED)
    return answers


def test_keepalive_cases_as_apache2(tmp_path):
    apache2 = need_apache2()
    theirs, ours = {}, {}
    with PrivateNetwork():
        real, mine = apache2_and_heartmonitor(
            apache2, tmp_path, (REAL_PORT, OUR_PORT),
            lambda directory, port: CONF.format(dir=directory, port=port), MODULES)
        with real, mine:
            for name, (head, body), _expected in CASES:
                theirs[name] = conversation(REAL_PORT, head, body)
                ours[name] = conversation(OUR_PORT, head, body)
    expected = {name: answers for name, _raw, answers in CASES}
    assert theirs == expected
    assert ours == expected


@pytest.mark.parametrize(("line", "token", "found"), [
    ("c", "close", True), ("closed", "close", False), ("TE,close", "close", True),
    ('"close"', "close", True), ("clo se", "close", True), ("k", "keep-alive", True),
    ("keep-alivex", "keep-alive", False), ("Upgrade, Keep-Alive", "keep-alive", True),
    ("", "close", False), (None, "close", False), ("x;close=1", "close", True),
])
def test_find_token_as_ap_find_token(line, token, found):
    assert find_token(line, token) is found


def _request(proto_num: int, headers: dict[str, str], environment: dict[str, str]):
    table = Table()
    for name, value in environment.items():
        table.set(name, value)
    return SimpleNamespace(proto_num=proto_num, headers_in=headers, subprocess_env=table)


SETTINGS = KeepAlive(True, 100, 5_000_000)


@pytest.mark.parametrize(("proto_num", "headers", "environment", "decision"), [
    (1001, {}, {}, (True, [])),
    (1000, {"connection": "keep-alive"}, {},
     (True, [("Keep-Alive", "timeout=5, max=98"), ("Connection", "Keep-Alive")])),
    (1001, {}, {"nokeepalive": "1"}, (False, [("Connection", "close")])),
    (1001, {"via": "1.1 p"}, {"NoKeepAlive": ""}, (True, [])),
    (1000, {"connection": "keep-alive"}, {"nokeepalive": ""}, (False, [("Connection", "close")])),
])
def test_set_keepalive_reads_the_environment(proto_num, headers, environment, decision):
    request = _request(proto_num, headers, environment)
    assert set_keepalive(request, SETTINGS, 2, 200, errored=False, expecting_100=False,
                         framed=True, running=True) == decision


def test_set_keepalive_conditions():
    request = _request(1001, {}, {})
    close = (False, [("Connection", "close")])

    def decide(settings=SETTINGS, keepalives=0, status=200, **flags):
        options = {"errored": False, "expecting_100": False, "framed": True, "running": True}
        options.update(flags)
        return set_keepalive(request, settings, keepalives, status, **options)

    assert decide() == (True, [])
    assert decide(errored=True) == close
    assert decide(expecting_100=True) == close
    assert decide(framed=False) == close
    assert decide(running=False) == close
    assert decide(status=413) == close
    assert decide(status=417) == (True, [])
    assert decide(keepalives=100) == close
    assert decide(KeepAlive(True, 0, 5_000_000), keepalives=100) == (True, [])
    assert decide(KeepAlive(False, 100, 5_000_000)) == close
    assert decide(KeepAlive(True, 100, 0)) == close
