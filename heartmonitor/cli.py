"""The heartmonitor command: httpd's command line, flags, outputs and exit codes.

Options are parsed like apr_getopt with httpd's option string, after the MPM has taken
-k off the command line (ap_mpm_rewrite_args). heartmonitor adds three long options:
--strict (also run the checks httpd only makes at start-up, and suggest directives for
typos), --format json (diagnostics as JSON on stdout) and --watch-config (graceful restart
when a configuration file changes).
"""

from __future__ import annotations

import gc
import io
import os
import stat
import sys

from . import HTTPD_VERSION, SERVER_BANNER, SERVER_BUILT, __version__, log, registry
from .diagnostics import report_json
from .layout import Layout, choose_configuration
from .lifecycle import configure, new_httpd
from .server import RUN_CONFIG_DUMP, RUN_CONFIG_TEST, RUN_NORMAL

BASEARGS = "C:c:D:d:E:e:f:vVlLtTSMh?X"
K_ARGS = ("start", "stop", "restart", "graceful", "graceful-stop")
BUILDS = ("debian", "upstream")


class Usage(Exception):
    """Show the usage text and exit 1.

    From getopt it carries the options parsed so far and the index of the bad argument.
    """

    def __init__(self, found=None, index: int = 0, extra: bool = False) -> None:
        super().__init__()
        self.found = found or []
        self.index = index
        self.extra = extra


class Options:
    def __init__(self) -> None:
        self.argv0 = "heartmonitor"
        self.defines: list[str] = []
        self.server_root: str | None = None
        self.confname: str | None = None
        self.pre: list[str] = []
        self.post: list[str] = []
        self.run_mode = None
        self.loglevel = log.WARNING
        self.error_log: str | None = None
        self.show_directives = False
        self.show_compile = False
        self.document_root_check = True
        self.dash_k: str | None = None
        self.strict = False
        self.format = "text"
        self.watch_config = False
        self.immediate: str | None = None
        self.argv: list[str] = []
        self.command_line: list[str] = []  # argv as the MPM rewrote it (without -k)
        self.build = "debian"
        self.bin_name = "heartmonitor"
        self.layout: Layout | None = None


def getopt(argv: list[str], optstring: str, errors) -> tuple[list[tuple[str, str | None]], int]:
    """apr_getopt over argv[1:]: ([(option, argument)], index of the first operand).

    Raises Usage for an unknown option or a missing argument, after telling `errors`
    (when given) in apr_getopt's words.
    """
    found: list[tuple[str, str | None]] = []
    index = 1
    program = os.path.basename(argv[0])
    while index < len(argv):
        arg = argv[index]
        if not arg.startswith("-") or arg == "-":
            break
        if arg == "--":
            index += 1
            break
        pos = 1
        while pos < len(arg):
            ch = arg[pos]
            spec = optstring.find(ch)
            if spec < 0 or ch == ":":
                if errors:
                    errors(f"{program}: illegal option -- {ch}\n")
                raise Usage(found, index)
            if optstring[spec + 1 : spec + 2] == ":":
                if pos + 1 < len(arg):
                    value = arg[pos + 1 :]
                elif index + 1 < len(argv):
                    index += 1
                    value = argv[index]
                else:
                    if errors:
                        errors(f"{program}: option requires an argument -- {ch}\n")
                    raise Usage(found, index)
                found.append((ch, value))
                break
            found.append((ch, None))
            pos += 1
        index += 1
    return found, index


