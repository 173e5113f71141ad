"""mod_rewrite's configuration checks (modules/mappers/mod_rewrite.c).

RewriteOptions, RewriteBase, RewriteMap, RewriteCond and RewriteRule are checked as their
handlers check them: argument lines, flags, regexes, expressions, map files; nothing is
ever rewritten.
"""

from __future__ import annotations

import os

from heartmonitor.checkmodule import checks_module, server_warning
from heartmonitor.config.words import getword_conf
from heartmonitor.cstr import ascii_lower, atoi
from heartmonitor.httpstatus import is_known
from heartmonitor.regex import ICASE, pregcomp

_OPTIONS = frozenset(("inherit", "inheritbefore", "inheritdown", "inheritdownbefore",
                      "ignoreinherit", "allownoslash", "allowanyuri", "mergebase",
                      "ignorecontextinfo", "legacyprefixdocroot", "unsafeprefixstat"))
_INTERNAL_MAPS = frozenset(("tolower", "toupper", "escape", "unescape"))
_SPACE = " \t\n\v\f\r"
# apr_dbm_get_usednames_ex of Debian's APR-util: the file a dbm type keeps its data in.
_DBM_SUFFIX = {"default": "", "db": "", "gdbm": "", "sdbm": ".dir"}


def cmd_rewriteoptions(cmd, mconfig, option: str) -> str | None:
    pos = 0
    while pos < len(option):
        word, pos = getword_conf(option, pos)
        lower = ascii_lower(word)
        if lower in _OPTIONS:
            continue
        if lower.startswith("maxredirects="):
            server_warning(
                cmd, "rewrite", 4,
                "AH00664: RewriteOptions: MaxRedirects option has been removed in favor of "
                "the global LimitInternalRecursion directive and will be ignored.")
            continue
        return f"RewriteOptions: unknown option '{word}'"
    return None


def cmd_rewritebase(cmd, mconfig, arg: str) -> str | None:
    if cmd.path is None:
        return "RewriteBase: only valid in per-directory config files"
    if not arg:
        return "RewriteBase: empty URL not allowed"
    if arg[0] != "/":
        return "RewriteBase: argument is not a valid URL"
    return None


def cmd_rewritemap(cmd, mconfig, name: str, source: str, owner) -> str | None:
    lower = ascii_lower(source)
    checkfile = None
    if lower.startswith(("txt:", "rnd:")):
        checkfile = cmd.httpd.server_root_relative(source[4:])
        if checkfile is None:
            if lower.startswith("rnd:"):
                return f"RewriteMap: bad path to rnd map: {source[4:]}"
            return f"RewriteMap: bad path to txt map: {source[4:]}"
    elif lower.startswith("dbm"):
        fname = None
        kind = "default"
        if source[3:4] == ":":
            fname = source[4:]
        elif source[3:4] == "=":
            colon = source.find(":", 4)
            if colon >= 0:
                fname = source[colon + 1:]
                kind = source[4:colon]
                if kind not in _DBM_SUFFIX:
                    return f"RewriteMap: dbm type {kind} is invalid"
        if fname is None:
            return f"RewriteMap: bad map:{source}"
        datafile = cmd.httpd.server_root_relative(fname)
        if datafile is None:
            return f"RewriteMap: bad path to dbm map: {fname}"
        checkfile = datafile + _DBM_SUFFIX[kind]
    elif lower.startswith(("dbd:", "fastdbd:")):
        if cmd.httpd.module_named("dbd_module") is None:
            return "RewriteMap types dbd and fastdbd require mod_dbd!"
    elif lower.startswith("prg:"):
        program, _pos = getword_conf(source[4:])
        checkfile = cmd.httpd.server_root_relative(program)
        if checkfile is None:
            return f"RewriteMap: bad path to prg map: {program}"
    elif lower.startswith("int:"):
        if source[4:] not in _INTERNAL_MAPS:
            return f"RewriteMap: internal map not found:{source[4:]}"
    else:
        checkfile = cmd.httpd.server_root_relative(source)
        if checkfile is None:
            return f"RewriteMap: bad path to txt map: {source}"
    if checkfile is not None and not os.path.exists(checkfile):
        return f"RewriteMap: file for map {name} not found:{checkfile}"
    return None


