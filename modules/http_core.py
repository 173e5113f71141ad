"""http_core (modules/http/http_core.c): KeepAlive, MaxKeepAliveRequests and
KeepAliveTimeout, kept on the server (main or <VirtualHost>) they appear in."""

from __future__ import annotations

from heartmonitor.checkmodule import checks_module
from heartmonitor.cnum import atoi
from heartmonitor.config.values import UnparseableTimeout, timeout_parameter_parse


def set_keep_alive_timeout(cmd, mconfig, arg: str) -> str | None:
    """The walker checks NOT_IN_DIR_CONTEXT; ap_timeout_parameter_parse checks the value."""
    try:
        cmd.server.keep_alive_timeout = timeout_parameter_parse(arg, "s")
    except UnparseableTimeout:
        return "KeepAliveTimeout has wrong format"
    return None


def set_keep_alive(cmd, mconfig, flag: bool) -> str | None:
    cmd.server.keep_alive = flag
    return None


def set_keep_alive_max(cmd, mconfig, arg: str) -> str | None:
    cmd.server.keep_alive_max = atoi(arg)
    return None


MODULE = checks_module("http_core", {"KeepAliveTimeout": set_keep_alive_timeout,
                                     "KeepAlive": set_keep_alive,
                                     "MaxKeepAliveRequests": set_keep_alive_max})
