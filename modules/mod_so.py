"""mod_so: LoadModule and LoadFile.

A module is found by its file's name (heartmonitor.registry), so both
`modules/mod_heartmonitor.so` and Debian's `/usr/lib/apache2/modules/mod_heartmonitor.so`
load heartmonitor's mod_heartmonitor without the .so having to exist. The identifier is
checked as httpd checks the symbol, and a name httpd does not have fails like a missing
shared object. Loading a module that is compiled in (mod_watchdog, mod_log_config ...),
which an upstream-style configuration does, is accepted: Debian refuses it.
"""

from __future__ import annotations

import os

from heartmonitor import log, registry
from heartmonitor.config.command import EXEC_ON_READ, ITERATE, RSRC_CONF, TAKE2, Command
from heartmonitor.dso_symbols import NEEDS
from heartmonitor.module import MIDDLE, Hook, Module

_LIBRARY_DIRS = (
    "/lib", "/usr/lib", "/lib64", "/usr/lib64", "/lib/x86_64-linux-gnu",
    "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
)


def _not_found(name: str) -> str:
    return f"{name}: cannot open shared object file: No such file or directory"


def _dso_path(cmd, filename: str) -> tuple[str, str | None]:
    """dso_load's file name: (path to report, error text) for an argument."""
    fullname = cmd.httpd.server_root_relative(filename)
    retry = "/" not in filename
    if fullname is None and not retry:
        return filename, f"Invalid {cmd.cmd.name} path {filename}"
    return fullname or filename, None


def load_module(cmd, holder, modname: str, filename: str) -> str | None:
    holder.nodes = []
    httpd = cmd.httpd
    if modname in httpd.so_loaded:
        httpd.log_startup_error(
            "so", log.WARNING, f"AH01574: module {modname} is already loaded, skipping"
        )
        return None
    for module, static in httpd.loaded_modules:
        if static and module.source.startswith("mod_") and module.identifier == modname:
            return None
    fullname, error = _dso_path(cmd, filename)
    if error:
        return error
    module = registry.find(registry.stem_of(filename))
    if module is None:
        if os.path.exists(fullname):
            detail = f"{fullname}: not a stock httpd 2.4 module (heartmonitor runs no native code)"
        else:
            shown = fullname if "/" in filename or os.path.exists(fullname) else filename
            detail = _not_found(shown)
        return f"Cannot load {filename} into server: {detail}"
    if module.identifier != modname:
        return (
            f"Can't locate API module structure `{modname}' in file {fullname}: "
            f"{fullname}: undefined symbol: {modname}"
        )
    missing = _unresolved_symbol(httpd, modname)
    if missing:
        return (f"Cannot load {filename} into server: {fullname}: "
                f"undefined symbol: {missing}")
    httpd.so_loaded[modname] = module
    httpd.log_startup_error("so", log.DEBUG, f"AH01575: loaded module {modname} from {fullname}")
    httpd.add_module(module)
    return None


def _unresolved_symbol(httpd, modname: str) -> str | None:
    """The symbol dlopen cannot resolve: the .so links against a module not loaded yet."""
    needs = NEEDS.get(modname)
    if needs is None:
        return None
    provider, symbol = needs
    if any(module.identifier == provider for module, _static in httpd.loaded_modules):
        return None
    return symbol


def _library_exists(name: str) -> bool:
    return any(os.path.exists(os.path.join(d, name)) for d in _LIBRARY_DIRS)


def load_file(cmd, holder, filename: str) -> str | None:
    holder.nodes = []
    fullname, error = _dso_path(cmd, filename)
    if error:
        return error
    if os.path.exists(fullname) or ("/" not in filename and _library_exists(filename)):
        cmd.httpd.log_startup_error("so", log.DEBUG, f"AH01576: loaded file {filename}")
        return None
    shown = filename if "/" not in filename else fullname
    return f"Cannot load {filename} into server: {_not_found(shown)}"


def dump_loaded_modules(httpd) -> None:
    """-M: the compiled-in modules, then those loaded, exactly as httpd lists them."""
    if not httpd.exists_config_define("DUMP_MODULES"):
        return
    out = httpd.stdout
    out.write("Loaded Modules:\n")
    implicit = httpd.implicit_mpm
    for module, static in httpd.loaded_modules:
        if static or module is implicit:
            out.write(f" {module.identifier} (static)\n")
    for name in httpd.so_loaded:
        out.write(f" {name} (shared)\n")


MODULE = Module(
    "so_module",
    "mod_so.c",
    commands=[
        Command("LoadModule", TAKE2, RSRC_CONF | EXEC_ON_READ,
                "a module name and the name of a shared object file to load it from",
                load_module),
        Command("LoadFile", ITERATE, RSRC_CONF | EXEC_ON_READ,
                "shared object file or library to load into the server at runtime",
                load_file),
    ],
    hooks={"test_config": Hook(dump_loaded_modules, MIDDLE)},
)
