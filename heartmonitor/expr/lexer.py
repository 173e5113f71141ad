"""httpd's ap_expr scanner (server/util_expr_scan.l), rule for rule.

Flex picks the longest match and, on a tie, the earlier rule; the branches below do the
same by hand. Tokens are Bison symbol numbers (the indexes of YYTNAME), values are
strings (or the backreference digit). A scanner error is T_ERROR with httpd's text in
`error`; input no rule matches raises Jammed, where httpd's scanner exits.
"""

from __future__ import annotations

END = 0
T_TRUE, T_FALSE, T_EXPR_BOOL, T_EXPR_STRING, T_ERROR, T_DIGIT, T_ID, T_STRING = range(3, 11)
T_REGEX, T_REGEX_I, T_REGEX_BACKREF, T_OP_UNARY, T_OP_BINARY = range(11, 16)
T_STR_BEGIN, T_STR_END, T_VAR_BEGIN, T_VAR_END = range(16, 20)
(T_OP_EQ, T_OP_NE, T_OP_LT, T_OP_LE, T_OP_GT, T_OP_GE, T_OP_REG, T_OP_NRE, T_OP_IN,
 T_OP_STR_EQ, T_OP_STR_NE, T_OP_STR_LT, T_OP_STR_LE, T_OP_STR_GT, T_OP_STR_GE,
 T_OP_CONCAT, T_OP_OR, T_OP_AND, T_OP_NOT) = range(20, 39)
CHARS = {"(": 39, ")": 40, "{": 41, "}": 42, ",": 43, ":": 44}

MAX_STRING_LEN = 8192
_INITIAL, _STR, _VAR, _VARARG = range(4)
_REGEX_DELIMITERS = frozenset("/#$%^,;:_?|-!.'\"")
_KEYWORDS = {
    "and": T_OP_AND, "or": T_OP_OR, "not": T_OP_NOT, "lt": T_OP_LT, "le": T_OP_LE,
    "gt": T_OP_GT, "ge": T_OP_GE, "ne": T_OP_NE, "eq": T_OP_EQ, "in": T_OP_IN,
    "true": T_TRUE, "false": T_FALSE,
}
_DASH_KEYWORDS = {
    "in": T_OP_IN, "eq": T_OP_EQ, "ne": T_OP_NE, "ge": T_OP_GE, "le": T_OP_LE,
    "gt": T_OP_GT, "lt": T_OP_LT,
}
_TWO_CHAR_OPS = {
    "==": T_OP_STR_EQ, "!=": T_OP_STR_NE, "<=": T_OP_STR_LE, ">=": T_OP_STR_GE,
    "=~": T_OP_REG, "!~": T_OP_NRE, "&&": T_OP_AND, "||": T_OP_OR,
}
_ONE_CHAR_OPS = {
    "=": T_OP_STR_EQ, "<": T_OP_STR_LT, ">": T_OP_STR_GT, "!": T_OP_NOT, ".": T_OP_CONCAT,
}
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f"}
_STR_PLAIN_STOP = frozenset("\\\n\"'%}$")


class Jammed(Exception):
    """Input that no scanner rule matches ("flex scanner jammed" in httpd)."""


