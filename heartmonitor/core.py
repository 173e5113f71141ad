"""The core module (server/core.c): sections, conditionals, Include, Define and friends.

Only the directives whose effect heartmonitor needs, or whose checks show in `httpd -t`,
have handlers here; the rest of core's table comes from the catalogue, inert.
"""

from __future__ import annotations

import os

from . import log
from .apr.filepath import PathTooLong, filepath_merge
from .apr.fnmatch import fnmatch_test
from .config.builder import build_cont_config, soak_end_container
from .config.command import (
    ACCESS_CONF,
    OR_ALL,
)
from .config.includes import process_fnmatch_configs
from .config.walker import walk_config
from .config.words import getword_conf
from .constants import (
    ALL_METHODS,
    AP_MAX_INCLUDE_DEPTH,
    M_INVALID,
    M_TRACE,
    METHOD_NUMBER_LAST,
    METHODS,
)
from .core_values import COMMANDS as CORE_VALUE_COMMANDS
from .core_values import parse_string_expression
from .cstr import ascii_lower, atoi
from .http.settings import COMMANDS as REQUEST_LIMIT_COMMANDS
from .module import FIRST, Hook, Module
from .mutex import register_loaded_modules, set_mutex
from .regex import regcomp
from .server import Httpd
from .server_rec import Section, ServerRec
from .vhost import init_virtual_host

# -- helpers shared by the section directives -------------------------------------------

IF_KINDS = frozenset(("if", "elseif", "else"))


def unclosed_directive(cmd) -> str:
    return f"{cmd.cmd.name}> directive missing closing '>'"


def missing_container_arg(cmd) -> str:
    return f"{cmd.cmd.name}> directive requires additional arguments"


def section_argument(cmd, arg: str) -> str | None:
    """The text up to the last '>' of a section line, or None when there is no '>'."""
    end = arg.rfind(">")
    return None if end < 0 else arg[:end]


def compile_regex(pattern: str):
    """ap_pregcomp with AP_REG_EXTENDED: None when PCRE2 refuses the pattern, as httpd."""
    regex = regcomp(pattern)
    return None if isinstance(regex, str) else regex


def walk_section(cmd, kind: str, path, regex, override=OR_ALL | ACCESS_CONF, keep_override=False):
    """Walk a section's children with the section's path and override in effect.

    <Directory>, <Location> and <Files> sections join the server's list; an <If> family
    section is kept by the scope it stands in (ifsection), as httpd's ap_add_if_conf.
    """
    old_override, old_path = cmd.override, cmd.path
    cmd.path = path
    if not keep_override:
        cmd.override = override
    vector: dict = {}
    error = walk_config(cmd.httpd, cmd.directive.children or (), cmd, vector)
    if error is not None:
        return error, None
    section = Section(kind, path, regex, vector, cmd.directive)
    if kind not in IF_KINDS:
        cmd.server.per_dir_sections.append(section)
    cmd.path, cmd.override = old_path, old_override
    return None, section


# -- <Directory>, <Location>, <Files>, <If>, <Limit>, <VirtualHost> -------------------------


def dirsection(cmd, mconfig, arg: str) -> str | None:
    closed = section_argument(cmd, arg)
    if closed is None:
        return unclosed_directive(cmd)
    arg = closed
    if not arg:
        return missing_container_arg(cmd)
    path, pos = getword_conf(arg)
    regex = None
    if path == "~":
        path, pos = getword_conf(arg, pos)
        regex = compile_regex(path)
        if regex is None:
            return "Regex could not be compiled"
    elif cmd.cmd.data:
        regex = compile_regex(path)
        if regex is None:
            return "Regex could not be compiled"
    elif path != "/":
        try:
            path = filepath_merge(None, path)
        except PathTooLong:
            return f'<Directory "{path}"> path is invalid.'
        if not path.endswith("/"):
            path += "/"
    error, _section = walk_section(cmd, "directory", path, regex)
    if error:
        return error
    if pos < len(arg):
        return f"Multiple {cmd.cmd.name}> arguments not (yet) supported."
    return None


def urlsection(cmd, mconfig, arg: str) -> str | None:
    closed = section_argument(cmd, arg)
    if closed is None:
        return unclosed_directive(cmd)
    arg = closed
    if not arg:
        return missing_container_arg(cmd)
    path, pos = getword_conf(arg)
    regex = None
    if cmd.cmd.data:
        regex = compile_regex(path)
        if regex is None:
            return "Regex could not be compiled"
    elif path == "~":
        path, pos = getword_conf(arg, pos)
        regex = compile_regex(path)
        if regex is None:
            return "Regex could not be compiled"
    error, _section = walk_section(cmd, "location", path, regex)
    if error:
        return error
    if pos < len(arg):
        return f"Multiple {cmd.cmd.name}> arguments not (yet) supported."
    return None


