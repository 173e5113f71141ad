"""Virtual hosts (server/vhost.c): <VirtualHost> addresses and the main server's name."""

from __future__ import annotations

import socket

from . import log
from .apr.sockaddr import AddrParseError, parse_addr_port
from .config.words import getword_conf

APR_OS_START_EAIERR = 670000


def eai_status(error: socket.gaierror) -> tuple[int, str]:
    """The apr_status_t and text httpd logs for a resolver failure."""
    code = error.args[0] if error.args else 0
    text = error.args[1] if len(error.args) > 1 else str(error)
    return APR_OS_START_EAIERR + abs(code), text


class ServerAddr:
    """server_addr_rec: one address a virtual host answers on."""

    __slots__ = ("family", "ip", "port", "virthost")

    def __init__(self, family: int, ip: str, port: int, virthost: str) -> None:
        self.family = family
        self.ip = ip
        self.port = port
        self.virthost = virthost


def get_addresses(httpd, word: str, default_port: int, addrs: list) -> str | None:
    if not word:
        return None
    wild_port = False
    if word.endswith("*"):
        if len(word) < 2:
            wild_port = True
        elif word[-2] == ":":
            word = word[:-2]
            wild_port = True
    try:
        host, _scope, port = parse_addr_port(word)
    except AddrParseError:
        return "The address or port is invalid"
    if host is None:
        return "Missing address for VirtualHost"
    if not port and not wild_port:
        port = default_port
    if host == "*" or host.lower() == "_default_":
        addrs.append(ServerAddr(socket.AF_INET, "0.0.0.0", port, host))
        return None
    try:
        infos = socket.getaddrinfo(host, port or None, socket.AF_UNSPEC, socket.SOCK_STREAM,
                                   0, socket.AI_ADDRCONFIG)
    except socket.gaierror as error:
        httpd.log_startup_error(
            "core", log.ERR, f"AH00547: Could not resolve host name {host} -- ignoring!",
            status=eai_status(error),
        )
        return None
    for family, _type, _proto, _name, sockaddr in infos:
        addrs.append(ServerAddr(family, sockaddr[0], port, host))
    return None


def init_virtual_host(httpd, hostname: str, main_server):
    """ap_init_virtual_host: a new virtual server with the addresses of the section."""
    from .server import ServerRec

    server = ServerRec(is_virtual=True)
    server.port = main_server.port
    pos = 0
    while pos < len(hostname):
        word, pos = getword_conf(hostname, pos)
        error = get_addresses(httpd, word, server.port, server.addrs)
        if error:
            return error, server
    if server.addrs and server.addrs[0].port:
        server.port = server.addrs[0].port
    return None, server


def get_local_host(httpd) -> str:
    """ap_get_local_host: the name httpd falls back on without ServerName (AH00558)."""
    argv0 = httpd.argv0
    found = None
    try:
        name = socket.gethostname()
    except OSError:
        httpd.log_startup_error(
            "core", log.WARNING,
            f"AH00556: {argv0}: apr_gethostname() failed to determine ServerName",
        )
        name = None
    if name is not None:
        try:
            info = socket.getaddrinfo(name, None, socket.AF_UNSPEC, socket.SOCK_STREAM, 0,
                                      socket.AI_ADDRCONFIG)[0]
        except socket.gaierror:
            httpd.log_startup_error(
                "core", log.WARNING, f"AH00557: {argv0}: apr_sockaddr_info_get() failed for {name}"
            )
            info = None
        if info is not None:
            try:
                fqdn = socket.getnameinfo(info[4], socket.NI_NAMEREQD)[0]
            except OSError:
                fqdn = ""
            if "." in fqdn:
                return fqdn
            found = name if "." in name else info[4][0]
    if found is None:
        found = "127.0.0.1"
    httpd.startup(
        f"AH00558: {argv0}: Could not reliably determine the server's fully qualified domain "
        f"name, using {found}. Set the 'ServerName' directive globally to suppress this message"
    )
    return found


def fini_vhost_config(httpd) -> None:
    """ap_fini_vhost_config: the parts heartmonitor needs (the main server's name)."""
    main = httpd.server_conf
    if not main.server_hostname:
        main.server_hostname = get_local_host(httpd)
    for server in httpd.vhosts:
        if not server.server_hostname:
            server.server_hostname = main.server_hostname
