"""Virtual hosts (server/vhost.c): <VirtualHost> addresses and the main server's name."""

from __future__ import annotations

import _socket  # socket.py without its enums and selectors: their import costs -t start-up

from . import log
from .apr.fnmatch import fnmatch
from .apr.sockaddr import AddrParseError, getaddrinfo, ip_getbuf, parse_addr_port
from .config.words import getword_conf
from .remembered import remembered
from .server_rec import ServerAddr, ServerRec


def eai_status(error: _socket.gaierror) -> tuple[str, str]:
    """What httpd logs for a resolver failure: "(EAI 2)Name or service not known".

    log.c prints an apr_status_t from APR_OS_START_EAIERR (670000) on as "EAI n".
    """
    code = error.args[0] if error.args else 0
    text = error.args[1] if len(error.args) > 1 else str(error)
    return f"EAI {abs(code)}", text


@remembered(maxsize=256)  # every <VirtualHost> of a large configuration asks
def _numeric(host: str) -> int | None:
    """The family of a numeric address written canonically, None for anything else."""
    for family in (_socket.AF_INET, _socket.AF_INET6):
        try:
            packed = _socket.inet_pton(family, host)
        except (OSError, ValueError):  # ValueError: bytes that are not UTF-8
            continue
        return family if _socket.inet_ntop(family, packed) == host else None
    return None


# parse_addr_port's answers (None: invalid) by <VirtualHost> word: most configurations
# give every section the same one or two addresses.
_PARSED_ADDRESSES: dict[str, tuple[str | None, str | None, int] | None] = {}


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
    if word in _PARSED_ADDRESSES:
        parsed = _PARSED_ADDRESSES[word]
    else:
        try:
            parsed = parse_addr_port(word)
        except AddrParseError:
            parsed = None
        if len(_PARSED_ADDRESSES) >= 1024:  # bounded, whatever the configuration holds
            _PARSED_ADDRESSES.clear()
        _PARSED_ADDRESSES[word] = parsed
    if parsed is None:
        return "The address or port is invalid"
    host, _scope, port = parsed
    if host is None:
        return "Missing address for VirtualHost"
    if not port and not wild_port:
        port = default_port
    if host == "*" or host.lower() == "_default_":
        addrs.append(ServerAddr(_socket.AF_INET, "0.0.0.0", port, host))
        return None
    numeric = _numeric(host)
    if numeric is not None:
        addrs.append(ServerAddr(numeric, host, port, host))
        return None
    try:
        infos = getaddrinfo(host, port or None, _socket.AF_UNSPEC, _socket.SOCK_STREAM, 0,
                            _socket.AI_ADDRCONFIG)
    except _socket.gaierror as error:
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
        name = _socket.gethostname()
    except OSError:
        httpd.log_startup_error(
            "core", log.WARNING,
            f"AH00556: {argv0}: apr_gethostname() failed to determine ServerName",
        )
        name = None
    if name is not None:
        try:
            info = getaddrinfo(name, None, _socket.AF_UNSPEC, _socket.SOCK_STREAM, 0,
                               _socket.AI_ADDRCONFIG)[0]
        except _socket.gaierror:
            httpd.log_startup_error(
                "core", log.WARNING, f"AH00557: {argv0}: apr_sockaddr_info_get() failed for {name}"
            )
            info = None
        if info is not None:
            try:
                fqdn = _socket.getnameinfo(info[4], _socket.NI_NAMEREQD)[0]
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


IPHASH_TABLE_SIZE = 256


class IpChain:
    """ipaddr_chain: the servers answering on one address, with their names."""

    __slots__ = ("server", "sar", "names", "initialnames")

    def __init__(self, server, sar: ServerAddr) -> None:
        self.server = server
        self.sar = sar
        self.names: list | None = None
        self.initialnames: list | None = None


def _packed(sar: ServerAddr) -> bytes:
    return _socket.inet_pton(sar.family, sar.ip)


def _hash_addr(sar: ServerAddr) -> int:
    """hash_addr: the last four address bytes, read as a little-endian unsigned."""
    key = int.from_bytes(_packed(sar)[-4:], "little")
    key ^= key >> 16
    return ((key >> 8) ^ key) % IPHASH_TABLE_SIZE


def _is_any(sar: ServerAddr) -> bool:
    return not any(_packed(sar))


def _add_name(chain: IpChain, server, sar: ServerAddr) -> None:
    """add_name_vhost_config: vhosts are walked last first, so each becomes the default."""
    entry = (server, sar)
    chain.server = server
    if chain.names is None:
        if chain.initialnames is None:
            chain.initialnames = [entry]
        else:
            chain.names = [entry, *chain.initialnames]
            chain.initialnames = None
    else:
        chain.names.insert(0, entry)


class VhostTables:
    """The lookup tables ap_fini_vhost_config builds (iphash_table and default_list)."""

    def __init__(self) -> None:
        self.buckets: list[list[IpChain]] = [[] for _ in range(IPHASH_TABLE_SIZE)]
        self.default_list: list[IpChain] = []

    def find_ipaddr(self, sar: ServerAddr) -> IpChain | None:
        wild = None
        packed = _packed(sar)
        for chain in self.buckets[_hash_addr(sar)]:
            if chain.sar.family != sar.family or _packed(chain.sar) != packed:
                continue
            if chain.sar.port == sar.port:
                return chain
            if wild is None and (chain.sar.port == 0 or sar.port == 0):
                wild = chain
        return wild

    def find_default(self, port: int) -> IpChain | None:
        wild = None
        for chain in self.default_list:
            if chain.sar.port == port:
                return chain
            if wild is None and chain.sar.port == 0:
                wild = chain
        return wild


