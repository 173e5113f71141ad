"""mod_unixd: the User and Group the server would switch to (shown by -S), ChrootDir and
Suexec, checked as httpd checks them (heartmonitor switches to no user, chroots nowhere)."""

from __future__ import annotations

import os
import stat

from heartmonitor.cnum import atoi, atol
from heartmonitor.layout import SUEXEC_BIN
from heartmonitor.module import FIRST, Hook, Module
from heartmonitor.server import Httpd
from heartmonitor.server_rec import ServerRec

DEFAULT_USER = "#-1"
DEFAULT_GROUP = "#-1"


class UnixdConfig:
    def __init__(self, httpd: Httpd, server: ServerRec) -> None:
        self.user_name = DEFAULT_USER
        self.group_name = DEFAULT_GROUP


def _uid(name: str) -> int:
    """ap_uname2id: '#n' is a number; an unknown name is an error at start-up."""
    if name.startswith("#"):
        return atol(name[1:]) & 0xFFFFFFFF

    import pwd  # here, as grp below: only User and Group look names up

    try:
        return pwd.getpwnam(name).pw_uid
    except KeyError:
        return 0xFFFFFFFF


def _gid(name: str) -> int:
    if name.startswith("#"):
        return atol(name[1:]) & 0xFFFFFFFF

    import grp

    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        return 0xFFFFFFFF


ROOT_REFUSED = (
    "Error:\tApache has not been designed to serve pages while\n"
    "\trunning as root.  There are known race conditions that\n"
    "\twill allow any local user to read any file on the system.\n"
    "\tIf you still desire to serve pages as root then\n"
    "\tadd -DBIG_SECURITY_HOLE to the CFLAGS env variable\n"
    "\tand then rebuild the server.\n"
    "\tIt is strongly suggested that you instead modify the User\n"
    "\tdirective in your httpd.conf file to list a non-root\n"
    "\tuser.\n"
)


def _name_to_id(cmd, name: str, lookup, what: str, code: str) -> int:
    """ap_uname2id / ap_gname2id: an unknown name is reported and httpd exits 1 at once
    (a restart survives it: heartmonitor.reload catches every exception)."""
    if name.startswith("#"):
        return atoi(name[1:])
    try:
        return lookup(name)
    except KeyError:
        cmd.httpd.startup(f"AH{code}: {cmd.httpd.argv0}: bad {what} name {name}")
        raise SystemExit(1) from None


def set_user(cmd, mconfig, arg: str) -> str | None:
    cmd.server.module_config[MODULE].user_name = arg
    import pwd

    if _name_to_id(cmd, arg, lambda n: pwd.getpwnam(n).pw_uid, "user", "00543") == 0:
        return ROOT_REFUSED
    return None


def set_group(cmd, mconfig, arg: str) -> str | None:
    cmd.server.module_config[MODULE].group_name = arg
    import grp

    _name_to_id(cmd, arg, lambda n: grp.getgrnam(n).gr_gid, "group", "00544")
    return None


def set_chroot_dir(cmd, mconfig, arg: str) -> str | None:
    if not os.path.isdir(arg):
        return "ChrootDir must be a valid directory"
    return None


def suexec_disabled_reason(binary: str = SUEXEC_BIN) -> str | None:
    """unixd_pre_config's verdict on the suexec wrapper: None when it can be used."""
    try:
        info = os.stat(binary)
    except OSError:
        return f"Missing suexec binary {binary}"
    if info.st_mode & stat.S_ISUID and info.st_uid == 0 and os.access(binary, os.R_OK | os.X_OK):
        return None
    return f"Invalid owner or file mode for {binary}"


def set_suexec(cmd, mconfig, flag: bool) -> str | None:
    reason = suexec_disabled_reason()
    if flag and reason is not None:
        return f"suEXEC isn't supported: {reason}"
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
    handlers={"User": set_user, "Group": set_group, "ChrootDir": set_chroot_dir,
              "Suexec": set_suexec},
    hooks={"test_config": Hook(dump_config, FIRST)},
    create_server_config=UnixdConfig,
)
