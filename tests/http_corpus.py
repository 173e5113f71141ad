"""Raw HTTP requests, malformed and well-formed, replayed byte for byte against apache2 and
heartmonitor on one configuration (tests/test_http_corpus.py).

Each entry: (name, raw bytes sent, then the client half-closes). The configuration has
a heartbeat handler at /hb and server-status at /server-status; LimitRequest* take their
defaults unless the name says otherwise (the configured cases run on a second pair).
"""

from __future__ import annotations

H = b"Host: 127.0.0.1\r\n"
POST_BODY = b"v=1&ready=3&busy=1"


def post(extra: bytes, body: bytes = POST_BODY, path: bytes = b"/hb") -> bytes:
    return b"POST " + path + b" HTTP/1.1\r\n" + H + extra + b"\r\n" + body


def get(path: bytes, extra: bytes = b"", version: bytes = b"HTTP/1.1") -> bytes:
    return b"GET " + path + b" " + version + b"\r\n" + H + extra + b"\r\n"


CORPUS: list[tuple[str, bytes]] = [
    # Well-formed requests, for reference.
    ("get missing", get(b"/missing")),
    ("head missing", b"HEAD /missing HTTP/1.1\r\n" + H + b"\r\n"),
    ("post heartbeat", post(b"Content-Length: 18\r\n")),
    ("post heartbeat, HTTP/1.0", b"POST /hb HTTP/1.0\r\nContent-Length: 18\r\n\r\n" + POST_BODY),
    ("get heartbeat", get(b"/hb")),
    ("options star", b"OPTIONS * HTTP/1.1\r\n" + H + b"\r\n"),
    ("absolute URI", b"GET http://127.0.0.1/missing HTTP/1.1\r\n" + H + b"\r\n"),
    ("double slash path", get(b"//missing")),
    ("query string", get(b"/missing?a=b&c")),
    ("HTTP/1.0 without Host", b"GET /missing HTTP/1.0\r\n\r\n"),
    ("leading blank lines", b"\r\n\r\n" + get(b"/missing")),
    # The request line.
    ("malformed request line", b"GARBAGE\r\n\r\n"),
    ("no protocol", b"GET /missing\r\n\r\n"),
    ("HTTP/0.9 GET", b"GET /\r\n"),
    ("HTTP/0.9 POST", b"POST /hb\r\n\r\n"),
    ("lowercase method", get(b"/missing").replace(b"GET", b"get", 1)),
    ("unknown method", get(b"/missing").replace(b"GET", b"FOO", 1)),
    ("unknown method on handler", get(b"/hb").replace(b"GET", b"BREW", 1)),
    ("PUT on heartbeat", b"PUT /hb HTTP/1.1\r\n" + H + b"Content-Length: 1\r\n\r\nx"),
    ("DELETE missing", b"DELETE /missing HTTP/1.1\r\n" + H + b"\r\n"),
    ("bad protocol", b"GET / HTTP/x.y\r\n" + H + b"\r\n"),
    ("lowercase protocol", b"GET / http/1.1\r\n" + H + b"\r\n"),
    ("HTTP/2.0 protocol", b"GET /missing HTTP/2.0\r\n" + H + b"\r\n"),
    ("HTTP/2 preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
    ("HTTP/1.2", b"GET /missing HTTP/1.2\r\n" + H + b"\r\n"),
    ("two spaces after method", b"GET  /missing HTTP/1.1\r\n" + H + b"\r\n"),
    ("tab in request line", b"GET\t/missing HTTP/1.1\r\n" + H + b"\r\n"),
    ("trailing text", b"GET /missing HTTP/1.1 x\r\n" + H + b"\r\n"),
    ("leading space", b" GET /missing HTTP/1.1\r\n" + H + b"\r\n"),
    ("control character in URI", b"GET /a\x01b HTTP/1.1\r\n" + H + b"\r\n"),
    ("relative target", b"GET missing HTTP/1.1\r\n" + H + b"\r\n"),
    ("fragment in URI", get(b"/missing#frag")),
    ("user info in URI", b"GET http://u:p@127.0.0.1/ HTTP/1.1\r\n" + H + b"\r\n"),
    ("URI of 8175 bytes", get(b"/" + (b"a" * 99 + b"/") * 81 + b"a" * 74)),
    ("URI of 10 KB", get(b"/" + b"a" * 10240)),
    # The path.
    ("NUL escape", get(b"/%00")),
    ("bad escape", get(b"/%zz")),
    ("short escape", get(b"/a%2")),
    ("encoded slash", get(b"/a%2fb")),
    ("dot segments above the root", get(b"/../../etc/passwd")),
    ("encoded dot segments", get(b"/a/%2e%2e/%2e%2e/x")),
    # Header fields.
    ("HTTP/1.1 without Host", b"GET /missing HTTP/1.1\r\n\r\n"),
    ("two Host headers", b"GET /missing HTTP/1.1\r\n" + H + H + b"\r\n"),
    ("empty Host", b"GET /missing HTTP/1.1\r\nHost:\r\n\r\n"),
    ("bad Host", b"GET /missing HTTP/1.1\r\nHost: a b\r\n\r\n"),
    ("Host with a slash", b"GET /missing HTTP/1.1\r\nHost: a/b\r\n\r\n"),
    ("space in a header name", get(b"/missing", b"Bad Name: x\r\n")),
    ("space before the colon", get(b"/missing", b"Name : x\r\n")),
    ("header without colon", get(b"/missing", b"NoColon\r\n")),
    ("empty header name", get(b"/missing", b": x\r\n")),
    ("control character in a value", get(b"/missing", b"X-A: a\x01b\r\n")),
    ("obs-fold", get(b"/missing", b"X-A: a\r\n b\r\n")),
    ("fold before any header", b"GET /missing HTTP/1.1\r\n b\r\n" + H + b"\r\n"),
    ("header field of 8190 bytes", get(b"/missing", b"X-A: " + b"a" * 8185 + b"\r\n")),
    ("header field of 100 KB", get(b"/missing", b"X-A: " + b"a" * 102400 + b"\r\n")),
    ("101 header fields", get(b"/missing", b"".join(b"X-%d: a\r\n" % i for i in range(100)))),
    ("100 header fields", get(b"/missing", b"".join(b"X-%d: a\r\n" % i for i in range(99)))),
    ("bare LF line ends", b"GET /missing HTTP/1.1\n" + H.replace(b"\r\n", b"\n") + b"\n"),
    ("bare LF after the headers", b"GET /missing HTTP/1.1\r\n" + H + b"\n"),
    ("the client stops within the fields", b"GET /missing HTTP/1.1\r\n" + H),
    ("the client stops within the request line", b"GET /missing HT"),
    ("bare CR in a value", get(b"/missing", b"X-A: a\rb\r\n")),
    # Bodies.
    ("Content-Length abc", post(b"Content-Length: abc\r\n")),
    ("negative Content-Length", post(b"Content-Length: -1\r\n")),
    ("Content-Length with a plus", post(b"Content-Length: +18\r\n")),
    ("two equal Content-Lengths", post(b"Content-Length: 18\r\nContent-Length: 18\r\n")),
    ("conflicting Content-Lengths", post(b"Content-Length: 18\r\nContent-Length: 5\r\n")),
    ("Content-Length list", post(b"Content-Length: 18, 18\r\n")),
    ("huge Content-Length", post(b"Content-Length: 99999999999999999999\r\n")),
    ("chunked POST", post(b"Transfer-Encoding: chunked\r\n",
                          b"12\r\n" + POST_BODY + b"\r\n0\r\n\r\n")),
    ("unknown Transfer-Encoding", post(b"Transfer-Encoding: gzip\r\n")),
    ("chunked, not last", post(b"Transfer-Encoding: chunked, gzip\r\n")),
    ("bad chunk size", post(b"Transfer-Encoding: chunked\r\n", b"zz\r\nab\r\n0\r\n\r\n")),
    ("both Content-Length and chunked, then a smuggled request",
     post(b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n",
          b"12\r\n" + POST_BODY + b"\r\n0\r\n\r\n" + get(b"/server-status?auto"))),
    ("POST without a length", b"POST /hb HTTP/1.1\r\n" + H + b"\r\n"),
    ("Expect 100-continue", post(b"Content-Length: 18\r\nExpect: 100-continue\r\n")),
    ("Expect something else", post(b"Content-Length: 18\r\nExpect: 200-ok\r\n")),
    # Keep-alive and pipelining.
    ("two pipelined requests", get(b"/missing") + get(b"/hb")),
    ("Connection close", get(b"/missing", b"Connection: close\r\n") + get(b"/hb")),
    ("HTTP/1.0 keep-alive", b"GET /missing HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
     + get(b"/hb")),
]

# Run with `LimitRequestLine 100`, `LimitRequestFieldSize 100`, `LimitRequestFields 3`
# `HttpProtocolOptions Unsafe Require1.0 RegisteredMethods` and `TraceEnable Off` (as
# Debian's security.conf has it: TRACE refused, and left out of every Allow header).
LIMITS = ("LimitRequestLine 100\nLimitRequestFieldSize 100\nLimitRequestFields 3\n"
          "HttpProtocolOptions Unsafe Require1.0 RegisteredMethods\nTraceEnable Off\n")
CORPUS_LIMITED: list[tuple[str, bytes]] = [
    ("request line of 100 bytes", b"GET /" + b"a" * 86 + b" HTTP/1.1\r\n" + H + b"\r\n"),
    ("request line of 101 bytes", b"GET /" + b"a" * 87 + b" HTTP/1.1\r\n" + H + b"\r\n"),
    ("request line of 102 bytes", b"GET /" + b"a" * 88 + b" HTTP/1.1\r\n" + H + b"\r\n"),
    ("field of 100 bytes", get(b"/missing", b"X-A: " + b"a" * 95 + b"\r\n")),
    ("field of 101 bytes", get(b"/missing", b"X-A: " + b"a" * 96 + b"\r\n")),
    ("field of 102 bytes", get(b"/missing", b"X-A: " + b"a" * 97 + b"\r\n")),
    ("3 fields", get(b"/missing", b"X-A: a\r\nX-B: b\r\n")),
    ("4 fields", get(b"/missing", b"X-A: a\r\nX-B: b\r\nX-C: c\r\n")),
    ("merged fields over the limit", get(b"/missing", b"X-A: " + b"a" * 60 + b"\r\nX-A: "
                                          + b"b" * 60 + b"\r\n")),
    ("Unsafe: bare LF line ends", b"GET /missing HTTP/1.1\n" + H.replace(b"\r\n", b"\n")
     + b"\n"),
    ("Unsafe: excess whitespace", b"GET  /missing HTTP/1.1\r\n" + H + b"\r\n"),
    ("Unsafe: lowercase protocol", b"GET /missing http/1.1\r\n" + H + b"\r\n"),
    ("Unsafe: space before the colon", get(b"/missing", b"Name : x\r\n")),
    ("Require1.0: HTTP/0.9", b"GET /\r\n"),
    ("RegisteredMethods: unknown method", get(b"/missing").replace(b"GET", b"FOO", 1)),
    ("TraceEnable Off: TRACE", get(b"/missing").replace(b"GET", b"TRACE", 1)),
    ("TraceEnable Off: TRACE on heartbeat", get(b"/hb").replace(b"GET", b"TRACE", 1)),
    ("TraceEnable Off: OPTIONS", get(b"/missing").replace(b"GET", b"OPTIONS", 1)),
    ("TraceEnable Off: OPTIONS on heartbeat", get(b"/hb").replace(b"GET", b"OPTIONS", 1)),
    ("TraceEnable Off: PUT on heartbeat", b"PUT /hb HTTP/1.1\r\n" + H
     + b"Content-Length: 1\r\n\r\nx"),
    ("TraceEnable Off: DELETE", get(b"/missing").replace(b"GET", b"DELETE", 1)),
    ("TraceEnable Off: OPTIONS star", b"OPTIONS * HTTP/1.1\r\n" + H + b"\r\n"),
]
