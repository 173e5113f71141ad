"""The MPMs' process-tuning directives and their start-up checks (server/mpm/event/event.c,
worker/worker.c, prefork/prefork.c).

heartmonitor serves from one asyncio loop whatever MPM a configuration loads; the tuning
values are read as the MPM reads them (atoi) and checked by its check_config hook: httpd's
start-up warnings on the first read (AH00507, AH00513, AH00180 ...), their error_log forms
on a restart (and in the error log at start-up, as httpd's second reading logs them), and
the first ServerLimit and ThreadLimit kept in httpd.retained.
"""

from __future__ import annotations

from . import log, second_reading
from .cnum import atoi

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (-t start-up)
if TYPE_CHECKING:
    from collections.abc import Callable


class Profile:
    """What differs between the threaded MPMs and prefork: defaults, limits, AH numbers."""

    def __init__(self, name: str, defaults: dict[str, int], max_server_limit: int,
                 max_thread_limit: int, codes: dict[str, str], max_clients_code: str) -> None:
        self.name = name
        self.defaults = defaults
        self.max_server_limit = max_server_limit
        self.max_thread_limit = max_thread_limit
        self.codes = codes
        self.max_clients_code = max_clients_code


def _threaded_defaults(threads_per_child: int = 25) -> dict[str, int]:
    return {
        "StartServers": 3, "MinSpareThreads": 3 * threads_per_child,
        "MaxSpareThreads": 10 * threads_per_child, "ServerLimit": 16, "ThreadLimit": 64,
        "ThreadsPerChild": threads_per_child, "MaxRequestWorkers": 16 * threads_per_child,
    }


_CHECKS = ("server_limit_high", "server_limit_low", "thread_limit_high", "thread_limit_low",
           "threads_high", "threads_low", "workers_low", "workers_multiple",
           "workers_servers", "start_servers", "min_spare")

EVENT = Profile("event", _threaded_defaults(), 20000, 100000, dict(zip(_CHECKS, (
    "AH00497", "AH00499", "AH00502", "AH00504", "AH00507", "AH00509", "AH00511", "AH00513",
    "AH00515", "AH00517", "AH00519"), strict=True)) | {
    "server_limit_restart": "AH00501", "thread_limit_restart": "AH00506"}, "AH00521")
WORKER = Profile("worker", _threaded_defaults(), 20000, 20000, dict(zip(_CHECKS, (
    "AH00300", "AH00302", "AH00305", "AH00307", "AH00310", "AH00312", "AH00314", "AH00316",
    "AH00318", "AH00320", "AH00322"), strict=True)) | {
    "server_limit_restart": "AH00304", "thread_limit_restart": "AH00309"}, "AH00324")
PREFORK = Profile("prefork", {
    "StartServers": 5, "MinSpareServers": 5, "MaxSpareServers": 10, "ServerLimit": 256,
    "MaxRequestWorkers": 256,
}, 200000, 0, {
    "server_limit_high": "AH00175", "server_limit_low": "AH00177", "workers_high": "AH00180",
    "workers_low": "AH00182", "start_servers": "AH00184", "min_spare": "AH00186",
    "server_limit_restart": "AH00179",
}, "AH00188")


# What each MPM's parent logs as it starts, restarts and stops: (AH number, text).
_SIGUSR1 = "SIGUSR1 received.  Doing graceful restart"
_COMMON = {"configured": "{banner} configured -- resuming normal operations",
           "built": "Server built: {built}", "stop": "caught SIGTERM, shutting down",
           "graceful-stop": "caught SIGWINCH, shutting down gracefully",
           "graceful": _SIGUSR1, "restart": "SIGHUP received.  Attempting to restart"}
_NOTICE_CODES = {
    "event": {"configured": "AH00489", "built": "AH00490", "stop": "AH00491",
              "graceful-stop": "AH00492", "graceful": "AH00493", "restart": "AH00494"},
    "worker": {"configured": "AH00292", "built": "AH00293", "stop": "AH00295",
               "graceful-stop": "AH00296", "graceful": "AH00297", "restart": "AH00298"},
    "prefork": {"configured": "AH00163", "built": "AH00164", "stop": "AH00169",
                "graceful-stop": "AH00170", "graceful": "AH00171", "restart": "AH00173"},
}


def running_mpm(httpd) -> str:
    """The loaded MPM's name (event, worker, prefork); event stands in when none is."""
    for module in httpd.mpms:
        name = module.identifier.removeprefix("mpm_").removesuffix("_module")
        if name in _NOTICE_CODES:
            return name
    return "event"


def log_notice(httpd, event: str, level: int = log.NOTICE, **values: str) -> None:
    """The running MPM's own line for `event` (configured, built, stop, graceful-stop,
    graceful, restart), as its parent process logs it."""
    name = running_mpm(httpd)
    text = _COMMON[event]
    if name == "prefork" and event == "graceful":
        text = "Graceful restart requested, doing restart"
    httpd.log_error(f"mpm_{name}", level,
                    f"{_NOTICE_CODES[name][event]}: {text.format(**values)}")


