"""mod_heartmonitor at run time: post_config, the watchdog callback, shutdown.

post_config follows hm_post_config step by step (AH02093, AH02284/AH02285, the
`_heartmonitor_` watchdog and its callback). heartmonitor opens the multicast socket
there too, so a listener that cannot be set up stops start-up with httpd's messages
(AH02068-AH02073, AH02090) instead of leaving a server that hears nothing. The storage
is chosen there, once, from the "heartbeat_storage" providers (storage.py).

What the monitor knows survives graceful restarts (httpd keeps it in the child that
owns the watchdog, and loses it when that child changes): the table, the socket when
its address is unchanged (read throughout the restart: no datagram is lost in the gap,
where httpd closes the socket and loses what arrives), and the slotmem segment with
its index.

The POST handler is in post.py, the terminal output in console.py, the server-status
parts in status_view.py.
"""

from __future__ import annotations

import asyncio

from heartmonitor import log

from .drainlist import DrainList, path_for
from .listener import HeartbeatListener, ListenError, open_socket
from .publish import Publisher
from .settings import MonitorSettings
from .share import shared
from .storage import HeartbeatStorage, storage_for
from .table import ServerTable

HM_WATCHDOG_NAME = "_heartmonitor_"
STATE_STARTING, STATE_RUNNING, STATE_STOPPING = 1, 2, 3


class Monitor:
    """hm_ctx_t at run time: the table, its storage and the listener."""

    def __init__(self, httpd, config, table: ServerTable, storage: HeartbeatStorage) -> None:
        self.httpd = httpd
        self.config = config
        self.settings: MonitorSettings = config.settings
        self.table = table
        self.storage = storage
        self.listener: HeartbeatListener | None = None
        self.last_update = 0.0
        self.drained = DrainList(None)
        self.publisher = Publisher(self.settings, self.drained.ips)

    async def update(self, now: float) -> None:
        """hm_update_stats, plus the stale/forget bookkeeping; never blocks the loop."""
        self.last_update = now
        await self.table.sweep(now, self.settings.forget)
        await self.storage.write_table(self.table, now)
        if self.listener is not None:
            self.listener.flush_suppressed()

    async def callback(self, state: int, data, pool) -> int:
        """hm_watchdog_callback."""
        now = self.httpd.clock.time()
        listener = self.listener  # registered only for a monitor that listens
        if state == STATE_STARTING:
            if listener is not None:
                listener.start(asyncio.get_running_loop())
            self.httpd.log_error("heartmonitor", log.DEBUG,
                                 "AH02091: _heartmonitor_ listener started.",
                                 source="mod_heartmonitor.c(619)")
            await self.update(now)
        elif state == STATE_RUNNING:
            if now - self.last_update >= self.settings.storage_interval:
                await self.update(now)
        elif state == STATE_STOPPING:
            self.httpd.log_error("heartmonitor", log.DEBUG,
                                 "AH02092: stopping _heartmonitor_ listener.",
                                 source="mod_heartmonitor.c(660)")
            # The socket is still read: a restart that keeps it (its address unchanged)
            # loses nothing while the generations change; one that does not, or the
            # server's stop, closes it (_listener, shutdown). The last write is for a
            # stop: after a restart the new generation writes as it starts.
            if not self.httpd.restarting:
                await self.update(now)
            await self.storage.close()
        return 0


def _retained(httpd) -> dict:
    return httpd.retained.setdefault("heartmonitor", {})


def _table(httpd, storage: HeartbeatStorage, kept: dict) -> ServerTable:
    table = kept.get("table")
    if table is None:
        table = kept["table"] = ServerTable()
        storage.restore(table, httpd.clock.time())
    table.expire = storage.settings.expire
    table.hysteresis = storage.settings.hysteresis
    return table


def _drain_list(httpd, storage: HeartbeatStorage, kept: dict) -> DrainList:
    """The drained servers: kept across graceful restarts, read from their file at start."""
    path = path_for(storage.location)
    drained = kept.get("drained")
    if drained is None:
        drained = kept["drained"] = DrainList(path)
        drained.load(httpd)
    drained.path = path
    return drained


def _listener(httpd, config, table: ServerTable, kept: dict) -> HeartbeatListener | None:
    address = (config.listen_ip, config.listen_port, config.listen_interface,
               config.listen_unicast)
    old = kept.pop("listener", None)
    if old is not None and old.address == address:
        old.httpd = httpd
        old.table = table
        kept["listener"] = old
        return old
    if old is not None:
        old.close()
    try:
        sock = open_socket(config.listen_ip, config.listen_port, config.listen_interface,
                           config.listen_unicast)
    except ListenError as error:
        httpd.log_error("heartmonitor", log.CRIT, error.message, error.errno)
        httpd.log_error("heartmonitor", log.CRIT, "AH02090: Unable to listen for connections!",
                        error.errno)
        return None
    listener = kept["listener"] = HeartbeatListener(httpd, sock, table, address)
    return listener


def post_config(httpd, module) -> bool:
    """hm_post_config."""
    config = httpd.server_conf.module_config[module]
    get_instance = httpd.optional_functions.get("ap_watchdog_get_instance")
    register = httpd.optional_functions.get("ap_watchdog_register_callback")
    if get_instance is None or register is None:
        httpd.log_error("heartmonitor", log.CRIT, "AH02093: mod_watchdog is required")
        return False
    if httpd.main_state != "create-config":
        return True
    kept = _retained(httpd)
    storage = storage_for(httpd, config)
    if storage is not None:
        storage = shared(httpd, config, storage)
    if storage is None or not storage.open(kept):
        return False
    kept["storage"] = storage
    table = _table(httpd, storage, kept)
    monitor = Monitor(httpd, config, table, storage)
    monitor.drained = _drain_list(httpd, storage, kept)
    monitor.publisher = Publisher(config.settings, monitor.drained.ips)
    storage.publish_with(monitor.publisher)
    httpd.extensions["heartmonitor"] = monitor
    if not config.active:
        old = kept.pop("listener", None)
        if old is not None:
            old.close()
        return True
    monitor.listener = _listener(httpd, config, table, kept)
    if monitor.listener is None:
        return False
    watchdog = get_instance(httpd, HM_WATCHDOG_NAME, 0, 1)
    register(watchdog, 0, monitor, monitor.callback)
    httpd.log_error("heartmonitor", log.DEBUG, "AH02096: wd callback _heartmonitor_",
                    source="mod_heartmonitor.c(736)")
    return True


def shutdown(httpd, final: bool) -> None:
    """The server stops (final) or restarts: release what is not carried over."""
    if not final:
        return
    kept = _retained(httpd)
    listener = kept.pop("listener", None)
    if listener is not None:
        listener.close()
    storage = kept.pop("storage", None)
    if storage is not None:
        storage.release()
    kept.pop("slot_index", None)
