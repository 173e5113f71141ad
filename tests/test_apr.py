"""heartmonitor's ports of APR functions against the real libapr-1, on arbitrary input."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from heartmonitor.apr.filepath import filepath_merge
from heartmonitor.apr.fnmatch import fnmatch, fnmatch_test
from heartmonitor.apr.snprintf import format_g
from heartmonitor.apr.sockaddr import AddrParseError, parse_addr_port
from tests.apr_ctypes import apr

PATTERN = st.text(alphabet="ab.*?[]!^-\\c", max_size=8)
NAME = st.text(alphabet="ab.c-]![\\^", max_size=7)


@settings(max_examples=1000, deadline=None)
@given(PATTERN, NAME)
def test_fnmatch_matches_apr(pattern, name):
    lib = apr()
    assert fnmatch(pattern, name) == lib.fnmatch(pattern.encode(), name.encode())
    assert fnmatch_test(pattern) == lib.fnmatch_test(pattern.encode())


def test_fnmatch_examples():
    assert fnmatch("*.conf", "a.conf")
    assert not fnmatch("*.conf", ".hidden.conf")
    assert fnmatch(".*", ".hidden")
    assert fnmatch("[!a]*", "b")
    assert fnmatch("[^a]*", "b")
    assert not fnmatch_test("plain.conf")
    assert fnmatch_test("a[bc]")
    assert not fnmatch_test("a[bc")


ADDRESS = st.one_of(
    st.text(alphabet="0123456789.:[]%abcdef-*x ", max_size=14),
    st.builds(lambda h, p: f"{h}:{p}", st.sampled_from(["239.0.0.1", "h", "[::1]", ""]),
              st.integers(-5, 100000)),
)


@settings(max_examples=1000, deadline=None)
@given(ADDRESS)
def test_parse_addr_port_matches_apr(text):
    expected = apr().parse_addr_port(text.encode())
    try:
        host, scope, port = parse_addr_port(text)
    except AddrParseError:
        assert expected is None
        return
    assert expected is not None
    got = (host.encode() if host is not None else None,
           scope.encode() if scope is not None else None, port)
    assert got == expected


SEGMENT = st.sampled_from(["a", "b", ".", "..", "", "c.d", "...", "x"])


@settings(max_examples=1000, deadline=None)
@given(st.sampled_from(["/", "/srv", "/srv/", "/a/b", "rel", "rel/x", ""]),
       st.lists(SEGMENT, max_size=6), st.booleans(), st.booleans())
def test_filepath_merge_matches_apr(root, segments, absolute, trailing):
    add = ("/" if absolute else "") + "/".join(segments) + ("/" if trailing and segments else "")
    assert filepath_merge(root, add).encode() == apr().filepath_merge(root.encode(), add.encode())


NUMBER = st.one_of(
    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
    st.builds(lambda m, e: m * 10.0 ** e, st.floats(0, 10, allow_nan=False),
              st.integers(-8, 10)),
    st.sampled_from([0.0, 0.125, 0.04, 99999.95, 1e-5, 0.0001, 123456.0, 1234567.0]),
)


@settings(max_examples=2000, deadline=None)
@given(NUMBER, st.sampled_from([1, 3, 6]))
def test_format_g_matches_apr_snprintf(value, precision):
    assert format_g(value, precision) == apr().format_g(value, precision)


def test_format_g_examples():
    """APR's %g is not C's: no leading zero, no E-style for 7-digit integers."""
    assert [format_g(v) for v in (0.0, 0.125, 0.04, 1024.0, 1234567.0, 1e-5)] == [
        "0", ".125", ".04", "1024", "1234570", "1.e-5"]