def filesection(cmd, mconfig, arg: str) -> str | None:
    closed = section_argument(cmd, arg)
    if closed is None:
        return unclosed_directive(cmd)
    arg = closed
    if not arg:
        return missing_container_arg(cmd)
    path, pos = getword_conf(arg)
    regex = None
    if cmd.cmd.data:
        regex = compile_regex(path)
        if regex is None:
            return "Regex could not be compiled"
    elif path == "~":
        path, pos = getword_conf(arg, pos)
        regex = compile_regex(path)
        if regex is None:
            return "Regex could not be compiled"
    else:
        try:
            path = filepath_merge("", path)
        except PathTooLong:
            return f'<Files "{path}"> is invalid.'
    error, _section = walk_section(cmd, "files", path, regex, keep_override=cmd.path is not None)
    if error:
        return error
    if pos < len(arg):
        return f"Multiple {cmd.cmd.name}> arguments not (yet) supported."
    return None


class IfEntry:
    """One <If>/<ElseIf>/<Else> of a scope: its kind, its condition and its
    configuration (httpd keeps them in the scope's core_dir_config->sec_if)."""

    __slots__ = ("kind", "condition", "config")

    def __init__(self, kind: str, condition, config: dict) -> None:
        self.kind = kind
        self.condition = condition  # an Expression (None for <Else>)
        self.config = config


def ifsection(cmd, mconfig, arg: str) -> str | None:
    closed = section_argument(cmd, arg)
    if closed is None:
        return unclosed_directive(cmd)
    arg = closed
    this = cmd.cmd  # the children's walk replaces cmd.cmd
    pos = 0
    condition = None
    expression = None
    if cmd.cmd.data == "else":
        if arg:
            return "<Else> does not take an argument"
    else:
        if not arg:
            return missing_container_arg(cmd)
        condition, pos = getword_conf(arg)
        # Imported here: the expression tables load only for configurations with <If>.
        from .expr import compile_cmd

        error, expression = compile_cmd(cmd, condition)
        if error is not None:
            return f"Cannot parse condition clause: {error}"
    keep = cmd.path is not None
    error, section = walk_section(cmd, cmd.cmd.data, "*If", None, keep_override=keep)
    if error:
        return error
    section.condition = condition
    # ap_add_if_conf: <Else>/<ElseIf> must follow an <If>/<ElseIf> of the same scope.
    previous = getattr(mconfig, "last_if", None)
    if this.data != "if" and previous not in ("if", "elseif"):
        return ("<Else> or <ElseIf> section without previous <If> or <ElseIf> section in "
                "same scope")
    if mconfig is not None:
        mconfig.last_if = this.data
        mconfig.sec_if = [*(mconfig.sec_if or ()), IfEntry(this.data, expression,
                                                           section.config)]
    if pos < len(arg):
        return f"Multiple {this.name}> arguments not supported."
    return None


def method_number(httpd, method: str, register: bool) -> int:
    """ap_method_number_of, registering unknown methods as httpd does for <Limit>."""
    if method == "HEAD":
        return 0
    if method in METHODS:
        return METHODS.index(method)
    registered = httpd.extensions.setdefault("methods", {})
    if method in registered:
        return registered[method]
    if not register:
        return M_INVALID
    number = M_INVALID + 1 + len(registered)
    if number > METHOD_NUMBER_LAST:
        return M_INVALID
    registered[method] = number
    return number


def limit_section(cmd, mconfig, arg: str) -> str | None:
    methods = section_argument(cmd, arg)
    if methods is None:
        return unclosed_directive(cmd)
    if not methods:
        return missing_container_arg(cmd)
    limited = 0
    pos = 0
    while pos < len(methods):
        method, pos = getword_conf(methods, pos)
        number = method_number(cmd.httpd, method, register=False)
        if number == M_TRACE and not cmd.cmd.data:
            return "TRACE cannot be controlled by <Limit>, see TraceEnable"
        if number == M_INVALID:
            number = method_number(cmd.httpd, method, register=True)
        limited |= 1 << number
    if cmd.cmd.data:
        limited = ~limited & ALL_METHODS
    old_limited = cmd.limited & ALL_METHODS
    if not (old_limited & limited):
        return f"{cmd.cmd.name}> directive excludes all methods"
    if (old_limited & limited) == old_limited:
        return f"{cmd.cmd.name}> directive specifies methods already excluded"
    saved = cmd.limited
    cmd.limited = old_limited & limited
    error = walk_config(cmd.httpd, cmd.directive.children or (), cmd, cmd.context)
    cmd.limited = saved
    return error


