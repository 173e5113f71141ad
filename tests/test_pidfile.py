"""The pid file's lock: `-k` signals only the server itself, a second server is refused,
odd pid files get httpd's messages, and a PidFile that cannot be written stops start-up."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys

import pytest

from heartmonitor.instancelock import storage_holder
from heartmonitor.pidfile import PidState, is_ours
from tests.conftest import need_apache2
from tests.helpers import ROOT, heartmonitor, write
from tests.live import (
    PrivateNetwork,
    apache2_config,
    heartmonitor_server,
    read,
    request,
    wait_for,
)
from tests.test_monitor import PORT, monitor_conf

PREFIX = re.compile(r"^\[[^\]]+\] (\[[^\]]*\]) \[pid \d+:tid \d+\] ", re.M)
NOBODY = 65534


def log_lines(text: str) -> list[str]:
    return [PREFIX.sub(lambda m: m.group(1) + " ", line) for line in text.splitlines()]


def plain_conf(directory: str, pid_file: str) -> str:
    return write(os.path.join(directory, "httpd.conf"), (
        f"ServerName x\nErrorLog {directory}/error_log\nPidFile {pid_file}\n"))


# -- odd pid files -----------------------------------------------------------------------

def _make(path: str, kind: str) -> None:
    if kind == "directory":
        os.mkdir(path)
    elif kind == "FIFO":
        os.mkfifo(path)
    elif kind == "huge file":
        write(path, "1" * 10_000_000)
    else:
        write(path, kind)


AH00059 = "AH00059: Remove it before continuing if it is corrupted.\n"
EGENERAL = "(20014)Internal error (specific information not available): "


@pytest.mark.parametrize("kind, status, same_as_apache2", [
    ("garbage\n", EGENERAL, True),
    ("huge file", EGENERAL, True),
    ("directory", "(21)Is a directory: ", True),
    # httpd would open a FIFO and wait for a writer forever.
    ("FIFO", "(22)Invalid argument: ", False),
    # httpd takes strtol()'s value as a pid_t: "httpd (pid -2147483648?) not running",
    # and 4294967297 is pid 1.
    ("2147483648\n", EGENERAL, False),
    ("4294967297\n", EGENERAL, False),
    ("0\n", EGENERAL, False),
])
def test_odd_pid_files_get_one_httpd_message(tmp_path, kind, status, same_as_apache2):
    pid_file = str(tmp_path / "httpd.pid")
    conf = write(str(tmp_path / "httpd.conf"), apache2_config(str(tmp_path), PORT, "", []))
    _make(pid_file, kind)
    for action in ("stop", "graceful", "start"):
        result = heartmonitor("-f", conf, "-k", action, timeout=20)
        assert (result.returncode, result.stdout, result.stderr) == (
            1, "", f"{status}AH00058: Error retrieving pid file {pid_file}\n{AH00059}")
    if same_as_apache2:
        real = subprocess.run([need_apache2(), "-f", conf, "-k", "stop"], capture_output=True,
                              text=True, timeout=20)
        assert (real.returncode, real.stdout, real.stderr) == (
            result.returncode, result.stdout, result.stderr)


# -- strangers ---------------------------------------------------------------------------

LOCKER = """
import fcntl, os, struct, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY)
fcntl.fcntl(fd, fcntl.F_SETLK, struct.pack("hhxxxxqqi4x", fcntl.F_RDLCK, 0, 0, 0, 0))
print("locked", flush=True)
time.sleep(60)
"""


def _as_nobody() -> None:
    os.setgid(NOBODY)
    os.setuid(NOBODY)


@pytest.mark.parametrize("stranger", [
    "sleep called heartmonitor", "python holding the lock, heartmonitor in argv",
    "sleep of another uid"])
def test_k_never_signals_a_stranger(tmp_path, stranger):
    pid_file = str(tmp_path / "httpd.pid")
    conf = plain_conf(str(tmp_path), pid_file)
    write(pid_file, "")
    if stranger == "sleep called heartmonitor":
        process = subprocess.Popen(["bash", "-c", "exec -a heartmonitor sleep 60"])
    elif stranger == "sleep of another uid":
        process = subprocess.Popen(["sleep", "60"], preexec_fn=_as_nobody)
    else:
        process = subprocess.Popen([sys.executable, "-c", LOCKER, pid_file, "heartmonitor"],
                                   stdout=subprocess.PIPE, text=True)
        assert process.stdout.readline() == "locked\n"
    try:
        with open(pid_file, "r+") as handle:  # the same inode: a lock stays where it is
            handle.write(f"{process.pid}\n")
        for action in ("stop", "graceful-stop", "restart"):
            result = heartmonitor("-f", conf, "-k", action)
            expected = ("httpd not running, trying to start\n" if action == "restart"
                        else f"httpd (pid {process.pid}?) not running\n")
            assert result.stdout.startswith(expected)
            if action == "restart":
                break  # it went on to start a server of its own: stop that one
        assert process.poll() is None
    finally:
        heartmonitor("-f", conf, "-k", "stop")
        process.kill()
        process.wait()


def test_only_the_owner_of_the_pid_file_is_ours(tmp_path):
    """The lock holder runs heartmonitor, but the pid file belongs to another uid."""
    directory = str(tmp_path)
    with PrivateNetwork():
        conf = monitor_conf(directory)
        with heartmonitor_server(conf, directory) as server:
            pid = server.process.pid
            assert wait_for(lambda: read(os.path.join(directory, "httpd.pid")) == f"{pid}\n")
            assert is_ours(PidState(pid, pid, os.getuid()))
            assert not is_ours(PidState(pid, pid, NOBODY))
            assert not is_ours(PidState(pid, None, os.getuid()))
            os.chown(os.path.join(directory, "httpd.pid"), NOBODY, NOBODY)
            result = heartmonitor("-f", conf, "-k", "stop")
            assert result.stdout == f"httpd (pid {pid}?) not running\n"
            assert server.process.poll() is None


# -- a second server ---------------------------------------------------------------------

def _second(directory: str, name: str, base: str, *changes: tuple[str, str]) -> str:
    text = read(base)
    for old, new in changes:
        assert old in text
        text = text.replace(old, new)
    return write(os.path.join(directory, name), text)


@pytest.mark.parametrize("storage", ["HeartbeatMaxServers 0", "HeartbeatMaxServers 10"])
def test_a_second_server_is_refused(tmp_path, storage):
    directory = str(tmp_path)
    with PrivateNetwork():
        conf = monitor_conf(directory, storage=storage)
        shared = (f"{directory}/slotmem-shm-mod_heartmonitor_0.shm" if storage.endswith("10")
                  else f"{directory}/hb.dat")
        same_pid_file = _second(directory, "a.conf", conf, ("8090", "8091"),
                                (f"{directory}/hb.dat", f"{directory}/a.dat"),
                                (f"DefaultRuntimeDir {directory}\n",
                                 f"DefaultRuntimeDir {directory}/a\n"))
        os.mkdir(f"{directory}/a")
        same_storage = _second(directory, "b.conf", conf, ("8090", "8092"),
                               (f"{directory}/httpd.pid", f"{directory}/b.pid"))
        with heartmonitor_server(conf, directory) as server:
            pid = server.process.pid
            for other, message in (
                    (same_pid_file, f"runs with the PidFile {directory}/httpd.pid"),
                    (same_storage, f"uses the heartbeat storage {shared}")):
                result = heartmonitor("-f", other, "-DFOREGROUND")
                assert (result.returncode, result.stdout, result.stderr) == (
                    1, "", f"heartmonitor: another server (pid {pid}) {message}: not "
                           "starting a second one\n")
                strict = heartmonitor("-f", other, "-t", "--strict")
                assert strict.returncode == 1
                assert log_lines(strict.stderr) == [
                    f"[core:emerg] another server (pid {pid}) {message}",
                    "AH00016: Configuration Failed"]
            assert request(PORT, path="/server-status?auto")[0] == 200
            # A restart onto storage that another server uses keeps its own.
            os.remove(same_storage)
            second = _second(directory, "b.conf", conf, ("8090", "8092"),
                             (f"{directory}/httpd.pid", f"{directory}/b.pid"),
                             (f"{directory}/hb.dat", f"{directory}/b.dat"),
                             (f"DefaultRuntimeDir {directory}\n",
                              f"DefaultRuntimeDir {directory}/a\n"))
            with heartmonitor_server(second, directory) as other:
                write(second, read(same_pid_file).replace("8091", "8092").replace(
                    f"{directory}/a.dat", f"{directory}/hb.dat").replace(
                    f"DefaultRuntimeDir {directory}/a\n", f"DefaultRuntimeDir {directory}\n"
                ).replace(f"{directory}/httpd.pid", f"{directory}/b.pid"))
                other.signal(signal.SIGUSR1)
                stays = (f"configuration not reloaded: another server (pid {pid}) uses the "
                         f"heartbeat storage {shared}; the running configuration stays")
                assert wait_for(lambda: stays in read(os.path.join(directory, "error_log")))
                assert request(8092, path="/server-status?auto")[0] == 200
            assert server.process.poll() is None


def test_a_killed_server_leaves_no_lock_behind(tmp_path):
    """SIGKILL: the kernel drops the locks; the next start warns (AH00098) and runs."""
    directory = str(tmp_path)
    with PrivateNetwork():
        conf = monitor_conf(directory)
        first = heartmonitor_server(conf, directory).start()
        first.process.kill()
        first.process.wait()
        pid_file = os.path.join(directory, "httpd.pid")
        assert read(pid_file) == f"{first.process.pid}\n"
        result = heartmonitor("-f", conf, "-k", "stop")
        assert result.stdout == f"httpd (pid {first.process.pid}?) not running\n"
        with heartmonitor_server(conf, directory) as second:
            assert read(pid_file) == f"{second.process.pid}\n"
            assert f"AH00098: pid file {pid_file} overwritten -- Unclean shutdown of " \
                   "previous Apache run?" in read(os.path.join(directory, "error_log"))


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_two_servers_started_at_once_on_one_pid_file(tmp_path):
    """Both pass the first check at the same moment; putting the PidFile in place is done
    one at a time, so exactly one runs and the other says why and exits 1."""
    directory = str(tmp_path)
    env = dict(os.environ, PYTHONPATH=ROOT)
    pid_file = f"{directory}/httpd.pid"
    with PrivateNetwork():
        first = monitor_conf(directory)
        os.mkdir(f"{directory}/b")
        second = _second(directory, "b.conf", first, ("8090", "8091"),
                         (f"{directory}/hb.dat", f"{directory}/b.dat"),
                         (f"DefaultRuntimeDir {directory}\n",
                          f"DefaultRuntimeDir {directory}/b\n"))
        try:
            for _round in range(2):
                starts = [subprocess.Popen([sys.executable, "-m", "heartmonitor", "-f", conf],
                                           cwd=directory, env=env, stdout=subprocess.PIPE,
                                           stderr=subprocess.PIPE, text=True)
                          for conf in (first, second)]
                results = sorted((start.wait(60), *start.communicate()) for start in starts)
                winner = int(read(pid_file))
                assert results == [
                    (0, "", ""),
                    (1, "", f"heartmonitor: another server (pid {winner}) runs with the "
                            f"PidFile {pid_file}: not starting a second one\n")]
                assert not [n for n in os.listdir(directory) if n.startswith("httpd.pid.")]
                assert heartmonitor("-f", second, "-k", "stop").returncode == 0
                assert wait_for(lambda winner=winner: _gone(winner), 20)
                assert not os.path.exists(pid_file)
        finally:  # whatever went wrong, no server outlives the test
            for storage in ("hb.dat", "b.dat"):
                running = storage_holder(f"{directory}/{storage}")
                if running:
                    os.kill(running, signal.SIGTERM)


# -- a PidFile that cannot be written ----------------------------------------------------

def _temporary_names(lines: list[str]) -> list[str]:
    return [re.sub(r"httpd\.pid\.[A-Za-z0-9]{6}$", "httpd.pid.XXXXXX", line)
            for line in lines]


def test_unwritable_pid_file_stops_start_up_as_httpd(tmp_path):
    """apache2 detaches first (`-k start` exits 0) and its child exits 1; heartmonitor says
    the same lines before detaching and exits 1. Nothing is left running."""
    apache2 = need_apache2()
    lines = {}
    for name, command in (("real", [apache2]), ("ours", [sys.executable, "-m",
                                                         "heartmonitor"])):
        directory = str(tmp_path / name)
        os.mkdir(directory)
        conf = write(os.path.join(directory, "httpd.conf"), apache2_config(
            directory, PORT, "", []).replace(f"PidFile {directory}/httpd.pid",
                                             f"PidFile {directory}/missing/httpd.pid"))
        with PrivateNetwork():
            result = subprocess.run([*command, "-f", conf, "-k", "start"], capture_output=True,
                                    text=True, timeout=30)
            log = os.path.join(directory, "error_log")
            assert wait_for(lambda log=log: "AH00100" in read(log))
            lines[name] = _temporary_names(log_lines(read(log)))
            if name == "ours":
                assert result.returncode == 1
                assert _temporary_names(log_lines(result.stderr)) == lines[name]
                stop = heartmonitor("-f", conf, "-k", "stop")
                assert stop.stdout == "httpd (no pid file) not running\n"
                probe = socket.socket()
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                probe.bind(("127.0.0.1", PORT))  # nobody listens there any more
                probe.close()
                assert sorted(os.listdir(directory)) == ["error_log", "httpd.conf"]
            else:
                assert result.returncode == 0
    directory = str(tmp_path / "real")
    assert lines["ours"] == [line.replace(
        "AH00100: apache2:", "AH00100: heartmonitor:").replace(
        f"{directory}/", f"{tmp_path}/ours/") for line in lines["real"]]
    assert lines["ours"] == [
        f"[core:error] (2)No such file or directory: AH00099: could not create "
        f"{tmp_path}/ours/missing/httpd.pid.XXXXXX",
        f"[core:error] AH00100: heartmonitor: could not log pid to file "
        f"{tmp_path}/ours/missing/httpd.pid"]


# -- a restart that names another PidFile ----------------------------------------------

def _k(command: list[str], conf: str, action: str) -> tuple[int, str, str]:
    result = subprocess.run([*command, "-f", conf, "-k", action], capture_output=True,
                            text=True, env=dict(os.environ, PYTHONPATH=ROOT), timeout=60)
    return result.returncode, result.stdout, result.stderr


@pytest.mark.parametrize("server", ["apache2", "heartmonitor"])
def test_a_restart_onto_another_pid_file(tmp_path, server):
    """apache2 writes the new PidFile and leaves the former one where it is: `-k` with
    the former configuration still finds the server; the new file is the one removed
    when it stops. heartmonitor does the same, the lock following each file."""
    directory = str(tmp_path)
    if server == "apache2":
        command = [need_apache2()]
        text = apache2_config(directory, 8141, "LogLevel info\n", ["authz_core"])
    else:
        command = [sys.executable, "-m", "heartmonitor"]
        text = (f"ServerRoot {directory}\nServerName localhost\nPidFile {directory}/httpd.pid\n"
                f"ErrorLog {directory}/error_log\nDefaultRuntimeDir {directory}\n"
                "Listen 127.0.0.1:8141\nLogLevel info\n")
    former = write(os.path.join(directory, "former.conf"), text)
    conf = write(os.path.join(directory, "httpd.conf"), text)
    old_pid, new_pid = f"{directory}/httpd.pid", f"{directory}/new.pid"
    with PrivateNetwork():
        assert _k(command, conf, "start") == (0, "", "")
        log = f"{directory}/error_log"
        assert wait_for(lambda: "AH00489" in read(log))  # signals are handled from now on
        pid = int(read(old_pid))
        try:
            write(conf, text.replace(old_pid, new_pid))
            os.kill(pid, signal.SIGUSR1)
            assert wait_for(lambda: read(new_pid) == f"{pid}\n")
            assert _k(command, former, "start") == (
                0, f"httpd (pid {pid}) already running\n", "")
            assert _k(command, conf, "stop") == (0, "", "")
            assert wait_for(lambda: _gone(pid), 20)
        finally:
            if not _gone(pid):
                os.kill(pid, signal.SIGKILL)
    assert (read(old_pid), os.path.exists(new_pid)) == (f"{pid}\n", False)
    assert _k(command, conf, "stop") == (0, "httpd (no pid file) not running\n", "")
    assert _k(command, former, "stop") == (0, f"httpd (pid {pid}?) not running\n", "")
    assert f"AH00096: removed PID file {new_pid} (pid={pid})" in read(log)
