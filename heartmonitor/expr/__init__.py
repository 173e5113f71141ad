"""httpd's expression language (ap_expr) as httpd parses it at configuration time.

The package is imported only when a configuration uses an expression, so `-t` on
configurations without one does not pay for the tables. What a request needs to evaluate
a parsed expression is in heartmonitor.expr.eval, loaded by the server only.
"""

from __future__ import annotations

from ..regex import ICASE, NOSUB, pregcomp
from .lookup import make_lookup
from .parser import Node, parse_tree

# ap_expr flags that change parsing.
STRING_RESULT = 1


class Expression:
    """ap_expr_info_t: the parsed tree and where it was written (for the error log)."""

    __slots__ = ("root", "filename", "line_number", "flags", "module", "want_user")

    def __init__(self, root: Node, filename: str, line_number: int, flags: int,
                 module: str = "core") -> None:
        self.root = root
        self.filename = filename
        self.line_number = line_number
        self.flags = flags
        # The module whose directive holds it: evaluation errors are logged as its.
        self.module = module
        # Require expr naming REMOTE_USER: a false result waits for a user (mod_authz_core).
        self.want_user = False

    @property
    def string_result(self) -> bool:
        return bool(self.flags & STRING_RESULT)


def _compile(pattern: str, icase: bool):
    # NOSUB is accepted and ignored by ap_regcomp's captures count: $1..$9 still work.
    return pregcomp(pattern, ICASE | NOSUB if icase else NOSUB)


def compile_cmd(cmd, text: str, flags: int = 0) -> tuple[str | None, Expression | None]:
    """ap_expr_parse_cmd: (None, the expression) or (httpd's message, None)."""
    with_ssl = cmd.httpd.module_named("ssl_module") is not None
    error, root = parse_tree(text, make_lookup(with_ssl), _compile, bool(flags & STRING_RESULT))
    if error is not None or root is None:
        return error, None
    directive = cmd.directive
    identifier = cmd.cmd.module.identifier if cmd.cmd.module is not None else "core_module"
    module = identifier[:-7] if identifier.endswith("_module") else identifier
    return None, Expression(root, directive.filename, directive.line_num, flags, module)


def parse_cmd(cmd, text: str, flags: int = 0) -> str | None:
    """ap_expr_parse_cmd: None, or httpd's message for a bad expression."""
    return compile_cmd(cmd, text, flags)[0]
