"""Running the configuration tree through the command table (ap_walk_config, invoke_cmd).

invoke_cmd checks that the directive may appear where it stands (req_override against
the current override), splits its arguments with the splitter of its cmd_how (httpd's
exact messages for a wrong count), applies the context check its declaration carries
(ap_check_cmd_context with the catalogue's mask: GLOBAL_ONLY and friends), and calls the
handler. Handlers of hand-declared commands may still call check_cmd_context themselves.
"""

from __future__ import annotations

from ..cstr import ascii_lower
from ..server import Httpd
from .command import (
    DECLINE_CMD,
    EXEC_ON_READ,
    FLAG,
    ITERATE,
    ITERATE2,
    NO_ARGS,
    NONFATAL_OVERRIDE,
    NONFATAL_UNKNOWN,
    NOT_IN_DIR_LOC_FILE,
    NOT_IN_DIRECTORY,
    NOT_IN_FILES,
    NOT_IN_HTACCESS,
    NOT_IN_LIMIT,
    NOT_IN_LOCATION,
    NOT_IN_PROXY,
    NOT_IN_VIRTUALHOST,
    RAW_ARGS,
    TAKE1,
    TAKE2,
    TAKE3,
    TAKE12,
    TAKE13,
    TAKE23,
    TAKE123,
    TAKE_ARGV,
    Command,
)
from .parms import CmdParms, ConfigVector
from .tree import Directive
from .words import getword_conf

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (-t start-up)
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any

    Calls = list[tuple[Any, ...]]

AP_MAX_ARGC = 64

# Characters after which str.split() no longer matches ap_getword_conf.
_PLAIN_UNSAFE = frozenset("\"'\\\x1c\x1d\x1e\x1f")


class Words:
    """Successive ap_getword_conf calls over an argument string."""

    __slots__ = ("text", "pos")

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def next(self) -> str:
        word, self.pos = getword_conf(self.text, self.pos)
        return word

    @property
    def rest(self) -> bool:
        """True while something is left (C: *args != '\\0')."""
        return self.pos < len(self.text)


def _usage(cmd: Command, what: str) -> str:
    help_text = cmd.help
    return f"{cmd.name} {what}, {help_text}" if help_text is not None else f"{cmd.name} {what}"


# -- argument splitters (one per cmd_how) ---------------------------------------------------
# Each takes the directive and its argument text and answers either httpd's message for a
# wrong count (a str) or the argument tuples to call the handler with (ITERATE: several).


def _raw_args(cmd: Command, args: str) -> str | Calls:
    return [(args,)]


def _take1(cmd: Command, args: str) -> str | Calls:
    words = Words(args)
    w = words.next()
    if not w or words.rest:
        return _usage(cmd, "takes one argument")
    return [(w,)]


def _take_argv(cmd: Command, args: str) -> str | Calls:
    words = Words(args)
    argv: list[str] = []
    while True:
        w = words.next()
        if not w and not words.rest:
            break
        argv.append(w)
        if len(argv) >= AP_MAX_ARGC or not words.rest:
            break
    return [(argv,)]


def _no_args(cmd: Command, args: str) -> str | Calls:
    return f"{cmd.name} takes no arguments" if args else [()]


def _take2(cmd: Command, args: str) -> str | Calls:
    words = Words(args)
    w, w2 = words.next(), words.next()
    if not w or not w2 or words.rest:
        return _usage(cmd, "takes two arguments")
    return [(w, w2)]


def _take12(cmd: Command, args: str) -> str | Calls:
    words = Words(args)
    w, w2 = words.next(), words.next()
    if not w or words.rest:
        return _usage(cmd, "takes 1-2 arguments")
    return [(w, w2 or None)]


def _take3(cmd: Command, args: str) -> str | Calls:
    words = Words(args)
    w, w2, w3 = words.next(), words.next(), words.next()
    if not w or not w2 or not w3 or words.rest:
        return _usage(cmd, "takes three arguments")
    return [(w, w2, w3)]


def _take23(cmd: Command, args: str) -> str | Calls:
    words = Words(args)
    w, w2 = words.next(), words.next()
    w3 = words.next() if words.rest else None
    if not w or not w2 or words.rest:
        return _usage(cmd, "takes two or three arguments")
    return [(w, w2, w3)]


