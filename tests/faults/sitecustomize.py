"""Faults a configuration can switch on, in every heartmonitor a test starts with this
directory on PYTHONPATH (Python imports sitecustomize at start-up).

- `ServerAlias fault.raise`: the ServerAlias handler raises RuntimeError;
- `ServerAlias fault.sleep`: the handler sleeps for an hour;
- `Define POST_CONFIG_FAULT`: mod_heartmonitor's post_config raises RuntimeError;
- `Define CHILD_INIT_FAULT`: mod_watchdog's child_init raises RuntimeError;
- `Define SLOW_STATUS_FAULT`: the server-status handler waits 1.5 s before its page
  (then writes `status-page-begun` in ServerRoot).
"""

from __future__ import annotations

import asyncio
import inspect
import time


def _install() -> None:
    from heartmonitor import registry

    core = registry.find("core")
    for command in core.commands:
        if command.name == "ServerAlias":
            original = command.handler

            def server_alias(cmd, mconfig, *args, _original=original):
                if "fault.raise" in args:
                    raise RuntimeError("injected fault in a directive handler")
                if "fault.sleep" in args:
                    time.sleep(3600)
                return _original(cmd, mconfig, *args)

            command.handler = server_alias
    hook = registry.find("mod_heartmonitor").hooks["post_config"]
    original_hook = hook.function

    def post_config(httpd, *args, _original=original_hook):
        if httpd.exists_config_define("POST_CONFIG_FAULT") and httpd.main_state == "create-config":
            raise RuntimeError("injected fault in post_config")
        return _original(httpd, *args)

    hook.function = post_config
    hook = registry.find("mod_watchdog").hooks["child_init"]
    original_child_init = hook.function

    def child_init(httpd, *args, _original=original_child_init):
        if httpd.exists_config_define("CHILD_INIT_FAULT"):
            raise RuntimeError("injected fault in child_init")
        return _original(httpd, *args)

    hook.function = child_init
    hook = registry.find("mod_status").hooks["handler"]
    original_handler = hook.function

    def status_handler(httpd, request, _original=original_handler):
        page = _original(httpd, request)
        if not (inspect.isawaitable(page) and httpd.exists_config_define("SLOW_STATUS_FAULT")):
            return page

        async def slow():
            try:
                await asyncio.sleep(1.5)
            except asyncio.CancelledError:
                page.close()  # never to be run
                raise
            with open(httpd.server_root_relative("status-page-begun"), "a") as mark:
                mark.write("begun\n")
            return await page

        return slow()

    hook.function = status_handler


_install()
