"""httpd's expression language (ap_expr) as httpd parses it at configuration time.

The package is imported only when a configuration uses an expression, so `-t` on
configurations without one does not pay for the tables.
"""

from __future__ import annotations

from ..regex import ICASE, NOSUB, pregcomp
from .lookup import make_lookup
from .parser import parse

# ap_expr flags that change parsing.
STRING_RESULT = 1


def _compile(pattern: str, icase: bool):
    return pregcomp(pattern, ICASE | NOSUB if icase else NOSUB)


def parse_cmd(cmd, text: str, flags: int = 0) -> str | None:
    """ap_expr_parse_cmd: None, or httpd's message for a bad expression."""
    with_ssl = cmd.httpd.module_named("ssl_module") is not None
    return parse(text, make_lookup(with_ssl), _compile, bool(flags & STRING_RESULT))
