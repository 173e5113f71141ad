"""The reference grammar in pyparsing that the fast word splitter is held to.

ap_getword_conf runs on every configuration line, so heartmonitor's port is one regular
expression plus a str.split() shortcut. This grammar states the same rules
declaratively; property tests (tests/test_properties.py) check that both agree on
arbitrary input. Tab is ordinary white space and is kept inside quotes
(parse_with_tabs).
"""

from __future__ import annotations

import pyparsing as pp

WHITE = " \t\n\v\f\r"


def _quoted(quote: str) -> pp.ParserElement:
    """A quoted word: backslash-quote and backslash-backslash are escapes, nothing else."""
    escape = (pp.Literal("\\" + quote) | pp.Literal("\\\\")).set_parse_action(
        lambda tokens: tokens[0][1]
    )
    plain = pp.CharsNotIn(quote, exact=1)
    body = pp.Combine(pp.ZeroOrMore(escape | plain), adjacent=True).leave_whitespace()
    return (pp.Suppress(quote) + body + pp.Optional(pp.Suppress(quote))).leave_whitespace()


def _bare() -> pp.ParserElement:
    """An unquoted word: up to white space; only backslash-backslash is unescaped."""
    escape = pp.Literal("\\\\").set_parse_action(lambda tokens: "\\")
    plain = pp.CharsNotIn(WHITE, exact=1)
    return pp.Combine(pp.OneOrMore(escape | plain), adjacent=True).leave_whitespace()


def word_grammar() -> pp.ParserElement:
    """The words of an argument string, as successive ap_getword_conf calls see them."""
    space = pp.Suppress(pp.Optional(pp.Word(WHITE).leave_whitespace()))
    word = space + (_quoted('"') | _quoted("'") | _bare()) + space
    grammar = space + pp.ZeroOrMore(word) + pp.StringEnd()
    return grammar.leave_whitespace().parse_with_tabs()


_WORDS = None


def reference_words(text: str) -> list[str]:
    """Every word of text under the reference grammar."""
    global _WORDS
    if _WORDS is None:
        _WORDS = word_grammar()
    return list(_WORDS.parse_string(text, parse_all=True))
