"""httpd's command-line options, declared once: one table drives getopt, handling and usage.

Options are parsed like apr_getopt with httpd's option string, after the MPM has taken
-k off the command line (ap_mpm_rewrite_args). heartmonitor's own long options (--strict,
--format json, --watch-config, --build, --help) come from a second table and are taken
off the command line first; `--help` adds their lines to httpd's usage text.
"""

from __future__ import annotations

import os

from . import log
from .layout import Layout
from .server import RUN_CONFIG_DUMP, RUN_CONFIG_TEST, RUN_NORMAL

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (-t start-up)
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import TextIO

K_ARGS = ("start", "stop", "restart", "graceful", "graceful-stop")
BUILDS = ("debian", "upstream")
FORMATS = ("text", "json")
# The defines that make -t dump instead of test (main.c; DUMP_HEARTBEATS is heartmonitor's).
DUMP_DEFINES = ("DUMP_VHOSTS", "DUMP_RUN_CFG", "DUMP_MODULES", "DUMP_INCLUDES",
                "DUMP_HEARTBEATS")


class Usage(Exception):
    """Show the usage text and exit 1.

    From getopt it carries the options parsed so far and the index of the bad argument.
    """

    def __init__(self, found: list[tuple[str, str | None]] | None = None, index: int = 0,
                 extra: bool = False) -> None:
        super().__init__()
        self.found = found or []
        self.index = index
        self.extra = extra


class Options:
    """What the command line asks for."""

    def __init__(self) -> None:
        self.argv0 = "heartmonitor"
        self.defines: list[str] = []
        self.server_root: str | None = None
        self.confname: str | None = None
        self.pre: list[str] = []
        self.post: list[str] = []
        self.run_mode: str | None = None
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


if TYPE_CHECKING:
    # handle(options, argument): the argument is "" for an option that takes none.
    Handler = Callable[[Options, str], None]


class Option:
    """One option: its name (a letter for httpd's, a word for --long ones), whether it
    takes an argument, its lines in the usage text ((form, text) pairs; a text of several
    lines continues under the first) and what it does."""

    # A plain class: a dataclass imports inspect, more than -t's whole reading costs.
    __slots__ = ("name", "takes_argument", "help", "handle")

    def __init__(self, name: str, takes_argument: bool, help: tuple[tuple[str, str], ...],
                 handle: Handler) -> None:
        self.name = name
        self.takes_argument = takes_argument
        self.help = help
        self.handle = handle


def _define(options: Options, name: str) -> None:
    options.defines.append(name)
    if name in DUMP_DEFINES:
        options.run_mode = RUN_CONFIG_DUMP


def _server_root(options: Options, directory: str) -> None:
    options.server_root = directory


def _config_file(options: Options, name: str) -> None:
    options.confname = name


def _before_config(options: Options, directive: str) -> None:
    options.pre.append(directive)


def _after_config(options: Options, directive: str) -> None:
    options.post.append(directive)


def _startup_level(options: Options, name: str) -> None:
    level = log.parse_level(name)
    if level is None:
        raise Usage()
    options.loglevel = level


def _startup_log(options: Options, name: str) -> None:
    options.error_log = name


def _version(options: Options, _none: str) -> None:
    options.immediate = "version"


def _compile_settings(options: Options, _none: str) -> None:
    # Debian's MPM is a loaded module: -V reads the configuration first (main.c).
    options.show_compile = True
    options.run_mode = RUN_CONFIG_DUMP


def _usage(options: Options, _none: str) -> None:
    raise Usage()


def _compiled_modules(options: Options, _none: str) -> None:
    options.immediate = "modules"


def _directives(options: Options, _none: str) -> None:
    options.run_mode = RUN_CONFIG_DUMP
    options.show_directives = True


def _vhosts_and_run_settings(options: Options, _none: str) -> None:
    options.run_mode = RUN_CONFIG_DUMP
    options.defines += ["DUMP_VHOSTS", "DUMP_RUN_CFG"]


def _loaded_modules(options: Options, _none: str) -> None:
    options.run_mode = RUN_CONFIG_DUMP
    options.defines.append("DUMP_MODULES")


def _syntax_check(options: Options, _none: str) -> None:
    if options.run_mode is None:
        options.run_mode = RUN_CONFIG_TEST


def _no_document_root_check(options: Options, _none: str) -> None:
    options.document_root_check = False


def _debug(options: Options, _none: str) -> None:
    options.defines.append("DEBUG")


