"""ap_read_config and ap_process_config_tree: the configuration read into a tree, then
walked through the command table; httpd's messages when a step fails."""

from __future__ import annotations

from . import registry
from .config.builder import build_config
from .config.includes import process_resource_config
from .config.parms import CmdParms
from .config.reader import ArgvConfig
from .config.walker import walk_config
from .server import Httpd


def setup_prelinked_modules(httpd: Httpd) -> None:
    """The modules the layout compiles in (ap_setup_prelinked_modules)."""
    for stem in httpd.layout.static_modules:
        module = registry.find(stem)
        if module is not None:
            httpd.add_module(module, static=True)


def _process_command_config(httpd: Httpd, items: list[str]) -> str | None:
    if not items:
        return None
    parms = CmdParms(httpd, httpd.server_conf, ArgvConfig("-c/-C directives", items))
    error = build_config(httpd, parms, httpd.conftree)
    if error is not None:
        return f"Syntax error in -C/-c directive: {error}"
    return None


def read_config(httpd: Httpd, confname: str) -> bool:
    """ap_read_config: build the whole tree; False after printing httpd's message."""
    if httpd.exists_config_define("DUMP_INCLUDES"):
        httpd.stdout.write("Included configuration files:\n")
    error = _process_command_config(httpd, httpd.pre_read_config)
    if error is None:
        httpd.confname = httpd.server_root_relative(confname)
        if httpd.confname is None:
            httpd.startup(f"AH00532: Invalid config file path {confname}")
            return False
        error = process_resource_config(httpd, httpd.confname, httpd.conftree)
    if error is None:
        error = check_mpm(httpd)
        if error is not None:
            httpd.startup(f"AH00534: {httpd.argv0}: Configuration error: {error}")
            return False
        error = _process_command_config(httpd, httpd.post_read_config)
    if error is not None:
        httpd.startup(f"{httpd.argv0}: {error}")
        httpd.record_error(error)
        return False
    return True


def check_mpm(httpd: Httpd) -> str | None:
    """ap_check_mpm; with no MPM loaded, heartmonitor's own (event) stands in."""
    if not httpd.mpms:
        module = registry.find(httpd.layout.default_mpm)
        if module is not None:
            httpd.add_module(module)
            httpd.implicit_mpm = module
    if len(httpd.mpms) > 1:
        return "More than one MPM loaded."
    return None


def process_config_tree(httpd: Httpd) -> bool:
    """ap_process_config_tree: every directive through its handler; False after the
    message of the first that fails."""
    parms = CmdParms(httpd, httpd.server_conf)
    error = walk_config(httpd, httpd.conftree, parms, httpd.server_conf.lookup_defaults)
    if error is not None:
        where = parms.err_directive
        if where is not None:
            httpd.startup(f"AH00526: Syntax error on line {where.line_num} of {where.filename}:")
        httpd.startup(error)
        httpd.record_error(error, where)
        return False
    return True
