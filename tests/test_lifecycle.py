"""Start-up, -k, the pid file, signals, restarts and --watch-config, as httpd does them."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import need_apache2
from tests.helpers import ROOT, heartmonitor, write
from tests.live import (
    apache2_config,
    heartmonitor_server,
    read,
    request,
    send,
    wait_for,
)
from tests.test_monitor import EVERY_SECOND, PORT, entries, monitor_conf

PREFIX = re.compile(r"^\[[^\]]+\] (\[[^\]]*\]) \[pid \d+:tid \d+\] ", re.M)


def log_lines(text: str, *modules: str) -> list[str]:
    """error_log lines of these modules, without time and pid."""
    lines = []
    for line in text.splitlines():
        match = PREFIX.match(line)
        if match and match.group(1).split(":")[0][1:] in modules:
            lines.append(match.group(1) + " " + line[match.end():])
    return lines


@pytest.mark.parametrize("body, ours_more", [
    ("LoadModule heartmonitor_module {mods}/mod_heartmonitor.so\n"
     "HeartbeatListen 239.0.0.1:27999\n", []),
    ("LoadModule heartmonitor_module {mods}/mod_heartmonitor.so\n"
     "HeartbeatListen 127.0.0.1:27999\nHeartbeatMaxServers 0\nHeartbeatStorage {dir}/hb.dat\n",
     ["[:emerg] AH00020: Configuration Failed, exiting"]),
])
def test_start_up_failures_are_logged_like_httpd(network, tmp_path, body, ours_more):
    """Without mod_slotmem_shm (AH02284); a unicast HeartbeatListen (AH02072, AH02090).

    httpd logs the second at run time and goes on without a listener; heartmonitor
    stops with httpd's lines and AH00020.
    """
    apache2 = need_apache2()
    real_dir, our_dir = tmp_path / "real", tmp_path / "ours"
    real_dir.mkdir()
    our_dir.mkdir()
    real_conf = write(str(real_dir / "httpd.conf"), apache2_config(
        str(real_dir), 8101, body.format(mods="/usr/lib/apache2/modules", dir=real_dir), []))
    our_conf = write(str(our_dir / "httpd.conf"), apache2_config(
        str(our_dir), 8102, body.format(mods="modules", dir=our_dir), []).replace(
        "LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so\n", ""))
    real = subprocess.run([apache2, "-f", real_conf, "-DFOREGROUND"], capture_output=True,
                          timeout=4) if "MaxServers 0" not in body else None
    if real is None:
        server = subprocess.Popen([apache2, "-f", real_conf, "-DFOREGROUND"])
        wait_for(lambda: "AH02090" in read(str(real_dir / "error_log")))
        server.terminate()
        server.wait()
    ours = heartmonitor("-f", our_conf, "-DFOREGROUND")
    real_lines = log_lines(read(str(real_dir / "error_log")), "heartmonitor", "")
    our_lines = log_lines(read(str(our_dir / "error_log")), "heartmonitor", "")
    assert our_lines == real_lines + ours_more
    assert ours.returncode == 1
    if real is not None:
        assert real.returncode == 1
    # The terminal sees the reason too.
    assert [PREFIX.sub(lambda m: m.group(1) + " ", line) for line in ours.stderr.splitlines()
            ] == our_lines


def test_upstream_build_needs_mod_watchdog(tmp_path):
    conf = write(str(tmp_path / "httpd.conf"), (
        f"ServerName x\nErrorLog {tmp_path}/error_log\nPidFile {tmp_path}/pid\n"
        "LoadModule heartmonitor_module modules/mod_heartmonitor.so\nHeartbeatMaxServers 0\n"))
    result = heartmonitor("--build", "upstream", "-f", conf, "-DFOREGROUND")
    assert result.returncode == 1
    assert log_lines(read(str(tmp_path / "error_log")), "heartmonitor") == [
        "[heartmonitor:crit] AH02093: mod_watchdog is required"]
    assert read(str(tmp_path / "error_log")).endswith("\nAH00016: Configuration Failed\n")
    assert result.stderr.endswith("AH00016: Configuration Failed\n")
    assert heartmonitor("--build", "upstream", "-f", conf, "-t").stderr == "Syntax OK\n"
    strict = heartmonitor("--build", "upstream", "-f", conf, "-t", "--strict")
    assert strict.returncode == 1 and "AH02093: mod_watchdog is required" in strict.stderr


def test_k_start_graceful_restart_and_stop(network, tmp_path):
    directory = str(tmp_path)
    conf = monitor_conf(directory, EVERY_SECOND)
    hb = os.path.join(directory, "hb.dat")
    pid_file = os.path.join(directory, "httpd.pid")
    log = os.path.join(directory, "error_log")
    assert heartmonitor("-f", conf, "-k", "stop").stdout == "httpd (no pid file) not running\n"
    started = heartmonitor("-f", conf, "-k", "start")
    assert (started.returncode, started.stdout, started.stderr) == (0, "", "")
    assert wait_for(lambda: "AH00489" in read(log))
    pid = int(read(pid_file))
    again = heartmonitor("-f", conf, "-k", "start")
    assert (again.returncode, again.stdout) == (0, f"httpd (pid {pid}) already running\n")
    send(b"v=1&ready=9&busy=1", "127.0.0.3")
    assert wait_for(lambda: "127.0.0.3" in read(hb), timeout=8)
    # A graceful restart keeps every server and never leaves hb.dat without them: not
    # while it runs, nor in the new generation's first write.
    assert heartmonitor("-f", conf, "-k", "graceful").returncode == 0
    deadline = time.monotonic() + 10
    restarted = None  # hb.dat as the new generation found it
    while time.monotonic() < deadline:
        assert "127.0.0.3" in entries(hb)
        if restarted is None and read(log).count("AH00489") == 2:
            restarted = _file_version(hb)
        elif restarted is not None and _file_version(hb) != restarted:
            break
        time.sleep(0.01)
    assert restarted is not None and _file_version(hb) != restarted
    assert "127.0.0.3" in entries(hb)
    assert re.search(r"\[mpm_event:notice\] \[pid \d+:tid \d+\] AH00493: SIGUSR1 received.  "
                     r"Doing graceful restart\n", read(log))
    assert heartmonitor("-f", conf, "-k", "restart").returncode == 0
    assert wait_for(lambda: read(log).count("AH00489") == 3)
    assert "AH00494: SIGHUP received.  Attempting to restart" in read(log)
    assert "127.0.0.3" in entries(hb)
    assert int(read(pid_file)) == pid
    status, _headers, body = request(PORT, path="/server-status?auto")
    assert status == 200 and b"ParentServerConfigGeneration: 3\n" in body
    assert heartmonitor("-f", conf, "-k", "graceful-stop").returncode == 0
    assert wait_for(lambda: not os.path.exists(pid_file))
    assert "AH00492: caught SIGWINCH, shutting down gracefully" in read(log)
    assert wait_for(lambda: not _alive(pid))


def _file_version(path: str) -> tuple[int, int]:
    """Changes with each write (a write renames a new file over the old)."""
    status = os.stat(path)
    return status.st_ino, status.st_mtime_ns


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split()[2] != "Z"
    except OSError:
        return False


def test_pid_file_of_another_process_is_never_signalled(tmp_path):
    conf = write(str(tmp_path / "httpd.conf"), (
        f"ServerName x\nErrorLog {tmp_path}/error_log\nPidFile {tmp_path}/httpd.pid\n"))
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        write(str(tmp_path / "httpd.pid"), f"{sleeper.pid}\n")
        result = heartmonitor("-f", conf, "-k", "stop")
        assert result.stdout == f"httpd (pid {sleeper.pid}?) not running\n"
        assert sleeper.poll() is None
    finally:
        sleeper.kill()
        sleeper.wait()
    write(str(tmp_path / "httpd.pid"), f"{sleeper.pid}\n")  # now dead: a stale file
    assert heartmonitor("-f", conf, "-k", "graceful-stop").stdout == (
        f"httpd (pid {sleeper.pid}?) not running\n")
    write(str(tmp_path / "httpd.pid"), "garbage\n")
    result = heartmonitor("-f", conf, "-k", "stop")
    assert (result.returncode, result.stderr) == (1, (
        "(20014)Internal error (specific information not available): AH00058: Error "
        f"retrieving pid file {tmp_path}/httpd.pid\n"
        "AH00059: Remove it before continuing if it is corrupted.\n"))


def test_k_start_against_real_httpd_messages(tmp_path):
    """The -k status lines are httpd's, word for word."""
    apache2 = need_apache2()
    conf = write(str(tmp_path / "a.conf"), apache2_config(str(tmp_path), 8103, "", []))
    real = subprocess.run([apache2, "-f", conf, "-k", "stop"], capture_output=True, text=True)
    ours = heartmonitor("-f", conf.replace("a.conf", "a.conf"), "-k", "stop")
    assert (ours.returncode, ours.stdout) == (real.returncode, real.stdout)


