"""mod_heartlab: heartmonitor's own directives, a module httpd does not have.

A configuration that does not load it is judged exactly as httpd judges it (its
directives are then `Invalid command`); `LoadModule heartlab_module
modules/mod_heartlab.so` turns them on, and `<IfModule heartlab_module>` keeps one file
valid for both httpd and heartmonitor.

The directives fill this module's own server config; at post_config, before any other
module runs, the settings are handed to the modules they tune (heartmonitor_module for
the listener, heartbeat_module for the sender), so those keep no knowledge of this one.
"""

from __future__ import annotations

from heartmonitor.apr.sockaddr import resolve_ipv4
from heartmonitor.cnum import digits_value, is_ascii_digits
from heartmonitor.config.command import (
    FLAG,
    GLOBAL_ONLY,
    RSRC_CONF,
    TAKE1,
    TAKE12,
    TAKE_ARGV,
    Command,
)
from heartmonitor.constants import DECLINED
from heartmonitor.module import MIDDLE, REALLY_FIRST, Hook, Module
from heartmonitor.server import Httpd
from heartmonitor.server_rec import ServerRec

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (-t start-up)
if TYPE_CHECKING:
    from heartmonitor.modules.cluster.sender import Simulation
    from heartmonitor.modules.cluster.share_url import ShareTarget


class LabConfig:
    """What heartlab_module's directives set for the main server."""

    def __init__(self, httpd: Httpd, server: ServerRec) -> None:
        self.listen_interface: str | None = None
        self.address_interface: str | None = None
        self.simulations: list[Simulation] = []
        # MonitorSettings values to set, {attribute: seconds} (HeartbeatExpire ...).
        self.timings: dict[str, float] = {}
        self.share: ShareTarget | None = None
        self.on_stop = "keep"
        self.listen_unicast = False
        self.warmup = 0
        self.hysteresis: tuple[int, int] | None = None


def config_of(cmd) -> LabConfig:
    return cmd.server.module_config[MODULE]


def _local_ipv4(cmd, address: str) -> str | None:
    try:
        return resolve_ipv4(address, 0)
    except (OSError, UnicodeError):
        return None


def set_listen_interface(cmd, mconfig, address: str) -> str | None:
    """HeartbeatListenInterface: join the HeartbeatListen group on this local address."""
    resolved = _local_ipv4(cmd, address)
    if resolved is None:
        return f"HeartbeatListenInterface: {address} is not an IPv4 address of this host"
    config_of(cmd).listen_interface = resolved
    return None


def set_address_interface(cmd, mconfig, address: str) -> str | None:
    """HeartbeatAddressInterface: send multicast heartbeats out of this local address."""
    resolved = _local_ipv4(cmd, address)
    if resolved is None:
        return f"HeartbeatAddressInterface: {address} is not an IPv4 address of this host"
    config_of(cmd).address_interface = resolved
    return None


def add_simulation(cmd, mconfig, words: list[str]) -> str | None:
    """HeartbeatSimulate: more backends beating from this process."""

    # Lazy (here and in set_share): the sender and the URL parser cost every -t that
    # loads this module, and only these directives need them.
    from heartmonitor.modules.cluster.sender import parse_simulation

    simulation = parse_simulation(words)
    if isinstance(simulation, str):
        return simulation
    config_of(cmd).simulations.append(simulation)
    return None


MAX_SECONDS = 31536000  # a year
TIMINGS = {
    # directive: (MonitorSettings attribute, smallest value)
    "heartbeatexpire": ("expire", 1),
    "heartbeatforget": ("forget", 1),
    "heartbeatstorageinterval": ("storage_interval", 1),
}


def whole_number(value: str, low: int, high: int) -> int | None:
    """value as ASCII digits from low to high, None otherwise (however many digits)."""
    if not is_ascii_digits(value):
        return None
    number = digits_value(value, high)
    return number if low <= number <= high else None


def set_timing(cmd, mconfig, value: str) -> str | None:
    """HeartbeatExpire, HeartbeatForget, HeartbeatStorageInterval: whole seconds."""
    attribute, low = TIMINGS[cmd.cmd.name.lower()]
    seconds = whole_number(value, low, MAX_SECONDS)
    if seconds is None:
        return (f"{cmd.cmd.name}: '{value}' is not a number of seconds from {low} to "
                f"{MAX_SECONDS}")
    config_of(cmd).timings[attribute] = seconds
    return None