def _is_alpha(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def _is_ident_char(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "_")


class Lexer:
    """One scan of one expression; next() gives (token, value)."""

    def __init__(self, text: str, string_result: bool) -> None:
        self.text = text
        self.pos = 0
        self.string_result = string_result
        self.at_start = True
        self.state = _INITIAL
        self.stack: list[int] = []
        self.delimiter = ""
        self.buffer: list[str] = []
        self.length = 0
        self.error: str | None = None

    def _fail(self, message: str) -> tuple[int, object]:
        self.error = message
        return T_ERROR, None

    def _append(self, text: str) -> str | None:
        """STR_APPEND for each character: the buffer holds at most MAX_STRING_LEN - 1."""
        self.buffer.append(text)
        self.length += len(text)
        if self.length >= MAX_STRING_LEN:
            return "String too long"
        return None

    def _flush(self) -> tuple[int, object]:
        value = "".join(self.buffer)
        self.buffer = []
        self.length = 0
        return T_STRING, value

    def next(self) -> tuple[int, object]:
        if self.at_start:
            self.at_start = False
            if self.string_result:
                self.state = _STR
                self.delimiter = ""
                return T_EXPR_STRING, None
            return T_EXPR_BOOL, None
        while True:
            state = self.state
            if state == _INITIAL:
                token = self._initial()
            elif state == _VAR:
                token = self._var()
            else:
                token = self._string(state == _VARARG)
            if token is not None:
                return token

    # -- INITIAL ----------------------------------------------------------------------

    def _initial(self) -> tuple[int, object] | None:
        text, pos = self.text, self.pos
        if pos >= len(text):
            return END, None
        ch = text[pos]
        if ch in " \t\n":
            while pos < len(text) and text[pos] in " \t\n":
                pos += 1
            self.pos = pos
            return None
        if ch in "\"'":
            self.pos = pos + 1
            self.buffer = []
            self.length = 0
            self.delimiter = ch
            self.state = _STR
            return T_STR_BEGIN, None
        nxt = text[pos + 1] if pos + 1 < len(text) else ""
        if ch == "%" and nxt == "{":
            self.pos = pos + 2
            self.stack.append(self.state)
            self.state = _VAR
            return T_VAR_BEGIN, None
        if ch == "$" and nxt.isascii() and nxt.isdigit():
            self.pos = pos + 2
            return T_REGEX_BACKREF, int(nxt)
        if _is_alpha(ch):
            end = pos + 1
            while end < len(text) and _is_ident_char(text[end]):
                end += 1
            if ch == "m" and nxt in _REGEX_DELIMITERS and end - pos <= 2:
                return self._regex(pos + 2, nxt)
            word = text[pos:end]
            self.pos = end
            keyword = _KEYWORDS.get(word)
            if keyword is not None:
                return keyword, None
            return T_ID, word
        if ch == "/":
            return self._regex(pos + 1, "/")
        two = text[pos:pos + 2]
        if two in _TWO_CHAR_OPS:
            self.pos = pos + 2
            return _TWO_CHAR_OPS[two], None
        if ch == "-":
            if nxt.isascii() and nxt.isdigit():
                return self._digits(pos, pos + 1)
            if nxt == "_" or _is_alpha(nxt):
                end = pos + 2
                while end < len(text) and (_is_ident_char(text[end])):
                    end += 1
                name = text[pos + 1:end]
                self.pos = end
                if len(name) == 1:
                    return T_OP_UNARY, name
                keyword = _DASH_KEYWORDS.get(name)
                if keyword is not None:
                    return keyword, None
                return T_OP_BINARY, name
        if ch in _ONE_CHAR_OPS:
            self.pos = pos + 1
            return _ONE_CHAR_OPS[ch], None
        if ch.isascii() and ch.isdigit():
            return self._digits(pos, pos)
        if ch in CHARS:
            self.pos = pos + 1
            return CHARS[ch], None
        self.pos = pos + 1
        return self._fail(f"Parse error near '{ch}'")

    def _digits(self, start: int, pos: int) -> tuple[int, object]:
        text = self.text
        while pos < len(text) and text[pos].isascii() and text[pos].isdigit():
            pos += 1
        self.pos = pos
        return T_DIGIT, text[start:pos]

    def _regex(self, pos: int, delimiter: str) -> tuple[int, object]:
        text = self.text
        end = text.find(delimiter, pos)
        if end < 0:
            if len(text) - pos >= MAX_STRING_LEN:
                self.pos = pos + MAX_STRING_LEN
                return self._fail("Regexp too long")
            # <regex> has no end-of-file rule: the scan just ends.
            self.pos = len(text)
            return END, None
        if end - pos >= MAX_STRING_LEN:
            self.pos = pos + MAX_STRING_LEN
            return self._fail("Regexp too long")
        pattern = text[pos:end]
        pos = end + 1
        if pos < len(text) and text[pos] == "i":
            self.pos = pos + 1
            return T_REGEX_I, pattern
        self.pos = pos
        return T_REGEX, pattern

    # -- <var> --------------------------------------------------------------------------

    def _var(self) -> tuple[int, object]:
        text, pos = self.text, self.pos
        if pos >= len(text):
            return self._fail("Unterminated string or variable")
        ch = text[pos]
        if _is_alpha(ch):
            end = pos + 1
            while end < len(text) and _is_ident_char(text[end]):
                end += 1
            self.pos = end
            return T_ID, text[pos:end]
        self.pos = pos + 1
        if ch == "}":
            self.state = self.stack.pop()
            return T_VAR_END, None
        if ch == ":":
            self.state = _VARARG
            self.buffer = []
            self.length = 0
            return CHARS[":"], None
        return self._fail(f"Invalid character in variable name '{ch}'")

    # -- <str> and <vararg> -------------------------------------------------------------

    def _string(self, vararg: bool) -> tuple[int, object] | None:
        text, pos = self.text, self.pos
        if pos >= len(text):
            if vararg or not self.string_result:
                return self._fail("Unterminated string or variable")
            self.state = _INITIAL
            return self._flush()
        ch = text[pos]
        if ch in "\"'" and not vararg:
            if ch != self.delimiter:
                self.pos = pos + 1
                error = self._append(ch)
                return self._fail(error) if error else None
            if not self.buffer:
                self.pos = pos + 1
                self.state = _INITIAL
                return T_STR_END, None
            return self._flush()
        if ch == "\n":
            self.pos = pos + 1
            return self._fail("Unterminated string or variable")
        if ch == "\\":
            return self._escape(pos)
        nxt = text[pos + 1] if pos + 1 < len(text) else ""
        if ch == "$" and nxt.isascii() and nxt.isdigit():
            if self.buffer:
                return self._flush()
            self.pos = pos + 2
            return T_REGEX_BACKREF, int(nxt)
        if ch == "%" and nxt == "{":
            if self.buffer:
                return self._flush()
            self.pos = pos + 2
            self.stack.append(self.state)
            self.state = _VAR
            return T_VAR_BEGIN, None
        if ch == "}" and vararg:
            if self.buffer:
                return self._flush()
            self.pos = pos + 1
            self.state = self.stack.pop()
            return T_VAR_END, None
        if ch in "%}$":
            self.pos = pos + 1
            error = self._append(ch)
            return self._fail(error) if error else None
        if ch in "\"'":
            raise Jammed
        end = pos + 1
        while end < len(text) and text[end] not in _STR_PLAIN_STOP:
            end += 1
        if end - pos >= MAX_STRING_LEN - self.length:
            self.pos = pos + MAX_STRING_LEN - self.length
            return self._fail("String too long")
        self.pos = end
        self.buffer.append(text[pos:end])
        self.length += end - pos
        return None

    def _escape(self, pos: int) -> tuple[int, object] | None:
        text = self.text
        if pos + 1 >= len(text):
            raise Jammed
        ch = text[pos + 1]
        if ch.isascii() and ch.isdigit():
            end = pos + 1
            while end < len(text) and text[end].isascii() and text[end].isdigit():
                end += 1
            digits = text[pos + 1:end]
            # \\[0-9]+ wins over \\[0-7]{1,3} whenever it matches more characters.
            if len(digits) > 3 or not all(d in "01234567" for d in digits):
                self.pos = end
                return self._fail("Bad escape sequence")
            self.pos = end
            value = int(digits, 8)
            if value > 0xFF:
                return self._fail("Escape sequence out of bound")
            error = self._append(chr(value))
            return self._fail(error) if error else None
        self.pos = pos + 2
        error = self._append(_ESCAPES.get(ch, ch))
        return self._fail(error) if error else None
