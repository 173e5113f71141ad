"""mod_authn_core's configuration checks (modules/aaa/mod_authn_core.c).

AuthType and AuthName are string expressions, parsed as set_authtype and set_authname
parse them; <AuthnProviderAlias> is heartmonitor.containers.provider_alias_section.
"""

from __future__ import annotations

from heartmonitor.checkmodule import checks_module


def _string_expr(cmd, mconfig, word: str) -> str | None:
    # Imported here: the expression tables load only for configurations that use them.
    from heartmonitor.expr import STRING_RESULT, parse_cmd

    error = parse_cmd(cmd, word, STRING_RESULT)
    if error is not None:
        return f"Cannot parse expression '{word}' in {cmd.cmd.name}: {error}"
    return None


MODULE = checks_module("mod_authn_core", {"AuthType": _string_expr, "AuthName": _string_expr})