def set_warmup(cmd, mconfig, value: str) -> str | None:
    """HeartbeatWarmup: seconds over which an appearing server's ready ramps up (0: off)."""
    seconds = whole_number(value, 0, MAX_WARMUP)
    if seconds is None:
        return f"HeartbeatWarmup: '{value}' is not a number of seconds from 0 to {MAX_WARMUP}"
    config_of(cmd).warmup = seconds
    return None


MAX_WARMUP = 86400  # a day
MIN_DOWN = 2  # a silence of 2 s is the shortest that misses a heartbeat (table.ROW_GAP)
MAX_BEATS = 3600


def set_hysteresis(cmd, mconfig, down: str, up: str | None = None) -> str | None:
    """HeartbeatHysteresis DOWN UP | off: heartbeats missed before a server is published
    stale, heard in a row before it is published up again."""
    if up is None:
        if down.lower() != "off":
            return "HeartbeatHysteresis takes two numbers (DOWN UP), or off"
        config_of(cmd).hysteresis = None
        return None
    beats = []
    for value, what, low in ((down, "missed heartbeats (DOWN)", MIN_DOWN),
                             (up, "heartbeats in a row (UP)", 1)):
        number = whole_number(value, low, MAX_BEATS)
        if number is None:
            return (f"HeartbeatHysteresis: '{value}' is not a number of {what} from {low} "
                    f"to {MAX_BEATS}")
        beats.append(number)
    config_of(cmd).hysteresis = (beats[0], beats[1])
    return None


def set_share(cmd, mconfig, url: str, name: str | None = None) -> str | None:
    """HeartbeatShare: share the heartbeat table with other monitors through etcd."""
    from heartmonitor.modules.cluster.share_url import parse_share  # lazy: see add_simulation

    target = parse_share(url, name)
    if isinstance(target, str):
        return target
    config_of(cmd).share = target
    return None


def set_on_stop(cmd, mconfig, value: str) -> str | None:
    """HeartbeatOnStop keep|expire: what a stopping monitor leaves in hb.dat."""
    if value.lower() not in ("keep", "expire"):
        return "HeartbeatOnStop must be keep or expire"
    config_of(cmd).on_stop = value.lower()
    return None


def set_listen_unicast(cmd, mconfig, on: bool) -> str | None:
    """HeartbeatListenUnicast On: a HeartbeatListen unicast address (IPv4 or IPv6) is bound
    and heard instead of failing to join it as a multicast group (httpd)."""
    config_of(cmd).listen_unicast = on
    # Set at once too: an IPv6 HeartbeatListen that follows resolves only when opted in.
    monitor = cmd.httpd.module_named("heartmonitor_module")
    if monitor is not None:
        cmd.server.module_config[monitor].listen_unicast = on
    return None


def empty_storage_on_stop(httpd, final: bool) -> None:
    """HeartbeatOnStop expire: a monitor that stops empties its hb.dat, so balancers stop
    trusting lastseen values nobody updates (a slotmem ages by itself: nothing to do)."""
    lab = httpd.server_conf.module_config[MODULE]
    monitor = httpd.module_named("heartmonitor_module")
    if not final or lab.on_stop != "expire" or monitor is None:
        return
    config = httpd.server_conf.module_config[monitor]
    if not config.active or config.maxworkers or not config.storage_path:
        return
    from heartmonitor import log
    from heartmonitor.modules.cluster.hbfile import WriteError, write_atomically

    try:
        write_atomically(config.storage_path, b"")
    except WriteError as error:
        httpd.log_error("heartlab", log.ERR, f"{error.code}: {error.message}", error.errno)


def apply_settings(httpd) -> bool:
    """Hand the settings to the modules they tune (those that are loaded)."""
    lab = httpd.server_conf.module_config[MODULE]
    monitor = httpd.module_named("heartmonitor_module")
    if monitor is not None:
        monitor_config = httpd.server_conf.module_config[monitor]
        if lab.listen_interface is not None:
            monitor_config.listen_interface = lab.listen_interface
        monitor_config.listen_unicast = lab.listen_unicast
        for attribute, seconds in lab.timings.items():
            setattr(monitor_config.settings, attribute, seconds)
        monitor_config.settings.warmup = lab.warmup
        monitor_config.settings.hysteresis = lab.hysteresis
        monitor_config.share = lab.share
    sender = httpd.module_named("heartbeat_module")
    if sender is not None:
        sender_config = httpd.server_conf.module_config[sender]
        if lab.address_interface is not None:
            sender_config.interface = lab.address_interface
        sender_config.simulations = list(lab.simulations)
    return True


