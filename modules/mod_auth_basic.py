"""mod_auth_basic's configuration checks (modules/aaa/mod_auth_basic.c).

AuthBasicProvider names loaded authn providers; AuthBasicFake takes string expressions;
AuthBasicUseDigestAlgorithm is Off or MD5. Nobody is authenticated.
"""

from __future__ import annotations

from heartmonitor.checkmodule import checks_module
from heartmonitor.cstr import ascii_lower


def add_authn_provider(cmd, mconfig, arg: str) -> str | None:
    if cmd.httpd.lookup_provider("authn", arg, "0") is None:
        return f"Unknown Authn provider: {arg}"
    return None


def add_basic_fake(cmd, mconfig, user: str, password) -> str | None:
    if ascii_lower(user) == "off":
        return None
    # Imported here: the expression tables load only for configurations that use them.
    from heartmonitor.expr import STRING_RESULT, parse_cmd

    error = parse_cmd(cmd, user, STRING_RESULT)
    if error is not None:
        return f"Could not parse fake username expression '{user}': {error}"
    error = parse_cmd(cmd, password if password is not None else "password", STRING_RESULT)
    if error is not None:
        return f"Could not parse fake password expression associated to user '{user}': {error}"
    return None


def set_use_digest_algorithm(cmd, mconfig, arg: str) -> str | None:
    if ascii_lower(arg) not in ("off", "md5"):
        return f"Invalid algorithm in AuthBasicUseDigestAlgorithm: {arg}"
    return None


MODULE = checks_module("mod_auth_basic", {
    "AuthBasicProvider": add_authn_provider, "AuthBasicFake": add_basic_fake,
    "AuthBasicUseDigestAlgorithm": set_use_digest_algorithm,
})
