"""apr_fnmatch_test and apr_fnmatch (APR 1.7), as httpd's Include wildcards use them.

Include passes APR_FNM_PERIOD only: a leading '.' must be matched literally, '/' is an
ordinary character, backslash escapes, and both '[!...]' and '[^...]' negate. Python's
fnmatch differs on several of these points, so this is a straight port.
"""

from __future__ import annotations

NOMATCH = 1


def fnmatch_test(pattern: str) -> bool:
    """True when the pattern holds a wildcard ('?', '*', or a '[' closed by ']')."""
    if "?" not in pattern and "*" not in pattern and "[" not in pattern:
        return False  # nothing the loop below could answer True for
    nesting = 0
    i = 0
    n = len(pattern)
    while i < n:
        ch = pattern[i]
        if ch in "?*":
            return True
        if ch == "\\":
            i += 1
            if i >= n:
                return False
        elif ch == "[":
            nesting += 1
        elif ch == "]" and nesting:
            return True
        i += 1
    return False


def _at(text: str, i: int) -> str:
    """The C view of a string: '' stands for the terminating NUL."""
    return text[i] if i < len(text) else ""


def _signed(ch: str) -> int:
    """A byte as C's signed char compares it in bracket ranges."""
    code = ord(ch)
    return code - 256 if code > 127 else code


def _as_bytes(text: str) -> str:
    """One character per byte of the file name, so comparisons are bytewise like C's."""
    return text.encode("utf-8", "surrogateescape").decode("latin-1")


def _match_char(pattern: str, p: int, string: str, s: int) -> tuple[int, int, int]:
    """fnmatch_ch: match one pattern element; returns (result, new p, new s)."""
    mismatch = p
    result = NOMATCH
    if _at(pattern, p) == "[":
        p += 1
        negate = _at(pattern, p) in ("!", "^")
        if negate:
            p += 1
        leading_close = _at(pattern, p) == "]"
        while _at(pattern, p) or leading_close:
            if not leading_close:
                if pattern[p] == "]":
                    return (result ^ int(negate)), p + 1, s + 1
                if pattern[p] == "\\":
                    p += 1
                    if not _at(pattern, p):
                        break
            leading_close = False
            if _at(pattern, p + 1) == "-" and _at(pattern, p + 2) != "]":
                start = pattern[p]
                p += 3 if _at(pattern, p + 2) == "\\" else 2
                if not _at(pattern, p):
                    break
                ch = _at(string, s)
                if ch and _signed(start) <= _signed(ch) <= _signed(pattern[p]):
                    result = 0
                p += 1
                continue
            if _at(string, s) == pattern[p]:
                result = 0
            p += 1
        p = mismatch
        result = NOMATCH
    elif _at(pattern, p) == "?":
        if not _at(string, s):
            return NOMATCH, p, s
        return 0, p + 1, s + 1
    elif _at(pattern, p) == "\\" and _at(pattern, p + 1):
        p += 1

    if _at(string, s) == _at(pattern, p):
        result = 0
    if not _at(string, s) or not _at(pattern, p):
        return result, p, s
    return result, p + 1, s + 1


def _skip_one(pattern: str, p: int) -> int:
    """Advance over one fixed pattern element when counting trailing matches."""
    if pattern[p] == "\\" and _at(pattern, p + 1):
        return p + 2
    if pattern[p] == "[":
        return _match_char(pattern, p, " ", 0)[1]
    return p + 1


_SPECIAL = frozenset("*?[\\")


def fnmatch(pattern: str, string: str) -> bool:
    """apr_fnmatch(pattern, string, APR_FNM_PERIOD) == APR_SUCCESS."""
    tail = pattern[1:]
    if pattern[:1] == "*" and tail.isascii() and _SPECIAL.isdisjoint(tail):
        # '*.conf', the usual Include pattern: what the loop below decides for it.
        return not string.startswith(".") and string.endswith(tail)
    return _fnmatch(pattern, string)


def _fnmatch(pattern: str, string: str) -> bool:
    """apr_fnmatch's loop."""
    if not (pattern.isascii() and string.isascii()):
        pattern, string = _as_bytes(pattern), _as_bytes(string)
    p = 0
    s = 0
    if string.startswith("."):
        if pattern.startswith("."):
            p = 1
        elif pattern.startswith("\\."):
            p = 2
        else:
            return False
        s = 1
    end = len(string)
    strstart = 0
    mismatch = 0
    matchlen = 0
    while _at(pattern, p):
        if s > end or (s == end and pattern[p] != "*"):
            break
        wild = False
        while _at(pattern, p) in ("*", "?"):
            if pattern[p] == "*":
                wild = True
            elif s < end:
                s += 1
            else:
                return False
            p += 1
        if wild:
            strstart = s
            mismatch = p
            matchlen = 0
            q = p
            while True:
                if not _at(pattern, q):
                    if s + matchlen > end:
                        return False
                    s = end - matchlen
                    wild = False
                    break
                if pattern[q] == "*":
                    if s + matchlen > end:
                        return False
                    break
                q = _skip_one(pattern, q)
                matchlen += 1
        while _at(pattern, p) and s < end:
            if pattern[p] == "*":
                break
            result, p, s = _match_char(pattern, p, string, s)
            if not result:
                continue
            if wild:
                strstart += 1
                s = strstart
                if s + matchlen > end:
                    return False
                p = mismatch
                continue
            return False
    return s >= end and not _at(pattern, p)