def parse_options(argv: list[str], stdout, stderr) -> Options:
    options = Options()
    args = [argv[0]]
    rest = iter(argv[1:])
    for arg in rest:
        if arg == "--strict":
            options.strict = True
        elif arg == "--watch-config":
            options.watch_config = True
        elif arg.startswith("--format="):
            options.format = arg.split("=", 1)[1]
        elif arg == "--format":
            options.format = next(rest, "text")
        elif arg == "--help":
            raise Usage(extra=True)
        elif arg.startswith("--build="):
            options.build = arg.split("=", 1)[1]
        elif arg == "--build":
            options.build = next(rest, "")
        else:
            args.append(arg)
    if options.format not in ("text", "json") or options.build not in BUILDS:
        raise Usage()

    # ap_mpm_rewrite_args: take a valid -k off the command line.
    kept = [args[0]]
    try:
        found, end = getopt(args, "k:" + BASEARGS, None)
    except Usage as bad:
        found, end = bad.found, bad.index
    for option, value in found:
        if option == "k" and options.dash_k is None and value in K_ARGS:
            options.dash_k = value
            continue
        kept.append("-" + option)
        if value is not None:
            kept.append(value)
    kept.extend(args[end:])
    options.command_line = list(kept)

    found, end = getopt(kept, BASEARGS, stderr.write)
    for option, value in found:
        handle_option(options, option, value, stdout)
        if options.immediate is not None:
            return options
    if end < len(kept):
        raise Usage()
    if options.run_mode is None:
        options.run_mode = RUN_NORMAL
    return options


def handle_option(options: Options, option: str, value: str | None, stdout) -> None:
    if option == "c":
        options.post.append(value)
    elif option == "C":
        options.pre.append(value)
    elif option == "d":
        options.server_root = value
    elif option == "D":
        options.defines.append(value)
        if value in ("DUMP_VHOSTS", "DUMP_RUN_CFG", "DUMP_MODULES", "DUMP_INCLUDES",
                     "DUMP_HEARTBEATS"):
            options.run_mode = RUN_CONFIG_DUMP
    elif option == "e":
        level = log.parse_level(value)
        if level is None:
            raise Usage()
        options.loglevel = level
    elif option == "E":
        options.error_log = value
    elif option == "X":
        options.defines.append("DEBUG")
    elif option == "f":
        options.confname = value
    elif option == "v":
        options.immediate = "version"
    elif option == "l":
        options.immediate = "modules"
    elif option == "V":
        # Debian's MPM is a loaded module: -V reads the configuration first (main.c).
        options.show_compile = True
        options.run_mode = RUN_CONFIG_DUMP
    elif option == "L":
        options.run_mode = RUN_CONFIG_DUMP
        options.show_directives = True
    elif option == "t":
        if options.run_mode is None:
            options.run_mode = RUN_CONFIG_TEST
    elif option == "T":
        options.document_root_check = False
    elif option == "S":
        options.run_mode = RUN_CONFIG_DUMP
        options.defines += ["DUMP_VHOSTS", "DUMP_RUN_CFG"]
    elif option == "M":
        options.run_mode = RUN_CONFIG_DUMP
        options.defines.append("DUMP_MODULES")
    elif option in ("h", "?"):
        raise Usage()


USAGE_OPTIONS = [
    "Options:",
    "  -D name            : define a name for use in <IfDefine name> directives",
    "  -d directory       : specify an alternate initial ServerRoot",
    "  -f file            : specify an alternate ServerConfigFile",
    '  -C "directive"     : process directive before reading config files',
    '  -c "directive"     : process directive after reading config files',
    "  -e level           : show startup errors of level (see LogLevel)",
    "  -E file            : log startup errors to file",
    "  -v                 : show version number",
    "  -V                 : show compile settings",
    "  -h                 : list available command line options (this page)",
    "  -l                 : list compiled in modules",
    "  -L                 : list available configuration directives",
    "  -t -D DUMP_VHOSTS  : show parsed vhost settings",
    "  -t -D DUMP_RUN_CFG : show parsed run settings",
    "  -S                 : a synonym for -t -D DUMP_VHOSTS -D DUMP_RUN_CFG",
    "  -t -D DUMP_MODULES : show all loaded modules ",
    "  -M                 : a synonym for -t -D DUMP_MODULES",
    "  -t -D DUMP_INCLUDES: show all included configuration files",
    "  -t                 : run syntax check for config files",
    "  -T                 : start without DocumentRoot(s) check",
    "  -X                 : debug mode (only one worker, do not detach)",
]
EXTRA_OPTIONS = [
    "heartmonitor also takes:",
    "  -t -D DUMP_HEARTBEATS: show the heartbeat table as a balancer reads it",
    "  --strict           : with -t, also run the checks httpd makes only at start-up",
    "  --format json      : with -t, print the diagnostics as JSON on standard output",
    "  --watch-config     : graceful restart when a configuration file changes",
    "  --build upstream   : behave like an upstream build (only core, mod_so and http_core",
    "                       compiled in; mod_watchdog must be loaded) instead of Debian's",
    "  --help             : this page",
]