def build_tables(httpd) -> VhostTables:
    main = httpd.server_conf
    tables = VhostTables()
    for server in reversed(httpd.vhosts):
        has_default = False
        previous = None
        for sar in server.addrs:
            if _is_any(sar):
                chain = tables.find_default(sar.port)
                if chain is not None and sar.port == chain.sar.port:
                    if previous is None or not _is_any(previous) or previous.port != sar.port:
                        _add_name(chain, server, sar)
                else:
                    chain = IpChain(server, sar)
                    tables.default_list.insert(0, chain)
                    _add_name(chain, server, sar)
                has_default = True
            else:
                chain = tables.find_ipaddr(sar)
                if chain is None or sar.port != chain.sar.port:
                    chain = IpChain(server, sar)
                    tables.buckets[_hash_addr(sar)].insert(0, chain)
                _add_name(chain, server, sar)
            previous = sar
        if not server.server_hostname:
            if has_default:
                server.server_hostname = main.server_hostname
            elif not server.addrs:
                server.server_hostname = "bogus_host_without_forward_dns"
            else:
                server.server_hostname = _reverse_name(httpd, server.addrs[0])
    return tables


def _reverse_name(httpd, sar: ServerAddr) -> str:
    try:
        return _socket.getnameinfo((sar.ip, sar.port), _socket.NI_NAMEREQD)[0]
    except (OSError, _socket.gaierror) as error:
        status = eai_status(error) if isinstance(error, _socket.gaierror) else None
        httpd.log_error("core", log.ERR,
                        f"AH00549: Failed to resolve server name for {ip_getbuf(sar.ip)} "
                        "(check DNS) -- or specify an explicit ServerName", status=status)
        return "bogus_host_without_reverse_dns"


def _address_text(sar: ServerAddr) -> str:
    if _is_any(sar):
        text = f"*:{sar.port}"
    elif sar.family == _socket.AF_INET6:
        text = f"[{sar.ip}]:{sar.port}"
    else:
        text = f"{sar.ip}:{sar.port}"
    if sar.port == 0:
        text = text[:-1] + "*"
    return text


def _where(server) -> str:
    return f"({server.defn_name}:{server.defn_line_number})"


def _dump_chain(out, chain: IpChain) -> None:
    text = _address_text(chain.sar)
    if chain.names is None:
        out.write(f"{text:<22s} {chain.server.server_hostname} {_where(chain.server)}\n")
        return
    out.write(f"{text:<22s} is a NameVirtualHost\n")
    out.write(f"{'':8s} default server {chain.server.server_hostname} {_where(chain.server)}\n")
    for server, sar in chain.names:
        port = f"port {sar.port} " if sar.port else "port * "
        out.write(f"{'':8s} {port}namevhost {server.server_hostname} {_where(server)}\n")
        for name in server.names or ():
            out.write(f"{'':16s} alias {name}\n")
        for name in server.wild_names or ():
            out.write(f"{'':16s} wild alias {name}\n")


def dump_vhost_config(out, tables: VhostTables) -> None:
    out.write("VirtualHost configuration:\n")
    for bucket in tables.buckets:
        for chain in bucket:
            _dump_chain(out, chain)
    for chain in tables.default_list:
        _dump_chain(out, chain)


def fini_vhost_config(httpd) -> None:
    """ap_fini_vhost_config: name the main server, build the tables, dump them (-S)."""
    main = httpd.server_conf
    if not main.server_hostname:
        main.server_hostname = get_local_host(httpd)
    httpd.vhost_tables = build_tables(httpd)
    if httpd.exists_config_define("DUMP_VHOSTS"):
        dump_vhost_config(httpd.stdout, httpd.vhost_tables)


def _chain_of(httpd, local_ip: str, local_port: int) -> IpChain | None:
    """The chain of the address a connection came in on, else the _default_ one of its port."""
    tables = httpd.vhost_tables
    if tables is None or not httpd.vhosts:
        return None
    family = _socket.AF_INET6 if ":" in local_ip else _socket.AF_INET
    try:
        chain = tables.find_ipaddr(ServerAddr(family, local_ip, local_port, ""))
    except OSError:
        chain = None
    return chain if chain is not None else tables.find_default(local_port)


def base_server(httpd, local_ip: str, local_port: int) -> ServerRec:
    """ap_update_vhost_given_ip: a connection's c->base_server, before any Host is read."""
    chain = _chain_of(httpd, local_ip, local_port)
    return chain.server if chain is not None else httpd.server_conf


def select_server(httpd, local_ip: str, local_port: int, host: str | None):
    """ap_update_vhost_given_ip + ap_update_vhost_from_headers: the server of a request.

    The chain of the address the connection came in on (or the _default_ one for its
    port), then the virtual host of that chain whose ServerName or ServerAlias is the
    Host; the chain's first virtual host otherwise; the main server when none matches.
    """
    chain = _chain_of(httpd, local_ip, local_port)
    if chain is None:
        return httpd.server_conf
    entries = chain.names or chain.initialnames or []
    name = (host or "").lower().rstrip(".")
    if name:
        for server, _sar in entries:
            if (server.server_hostname or "").lower() == name:
                return server
            if any(alias.lower() == name for alias in server.names or ()):
                return server
            if any(fnmatch(pattern.lower(), name) for pattern in server.wild_names or ()):
                return server
    return entries[0][0] if entries else chain.server
