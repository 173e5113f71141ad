"""Mutexes as httpd configures them (server/util_mutex.c): the types modules register,
the Mutex directive, and the lines -S / DUMP_RUN_CFG print.

heartmonitor takes no locks across processes; the settings are kept only to be checked
and shown exactly as httpd shows them.
"""

from __future__ import annotations

import os

from .config.words import getword_conf

# The types each stock module registers in its pre_config hook (Debian's 2.4.71 builds:
# mod_auth_digest no longer registers authdigest-opaque).
MODULE_MUTEX_TYPES: dict[str, tuple[str, ...]] = {
    "mpm_prefork_module": ("mpm-accept",),
    "mpm_worker_module": ("mpm-accept",),
    "ssl_module": ("ssl-cache", "ssl-stapling", "ssl-stapling-refresh"),
    "rewrite_module": ("rewrite-map",),
    "proxy_module": ("proxy",),
    "proxy_balancer_module": ("proxy-balancer-shm",),
    "auth_digest_module": ("authdigest-client",),
    "authn_socache_module": ("authn-socache",),
    "cache_socache_module": ("cache-socache",),
    "ldap_module": ("ldap-cache",),
    "lua_module": ("lua-ivm-shm",),
}

ALL_MECHANISMS = (
    "Mutex mechanisms are: 'none', 'default', 'flock:/path/to/file', 'fcntl:/path/to/file', "
    "'file:/path/to/file', 'pthread', 'sysvsem', 'posixsem', 'sem'"
)
# Mechanisms that lock a file, and so need a directory (APR_USE_*_SERIALIZE is pthread on
# Linux, so "default" does not).
FILE_MECHANISMS = ("fcntl", "flock")
_MECHANISMS = {
    "default": "default", "yes": "default", "fcntl": "fcntl", "file": "fcntl",
    "flock": "flock", "posixsem": "posixsem", "sem": "posixsem", "sysvsem": "sysvsem",
    "pthread": "pthread",
}


class MutexConfig:
    """mutex_cfg_t."""

    __slots__ = ("set", "none", "omit_pid", "mech", "dir")

    def __init__(self, mech: str = "default", directory: str | None = None) -> None:
        self.set = False
        self.none = False
        self.omit_pid = False
        self.mech = mech
        self.dir = directory


def mutex_table(httpd) -> dict[str, MutexConfig]:
    """mxcfg_by_type, created with the "default" entry (ap_mutex_init)."""
    table = httpd.extensions.get("mutexes")
    if table is None:
        table = {"default": MutexConfig(directory=httpd.runtime_dir_relative(""))}
        httpd.extensions["mutexes"] = table
    return table


def register(httpd, kind: str) -> None:
    """ap_mutex_register with httpd's defaults (no directory, APR_LOCK_DEFAULT)."""
    mutex_table(httpd)[kind] = MutexConfig()


def register_loaded_modules(httpd) -> None:
    """The pre_config registrations of the loaded stock modules heartmonitor emulates inertly."""
    for module, _static in httpd.loaded_modules:
        for kind in MODULE_MUTEX_TYPES.get(module.identifier, ()):
            register(httpd, kind)


def parse_mutex(httpd, arg: str) -> tuple[str | None, str | None, str | None]:
    """ap_parse_mutex: (mechanism or None for "none", file or directory, error kind)."""
    meth, colon, file = arg.partition(":")
    file_arg: str | None = file if colon and file else None
    lower = meth.lower()
    if lower in ("none", "no"):
        return None, None, None
    mech = _MECHANISMS.get(lower)
    if mech is None:
        return None, None, "notimpl"
    if mech == "posixsem":
        # A semaphore's literal name, not a path under ServerRoot.
        return mech, file_arg, None
    if file_arg is None:
        return mech, None, None
    path = httpd.server_root_relative(file_arg)
    if path is None:
        return mech, None, "badarg"
    return mech, path, None


def set_mutex(cmd, mconfig, arg: str) -> str | None:
    """ap_set_mutex."""
    httpd = cmd.httpd
    mechdir, pos = getword_conf(arg)
    if not mechdir:
        return f"Mutex requires at least a mechanism argument ({ALL_MECHANISMS})"
    mech, mutexdir, failure = parse_mutex(httpd, mechdir)
    if failure == "notimpl":
        return f"Invalid Mutex argument {mechdir} ({ALL_MECHANISMS})"
    if failure == "badarg" or (mutexdir is not None and not os.path.isdir(mutexdir)):
        return f"Invalid Mutex directory in argument {mechdir}"
    omit_pid = False
    kinds: list[str] = []
    while pos < len(arg):
        word, pos = getword_conf(arg, pos)
        if word.lower() == "omitpid":
            omit_pid = True
        else:
            kinds.append(word)
    if not kinds:
        kinds = ["default"]
    table = mutex_table(httpd)
    for kind in reversed(kinds):
        config = table.get(kind)
        if config is None:
            return f"Mutex type {kind} is not valid"
        config.none = False
        config.omit_pid = omit_pid
        config.set = True
        if mech is None:
            return f"None is not allowed for mutex type {kind}"
        config.mech = mech
        if mutexdir is not None:
            config.dir = mutexdir
    return None


def _lookup(table: dict[str, MutexConfig], kind: str) -> MutexConfig:
    """mxcfg_lookup: the settings in effect for a type."""
    default = table["default"]
    config = table[kind]
    if config.set:
        chosen = config
    elif default.set:
        chosen = default
    elif config.none or config.mech != "default":
        chosen = config
    else:
        chosen = default
    if not chosen.none and chosen.mech in FILE_MECHANISMS and not chosen.dir:
        copy = MutexConfig(chosen.mech, chosen.dir)
        copy.set, copy.none, copy.omit_pid = chosen.set, chosen.none, chosen.omit_pid
        if default.set and default.dir:
            copy.dir = default.dir
        elif config.dir:
            copy.dir = config.dir
        else:
            copy.dir = default.dir
        chosen = copy
    return chosen


def dump_lines(httpd) -> list[str]:
    """ap_dump_mutexes (httpd walks a hash; heartmonitor lists in registration order)."""
    table = mutex_table(httpd)
    lines = []
    for kind in table:
        config = _lookup(table, kind)
        if config is table["default"] and kind != "default":
            lines.append(f"Mutex {kind}: using_defaults")
            continue
        if config.none:
            lines.append(f"Mutex {kind}: none")
            continue
        directory = httpd.server_root_relative(config.dir) if config.dir else ""
        omit = "[OmitPid]" if config.omit_pid else ""
        lines.append(f'Mutex {kind}: dir="{directory}" mechanism={config.mech} {omit}')
    return lines