def _take123(cmd: Command, args: str) -> str | Calls:
    words = Words(args)
    w = words.next()
    w2 = words.next() if words.rest else None
    w3 = words.next() if words.rest else None
    if not w or words.rest:
        return _usage(cmd, "takes one, two or three arguments")
    return [(w, w2, w3)]


def _take13(cmd: Command, args: str) -> str | Calls:
    words = Words(args)
    w = words.next()
    w2 = words.next() if words.rest else None
    w3 = words.next() if words.rest else None
    if not w or (w2 and w3 is None) or words.rest:
        return _usage(cmd, "takes one or three arguments")
    return [(w, w2, w3)]


def _iterate(cmd: Command, args: str) -> str | Calls:
    words = Words(args)
    w = words.next()
    if not w:
        return _usage(cmd, "requires at least one argument")
    calls: Calls = []
    while w:
        calls.append((w,))
        w = words.next()
    return calls


def _iterate2(cmd: Command, args: str) -> str | Calls:
    words = Words(args)
    w = words.next()
    if not w or not words.rest:
        return _usage(cmd, "requires at least two arguments")
    calls: Calls = []
    while True:
        w2 = words.next()
        if not w2:
            return calls
        calls.append((w, w2))


def _flag(cmd: Command, args: str) -> str | Calls:
    w = Words(args).next()
    lower = ascii_lower(w)
    if not w or lower not in ("on", "off"):
        return f"{cmd.name} must be On or Off"
    return [(lower != "off",)]


SPLITTERS: dict[int, Callable[[Command, str], str | Calls]] = {
    RAW_ARGS: _raw_args, TAKE1: _take1, TAKE2: _take2, ITERATE: _iterate,
    ITERATE2: _iterate2, FLAG: _flag, NO_ARGS: _no_args, TAKE12: _take12, TAKE3: _take3,
    TAKE23: _take23, TAKE123: _take123, TAKE13: _take13, TAKE_ARGV: _take_argv,
}


# The same rules over the words str.split() found: for an ASCII argument text without
# quotes, backslashes or \x1c-\x1f, ap_getword_conf finds exactly those words, none
# empty, so counting them is all the splitters above do (most lines take this way).
def _plain_take1(cmd: Command, w: list[str]) -> str | Calls:
    return [(w[0],)] if len(w) == 1 else _usage(cmd, "takes one argument")


def _plain_take2(cmd: Command, w: list[str]) -> str | Calls:
    return [(w[0], w[1])] if len(w) == 2 else _usage(cmd, "takes two arguments")


def _plain_take12(cmd: Command, w: list[str]) -> str | Calls:
    count = len(w)
    if count == 1:
        return [(w[0], None)]
    return [(w[0], w[1])] if count == 2 else _usage(cmd, "takes 1-2 arguments")


def _plain_take3(cmd: Command, w: list[str]) -> str | Calls:
    return [(w[0], w[1], w[2])] if len(w) == 3 else _usage(cmd, "takes three arguments")


def _plain_take23(cmd: Command, w: list[str]) -> str | Calls:
    count = len(w)
    if count == 2:
        return [(w[0], w[1], None)]
    return [(w[0], w[1], w[2])] if count == 3 else _usage(cmd, "takes two or three arguments")


def _plain_take123(cmd: Command, w: list[str]) -> str | Calls:
    count = len(w)
    if not 1 <= count <= 3:
        return _usage(cmd, "takes one, two or three arguments")
    return [(w[0], w[1] if count > 1 else None, w[2] if count > 2 else None)]


def _plain_take13(cmd: Command, w: list[str]) -> str | Calls:
    count = len(w)
    if count == 1:
        return [(w[0], None, None)]
    return [(w[0], w[1], w[2])] if count == 3 else _usage(cmd, "takes one or three arguments")


def _plain_iterate(cmd: Command, w: list[str]) -> str | Calls:
    return [(word,) for word in w] if w else _usage(cmd, "requires at least one argument")