def virtualhost_section(cmd, mconfig, arg: str) -> str | None:
    closed = section_argument(cmd, arg)
    if closed is None:
        return unclosed_directive(cmd)
    arg = closed
    if not arg:
        return missing_container_arg(cmd)
    main_server = cmd.server
    if main_server.is_virtual:
        return "<VirtualHost> doesn't nest!"

    error, server = init_virtual_host(cmd.httpd, arg, main_server)
    if error:
        return error
    cmd.httpd.vhosts.append(server)
    server.defn_name = cmd.directive.filename
    server.defn_line_number = cmd.directive.line_num
    cmd.server = server
    error = walk_config(cmd.httpd, cmd.directive.children or (), cmd, server.lookup_defaults)
    cmd.server = main_server
    return error


# -- conditional sections: <IfModule>, <IfDefine>, <IfFile>, <IfDirective>, <IfSection> ----


def start_cond_section(cmd, holder, arg: str) -> str | None:
    end = arg.rfind(">")
    negate = arg[:1] == "!"
    if end < 0:
        return unclosed_directive(cmd)
    arg = arg[:end]
    if negate:
        arg = arg[1:]
    arg1, _pos = getword_conf(arg)
    if not arg1:
        return missing_container_arg(cmd)
    result = cmd.info(cmd, arg1)
    if result != negate:
        return build_cont_config(cmd.httpd, cmd, cmd.cmd.name, holder)
    holder.nodes = []
    return soak_end_container(cmd.httpd, cmd, cmd.cmd.name)


def test_ifmod(cmd, name: str) -> bool:
    return cmd.httpd.find_linked_module(name) is not None


def test_ifdefine(cmd, name: str) -> bool:
    return cmd.httpd.exists_config_define(name)


def test_iffile(cmd, name: str) -> bool:
    path = cmd.httpd.server_root_relative(name)
    return path is not None and os.path.exists(path)


def test_ifdirective(cmd, name: str) -> bool:
    return ascii_lower(name) in cmd.httpd.commands


def test_ifsection(cmd, name: str) -> bool:
    return ascii_lower("<" + name) in cmd.httpd.commands


# -- directives run while reading -----------------------------------------------------------


def set_define(cmd, holder, name: str, value: str | None) -> str | None:
    if ":" in name:
        return "Variable name must not contain ':'"
    cmd.httpd.define(name, value)
    return None


def unset_define(cmd, holder, name: str) -> str | None:
    if ":" in name:
        return "Variable name must not contain ':'"
    cmd.httpd.undefine(name)
    return None


def include_config(cmd, holder, name: str) -> str | None:
    httpd = cmd.httpd
    httpd.include_depth += 1
    if httpd.include_depth > AP_MAX_INCLUDE_DEPTH:
        httpd.include_depth = 0
        return (
            f"Exceeded maximum include depth of {AP_MAX_INCLUDE_DEPTH}, "
            "There appears to be a recursion."
        )
    conffile = httpd.server_root_relative(name)
    if conffile is None:
        httpd.include_depth = 0
        return f"Invalid Include path {name}"
    if httpd.exists_config_define("DUMP_INCLUDES"):
        httpd.include_lineno = cmd.config_file.line_number
    nodes: list = []
    error = process_fnmatch_configs(httpd, conffile, nodes, optional=bool(cmd.cmd.data))
    if error is not None:
        httpd.include_depth = 0
        return error
    holder.nodes = nodes
    if httpd.include_depth:
        httpd.include_depth -= 1
    return None


def set_server_root(cmd, holder, arg: str) -> str | None:
    try:
        root = filepath_merge(None, arg)
    except PathTooLong:
        return "ServerRoot must be a valid directory"
    cmd.httpd.server_root = root
    if not os.path.isdir(root):
        return "ServerRoot must be a valid directory"
    return None


