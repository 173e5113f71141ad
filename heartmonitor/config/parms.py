"""cmd_parms: what a directive handler learns about where it runs."""

from __future__ import annotations

from ..constants import TOP_LEVEL_OVERRIDE
from ..module import Module
from ..server import Httpd
from ..server_rec import ServerRec
from .command import Command
from .reader import ConfigFile
from .tree import Directive

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (-t start-up)
if TYPE_CHECKING:
    from typing import Any

# A per-directory configuration vector (ap_conf_vector_t): each module's config object.
ConfigVector = dict[Module, object]


class CmdParms:
    """What a directive handler learns about where it runs (cmd_parms)."""

    __slots__ = (
        "httpd", "server", "override", "override_opts", "limited", "path", "cmd", "info",
        "directive", "err_directive", "context", "config_file", "is_htaccess",
        "override_list",
    )

    def __init__(self, httpd: Httpd, server: ServerRec,
                 config_file: ConfigFile | None = None) -> None:
        self.httpd = httpd
        self.server = server
        self.override: int = TOP_LEVEL_OVERRIDE
        self.override_opts: int = 0
        self.limited: int = -1
        self.path: str | None = None
        # The Command being run and its data; set by invoke_cmd before any handler runs.
        self.cmd: Command | None = None
        self.info: Any = None  # the declaration's data: each directive its own kind
        self.directive: Directive | None = None
        self.err_directive: Directive | None = None
        # The per-directory configuration vector of the section being walked.
        self.context: ConfigVector | None = None
        self.config_file = config_file
        self.is_htaccess: bool = False
        self.override_list: list[str] | None = None

    def file_being_read(self) -> ConfigFile:
        """The file the directives come from, while the configuration is read (the tree
        is walked later without one)."""
        if self.config_file is None:
            raise ValueError("no configuration file is being read")
        return self.config_file
