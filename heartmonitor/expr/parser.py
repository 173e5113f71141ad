"""httpd's ap_expr parser: Bison 2.5's LALR driver over httpd's own tables.

The tables come from httpd's generated util_expr_parse.c (tables.py), so an expression
is accepted or rejected exactly as httpd does it, with the same verbose Bison message;
the semantic actions keep what configuration time checks: names of variables, functions
and operators (lookup.py), the constant argument of -R and -ipmatch, and regexes. The
stacks are lists (no recursion) and, as in Bison, at most YYMAXDEPTH deep.
"""

from __future__ import annotations

from . import tables as t
from .lexer import END, T_ERROR, Jammed, Lexer

YYEMPTY = -2
YYTERROR = 1
# Rules whose action is YYABORT (a scanner error where the grammar allows T_ERROR).
_ABORT_RULES = frozenset((4, 14, 36))


class Node:
    """An ap_expr_t: the operator and its two arguments, as httpd's actions make them.

    op is httpd's node_op without the "op_" prefix. String and Digit hold their text in
    arg1; Var, StringFuncCall, ListFuncCall, UnaryOpCall and BinaryOpCall hold the name
    the lookup hook accepted in arg1 (and the word, or a (word, word) pair, in arg2);
    Regex holds the compiled pattern; RegexBackref the digit; ListElement a word and the
    rest of the list (httpd's order: the last word first).
    """

    __slots__ = ("op", "arg1", "arg2")

    def __init__(self, op: str, arg1=None, arg2=None) -> None:
        self.op = op
        self.arg1 = arg1
        self.arg2 = arg2

    @property
    def text(self) -> str | None:
        """The constant string of a String node, else None (what a lookup may check)."""
        return self.arg1 if self.op == "String" else None


def _token_name(symbol: int) -> str:
    """yytnamerr: names in double quotes lose them; others are shown as they are."""
    name = t.YYTNAME[symbol]
    if name.startswith('"'):
        return name[1:-1]
    return name


def _syntax_error(state: int, token: int) -> str:
    """yysyntax_error: the unexpected token and up to four expected ones."""
    if token == YYEMPTY:
        return "syntax error"
    args = [_token_name(token)]
    base = t.YYPACT[state]
    if base != t.YYPACT_NINF:
        begin = -base if base < 0 else 0
        end = min(t.YYLAST - base + 1, t.YYNTOKENS)
        for symbol in range(begin, end):
            if (t.YYCHECK[symbol + base] == symbol and symbol != YYTERROR
                    and t.YYTABLE[symbol + base] != t.YYTABLE_NINF):
                if len(args) == 5:
                    args = args[:1]
                    break
                args.append(_token_name(symbol))
    if len(args) == 1:
        return f"syntax error, unexpected {args[0]}"
    return f"syntax error, unexpected {args[0]}, expecting " + " or ".join(args[1:])


class Context:
    """ap_expr_parse_ctx_t: the two error texts and the lookup hook."""

    def __init__(self, lookup, compile_regex) -> None:
        self.error: str | None = None
        self.error2: str | None = None
        self.lookup = lookup
        self.compile_regex = compile_regex
        self.expr: Node | None = None

    def info(self, kind: str, name: str, arg, node_op: str, args=None) -> Node | None:
        """ap_expr_info_make: the lookup hook's verdict; its message goes to error2."""
        constant = arg.text if arg is not None else None
        error = self.lookup(kind, name, constant)
        if error is not None:
            self.error2 = error
            return None
        return Node(node_op, name, arg if args is None else args)


# The comparison rules (15-29) and the node each makes.
_COMPARISON_OPS = dict(zip(range(15, 30), (
    "EQ", "NE", "LT", "LE", "GT", "GE", "STR_EQ", "STR_NE", "STR_LT", "STR_LE", "STR_GT",
    "STR_GE", "IN", "REG", "NRE"), strict=True))


