"""mod_heartbeat: sends this server's ready/busy counts to HeartbeatAddress.

For test labs: heartmonitor can stand in for the backends a balancer watches. The
running parts live in heartmonitor.modules.cluster.sender.
"""

from __future__ import annotations

from heartmonitor.apr.sockaddr import AddrParseError, parse_addr_port, resolve_ipv4
from heartmonitor.module import MIDDLE, Hook, Module
from heartmonitor.server import Httpd
from heartmonitor.server_rec import ServerRec

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (-t start-up)
if TYPE_CHECKING:
    import socket

    from heartmonitor.modules.cluster.sender import Simulation

AP_WATCHDOG_SINGLETON = "_singleton_"


class SenderConfig:
    """hb_ctx_t."""

    def __init__(self, httpd: Httpd, server: ServerRec) -> None:
        self.active = False
        self.address: tuple[str, int] | None = None
        # Set by heartlab_module (HeartbeatAddressInterface, HeartbeatSimulate).
        self.interface: str | None = None
        self.simulations: list[Simulation] = []
        self.simulation_socket: socket.socket | None = None


def set_address(cmd, mconfig, address: str) -> str | None:
    ctx = cmd.server.module_config[MODULE]
    if ctx.active:
        return "HeartbeatAddress: May only be specified once."
    ctx.active = True
    try:
        host, _scope, port = parse_addr_port(address)
    except AddrParseError:
        return "HeartbeatAddress: Unable to parse address."
    if host is None:
        return "HeartbeatAddress: No host provided in address"
    if port == 0:
        return "HeartbeatAddress: No port provided in address"
    try:
        ctx.address = (resolve_ipv4(host, port), port)
    except (OSError, UnicodeError):
        return "HeartbeatAddress: apr_sockaddr_info_get failed."
    return None


def watchdog_need(httpd, server, name: str, parent: int, singleton: int):
    ctx = server.module_config[MODULE]
    return bool(ctx.active and singleton and name == AP_WATCHDOG_SINGLETON)


def watchdog_exit(httpd, server, name: str):
    if name == AP_WATCHDOG_SINGLETON:
        # Imported here: the sender (sockets, struct, ipaddress) runs only when serving.
        from heartmonitor.modules.cluster import sender

        sender.close(server.module_config[MODULE])


def watchdog_step(httpd, server, name: str):
    if name != AP_WATCHDOG_SINGLETON:
        return
    from heartmonitor.modules.cluster import sender

    sender.send_heartbeat(httpd, server.module_config[MODULE])


MODULE = Module(
    "heartbeat_module",
    "mod_heartbeat.c",
    handlers={"HeartbeatAddress": set_address},
    hooks={
        "watchdog_need": Hook(watchdog_need, MIDDLE),
        "watchdog_step": Hook(watchdog_step, MIDDLE),
        "watchdog_exit": Hook(watchdog_exit, MIDDLE),
    },
    create_server_config=SenderConfig,
)
