"""mod_unixd: the User and Group the server would switch to (shown by -S)."""

from __future__ import annotations

import grp
import os
import pwd

from heartmonitor.cnum import atol
from heartmonitor.config.command import GLOBAL_ONLY, RSRC_CONF, TAKE1, Command
from heartmonitor.config.walker import check_cmd_context
from heartmonitor.module import FIRST, Hook, Module

DEFAULT_USER = "#-1"
DEFAULT_GROUP = "#-1"


class UnixdConfig:
    def __init__(self, httpd, server) -> None:
        self.user_name = DEFAULT_USER
        self.group_name = DEFAULT_GROUP


def _uid(name: str) -> int:
    """ap_uname2id: '#n' is a number; an unknown name is an error at start-up."""
    if name.startswith("#"):
        return atol(name[1:]) & 0xFFFFFFFF

    try:
        return pwd.getpwnam(name).pw_uid
    except KeyError:
        return 0xFFFFFFFF


def _gid(name: str) -> int:
    if name.startswith("#"):
        return atol(name[1:]) & 0xFFFFFFFF

    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        return 0xFFFFFFFF


def set_user(cmd, mconfig, arg: str) -> str | None:
    error = check_cmd_context(cmd, GLOBAL_ONLY)
    if error:
        return error
    cmd.server.module_config[MODULE].user_name = arg
    return None


def set_group(cmd, mconfig, arg: str) -> str | None:
    error = check_cmd_context(cmd, GLOBAL_ONLY)
    if error:
        return error
    cmd.server.module_config[MODULE].group_name = arg
    return None


def dump_config(httpd) -> None:
    """unixd_dump_config: User and Group lines of -S."""
    if not httpd.exists_config_define("DUMP_RUN_CFG"):
        return

    config = httpd.server_conf.module_config[MODULE]
    no_root = "" if os.geteuid() == 0 else " not_used"
    out = httpd.stdout
    out.write(f'User: name="{config.user_name}" id={_uid(config.user_name)}{no_root}\n')
    out.write(f'Group: name="{config.group_name}" id={_gid(config.group_name)}{no_root}\n')


MODULE = Module(
    "unixd_module",
    "mod_unixd.c",
    commands=[
        Command("User", TAKE1, RSRC_CONF, "Effective user id for this server", set_user),
        Command("Group", TAKE1, RSRC_CONF, "Effective group id for this server", set_group),
    ],
    hooks={"test_config": Hook(dump_config, FIRST)},
    create_server_config=UnixdConfig,
)
