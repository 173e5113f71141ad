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


def _closing_quote(line: str, quote: str, pos: int) -> int:
    """Where the quoted text from pos ends: the first quote not escaped by a backslash
    (one that follows a backslash-backslash pair is not), or the end of the line.

    Linear: the quote is searched for again only once the scan has passed it."""
    n = len(line)
    end = line.find(quote, pos)
    while True:
        backslash = line.find("\\", pos, end if end >= 0 else n)
        if backslash < 0:
            return end if end >= 0 else n
        pos = backslash + 2 if line[backslash + 1:backslash + 2] in (quote, "\\") else backslash + 1
        if 0 <= end < pos:
            end = line.find(quote, pos)


def getword_conf(line: str, pos: int = 0) -> tuple[str, int]:
    """Return (word, position after the word and the white space that follows it)."""
    # Without re: most configurations need no regex at all, and importing re costs -t
    # more than reading a small configuration.
    n = len(line)
    while pos < n and line[pos] in SPACE:
        pos += 1
    if pos == n:
        return "", pos
    quote = line[pos]
    if quote == '"' or quote == "'":
        end = _closing_quote(line, quote, pos + 1)
        word = _unescape(line[pos + 1:end], quote)
        end = end + 1 if end < n else end
    else:
        # Most words end at a blank within a few characters; looking no further than
        # _WINDOW keeps a long line of words without blanks linear.
        end = line.find(" ", pos, pos + _WINDOW)
        if end < 0 and n - pos <= _WINDOW:
            end = n
        word = line[pos:end] if end >= 0 else ""
        if end < 0 or not word.isprintable():  # other white space (or none) within reach
            end = pos
            while end < n and line[end] not in SPACE:
                end += 1
            word = line[pos:end]
        if "\\" in word:
            word = _unescape(word, "")
    while end < n and line[end] in SPACE:
        end += 1
    return word, end


_WINDOW = 256


# Characters that make the quick str.split() path differ from ap_getword_conf: quotes and
# backslashes change words, and Python's split() also breaks on \x1c-\x1f.
_SLOW = frozenset("\"'\\\x1c\x1d\x1e\x1f")


def first_word(line: str) -> tuple[str, str]:
    """(first word, the rest after the white space that follows it): ap_getword_conf once.

    A line that starts with a word without quote, backslash or white space other than
    a blank after it is split at that blank (every configuration line comes here).
    """
    word, _blank, rest = line.partition(" ")
    # isprintable: no other C white space (nor \x1c-\x1f, nor Unicode space) in the word
    if word.isprintable() and '"' not in word and "'" not in word and "\\" not in word and word:
        return word, rest.lstrip(SPACE)
    word, pos = getword_conf(line)
    return word, line[pos:]


def split_words(args: str) -> list[str]:
    """Every word of args, as repeated ap_getword_conf calls return them ("" included)."""
    if args.isascii() and _SLOW.isdisjoint(args):
        return args.split()
    if "\n" in args or "\v" in args or "\f" in args or "\r" in args:
        words = []
        pos = len(args) - len(args.lstrip(SPACE))
        while pos < len(args):
            word, pos = getword_conf(args, pos)
            words.append(word)
        return words
    return _split_blanks_and_tabs(args)


def _split_blanks_and_tabs(args: str) -> list[str]:
    """split_words of a line whose only white space is blanks and tabs (quoted words,
    backslashes): each word found with str.find, the next blank and tab remembered until
    passed, so that the line is scanned a bounded number of times."""
    words = []
    n = len(args)
    blank, tab = args.find(" "), args.find("\t")
    pos = len(args) - len(args.lstrip(" \t"))
    while pos < n:
        quote = args[pos]
        if quote == '"' or quote == "'":
            end = _closing_quote(args, quote, pos + 1)
            words.append(_unescape(args[pos + 1:end], quote))
            pos = end + 1 if end < n else end
        else:
            if 0 <= blank < pos:
                blank = args.find(" ", pos)
            if 0 <= tab < pos:
                tab = args.find("\t", pos)
            end = min(blank if blank >= 0 else n, tab if tab >= 0 else n)
            plain = args[pos:end]
            words.append(_unescape(plain, "") if "\\" in plain else plain)
            pos = end
        while pos < n and (args[pos] == " " or args[pos] == "\t"):
            pos += 1
    return words


def words_until_empty(args: str) -> list[str]:
    """The loop `while ((w = ap_getword_conf(p, &t)) && w[0])`: stops at an empty word."""
    words = []
    for word in split_words(args):
        if not word:
            break
        words.append(word)
    return words


def resolve_env(line: str, lookup, warn) -> str:
    """ap_resolve_env: replace each ${NAME} by lookup(NAME); unknown names stay as written.

    lookup(name) returns the value or None; warn(name) is called for an undefined name
    that contains no ':' (AH00111). A name runs from '${' to the first '}'; a '$' without
    them is kept.
    """
    parts = []
    done = 0
    while True:
        start = line.find("${", done)
        if start < 0:
            break
        end = line.find("}", start + 2)
        if end < 0:
            break
        name = line[start + 2:end]
        found = lookup(name)
        if found is None:
            if ":" not in name:
                warn(name)
            parts.append(line[done:end + 1])
        else:
            parts.append(line[done:start])
            parts.append(found)
        done = end + 1
    if not parts:
        return line
    parts.append(line[done:])
    return "".join(parts)
