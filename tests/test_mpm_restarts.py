"""The MPMs' check_config on start-up and on restarts, and httpd's second reading of the
configuration at start-up, as apache2 logs them.

httpd's check_config prints its start-up form ("AH00513: WARNING: ...") on the console
the first time a process reads its configuration, and the restart form (AH00514) through
the error log every later time: on the second reading httpd makes when it starts, on a
graceful restart (SIGUSR1) and on a restart (SIGHUP). ServerLimit and ThreadLimit keep
their first values across restarts ("changing ServerLimit to 5 from original value of 16
not allowed during restart"). Both servers run the same configurations in a private
network namespace; the console and the MPM's error_log lines must be the same.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import pytest

from tests.conftest import need_apache2
from tests.helpers import ROOT, write
from tests.live import (
    APACHE_MODULES,
    PrivateNetwork,
    apache2_server,
    heartmonitor_server,
    read,
    wait_for,
)

# The tuning at start, then after each signal, per MPM.
STEPS = {
    "event": [
        (None, "ThreadsPerChild 30\nMaxRequestWorkers 100\n"),
        (signal.SIGUSR1, "ThreadsPerChild 40\nMaxRequestWorkers 90\nServerLimit 5\n"
                         "ThreadLimit 50\nMinSpareThreads 0\nStartServers 0\n"),
        (signal.SIGHUP, "ThreadsPerChild 0\nMaxRequestWorkers 10\nServerLimit 0\n"
                        "ThreadLimit 200000\n"),
        (signal.SIGUSR1, "ThreadsPerChild 100\nMaxRequestWorkers 50\n"),
        (signal.SIGHUP, "ServerLimit 16\nThreadLimit 64\nMaxRequestWorkers 2000\n"
                        "MaxClients 2000\n"),
    ],
    "worker": [
        (None, "ThreadLimit 0\nThreadsPerChild 25\nMaxRequestWorkers 10\n"),
        (signal.SIGUSR1, "ThreadLimit 30000\nServerLimit 30000\nThreadsPerChild 7\n"
                         "MaxRequestWorkers 20\nMinSpareThreads -3\n"),
        (signal.SIGHUP, "ThreadsPerChild 30\nMaxRequestWorkers 800\n"),
    ],
    "prefork": [
        (None, "MaxRequestWorkers 300\n"),
        (signal.SIGUSR1, "ServerLimit 10\nMaxRequestWorkers 0\nStartServers 0\n"
                         "MinSpareServers 0\n"),
        (signal.SIGHUP, "ServerLimit 300000\nMaxRequestWorkers 500\n"),
    ],
}
PORTS = {"event": (8471, 8472), "worker": (8473, 8474), "prefork": (8475, 8476)}
# "configured -- resuming normal operations" (its banner differs), per MPM.
READY = {"event": "AH00489", "worker": "AH00292", "prefork": "AH00163"}
_LINE = re.compile(r"^\[[^]]+\] \[(mpm_\w+):(\w+)\] \[pid \d+:tid \d+\] (.*)$")


def config(directory: str, port: int, mpm: str, tuning: str, moddir: str) -> str:
    return (f"ServerRoot {directory}\nServerName localhost\nPidFile {directory}/httpd.pid\n"
            f"ErrorLog {directory}/error_log\nDefaultRuntimeDir {directory}\n"
            f"LogLevel warn\nListen 127.0.0.1:{port}\n"
            f"LoadModule mpm_{mpm}_module {moddir}/mod_mpm_{mpm}.so\n{tuning}")


# The AH numbers of check_config (event, worker, prefork), then of the parent's start,
# restart and stop notices; what children report as they run (AH00167, AH10159) depends
# on timing.
_CHECKS = [*range(497, 521), *range(300, 324), *range(175, 188)]
_NOTICES = [*range(489, 495), 292, 293, 295, 296, 297, 298, 163, 164, 169, 170, 171, 173]
CODES = tuple(f"AH{number:05d}: " for number in (*_CHECKS, *_NOTICES))


def mpm_lines(error_log: str, ready: str) -> list[str]:
    """The MPM's check_config warnings and notices, without time and pid."""
    lines = []
    for line in error_log.splitlines():
        match = _LINE.match(line)
        if not match or not match.group(3).startswith(CODES):
            continue
        text = match.group(3)
        if text.startswith(f"{ready}: "):
            text = f"{ready}: BANNER configured -- resuming normal operations"
        lines.append(f"[{match.group(1)}:{match.group(2)}] {text}")
    return lines


def run(server, directory: str, port: int, mpm: str, moddir: str) -> tuple[list[str], str]:
    """Start, then edit and signal through the steps; the MPM's lines and the console."""
    path = os.path.join(directory, "httpd.conf")
    steps = STEPS[mpm]
    ready = server.ready_log = READY[mpm]
    write(path, config(directory, port, mpm, steps[0][1], moddir))
    server.start()
    try:
        for done, (signum, tuning) in enumerate(steps[1:], 2):
            write(path, config(directory, port, mpm, tuning, moddir))
            server.signal(signum)
            assert wait_for(lambda done=done: read(server.error_log).count(ready) >= done,
                            20), read(server.error_log)
    finally:
        code, _out, err = server.stop()
    assert code == 0, err
    return mpm_lines(read(server.error_log), ready), err