# httpd's options in the order of its usage text (main.c, usage()).
OPTIONS = (
    Option("D", True, (("-D name", "define a name for use in <IfDefine name> directives"),),
           _define),
    Option("d", True, (("-d directory", "specify an alternate initial ServerRoot"),),
           _server_root),
    Option("f", True, (("-f file", "specify an alternate ServerConfigFile"),), _config_file),
    Option("C", True, (('-C "directive"', "process directive before reading config files"),),
           _before_config),
    Option("c", True, (('-c "directive"', "process directive after reading config files"),),
           _after_config),
    Option("e", True, (("-e level", "show startup errors of level (see LogLevel)"),),
           _startup_level),
    Option("E", True, (("-E file", "log startup errors to file"),), _startup_log),
    Option("v", False, (("-v", "show version number"),), _version),
    Option("V", False, (("-V", "show compile settings"),), _compile_settings),
    Option("h", False, (("-h", "list available command line options (this page)"),), _usage),
    Option("l", False, (("-l", "list compiled in modules"),), _compiled_modules),
    Option("L", False, (("-L", "list available configuration directives"),), _directives),
    Option("S", False, (("-t -D DUMP_VHOSTS", "show parsed vhost settings"),
                        ("-t -D DUMP_RUN_CFG", "show parsed run settings"),
                        ("-S", "a synonym for -t -D DUMP_VHOSTS -D DUMP_RUN_CFG")),
           _vhosts_and_run_settings),
    Option("M", False, (("-t -D DUMP_MODULES", "show all loaded modules "),
                        ("-M", "a synonym for -t -D DUMP_MODULES")), _loaded_modules),
    Option("t", False, (("-t -D DUMP_INCLUDES", "show all included configuration files"),
                        ("-t", "run syntax check for config files")), _syntax_check),
    Option("T", False, (("-T", "start without DocumentRoot(s) check"),),
           _no_document_root_check),
    Option("X", False, (("-X", "debug mode (only one worker, do not detach)"),), _debug),
    Option("?", False, (), _usage),
)
BY_LETTER = {option.name: option for option in OPTIONS}
# apr_getopt's option string: a letter, then ':' when it takes an argument.
OPTSTRING = "".join(option.name + (":" if option.takes_argument else "") for option in OPTIONS)
# ap_mpm_rewrite_args reads -k before the others (the MPM's option).
MPM_OPTSTRING = "k:" + OPTSTRING


def _strict(options: Options, _none: str) -> None:
    options.strict = True


def _output_format(options: Options, name: str) -> None:
    options.format = name


def _watch_config(options: Options, _none: str) -> None:
    options.watch_config = True


def _build(options: Options, name: str) -> None:
    options.build = name


def _help(options: Options, _none: str) -> None:
    raise Usage(extra=True)


# heartmonitor's own options, taken off the command line before getopt sees it.
LONG_OPTIONS = (
    Option("strict", False,
           (("--strict", "with -t, also run the checks httpd makes only at start-up"),),
           _strict),
    Option("format", True,
           (("--format json", "with -t, print the diagnostics as JSON on standard output"),),
           _output_format),
    Option("watch-config", False,
           (("--watch-config", "graceful restart when a configuration file changes"),),
           _watch_config),
    Option("build", True,
           (("--build upstream", "behave like an upstream build (only core, mod_so and "
             "http_core\ncompiled in; mod_watchdog must be loaded) instead of Debian's"),),
           _build),
    Option("help", False, (("--help", "this page"),), _help),
)
BY_WORD = {option.name: option for option in LONG_OPTIONS}
# Defaults of the long options whose argument is missing at the end of the command line.
MISSING_ARGUMENT = {"format": "text", "build": ""}


def getopt(argv: list[str], optstring: str, errors: Callable[[str], object] | None
           ) -> tuple[list[tuple[str, str | None]], int]:
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


def _take_long_options(argv: list[str], options: Options) -> list[str]:
    """Handle heartmonitor's --options (--name, --name value, --name=value); the rest."""
    args = [argv[0]]
    rest: Iterator[str] = iter(argv[1:])
    for arg in rest:
        name, equals, value = arg[2:].partition("=") if arg.startswith("--") else ("", "", "")
        option = BY_WORD.get(name)
        if option is None or (equals and not option.takes_argument):
            args.append(arg)
        elif option.takes_argument and not equals:
            option.handle(options, next(rest, MISSING_ARGUMENT[name]))
        else:
            option.handle(options, value)
    if options.format not in FORMATS or options.build not in BUILDS:
        raise Usage()
    return args


def _take_dash_k(args: list[str], options: Options) -> list[str]:
    """ap_mpm_rewrite_args: the command line without a valid -k (kept in options)."""
    kept = [args[0]]
    try:
        found, end = getopt(args, MPM_OPTSTRING, None)
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
    return kept


def parse_options(argv: list[str], stderr: TextIO) -> Options:
    """The command line as httpd's main() reads it; Usage when usage() would be shown."""
    options = Options()
    kept = _take_dash_k(_take_long_options(argv, options), options)
    options.command_line = list(kept)
    found, end = getopt(kept, OPTSTRING, stderr.write)
    for letter, value in found:
        BY_LETTER[letter].handle(options, value or "")
        if options.immediate is not None:
            return options
    if end < len(kept):
        raise Usage()
    if options.run_mode is None:
        options.run_mode = RUN_NORMAL
    return options


def _help_lines(option: Option) -> list[str]:
    lines = []
    for form, text in option.help:
        first, *more = text.split("\n")
        lines.append(f"  {form:<19}: {first}")
        lines.extend(" " * 23 + line for line in more)
    return lines


def usage(bin_name: str, stderr: TextIO, extra: bool = False) -> int:
    """httpd's usage text (-h) on stderr, exit 1; --help adds heartmonitor's options."""
    pad = " " * len(bin_name)
    lines = [
        f"Usage: {bin_name} [-D name] [-d directory] [-f file]",
        f"       {pad} [-C \"directive\"] [-c \"directive\"]",
        f"       {pad} [-k start|restart|graceful|graceful-stop|stop]",
        f"       {pad} [-v] [-V] [-h] [-l] [-L] [-t] [-T] [-S] [-X]",
        "Options:",
    ]
    for option in OPTIONS:
        lines += _help_lines(option)
    if extra:
        lines += ["heartmonitor also takes:",
                  "  -t -D DUMP_HEARTBEATS: show the heartbeat table as a balancer reads it"]
        for option in LONG_OPTIONS:
            lines += _help_lines(option)
    stderr.write("".join(line + "\n" for line in lines))
    return 1
