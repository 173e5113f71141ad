"""The heartmonitor command: httpd's command line, flags, outputs and exit codes.

The options themselves (httpd's and heartmonitor's --strict, --format json,
--watch-config, --build) are declared in heartmonitor.options; this is what -v, -V, -l
show and how a parsed command line runs.
"""

from __future__ import annotations

import gc
import io
import os
import stat
import sys

from . import HTTPD_VERSION, SERVER_BANNER, SERVER_BUILT, __version__, registry
from .diagnostics import report_json
from .layout import Layout, choose_configuration
from .lifecycle import configure, new_httpd
from .options import Options, Usage, parse_options, usage
from .readconfig import read_config, setup_prelinked_modules
from .server import RUN_CONFIG_DUMP, RUN_CONFIG_TEST

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (-t start-up)
if TYPE_CHECKING:
    from typing import TextIO


def show_version(stdout: TextIO) -> None:
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


def show_compile_settings(stdout: TextIO, layout: Layout, mpm: str = "") -> None:
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


def show_modules(stdout: TextIO, layout: Layout) -> None:
    stdout.write("Compiled in modules:\n")
    for stem in layout.static_modules:
        module = registry.find(stem)
        if module is not None:  # as setup_prelinked_modules: a stem with no module is skipped
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


# Set by a run that only read the configuration and wrote its answer (-t, -S, -M,
# -D DUMP_*) to the standard streams: nothing is left for the interpreter to tear down.
_only_read = [False]


def command() -> None:
    """The heartmonitor command (and python -m heartmonitor): main(), then the exit.

    After a run that only read the configuration, the process leaves without tearing
    the interpreter down: freeing the objects of a large configuration one by one would
    cost -t a sixth of its time, and no thread runs and no file but the standard
    streams is open."""
    code = main()
    if _only_read[0]:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):
            sys.exit(code)  # the ordinary exit reports a closed pipe as it always has
        os._exit(code)
    sys.exit(code)


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
        options = parse_options(argv, stderr)
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
    setup_prelinked_modules(httpd)
    read = read_config(httpd, options.confname or layout.server_config_file)
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
    _only_read[0] = options.run_mode in (RUN_CONFIG_TEST, RUN_CONFIG_DUMP) and (
        stderr is sys.stderr or json_output)
    return code


if __name__ == "__main__":
    sys.exit(main())