def set_runtime_dir(cmd, holder, arg: str) -> str | None:
    httpd = cmd.httpd
    try:
        runtime = filepath_merge(None, httpd.server_root_relative(arg))
    except PathTooLong:
        runtime = None
    message = "DefaultRuntimeDir must be a valid directory, absolute or relative to ServerRoot"
    if runtime is None:
        return message
    httpd.runtime_dir = runtime
    if not os.path.isdir(runtime):
        return message
    return None


def generate_error(cmd, mconfig, arg: str) -> str | None:
    if not arg:
        return "The Error directive was used with no message."
    if arg[0] in "\"'" and arg[-1] == arg[0]:
        return arg[1:-1]
    return arg


# -- per-server settings ------------------------------------------------------------------


def core_server(cmd) -> CoreServerConfig:
    return cmd.server.module_config[CORE]


class CoreServerConfig:
    """What core keeps per server (core_server_config)."""

    def __init__(self, httpd: Httpd, server: ServerRec) -> None:
        self.document_root: str | None = None
        self.pid_fname: str | None = None


class CoreDirConfig:
    """What core keeps per directory section (core_dir_config)."""

    def __init__(self, httpd: Httpd, path: str | None) -> None:
        self.handler: str | None = None
        # SetHandler's value when it is an expression (evaluated per request).
        self.expr_handler = None
        self.log_level: int | None = None
        # ServerSignature: "on", "off", "email"; None (unset) signs nothing either.
        self.server_signature: str | None = None
        # UseCanonicalName ("on", "off", "dns") and UseCanonicalPhysicalPort ("on", "off"):
        # which name and port a signature gives.
        self.use_canonical_name: str | None = None
        self.use_canonical_phys_port: str | None = None
        # The kind of the last <If>/<ElseIf>/<Else> section of this scope.
        self.last_if: str | None = None
        # The <If> family sections of this scope, in order (IfEntry).
        self.sec_if: list[IfEntry] | None = None


def merge_core_dir(base: CoreDirConfig | None, new: CoreDirConfig) -> CoreDirConfig:
    """merge_core_dir_configs for what heartmonitor keeps: a later section's values win,
    and the <If> sections of both scopes are kept, the base's first."""
    if base is None:
        return new
    merged = object.__new__(CoreDirConfig)
    merged.__dict__.update(vars(base))
    merged.__dict__.update({k: v for k, v in vars(new).items() if v is not None})
    if base.sec_if and new.sec_if:
        merged.sec_if = base.sec_if + new.sec_if
    if new.handler is not None:
        merged.expr_handler = new.expr_handler
    return merged


def server_hostname_port(cmd, mconfig, arg: str) -> str | None:
    if fnmatch_test(arg):
        return f'Invalid ServerName "{arg}" use ServerAlias to set multiple server names.'
    part = arg
    scheme_end = arg.find("://")
    if scheme_end >= 0:
        cmd.server.server_scheme = arg[:scheme_end].lower()
        part = arg[scheme_end + 3 :]
    colon = part.find(":")
    if colon >= 0:
        cmd.server.server_hostname = part[:colon]
        port = atoi(part[colon + 1 :])
        if port <= 0 or port >= 65536:
            return (
                f'The port number "{arg}" is outside the appropriate range (i.e., 1..65535).'
            )
    else:
        cmd.server.server_hostname = part
        port = 0
    cmd.server.port = port
    return None


def set_server_admin(cmd, mconfig, arg: str) -> str | None:
    """set_server_string_slot: %{SERVER_ADMIN} of ap_expr reads it."""
    cmd.server.server_admin = arg
    return None


def set_server_alias(cmd, mconfig, arg: str) -> str | None:
    server = cmd.server
    if server.names is None:
        return "ServerAlias only used in <VirtualHost>"
    pos = 0
    while pos < len(arg):
        name, pos = getword_conf(arg, pos)
        if "*" in name or "?" in name:
            server.wild_names.append(name)
        else:
            server.names.append(name)
    return None


def set_error_log(cmd, mconfig, arg: str) -> str | None:
    cmd.server.error_fname = arg
    return None


def set_document_root(cmd, mconfig, arg: str) -> str | None:
    config = core_server(cmd)
    if not cmd.httpd.extensions.get("document_root_check", True):
        config.document_root = arg
        return None
    path = cmd.httpd.server_root_relative(arg)
    if path is None:
        return "DocumentRoot must be a directory"
    config.document_root = path
    if not cmd.httpd.is_directory(path):
        if cmd.server.is_virtual:
            cmd.httpd.startup(f"AH00112: Warning: DocumentRoot [{path}] does not exist")
        else:
            return f"DocumentRoot '{path}' is not a directory, or is not readable"
    return None


