"""Building the configuration tree from logical lines (server/config.c: ap_build_config).

Directives marked EXEC_ON_READ (Include, Define, LoadModule, <IfModule> ...) run while the
file is read; their result, if any, is spliced into the tree where they stood. Every other
line becomes a node; '<Name' opens a section and '</Name>' closes it, with httpd's errors
for closers that do not match. Functions return None or httpd's error text, as the C
code does, so messages compose exactly like httpd's.
"""

from __future__ import annotations

from ..cstr import ascii_lower
from ..server import Httpd
from .command import EXEC_ON_READ
from .parms import CmdParms
from .reader import VARBUF_MAX_LEN, ConfigFile, LineBuffer, LineTooLong
from .tree import Directive
from .walker import invoke_cmd
from .words import first_word, getword_conf


class SubTree:
    """Where an EXEC_ON_READ handler leaves the nodes it produced."""

    __slots__ = ("nodes",)

    def __init__(self) -> None:
        self.nodes: list[Directive] = []


class Level:
    """The builder's position: the open section (if any) and the list nodes go to."""

    __slots__ = ("top", "parent", "nodes")

    def __init__(self, top: list[Directive]) -> None:
        self.top = top
        self.parent: Directive | None = None
        self.nodes = top

    def add(self, node: Directive) -> None:
        node.parent = self.parent
        self.nodes.append(node)

    def open_section(self, node: Directive) -> None:
        self.add(node)
        node.children = []
        self.parent = node
        self.nodes = node.children

    def close_section(self, section: Directive) -> None:
        """Back to the section around `section` (the open one), or to the top."""
        outer = self.parent = section.parent
        self.nodes = self.top
        if outer is not None and outer.children is not None:
            self.nodes = outer.children


# httpd recurses in C for each nested conditional section and Use; heartmonitor stops
# with this message where Python's stack would overflow.
NESTED_TOO_DEEPLY = "Configuration sections are nested too deeply"


def too_long(config_file: ConfigFile) -> str:
    return f"Error reading {config_file.name} at line {config_file.line_number}: Line too long"


def build_config_sub(httpd: Httpd, line: str, parms: CmdParms, level: Level,
                     config_file: ConfigFile | None = None) -> str | None:
    """ap_build_config_sub: one logical line (of config_file, the file being read) into
    the tree."""
    if not line or line[0] == "#":
        return None
    cmd_name, args = first_word(httpd.resolve_env(line) if "$" in line else line)
    if not cmd_name:
        return None
    if cmd_name[1:2] != "/":
        if cmd_name[-1] == ">":
            cmd_name = cmd_name[:-1]
        if not args and cmd_name[:1] == "<":
            args = ">"

    if config_file is None:
        config_file = parms.file_being_read()
    node = Directive(cmd_name, args, config_file.name, config_file.line_number)
    commands = httpd.commands.get(
        cmd_name.lower() if cmd_name.isascii() else ascii_lower(cmd_name)
    )
    if commands:
        node.commands = commands
        command = commands[0]
        node.directive = command.name
        if command.override & EXEC_ON_READ:
            parms.err_directive = node
            sub_tree = SubTree()
            error = execute_now(httpd, cmd_name, args, parms, sub_tree)
            for produced in sub_tree.nodes:
                level.add(produced)
            return error

    if cmd_name[:1] != "<":  # Level.add, inline: most lines come here
        node.parent = level.parent
        level.nodes.append(node)
    elif cmd_name[1:2] != "/":
        level.open_section(node)
    elif level.parent is None:
        parms.err_directive = node
        return f"{cmd_name} without matching <{cmd_name[2:]} section"
    else:
        if not cmd_name.endswith(">"):
            parms.err_directive = node
            return f"{cmd_name}> directive missing closing '>'"
        closer = cmd_name[:-1]
        if ascii_lower(closer[2:]) != ascii_lower(level.parent.directive[1:]):
            parms.err_directive = node
            return f"Expected </{level.parent.directive[1:]}> but saw {closer}>"
        level.close_section(level.parent)
    return None


def execute_now(httpd: Httpd, cmd_line: str, args: str, parms: CmdParms,
                sub_tree: SubTree) -> str | None:
    """Run an EXEC_ON_READ directive for every module that declares it."""
    commands = httpd.commands.get(ascii_lower(cmd_line))
    if commands is None:
        return (
            f"Invalid command '{cmd_line}', perhaps misspelled or defined by a module "
            "not included in the server configuration"
        )

    for command in commands:
        error = invoke_cmd(httpd, command, parms, sub_tree, args)
        if error is not None:
            return error
    return None


def build_config(httpd: Httpd, parms: CmdParms, nodes: list[Directive],
                 max_len: int = VARBUF_MAX_LEN) -> str | None:
    """ap_build_config: read a whole file (parms.config_file), appending to nodes."""
    level = Level(nodes)
    buffer = LineBuffer()
    while True:
        config_file = parms.file_being_read()  # a Use may have put its expansion first
        try:
            line = config_file.getline(buffer, max_len)
        except LineTooLong:
            return too_long(config_file)
        if line is None:
            break
        try:
            error = build_config_sub(httpd, line, parms, level, config_file)
        except RecursionError:
            return NESTED_TOO_DEEPLY
        if error is not None:
            return error
    if level.parent is not None:
        message = ""
        section: Directive | None = level.parent
        while section is not None:
            separator = "\n" if message else ""
            message += (
                f"{separator}{section.filename}:{section.line_num}: "
                f"{section.directive}> was not closed."
            )
            parms.err_directive = section
            section = section.parent
        return message
    return None


def build_cont_config(httpd: Httpd, parms: CmdParms, section_name: str,
                      sub_tree: SubTree) -> str | None:
    """ap_build_cont_config: read the body of a true conditional section.

    Reading stops at the matching closer written exactly '</Name>' (any case) at this
    nesting level, or at the end of the file, which httpd accepts.
    """
    closer = ascii_lower(section_name[1:] + ">")
    nodes: list[Directive] = []
    level = Level(nodes)
    buffer = LineBuffer()
    while True:
        config_file = parms.file_being_read()  # a Use may have put its expansion first
        try:
            line = config_file.getline(buffer)
        except LineTooLong:
            return too_long(config_file)
        if line is None:
            break
        if line.startswith("</") and level.parent is None and ascii_lower(line[2:]) == closer:
            break
        error = build_config_sub(httpd, line, parms, level)
        if error is not None:
            return error
    sub_tree.nodes = nodes
    return None


def soak_end_container(httpd: Httpd, parms: CmdParms, directive: str) -> str | None:
    """ap_soak_end_container: skip a false section, nested sections included."""
    buffer = LineBuffer()
    while True:
        config_file = parms.file_being_read()  # a Use may have put its expansion first
        try:
            line = config_file.getline(buffer)
        except LineTooLong:
            return too_long(config_file)
        if line is None:
            break
        if line:
            buffer.fresh = False
        cmd_name, pos = getword_conf(line)
        if not cmd_name.startswith("<"):
            continue
        if cmd_name[1:2] == "/":
            cmd_name = cmd_name[:-1]
            if ascii_lower(cmd_name[2:]) != ascii_lower(directive[1:]):
                return f"Expected </{directive[1:]}> but saw {cmd_name}>"
            return None
        if pos >= len(line) and cmd_name.endswith(">"):
            cmd_name = cmd_name[:-1]
        error = soak_end_container(httpd, parms, cmd_name)
        if error is not None:
            return error
    return f"Expected </{directive[1:]}> before end of configuration"