@pytest.mark.parametrize("mpm", sorted(STEPS))
def test_check_config_lines_as_apache2(tmp_path, mpm):
    apache2 = need_apache2()
    results = []
    with PrivateNetwork():
        for name, port in zip(("real", "ours"), PORTS[mpm], strict=True):
            directory = str(tmp_path / name)
            os.mkdir(directory)
            path = os.path.join(directory, "httpd.conf")
            if name == "real":
                server = apache2_server(apache2, path, directory)
                # worker and prefork signal their whole process group on a restart: a
                # session of its own keeps the test out of it (setsid execs in place).
                server.command.insert(0, "setsid")
                moddir = APACHE_MODULES
            else:
                server = heartmonitor_server(path, directory)
                moddir = "modules"
            results.append(run(server, directory, port, mpm, moddir))
    (real_lines, real_console), (our_lines, our_console) = results
    assert our_console == real_console
    assert our_lines == real_lines
    assert any("not allowed during restart" in line for line in real_lines)


# Read at start-up: AH03491 while the file is read, AH00558 as the virtual hosts are
# fixed up, AH00513/AH00514 in check_config; each twice, the second time in the error log.
SECOND_READING = """LoadModule remoteip_module {moddir}/mod_remoteip.so
ThreadsPerChild 30
<VirtualHost *:{port}>
RemoteIPProxyProtocol On
RemoteIPProxyProtocol Off
</VirtualHost>
"""
# What heartmonitor leaves out on purpose (README): mod_remoteip's post_config notices
# of the PROXY protocol it does not run; what apache2's children log depends on timing.
LEFT_OUT = ("AH03492: ", "AH03494: ", "AH02155: ")


def start_up_lines(error_log: str, ready: str, program: str, directory: str,
                   port: int) -> list[str]:
    """The error log up to the ready line, without times, pids and left-out lines."""
    lines = []
    for line in error_log.splitlines():
        if f"] {ready}: " in line:
            break
        line = re.sub(r"^\[[^]]+\] (\[[\w:]+\]) \[pid \d+:tid \d+\] ", r"\1 ", line)
        if not any(code in line for code in LEFT_OUT):
            line = line.replace(directory, "DIR").replace(f":{port}", ":PORT")
            lines.append(line.replace(f" {program}: ", " PROG: "))
    return lines


def second_reading_config(tmp_path, name: str, port: int) -> tuple[str, str]:
    """(directory, configuration path) of the second-reading case for apache2 ("real")
    or heartmonitor: no ServerName, so that AH00558 is among the lines."""
    directory = str(tmp_path / name)
    os.mkdir(directory)
    path = os.path.join(directory, "httpd.conf")
    moddir = APACHE_MODULES if name == "real" else "modules"
    text = config(directory, port, "event", SECOND_READING.format(moddir=moddir, port=port),
                  moddir)
    write(path, text.replace("ServerName localhost\n", ""))
    return directory, path


def test_second_reading_at_start_up_as_apache2(tmp_path):
    apache2 = need_apache2()
    results = []
    with PrivateNetwork():
        for name, port in zip(("real", "ours"), PORTS["event"], strict=True):
            directory, path = second_reading_config(tmp_path, name, port)
            if name == "real":
                server = apache2_server(apache2, path, directory)
                server.command.insert(0, "setsid")
            else:
                server = heartmonitor_server(path, directory)
            with server:
                pass
            program = "apache2" if name == "real" else "heartmonitor"
            results.append(start_up_lines(read(server.error_log), READY["event"], program,
                                          directory, port))
    theirs, ours = results
    assert ours == theirs
    assert [line.split(": ", 1)[0].split()[-1] for line in theirs] == [
        "AH03491", "AH00558", "AH00514"]


def start_detached(command: list[str], directory: str) -> str:
    """`-k start`, wait for the ready line, stop; what the command wrote on its console."""
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": ROOT})
    error_log = os.path.join(directory, "error_log")
    pid_file = os.path.join(directory, "httpd.pid")
    try:
        assert wait_for(lambda: READY["event"] in read(error_log), 15), read(error_log)
    finally:
        pid = wait_for(lambda: read(pid_file).strip())
        os.kill(int(pid), signal.SIGTERM)
        wait_for(lambda: "AH00491" in read(error_log))
    return process.communicate(timeout=10)[1].decode()


@pytest.mark.parametrize("defines", [[], ["-DNO_DETACH"]], ids=["detached", "no_detach"])
def test_second_reading_lost_when_detached_as_apache2(tmp_path, defines):
    """`-k start` (NO_DETACH too): apr_proc_detach points standard error at /dev/null
    before the second reading, so none of its lines reach the error log."""
    apache2 = need_apache2()
    results = []
    with PrivateNetwork():
        for name, port in zip(("real", "ours"), PORTS["worker"], strict=True):
            directory, path = second_reading_config(tmp_path, name, port)
            program = [apache2] if name == "real" else [sys.executable, "-m", "heartmonitor"]
            console = start_detached([*program, "-f", path, *defines, "-k", "start"],
                                     directory)
            program_name = "apache2" if name == "real" else "heartmonitor"
            console = re.sub(r"^\[[^]]+\] (\[[\w:]+\]) \[pid \d+:tid \d+\] ", r"\1 ",
                             console, flags=re.M).replace(f" {program_name}: ", " PROG: ")
            results.append((console.replace(directory, "DIR").replace(f":{port}", ":PORT"),
                            start_up_lines(read(os.path.join(directory, "error_log")),
                                           READY["event"], program_name, directory, port)))
    theirs, ours = results
    assert ours == theirs
    assert theirs[1] == []
    assert "AH00558: PROG: Could not reliably" in theirs[0]