def settings(httpd, profile: Profile) -> dict[str, int]:
    """The values set so far, over the MPM's defaults (its pre_config)."""
    values = httpd.extensions.get("mpm_settings")
    if values is None:
        values = httpd.extensions["mpm_settings"] = dict(profile.defaults)
    return values


def int_setter(profile: Profile, field: str) -> Callable:
    def handler(cmd, mconfig, arg: str) -> str | None:
        if cmd.cmd.name.lower() == "maxclients":
            cmd.httpd.log_startup_error(
                f"mpm_{profile.name}", log.INFO,
                f"{profile.max_clients_code}: MaxClients is deprecated, use MaxRequestWorkers "
                "instead.")
        settings(cmd.httpd, profile)[field] = atoi(arg)
        return None

    return handler


def set_worker_factor(cmd, mconfig, arg: str) -> str | None:
    # strtod: leading blanks are skipped, then the whole rest must be a number ("" is 0).
    text = arg.lstrip(" \t\n\v\f\r")
    try:
        value = float(text) if text and "_" not in text and text.strip() == text else 0.0
    except ValueError:
        return "error parsing value"
    if text and value == 0.0 and ("_" in text or text.strip() != text):
        return "error parsing value"
    if value <= 0:
        return "AsyncRequestWorkerFactor argument must be a positive number"
    return None


class Checker:
    """One check_config run: each finding in the form httpd gives it on this read.

    The first read of a process (retained->mpm->module_loads == 1) prints the APLOG_STARTUP
    form on the console ("AH00513: WARNING: ..."); every later read (a restart) logs the
    shorter form numbered one higher through ap_log_error on the main server, into the
    error log. ServerLimit and ThreadLimit keep their first values across restarts.
    """

    def __init__(self, httpd, profile: Profile) -> None:
        self.httpd = httpd
        self.profile = profile
        self.module = f"mpm_{profile.name}"
        self.retained = httpd.retained.setdefault(self.module, {"module_loads": 0})
        self.retained["module_loads"] += 1
        self.startup = self.retained["module_loads"] == 1

    def report(self, key: str, startup_text: str, restart_text: str) -> None:
        code = self.profile.codes[key]
        restart_line = f"AH{int(code[2:]) + 1:05d}: {restart_text}"
        if self.startup:
            # httpd's second reading at start-up logs the restart form instead.
            second_reading.console_only(self.httpd, f"{code}: WARNING: {startup_text}",
                                        log.WARNING)
            second_reading.add(self.httpd, self.module, log.WARNING, restart_line)
        else:
            self.restart_warning(restart_line)

    def restart_warning(self, text: str) -> None:
        self.httpd.log_error(self.module, log.WARNING, text)

    def retain_first(self, name: str, value: int) -> int:
        """The first ServerLimit/ThreadLimit of the process: a restart cannot change it."""
        key = f"first_{name}"
        first = self.retained.get(key)
        if not first:
            self.retained[key] = value
            return value
        if value != first:
            code = self.profile.codes[f"{name}_restart"]
            directive = "ServerLimit" if name == "server_limit" else "ThreadLimit"
            self.restart_warning(f"{code}: changing {directive} to {value} from original "
                                 f"value of {first} not allowed during restart")
        return first

    def server_limit(self, value: int) -> int:
        limit = self.profile.max_server_limit
        if value > limit:
            self.report("server_limit_high",
                        f"ServerLimit of {value} exceeds compile-time limit of {limit} "
                        f"servers, decreasing to {limit}.",
                        f"ServerLimit of {value} exceeds compile-time limit of {limit}, "
                        "decreasing to match")
            value = limit
        elif value < 1:
            self.report("server_limit_low",
                        f"ServerLimit of {value} not allowed, increasing to 1.",
                        f"ServerLimit of {value} not allowed, increasing to 1")
            value = 1
        return self.retain_first("server_limit", value)

    def at_least_one(self, key: str, directive: str, value: int, startup_tail: str = "") -> None:
        """StartServers, MinSpareThreads, MinSpareServers: below 1 becomes 1."""
        if value < 1:
            self.report(key, f"{directive} of {value} not allowed, increasing to 1"
                        f"{startup_tail}.",
                        f"{directive} of {value} not allowed, increasing to 1")


_SPARE_TAIL = " to avoid almost certain server failure. Please read the documentation"