# An argument's text: quoted, up to the closing quote; otherwise up to white space, a
# backslash keeping the white space after it. Possessive: matching never backtracks.
# (Compiled on first use: nothing is, nor is re imported, for a configuration without
# RewriteRule or RewriteCond.)
_ARGUMENT = {
    "": r"[^ \t\n\v\f\r\\]*+(?:\\[ \t\n\v\f\r]?[^ \t\n\v\f\r\\]*+)*+",
    '"': r'[^"]*+',
    "'": r"[^']*+",
}
_ARGUMENT_MATCHERS: dict = {}  # compiled on first use


def _argument(text: str, pos: int) -> tuple[str, int]:
    """One argument of parseargline: quoted or up to white space; '\\ ' escapes a space."""
    quote = text[pos] if pos < len(text) and text[pos] in "\"'" else ""
    if quote:
        pos += 1
    matcher = _ARGUMENT_MATCHERS.get(quote)
    if matcher is None:
        import re  # only for RewriteRule and RewriteCond: re costs -t more than most configurations

        matcher = _ARGUMENT_MATCHERS[quote] = re.compile(_ARGUMENT[quote]).match
    match = matcher(text, pos)
    assert match is not None  # the patterns may match nothing
    return match.group(), match.end()


def parseargline(text: str) -> tuple[str, str, str | None] | None:
    """parseargline: (pattern, substitution, flags) or None for a bad line."""
    pos = len(text) - len(text.lstrip(_SPACE))
    first, pos = _argument(text, pos)
    if pos >= len(text):
        return None
    pos += 1
    while pos < len(text) and text[pos] in _SPACE:
        pos += 1
    second, pos = _argument(text, pos)
    if pos >= len(text):
        return first, second, None
    pos += 1
    while pos < len(text) and text[pos] in _SPACE:
        pos += 1
    if pos >= len(text):
        return first, second, None
    third, pos = _argument(text, pos)
    return first, second, third


def parse_flags(field: str, setflag) -> str | None:
    """cmd_parseflagfield: '[key[=val],...]', each pair handed to setflag."""
    if not field.startswith("[") or not field.endswith("]"):
        return "bad flag delimiters"
    text = field[1:-1] + ","
    pos = 0
    while pos < len(text):
        while pos < len(text) and text[pos] in _SPACE:
            pos += 1
        comma = text.find(",", pos)
        if pos >= len(text) or comma < 0:
            break
        item = text[pos:comma].rstrip(_SPACE) if comma > pos else ""
        key, equals, value = item.partition("=")
        error = setflag(key, value if equals else "")
        if error is not None:
            return error
        pos = comma + 1
    return None


def cond_flag(key: str, value: str, flags: set) -> str | None:
    lower = ascii_lower(key)
    if lower in ("nocase", "nc"):
        flags.add("NC")
    elif lower in ("ornext", "or", "novary", "nv"):
        pass
    else:
        return f"unknown flag '{key}'"
    return None


# cmd_rewriterule_setflag's flags by first letter: the rest of each name it accepts.
_RULE_FLAG_TAILS = {
    "c": ("", "hain", "o", "ookie"), "e": ("", "nv", "nd"), "f": ("", "orbidden"),
    "g": ("", "one"), "h": ("", "andler"), "l": ("", "ast"),
    "n": ("e", "oescape", "", "ext", "s", "osubreq", "c", "ocase"),
    "p": ("", "roxy", "t", "assthrough"), "q": ("sa", "sappend", "sd", "sdiscard", "sl",
                                              "slast"),
    "s": ("", "kip"), "t": ("", "ype"), "u": ("nsafeprefixstat", "nsafeallow3f", "nc"),
}


