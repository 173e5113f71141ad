"""One httpd instance (its process-wide state): modules, command table, hooks, defines,
paths and the start-up log.

The pipeline that fills it is httpd's main() (heartmonitor.lifecycle): read the
configuration (heartmonitor.readconfig), run pre_config, walk the tree through the
command table, fix up virtual hosts, run check_config, then either report (-t, -M, -S,
-L) or open logs, run post_config and serve. This module imports none of those steps, so
that everything they use (cmd_parms, handlers) can name the Httpd it works on.
"""

from __future__ import annotations

import os
import sys

# collections.abc's own module, loaded with os: collections.abc would import
# collections as well (-t start-up)
from _collections_abc import Awaitable

from . import log, mutex
from .apr.filepath import server_root_relative
from .clock import SYSTEM_CLOCK, Clock
from .config.command import Command
from .config.reader import ConfigFile
from .config.tree import Directive
from .config.words import resolve_env
from .constants import DECLINED
from .cstr import ascii_lower
from .diagnostics import entry
from .hooks import Combine, concatenate, declaration, declined, failed
from .layout import Layout
from .module import Hook, Module, sort_hooks
from .server_rec import ServerRec
from .vhost import VhostTables

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (-t start-up)
if TYPE_CHECKING:
    import asyncio  # -t never imports asyncio; only serving sets these
    from collections.abc import Callable
    from typing import Any, Protocol, TextIO

    class BeingRead(Protocol):
        """A cmd_parms while its file is read: where the line being read comes from (a Use
        puts its expansion in front of the file, so this changes as reading goes)."""

        @property
        def config_file(self) -> ConfigFile | None: ...

RUN_NORMAL = "normal"
RUN_CONFIG_TEST = "config-test"
RUN_CONFIG_DUMP = "config-dump"


