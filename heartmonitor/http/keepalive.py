"""Whether a connection stays open after a response, as httpd's ap_set_keepalive decides:
the request's server's KeepAlive, MaxKeepAliveRequests and KeepAliveTimeout, the client's
Connection tokens, `nokeepalive` in the request's environment, a 100-continue the client
still waits for; and the keep-alive wait of the event MPM."""

from __future__ import annotations

import weakref
from functools import lru_cache
from typing import NamedTuple

from heartmonitor.server_rec import ServerRec

DEFAULT_KEEPALIVE_TIMEOUT = 5_000_000  # microseconds, DEFAULT_KEEPALIVE_TIMEOUT of httpd.h
DEFAULT_KEEPALIVE_MAX = 100


class KeepAlive(NamedTuple):
    on: bool
    max: int  # 0: no limit
    timeout: int  # microseconds


def keep_alive_of(main: ServerRec, server: ServerRec) -> KeepAlive:
    """The server's values, merged as ap_fixup_virtual_hosts merges a virtual host's: an
    unset KeepAlive, a KeepAliveTimeout of 0 and a MaxKeepAliveRequests of -1 (httpd's
    "unset" values) take the main server's."""
    on, most, timeout = server.keep_alive, server.keep_alive_max, server.keep_alive_timeout
    if server is not main:
        on = main.keep_alive if on is None else on
        most = main.keep_alive_max if most is None or most == -1 else most
        timeout = main.keep_alive_timeout if not timeout else timeout
    return KeepAlive(on is not False,
                     DEFAULT_KEEPALIVE_MAX if most is None else most,
                     DEFAULT_KEEPALIVE_TIMEOUT if timeout is None else timeout)


# Each server's merged values, worked out once per server (a restart makes new servers).
_resolved: weakref.WeakKeyDictionary[ServerRec, KeepAlive] = weakref.WeakKeyDictionary()


def resolved(main: ServerRec, server: ServerRec) -> KeepAlive:
    """keep_alive_of, remembered for the server: what ap_fixup_virtual_hosts leaves in it."""
    settings = _resolved.get(server)
    if settings is None:
        settings = _resolved[server] = keep_alive_of(main, server)
    return settings


def keep_alive_wait(main: ServerRec, server: ServerRec, base: ServerRec) -> float:
    """Seconds to wait for the next request: the request's server's KeepAliveTimeout when
    it sets one, else that of the connection's base server (first on its address)."""
    chosen = server if server.keep_alive_timeout is not None else base
    return resolved(main, chosen).timeout / 1_000_000


def keep_alive_header(settings: KeepAlive, left: int) -> str:
    """The Keep-Alive value ap_set_keepalive writes: whole seconds, no max= when unlimited."""
    seconds = settings.timeout // 1_000_000
    return f"timeout={seconds}, max={left}" if settings.max else f"timeout={seconds}"


# T_HTTP_TOKEN_STOP of httpd's gen_test_char: controls and RFC 2616's separators.
_TOKEN_STOP = frozenset(chr(c) for c in range(32)) | frozenset('\x7f ()<>@,;:\\"/[]?={}')
# ap_status_drops_connection
DROPS_CONNECTION = frozenset((400, 408, 411, 413, 414, 500, 501, 503))


def find_token(line: str | None, token: str) -> bool:
    """ap_find_token: whether a token of the list matches. httpd compares only as many
    characters as the listed token has, so a prefix matches too ("c" is "close")."""
    if not line:
        return False
    return _find_token(line, token)


# Clients repeat the same few Connection values: each is scanned once, not per response.
@lru_cache(maxsize=256)
def _find_token(line: str, token: str) -> bool:
    token = token.lower()
    start = None
    for index, char in enumerate(line + ","):
        if char in _TOKEN_STOP:
            if start is not None:
                word = line[start:index].lower()
                if token.startswith(word):
                    return True
                start = None
        elif start is None:
            start = index
    return False


class Decision(NamedTuple):
    keep: bool
    headers: list[tuple[str, str]]  # the Keep-Alive and Connection fields to send


def set_keepalive(request, settings: KeepAlive, keepalives: int, status: int, *,
                  errored: bool, expecting_100: bool, framed: bool,
                  running: bool) -> Decision:
    """ap_set_keepalive, its conditions in httpd's order.

    keepalives: the responses this connection was kept open after; errored: the
    connection cannot go on (c->keepalive is AP_CONN_CLOSE); expecting_100: the client
    sent Expect: 100-continue and no 100 went out (its body was never read); framed: the
    response's end is known without a close (HEAD, 204/304, a length, or HTTP/1.1).
    """
    left = settings.max - keepalives
    connection = request.headers_in.get("connection")
    keep_alive_sent = False
    if (not errored and not expecting_100 and framed and settings.on
            and settings.timeout > 0 and (settings.max == 0 or left > 0)
            and status not in DROPS_CONNECTION
            and not find_token(connection, "close")
            and (request.subprocess_env.get("nokeepalive") is None  # SetEnvIf, BrowserMatch
                 or "via" in request.headers_in)
            and ((keep_alive_sent := find_token(connection, "keep-alive"))
                 or request.proto_num >= 1001)
            and running):
        if not keep_alive_sent:
            return Decision(True, [])
        return Decision(True, [("Keep-Alive", keep_alive_header(settings, left)),
                               ("Connection", "Keep-Alive")])
    return Decision(False, [("Connection", "close")])
