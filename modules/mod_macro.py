"""mod_macro: <Macro>, Use and UndefMacro, expanded while the configuration is read.

A `Use` splices the macro's body, arguments substituted, into the stream being read:
the lines that follow come from the body (reported as "macro 'name' (defined on line N
of "F") used on line M of "G"", line by line) and then from the file again, exactly as
mod_macro's array config stream does.
"""

from __future__ import annotations

from heartmonitor import log
from heartmonitor.config.command import EXEC_ON_READ, NO_ARGS, OR_ALL, RAW_ARGS, TAKE1, Command
from heartmonitor.config.reader import VARBUF_MAX_LEN, LineBuffer, LineTooLong
from heartmonitor.config.words import getword_conf
from heartmonitor.cstr import SPACE, ascii_lower
from heartmonitor.module import Module
from heartmonitor.server import Httpd
from heartmonitor.server_rec import ServerRec

BEGIN_MACRO = "<Macro"
END_MACRO = "</Macro>"
ARG_PREFIX = "$%@"
MAX_STRING_LEN = 8192


class Macro:
    def __init__(self, name: str) -> None:
        self.name = name
        self.arguments: list[str] = []
        self.contents: list[str] = []
        self.location = ""
        self.ignore_empty = False
        self.ignore_bad_nesting = False


_FLAGS = (("/ignoreemptyargs", "ignore_empty"), ("/ignorebadnesting", "ignore_bad_nesting"))


def _strip_flags(cmd, macro: Macro, arg: str, where: str) -> str:
    """The /IgnoreEmptyArgs and /IgnoreBadNesting modifiers after a macro's name."""
    while arg.startswith("/"):
        ended = False
        for flag, attribute in _FLAGS:
            if ascii_lower(arg[: len(flag)]) == flag:
                setattr(macro, attribute, True)
                arg = arg[len(flag) :]
                if not arg:
                    ended = True
                    break
        if ended:
            break
        if arg[:1] != " ":
            space = arg.find(" ")
            shown = arg if space < 0 else arg[:space]
            _warn(cmd, f"AH02804: {where}: unknown flag '{shown}'")
            if space >= 0:
                arg = arg[space:]
        arg = arg[1:]
    return arg


class MacroState:
    """Process-wide, like mod_macro's static hash (reset with each configuration read)."""

    def __init__(self, httpd: Httpd, server: ServerRec) -> None:
        self.macros: dict[str, Macro] | None = None
        self.ignore_empty_args = False
        self.ignore_bad_nesting = False


def _state(cmd) -> MacroState:
    return cmd.httpd.server_conf.module_config[MODULE]


def _warn(cmd, message: str) -> None:
    cmd.httpd.log_startup_error("macro", log.WARNING, message)


def _arguments(line: str) -> list[str]:
    """get_arguments: words after skipping blanks and tabs (not other white space)."""
    args = []
    pos = 0
    line = line.lstrip(" \t")
    while pos < len(line):
        word, pos = getword_conf(line, pos)
        args.append(word)
        while pos < len(line) and line[pos] in " \t":
            pos += 1
    return args


def _warn_if_non_blank(cmd, what: str, text: str) -> None:
    for ch in text:
        if ch == "#":
            return
        if ch not in " \t":
            config_file = cmd.config_file
            _warn(cmd, f"{what} on line {config_file.line_number} of {config_file.name}: {text}")
            return


def _lines_till_end(cmd, where: str, ignore_nesting: bool) -> tuple[str | None, list[str]]:
    """get_lines_till_end_token: the raw body, counting nested <Macro> sections."""
    lines: list[str] = []
    macro_nesting = any_nesting = 1
    config_file = cmd.config_file
    start = config_file.line_number
    buffer = LineBuffer()
    buffer.avail = MAX_STRING_LEN
    while True:
        config_file = cmd.config_file
        try:
            line = config_file.getline(buffer, MAX_STRING_LEN)
        except LineTooLong:
            line = None
        if line is None:
            return f"expected token not found: {END_MACRO}", lines
        if line.startswith("#"):
            continue
        first, _pos = getword_conf(line)
        if first.startswith("</"):
            any_nesting -= 1
            if any_nesting < 0 and not ignore_nesting:
                _warn(cmd, f"AH02793: bad (negative) nesting on line "
                           f"{config_file.line_number - start} of {where}")
        elif first.startswith("<"):
            any_nesting += 1
        if ascii_lower(first) == ascii_lower(END_MACRO):
            end = line.rfind(">")
            if end < 0:
                return "end directive missing closing '>'", lines
            _warn_if_non_blank(cmd, "AH02794: non blank chars found after directive closing",
                               line[end + 1 :])
            macro_nesting -= 1
            if not macro_nesting:
                if any_nesting and not ignore_nesting:
                    _warn(cmd, f"AH02795: bad cumulated nesting ({any_nesting:+d}) in {where}")
                return None, lines
        elif ascii_lower(first) == ascii_lower(BEGIN_MACRO):
            macro_nesting += 1
        lines.append(line + "\n")


