"""apr_uri_parse: the parts of a URI as APR-util splits them (uri/apr_uri.c)."""

from __future__ import annotations

from ..cnum import strtol

_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.")


# apr_uri_port_of_scheme's table (uri/apr_uri.c).
SCHEME_PORTS = {
    "http": 80, "ftp": 21, "https": 443, "gopher": 70, "ldap": 389, "nntp": 119, "snews": 563,
    "imap": 143, "pop": 110, "sip": 5060, "rtsp": 554, "wais": 210, "z39.50r": 210,
    "z39.50s": 210, "prospero": 191, "nfs": 2049, "tip": 3372, "acap": 674, "telnet": 23,
    "ssh": 22,
}


class UriError(ValueError):
    """APR_EGENERAL: the URI cannot be split."""


class Uri:
    __slots__ = ("scheme", "hostinfo", "user", "password", "hostname", "port_str", "port",
                 "path", "query", "fragment")

    def __init__(self) -> None:
        self.scheme: str | None = None
        self.hostinfo: str | None = None
        self.user: str | None = None
        self.password: str | None = None
        self.hostname: str | None = None
        self.port_str: str | None = None
        self.port = 0
        self.path: str | None = None
        self.query: str | None = None
        self.fragment: str | None = None


def _path(uri: Uri, text: str) -> Uri:
    end = len(text)
    for index, ch in enumerate(text):
        if ch in "?#":
            end = index
            break
    if end:
        uri.path = text[:end]
    rest = text[end:]
    if rest.startswith("?"):
        query, hash_, fragment = rest[1:].partition("#")
        uri.query = query
        if hash_:
            uri.fragment = fragment
    elif rest.startswith("#"):
        uri.fragment = rest[1:]
    return uri


def _authority(uri: Uri, text: str) -> Uri:
    end = len(text)
    for index, ch in enumerate(text):
        if ch in "/?#":
            end = index
            break
    hostinfo = text[:end]
    uri.hostinfo = hostinfo
    at = hostinfo.rfind("@")
    if at >= 0:
        userinfo = hostinfo[:at]
        user, has_password, password = userinfo.partition(":")
        uri.user = user
        if has_password:
            uri.password = password
        hostinfo = hostinfo[at + 1:]
    if hostinfo.startswith("["):
        close = hostinfo.find("]")
        if close < 0:
            raise UriError(text)
        uri.hostname = hostinfo[1:close]
        colon = close + 1 if hostinfo[close + 1:close + 2] == ":" else -1
    else:
        colon = hostinfo.find(":")
        uri.hostname = hostinfo if colon < 0 else hostinfo[:colon]
    if colon >= 0:
        uri.port_str = hostinfo[colon + 1:]
        if uri.port_str:
            value, stop, _overflow = strtol(uri.port_str)
            uri.port = value & 0xFFFF
            if stop != len(uri.port_str):
                raise UriError(text)
    return _path(uri, text[end:])


def uri_parse(text: str) -> Uri:
    """apr_uri_parse; UriError where APR returns APR_EGENERAL."""
    uri = Uri()
    if text.startswith("/"):
        if text[1:2] == "/" and text[2:3] != "/":
            return _authority(uri, text[2:])
        return _path(uri, text)
    pos = 0
    if not text[:1].isascii() or not text[:1].isalpha():
        return _path(uri, text)
    pos = 1
    while pos < len(text) and text[pos] in _SCHEME_CHARS:
        pos += 1
    if text[pos:pos + 1] != ":":
        return _path(uri, text)
    uri.scheme = text[:pos]
    if text[pos + 1:pos + 3] != "//":
        return _path(uri, text[pos + 1:])
    return _authority(uri, text[pos + 3:])