def test_watch_config_reloads_good_edits_and_keeps_running_on_bad_ones(network, tmp_path):
    directory = str(tmp_path)
    conf = monitor_conf(directory)
    log = os.path.join(directory, "error_log")
    original = read(conf)
    server = heartmonitor_server(conf, directory, "--watch-config").start()
    try:
        assert request(PORT, path="/extra")[0] == 404

        def save(text: str) -> None:  # as editors do: write a copy, rename it over
            write(conf + ".swp", text)
            os.replace(conf + ".swp", conf)

        save(original + "<Location /extra>\n    SetHandler server-status\n</Location>\n")
        assert wait_for(lambda: request(PORT, path="/extra")[0] == 200, timeout=10)
        assert "a configuration file changed: graceful restart" in read(log)
        save(original + "<Location /extra>\n    SetHandler server-status\n")
        assert wait_for(lambda: "configuration not reloaded" in read(log), timeout=10)
        assert request(PORT, path="/extra")[0] == 200
        assert re.search(r"\[core:error\] \[pid \d+:tid \d+\] configuration not reloaded: it has "
                         r"errors \(see above\); the running configuration stays\n", read(log))
        opened = len(original.splitlines()) + 1
        assert (f"heartmonitor: Syntax error on line {opened} of {conf}: {conf}:{opened}: "
                "<Location> was not closed.\n") in read(log)
        assert "SIGUSR1" not in read(log)
    finally:
        server.stop()


def test_piped_error_log(tmp_path):
    target = tmp_path / "piped.log"
    conf = write(str(tmp_path / "httpd.conf"), (
        f'ServerName x\nErrorLog "|$cat >> {target}"\nPidFile {tmp_path}/pid\n'
        "LogLevel info\n"))
    process = subprocess.Popen([sys.executable, "-m", "heartmonitor", "-f", conf, "-X"],
                               cwd=ROOT, stdout=subprocess.DEVNULL)
    try:
        assert wait_for(lambda: "AH00489" in read(str(target)))
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(10)
    assert wait_for(lambda: "AH00491: caught SIGTERM, shutting down" in read(str(target)))
    assert "AH00096: removed PID file" in read(str(target))
