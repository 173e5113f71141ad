"""Running the configuration tree through the command table (ap_walk_config, invoke_cmd).

invoke_cmd checks that the directive may appear where it stands (req_override against
the current override), splits its arguments as its cmd_how says, with httpd's exact
messages for a wrong count, and calls the handler. check_cmd_context is the test handlers
apply themselves (GLOBAL_ONLY and friends).
"""

from __future__ import annotations

from ..cstr import ascii_lower
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
)
from .words import getword_conf

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


def _usage(cmd, what: str) -> str:
    help_text = cmd.help
    return f"{cmd.name} {what}, {help_text}" if help_text is not None else f"{cmd.name} {what}"


def _call(command, parms, mconfig, *args) -> str | None:
    handler = command.handler
    if handler is None:
        if command.forbidden:
            return check_cmd_context(parms, command.forbidden)
        return None
    return handler(parms, mconfig, *args)


def invoke_cmd(httpd, cmd, parms, mconfig, args: str) -> str | None:
    """Check context, split arguments per cmd_how, call the handler; httpd's messages."""
    if not (parms.override & cmd.override):
        if parms.override_list is None or cmd.name not in parms.override_list:
            if parms.override & NONFATAL_OVERRIDE:
                httpd.log_startup_error(
                    "core", 4, f"AH02295: {cmd.name} in .htaccess forbidden by AllowOverride"
                )
                return None
            directive = parms.directive
            if directive is not None and directive.parent is not None:
                return f"{cmd.name} not allowed in {directive.parent.directive}> context"
            return f"{cmd.name} not allowed here"

    parms.info = cmd.data
    parms.cmd = cmd
    how = cmd.how
    handler = cmd.handler

    if how == RAW_ARGS:
        if handler is not None:
            return handler(parms, mconfig, args)
        return _call(cmd, parms, mconfig, args)

    if how == TAKE1 and args.isascii() and _PLAIN_UNSAFE.isdisjoint(args):
        words = args.split()
        if len(words) != 1:
            return _usage(cmd, "takes one argument")
        if handler is not None:
            return handler(parms, mconfig, words[0])
        return _call(cmd, parms, mconfig, words[0])

    words = Words(args)
    if how == TAKE1:
        w = words.next()
        if not w or words.rest:
            return _usage(cmd, "takes one argument")
        return _call(cmd, parms, mconfig, w)

    if how == TAKE_ARGV:
        argv = []
        while True:
            w = words.next()
            if not w and not words.rest:
                break
            argv.append(w)
            if len(argv) >= AP_MAX_ARGC or not words.rest:
                break
        return _call(cmd, parms, mconfig, argv)

    if how == NO_ARGS:
        if args:
            return f"{cmd.name} takes no arguments"
        return _call(cmd, parms, mconfig)

    if how == TAKE2:
        w, w2 = words.next(), words.next()
        if not w or not w2 or words.rest:
            return _usage(cmd, "takes two arguments")
        return _call(cmd, parms, mconfig, w, w2)

    if how == TAKE12:
        w, w2 = words.next(), words.next()
        if not w or words.rest:
            return _usage(cmd, "takes 1-2 arguments")
        return _call(cmd, parms, mconfig, w, w2 or None)

    if how == TAKE3:
        w, w2, w3 = words.next(), words.next(), words.next()
        if not w or not w2 or not w3 or words.rest:
            return _usage(cmd, "takes three arguments")
        return _call(cmd, parms, mconfig, w, w2, w3)

    if how == TAKE23:
        w, w2 = words.next(), words.next()
        w3 = words.next() if words.rest else None
        if not w or not w2 or words.rest:
            return _usage(cmd, "takes two or three arguments")
        return _call(cmd, parms, mconfig, w, w2, w3)

    if how == TAKE123:
        w = words.next()
        w2 = words.next() if words.rest else None
        w3 = words.next() if words.rest else None
        if not w or words.rest:
            return _usage(cmd, "takes one, two or three arguments")
        return _call(cmd, parms, mconfig, w, w2, w3)

    if how == TAKE13:
        w = words.next()
        w2 = words.next() if words.rest else None
        w3 = words.next() if words.rest else None
        if not w or (w2 and w3 is None) or words.rest:
            return _usage(cmd, "takes one or three arguments")
        return _call(cmd, parms, mconfig, w, w2, w3)

    if how == ITERATE:
        w = words.next()
        if not w:
            return _usage(cmd, "requires at least one argument")
        error = None
        while w:
            error = _call(cmd, parms, mconfig, w)
            if error is not None and error != DECLINE_CMD:
                return error
            w = words.next()
        return error

    if how == ITERATE2:
        w = words.next()
        if not w or not words.rest:
            return _usage(cmd, "requires at least two arguments")
        error = None
        while True:
            w2 = words.next()
            if not w2:
                break
            error = _call(cmd, parms, mconfig, w, w2)
            if error is not None and error != DECLINE_CMD:
                return error
        return error

    if how == FLAG:
        w = words.next()
        lower = ascii_lower(w)
        if not w or lower not in ("on", "off"):
            return f"{cmd.name} must be On or Off"
        return _call(cmd, parms, mconfig, lower != "off")

    return f"{cmd.name} is improperly configured internally (server bug)"


def walk_config(httpd, nodes, parms, section_vector: dict) -> str | None:
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


def _unknown(httpd, node, parms) -> str | None:
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


def walk_config_sub(httpd, node, parms, section_vector: dict) -> str | None:
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


def _gt(cmd) -> str:
    name = cmd.name
    return ">" if name.startswith("<") and not name.endswith(">") else ""


_SECTION_CHECKS = (
    (NOT_IN_DIRECTORY, ("<directory", "<directorymatch")),
    (NOT_IN_LOCATION, ("<location", "<locationmatch")),
    (NOT_IN_FILES, ("<files", "<filesmatch", "<if", "<elseif", "<else")),
    (NOT_IN_PROXY, ("<proxy", "<proxymatch")),
)
_SECTION_MASK = NOT_IN_DIRECTORY | NOT_IN_LOCATION | NOT_IN_FILES | NOT_IN_PROXY


def _enclosing_sections(directive) -> dict:
    """Each enclosing section's lowercase name mapped to the nearest such section."""
    found: dict = {}
    node = directive.parent
    while node is not None:
        name = node.directive
        found.setdefault(name.lower() if name.isascii() else ascii_lower(name), node)
        node = node.parent
    return found


def check_cmd_context(parms, forbidden: int) -> str | None:
    """ap_check_cmd_context: the context tests a handler applies before doing anything."""
    cmd = parms.cmd
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
    sections = _enclosing_sections(directive)
    for mask, names in _SECTION_CHECKS:
        if forbidden & mask:
            for name in names:
                found = sections.get(name)
                if found is not None:
                    return f"{cmd.name}{_gt(cmd)} cannot occur within {found.directive}> section"
    return None
