"""TRACE as httpd answers it (ap_send_http_trace): echoed as message/http with TraceEnable
On (the default) and extended, refused with Off; the body rules and limits of each. Every
answer is compared byte for byte (its Date left out) with Debian's apache2 on one
configuration, and a few with the exact bytes expected."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

from tests.conftest import need_apache2
from tests.live import PrivateNetwork, apache2_and_heartmonitor, converse

REAL_PORT, OUR_PORT = 8591, 8592
MODULES = ["authz_core", "reqtimeout"]
CONF = """ServerTokens OS
ServerSignature On
RequestReadTimeout header=5 body=1
<VirtualHost 127.0.0.1:{port}>
    ServerName on.example
    <Location /denied>
        Require all denied
    </Location>
</VirtualHost>
<VirtualHost 127.0.0.1:{port}>
    ServerName ext.example
    TraceEnable extended
</VirtualHost>
<VirtualHost 127.0.0.1:{port}>
    ServerName off.example
    TraceEnable Off
</VirtualHost>
"""


def _trace(host: str, extra: bytes = b"", body: bytes = b"", version: bytes = b"1.1",
           target: bytes = b"/") -> bytes:
    return (b"TRACE " + target + b" HTTP/" + version + b"\r\nHost: " + host.encode()
            + b"\r\n" + extra + b"Connection: close\r\n\r\n" + body)


def _chunked(size: int) -> bytes:
    return b"%x\r\n%s\r\n0\r\n\r\n" % (size, b"t" * size)


REQUESTS = [
    # Names as first spelled, repeats merged, a folded line joined, the query kept.
    _trace("on.example", b"X-Foo: 1\r\nuser-agent: probe\r\nX-FOO: 2\r\nX-Fold: a\r\n  b\r\n"
           b"x-empty:\r\n", target=b"/a/../b?c=d%20e"),
    _trace("on.example", target=b"/denied"),  # before any access check
    _trace("on.example", b"Content-Length: 3\r\n", b"abc"),
    _trace("on.example", b"Transfer-Encoding: chunked\r\n", _chunked(3)),
    _trace("on.example", b"Content-Length: 0\r\n"),
    b"TRACE / HTTP/1.0\r\nHost: on.example\r\n\r\n",
    _trace("ext.example", b"Content-Length: 3\r\n", b"abc"),
    _trace("ext.example", b"Transfer-Encoding: chunked\r\n", _chunked(3)),
    _trace("ext.example", b"Content-Length: 65536\r\n", b"t" * 65536),
    _trace("ext.example", b"Content-Length: 65537\r\n", b"t" * 65537),
    _trace("ext.example", b"Transfer-Encoding: chunked\r\n", _chunked(73698)),
    _trace("ext.example", b"Transfer-Encoding: chunked\r\n", _chunked(73699)),
    _trace("ext.example", b"Transfer-Encoding: chunked\r\n", b"zz\r\n"),
    _trace("off.example"),
    # Kept alive (the client sent keep-alive: the Keep-Alive header), then a second request.
    b"TRACE / HTTP/1.1\r\nHost: on.example\r\nConnection: keep-alive\r\n\r\n"
    b"GET /missing HTTP/1.1\r\nHost: on.example\r\nConnection: close\r\n\r\n",
]
# A body that stops coming (RequestReadTimeout body=1): 400, as for any failed read.
STALLED = b"TRACE / HTTP/1.1\r\nHost: ext.example\r\nContent-Length: 5\r\n\r\nab"


def _exchange(port: int, data: bytes) -> bytes:
    """The whole answer, its Date headers left out."""
    answer = converse(port, data)
    return re.sub(rb"\r\nDate: [^\r]*", b"", answer)


ECHO = (b"TRACE /a/../b?c=d%20e HTTP/1.1\r\nHost: on.example\r\nX-Foo: 1, 2\r\n"
        b"user-agent: probe\r\nX-Fold: a b\r\nx-empty: \r\nConnection: close\r\n\r\n")
EXPECTED_FIRST = (b"HTTP/1.1 200 OK\r\nServer: Apache/2.4.71 (Debian)\r\nConnection: close\r\n"
                  b"Transfer-Encoding: chunked\r\nContent-Type: message/http\r\n\r\n"
                  + b"%x\r\n" % len(ECHO) + ECHO + b"\r\n0\r\n\r\n")
EXPECTED_HTTP10 = (b"HTTP/1.1 200 OK\r\nServer: Apache/2.4.71 (Debian)\r\nConnection: close\r\n"
                   b"Content-Type: message/http\r\n\r\nTRACE / HTTP/1.0\r\nHost: on.example"
                   b"\r\n\r\n")


def test_trace_as_apache2(tmp_path):
    apache2 = need_apache2()
    with PrivateNetwork():
        real, ours = apache2_and_heartmonitor(
            apache2, tmp_path, (REAL_PORT, OUR_PORT),
            lambda directory, port: CONF.format(port=port), MODULES)
        with real, ours, ThreadPoolExecutor(2) as pool:
            stalled = [pool.submit(_exchange, port, STALLED) for port in (REAL_PORT, OUR_PORT)]
            answers = {name: [_exchange(port, data) for data in REQUESTS]
                       for name, port in (("real", REAL_PORT), ("ours", OUR_PORT))}
            answers["real"].append(stalled[0].result())
            answers["ours"].append(stalled[1].result())
    real, mine = answers["real"], answers["ours"]
    assert real[0] == EXPECTED_FIRST
    assert real[5] == EXPECTED_HTTP10
    assert [answer.split(b"\r\n", 1)[0] for answer in real] == [
        b"HTTP/1.1 200 OK", b"HTTP/1.1 200 OK", b"HTTP/1.1 413 Request Entity Too Large",
        b"HTTP/1.1 413 Request Entity Too Large", b"HTTP/1.1 200 OK", b"HTTP/1.1 200 OK",
        b"HTTP/1.1 200 OK", b"HTTP/1.1 200 OK", b"HTTP/1.1 200 OK",
        b"HTTP/1.1 413 Request Entity Too Large", b"HTTP/1.1 200 OK",
        b"HTTP/1.1 413 Request Entity Too Large", b"HTTP/1.1 400 Bad Request",
        b"HTTP/1.1 405 Method Not Allowed", b"HTTP/1.1 200 OK", b"HTTP/1.1 400 Bad Request"]
    for index, (theirs, ours) in enumerate(zip(real, mine, strict=True)):
        assert (index, ours) == (index, theirs)
