"""The MPMs' process-tuning directives and their start-up checks (server/mpm/event/event.c,
worker/worker.c, prefork/prefork.c).

heartmonitor serves from one asyncio loop whatever MPM a configuration loads; the tuning
values are read as the MPM reads them (atoi) and checked by its check_config hook, which
prints httpd's start-up warnings (AH00507, AH00513, AH00180 ...) and keeps nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from . import log
from .cnum import atoi


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
    "AH00515", "AH00517", "AH00519"), strict=True)), "AH00521")
WORKER = Profile("worker", _threaded_defaults(), 20000, 20000, dict(zip(_CHECKS, (
    "AH00300", "AH00302", "AH00305", "AH00307", "AH00310", "AH00312", "AH00314", "AH00316",
    "AH00318", "AH00320", "AH00322"), strict=True)), "AH00324")
PREFORK = Profile("prefork", {
    "StartServers": 5, "MinSpareServers": 5, "MaxSpareServers": 10, "ServerLimit": 256,
    "MaxRequestWorkers": 256,
}, 200000, 0, {
    "server_limit_high": "AH00175", "server_limit_low": "AH00177", "workers_high": "AH00180",
    "workers_low": "AH00182", "start_servers": "AH00184", "min_spare": "AH00186",
}, "AH00188")


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


def _warn(httpd, code: str, text: str) -> None:
    """An APLOG_STARTUP warning: the bare text on stderr, as check_config prints it."""
    httpd.startup(f"{code}: WARNING: {text}", level=log.WARNING)


def threaded_check_config(profile: Profile) -> Callable:
    """event_check_config / worker_check_config, the first time round (startup)."""

    def check(httpd) -> None:
        values = settings(httpd, profile)
        codes = profile.codes
        server_limit = values["ServerLimit"]
        if server_limit > profile.max_server_limit:
            _warn(httpd, codes["server_limit_high"],
                  f"ServerLimit of {server_limit} exceeds compile-time limit of "
                  f"{profile.max_server_limit} servers, decreasing to "
                  f"{profile.max_server_limit}.")
            server_limit = profile.max_server_limit
        elif server_limit < 1:
            _warn(httpd, codes["server_limit_low"],
                  f"ServerLimit of {server_limit} not allowed, increasing to 1.")
            server_limit = 1
        thread_limit = values["ThreadLimit"]
        if thread_limit > profile.max_thread_limit:
            _warn(httpd, codes["thread_limit_high"],
                  f"ThreadLimit of {thread_limit} exceeds compile-time limit of "
                  f"{profile.max_thread_limit} threads, decreasing to "
                  f"{profile.max_thread_limit}.")
            thread_limit = profile.max_thread_limit
        elif thread_limit < 1:
            _warn(httpd, codes["thread_limit_low"],
                  f"ThreadLimit of {thread_limit} not allowed, increasing to 1.")
            thread_limit = 1
        threads = values["ThreadsPerChild"]
        if threads > thread_limit:
            _warn(httpd, codes["threads_high"],
                  f"ThreadsPerChild of {threads} exceeds ThreadLimit of {thread_limit} "
                  f"threads, decreasing to {thread_limit}. To increase, please see the "
                  "ThreadLimit directive.")
            threads = thread_limit
        elif threads < 1:
            _warn(httpd, codes["threads_low"],
                  f"ThreadsPerChild of {threads} not allowed, increasing to 1.")
            threads = 1
        workers = values["MaxRequestWorkers"]
        if workers < threads:
            _warn(httpd, codes["workers_low"],
                  f"MaxRequestWorkers of {workers} is less than ThreadsPerChild of "
                  f"{threads}, increasing to {threads}. MaxRequestWorkers must be at least "
                  "as large as the number of threads in a single server.")
            workers = threads
        daemons = workers // threads
        if workers % threads:
            _warn(httpd, codes["workers_multiple"],
                  f"MaxRequestWorkers of {workers} is not an integer multiple of "
                  f"ThreadsPerChild of {threads}, decreasing to nearest multiple "
                  f"{daemons * threads}, for a maximum of {daemons} servers.")
            workers = daemons * threads
        if daemons > server_limit:
            _warn(httpd, codes["workers_servers"],
                  f"MaxRequestWorkers of {workers} would require {daemons} servers and "
                  f"would exceed ServerLimit of {server_limit}, decreasing to "
                  f"{server_limit * threads}. To increase, please see the ServerLimit "
                  "directive.")
        if values["StartServers"] < 1:
            _warn(httpd, codes["start_servers"],
                  f"StartServers of {values['StartServers']} not allowed, increasing to 1.")
        if values["MinSpareThreads"] < 1:
            _warn(httpd, codes["min_spare"],
                  f"MinSpareThreads of {values['MinSpareThreads']} not allowed, increasing "
                  "to 1 to avoid almost certain server failure. Please read the "
                  "documentation.")

    return check


def prefork_check_config(httpd) -> None:
    """prefork_check_config, the first time round."""
    values = settings(httpd, PREFORK)
    codes = PREFORK.codes
    server_limit = values["ServerLimit"]
    if server_limit > PREFORK.max_server_limit:
        _warn(httpd, codes["server_limit_high"],
              f"ServerLimit of {server_limit} exceeds compile-time limit of "
              f"{PREFORK.max_server_limit} servers, decreasing to {PREFORK.max_server_limit}.")
        server_limit = PREFORK.max_server_limit
    elif server_limit < 1:
        _warn(httpd, codes["server_limit_low"],
              f"ServerLimit of {server_limit} not allowed, increasing to 1.")
        server_limit = 1
    workers = values["MaxRequestWorkers"]
    if workers > server_limit:
        _warn(httpd, codes["workers_high"],
              f"MaxRequestWorkers of {workers} exceeds ServerLimit value of {server_limit} "
              f"servers, decreasing MaxRequestWorkers to {server_limit}. To increase, please "
              "see the ServerLimit directive.")
    elif workers < 1:
        _warn(httpd, codes["workers_low"],
              f"MaxRequestWorkers of {workers} not allowed, increasing to 1.")
    if values["StartServers"] < 1:
        _warn(httpd, codes["start_servers"],
              f"StartServers of {values['StartServers']} not allowed, increasing to 1.")
    if values["MinSpareServers"] < 1:
        _warn(httpd, codes["min_spare"],
              f"MinSpareServers of {values['MinSpareServers']} not allowed, increasing to 1 "
              "to avoid almost certain server failure. Please read the documentation.")


def mpm_handlers(profile: Profile) -> dict[str, Callable[..., str | None]]:
    """The handlers of the MPM's tuning directives (the catalogue declares them)."""
    handlers: dict[str, Callable[..., str | None]] = {}
    for name in (*profile.defaults, "MaxClients"):
        field = "MaxRequestWorkers" if name == "MaxClients" else name
        handlers[name] = int_setter(profile, field)
    if profile is EVENT:
        handlers["AsyncRequestWorkerFactor"] = set_worker_factor
    return handlers