def _rule_flag_ok(key: str, value: str, flags: set) -> str | None:
    """cmd_rewriterule_setflag: None when the flag is known, else its error."""
    first, rest = ascii_lower(key[:1]), ascii_lower(key[1:])
    if first == "b":
        if not rest or rest == "ackrefescaping" or rest in ("np", "ackrefernoplus", "ctls"):
            return None
        if rest == "ne":
            return None if value else "flag 'BNE' wants a list of characters (i.e. [BNE=...])"
        return "unknown"
    if first == "d":
        return None
    if first == "r":
        if rest and rest != "edirect":
            return "unknown"
        if value and value[0].isascii() and value[0].isdigit():
            status = atoi(value)
            if status != 500 and not is_known(status):
                return f"invalid HTTP response code '{value}' for flag 'R'"
        return None
    if first in _RULE_FLAG_TAILS and rest in _RULE_FLAG_TAILS[first]:
        if first == "q" and rest in ("sa", "sappend"):
            flags.add("QSA")
        if first == "n" and rest in ("c", "ocase"):
            flags.add("NC")
        return None
    return "unknown"


def cmd_rewritecond(cmd, mconfig, args: str) -> str | None:
    parsed = parseargline(args)
    if parsed is None:
        return f"RewriteCond: bad argument line '{args}'"
    test, pattern, field = parsed
    flags: set = set()
    if field is not None:
        error = parse_flags(field, lambda key, value: cond_flag(key, value, flags))
        if error is not None:
            return f"RewriteCond: {error}"
    if pattern.startswith("!"):
        pattern = pattern[1:]
    kind = "regex"
    if ascii_lower(test) == "expr":
        kind = "expr"
    elif len(pattern) > 1:
        if pattern[0] == "-":
            if len(pattern) == 2:
                if pattern[1] in "fsdxhLlUF":
                    kind = "file"
            elif len(pattern) > 3 and pattern[1:3] in ("lt", "le", "gt", "ge", "eq", "ne"):
                pattern = pattern[3:]
                kind = "int"
        elif pattern[0] in "<>":
            pattern = pattern[2:] if pattern[1] == "=" else pattern[1:]
            kind = "string"
        elif pattern[0] == "=":
            pattern = pattern[1:]
            if pattern == '""':
                pattern = ""
            kind = "string"
    if kind not in ("regex", "string") and "NC" in flags:
        directive = cmd.directive
        server_warning(
            cmd, "rewrite", 4,
            f"AH00665: RewriteCond: NoCase option for non-regex pattern '{pattern}' is not "
            f"supported and will be ignored. ({directive.filename}:{directive.line_num})")
        flags.discard("NC")
    if kind == "regex":
        if pregcomp(pattern, ICASE if "NC" in flags else 0) is None:
            return f"RewriteCond: cannot compile regular expression '{pattern}'"
    elif kind == "expr":
        # Imported here: the expression tables load only for configurations that use them.
        from heartmonitor.expr import parse_cmd

        error = parse_cmd(cmd, pattern)
        if error is not None:
            return f'RewriteCond: cannot compile expression "{pattern}" {error}'
    return None


def cmd_rewriterule(cmd, mconfig, args: str) -> str | None:
    parsed = parseargline(args)
    if parsed is None:
        return f"RewriteRule: bad argument line '{args}'"
    pattern, _substitution, field = parsed
    flags: set = set()
    if field is not None:
        def setflag(key: str, value: str) -> str | None:
            error = _rule_flag_ok(key, value, flags)
            if error == "unknown":
                return f"unknown flag '{key}'"
            return error

        error = parse_flags(field, setflag)
        if error is not None:
            return f"RewriteRule: {error}"
    if pattern.startswith("!"):
        pattern = pattern[1:]
    if pregcomp(pattern, ICASE if "NC" in flags else 0) is None:
        return f"RewriteRule: cannot compile regular expression '{pattern}'"
    return None


MODULE = checks_module("mod_rewrite", {
    "RewriteOptions": cmd_rewriteoptions, "RewriteBase": cmd_rewritebase,
    "RewriteCond": cmd_rewritecond, "RewriteRule": cmd_rewriterule,
    "RewriteMap": cmd_rewritemap,
})
