"""server_rec: a server (the main one or a <VirtualHost>) and its per-module configuration."""

from __future__ import annotations

from .config.tree import Directive
from .module import Module

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (-t start-up)
if TYPE_CHECKING:  # PCRE2 is loaded only when a configuration uses a regex
    from .pcre import Regex


class ServerAddr:
    """server_addr_rec: one address a virtual host answers on."""

    __slots__ = ("family", "ip", "port", "virthost")

    def __init__(self, family: int, ip: str, port: int, virthost: str) -> None:
        self.family = family
        self.ip = ip
        self.port = port
        self.virthost = virthost


class Section:
    """A per-directory section (<Directory>, <Location>, <Files>, <If> ...) and its config."""

    def __init__(self, kind: str, path: str, regex: Regex | None, config: dict[Module, object],
                 node: Directive | None) -> None:
        self.kind = kind
        self.path = path
        self.regex = regex
        self.config = config
        self.node = node


class ServerRec:
    """A server (the main one or a <VirtualHost>) and its per-module configuration."""

    def __init__(self, is_virtual: bool = False) -> None:
        self.is_virtual = is_virtual
        self.module_config: dict[Module, object] = {}
        self.lookup_defaults: dict[Module, object] = {}
        self.server_hostname: str | None = None
        self.server_scheme: str | None = None
        self.server_admin: str | None = None
        self.port = 0
        self.addrs: list[ServerAddr] = []
        self.names: list[str] | None = [] if is_virtual else None
        self.wild_names: list[str] | None = [] if is_virtual else None
        self.defn_name: str | None = None
        self.defn_line_number = 0
        self.error_fname: str | None = None
        self.log_level: int | None = None
        self.module_log_levels: dict[str, int] = {}
        self.per_dir_sections: list[Section] = []
        # KeepAlive, MaxKeepAliveRequests, KeepAliveTimeout (microseconds); None: unset
        # (http/keepalive.py merges a virtual host's with the main server's).
        self.keep_alive: bool | None = None
        self.trace_enable: str | None = None  # TraceEnable: on, off, extended
        self.keep_alive_max: int | None = None
        self.keep_alive_timeout: int | None = None