def _action(ctx: Context, rule: int, values: list) -> tuple[str, Node | None]:
    """A rule's semantic action: ("ok", value), ("abort", None) or ("error", None)."""
    if rule in _ABORT_RULES:
        return "abort", None
    if rule in (2, 3):
        ctx.expr = values[1]
        return "ok", None
    if rule in _COMPARISON_OPS:
        return "ok", Node(_COMPARISON_OPS[rule], values[0], values[2])
    if rule == 5 or rule == 6:
        return "ok", Node("True" if rule == 5 else "False")
    if rule == 7:
        return "ok", Node("Not", values[1])
    if rule == 8 or rule == 9:
        return "ok", Node("Or" if rule == 8 else "And", values[0], values[2])
    if rule == 10:
        return "ok", Node("Comp", values[0])
    if rule == 37 or rule == 48:
        return "ok", Node("String", values[0] if rule == 37 else "")
    if rule == 40:
        return "ok", ctx.info("var", values[1], None, "Var")
    if rule == 41:
        return "ok", ctx.info("string", values[1], values[3], "StringFuncCall")
    if rule == 53:
        return "ok", ctx.info("string", values[0], values[2], "StringFuncCall")
    if rule == 52:
        return "ok", ctx.info("list", values[0], values[2], "ListFuncCall")
    if rule == 11:
        return "ok", ctx.info("unary", values[0], values[1], "UnaryOpCall")
    if rule == 12:
        return "ok", ctx.info("binary", values[1], values[2], "BinaryOpCall",
                              (values[0], values[2]))
    if rule == 49 or rule == 50:
        regex = ctx.compile_regex(values[0], rule == 50)
        if regex is None:
            ctx.error = "Failed to compile regular expression"
            return "error", None
        return "ok", Node("Regex", regex)
    if rule == 13 or rule == 31 or rule == 47:
        return "ok", values[1]
    if rule == 32:
        return "ok", Node("ListElement", values[0], None)
    if rule == 33:
        return "ok", Node("ListElement", values[2], values[0])
    if rule == 34 or rule == 43:
        return "ok", Node("Concat", values[0], values[-1])
    if rule == 42:
        return "ok", Node("Digit", values[0])
    if rule == 51:
        return "ok", Node("RegexBackref", values[0])
    # $$ = $1 (the default action) for the rest.
    return "ok", values[0] if values else None


def parse_tree(text: str, lookup, compile_regex,
               string_result: bool = False) -> tuple[str | None, Node | None]:
    """ap_expr_parse: (None, the tree) when the expression is good, else (httpd's message,
    None)."""
    ctx = Context(lookup, compile_regex)
    lexer = Lexer(text, string_result)
    try:
        code = _run(ctx, lexer)
    except Jammed:
        return "flex scanner jammed", None
    if ctx.error:
        return (f"{ctx.error}: {ctx.error2}" if ctx.error2 else ctx.error), None
    if ctx.error2:
        return ctx.error2, None
    if code or ctx.expr is None:
        return "syntax error", None
    return None, ctx.expr


def parse(text: str, lookup, compile_regex, string_result: bool = False) -> str | None:
    """ap_expr_parse: None when the expression is good, else httpd's message."""
    return parse_tree(text, lookup, compile_regex, string_result)[0]


def _run(ctx: Context, lexer: Lexer) -> int:
    """yyparse: 0 on accept, 1 on abort."""
    states = [0]
    values: list = [None]
    char = YYEMPTY
    token = YYEMPTY
    value = None
    state = 0
    while True:
        # yynewstate / yysetstate
        if len(states) >= t.YYMAXDEPTH:
            ctx.error = "memory exhausted"
            return 2
        if state == t.YYFINAL:
            return 0
        base = t.YYPACT[state]
        rule = 0
        if base != t.YYPACT_NINF:
            if char == YYEMPTY:
                char, value = lexer.next()
                if char == T_ERROR and lexer.error is not None:
                    ctx.error2 = lexer.error
            token = char
            index = base + token
            if 0 <= index <= t.YYLAST and t.YYCHECK[index] == token:
                action = t.YYTABLE[index]
                if action > 0:
                    char = YYEMPTY
                    state = action
                    states.append(state)
                    values.append(value)
                    continue
                if action == t.YYTABLE_NINF:
                    return _syntax_abort(ctx, state, char)
                rule = -action
        if rule == 0:
            rule = t.YYDEFACT[state]
            if rule == 0:
                return _syntax_abort(ctx, state, char)
        # yyreduce
        length = t.YYR2[rule]
        rhs = values[len(values) - length:] if length else []
        outcome, result = _action(ctx, rule, rhs)
        if outcome == "abort":
            return 1
        if outcome == "error":
            # YYERROR: no rule of this grammar shifts `error`, so the parse ends here.
            return 1
        if length:
            del states[-length:]
            del values[-length:]
        lhs = t.YYR1[rule] - t.YYNTOKENS
        top = states[-1]
        goto = t.YYPGOTO[lhs] + top
        if 0 <= goto <= t.YYLAST and t.YYCHECK[goto] == top:
            state = t.YYTABLE[goto]
        else:
            state = t.YYDEFGOTO[lhs]
        states.append(state)
        values.append(result)


def _syntax_abort(ctx: Context, state: int, char: int) -> int:
    """yyerrlab: report; with no `error` rules the parse is then aborted."""
    ctx.error = _syntax_error(state, char)
    if char == END:
        return 1
    return 1


__all__ = ["parse", "parse_tree", "Node", "END"]
