"""core's directives for reading requests: LimitRequestLine, LimitRequestFieldsize and
LimitRequestFields (core.c), kept for the HTTP server of the main server.

The walker checks their context; the handlers check the value as core.c does."""

from __future__ import annotations

from heartmonitor.config.command import NOT_IN_DIR_CONTEXT, RSRC_CONF, TAKE1, Command
from heartmonitor.cstr import atoi

from .limits import Limits


def _limits(cmd) -> Limits:
    return cmd.httpd.extensions.setdefault("http_limits", Limits())


def _setter(name: str, field: str, suffix: str = ""):
    def handler(cmd, mconfig, arg: str) -> str | None:
        value = atoi(arg)
        if value < 0:
            return f'{name} "{arg}" must be a non-negative integer{suffix}'
        if not cmd.server.is_virtual:
            setattr(_limits(cmd), field, value)
        return None

    return handler


COMMANDS = [
    Command("LimitRequestLine", TAKE1, RSRC_CONF,
            "Limit on maximum size of an HTTP request line",
            _setter("LimitRequestLine", "line"), forbidden=NOT_IN_DIR_CONTEXT),
    Command("LimitRequestFieldsize", TAKE1, RSRC_CONF,
            "Limit on maximum size of an HTTP request header field",
            _setter("LimitRequestFieldsize", "fieldsize"), forbidden=NOT_IN_DIR_CONTEXT),
    Command("LimitRequestFields", TAKE1, RSRC_CONF,
            "Limit (0 = unlimited) on max number of header fields in a request message",
            _setter("LimitRequestFields", "fields", " (0 = no limit)"),
            forbidden=NOT_IN_DIR_CONTEXT),
]