def set_pidfile(cmd, mconfig, arg: str) -> str | None:
    if cmd.server.is_virtual:
        return "PidFile directive not allowed in <VirtualHost>"
    cmd.httpd.pid_fname = arg
    return None


LOG_LEVEL_ERROR = (
    "Log level keyword must be one of emerg/alert/crit/error/warn/notice/info/debug/"
    "trace1/.../trace8"
)


def set_loglevel(cmd, mconfig, arg: str) -> str | None:
    if not arg:
        return "LogLevel requires level keyword or module loglevel specifier"
    if cmd.path is not None:
        target = mconfig
    else:
        target = cmd.server
    colon = arg.rfind(":")
    if colon < 0:
        level = log.parse_level(arg)
        if level is None:
            return LOG_LEVEL_ERROR
        if cmd.path is not None:
            target.log_level = level
        else:
            target.log_level = level
            target.module_log_levels = {}
        return None
    module_name, level_text = arg[:colon], arg[colon + 1 :]
    if not level_text:
        return f"Module specifier '{module_name}' must be followed by a log level keyword"
    level = log.parse_level(level_text)
    if level is None:
        return f"{module_name}:{level_text}: {LOG_LEVEL_ERROR}"
    httpd = cmd.httpd
    module = httpd.find_linked_module(module_name)
    if module is None:
        module = httpd.find_linked_module(module_name + "_module")
    if module is None:
        return f"Cannot find module {module_name}"
    if cmd.path is None:
        target.module_log_levels[module.short_name] = level
    return None


_OPTION_NAMES = ("indexes", "includes", "includesnoexec", "followsymlinks",
                 "symlinksifownermatch", "execcgi", "multiviews", "runscripts")
_MIXED_OPTIONS = "Either all Options must start with + or -, or no Option may."
_NOT_FIRST = {"none": "'Options None' must be the first Option given.",
              "all": "'Options All' must be the first option given."}
_NO_PLUS_MINUS = {"none": "You may not use 'Options +None' or 'Options -None'.",
                  "all": "You may not use 'Options +All' or 'Options -All'."}


def set_options(cmd, mconfig, line: str) -> str | None:
    """set_options: the syntax checks (heartmonitor serves no directories)."""
    first, merge, all_none = True, False, False
    pos = 0
    while pos < len(line):
        word, pos = getword_conf(line, pos)
        if word[:1] in ("+", "-"):
            word = word[1:]
            if not merge and not first and not all_none:
                return _MIXED_OPTIONS
            merge = True
        elif not first and merge:
            return _MIXED_OPTIONS
        lower = word.lower()
        if lower == "none" or lower == "all":
            if not first:
                return _NOT_FIRST[lower]
            if merge:
                return _NO_PLUS_MINUS[lower]
            all_none = True
        elif lower not in _OPTION_NAMES:
            return f"Illegal option {word}"
        first = False
    return None


def set_timeout(cmd, mconfig, arg: str) -> str | None:
    if not cmd.server.is_virtual:
        cmd.httpd.extensions["timeout"] = float(atoi(arg))
    return None


def set_extended_status(cmd, mconfig, flag: bool) -> str | None:
    cmd.httpd.extensions["extended_status"] = flag
    return None


def set_sethandler(cmd, mconfig, arg: str) -> str | None:
    expression = None
    if "%" in arg or "$" in arg or "\\" in arg:
        # Imported here: only a value with %{...}, $N or a backslash is an expression.
        from .expr import STRING_RESULT, compile_cmd

        error, expression = compile_cmd(cmd, arg, STRING_RESULT)
    else:
        error = parse_string_expression(cmd, arg)
    if error:
        return f"Can't parse expression : {error}"
    mconfig.handler = arg
    mconfig.expr_handler = expression
    return None


def set_name_virtual_host(cmd, mconfig, arg: str) -> str | None:
    httpd = cmd.httpd
    if not httpd.extensions.get("namevirtualhost_warned"):
        httpd.extensions["namevirtualhost_warned"] = True
        httpd.startup(
            "AH00548: NameVirtualHost has no effect and will be removed in the next release "
            f"{cmd.directive.filename}:{cmd.directive.line_num}"
        )
    return None


# -- hooks ----------------------------------------------------------------------------------


