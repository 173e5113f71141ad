"""mod_authz_user (modules/aaa/mod_authz_user.c): the `user` and `valid-user` providers.

`Require user` names are a string expression, parsed as user_parse_config parses it.
heartmonitor authenticates nobody, so both providers deny.
"""

from __future__ import annotations

from heartmonitor.module import Module
from heartmonitor.modules.mod_authz_core import AUTHZ_PROVIDER_GROUP, DENIED, Provider


def _deny(request, parsed) -> int:
    return DENIED


def user_parse(cmd, line: str):
    # Imported here: the expression tables load only for configurations that use them.
    from heartmonitor.expr import STRING_RESULT, parse_cmd

    error = parse_cmd(cmd, line, STRING_RESULT)
    if error is not None:
        return f"Cannot parse expression in require line: {error}", None
    return None, line


MODULE = Module(
    "authz_user_module",
    "mod_authz_user.c",
    providers={
        (AUTHZ_PROVIDER_GROUP, "user", "0"): Provider(_deny, user_parse),
        (AUTHZ_PROVIDER_GROUP, "valid-user", "0"): Provider(_deny),
    },
)
