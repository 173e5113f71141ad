"""Sections of inert modules: walked for their contents, so checks inside them still work.

httpd's section directives walk their children with their own override and path, which
is what makes "HeartbeatListen not allowed in <Proxy> context" or a typo inside a
<Proxy> show up in `httpd -t`. An inert module's sections keep that walking (with the
override and context checks of the stock handler) and drop the rest. Sections that
httpd reads raw while the file is read (<LuaHook...> code) are skipped to their closer.
"""

from __future__ import annotations

from .config.builder import too_long
from .config.command import (
    ACCESS_CONF,
    EXEC_ON_READ,
    GLOBAL_ONLY,
    OR_ALL,
    OR_AUTHCFG,
    PROXY_CONF,
)
from .config.reader import LineBuffer, LineTooLong
from .config.walker import check_cmd_context, walk_config
from .config.words import getword_conf
from .core import missing_container_arg, section_argument, unclosed_directive
from .cstr import ascii_lower


def _walk(cmd, override=None, path=None, set_path=False) -> str | None:
    old_override, old_path = cmd.override, cmd.path
    if override is not None:
        cmd.override = override
    if set_path:
        cmd.path = path
    error = walk_config(cmd.httpd, cmd.directive.children or (), cmd, {})
    cmd.override, cmd.path = old_override, old_path
    return error


def proxy_section(cmd, mconfig, arg: str) -> str | None:
    """mod_proxy's <Proxy> / <ProxyMatch>."""
    closed = section_argument(cmd, arg)
    if closed is None:
        return unclosed_directive(cmd)
    arg = closed
    path, _pos = getword_conf(arg)
    if ascii_lower(path[:6]) == "proxy:":
        path = path[6:]
    if cmd.cmd.name == "<ProxyMatch":
        # Imported here: PCRE2 is loaded only when a config uses a regex.
        from .pcre import compile_regex

        if isinstance(compile_regex(path), str):
            return "Regex could not be compiled"
    return _walk(cmd, OR_ALL | ACCESS_CONF | PROXY_CONF, path, set_path=True)


def provider_alias_section(cmd, mconfig, arg: str) -> str | None:
    """<AuthnProviderAlias> / <AuthzProviderAlias>."""
    closed = section_argument(cmd, arg)
    if closed is None:
        return unclosed_directive(cmd)
    arg = closed
    provider, pos = getword_conf(arg)
    alias, pos = getword_conf(arg, pos)
    if not arg or not provider or not alias:
        return missing_container_arg(cmd)
    if cmd.cmd.name != "<AuthnProviderAlias":
        return _walk(cmd, OR_AUTHCFG | ACCESS_CONF)
    # authaliassection: the alias is a new authn provider once its section is good.
    if ascii_lower(provider) == ascii_lower(alias):
        return "The alias provider name must be different from the base provider name."
    httpd = cmd.httpd
    if httpd.lookup_provider("authn", alias, "0") is not None:
        return (f"The alias provider {alias} has already be registered previously as either a "
                "base provider or an alias provider.")
    error = _walk(cmd, OR_AUTHCFG | ACCESS_CONF)
    if error:
        return error
    if httpd.lookup_provider("authn", provider, "0") is None:
        return f"Unknown Authn provider: {provider}"
    httpd.providers[("authn", alias, "0")] = httpd.lookup_provider("authn", provider, "0")
    return None


def md_section(cmd, mconfig, arg: str) -> str | None:
    """mod_md's <MDomainSet> / <MDomain>."""
    # mod_md checks through a helper of its own (md_conf_check_location): the catalogue
    # records no mask for these sections, so the check stays here.
    error = check_cmd_context(cmd, GLOBAL_ONLY)
    if error:
        return error
    closed = section_argument(cmd, arg)
    if closed is None:
        return unclosed_directive(cmd)
    arg = closed
    if not arg.split():
        return "needs at least one domain name"
    return _walk(cmd)


def plain_section(cmd, mconfig, arg: str) -> str | None:
    """Any other section: its contents are walked where it stands."""
    if section_argument(cmd, arg) is None:
        return unclosed_directive(cmd)
    return _walk(cmd)


def raw_block(cmd, holder, arg: str) -> str | None:
    """A block read raw while the file is read (mod_lua): skip to '</Name'."""
    holder.nodes = []
    if section_argument(cmd, arg) is None:
        return unclosed_directive(cmd)
    closer = "</" + ascii_lower(cmd.cmd.name[1:])
    buffer = LineBuffer()
    config_file = cmd.config_file
    while True:
        try:
            line = config_file.getline(buffer)
        except LineTooLong:
            return too_long(config_file)
        if line is None:
            return f"Expected {closer}> before end of configuration"
        if ascii_lower(line).startswith(closer):
            return None


HANDLERS = {
    "<proxy": proxy_section,
    "<proxymatch": proxy_section,
    "<authnprovideralias": provider_alias_section,
    "<authzprovideralias": provider_alias_section,
    "<mdomainset": md_section,
    "<mdomain": md_section,
}


def handler_for(name: str, override: int):
    """The handler an inert module's section gets, or None for a plain directive."""
    if not name.startswith("<"):
        return None
    if override & EXEC_ON_READ:
        return raw_block
    return HANDLERS.get(ascii_lower(name), plain_section)