def threaded_check_config(profile: Profile) -> Callable:
    """event_check_config / worker_check_config."""

    def check(httpd) -> None:
        values = settings(httpd, profile)
        checker = Checker(httpd, profile)
        report = checker.report
        server_limit = checker.server_limit(values["ServerLimit"])
        thread_limit = values["ThreadLimit"]
        limit = profile.max_thread_limit
        if thread_limit > limit:
            report("thread_limit_high",
                   f"ThreadLimit of {thread_limit} exceeds compile-time limit of {limit} "
                   f"threads, decreasing to {limit}.",
                   f"ThreadLimit of {thread_limit} exceeds compile-time limit of {limit}, "
                   "decreasing to match")
            thread_limit = limit
        elif thread_limit < 1:
            report("thread_limit_low",
                   f"ThreadLimit of {thread_limit} not allowed, increasing to 1.",
                   f"ThreadLimit of {thread_limit} not allowed, increasing to 1")
            thread_limit = 1
        thread_limit = checker.retain_first("thread_limit", thread_limit)
        threads = values["ThreadsPerChild"]
        if threads > thread_limit:
            report("threads_high",
                   f"ThreadsPerChild of {threads} exceeds ThreadLimit of {thread_limit} "
                   f"threads, decreasing to {thread_limit}. To increase, please see the "
                   "ThreadLimit directive.",
                   f"ThreadsPerChild of {threads} exceeds ThreadLimit of {thread_limit}, "
                   "decreasing to match")
            threads = thread_limit
        elif threads < 1:
            report("threads_low",
                   f"ThreadsPerChild of {threads} not allowed, increasing to 1.",
                   f"ThreadsPerChild of {threads} not allowed, increasing to 1")
            threads = 1
        workers = values["MaxRequestWorkers"]
        if workers < threads:
            report("workers_low",
                   f"MaxRequestWorkers of {workers} is less than ThreadsPerChild of "
                   f"{threads}, increasing to {threads}. MaxRequestWorkers must be at least "
                   "as large as the number of threads in a single server.",
                   f"MaxRequestWorkers of {workers} is less than ThreadsPerChild of "
                   f"{threads}, increasing to match")
            workers = threads
        daemons = workers // threads
        if workers % threads:
            report("workers_multiple",
                   f"MaxRequestWorkers of {workers} is not an integer multiple of "
                   f"ThreadsPerChild of {threads}, decreasing to nearest multiple "
                   f"{daemons * threads}, for a maximum of {daemons} servers.",
                   f"MaxRequestWorkers of {workers} is not an integer multiple of "
                   f"ThreadsPerChild of {threads}, decreasing to nearest multiple "
                   f"{daemons * threads}")
            workers = daemons * threads
        if daemons > server_limit:
            report("workers_servers",
                   f"MaxRequestWorkers of {workers} would require {daemons} servers and "
                   f"would exceed ServerLimit of {server_limit}, decreasing to "
                   f"{server_limit * threads}. To increase, please see the ServerLimit "
                   "directive.",
                   f"MaxRequestWorkers of {workers} would require {daemons} servers and "
                   f"exceed ServerLimit of {server_limit}, decreasing to "
                   f"{server_limit * threads}")
        checker.at_least_one("start_servers", "StartServers", values["StartServers"])
        checker.at_least_one("min_spare", "MinSpareThreads", values["MinSpareThreads"],
                             _SPARE_TAIL)

    return check


def prefork_check_config(httpd) -> None:
    """prefork_check_config."""
    values = settings(httpd, PREFORK)
    checker = Checker(httpd, PREFORK)
    server_limit = checker.server_limit(values["ServerLimit"])
    workers = values["MaxRequestWorkers"]
    if workers > server_limit:
        checker.report("workers_high",
                       f"MaxRequestWorkers of {workers} exceeds ServerLimit value of "
                       f"{server_limit} servers, decreasing MaxRequestWorkers to "
                       f"{server_limit}. To increase, please see the ServerLimit directive.",
                       f"MaxRequestWorkers of {workers} exceeds ServerLimit value of "
                       f"{server_limit}, decreasing to match")
    elif workers < 1:
        checker.report("workers_low",
                       f"MaxRequestWorkers of {workers} not allowed, increasing to 1.",
                       f"MaxRequestWorkers of {workers} not allowed, increasing to 1")
    checker.at_least_one("start_servers", "StartServers", values["StartServers"])
    checker.at_least_one("min_spare", "MinSpareServers", values["MinSpareServers"],
                         _SPARE_TAIL)


def mpm_handlers(profile: Profile) -> dict[str, Callable[..., str | None]]:
    """The handlers of the MPM's tuning directives (the catalogue declares them)."""
    handlers: dict[str, Callable[..., str | None]] = {}
    for name in (*profile.defaults, "MaxClients"):
        field = "MaxRequestWorkers" if name == "MaxClients" else name
        handlers[name] = int_setter(profile, field)
    if profile is EVENT:
        handlers["AsyncRequestWorkerFactor"] = set_worker_factor
    return handlers
