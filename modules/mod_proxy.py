"""mod_proxy, as far as a heartbeat configuration reaches into it.

heartmonitor proxies nothing. It keeps what `httpd -t` checks around balancers that use
lbmethod=heartbeat: <Proxy>/<ProxyMatch> sections (their contents are checked with
the proxy override), the balancers that <Proxy balancer://...>, BalancerMember and
ProxyPass define, and the balancer parameters of ProxySet and ProxyPass, where an
lbmethod no loaded module provides is an error. Every other mod_proxy directive is
inert.
"""

from __future__ import annotations

from heartmonitor.config.command import (
    ACCESS_CONF,
    NOT_IN_HTACCESS,
    RAW_ARGS,
    RSRC_CONF,
    Command,
)
from heartmonitor.config.walker import check_cmd_context
from heartmonitor.config.words import getword_conf, split_words
from heartmonitor.containers import proxy_section
from heartmonitor.cstr import ascii_lower
from heartmonitor.module import Module

PROXY_LBMETHOD = "proxylbmethod"
BALANCER_PREFIX = "balancer://"
_ON_OFF_KEYS = {
    "nofailover": "failover must be On|Off",
    "scolonpathdelim": "scolonpathdelim must be On|Off",
    "failontimeout": "failontimeout must be On|Off",
    "forcerecovery": "forcerecovery must be On|Off",
}
_OTHER_KEYS = {
    "stickysession", "stickysessionsep", "timeout", "maxattempts", "failonstatus", "nonce",
    "growth",
}


class ProxyConfig:
    """proxy_server_conf: the balancers defined so far."""

    def __init__(self, httpd, server) -> None:
        self.balancers: dict[str, dict] = {}


def _key(name: str) -> str:
    return ascii_lower(name).rstrip("/")


def is_balancer(name: str) -> bool:
    """ap_proxy_valid_balancer_name."""
    return ascii_lower(name[: len(BALANCER_PREFIX)]) == BALANCER_PREFIX


def define_balancer(cmd, name: str) -> dict:
    balancers = cmd.server.module_config[MODULE].balancers
    return balancers.setdefault(_key(name), {"name": name, "lbmethod": None})


def set_balancer_param(cmd, balancer: dict, key: str, value: str) -> str | None:
    """set_balancer_param: lbmethod must name a loaded provider; on/off keys are checked."""
    lower = ascii_lower(key)
    if lower == "lbmethod":
        if len(value) > 63 or cmd.httpd.lookup_provider(PROXY_LBMETHOD, value, "0") is None:
            return "unknown lbmethod"
        balancer["lbmethod"] = value
        return None
    if lower in _ON_OFF_KEYS:
        if ascii_lower(value) not in ("on", "off"):
            return _ON_OFF_KEYS[lower]
        return None
    if lower in _OTHER_KEYS:
        return None
    return "unknown Balancer parameter"


def proxy_section_define(cmd, mconfig, arg: str) -> str | None:
    end = arg.rfind(">")
    if end >= 0:
        path, _pos = getword_conf(arg[:end])
        if ascii_lower(path[:6]) == "proxy:":
            path = path[6:]
        if is_balancer(path) and cmd.cmd.name == "<Proxy":
            define_balancer(cmd, path)
    return proxy_section(cmd, mconfig, arg)


def _parent_proxy_name(cmd) -> str | None:
    parent = cmd.directive.parent
    if parent is None or ascii_lower(parent.directive[:6]) != "<proxy":
        return None
    name, _pos = getword_conf(parent.args)
    return name.split(">", 1)[0]


def set_proxy_param(cmd, mconfig, arg: str) -> str | None:
    error = check_cmd_context(cmd, NOT_IN_HTACCESS)
    if error:
        return error
    pos = 0
    name = _parent_proxy_name(cmd)
    in_section = name is not None
    if name is None:
        name, pos = getword_conf(arg)
    balancer = None
    if is_balancer(name):
        balancer = cmd.server.module_config[MODULE].balancers.get(_key(name))
        if balancer is None:
            if not in_section:
                return f"ProxySet can not find '{name}' Balancer."
            balancer = define_balancer(cmd, name)
    while pos < len(arg):
        word, pos = getword_conf(arg, pos)
        if "=" not in word:
            return "Invalid ProxySet parameter. Parameter must be in the form 'key=value'"
        key, value = word.split("=", 1)
        if balancer is not None:
            error = set_balancer_param(cmd, balancer, key, value)
            if error:
                return f"ProxySet: {error} {key}={value}; {name}"
    return None


def add_member(cmd, mconfig, arg: str) -> str | None:
    name = _parent_proxy_name(cmd)
    if name is None:
        name, _pos = getword_conf(arg)
    if is_balancer(name):
        define_balancer(cmd, name)
    return None


_PASS_FLAGS = {"nocanon", "interpolate", "noquery"}


def add_pass(cmd, mconfig, arg: str) -> str | None:
    words = split_words(arg)
    fake = None
    real = None
    params = []
    for word in words:
        if fake is None and cmd.path is None:
            fake = word
        elif real is None:
            real = word
        elif ascii_lower(word) in _PASS_FLAGS:
            continue
        elif "=" not in word:
            return (
                "Invalid ProxyPass|ProxyPassMatch parameter. Parameter must be in the form "
                "'key=value'."
            )
        else:
            key, value = word.split("=", 1)
            if ascii_lower(key) == "mapping":
                if ascii_lower(value) not in ("encoded", "servlet"):
                    return "unknown mapping"
            else:
                params.append((key, value))
    if real is None:
        return "ProxyPass|ProxyPassMatch needs a path when not defined in a location"
    if real == "!" or not is_balancer(real):
        return None
    balancer = define_balancer(cmd, real)
    for key, value in params:
        error = set_balancer_param(cmd, balancer, key, value)
        if error:
            return f"ProxyPass {error}"
    return None


MODULE = Module(
    "proxy_module",
    "mod_proxy.c",
    commands=[
        Command("<Proxy", RAW_ARGS, RSRC_CONF,
                "Container for directives affecting resources located in the proxied location",
                proxy_section_define),
        Command("<ProxyMatch", RAW_ARGS, RSRC_CONF,
                "Container for directives affecting resources located in the proxied location, "
                "in regular expression syntax", proxy_section_define, True),
        Command("ProxyPass", RAW_ARGS, RSRC_CONF | ACCESS_CONF,
                "a virtual path and a URL", add_pass),
        Command("BalancerMember", RAW_ARGS, RSRC_CONF | ACCESS_CONF,
                "A balancer name and scheme with list of params", add_member),
        Command("ProxySet", RAW_ARGS, RSRC_CONF | ACCESS_CONF,
                "A balancer or worker name with list of params", set_proxy_param),
    ],
    create_server_config=ProxyConfig,
)
