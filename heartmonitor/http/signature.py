"""ServerSignature: the line httpd's generated pages end with (ap_psignature)."""

from __future__ import annotations

import html

from heartmonitor import SERVER_BANNER
from heartmonitor.core import CORE


def _core_dir(request):
    """The request's core_dir_config: its merged sections, else (an error before the
    walk) the server's defaults, as r->per_dir_config is then r->server->lookup_defaults."""
    config = request.per_dir_config.get(CORE)
    if config is None:
        config = request.server.lookup_defaults.get(CORE)
    if config is None or (config.server_signature is None
                          and request.server is not request.httpd.server_conf):
        # A virtual host's unset value is the main server's (ap_fixup_virtual_hosts).
        config = request.httpd.server_conf.lookup_defaults.get(CORE) or config
    return config


def is_url(text: str) -> bool:
    """ap_is_url: a scheme (letters, digits, + - .) and a colon."""
    scheme, colon, _rest = text.partition(":")
    return bool(colon) and scheme != "" and all(
        ch.isascii() and (ch.isalnum() or ch in "+-.") for ch in scheme)


def server_name(request) -> str:
    """ap_get_server_name with UseCanonicalName Off: the request's host, else ServerName."""
    return request.hostname or request.server.server_hostname or ""


def server_port(request) -> int:
    """ap_get_server_port with UseCanonicalName Off: the Host header's port, else
    ServerName's, else the scheme's default."""
    host = request.headers_in.get("host") or ""
    rest = host[host.find("]") + 1:] if host.startswith("[") else host[host.find(":"):] \
        if ":" in host else ""
    if rest[1:].isdigit() and rest[1:].isascii():
        return int(rest[1:]) & 0xFFFF
    return request.server.port or request.httpd.server_conf.port or 80


def psignature(prefix: str, request) -> str:
    """ap_psignature: "" for Off (the default), else prefix and an <address> line."""
    config = _core_dir(request)
    value = getattr(config, "server_signature", None)
    if value is None or value == "off":
        return ""
    name = html.escape(server_name(request), quote=True)
    port = server_port(request)
    if value == "email":
        admin = request.server.server_admin or request.httpd.server_conf.server_admin or ""
        scheme = "" if is_url(admin) else "mailto:"
        return (f'{prefix}<address>{SERVER_BANNER} Server at <a href="{scheme}'
                f'{html.escape(admin, quote=True)}">{name}</a> Port {port}</address>\n')
    return f"{prefix}<address>{SERVER_BANNER} Server at {name} Port {port}</address>\n"
