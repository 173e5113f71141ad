"""mod_remoteip's configuration checks (modules/metadata/mod_remoteip.c).

The addresses and subnets of RemoteIPInternalProxy, RemoteIPTrustedProxy, their -List
files and RemoteIPProxyProtocolExceptions are parsed as proxies_set and
remoteip_disable_networks parse them; a name is resolved as httpd resolves it.
RemoteIPProxyProtocol keeps httpd's lists of addresses and its AH03491 notice.
"""

from __future__ import annotations

import _socket  # socket.py without its enums and selectors: their import costs -t start-up
import os

from heartmonitor.apr.ipsubnet import MESSAGES, SubnetError, create
from heartmonitor.checkmodule import checks_module
from heartmonitor.config.command import RSRC_CONF
from heartmonitor.config.words import getword_conf
from heartmonitor.modules.remoteip_proxy_protocol import enable_proxy_protocol


def _looks_like_ip(text: str) -> bool:
    if ":" in text:
        return True
    return all(ch == "." or (ch.isascii() and ch.isdigit()) for ch in text)


def _subnet_error(address: str, mask: str | None) -> str | None:
    """The %pm text of apr_ipsubnet_create's failure, or None."""
    try:
        create(address, mask)
    except SubnetError as exc:
        return MESSAGES.get(exc.code, "Invalid argument") if exc.code else "Invalid argument"
    return None


def proxies_set(cmd, mconfig, arg: str) -> str | None:
    address, slash, mask = arg.partition("/")
    if _looks_like_ip(address):
        error = _subnet_error(address, mask if slash else None)
    else:
        if slash:
            return (f"RemoteIP: Error parsing IP {arg} the subnet /{mask} is invalid for "
                    f"{cmd.cmd.name}")
        try:
            _socket.getaddrinfo(address, None, type=_socket.SOCK_STREAM)
            error = None
        except _socket.gaierror as failure:
            error = failure.strerror
        except UnicodeError:
            error = "Name or service not known"
    if error is not None:
        return f"RemoteIP: Error parsing IP {arg} ({error} error) for {cmd.cmd.name}"
    return None


def proxylist_read(cmd, mconfig, filename: str) -> str | None:
    path = cmd.httpd.server_root_relative(filename) or filename
    try:
        if os.path.exists(path) and not os.path.isfile(path):
            # ap_pcfg_openfile refuses anything but a regular file.
            cmd.httpd.log_startup_error(
                "core", 3, f"AH00554: Access to file {path} denied by server: not a regular file")
            return f"{cmd.cmd.name}: Could not open file {path}: Bad file descriptor"
        with open(path, "rb") as handle:
            lines = handle.read().decode("utf-8", "surrogateescape").splitlines()
    except OSError as exc:
        return f"{cmd.cmd.name}: Could not open file {path}: {exc.strerror}"
    for number, line in enumerate(lines, 1):
        pos = 0
        while True:
            word, pos = getword_conf(line, pos)
            if not word or word.startswith("#"):
                break
            error = proxies_set(cmd, mconfig, word)
            if error:
                return f"{error} at line {number} of {path}"
    return None


def disable_networks(cmd, mconfig, argv: list[str]) -> str | None:
    if not argv:
        return f"{cmd.cmd.name} requires an argument"
    for arg in argv:
        address, slash, mask = arg.partition("/")
        try:
            create(address, mask if slash else None)
        except SubnetError as exc:
            if exc.code is None:
                return f"ip address '{address}' appears to be invalid"
            return f"ip address '{address}' appears to be invalid: {MESSAGES[exc.code]}"
    return None


MODULE = checks_module("mod_remoteip", {
    "RemoteIPTrustedProxy": proxies_set, "RemoteIPInternalProxy": proxies_set,
    "RemoteIPTrustedProxyList": proxylist_read, "RemoteIPInternalProxyList": proxylist_read,
    "RemoteIPProxyProtocolExceptions": disable_networks,
    "RemoteIPProxyProtocol": enable_proxy_protocol,
}, overrides={
    # Declared EXEC_ON_READ in httpd's source, yet Debian's apache2 reports their errors
    # where the configuration is walked, as any other directive's.
    "RemoteIPTrustedProxyList": RSRC_CONF, "RemoteIPInternalProxyList": RSRC_CONF,
})
