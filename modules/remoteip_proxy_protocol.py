"""RemoteIPProxyProtocol's bookkeeping while the configuration is read (mod_remoteip.c's
remoteip_enable_proxy_protocol): the addresses it was turned on and off for, and AH03491
when a server turns it the other way for an address another server set.

heartmonitor does not read PROXY protocol headers; the directive is checked and noted as
httpd notes it, so that the same notices appear.
"""

from __future__ import annotations

import _socket  # socket.py without its enums and selectors: their import costs -t start-up

from heartmonitor import log
from heartmonitor.apr.sockaddr import ip_getbuf
from heartmonitor.server_rec import ServerAddr, ServerRec

# The main server's address record: apr_sockaddr_info_get(NULL, APR_UNSPEC, port 0).
MAIN_SERVER_ADDR = ServerAddr(_socket.AF_INET, "0.0.0.0", 0, "")
_V4_MAPPED = bytes(10) + b"\xff\xff"


class AddrInfo:
    """remoteip_addr_info: one address and the server whose directive put it there."""

    __slots__ = ("addr", "packed", "source")

    def __init__(self, addr: ServerAddr, source: ServerRec) -> None:
        self.addr = addr
        self.packed = packed_ip(addr)
        self.source = source


def packed_ip(addr: ServerAddr) -> bytes:
    """The address bytes apr compares (4 for IPv4, 16 for IPv6; no scope)."""
    family = _socket.AF_INET6 if ":" in addr.ip else _socket.AF_INET
    return _socket.inet_pton(family, addr.ip.partition("%")[0])


def ip_equal(one: bytes, other: bytes) -> bool:
    """apr_sockaddr_equal: the same bytes, or an IPv4 address and its v4-mapped form."""
    if one == other:
        return True
    for v4, v6 in ((one, other), (other, one)):
        if len(v4) == 4 and len(v6) == 16 and v6[:12] == _V4_MAPPED and v6[12:] == v4:
            return True
    return False


def is_wildcard(packed: bytes) -> bool:
    """apr_sockaddr_is_wildcard: all zeros, or ::ffff:0.0.0.0."""
    return not any(packed) or (len(packed) == 16 and packed[:12] == _V4_MAPPED
                               and not any(packed[12:]))


def same_address(info: AddrInfo, packed: bytes, port: int) -> bool:
    """remoteip_sockaddr_equal: address and port."""
    return info.addr.port == port and ip_equal(info.packed, packed)


def compatible(info: AddrInfo, packed: bytes, port: int) -> bool:
    """remoteip_sockaddr_compat: equal with a port of 0 matching any, or a wildcard."""
    mine = info.addr.port
    if ip_equal(info.packed, packed) and (mine == port or mine == 0 or port == 0):
        return True
    if is_wildcard(info.packed) and (mine == 0 or mine == port):
        return True
    return is_wildcard(packed) and (port == 0 or port == mine)


def describe(server: ServerRec) -> str:
    """{name:port in file}: the server as the notice shows it, "(null)" where C's %s
    meets NULL (no ServerName read yet; the main server has no file)."""
    port = server.addrs[0].port if server.is_virtual and server.addrs else 0
    return f"{{{server.server_hostname or '(null)'}:{port} in {server.defn_name or '(null)'}}}"


def addresses(server: ServerRec) -> list[ServerAddr]:
    return server.addrs if server.is_virtual else [MAIN_SERVER_ADDR]


def warn_conflict(httpd, previous: AddrInfo, server: ServerRec, flag: bool) -> None:
    # ap_log_error(APLOG_NOTICE, server): a notice passes any LogLevel.
    httpd.log_startup_error(
        "remoteip", log.NOTICE,
        f"AH03491: RemoteIPProxyProtocol: previous setting for {ip_getbuf(previous.addr.ip)}:"
        f"{previous.addr.port} from virtual host {describe(previous.source)} is being "
        f"overridden by virtual host {describe(server)}; new setting is "
        f"'{'On' if flag else 'Off'}'")


def enable_proxy_protocol(cmd, mconfig, flag: bool) -> str | None:
    """RemoteIPProxyProtocol On|Off: each of the server's addresses moves to that list."""
    httpd = cmd.httpd
    lists = httpd.extensions.setdefault("remoteip_proxy_protocol",
                                        {True: [], False: []})
    # Lists are kept newest first, as httpd prepends to its linked lists.
    add: list[AddrInfo] = lists[flag]
    remove: list[AddrInfo] = lists[not flag]
    server = cmd.server
    for addr in addresses(server):
        packed = packed_ip(addr)
        for index, info in enumerate(remove):
            if same_address(info, packed, addr.port):
                warn_conflict(httpd, info, server, flag)
                del remove[index]
                break
        if not any(compatible(info, packed, addr.port) for info in add):
            add.insert(0, AddrInfo(addr, server))
    return None