def _plain_iterate2(cmd: Command, w: list[str]) -> str | Calls:
    if len(w) < 2:
        return _usage(cmd, "requires at least two arguments")
    first = w[0]
    return [(first, word) for word in w[1:]]


def _plain_flag(cmd: Command, w: list[str]) -> str | Calls:
    lower = w[0].lower() if w else ""
    if lower not in ("on", "off"):
        return f"{cmd.name} must be On or Off"
    return [(lower != "off",)]


def _plain_take_argv(cmd: Command, w: list[str]) -> str | Calls:
    return [(w[:AP_MAX_ARGC],)]


# NO_ARGS and RAW_ARGS look at the text itself ("  " is an argument to NO_ARGS).
PLAIN_SPLITTERS: dict[int, Callable[[Command, list[str]], str | Calls]] = {
    TAKE1: _plain_take1, TAKE2: _plain_take2, ITERATE: _plain_iterate,
    ITERATE2: _plain_iterate2, FLAG: _plain_flag, TAKE12: _plain_take12,
    TAKE3: _plain_take3, TAKE23: _plain_take23, TAKE123: _plain_take123,
    TAKE13: _plain_take13, TAKE_ARGV: _plain_take_argv,
}


def _override_refused(httpd: Httpd, cmd: Command, parms: CmdParms) -> str | None:
    """The directive may not appear here: httpd's message ("" when only logged)."""
    if parms.override & cmd.override:
        return None
    if parms.override_list is not None and cmd.name in parms.override_list:
        return None
    if parms.override & NONFATAL_OVERRIDE:
        httpd.log_startup_error(
            "core", 4, f"AH02295: {cmd.name} in .htaccess forbidden by AllowOverride"
        )
        return ""
    directive = parms.directive
    if directive is not None and directive.parent is not None:
        return f"{cmd.name} not allowed in {directive.parent.directive}> context"
    return f"{cmd.name} not allowed here"


def invoke_cmd(httpd: Httpd, cmd: Command, parms: CmdParms, mconfig: Any,
               args: str) -> str | None:
    """Check where it stands, split the arguments per cmd_how, call the handler (per
    argument for ITERATE); httpd's messages."""
    if not parms.override & cmd.override:
        refused = _override_refused(httpd, cmd, parms)
        if refused is not None:
            return refused or None
    parms.info = cmd.data
    parms.cmd = cmd
    how = cmd.how
    if how == RAW_ARGS:
        calls: str | Calls = [(args,)]
    else:
        plain = (PLAIN_SPLITTERS.get(how) if args.isascii() and _PLAIN_UNSAFE.isdisjoint(args)
                 else None)
        if plain is not None:
            calls = plain(cmd, args.split())
        else:
            split = SPLITTERS.get(how)
            if split is None:
                return f"{cmd.name} is improperly configured internally (server bug)"
            calls = split(cmd, args)
    if isinstance(calls, str):
        return calls
    # The declaration's context check, then the handler (inline: every Include level
    # costs stack frames, and the include depth a configuration may reach with them).
    forbidden = cmd.forbidden
    handler = cmd.handler
    error = None
    for call in calls:
        if forbidden:
            error = check_cmd_context(parms, forbidden)
            if error is not None:
                return error
        if handler is not None:
            error = handler(parms, mconfig, *call)
            if error is not None and error != DECLINE_CMD:
                return error
    return error


def walk_config(httpd: Httpd, nodes: Iterable[Directive], parms: CmdParms,
                section_vector: ConfigVector) -> str | None:
    """ap_walk_config: run each directive of a level; stop at the first error."""
    old_context = parms.context
    parms.context = section_vector
    try:
        for node in nodes:
            parms.directive = node
            error = walk_config_sub(httpd, node, parms, section_vector)
            if error is not None:
                return error
        return None
    finally:
        parms.context = old_context


def _unknown(httpd: Httpd, node: Directive, parms: CmdParms) -> str | None:
    parms.err_directive = node
    if parms.override & NONFATAL_UNKNOWN:
        httpd.log_startup_error(
            "core", 4,
            f"AH02296: Unknown directive {ascii_lower(node.directive)} perhaps misspelled "
            "or defined by a module not included in the server configuration",
        )
        return None
    return (
        f"Invalid command '{node.directive}', perhaps misspelled or defined by a module "
        "not included in the server configuration"
    )


