"""`heartmonitorctl drain IP...`, `undrain IP...`, `drain --list`: a running monitor's
drained servers, through its heartbeat-admin handler.

The handler's URL is `--url`, or found in the monitor's configuration (`-f`): the first
`<Location>` with `SetHandler heartbeat-admin` on its first Listen address (a wildcard
Listen is reached on loopback), or else the embedded configuration's
http://127.0.0.1:8080/heartbeat-admin. Whatever fails (the monitor unreachable, a
Require that refuses this address, a bad IP) is one line on stderr and exit code 1.
"""

from __future__ import annotations

import ipaddress
import urllib.error
import urllib.parse
import urllib.request
from typing import TextIO, cast

DEFAULT_URL = "http://127.0.0.1:8080/heartbeat-admin"
ADMIN_HANDLER = "heartbeat-admin"
TIMEOUT = 10.0


class DrainFailure(Exception):
    """One line saying why the command failed."""


def admin_url(config_path: str) -> str:
    """The heartbeat-admin URL of a monitor's configuration; DrainFailure if it has none."""
    from heartmonitor.core import CORE

    from .loadconf import ConfigError, load

    try:
        httpd = load(config_path)
    except ConfigError as error:
        lines = error.text.strip().splitlines() or ["cannot read it"]
        raise DrainFailure(f"{config_path}: {' '.join(lines)}") from None
    path = next((section.path for section in httpd.server_conf.per_dir_sections
                 if section.kind == "location" and section.regex is None
                 and (getattr(section.config.get(CORE), "handler", None) or "").lower()
                 == ADMIN_HANDLER), None)
    if path is None:
        raise DrainFailure(f"{config_path} has no <Location> with SetHandler "
                           f"{ADMIN_HANDLER} (and heartlab_module loaded)")
    listeners = cast(list, httpd.extensions.get("listeners") or [])
    if not listeners:
        raise DrainFailure(f"{config_path} has no Listen")
    listener = listeners[0]
    host = listener.ip if listener.host is not None else None
    if host is None or ipaddress.ip_address(host).is_unspecified:
        host = "::1" if ":" in (listener.ip or "") else "127.0.0.1"
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{listener.port}{path}"


def checked_ips(texts: list[str]) -> list[str]:
    ips = []
    for text in texts:
        try:
            ips.append(str(ipaddress.ip_address(text)))
        except ValueError:
            raise DrainFailure(f"'{text}' is not an IP address") from None
    return ips


def call(url: str, body: bytes | None) -> str:
    """The handler's answer (GET without a body, POST with one); DrainFailure otherwise."""
    request = urllib.request.Request(url, data=body, method="POST" if body else "GET")
    if body:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    # no proxy from the environment: the monitor is reached directly
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=TIMEOUT) as response:
            return response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        raise DrainFailure(_refusal(url, error)) from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", None) or error
        reason = getattr(reason, "strerror", None) or reason
        raise DrainFailure(f"cannot reach the monitor at {url}: {reason}") from None


def _refusal(url: str, error: urllib.error.HTTPError) -> str:
    answer = f"{url} answered {error.code} {error.reason}"
    if error.code == 403:
        return f"{answer}: the monitor's Require does not allow this address"
    if error.code == 404:
        return f"{answer}: no {ADMIN_HANDLER} handler there (SetHandler {ADMIN_HANDLER})"
    try:
        text = error.read().decode("utf-8", "replace").strip()
    except OSError:
        text = ""
    first = text.splitlines()[0] if text and not text.startswith("<") else ""
    return f"{answer}: {first}" if first else answer


def run(args, out: TextIO, err: TextIO) -> int:
    command = args.command
    try:
        if args.list and args.ips:
            raise DrainFailure("--list takes no IP")
        if not args.list and not args.ips:
            raise DrainFailure(f"which servers? {command} IP [IP ...]"
                               + (" or drain --list" if command == "drain" else ""))
        ips = checked_ips(args.ips)
        url = args.url or (admin_url(args.config) if args.config else DEFAULT_URL)
        if args.list:
            listed = call(url, None)
            out.write(listed or "no server is drained\n")
            return 0
        body = urllib.parse.urlencode([(command, ip) for ip in ips]).encode()
        out.write(call(url, body))
    except DrainFailure as failure:
        err.write(f"heartmonitorctl {command}: {failure}\n")
        return 1
    return 0
