"""A stock module that heartmonitor checks but does not run: handlers only.

Name, arguments, context and help of each directive come from the catalogue (the registry
builds the commands from Module(handlers=...)); the module file gives the handlers that
port the checks httpd's handlers make at configuration time (their error texts, warnings,
files and regexes) and nothing else. Sections without a handler of their own are walked
as heartmonitor.containers walks an inert module's.
"""

from __future__ import annotations

from . import log
from .catalogue import MODULES
from .config.command import Command
from .containers import handler_for
from .module import Module


def checks_module(stem: str, handlers: dict, data: dict | None = None,
                  overrides: dict | None = None, **fields) -> Module:
    """The module of heartmonitor.modules.<stem>: its handlers, the rest from the catalogue.

    data gives a handler its cmd->info. overrides corrects a req_override where the
    installed httpd behaves otherwise than the source the catalogue was read from: those
    directives alone are declared in full.
    """
    identifier, source, has_dir, directives = MODULES[stem]
    data = data or {}
    overrides = overrides or {}
    commands = [
        Command(name, how, overrides[name], help_text,
                handlers.get(name) or handler_for(name, override), data.get(name),
                forbidden=forbidden)
        for name, how, override, forbidden, help_text in directives if name in overrides
    ]
    module = Module(identifier, source, commands, handlers={
        name: (handler, data.get(name)) for name, handler in handlers.items()
        if name not in overrides}, **fields)
    module.has_dir_config = has_dir
    # Read by tests/test_catalogue.py: the declarations that depart from the catalogue.
    module.corrected_overrides = dict(overrides)  # type: ignore[attr-defined]
    return module


def server_warning(cmd, module: str, level: int, message: str,
                   source: str | None = None) -> None:
    """ap_log_error(..., cmd->server, ...) while the configuration is read: on standard
    error when the level passes that server's LogLevel as read so far (its module's level
    first). A virtual host's level stays unset until the configuration is merged, so
    without a LogLevel of its own nothing shows."""
    server = cmd.server
    configured = server.module_log_levels.get(module, server.log_level)
    if configured is None:
        if server.is_virtual:
            return
        configured = log.WARNING
    if level > configured:
        return
    httpd = cmd.httpd
    httpd.startup_log.target.write(log.format_line(module, level, message, source=source), level)
    httpd.note(log.LEVEL_NAMES[level], message, *httpd.reading_position())
