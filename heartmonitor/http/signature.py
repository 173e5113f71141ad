"""ServerSignature: the line httpd's generated pages end with (ap_psignature)."""

from __future__ import annotations

import _socket  # socket.py without its enums and selectors: their import costs -t start-up
import html

from heartmonitor import HTTPD_VERSION, PLATFORM, SERVER_BASEVERSION, VERSION_COMPONENT
from heartmonitor.core import CORE, merge_core_dir
from heartmonitor.cstr import ascii_lower

# ServerTokens: what set_banner puts first in the banner (core.c).
_BASE_TOKENS = {
    "prod": "Apache",
    "major": "Apache/" + HTTPD_VERSION.split(".")[0],
    "minor": "Apache/" + ".".join(HTTPD_VERSION.split(".")[:2]),
    "min": SERVER_BASEVERSION,
    "os": f"{SERVER_BASEVERSION} ({PLATFORM})",
    "full": f"{SERVER_BASEVERSION} ({PLATFORM})",
}


_BANNER = "server_banner"


def server_banner(httpd) -> str:
    """ap_get_server_banner: what ServerTokens shows (the Server header, the signature,
    SERVER_SOFTWARE); the version components only with Full."""
    banner = httpd.extensions.get(_BANNER)
    if isinstance(banner, str):
        return banner
    tokens = httpd.server_tokens
    banner = _BASE_TOKENS[tokens] if tokens != "full" else server_description(httpd)
    httpd.extensions[_BANNER] = banner  # asked for on every response
    return banner


def server_description(httpd) -> str:
    """ap_get_server_description: the full form whatever ServerTokens says (-V, AH00489,
    server-status)."""
    return " ".join((_BASE_TOKENS["full"], VERSION_COMPONENT, *httpd.version_components))


def add_version_component(httpd, component: str) -> None:
    """ap_add_version_component at post_config (httpd's cleanup drops them with the
    configuration; here they belong to the configuration's Httpd). Once per component:
    post_config runs twice at start-up."""
    if component not in httpd.version_components:
        httpd.version_components.append(component)
        httpd.extensions.pop(_BANNER, None)


def _core_dir(request):
    """The request's core_dir_config: its merged sections, else (an error before the
    walk) the server's defaults, a virtual host's merged over the main server's as
    ap_fixup_virtual_hosts merges them."""
    config = request.per_dir_config.get(CORE)
    if config is not None:
        return config
    main = request.httpd.server_conf.lookup_defaults.get(CORE)
    if request.server is request.httpd.server_conf:
        return main
    own = request.server.lookup_defaults.get(CORE)
    return merge_core_dir(main, own) if own is not None else main


def is_url(text: str) -> bool:
    """ap_is_url: a scheme (letters, digits, + - .) and a colon."""
    scheme, colon, _rest = text.partition(":")
    return bool(colon) and scheme != "" and all(
        ch.isascii() and (ch.isalnum() or ch in "+-.") for ch in scheme)


def server_name(request, config) -> str:
    """ap_get_server_name: ServerName for UseCanonicalName On, the local address's name
    for DNS (looked up once per connection), else the request's host."""
    how = config.use_canonical_name
    if how == "on":
        return request.server.server_hostname or ""
    if how == "dns":
        connection = request.connection
        if connection.local_host is None:
            try:
                name = _socket.getnameinfo((request.local_ip, 0), _socket.NI_NAMEREQD)[0]
                connection.local_host = ascii_lower(name)
            except OSError:
                connection.local_host = request.server.server_hostname or ""
        return connection.local_host
    return request.hostname or request.server.server_hostname or ""


def _host_port(request) -> int | None:
    """The port of the request's Host header (r->parsed_uri.port), if it names one."""
    host = request.headers_in.get("host") or ""
    rest = host[host.find("]") + 1:] if host.startswith("[") else host[host.find(":"):] \
        if ":" in host else ""
    if rest[1:].isdigit() and rest[1:].isascii():
        return int(rest[1:]) & 0xFFFF
    return None


def server_port(request, config) -> int:
    """ap_get_server_port: for UseCanonicalName On, ServerName's port; otherwise the Host
    header's first; UseCanonicalPhysicalPort On puts the connection's port before the
    configured one; then the scheme's default."""
    configured = request.server.port or request.httpd.server_conf.port
    physical = request.local_port if config.use_canonical_phys_port == "on" else 0
    if config.use_canonical_name == "on":
        return configured or physical or 80
    host_port = _host_port(request)
    if host_port is not None:
        return host_port
    return physical or configured or 80


def psignature(prefix: str, request) -> str:
    """ap_psignature: "" for Off (the default), else prefix and an <address> line."""
    config = _core_dir(request)
    value = getattr(config, "server_signature", None)
    if value is None or value == "off":
        return ""
    name = html.escape(server_name(request, config), quote=True)
    port = server_port(request, config)
    banner = server_banner(request.httpd)
    if value == "email":
        admin = request.server.server_admin or request.httpd.server_conf.server_admin or ""
        scheme = "" if is_url(admin) else "mailto:"
        return (f'{prefix}<address>{banner} Server at <a href="{scheme}'
                f'{html.escape(admin, quote=True)}">{name}</a> Port {port}</address>\n')
    return f"{prefix}<address>{banner} Server at {name} Port {port}</address>\n"