def check_errorlog_dirs(httpd) -> bool:
    """core_check_config: the directory of every ErrorLog file must exist."""
    ok = True
    for server in [httpd.server_conf, *httpd.vhosts]:
        fname = server.error_fname
        if server is httpd.server_conf and fname is None:
            fname = httpd.layout.default_errorlog
        if not fname or fname.startswith("|") or fname == "syslog" or fname.startswith("syslog:"):
            continue
        path = httpd.server_root_relative(fname)
        directory = path[: path.rfind("/") + 1] if path else ""
        status = None
        try:
            if not os.path.isdir(directory):
                os.stat(directory)
                status = 20  # ENOTDIR
        except OSError as error:
            status = error.errno
        if status:
            what = "main error log"
            if server.defn_name:
                what = f"error log of vhost defined at {server.defn_name}:{server.defn_line_number}"
            httpd.startup(f"AH02291: Cannot access directory '{directory}' for {what}",
                          status, log.EMERG)
            httpd.record_error(f"AH02291: Cannot access directory '{directory}' for {what}")
            ok = False
    return ok


def dump_config(httpd) -> None:
    """core_dump_config: the run settings -S and -t -D DUMP_RUN_CFG print."""
    if not httpd.exists_config_define("DUMP_RUN_CFG"):
        return
    out = httpd.stdout
    server = httpd.server_conf
    config = server.module_config[CORE]
    out.write(f'ServerRoot: "{httpd.server_root}"\n')
    root = config.document_root or httpd.layout.document_location
    out.write(f'Main DocumentRoot: "{httpd.server_root_relative(root)}"\n')
    fname = server.error_fname or httpd.layout.default_errorlog
    if not (fname.startswith("|") or fname == "syslog" or fname.startswith("syslog:")):
        fname = httpd.server_root_relative(fname)
    out.write(f'Main ErrorLog: "{fname}"\n')
    for line in httpd.mutex_dump():
        out.write(line + "\n")
    pid = httpd.pid_fname or httpd.layout.default_pidlog
    out.write(f'PidFile: "{httpd.server_root_relative(pid)}"\n')
    for name in httpd.defines:
        value = httpd.defined_value(name)
        out.write(f"Define: {name}={value}\n" if value is not None else f"Define: {name}\n")



CORE = Module(
    "core_module",
    "core.c",
    # httpd's table (arity, override, context check, help) is the catalogue's; core
    # supplies the handlers of its directives (cmd.info is the second of a pair).
    handlers={
        "<Directory": dirsection,
        "<Location": urlsection,
        "<VirtualHost": virtualhost_section,
        "<Files": filesection,
        "<Limit": limit_section,
        "<LimitExcept": (limit_section, True),
        "<IfModule": (start_cond_section, test_ifmod),
        "<IfDefine": (start_cond_section, test_ifdefine),
        "<IfFile": (start_cond_section, test_iffile),
        "<IfDirective": (start_cond_section, test_ifdirective),
        "<IfSection": (start_cond_section, test_ifsection),
        "<DirectoryMatch": (dirsection, True),
        "<LocationMatch": (urlsection, True),
        "<FilesMatch": (filesection, True),
        "Define": set_define,
        "UnDefine": unset_define,
        "Error": generate_error,
        "<If": (ifsection, "if"),
        "<ElseIf": (ifsection, "elseif"),
        "<Else": (ifsection, "else"),
        "DocumentRoot": set_document_root,
        "ServerName": server_hostname_port,
        "ServerRoot": set_server_root,
        "DefaultRuntimeDir": set_runtime_dir,
        "ErrorLog": set_error_log,
        "ServerAlias": set_server_alias,
        "ServerAdmin": set_server_admin,
        "Include": include_config,
        "IncludeOptional": (include_config, True),
        "LogLevel": set_loglevel,
        "NameVirtualHost": set_name_virtual_host,
        "SetHandler": set_sethandler,
        "PidFile": set_pidfile,
        "Timeout": set_timeout,
        "Options": set_options,
        "Mutex": set_mutex,
        "ExtendedStatus": set_extended_status,
    },
    commands=[
        *REQUEST_LIMIT_COMMANDS,
        *CORE_VALUE_COMMANDS,
    ],
    hooks={
        "pre_config": register_loaded_modules,
        "check_config": check_errorlog_dirs,
        "test_config": Hook(dump_config, FIRST),
    },
    create_server_config=CoreServerConfig,
    create_dir_config=CoreDirConfig,
    merge_dir_config=merge_core_dir,
)
MODULE = CORE
