"""Listen and its companions (server/listen.c), which every MPM module declares."""

from __future__ import annotations

import _socket  # socket.py without its enums and selectors: their import costs -t start-up

from . import log
from .apr.sockaddr import AddrParseError, getaddrinfo, parse_addr_port
from .config.command import GLOBAL_ONLY, RSRC_CONF, TAKE1, TAKE_ARGV, Command
from .cstr import atoi
from .vhost import eai_status


class Listener:
    """One configured Listen: address (None for all), port and protocol."""

    __slots__ = ("host", "port", "protocol", "scope", "family", "ip")

    def __init__(self, host, port, protocol, scope, family, ip) -> None:
        self.host = host
        self.port = port
        self.protocol = protocol
        self.scope = scope
        self.family = family
        self.ip = ip

    def __repr__(self) -> str:
        return f"<Listener {self.ip}:{self.port} {self.protocol}>"


def resolve(host: str | None, port: int):
    """apr_sockaddr_info_get(host, APR_UNSPEC, port): [(family, ip)], in getaddrinfo's order.

    APR asks with AI_ADDRCONFIG (AI_PASSIVE too for no host) and asks again without
    AI_ADDRCONFIG when that finds nothing (loopback addresses do not count for it).
    """
    flags = _socket.AI_ADDRCONFIG | (_socket.AI_PASSIVE if host is None else 0)
    try:
        infos = getaddrinfo(host, port, _socket.AF_UNSPEC, _socket.SOCK_STREAM, 0, flags)
    except _socket.gaierror as failure:
        if failure.errno not in (_socket.EAI_NONAME, getattr(_socket, "EAI_ADDRFAMILY", -9)):
            raise
        infos = getaddrinfo(host, port, _socket.AF_UNSPEC, _socket.SOCK_STREAM, 0,
                            flags & ~_socket.AI_ADDRCONFIG)
    return [(family, sockaddr[0]) for family, _t, _p, _n, sockaddr in infos]


def is_inaddr_any(listener: Listener) -> bool:
    return listener.family == _socket.AF_INET and listener.ip == "0.0.0.0"


def is_in6addr_any(listener: Listener) -> bool:
    return listener.family == _socket.AF_INET6 and listener.ip == "::"


def bind_order(listeners: list[Listener]) -> list[Listener]:
    """open_listeners' order: an IPv6 wildcard goes before the IPv4 wildcard just before it
    on the same port, so that its dual-stack socket (IPV6_V6ONLY off) is tried first."""
    ordered = list(listeners)
    for index in range(len(ordered) - 1):
        here, after = ordered[index], ordered[index + 1]
        if is_inaddr_any(here) and is_in6addr_any(after) and here.port == after.port:
            ordered[index], ordered[index + 1] = after, here
    return ordered


def covered_by_dual_stack(listener: Listener, bound: list[Listener]) -> bool:
    """An IPv4 wildcard that a dual-stack [::] socket on its port already receives."""
    return is_inaddr_any(listener) and any(
        is_in6addr_any(other) and other.port == listener.port for other in bound
    )


def falls_back_to_ipv4(listener: Listener, following: Listener | None) -> bool:
    """[::] failed and 0.0.0.0 on the same port comes next: not fatal (no IPv6 here)."""
    return (is_in6addr_any(listener) and following is not None
            and is_inaddr_any(following) and following.port == listener.port)


def set_listener(cmd, mconfig, argv: list[str]) -> str | None:
    if len(argv) < 1 or len(argv) > 2:
        return "Listen requires 1 or 2 arguments."
    try:
        host, scope, port = parse_addr_port(argv[0])
    except AddrParseError:
        return "Invalid address or port"
    if host == "*":
        host = None
    if not port:
        return "Port must be specified"
    if len(argv) != 2:
        protocol = "https" if port == 443 else "http"
    else:
        protocol = argv[1].lower()
    listeners = cmd.httpd.extensions.setdefault("listeners", [])
    for existing in listeners:
        if existing.host == host and existing.port == port and existing.scope == scope:
            return "Cannot define multiple Listeners on the same IP:port"
    try:
        addresses = resolve(host, port)
    except _socket.gaierror as failure:
        cmd.httpd.log_startup_error(
            "core", log.CRIT, f"AH00077: alloc_listener: failed to set up sockaddr for {host}",
            status=eai_status(failure),
        )
        return "Listen setup failed"
    for family, ip in addresses:
        listeners.append(Listener(host, port, protocol, scope, family, ip))
    return None


def set_listenbacklog(cmd, mconfig, arg: str) -> str | None:
    if atoi(arg) < 1:
        return "ListenBacklog must be > 0"
    return None


def listen_commands() -> list[Command]:
    """The directives LISTEN_COMMANDS adds to an MPM's table.

    Declared here rather than by the catalogue, which has no context mask for them:
    listen.c's handlers open with ap_check_cmd_context(cmd, GLOBAL_ONLY).
    """
    return [
        Command("ListenBacklog", TAKE1, RSRC_CONF,
                "Maximum length of the queue of pending connections, as used by listen(2)",
                set_listenbacklog, forbidden=GLOBAL_ONLY),
        Command("Listen", TAKE_ARGV, RSRC_CONF,
                "A port number or a numeric IP address and a port number, and an optional "
                "protocol", set_listener, forbidden=GLOBAL_ONLY),
    ]