def _check_arguments(cmd, macro: Macro) -> str | None:
    names = macro.arguments
    for i, name in enumerate(names):
        if not name:
            return f"macro '{macro.name}' ({macro.location}): empty argument #{i + 1} name"
        if name.startswith("${"):
            _warn(cmd, f"AH02805: macro '{macro.name}' ({macro.location}) argument name "
                       f"'{name}' (#{i + 1}) clashes with 'Define' syntax '${{...}}', better use "
                       "'$(...)'.")
        if name[0] not in ARG_PREFIX:
            _warn(cmd, f"AH02796: macro '{macro.name}' ({macro.location}) argument name "
                       f"'{name}' (#{i + 1}) without expected prefix, better prefix argument "
                       f"names with one of '{ARG_PREFIX}'.")
        for j in range(i + 1, len(names)):
            other = names[j]
            if name == other:
                return (
                    f"argument name conflict in macro '{macro.name}' ({macro.location}): "
                    f"argument '{name}': #{i + 1} and #{j + 1}, change argument names!"
                )
            shortest = min(len(name), len(other))
            if other and name[:shortest] == other[:shortest]:
                _warn(cmd, f"AH02797: macro '{macro.name}' ({macro.location}): argument name "
                           f"prefix conflict ({name} #{i + 1} and {other} #{j + 1}), be careful "
                           "about your macro definition!")
    return None


def _substitute_line(line: str, macro: Macro, values: list[str], used: list[bool] | None):
    """substitute_macro_args: leftmost (then longest) argument first; '@' ones quoted."""
    out = []
    pos = 0
    while True:
        chosen = -1
        where = -1
        for index, name in enumerate(macro.arguments):
            found = line.find(name, pos)
            if found >= 0 and (where < 0 or found < where or (
                    found == where and len(name) > len(macro.arguments[chosen]))):
                where, chosen = found, index
        if chosen < 0:
            out.append(line[pos:])
            break
        name, value = macro.arguments[chosen], values[chosen]
        out.append(line[pos:where])
        if name == value:
            out.append(value)
        elif name[0] == "@":
            escaped = value.replace("\\", "\\\\").replace('"', '\\"')
            out.append(f'"{escaped}"')
        else:
            out.append(value)
        pos = where + len(name)
        if used is not None:
            used[chosen] = True
    text = "".join(out)
    if len(text) >= MAX_STRING_LEN:
        return None, "cannot substitute, buffer size too small"
    return text, None


def _process(macro: Macro, values: list[str], used: list[bool] | None):
    result = []
    for number, line in enumerate(macro.contents, 1):
        if len(line) >= MAX_STRING_LEN:
            return (f"while processing line {number} of macro '{macro.name}' "
                    f"({macro.location}) macro too long"), None
        text, error = _substitute_line(line, macro, values, used)
        if error:
            return (f"while processing line {number} of macro '{macro.name}' "
                    f"({macro.location}) {error}"), None
        result.append(text)
    return None, result


def macro_section(cmd, holder, arg: str) -> str | None:
    holder.nodes = []
    state = _state(cmd)
    if state.macros is None:
        state.macros = {}
    end = arg.rfind(">")
    if end < 0:
        return f"{BEGIN_MACRO}> directive missing closing '>'"
    if end == 0:
        return f"{BEGIN_MACRO} macro definition: empty name"
    _warn_if_non_blank(cmd, f"AH02801: non blank chars found after {BEGIN_MACRO} closing '>'",
                       arg[end + 1 :])
    arg = arg[:end]
    name, pos = getword_conf(arg)
    if not name:
        return f"{BEGIN_MACRO} macro definition: name not found"
    name = ascii_lower(name)
    config_file = cmd.config_file
    macro = state.macros.get(name)
    if macro is not None:
        _warn(cmd, f"AH02802: macro '{macro.name}' multiply defined: {macro.location}, "
                   f"redefined on line {config_file.line_number} of \"{config_file.name}\"")
    else:
        macro = Macro(name)
    macro.location = f'defined on line {config_file.line_number} of "{config_file.name}"'
    where = f"macro '{macro.name}' ({macro.location})"
    if name[0] in ARG_PREFIX:
        _warn(cmd, f"AH02803: {where} better prefix a macro name with any of '{ARG_PREFIX}'")
    macro.arguments = _arguments(_strip_flags(cmd, macro, arg[pos:], where))
    error = _check_arguments(cmd, macro)
    if error:
        return error
    ignore_nesting = state.ignore_bad_nesting or macro.ignore_bad_nesting
    error, macro.contents = _lines_till_end(cmd, where, ignore_nesting)
    if error:
        return f"{where}\n\tcontents error: {error}"
    if not macro.contents:
        _warn(cmd, f"AH02799: macro '{macro.name}' ({macro.location}): empty contents!")
    else:
        used = [False] * len(macro.arguments)
        error, _result = _process(macro, macro.arguments, used)
        if error:
            return f"{where}\n\tcontents checking error: {error}"
        for index, was_used in enumerate(used):
            if not was_used:
                _warn(cmd, f"AH02800: macro '{macro.name}' ({macro.location}): argument "
                           f"'{macro.arguments[index]}' (#{index + 1}) never used")
    state.macros[name] = macro
    return None