def walk_config_sub(httpd: Httpd, node: Directive, parms: CmdParms,
                    section_vector: ConfigVector) -> str | None:
    """ap_walk_config_sub: give the directive to every module that declares it."""
    commands = node.commands
    if commands is None:
        name = node.directive
        commands = httpd.commands.get(name.lower() if name.isascii() else ascii_lower(name))
        if commands is None:
            return _unknown(httpd, node, parms)
    server_config = parms.server.module_config
    for command in commands:
        module = command.module
        # ap_set_config_vectors, inline: this runs for every directive.
        dir_config = section_vector.get(module)
        if dir_config is None and module.create_dir_config is not None:
            dir_config = section_vector[module] = module.create_dir_config(httpd, parms.path)
        if module.create_server_config is not None and module not in server_config:
            server_config[module] = module.create_server_config(httpd, parms.server)
        if command.override & EXEC_ON_READ:
            continue
        error = invoke_cmd(httpd, command, parms, dir_config, node.args)
        if error is not None and error != DECLINE_CMD:
            if parms.err_directive is None:
                parms.err_directive = node
            return error
    return None


def _gt(cmd: Command) -> str:
    name = cmd.name
    return ">" if name.startswith("<") and not name.endswith(">") else ""


_SECTION_CHECKS = (
    (NOT_IN_DIRECTORY, ("<directory", "<directorymatch")),
    (NOT_IN_LOCATION, ("<location", "<locationmatch")),
    (NOT_IN_FILES, ("<files", "<filesmatch", "<if", "<elseif", "<else")),
    (NOT_IN_PROXY, ("<proxy", "<proxymatch")),
)
_SECTION_MASK = NOT_IN_DIRECTORY | NOT_IN_LOCATION | NOT_IN_FILES | NOT_IN_PROXY
_SECTION_NAMES = frozenset(name for _mask, names in _SECTION_CHECKS for name in names)


def _enclosing_sections(directive: Directive) -> dict[str, Directive]:
    """Each enclosing section's lowercase name mapped to the nearest such section."""
    found: dict = {}
    node = directive.parent
    while node is not None:
        name = node.directive
        found.setdefault(name.lower() if name.isascii() else ascii_lower(name), node)
        node = node.parent
    return found


def check_cmd_context(parms: CmdParms, forbidden: int) -> str | None:
    """ap_check_cmd_context: the context tests a handler applies before doing anything."""
    cmd = parms.cmd
    if cmd is None:  # invoke_cmd names the command before any check or handler runs
        raise ValueError("ap_check_cmd_context outside a directive")
    if forbidden & NOT_IN_VIRTUALHOST and parms.server.is_virtual:
        return f"{cmd.name}{_gt(cmd)} cannot occur within <VirtualHost> section"
    if forbidden & NOT_IN_LIMIT and parms.limited != -1:
        return f"{cmd.name}{_gt(cmd)} cannot occur within <Limit> or <LimitExcept> section"
    if forbidden & NOT_IN_HTACCESS and parms.is_htaccess:
        return f"{cmd.name}{_gt(cmd)} cannot occur within htaccess files"
    if forbidden & NOT_IN_DIR_LOC_FILE == NOT_IN_DIR_LOC_FILE:
        if parms.path is not None:
            return f"{cmd.name}{_gt(cmd)} cannot occur within directory context"
        if cmd.override & EXEC_ON_READ:
            return None
    directive = parms.directive
    if not forbidden & _SECTION_MASK or directive is None or directive.parent is None:
        return None
    node: Directive | None = directive.parent
    while node is not None:  # most stand in none of those sections (<VirtualHost> ...)
        name = node.directive
        if (name.lower() if name.isascii() else ascii_lower(name)) in _SECTION_NAMES:
            break
        node = node.parent
    else:
        return None
    sections = _enclosing_sections(directive)
    for mask, names in _SECTION_CHECKS:
        if forbidden & mask:
            for name in names:
                found = sections.get(name)
                if found is not None:
                    return f"{cmd.name}{_gt(cmd)} cannot occur within {found.directive}> section"
    return None
