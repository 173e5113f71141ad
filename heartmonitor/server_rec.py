"""server_rec: a server (the main one or a <VirtualHost>) and its per-module configuration."""

from __future__ import annotations

from .module import Module


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
        self.addrs: list = []
        self.names: list[str] | None = [] if is_virtual else None
        self.wild_names: list[str] | None = [] if is_virtual else None
        self.defn_name: str | None = None
        self.defn_line_number = 0
        self.error_fname: str | None = None
        self.log_level: int | None = None
        self.module_log_levels: dict[str, int] = {}
        self.per_dir_sections: list = []
