"""ap_open_logs for the main server: ErrorLog as a file, a piped program, or syslog."""

from __future__ import annotations

import errno
import io
import shlex
import subprocess
import syslog

from . import log

FACILITIES = {
    "auth": 4 << 3, "authpriv": 10 << 3, "cron": 9 << 3, "daemon": 3 << 3, "ftp": 11 << 3,
    "kern": 0, "lpr": 6 << 3, "mail": 2 << 3, "news": 7 << 3, "syslog": 5 << 3,
    "user": 1 << 3, "uucp": 8 << 3, "local0": 16 << 3, "local1": 17 << 3,
    "local2": 18 << 3, "local3": 19 << 3, "local4": 20 << 3, "local5": 21 << 3,
    "local6": 22 << 3, "local7": 23 << 3,
}


class LogOpenError(Exception):
    pass


def open_error_log(httpd) -> log.ErrorLog:
    """The main server's error log with its LogLevel; LogOpenError after logging why."""
    server = httpd.server_conf
    fname = server.error_fname or httpd.layout.default_errorlog
    if fname.startswith("|"):
        target = _piped(httpd, fname)
    elif fname == "syslog" or fname.startswith("syslog:"):
        target = _syslog(httpd, fname)
    else:
        target = _file(httpd, fname)
    level = server.log_level if server.log_level is not None else log.WARNING
    error_log = log.ErrorLog(target, level)
    error_log.module_levels = dict(server.module_log_levels)
    return error_log


def _file(httpd, fname: str) -> log.LogTarget:
    path = httpd.server_root_relative(fname)
    if path is None:
        httpd.startup(f"AH00090: {httpd.argv0}: Invalid error log path {fname}.",
                      errno.EINVAL, log.ERR)
        raise LogOpenError(fname)
    try:
        stream = open(path, "a", encoding="utf-8", errors="surrogateescape")  # noqa: SIM115
    except OSError as error:
        httpd.startup(f"AH00091: {httpd.argv0}: could not open error log file {path}.",
                      error.errno, log.ERR)
        raise LogOpenError(path) from None
    return log.LogTarget(stream, close=stream.close)


def _piped(httpd, fname: str) -> log.LogTarget:
    program = fname[1:]
    if program.startswith("|"):
        program = program[1:]
    shell = program.startswith("$")
    if shell:
        program = program[1:]
    try:
        args = program if shell else shlex.split(program)
        process = subprocess.Popen(args, shell=shell, stdin=subprocess.PIPE,
                                   cwd=httpd.server_root, start_new_session=False)
    except (OSError, ValueError) as error:
        httpd.startup(f"AH00089: Couldn't start ErrorLog process '{fname[1:]}'.",
                      getattr(error, "errno", None) or errno.ENOENT, log.ERR)
        raise LogOpenError(fname) from None
    pipe = process.stdin
    assert pipe is not None  # opened with stdin=PIPE
    stream = io.TextIOWrapper(pipe, encoding="utf-8", errors="surrogateescape",
                              line_buffering=True)

    def close() -> None:
        try:
            stream.close()
        except OSError:
            pass
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()

    return log.LogTarget(stream, close=close)


def _syslog(httpd, fname: str) -> log.LogTarget:
    spec = fname[7:] if fname.startswith("syslog:") else ""
    facility_name, _sep, tag = spec.partition(":")
    tag = tag or httpd.argv0
    if not facility_name:
        facility = FACILITIES["local7"]
    else:
        matches = [v for k, v in FACILITIES.items() if k.startswith(facility_name.lower())]
        if not matches:
            httpd.startup(f"AH10036: {httpd.argv0}: could not open syslog error log "
                f"{spec}.", errno.EINVAL, log.ERR)
            raise LogOpenError(fname)
        facility = matches[0]
    syslog.openlog(tag, syslog.LOG_NDELAY | syslog.LOG_CONS | syslog.LOG_PID, facility)
    return log.LogTarget(None, syslog_facility=facility)