ADMIN_HANDLER = "heartbeat-admin"


def admin_handler(httpd, request):
    """SetHandler heartbeat-admin: drain and undrain servers (cluster/admin.py)."""
    if request.handler != ADMIN_HANDLER:
        return DECLINED
    # Imported here: it runs only when serving, and -t never loads asyncio.
    from heartmonitor.modules.cluster import admin

    return admin.handler(httpd, request)


# heartmonitor's own directives, declared in full; all of them main server only.
MODULE = Module(
    "heartlab_module",
    "mod_heartlab.c",
    commands=[
        Command("HeartbeatListenInterface", TAKE1, RSRC_CONF,
                "Local IPv4 address of the interface to join the HeartbeatListen group on "
                "(heartmonitor)", set_listen_interface,
                forbidden=GLOBAL_ONLY, extension=True),
        Command("HeartbeatAddressInterface", TAKE1, RSRC_CONF,
                "Local IPv4 address whose interface heartbeats are sent from (heartmonitor)",
                set_address_interface,
                forbidden=GLOBAL_ONLY, extension=True),
        Command("HeartbeatSimulate", TAKE_ARGV, RSRC_CONF,
                "Number of simulated backends, the first one's source address, and optional "
                "ready=N busy=N port=N (heartmonitor)", add_simulation,
                forbidden=GLOBAL_ONLY, extension=True),
        Command("HeartbeatExpire", TAKE1, RSRC_CONF,
                "Seconds without a heartbeat after which a server leaves storage; httpd: 30 "
                "(heartmonitor)", set_timing,
                forbidden=GLOBAL_ONLY, extension=True),
        Command("HeartbeatForget", TAKE1, RSRC_CONF,
                "Seconds without a heartbeat after which a server leaves the table; default "
                "3600 (heartmonitor)", set_timing,
                forbidden=GLOBAL_ONLY, extension=True),
        Command("HeartbeatStorageInterval", TAKE1, RSRC_CONF,
                "Seconds between two writes of the heartbeat storage; httpd: 5 (heartmonitor)",
                set_timing,
                forbidden=GLOBAL_ONLY, extension=True),
        Command("HeartbeatShare", TAKE12, RSRC_CONF,
                "etcd://HOST:PORT/PREFIX to share the heartbeat table through, and optionally "
                "this monitor's name there (heartmonitor)", set_share,
                forbidden=GLOBAL_ONLY, extension=True),
        Command("HeartbeatOnStop", TAKE1, RSRC_CONF,
                "keep (httpd) or expire: whether a stopping monitor leaves its hb.dat as it "
                "is or empties it (heartmonitor)", set_on_stop,
                forbidden=GLOBAL_ONLY, extension=True),
        Command("HeartbeatListenUnicast", FLAG, RSRC_CONF,
                "On to bind a unicast HeartbeatListen address (IPv4 or IPv6) instead of "
                "joining it as a multicast group; put it before HeartbeatListen (heartmonitor)",
                set_listen_unicast,
                forbidden=GLOBAL_ONLY, extension=True),
        Command("HeartbeatWarmup", TAKE1, RSRC_CONF,
                "Seconds over which the published ready of a server that appears ramps up "
                "from 0; default 0, off (heartmonitor)", set_warmup,
                forbidden=GLOBAL_ONLY, extension=True),
        Command("HeartbeatHysteresis", TAKE12, RSRC_CONF,
                "Missed heartbeats before a server is published stale and heartbeats heard "
                "in a row before it is published up again (DOWN UP), or off; default off "
                "(heartmonitor)", set_hysteresis,
                forbidden=GLOBAL_ONLY, extension=True),
    ],
    hooks={"post_config": Hook(apply_settings, REALLY_FIRST),
           "handler": Hook(admin_handler, MIDDLE),
           "shutdown": empty_storage_on_stop},
    create_server_config=LabConfig,
)
