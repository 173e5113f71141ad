"""apr_parse_addr_port, the IPv4 lookup httpd does for heartbeat addresses, and %pI."""

from __future__ import annotations

import _socket  # socket.py without its enums and selectors: their import costs -t start-up

from ..cstr import atoi


def show_address(ip: str, port: int) -> str:
    """%pI: ip:port, with brackets around an IPv6 address."""
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def ip_getbuf(ip: str) -> str:
    """apr_sockaddr_ip_getbuf's text: a v4-mapped IPv6 address is shown as IPv4."""
    try:
        packed = _socket.inet_pton(_socket.AF_INET6, ip)
    except (OSError, ValueError):
        return ip
    if packed[:12] == bytes(10) + b"\xff\xff":
        return _socket.inet_ntop(_socket.AF_INET, packed[12:])
    return ip


def getaddrinfo(host: str | None, port: int | None, family: int = 0, type: int = 0,
                proto: int = 0, flags: int = 0) -> list:
    """_socket.getaddrinfo on the name's bytes, as httpd's C resolver sees them.

    Python encodes a str host with the IDNA codec, which raises UnicodeError for names
    that glibc merely fails to resolve ('.', 'a..b', a 64-character label, raw bytes);
    here every failure is a _socket.gaierror, as it is for httpd.
    """
    name = None if host is None else host.encode("utf-8", "surrogateescape")
    try:
        return _socket.getaddrinfo(name, port, family, type, proto, flags)
    except (UnicodeError, ValueError):  # a name C could not even hold (a NUL byte)
        raise _socket.gaierror(_socket.EAI_NONAME, "Name or service not known") from None


def sockaddr_info_get(host: str) -> bool:
    """Whether apr_sockaddr_info_get(host, APR_UNSPEC, port 0) succeeds: getaddrinfo with
    AI_ADDRCONFIG, retried without it on EAI_ADDRFAMILY as APR retries."""
    try:
        getaddrinfo(host, None, _socket.AF_UNSPEC, _socket.SOCK_STREAM, 0, _socket.AI_ADDRCONFIG)
    except _socket.gaierror as error:
        if error.errno != _socket.EAI_ADDRFAMILY:
            return False
        try:
            getaddrinfo(host, None, _socket.AF_UNSPEC, _socket.SOCK_STREAM)
        except _socket.gaierror:
            return False
    return True


class AddrParseError(ValueError):
    """APR_EINVAL from apr_parse_addr_port."""


def _is_ipv6_literal(text: str) -> bool:
    try:
        _socket.inet_pton(_socket.AF_INET6, text)
    except (OSError, ValueError):
        return False
    return True


def parse_addr_port(text: str) -> tuple[str | None, str | None, int]:
    """Split 'host:port', 'port', 'host' or '[v6%scope]:port' as APR 1.7 does.

    Returns (host, scope_id, port); port 0 means none was given. Raises AddrParseError
    for APR_EINVAL (an out-of-range port, a leading ':', a malformed bracket).
    """
    last = len(text) - 1
    ch = last
    while ch >= 0 and text[ch].isdigit() and text[ch].isascii():
        ch -= 1
    if ch < 0:
        port = atoi(text)
        if port < 1 or port > 65535:
            raise AddrParseError(text)
        return None, None, port

    port = 0
    if text[ch] == ":" and ch < last:
        if ch == 0:
            raise AddrParseError(text)
        port = atoi(text[ch + 1 :])
        if port < 1 or port > 65535:
            raise AddrParseError(text)
        last = ch - 1

    host = text[: last + 1]
    if text.startswith("["):
        end_bracket = host.find("]")
        if end_bracket < 0 or end_bracket != last:
            raise AddrParseError(text)
        scope = None
        scope_delim = host.find("%")
        if scope_delim >= 0:
            if scope_delim == end_bracket - 1:
                raise AddrParseError(text)
            scope = host[scope_delim + 1 : end_bracket]
            addr = host[1:scope_delim]
        else:
            addr = host[1:end_bracket]
        if not _is_ipv6_literal(addr):
            raise AddrParseError(text)
        return addr, scope, port
    return host, None, port


def _dotted_quad(text: str) -> bool:
    parts = text.split(".")
    return len(parts) == 4 and all(
        len(p) <= 3 and p.isdigit() and p.isascii() and int(p) < 256 and (p == "0" or p[0] != "0")
        for p in parts
    )


def resolve_ipv4(host: str, port: int) -> str:
    """apr_sockaddr_info_get(host, APR_INET, port): the first IPv4 address, as text.

    Raises OSError when the name does not resolve to IPv4 (IPv6 literals included).
    Numeric addresses are answered without loading the resolver.
    """
    if _dotted_quad(host):
        return host

    infos = getaddrinfo(host, port, _socket.AF_INET, _socket.SOCK_STREAM)
    return infos[0][4][0]


def resolve_ipv6(host: str, port: int) -> str:
    """The first IPv6 address of a name or literal, as text (OSError when there is none).

    httpd resolves heartbeat addresses as IPv4 only; heartlab_module's unicast listener
    also takes IPv6.
    """
    if _is_ipv6_literal(host):
        return host
    infos = getaddrinfo(host, port, _socket.AF_INET6, _socket.SOCK_DGRAM)
    return infos[0][4][0]
