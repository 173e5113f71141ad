"""mod_watchdog: named timers that modules hang periodic work on.

httpd runs each watchdog in a thread; heartmonitor maps every watchdog onto its one
asyncio loop (heartmonitor.watchdog). The `_singleton_` watchdog runs mod_heartbeat's
step hooks every WatchdogInterval; `_heartmonitor_` runs mod_heartmonitor's callback.
"""

from __future__ import annotations

from heartmonitor import watchdog
from heartmonitor.config.values import UnparseableTimeout, timeout_parameter_parse
from heartmonitor.module import FIRST, LAST, MIDDLE, Hook, Module
from heartmonitor.server import Httpd
from heartmonitor.server_rec import ServerRec

AP_WD_TM_INTERVAL = 1_000_000
AP_WD_TM_SLICE = 100_000


class WatchdogConfig:
    """Process-wide settings (httpd keeps wd_interval in a static)."""

    def __init__(self, httpd: Httpd, server: ServerRec) -> None:
        self.interval = AP_WD_TM_INTERVAL


def set_interval(cmd, mconfig, arg: str) -> str | None:
    try:
        interval = timeout_parameter_parse(arg, "s")
    except UnparseableTimeout:
        return "Unparse-able WatchdogInterval setting"
    cmd.server.module_config[MODULE].interval = interval
    if interval < AP_WD_TM_SLICE:
        return f"Invalid WatchdogInterval: minimal value {AP_WD_TM_SLICE // 1000}ms"
    return None


def _runtime():
    return watchdog


def pre_config(httpd) -> None:
    _runtime().pre_config(httpd, MODULE)


def post_config(httpd) -> bool:
    return _runtime().post_config(httpd, MODULE)


def child_init(httpd) -> None:
    _runtime().child_init(httpd, MODULE)


def get_instance(httpd, name: str, parent: int, singleton: int):
    return _runtime().get_instance(httpd, name, parent, singleton)


def register_callback(watchdog, interval: int, data, callback) -> None:
    watchdog.register_callback(interval, data, callback)


MODULE = Module(
    "watchdog_module",
    "mod_watchdog.c",
    handlers={"WatchdogInterval": set_interval},
    hooks={
        "pre_config": Hook(pre_config, FIRST),
        "post_config": Hook(post_config, LAST),
        "child_init": Hook(child_init, MIDDLE),
    },
    create_server_config=WatchdogConfig,
    optional_functions={
        "ap_watchdog_get_instance": get_instance,
        "ap_watchdog_register_callback": register_callback,
    },
)
