"""A head read again from the configuration's HeadCache gives what reading it gave."""

from __future__ import annotations

from heartmonitor.http.head import CACHED_HEADS, Head, HeadCache, read_head
from heartmonitor.http.limits import Limits

GET = b"GET /missing?x=1 HTTP/1.1\r\nHost: Example.COM.:80\r\nAccept: */*\r\nAccept: a/b\r\n\r\n"


def method_number(method: str) -> int:
    return {"GET": 0, "POST": 2}.get(method, 26)


def fields(head: Head) -> dict:
    return {name: getattr(head, name) for name in Head.__slots__}


def test_a_head_seen_again_is_copied_with_the_same_fields():
    cache = HeadCache()
    used, first = read_head(bytearray(GET + b"POST"), Limits(), method_number, cache)
    assert used == len(GET) and first is not None
    assert list(cache) == [GET[:-4]]
    used, second = read_head(bytearray(GET), Limits(), method_number, cache)
    _unused, fresh = read_head(bytearray(GET), Limits(), method_number)
    assert used == len(GET) and second is not None and fresh is not None
    assert fields(second) == fields(first) == fields(fresh)
    assert (second.method, second.args, second.hostname, second.headers) == (
        "GET", "x=1", "example.com", {"host": "Example.COM.:80", "accept": "*/*, a/b"})
    # Each request gets dicts and lists of its own.
    assert second.headers is not first.headers and second.logs is not first.logs


def test_heads_that_fail_or_wait_for_more_are_not_remembered():
    cache = HeadCache()
    bad_length = b"POST /hb HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n"
    _used, head = read_head(bytearray(bad_length), Limits(), method_number, cache)
    assert head is not None and head.status == 400 and head.close
    no_host = b"GET / HTTP/1.1\r\n\r\n"
    _used, head = read_head(bytearray(no_host), Limits(), method_number, cache)
    assert head is not None and head.status == 400
    assert read_head(bytearray(GET[:-2]), Limits(), method_number, cache) == (0, None)
    assert not cache
    # Read again, they fail again, with their log lines.
    _used, head = read_head(bytearray(bad_length), Limits(), method_number, cache)
    assert head is not None and head.status == 400 and head.logs == [
        ("core", 7, "AH10242: client sent invalid Content-Length (1x): /hb")]


def test_the_cache_is_bounded():
    cache = HeadCache()
    for number in range(CACHED_HEADS + 3):
        read_head(bytearray(b"GET /%d HTTP/1.0\r\n\r\n" % number), Limits(), method_number,
                  cache)
    assert len(cache) == 3
