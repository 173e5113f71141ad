"""mod_lbmethod_heartbeat: reads what mod_heartmonitor stores, for the 'heartbeat' lbmethod.

heartmonitor does not proxy requests; it offers the reader (hb.dat or slotmem) that a
balancer would use, so `heartmonitor -S` and the status pages can show what a real
mod_lbmethod_heartbeat would see.
"""

from __future__ import annotations

from heartmonitor.module import LAST, Hook, Module
from heartmonitor.server import Httpd
from heartmonitor.server_rec import ServerRec

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (-t start-up)
if TYPE_CHECKING:
    from heartmonitor.modules.cluster.slotmem import Slotmem

DEFAULT_HEARTBEAT_STORAGE = "hb.dat"


class ReaderConfig:
    """lb_hb_ctx_t."""

    def __init__(self, httpd: Httpd, server: ServerRec) -> None:
        self.path = httpd.runtime_dir_relative(DEFAULT_HEARTBEAT_STORAGE)
        self.slotmem: Slotmem | None = None


def set_storage(cmd, mconfig, path: str) -> str | None:
    cmd.server.module_config[MODULE].path = cmd.httpd.runtime_dir_relative(path)
    return None


def post_config(httpd) -> bool:
    # Imported here: the storage reader runs only when serving, never for -t.
    from heartmonitor.modules.cluster import reader

    return reader.post_config(httpd, MODULE)


MODULE = Module(
    "lbmethod_heartbeat_module",
    "mod_lbmethod_heartbeat.c",
    handlers={"HeartbeatStorage": set_storage},
    hooks={"post_config": Hook(post_config, LAST, predecessors=("mod_heartmonitor.c",))},
    create_server_config=ReaderConfig,
)