class MacroStream:
    """The expanded body of a Use, read before the rest of the file (array config)."""

    def __init__(self, name: str, lines: list[str], parms, following) -> None:
        self.name = name
        self.line_number = 0
        self._text = "".join(lines)
        self._pos = 0
        self._parms = parms
        self._following = following

    def getline(self, vb: LineBuffer, max_len: int = VARBUF_MAX_LEN):
        if self._pos >= len(self._text):
            self._parms.config_file = self._following
            return self._following.getline(vb, max_len)
        buf = ""
        while True:
            self.line_number += 1
            end = self._text.find("\n", self._pos)
            end = len(self._text) if end < 0 else end + 1
            buf += self._text[self._pos : end]
            self._pos = end
            cp = len(buf)
            if cp and buf[-1] == "\n":
                cp -= 1
                if cp and buf[cp - 1] == "\r":
                    cp -= 1
                if cp and buf[cp - 1] == "\\" and self._pos < len(self._text):
                    buf = buf[: cp - 1]
                    continue
            return buf.strip(SPACE)


def use_macro(cmd, holder, arg: str) -> str | None:
    holder.nodes = []
    state = _state(cmd)
    if state.macros is None:
        return "no macro defined before Use"
    name, pos = getword_conf(arg)
    name = ascii_lower(name)
    if not name:
        return "no macro name specified with Use"
    macro = state.macros.get(name)
    if macro is None:
        return f"macro '{name}' undefined"
    if f"macro '{macro.name}'" in cmd.config_file.name:
        return f"recursive use of macro '{macro.name}' is invalid"
    values = _arguments(arg[pos:])
    if len(values) != len(macro.arguments):
        return (
            f"macro '{macro.name}' ({macro.location}) used with {len(values)} arguments "
            f"instead of {len(macro.arguments)}"
        )
    config_file = cmd.config_file
    where = (
        f"macro '{macro.name}' ({macro.location}) used on line {config_file.line_number} of "
        f'"{config_file.name}"'
    )
    if not (state.ignore_empty_args or macro.ignore_empty):
        for index, value in enumerate(values):
            if not value:
                _warn(cmd, f"AH02798: {where}: empty argument #{index + 1}")
    error, contents = _process(macro, values, None)
    if error:
        return f"{where} error while substituting: {error}"
    cmd.config_file = MacroStream(where, contents, cmd, config_file)
    return None


def undef_macro(cmd, holder, arg: str) -> str | None:
    holder.nodes = []
    state = _state(cmd)
    if state.macros is None:
        return "no macro defined before UndefMacro"
    if not arg:
        return "no macro name specified with UndefMacro"
    name = ascii_lower(arg)
    if name not in state.macros:
        return f"cannot remove undefined macro '{name}'"
    del state.macros[name]
    return None


def set_ignore_empty(cmd, holder) -> str | None:
    holder.nodes = []
    _state(cmd).ignore_empty_args = True
    return None


def set_ignore_nesting(cmd, holder) -> str | None:
    holder.nodes = []
    _state(cmd).ignore_bad_nesting = True
    return None


MODULE = Module(
    "macro_module",
    "mod_macro.c",
    commands=[
        Command(BEGIN_MACRO, RAW_ARGS, EXEC_ON_READ | OR_ALL,
                "Beginning of a macro definition section.", macro_section),
        Command("Use", RAW_ARGS, EXEC_ON_READ | OR_ALL, "Use of a macro.", use_macro),
        Command("UndefMacro", TAKE1, EXEC_ON_READ | OR_ALL, "Remove a macro definition.",
                undef_macro),
        Command("MacroIgnoreEmptyArgs", NO_ARGS, EXEC_ON_READ | OR_ALL,
                "Globally ignore warnings about empty arguments.", set_ignore_empty),
        Command("MacroIgnoreBadNesting", NO_ARGS, EXEC_ON_READ | OR_ALL,
                "Globally ignore warnings about bad nesting.", set_ignore_nesting),
    ],
    create_server_config=MacroState,
)
