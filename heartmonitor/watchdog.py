"""mod_watchdog's instances, callbacks and hook-mode steps, on heartmonitor's asyncio loop.

httpd gives each active watchdog a thread that sleeps AP_WD_TM_SLICE (100 ms) per turn:
callbacks run with their own interval (mod_heartmonitor registers 0: every turn), and a
watchdog without callbacks runs the watchdog_step hooks every WatchdogInterval
(mod_heartbeat). A callback returning an error is logged and never called again, as in
httpd. Here each watchdog is one asyncio task; callbacks may be coroutines.

Steps are counted in integer microseconds as wd_worker counts them (apr_time_t): each
turn adds the slice plus the time spent in the turn so far, so a 1 s interval fires on
the tenth turn (a float sum of ten 0.1 s would fall short and fire on the eleventh).
The turns sleep on httpd.clock, which tests replace by a clock they move by hand.
"""

from __future__ import annotations

from . import log

AP_WATCHDOG_PGROUP = "watchdog"
AP_WATCHDOG_PVERSION = "parent"
AP_WATCHDOG_CVERSION = "child"
AP_WATCHDOG_SINGLETON = "_singleton_"
AP_WATCHDOG_DEFAULT = "_default_"
STATE_STARTING, STATE_RUNNING, STATE_STOPPING = 1, 2, 3
SLICE_US = 100_000  # AP_WD_TM_SLICE
SLICE = SLICE_US / 1_000_000


class Callback:
    __slots__ = ("interval", "data", "function", "status", "step")

    def __init__(self, interval: int, data, function) -> None:
        self.interval = interval  # microseconds, as registered
        self.data = data
        self.function = function
        self.status = 0
        self.step = 0  # microseconds since the callback last ran


class Watchdog:
    """ap_watchdog_t."""

    def __init__(self, name: str, singleton: bool) -> None:
        self.name = name
        self.singleton = singleton
        self.active = False
        self.callbacks: list[Callback] = []
        self.task = None

    def register_callback(self, interval: int, data, function) -> None:
        for callback in self.callbacks:
            if callback.data is data and callback.function is function:
                callback.interval = interval
                return
        self.callbacks.append(Callback(interval, data, function))


def get_instance(httpd, name: str, parent: int, singleton: int) -> Watchdog:
    """ap_watchdog_get_instance: heartmonitor has no forked children, so no parents."""
    version = AP_WATCHDOG_PVERSION if parent else AP_WATCHDOG_CVERSION
    key = (AP_WATCHDOG_PGROUP, name, version)
    watchdog = httpd.providers.get(key)
    if watchdog is None:
        watchdog = Watchdog(name, bool(singleton) and not parent)
        httpd.providers[key] = watchdog
    return watchdog


def pre_config(httpd, module) -> None:
    get_instance(httpd, AP_WATCHDOG_SINGLETON, 0, 1)
    get_instance(httpd, AP_WATCHDOG_DEFAULT, 0, 0)
    httpd.register_mutex("watchdog-callback")


def child_watchdogs(httpd) -> list[Watchdog]:
    return [
        w for (group, _name, version), w in httpd.providers.items()
        if group == AP_WATCHDOG_PGROUP and version == AP_WATCHDOG_CVERSION
    ]


def post_config(httpd, module) -> bool:
    """Mark the watchdogs that have callbacks, or that a module needs, as active."""
    if httpd.main_state != "create-config":
        return True
    server = httpd.server_conf
    interval = server.module_config[module].interval
    httpd.log_error("watchdog", log.DEBUG,
                    f"AH010033: Watchdog: Running with WatchdogInterval {interval // 1000}ms",
                    source="mod_watchdog.c(445)")
    for watchdog in child_watchdogs(httpd):
        if watchdog.callbacks:
            watchdog.active = True
        if not watchdog.active:
            needed = httpd.run_hook("watchdog_need", server, watchdog.name, 0,
                                    watchdog.singleton)
            if needed is True:
                watchdog.active = True
    return True


def child_init(httpd, module) -> None:
    """Start a task per active watchdog (wd_child_init_hook + wd_worker)."""
    interval = httpd.server_conf.module_config[module].interval
    for watchdog in child_watchdogs(httpd):
        if watchdog.active:
            watchdog.task = httpd.loop.create_task(run(httpd, watchdog, interval))
            httpd.background_tasks.add(watchdog.task)


async def _call(callback: Callback, state: int, pool=None):
    # Lazy (here and below): -t loads this module for its declarations; asyncio and inspect
    # are needed only once the watchdogs run.
    import inspect

    result = callback.function(state, callback.data, pool)
    if inspect.isawaitable(result):
        result = await result
    return result


async def run(httpd, watchdog: Watchdog, interval: int) -> None:
    """wd_worker: STARTING once, then RUNNING every turn, STOPPING at the end.

    interval: WatchdogInterval in microseconds (the step hooks' period).
    """
    server = httpd.server_conf
    clock = httpd.clock
    httpd.log_error("watchdog", log.DEBUG,
                    f"AH02972: {'Singleton ' if watchdog.singleton else ''}"
                    f"Watchdog ({watchdog.name}) running", source="mod_watchdog.c(168)")
    for callback in watchdog.callbacks:
        callback.status = await _safe_call(httpd, watchdog, callback, STATE_STARTING)
    if not watchdog.callbacks:
        httpd.run_hook("watchdog_init", server, watchdog.name)
    step = 0
    try:
        while not httpd.stopping:
            await clock.sleep(SLICE)
            if httpd.stopping:
                break
            woke = clock.monotonic() - SLICE  # curr = apr_time_now() - AP_WD_TM_SLICE
            if watchdog.callbacks:
                for callback in watchdog.callbacks:
                    if callback.status:
                        continue
                    callback.step += _since(clock, woke)
                    if callback.step >= callback.interval:
                        callback.step = 0
                        callback.status = await _safe_call(
                            httpd, watchdog, callback, STATE_RUNNING
                        )
            else:
                step += _since(clock, woke)
                if step >= interval:
                    step = 0
                    httpd.run_hook("watchdog_step", server, watchdog.name)
    finally:
        for callback in watchdog.callbacks:
            if not callback.status:
                await _safe_call(httpd, watchdog, callback, STATE_STOPPING)
        if not watchdog.callbacks:
            httpd.run_hook("watchdog_exit", server, watchdog.name)
        httpd.log_error("watchdog", log.DEBUG,
                        f"AH02973: {'Singleton ' if watchdog.singleton else ''}"
                        f"Watchdog ({watchdog.name}) stopping", source="mod_watchdog.c(257)")


def _since(clock, since: float) -> int:
    """Whole microseconds from `since` to now on clock's monotonic time."""
    return round((clock.monotonic() - since) * 1_000_000)


async def _safe_call(httpd, watchdog: Watchdog, callback: Callback, state: int) -> int:
    """A callback's status; an exception counts as a failure that disables it."""
    import asyncio

    try:
        result = await _call(callback, state)
    except asyncio.CancelledError:
        raise
    except Exception as error:  # a module's bug must not take the server down
        httpd.log_error("watchdog", log.CRIT,
                        f"Watchdog ({watchdog.name}): callback failed and is disabled: "
                        f"{error!r}")
        return 1
    return int(result or 0)