def usage(bin_name: str, stderr, extra: bool = False) -> int:
    """httpd's usage text (-h) on stderr, exit 1; --help adds heartmonitor's options."""
    pad = " " * len(bin_name)
    lines = [
        f"Usage: {bin_name} [-D name] [-d directory] [-f file]",
        f"       {pad} [-C \"directive\"] [-c \"directive\"]",
        f"       {pad} [-k start|restart|graceful|graceful-stop|stop]",
        f"       {pad} [-v] [-V] [-h] [-l] [-L] [-t] [-T] [-S] [-X]",
        *USAGE_OPTIONS,
        *(EXTRA_OPTIONS if extra else []),
    ]
    stderr.write("".join(line + "\n" for line in lines))
    return 1


def show_version(stdout) -> None:
    stdout.write(f"Server version: {SERVER_BANNER}\n")
    stdout.write(f"Server built:   {SERVER_BUILT}\n")


# What ap_mpm_query answers for AP_MPMQ_IS_THREADED and AP_MPMQ_IS_FORKED, per MPM.
MPM_SHAPES = {
    "event": ("yes (fixed thread count)", "yes (variable process count)"),
    "worker": ("yes (fixed thread count)", "yes (variable process count)"),
    "prefork": ("no", "yes (variable process count)"),
}
# The -D lines of Debian's build that precede DYNAMIC_MODULE_LIMIT.
BUILD_DEFINES = (
    "APR_HAS_SENDFILE", "APR_HAS_MMAP", "APR_HAVE_IPV6 (IPv4-mapped addresses enabled)",
    "APR_USE_PROC_PTHREAD_SERIALIZE", "APR_USE_PTHREAD_SERIALIZE",
    "SINGLE_LISTEN_UNSERIALIZED_ACCEPT", "APR_HAS_OTHER_CHILD", "AP_HAVE_RELIABLE_PIPED_LOGS",
)


def show_compile_settings(stdout, layout: Layout, mpm: str = "") -> None:
    """main.c's show_compile_settings, for the MPM the configuration loaded ("" if none)."""
    show_version(stdout)
    stdout.write("Server's Module Magic Number: 20120211:142\n")
    py = sys.version.split()[0]
    stdout.write(f"Server loaded:  Python {py}, heartmonitor {__version__}\n")
    stdout.write(f"Compiled using: Python {py}, httpd {HTTPD_VERSION} behaviour\n")
    stdout.write("Architecture:   64-bit\n")
    stdout.write(f"Server MPM:     {mpm}\n")
    if mpm in MPM_SHAPES:
        threaded, forked = MPM_SHAPES[mpm]
        stdout.write(f"  threaded:     {threaded}\n")
        stdout.write(f"    forked:     {forked}\n")
    stdout.write("Server compiled with....\n")
    for define in BUILD_DEFINES:
        stdout.write(f" -D {define}\n")
    stdout.write(f" -D DYNAMIC_MODULE_LIMIT={layout.dynamic_module_limit}\n")
    stdout.write(f' -D HTTPD_ROOT="{layout.httpd_root}"\n')
    stdout.write(f' -D SUEXEC_BIN="{layout.suexec_bin}"\n')
    stdout.write(f' -D DEFAULT_PIDLOG="{layout.default_pidlog}"\n')
    stdout.write(f' -D DEFAULT_SCOREBOARD="{layout.default_scoreboard}"\n')
    stdout.write(f' -D DEFAULT_ERRORLOG="{layout.default_errorlog}"\n')
    stdout.write(f' -D AP_TYPES_CONFIG_FILE="{layout.types_config_file}"\n')
    stdout.write(f' -D SERVER_CONFIG_FILE="{layout.server_config_file}"\n')


