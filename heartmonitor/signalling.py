"""`-k start|stop|restart|graceful|graceful-stop`: ap_signal_server, signalling only itself.

A pid is signalled only when it holds the pid file's lock and runs heartmonitor as the
file's owner (heartmonitor.pidfile.is_ours); a pid file that is not a regular file, or
whose content is not a pid, gets httpd's AH00058/AH00059 and exit 1.
"""

from __future__ import annotations

import os
import signal

from . import log
from .pidfile import PidReadError, PidState, is_ours, pid_path, read_pid

APR_EGENERAL = (20014, "Internal error (specific information not available)")


def signal_server(httpd, dash_k: str | None) -> int | None:
    """ap_signal_server: an exit code when -k is done, None to go on starting."""
    path = pid_path(httpd)
    shown = httpd.pid_fname or httpd.layout.default_pidlog
    running = False
    status = "httpd (no pid file) not running"
    state: PidState | None = None
    try:
        state = read_pid(path) if path is not None else None
    except (FileNotFoundError, NotADirectoryError):
        state = None
    except PidReadError as error:
        code = (error.errno, os.strerror(error.errno)) if error.errno else APR_EGENERAL
        httpd.startup(f"AH00058: Error retrieving pid file {shown}", code, log.ERR)
        httpd.startup("AH00059: Remove it before continuing if it is corrupted.")
        return 1
    if state is not None:
        running = is_ours(state)
        status = (f"httpd (pid {state.pid}) already running" if running
                  else f"httpd (pid {state.pid}?) not running")
    out = httpd.stdout
    if dash_k is None:
        return None  # heartmonitor.serve refuses a second server with its own message
    if dash_k == "start":
        if running:
            out.write(status + "\n")
            return 0
        return None
    pid = state.pid if state is not None else 0
    if dash_k == "stop":
        if not running:
            out.write(status + "\n")
        else:
            _send(httpd, pid, signal.SIGTERM)
        return 0
    if dash_k in ("restart", "graceful"):
        if not running:
            out.write("httpd not running, trying to start\n")
            return None
        return _send(httpd, pid, signal.SIGHUP if dash_k == "restart" else signal.SIGUSR1)
    if dash_k == "graceful-stop":
        if not running:
            out.write(status + "\n")
            return 0
        return _send(httpd, pid, signal.SIGWINCH)
    return None


def _send(httpd, pid: int, sig: int) -> int:
    try:
        os.kill(pid, sig)
    except OSError as error:
        httpd.startup("AH00057: sending signal to server", error.errno, log.ERR)
        return 1
    return 0
