"""In the foreground: where heartbeats come from, and each server coming and going."""

from __future__ import annotations

from collections.abc import Callable

from .checks import is_multicast


def console(httpd, say: Callable[[str], None]) -> None:
    monitor = httpd.extensions.get("heartmonitor")
    if monitor is None:
        return
    listener = monitor.listener
    if listener is not None:
        address, port, interface, unicast = listener.address
        if unicast and not is_multicast(address):
            shown = f"[{address}]" if ":" in address else address
            say(f"listening for unicast heartbeats on {shown}:{port}")
        else:
            joined = f" (joined on {interface})" if interface else ""
            say(f"listening for heartbeats on {address}:{port}{joined}")
    else:
        say("no HeartbeatListen: heartbeats are not monitored (POSTs get 503, as in httpd)")
    say(f"heartbeat storage: {monitor.storage.describe()}")
    table = monitor.table
    table.on_new = lambda server: say(
        f"server {server.ip} is up (port {server.port}, ready {server.ready}, "
        f"busy {server.busy})")
    table.on_stale = lambda server: say(
        f"server {server.ip} is stale (no heartbeat for more than {table.expire} s)")
