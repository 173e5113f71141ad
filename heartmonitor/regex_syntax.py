"""Patterns that PCRE2 certainly compiles, recognised without loading PCRE2.

Most configuration regexes are literals with anchors, dots, character classes,
alternation, groups and the quantifiers * + ?: `^\\.ht`, `\\.(?:cgi|php)$`,
`^/old/(.*)$`, `MSIE [2-6]`. pcre2_compile accepts every pattern made only of those
(whatever the ap_regcomp flags), so `-t` need not load libpcre2 through ctypes to check
them; heartmonitor.regex compiles them when they are first matched. Anything else (a
brace, a backreference, a `(?` other than `(?:`, a POSIX class, a letter escape other
than \\d \\w \\s \\D \\W \\S \\b \\B, a non-ASCII character, a long or deeply nested
pattern) answers False and goes to PCRE2 at once, which has the last word.
"""

from __future__ import annotations

_LONGEST = 1024
_DEEPEST = 32
# Characters that stand for themselves outside a class (PCRE2's metacharacters aside).
_META = frozenset("\\^$.|?*+()[]{}")
_CLASS_ESCAPES = frozenset("dDwWsS")
_ASSERTION_ESCAPES = frozenset("bB")
_QUANTIFIERS = frozenset("*+?")


def _printable_ascii(pattern: str) -> bool:
    return pattern.isascii() and pattern.isprintable()


def _escape_is_literal(ch: str) -> bool:
    """A backslash before any ASCII character that is not a letter or digit quotes it."""
    return not ch.isalnum()


def _class_end(pattern: str, pos: int) -> int:
    """The index after the `]` closing the class opened at pos - 1, or -1 when the class
    is not of the plain kind (literals, escaped punctuation, \\d-style escapes, ranges
    between two literals in order, a hyphen first or last)."""
    n = len(pattern)
    if pattern[pos:pos + 1] in (":", ".", "="):
        return -1  # [:alpha:] outside a class is an error; let PCRE2 say
    if pos < n and pattern[pos] == "^":
        pos += 1
    first = pos
    if pos >= n or pattern[pos] in "]:.=":
        return -1  # `[]` and `[^]` start differently in PCRE2
    while pos < n:
        ch = pattern[pos]
        if ch == "]":
            return pos + 1
        if ch == "[":
            return -1  # [:alpha:] and friends
        if ch == "\\":
            if pos + 1 >= n:
                return -1
            escaped = pattern[pos + 1]
            if escaped in _CLASS_ESCAPES:
                pos += 2
                if pos < n and pattern[pos] == "-" and pattern[pos + 1:pos + 2] != "]":
                    return -1  # a range from a class escape
                continue
            if not _escape_is_literal(escaped):
                return -1
            pos += 2
            if pos < n and pattern[pos] == "-" and pattern[pos + 1:pos + 2] != "]":
                return -1  # ranges only between plain literals
            continue
        if ch == "-":
            if pos != first and pattern[pos + 1:pos + 2] != "]":
                return -1  # a hyphen in the middle, or one that starts a range
            pos += 1
            continue
        if pos + 2 < n and pattern[pos + 1] == "-" and pattern[pos + 2] != "]":
            high = pattern[pos + 2]
            if high in "\\[-" or ord(high) < ord(ch):
                return -1
            pos += 3
            if pos < n and pattern[pos] == "-" and pattern[pos + 1:pos + 2] != "]":
                return -1  # a range right after a range
            continue
        pos += 1
    return -1  # no closing bracket


def certainly_compiles(pattern: str) -> bool:
    """True when pcre2_compile accepts the pattern with any ap_regcomp flags; False when
    only PCRE2 can tell."""
    n = len(pattern)
    if n > _LONGEST or not _printable_ascii(pattern):
        return not pattern  # the empty pattern compiles; the rest goes to PCRE2
    depth = 0
    repeatable = False  # whether a quantifier may follow what came last
    pos = 0
    while pos < n:
        ch = pattern[pos]
        if ch in _QUANTIFIERS:
            if not repeatable:
                return False
            pos += 1
            if pos < n and pattern[pos] in "?+":  # lazy or possessive
                pos += 1
            repeatable = False
            continue
        if ch == "(":
            if pattern[pos + 1:pos + 2] == "?":
                if pattern[pos + 2:pos + 3] != ":":
                    return False
                pos += 3
            else:
                pos += 1
            depth += 1
            if depth > _DEEPEST:
                return False
            repeatable = False
            continue
        if ch == ")":
            if depth == 0:
                return False
            depth -= 1
            repeatable = True
            pos += 1
            continue
        if ch == "|":
            repeatable = False
            pos += 1
            continue
        if ch == "^" or ch == "$":
            repeatable = False
            pos += 1
            continue
        if ch == "[":
            end = _class_end(pattern, pos + 1)
            if end < 0:
                return False
            repeatable = True
            pos = end
            continue
        if ch == "\\":
            if pos + 1 >= n:
                return False
            escaped = pattern[pos + 1]
            if escaped in _ASSERTION_ESCAPES:
                repeatable = False
            elif escaped in _CLASS_ESCAPES or _escape_is_literal(escaped):
                repeatable = True
            else:
                return False
            pos += 2
            continue
        if ch in _META and ch != ".":  # { } ] : PCRE2 decides
            return False
        repeatable = True  # a literal or "."
        pos += 1
    return depth == 0