class Httpd:
    """Process-wide state of an httpd (its globals)."""

    def __init__(
        self,
        argv0: str = "heartmonitor",
        layout: Layout | None = None,
        server_root: str | None = None,
        defines: list[str] | None = None,
        pre_read_config: list[str] | None = None,
        post_read_config: list[str] | None = None,
        run_mode: str = RUN_NORMAL,
        default_loglevel: int = log.WARNING,
        stderr: TextIO | None = None,
        stdout: TextIO | None = None,
    ) -> None:
        self.argv0 = argv0
        self.layout = layout or Layout()
        self.def_server_root = server_root or self.layout.httpd_root
        self.server_root = self.def_server_root
        self.runtime_dir: str | None = None
        self.command_line_defines = list(defines or [])
        self.defines: list[str] = list(self.command_line_defines)
        self.defined_vars: dict[str, tuple[str, str]] = {}
        self.pre_read_config = list(pre_read_config or [])
        self.post_read_config = list(post_read_config or [])
        self.run_mode = run_mode
        self.default_loglevel = default_loglevel
        self.stderr = stderr or sys.stderr
        self.stdout = stdout or sys.stdout
        self.startup_log = log.ErrorLog(log.LogTarget(self.stderr), default_loglevel)
        self.commands: dict[str, list[Command]] = {}  # lowercase name: most recent first
        self.top_modules: list[Module] = []  # most recently added first (ap_top_module)
        self.loaded_modules: list[tuple[Module, bool]] = []  # (module, static), load order
        self._sorted_hooks: dict[str, list[Hook]] = {}
        self.so_loaded: dict[str, Module] = {}
        self.mpms: list[Module] = []
        self.server_conf = ServerRec()
        self.vhosts: list[ServerRec] = []
        self.conftree: list[Directive] = []
        self.confname: str | None = None  # the main configuration file, once read
        self.implicit_mpm: Module | None = None  # the MPM standing in when none is loaded
        self.include_depth = 0
        self.include_lineno = 0
        self.files_read: list[str] = []
        # Paths found to be directories (or not) while this configuration is checked.
        self._directories: dict[str, bool] = {}
        # Lines whose ${NAME}s all resolved, as they read with the current Defines.
        self._resolved_lines: dict[str, str] = {}
        self.config_generation = 1
        self.diagnostics: list[dict] = []
        self.extensions: dict[str, object] = {}
        self.providers: dict[tuple[str, str, str], object] = {}  # (group, name, version)
        self.optional_functions: dict[str, Callable[..., Any]] = {}
        self.pid_fname: str | None = None
        self.strict = False
        self.error_log: log.ErrorLog | None = None
        self.reading: list[BeingRead] = []  # cmd_parms of the files being read, innermost last
        self.vhost_tables: VhostTables | None = None
        # Run time: what modules keep across restarts, the event loop, its tasks.
        self.retained: dict[str, Any] = {}  # each module's own kind of state
        self.loop: asyncio.AbstractEventLoop | None = None
        self.background_tasks: set[asyncio.Task[Any]] = set()
        self.stopping = False
        self.restarting = False  # stopping for a restart: a new generation follows
        self.clock: Clock = SYSTEM_CLOCK  # tests put a clock they move by hand here
        # ap_state_query(AP_SQ_MAIN_STATE) while post_config runs: the preflight pass
        # ("create-pre-config") or the real one ("create-config").
        self.main_state = "create-config"
        # ServerTokens (core's ap_server_tokens) and the version components modules add
        # at post_config (mod_ssl's OpenSSL/x.y.z): the Server header's banner.
        self.server_tokens = "full"
        self.version_components: list[str] = []

    # -- modules ---------------------------------------------------------------------

    def add_module(self, module: Module, static: bool = False) -> None:
        """ap_add_loaded_module: chain it, register its commands and hooks."""
        if module not in self.top_modules:
            self.top_modules.insert(0, module)
        self.loaded_modules.append((module, static))
        self._sorted_hooks.clear()
        for command in module.commands:
            self.commands.setdefault(ascii_lower(command.name), []).insert(0, command)
        if module.identifier.startswith("mpm_"):
            self.mpms.append(module)
        self.providers.update(module.providers)
        self.optional_functions.update(module.optional_functions)
        if module.create_server_config is not None:
            self.server_conf.module_config[module] = module.create_server_config(
                self, self.server_conf
            )
        if module.create_dir_config is not None:
            self.server_conf.lookup_defaults[module] = module.create_dir_config(self, None)

    def find_linked_module(self, name: str) -> Module | None:
        """<IfModule> lookup: by source file name, static identifier or loaded identifier."""
        for module in self.top_modules:
            if module.source == name:
                return module
        for module, static in self.loaded_modules:
            if static and module.identifier == name:
                return module
        return self.so_loaded.get(name)

    def module_named(self, identifier: str) -> Module | None:
        for module in self.top_modules:
            if module.identifier == identifier:
                return module
        return None

    def hooks(self, name: str) -> list[Hook]:
        """The functions registered on a declared hook, in httpd's order."""
        ordered = self._sorted_hooks.get(name)
        if ordered is None:
            declaration(name)
            found = []
            for module, _static in self.loaded_modules:
                hook = module.hooks.get(name)
                if hook is not None:
                    found.append(hook)
            # Sorted once per hook: requests run the request hooks.
            ordered = self._sorted_hooks[name] = sort_hooks(found)
        return ordered

    def active_hooks(self, name: str) -> list[Hook]:
        """The functions of a hook that have work in this configuration (those whose
        `needed` says no are left out), in httpd's order. Asked once the configuration
        is complete: the HTTP side keeps the answer for the generation's requests."""
        return [hook for hook in self.hooks(name) if hook.needed is None or hook.needed(self)]

    def run_hook(self, name: str, *args: Any) -> Any:
        """Run a declared hook and combine its results as the declaration says.

        RUN_ALL: True unless a function failed; FIRST: the first answer that is not None
        or DECLINED (else DECLINED); COLLECT: the list of answers; CONCATENATE: the answers
        joined or chained.
        """
        declared = declaration(name)
        combine = declared.combine
        if combine is Combine.RUN_ALL:
            return self._run_all(name, args)
        results = []
        for hook in self.hooks(name):
            result = hook.function(self, *args)
            if combine is Combine.FIRST:
                if not declined(result):
                    return result
            elif result is not None:
                results.append(result)
        if combine is Combine.FIRST:
            return DECLINED
        return results if combine is Combine.COLLECT else concatenate(results, declared.text)

    async def run_hook_first(self, name: str, *args: Any) -> Any:
        """A FIRST hook whose functions may be coroutines (the request hooks)."""
        assert declaration(name).combine is Combine.FIRST, name
        for hook in self.hooks(name):
            result = hook.function(self, *args)
            if isinstance(result, Awaitable):  # inspect.isawaitable, without inspect on -t
                result = await result
            if not declined(result):
                return result
        return DECLINED

    def run_hook_all(self, name: str, *args: Any) -> bool:
        """A RUN_ALL hook: True when every function returned OK (None, True, OK, DECLINED)."""
        assert declaration(name).combine is Combine.RUN_ALL, name
        return self._run_all(name, args)

    def _run_all(self, name: str, args: tuple) -> bool:
        """True unless a function failed (False or an HTTP/error status); the rest skipped."""
        for hook in self.hooks(name):
            if failed(hook.function(self, *args)):
                return False
        return True

    # -- defines and paths -----------------------------------------------------------

    def exists_config_define(self, name: str) -> bool:
        return name in self.defines

    def define(self, name: str, value: str | None) -> None:
        self._resolved_lines.clear()
        if name not in self.defines:
            self.defines.append(name)
        if value is not None:
            key = ascii_lower(name)
            original = self.defined_vars.get(key, (name, value))[0]
            self.defined_vars[key] = (original, value)

    def undefine(self, name: str) -> None:
        self._resolved_lines.clear()
        if name in self.defines:
            index = self.defines.index(name)
            last = self.defines.pop()
            if index < len(self.defines):
                self.defines[index] = last
        self.defined_vars.pop(ascii_lower(name), None)

    def defined_value(self, name: str) -> str | None:
        entry = self.defined_vars.get(ascii_lower(name))
        return entry[1] if entry is not None else None

    def _lookup_variable(self, name: str) -> str | None:
        value = self.defined_value(name)
        if value is None:
            value = os.environ.get(name)
        return value

    def _warn_undefined(self, name: str) -> None:
        message = f"AH00111: Config variable ${{{name}}} is not defined"
        self.log_startup_error("core", log.WARNING, message)

    def resolve_env(self, line: str) -> str:
        """ap_resolve_env; a line that resolved whole is remembered until the next Define
        or UnDefine (a large configuration repeats the same ${NAME} lines)."""
        if "$" not in line:
            return line
        resolved = self._resolved_lines.get(line)
        if resolved is not None:
            return resolved
        undefined: list[str] = []
        resolved = resolve_env(line, self._lookup_variable, undefined.append)
        for name in undefined:  # AH00111 each time such a line is read
            self._warn_undefined(name)
        if not undefined:
            self._resolved_lines[line] = resolved
        return resolved

    def is_directory(self, path: str) -> bool:
        """os.path.isdir, asked once per path while one configuration is checked (a large
        configuration names the same DocumentRoot in every virtual host)."""
        known = self._directories.get(path)
        if known is None:
            known = self._directories[path] = os.path.isdir(path)
        return known

    def server_root_relative(self, name: str) -> str | None:
        return server_root_relative(self.server_root, name)

    def runtime_dir_relative(self, name: str) -> str | None:
        runtime = self.runtime_dir or self.server_root_relative(self.layout.default_rel_runtimedir)
        if runtime is None:
            return None
        return server_root_relative(runtime, name)

    # -- logging during start-up ------------------------------------------------------

    def log_startup_error(self, module: str, level: int, message: str,
                          status: log.Status = None) -> None:
        """ap_log_error with no server: stderr, filtered by the -e level (notice passes)."""
        if level != log.NOTICE and level > self.default_loglevel:
            return
        self.startup_log.target.write(log.format_line(module, level, message, status), level)
        self.note(log.LEVEL_NAMES[level], message, *self.reading_position())

    def reading_position(self) -> tuple[str | None, int | None]:
        """The file and line being read, for diagnostics raised while reading."""
        if not self.reading:
            return None, None
        config_file = self.reading[-1].config_file
        if config_file is None:
            return None, None
        return config_file.name, config_file.line_number

    def note(self, severity: str, message: str, file_name: str | None = None,
             line: int | None = None) -> None:
        self.diagnostics.append(entry(severity, message, file_name, line))

    def log_error(self, module: str, level: int, message: str, status: log.Status = None,
                  source: str | None = None, client: str | None = None) -> None:
        """ap_log_error for the main server: its error log once open, else stderr."""
        target = self.error_log
        if target is None:
            server = self.server_conf
            configured = server.module_log_levels.get(module, server.log_level)
            if configured is None:
                configured = log.WARNING
            if level != log.NOTICE and level > configured:
                return
            self.startup_log.target.write(
                log.format_line(module, level, message, status, source, client), level
            )
            return
        target.log(module, level, message, status, source, client)

    def log_enabled(self, module: str, level: int) -> bool:
        """Whether log_error would write a message of this module and level."""
        if self.error_log is not None:
            return self.error_log.enabled(module, level)
        server = self.server_conf
        configured = server.module_log_levels.get(module, server.log_level)
        return level <= (log.WARNING if configured is None else configured)

    def startup(self, message: str, status: log.Status = None, level: int = log.NOTICE) -> None:
        """An APLOG_STARTUP message: the bare text on stderr (after the OS error, if any)."""
        self.startup_log.startup(message, status, level)

    def dump_config_name(self, fname: str) -> None:
        if not self.exists_config_define("DUMP_INCLUDES"):
            return
        indent = "  " * (self.include_depth + 1)
        where = f"({self.include_lineno})" if self.include_lineno > 0 else "(*)"
        self.stdout.write(f"{indent}{where} {fname}\n")

    # -- errors while reading ----------------------------------------------------------

    def record_error(self, message: str, where: Directive | None = None) -> None:
        if where is not None:
            self.note("error", message, where.filename, where.line_num)
        else:
            self.note("error", message)

    def register_mutex(self, kind: str) -> None:
        """ap_mutex_register: a mutex type -S lists."""
        mutex.register(self, kind)

    def mutex_dump(self) -> list[str]:
        """ap_dump_mutexes: the Mutex lines of -S."""
        return mutex.dump_lines(self)

    def lookup_provider(self, group: str, name: str, version: str) -> Any:
        """ap_lookup_provider (each group's providers have their own interface: void *)."""
        return self.providers.get((group, name, version))
