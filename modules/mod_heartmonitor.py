"""mod_heartmonitor: collects heartbeats (multicast or POST) into hb.dat or the slotmem.

The declarations and configuration handlers follow mod_heartmonitor.c exactly; the
running parts live in heartmonitor.modules.cluster: monitor (post_config, the watchdog
callback), post (the POST handler), console, status_view (server-status), and the two
heartbeat storages this module registers, filestore ("file") and slotstore ("slotmem").
"""

from __future__ import annotations

from heartmonitor.apr.sockaddr import AddrParseError, parse_addr_port, resolve_ipv4, resolve_ipv6
from heartmonitor.cstr import atoi
from heartmonitor.module import FIRST, MIDDLE, Hook, Module
from heartmonitor.modules.cluster.settings import MonitorSettings
from heartmonitor.modules.cluster.storage import STORAGE_GROUP, STORAGE_VERSION, HeartbeatStorage
from heartmonitor.server import Httpd
from heartmonitor.server_rec import ServerRec

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (-t start-up)
if TYPE_CHECKING:  # the URL parser is loaded only for HeartbeatShare (heartlab_module)
    from heartmonitor.modules.cluster.share_url import ShareTarget

DEFAULT_HEARTBEAT_STORAGE = "hb.dat"
DEFAULT_MAXWORKERS = 10


class MonitorConfig:
    """hm_ctx_t: what the directives set for one server."""

    def __init__(self, httpd: Httpd, server: ServerRec) -> None:
        self.active = False
        self.storage_path = httpd.runtime_dir_relative(DEFAULT_HEARTBEAT_STORAGE)
        self.settings = MonitorSettings()
        self.listen_host: str | None = None
        self.listen_ip: str | None = None
        self.listen_port = 0
        self.listen_where: tuple[str, int] | None = None  # file and line of HeartbeatListen
        self.listen_interface: str | None = None  # set by heartlab_module
        # HeartbeatListenUnicast On (heartlab_module): a unicast address is bound, not joined.
        self.listen_unicast = False
        self.share: ShareTarget | None = None  # set by heartlab_module (HeartbeatShare)
        self.maxworkers = DEFAULT_MAXWORKERS
        self.maxworkers_line: tuple[str, int] | None = None

    @property
    def storage_kind(self) -> str:
        """The heartbeat_storage provider: HeartbeatMaxServers 0 means hb.dat."""
        return "slotmem" if self.maxworkers else "file"


def config_of(cmd) -> MonitorConfig:
    return cmd.server.module_config[MODULE]


def set_listen(cmd, mconfig, address: str) -> str | None:
    ctx = config_of(cmd)
    if ctx.active:
        return "HeartbeatListen: May only be specified once."
    ctx.active = True
    try:
        host, _scope, port = parse_addr_port(address)
    except AddrParseError:
        return "HeartbeatListen: Unable to parse multicast address."
    if host is None:
        return "HeartbeatListen: No host provided in multicast address"
    if port == 0:
        return "HeartbeatListen: No port provided in multicast address"
    try:
        ctx.listen_ip = resolve_ipv4(host, port)
    except (OSError, UnicodeError):
        if not ctx.listen_unicast:
            return "HeartbeatListen: apr_sockaddr_info_get failed on multicast address"
        try:
            ctx.listen_ip = resolve_ipv6(host, port)
        except (OSError, UnicodeError):
            return "HeartbeatListen: apr_sockaddr_info_get failed on multicast address"
    ctx.listen_host = host
    ctx.listen_port = port
    ctx.listen_where = (cmd.directive.filename, cmd.directive.line_num)
    return None


def set_storage(cmd, mconfig, path: str) -> str | None:
    config_of(cmd).storage_path = cmd.httpd.runtime_dir_relative(path)
    return None


def set_maxworkers(cmd, mconfig, data: str) -> str | None:
    ctx = config_of(cmd)
    ctx.maxworkers = atoi(data)
    ctx.maxworkers_line = (cmd.directive.filename, cmd.directive.line_num)
    if ctx.maxworkers != 0 and ctx.maxworkers < 10:
        return (
            "HeartbeatMaxServers: Should be 0 for file storage, or greater or equal than 10 "
            "for slotmem"
        )
    return None


# The hooks below import the code they run (cluster.monitor: the listener and the storage
# cycle; post; status_view; the storages) when they run: -t of a configuration runs none
# of them, and importing that code would cost its start-up time.
def post_config(httpd) -> bool:
    from heartmonitor.modules.cluster import monitor

    return monitor.post_config(httpd, MODULE)


def handler(httpd, request):
    """hm_handler; the coroutine reading the body runs only for SetHandler heartbeat."""
    if request.handler != "heartbeat":
        return -1
    from heartmonitor.modules.cluster import post

    return post.handler(httpd, MODULE, request)


def shutdown(httpd, final: bool) -> None:
    from heartmonitor.modules.cluster import monitor

    monitor.shutdown(httpd, final)


def console(httpd, say) -> None:
    from heartmonitor.modules.cluster.console import console as show

    show(httpd, say)


def status_hook(httpd, request, flags: int):
    from heartmonitor.modules.cluster import status_view

    return status_view.status_hook(httpd, request, flags)


def status_json(httpd, request, now: float):
    from heartmonitor.modules.cluster import status_view

    return status_view.status_json(httpd, request, now)


def status_metrics(httpd, request, now: float):
    from heartmonitor.modules.cluster import status_view

    return status_view.status_metrics(httpd, request, now)


def test_config(httpd) -> None:
    """-D DUMP_HEARTBEATS: what the storage holds now, read as the balancer reads it."""
    if not httpd.exists_config_define("DUMP_HEARTBEATS"):
        return
    from heartmonitor.modules.cluster.reader import dump_storage

    dump_storage(httpd, httpd.server_conf.module_config[MODULE], httpd.stdout)


def strict_check(httpd) -> list:
    from heartmonitor.modules.cluster.checks import startup_findings

    return startup_findings(httpd, MODULE)


def file_storage(httpd, config: MonitorConfig) -> HeartbeatStorage:
    """The "file" heartbeat_storage provider (hb.dat)."""
    from heartmonitor.modules.cluster.filestore import FileStorage

    return FileStorage(httpd, config)


def slotmem_storage(httpd, config: MonitorConfig) -> HeartbeatStorage:
    """The "slotmem" heartbeat_storage provider (mod_slotmem_shm's segment)."""
    from heartmonitor.modules.cluster.slotstore import SlotmemStorage

    return SlotmemStorage(httpd, config)


MODULE = Module(
    "heartmonitor_module",
    "mod_heartmonitor.c",
    handlers={"HeartbeatListen": set_listen, "HeartbeatStorage": set_storage,
              "HeartbeatMaxServers": set_maxworkers},
    hooks={
        "post_config": Hook(post_config, MIDDLE),
        "handler": Hook(handler, FIRST, successors=("mod_proxy.c",)),
        "strict_check": strict_check,
        "shutdown": shutdown,
        "console": console,
        "status_hook": status_hook,
        "status_json": status_json,
        "status_metrics": status_metrics,
        "test_config": test_config,
    },
    create_server_config=MonitorConfig,
    providers={(STORAGE_GROUP, "file", STORAGE_VERSION): file_storage,
               (STORAGE_GROUP, "slotmem", STORAGE_VERSION): slotmem_storage},
)
