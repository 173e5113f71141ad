"""The command table's vocabulary: how a directive takes its arguments and where it may appear.

Names and values follow include/http_config.h so that declarations read like httpd's
command_rec tables and the generated catalogue of stock modules can use them directly.
"""

from __future__ import annotations

# Where a directive may appear and where its handler refuses to run (declared with httpd's
# other shared numbers); command tables import them from here.
from ..constants import (
    ACCESS_CONF,
    EXEC_ON_READ,
    GLOBAL_ONLY,
    NONFATAL_OVERRIDE,
    NONFATAL_UNKNOWN,
    NOT_IN_DIR_CONTEXT,
    NOT_IN_DIR_LOC_FILE,
    NOT_IN_DIRECTORY,
    NOT_IN_FILES,
    NOT_IN_HTACCESS,
    NOT_IN_LIMIT,
    NOT_IN_LOCATION,
    NOT_IN_PROXY,
    NOT_IN_VIRTUALHOST,
    OR_ALL,
    OR_AUTHCFG,
    OR_FILEINFO,
    OR_INDEXES,
    OR_LIMIT,
    OR_NONE,
    OR_OPTIONS,
    OR_UNSET,
    PROXY_CONF,
    RSRC_CONF,
    TOP_LEVEL_OVERRIDE,
)

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (-t start-up)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

# cmd_how: how the arguments are split before the handler sees them.
RAW_ARGS = 0
TAKE1 = 1
TAKE2 = 2
ITERATE = 3
ITERATE2 = 4
FLAG = 5
NO_ARGS = 6
TAKE12 = 7
TAKE3 = 8
TAKE23 = 9
TAKE123 = 10
TAKE13 = 11
TAKE_ARGV = 12

HOW_NAMES = {
    RAW_ARGS: "RAW_ARGS", TAKE1: "TAKE1", TAKE2: "TAKE2", ITERATE: "ITERATE",
    ITERATE2: "ITERATE2", FLAG: "FLAG", NO_ARGS: "NO_ARGS", TAKE12: "TAKE12",
    TAKE3: "TAKE3", TAKE23: "TAKE23", TAKE123: "TAKE123", TAKE13: "TAKE13",
    TAKE_ARGV: "TAKE_ARGV",
}

# A handler returns this to let the next module with the same directive have it.
DECLINE_CMD = "\a\b"


class Command:
    """One directive of one module (command_rec).

    handler(cmd, mconfig, *args) returns None or httpd's error text. A command without a
    handler is inert: it is checked for context and arity, then does nothing; `forbidden`
    holds the ap_check_cmd_context() mask its httpd handler applies first; `extension`
    marks a directive of heartmonitor's own that httpd does not have.
    """

    __slots__ = ("name", "handler", "data", "override", "how", "help", "forbidden", "module",
                 "extension")

    def __init__(
        self,
        name: str,
        how: int,
        override: int,
        help: str | None,
        handler: Callable[..., str | None] | None = None,
        data: Any = None,
        forbidden: int = 0,
        extension: bool = False,
    ) -> None:
        self.name = name
        self.how = how
        self.override = override
        self.help = help
        self.handler = handler
        self.data = data
        self.forbidden = forbidden
        self.module: Any = None  # the Module that declares it (module.py builds on this one)
        # heartmonitor's own directive: httpd has no such directive (test with <IfDirective>).
        self.extension = extension

    def __repr__(self) -> str:
        return f"<Command {self.name} {HOW_NAMES.get(self.how, self.how)}>"
