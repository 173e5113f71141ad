"""Splitting configuration lines into words (ap_getword_conf) and ${VAR} expansion.

Both are byte-exact ports of server/util.c and server/core.c in httpd 2.4:

* white space is C isspace(), nothing more;
* a word starting with a double or single quote runs to the matching quote (or to the end
  of the line if there is none); inside it, backslash-quote and backslash-backslash are
  unescaped and other backslashes kept;
* after a closing quote the next word starts at once ('"a"b' is two words);
* an unquoted word runs to white space, and only backslash-backslash is unescaped in it.
"""

from __future__ import annotations

import re  # compiled on first use: small configurations never need re

from ..cstr import SPACE

_QUOTES = "\"'"


def _unescape(text: str, quote: str) -> str:
    """substring_conf: keep every character but drop the backslash of '\\\\' and '\\<quote>'."""
    if "\\" not in text:
        return text
    out = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n and (text[i + 1] == "\\" or (quote and text[i + 1] == quote)):
            i += 1
            ch = text[i]
        out.append(ch)
        i += 1
    return "".join(out)


_word = None


def getword_conf(line: str, pos: int = 0) -> tuple[str, int]:
    """Return (word, position after the word and the white space that follows it)."""
    global _word
    if _word is None:
        # White space, then a plain word, a quoted one (to its closing quote, if any; a
        # backslash keeps the quote or backslash after it inside), or nothing (at the
        # end). Possessive and unrolled: nothing here ever backtracks.
        space = r"[ \t\n\v\f\r]*+"
        _word = re.compile(
            space + r"""(?:([^"' \t\n\v\f\r][^ \t\n\v\f\r]*+)"""
            r"""|"([^"\\]*+(?:\\["\\]?[^"\\]*+)*+)"?|'([^'\\]*+(?:\\['\\]?[^'\\]*+)*+)'?)?"""
            + space
        ).match
    match = _word(line, pos)
    assert match is not None  # every part of the pattern may match nothing
    kind = match.lastindex
    if kind == 1:
        plain = match.group(1)
        return (_unescape(plain, "") if "\\" in plain else plain), match.end()
    if kind is None:
        return "", match.end()
    if kind == 2:
        return _unescape(match.group(2), '"'), match.end()
    return _unescape(match.group(3), "'"), match.end()


# Characters that make the quick str.split() path differ from ap_getword_conf: quotes and
# backslashes change words, and Python's split() also breaks on \x1c-\x1f.
_SLOW = frozenset("\"'\\\x1c\x1d\x1e\x1f")

_plain_first = None


def first_word(line: str) -> tuple[str, str]:
    """(first word, the rest after the white space that follows it): ap_getword_conf once.

    A first word that is not quoted and holds no backslash is the text up to C white
    space, taken as it is: one regex match (every configuration line comes here).
    """
    global _plain_first
    if _plain_first is None:
        _plain_first = re.compile(
            r"[ \t\n\v\f\r]*([^ \t\n\v\f\r\"'\\][^ \t\n\v\f\r\\]*+)(?=[ \t\n\v\f\r]|\Z)"
            r"[ \t\n\v\f\r]*").match
    match = _plain_first(line)
    if match is not None:
        return match.group(1), line[match.end():]
    word, pos = getword_conf(line)
    return word, line[pos:]


def split_words(args: str) -> list[str]:
    """Every word of args, as repeated ap_getword_conf calls return them ("" included)."""
    if args.isascii() and _SLOW.isdisjoint(args):
        return args.split()
    words = []
    pos = len(args) - len(args.lstrip(SPACE))
    while pos < len(args):
        word, pos = getword_conf(args, pos)
        words.append(word)
    return words


def words_until_empty(args: str) -> list[str]:
    """The loop `while ((w = ap_getword_conf(p, &t)) && w[0])`: stops at an empty word."""
    words = []
    for word in split_words(args):
        if not word:
            break
        words.append(word)
    return words


_VARIABLE = None


def resolve_env(line: str, lookup, warn) -> str:
    """ap_resolve_env: replace each ${NAME} by lookup(NAME); unknown names stay as written.

    lookup(name) returns the value or None; warn(name) is called for an undefined name
    that contains no ':' (AH00111). A name runs from '${' to the first '}'; a '$' without
    them is kept.
    """
    if "$" not in line:
        return line
    global _VARIABLE
    if _VARIABLE is None:
        _VARIABLE = re.compile(r"\$\{([^}]*)\}")

    def value(match: re.Match) -> str:
        name = match.group(1)
        found = lookup(name)
        if found is None:
            if ":" not in name:
                warn(name)
            return match.group()
        return found

    return _VARIABLE.sub(value, line)
