"""httpd's second reading of its configuration at start-up, as its error log shows it.

httpd reads the configuration twice when it starts. The first reading's messages go to
the console; by the second, open_logs has made standard error the error log, so what
that reading says lands there (AH00558, AH03491, ...), after the first pass's post_config
lines, and the MPM's check_config, no longer at its first load, logs its restart forms
(AH00514 where the console had AH00513). heartmonitor reads once: it records what the
reading writes on standard error and writes that into the error log between its two
post_config passes, the MPM's console lines replaced by their restart forms. When httpd
detaches (`-k start`, also with NO_DETACH) apr_proc_detach has pointed standard error at
/dev/null before the second reading, so its lines are lost: none are written then.
"""

from __future__ import annotations

from . import log

_LINES = "second_reading"
# The defines that keep httpd's MPM from calling apr_proc_detach (-X defines DEBUG).
_NOT_DETACHED = ("DEBUG", "FOREGROUND", "ONE_PROCESS")


def start(httpd) -> None:
    """Record what the start-up reading writes on standard error from now on."""
    httpd.startup_log.target.record = []


def stop(httpd) -> None:
    """The reading is over: keep its lines for replay()."""
    target = httpd.startup_log.target
    if target.record is not None:
        httpd.extensions[_LINES] = target.record
        target.record = None


def console_only(httpd, message: str, level: int) -> None:
    """An APLOG_STARTUP line of the first reading alone (an MPM's console form)."""
    target = httpd.startup_log.target
    record, target.record = target.record, None
    try:
        httpd.startup(message, level=level)
    finally:
        target.record = record


def add(httpd, module: str, level: int, message: str) -> None:
    """A line only the second reading logs, through ap_log_error on the main server."""
    record = httpd.startup_log.target.record
    if record is not None and httpd.log_enabled(module, level):
        record.append((log.format_line(module, level, message), level))


def replay(httpd) -> None:
    """The recorded lines into the error log once it is open (first generation only)."""
    lines = httpd.extensions.pop(_LINES, None)
    error_log = httpd.error_log
    if not lines or error_log is None:
        return
    if not any(name in httpd.defines for name in _NOT_DETACHED):
        return  # detached: httpd's second reading wrote them to /dev/null
    target = error_log.target
    if target.syslog_facility is not None or target.stream is httpd.startup_log.target.stream:
        return  # httpd's standard error is not the error log then
    echo, target.echo = target.echo, None  # the console had them already
    try:
        for line, level in lines:
            target.write(line, level)
    finally:
        target.echo = echo
