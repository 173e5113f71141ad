"""http_core (modules/http/http_core.c): KeepAliveTimeout checked as httpd checks it;
KeepAlive and MaxKeepAliveRequests have no check of their own beyond context and arity."""

from __future__ import annotations

from heartmonitor.checkmodule import checks_module
from heartmonitor.config.values import UnparseableTimeout, timeout_parameter_parse


def set_keep_alive_timeout(cmd, mconfig, arg: str) -> str | None:
    """The walker checks NOT_IN_DIR_CONTEXT; ap_timeout_parameter_parse checks the value."""
    try:
        timeout_parameter_parse(arg, "s")
    except UnparseableTimeout:
        return "KeepAliveTimeout has wrong format"
    return None


MODULE = checks_module("http_core", {"KeepAliveTimeout": set_keep_alive_timeout})
