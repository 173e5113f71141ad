"""mod_access_compat's configuration checks (modules/aaa/mod_access_compat.c).

Order, Satisfy, Allow and Deny as httpd 2.2 spelled them: keywords, 'from', addresses
and subnets (apr_ipsubnet_create's errors). No request is refused by them.
"""

from __future__ import annotations

from heartmonitor.apr.ipsubnet import MESSAGES, SubnetError, create
from heartmonitor.checkmodule import checks_module
from heartmonitor.cstr import ascii_lower


def order(cmd, mconfig, arg: str) -> str | None:
    if ascii_lower(arg) not in ("allow,deny", "deny,allow", "mutual-failure"):
        return "unknown order"
    return None


def satisfy(cmd, mconfig, arg: str) -> str | None:
    if ascii_lower(arg) not in ("all", "any"):
        return "Satisfy either 'any' or 'all'."
    return None


def allow_cmd(cmd, mconfig, first: str, where: str) -> str | None:
    if ascii_lower(first) != "from":
        return "allow and deny must be followed by 'from'"
    lower = ascii_lower(where)
    if lower.startswith("env=") or lower == "all":
        return None
    address, slash, mask = where.partition("/")
    try:
        create(address, mask if slash else None)
    except SubnetError as error:
        if error.code is None:
            if slash:
                return "An IP address was expected"
        else:
            return MESSAGES[error.code]
    else:
        return None
    if "#" in where:
        return "No comments are allowed here"
    return None


MODULE = checks_module("mod_access_compat", {
    "order": order, "Satisfy": satisfy, "allow": allow_cmd, "deny": allow_cmd,
})
