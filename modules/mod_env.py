"""mod_env's configuration checks (modules/metadata/mod_env.c): the two warnings.

PassEnv of a variable the environment lacks logs AH01506; SetEnv with '=' in the name
logs AH10032. No variable is passed to anything.
"""

from __future__ import annotations

import os

from heartmonitor.checkmodule import checks_module, server_warning

WARN = 4


def pass_env(cmd, mconfig, arg: str) -> str | None:
    if arg not in os.environ:
        server_warning(cmd, "env", WARN, f"AH01506: PassEnv variable {arg} was undefined")
    return None


def set_env(cmd, mconfig, name: str, value) -> str | None:
    if "=" in name:
        stripped = name.lstrip("=")
        env, _sep, rest = stripped.partition("=")
        server_warning(
            cmd, "env", WARN,
            f"AH10032: Spurious usage of '=' in an environment variable name. "
            f"'{cmd.cmd.name} {env} {rest}' expected instead?")
    return None


MODULE = checks_module("mod_env", {"PassEnv": pass_env, "SetEnv": set_env})
