"""KeepAlive, MaxKeepAliveRequests and KeepAliveTimeout of a request's server, as httpd
applies them (ap_set_keepalive, and the keep-alive wait of the event MPM)."""

from __future__ import annotations

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


def keep_alive_wait(main: ServerRec, server: ServerRec, base: ServerRec) -> float:
    """Seconds to wait for the next request: the request's server's KeepAliveTimeout when
    it sets one, else that of the connection's base server (first on its address)."""
    chosen = server if server.keep_alive_timeout is not None else base
    return keep_alive_of(main, chosen).timeout / 1_000_000


def keep_alive_header(settings: KeepAlive, left: int) -> str:
    """The Keep-Alive value ap_set_keepalive writes: whole seconds, no max= when unlimited."""
    seconds = settings.timeout // 1_000_000
    return f"timeout={seconds}, max={left}" if settings.max else f"timeout={seconds}"