def show_modules(stdout, layout: Layout) -> None:
    stdout.write("Compiled in modules:\n")
    for stem in layout.static_modules:
        module = registry.find(stem)
        stdout.write(f"  {module.source}\n")


RUNDIR_VARIABLE = "HEARTMONITOR_RUNDIR"


def default_runtime_dir() -> None:
    """Give the embedded configuration a private, writable runtime directory.

    $XDG_RUNTIME_DIR/heartmonitor, else /tmp/heartmonitor-<uid>; created mode 0755 (as
    Debian's /var/run/apache2: a balancer's children running as another user read the
    hb.dat in it) and used only when it is a directory of ours that nobody else can write to.
    """
    if os.environ.get(RUNDIR_VARIABLE):
        return
    base = os.environ.get("XDG_RUNTIME_DIR")
    if base and os.path.isdir(base):
        path = os.path.join(base, "heartmonitor")
    else:
        path = f"/tmp/heartmonitor-{os.getuid()}"
    try:
        os.mkdir(path, 0o755)
        os.chmod(path, 0o755)  # whatever the umask
    except FileExistsError:
        pass
    except OSError:
        return
    try:
        info = os.lstat(path)
    except OSError:
        return

    if stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o022:
        os.environ[RUNDIR_VARIABLE] = path


def main(argv: list[str] | None = None) -> int:
    # Includes nest up to 128 files deep, each a dozen frames of the reader.
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 8000))
    # Reading a configuration creates many objects and frees none: the cyclic
    # collector would only slow it down. Serving re-enables it (heartmonitor.serve).

    gc.disable()
    argv = list(sys.argv if argv is None else argv)
    stdout, stderr = sys.stdout, sys.stderr
    bin_name = os.path.basename(argv[0]) if argv and argv[0] else "heartmonitor"
    if bin_name in ("__main__.py", "-c", "-m", ""):
        bin_name = argv[0] = "heartmonitor"
    try:
        options = parse_options(argv, stdout, stderr)
    except Usage as bad:
        return usage(argv[0], stderr, bad.extra)
    options.argv = argv
    layout = Layout(build=options.build)
    options.server_root, options.confname = choose_configuration(
        options.confname, options.server_root, os.environ
    )
    default_runtime_dir()
    if options.immediate == "version":
        show_version(stdout)
        return 0
    if options.immediate == "modules":
        show_modules(stdout, layout)
        return 0
    try:
        if options.show_compile:
            return compile_settings_after_reading(options, layout, bin_name)
        return run(options, layout, bin_name)
    except KeyboardInterrupt:
        return 1
    except BrokenPipeError:
        return 1
    except SystemExit as stop:  # httpd's exit(1) inside a handler (ap_uname2id)
        return stop.code if isinstance(stop.code, int) else 1


def compile_settings_after_reading(options: Options, layout: Layout, bin_name: str) -> int:
    """-V: read the configuration (its LoadModule lines name the MPM), then show the
    settings; when reading fails, show them all the same and exit 1, as httpd does."""
    options.bin_name = bin_name
    options.layout = layout
    httpd = new_httpd(options, stderr=sys.stderr, stdout=sys.stdout)
    httpd.setup_prelinked_modules()
    read = httpd.read_config(options.confname or layout.server_config_file)
    mpm = httpd.mpms[0].identifier[len("mpm_"):-len("_module")] if httpd.mpms else ""
    show_compile_settings(sys.stdout, layout, mpm)
    return 0 if read else 1


def run(options: Options, layout: Layout, bin_name: str) -> int:
    stdout, stderr = sys.stdout, sys.stderr
    json_output = options.format == "json"
    if json_output:
        stderr = io.StringIO()
    if options.error_log:
        try:
            stderr = open(options.error_log, "a")  # noqa: SIM115 - lives for the process
        except OSError:
            pass
    options.bin_name = bin_name
    options.layout = layout
    httpd = new_httpd(options, stderr=stderr, stdout=stdout)
    code = configure(httpd, options)
    if json_output:
        report_json(httpd, code, stdout)
    return code


if __name__ == "__main__":
    sys.exit(main())
