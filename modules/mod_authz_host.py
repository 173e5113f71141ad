"""mod_authz_host: the `ip`, `host`, `forward-dns` and `local` authz providers."""

from __future__ import annotations

import _socket  # socket.py without its enums and selectors: their import costs -t start-up

from heartmonitor.apr.ipsubnet import MESSAGES, Subnet, SubnetError, create
from heartmonitor.apr.sockaddr import getaddrinfo
from heartmonitor.config.words import words_until_empty
from heartmonitor.module import Module
from heartmonitor.modules.mod_authz_core import DENIED, GRANTED, Provider

_LOCALHOST = (create("127.0.0.0", "8"), create("::1", None))


# ip_parse's answers by argument line: most configurations repeat the same few
# `Require ip` lines in every section. Each section still gets a list of its own.
_PARSED_IP_LINES: dict[str, tuple[str | None, tuple[Subnet, ...]]] = {}


def ip_parse(cmd, line: str):
    known = _PARSED_IP_LINES.get(line)
    if known is None:
        if len(_PARSED_IP_LINES) >= 1024:  # bounded, whatever the configuration holds
            _PARSED_IP_LINES.clear()
        error, subnets = _ip_parse(line)
        known = _PARSED_IP_LINES[line] = (error, tuple(subnets or ()))
        if error is not None:
            return error, None
        return None, subnets
    error, cached = known
    return (error, None) if error is not None else (None, list(cached))


def _ip_parse(line: str):
    words = words_until_empty(line)
    if not words:
        return "'require ip' requires an argument", None
    subnets = []
    for word in words:
        address, _slash, mask = word.partition("/")
        try:
            subnets.append(create(address, mask if _slash else None))
        except SubnetError as error:
            if error.code is None:
                return f"ip address '{word}' appears to be invalid", None
            return f"ip address '{word}' appears to be invalid: {MESSAGES[error.code]}", None
    return None, subnets


def ip_check(request, subnets) -> int:
    return GRANTED if any(s.contains(request.client_ip) for s in subnets) else DENIED


def local_check(request, parsed) -> int:
    if request.client_ip == request.local_ip:
        return GRANTED
    return GRANTED if any(s.contains(request.client_ip) for s in _LOCALHOST) else DENIED


def host_parse(cmd, line: str):
    return None, words_until_empty(line)


def _reverse(ip: str) -> str | None:
    try:
        return _socket.gethostbyaddr(ip)[0]
    except OSError:
        return None


def host_check(request, names) -> int:
    """Double-reverse lookup of the peer, then a suffix match on each name."""
    remote = _reverse(request.client_ip)
    if remote is None:
        return DENIED
    try:
        forward = {info[4][0] for info in getaddrinfo(remote, None)}
    except OSError:
        return DENIED
    if request.client_ip not in forward:
        return DENIED
    remote = remote.lower()
    for name in names:
        name = name.lower()
        if remote == name or remote.endswith("." + name.lstrip(".")) or (
            name.startswith(".") and remote.endswith(name)
        ):
            return GRANTED
    return DENIED


def forward_dns_check(request, names) -> int:
    for name in names:
        try:
            addresses = {info[4][0] for info in getaddrinfo(name, None)}
        except OSError:
            continue
        if request.client_ip in addresses:
            return GRANTED
    return DENIED


MODULE = Module(
    "authz_host_module",
    "mod_authz_host.c",
    providers={
        ("authz", "ip", "0"): Provider(ip_check, ip_parse),
        ("authz", "host", "0"): Provider(host_check, host_parse, blocking=True),
        ("authz", "forward-dns", "0"): Provider(forward_dns_check, host_parse, blocking=True),
        ("authz", "local", "0"): Provider(local_check),
    },
)
