"""Unicast HeartbeatListen, opted into with heartlab_module's HeartbeatListenUnicast On.

Without heartlab_module or without the opt-in a unicast HeartbeatListen stays httpd's:
joined as a group, which fails (AH02072, AH02090). Opted in, the address is bound (IPv4
or IPv6) and real mod_heartbeat senders with that HeartbeatAddress reach the monitor.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest

from tests.conftest import need_apache2
from tests.helpers import ROOT, heartmonitor, write
from tests.live import (
    apache2_config,
    apache2_server,
    heartmonitor_server,
    read,
    request,
    wait_for,
)
from tests.test_ctl_lint import lint_text, sender
from tests.test_lifecycle import log_lines
from tests.test_monitor import PORT, entries

MODDIR = "/usr/lib/apache2/modules"
LAB = "LoadModule heartlab_module modules/mod_heartlab.so\n"
OPT_IN = "HeartbeatListenUnicast On\n"
FAST_STORAGE = "HeartbeatStorageInterval 1\n"
STATUS = ("LoadModule status_module modules/mod_status.so\n"
          "<Location /server-status>\nSetHandler server-status\n</Location>\n")
# An event MPM this small gives mod_heartbeat's counts a fixed value on an idle server.
SMALL_MPM = ("ServerLimit 1\nStartServers 1\nThreadsPerChild 5\nMaxRequestWorkers 5\n"
             "MinSpareThreads 1\nMaxSpareThreads 5\nThreadLimit 5\n")


def unicast_conf(directory: str, listen: str, lab: str = LAB + OPT_IN, port: int = PORT) -> str:
    return write(os.path.join(directory, "httpd.conf"), (
        f"ServerRoot {directory}\nServerName localhost\nPidFile {directory}/httpd.pid\n"
        f"ErrorLog {directory}/error_log\nDefaultRuntimeDir {directory}\n"
        f"Listen 127.0.0.1:{port}\n"
        "LoadModule heartmonitor_module modules/mod_heartmonitor.so\n"
        f"{lab}HeartbeatListen {listen}\nHeartbeatMaxServers 0\n"
        f"HeartbeatStorage {directory}/hb.dat\n"))


def line_of(conf: str, start: str) -> int:
    """The number of the first line of `conf` that starts with `start`."""
    lines = read(conf).splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.startswith(start))


def test_real_mod_heartbeat_reaches_a_unicast_monitor(network, tmp_path):
    """apache2's mod_heartbeat, HeartbeatAddress 127.0.0.1:27999 -> heartmonitor bound there."""
    apache2 = need_apache2()
    sender_dir, our_dir = str(tmp_path / "sender"), str(tmp_path / "ours")
    os.mkdir(sender_dir)
    os.mkdir(our_dir)
    sender_conf = write(os.path.join(sender_dir, "httpd.conf"), apache2_config(
        sender_dir, 8183, "HeartbeatAddress 127.0.0.1:27999\n" + SMALL_MPM, ["heartbeat"]))
    hb = os.path.join(our_dir, "hb.dat")
    conf = unicast_conf(our_dir, "127.0.0.1:27999", lab=LAB + OPT_IN + FAST_STORAGE)
    with heartmonitor_server(conf, our_dir), \
            apache2_server(apache2, sender_conf, sender_dir):
        expected = "127.0.0.1 &ready=5&busy=0&lastseen=0&port=80\n"
        assert wait_for(lambda: read(hb) == expected, timeout=20), read(hb)


def test_ipv6_unicast_listen(network, tmp_path):
    directory = str(tmp_path)
    hb = os.path.join(directory, "hb.dat")
    conf = unicast_conf(directory, "[::1]:27999", lab=LAB + OPT_IN + FAST_STORAGE + STATUS)
    server = heartmonitor_server(conf, directory).start()
    sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    try:
        def beat_and_look() -> bool:
            sock.sendto(b"v=1&ready=7&busy=2", ("::1", 27999))
            return read(hb) == "::1 &ready=7&busy=2&lastseen=0&port=80\n"
        assert wait_for(beat_and_look, timeout=12, interval=0.5), read(hb)
        # server-status writes the listening address as httpd writes one (%pI)
        html = request(PORT, path="/server-status")[2].decode()
        assert "servers, listening on [::1]:27999, storage " in html
        listen = json.loads(request(PORT, path="/server-status?json")[2])["Heartbeat"]["Listen"]
        assert listen == "[::1]:27999"
        auto = request(PORT, path="/server-status?auto")[2].decode()
        assert "HeartbeatServer[0]IP: ::1\nHeartbeatServer[0]Port: 80\n" in auto
        metrics = request(PORT, path="/server-status?metrics")[2].decode()
        assert 'heartmonitor_server_ready{ip="::1",port="80"} 7\n' in metrics
    finally:
        sock.close()
        _code, out, err = server.stop()
    assert "listening for unicast heartbeats on [::1]:27999\n" in out + err


def test_without_the_opt_in_start_up_is_httpds(network, tmp_path):
    """heartlab_module loaded, no HeartbeatListenUnicast: the lines apache2 logs (AH02072,
    AH02090); heartmonitor then stops (a README difference) instead of running deaf."""
    apache2 = need_apache2()
    real_dir, our_dir = tmp_path / "real", tmp_path / "ours"
    real_dir.mkdir()
    our_dir.mkdir()
    ours = unicast_conf(str(our_dir), "127.0.0.1:27999", lab=LAB, port=8102)
    real = write(str(real_dir / "httpd.conf"), read(ours).replace(str(our_dir), str(real_dir))
                 .replace(LAB, "").replace("modules/", f"{MODDIR}/").replace(":8102", ":8101")
                 + f"LoadModule mpm_event_module {MODDIR}/mod_mpm_event.so\n")
    server = subprocess.Popen([apache2, "-f", real, "-DFOREGROUND"])
    try:
        assert wait_for(lambda: "AH02090" in read(str(real_dir / "error_log")))
    finally:
        server.terminate()
        server.wait()
    result = heartmonitor("-f", ours, "-DFOREGROUND")
    real_lines = log_lines(read(str(real_dir / "error_log")), "heartmonitor")
    assert real_lines == [
        "[heartmonitor:crit] (22)Invalid argument: AH02072: Failed to join multicast group",
        "[heartmonitor:crit] (22)Invalid argument: AH02090: Unable to listen for connections!"]
    assert log_lines(read(str(our_dir / "error_log")), "heartmonitor") == real_lines
    assert result.returncode == 1


def configtest(tmp_path, listen: str, lab: str, *args: str):
    conf = unicast_conf(str(tmp_path), listen, lab=lab)
    result = heartmonitor("-f", conf, "-t", *args)
    return conf, result.returncode, result.stderr


@pytest.mark.parametrize("listen", ["127.0.0.1:27999", "0.0.0.0:27999", "[::1]:27999",
                                    "239.0.0.1:27999"])
def test_strict_accepts_an_opted_in_unicast_listen(tmp_path, listen):
    assert configtest(tmp_path, listen, LAB + OPT_IN, "--strict")[1:] == (0, "Syntax OK\n")


def test_ipv6_needs_the_opt_in_first(tmp_path):
    """httpd resolves HeartbeatListen as IPv4 and fails on the line itself; opting in after
    it is too late for an IPv6 address (apache2 -t says the same of the config without
    heartlab_module)."""
    for lab in (LAB, LAB + "HeartbeatListenUnicast Off\n", None):
        conf = unicast_conf(str(tmp_path), "[::1]:27999", lab=lab or LAB)
        if lab is None:  # opted in on the line after HeartbeatListen
            write(conf, read(conf).replace("HeartbeatMaxServers", OPT_IN + "HeartbeatMaxServers"))
        result = heartmonitor("-f", conf, "-t")
        line = line_of(conf, "HeartbeatListen ")
        assert (result.returncode, result.stderr) == (1, (
            f"AH00526: Syntax error on line {line} of {conf}:\n"
            "HeartbeatListen: apr_sockaddr_info_get failed on multicast address\n"))
    apache2 = need_apache2()
    conf = unicast_conf(str(tmp_path), "[::1]:27999",
                        lab="LoadModule mpm_event_module modules/mod_mpm_event.so\n")
    write(conf, read(conf).replace("modules/", f"{MODDIR}/"))
    real = subprocess.run([apache2, "-f", conf, "-t"], capture_output=True, text=True)
    assert (real.returncode, real.stderr) == (1, (
        f"AH00526: Syntax error on line {line_of(conf, 'HeartbeatListen ')} of {conf}:\n"
        "HeartbeatListen: apr_sockaddr_info_get failed on multicast address\n"))


def test_strict_without_the_opt_in_names_it(tmp_path):
    conf, code, stderr = configtest(tmp_path, "127.0.0.1:27999", LAB, "--strict")
    assert code == 1
    assert stderr.splitlines()[1] == (
        "heartmonitor: HeartbeatListen 127.0.0.1:27999 is not a multicast group "
        "(heartlab_module's 'HeartbeatListenUnicast On' binds a unicast address instead) "
        f"(line {line_of(conf, 'HeartbeatListen ')} of {conf})")


def test_the_opt_in_is_a_flag(tmp_path):
    conf, code, stderr = configtest(tmp_path, "127.0.0.1:27999",
                                    LAB + "HeartbeatListenUnicast yes\n")
    line = line_of(conf, "HeartbeatListenUnicast")
    assert (code, stderr) == (1, f"AH00526: Syntax error on line {line} of {conf}:\n"
                                 "HeartbeatListenUnicast must be On or Off\n")


def lint_monitor(directory: str, listen: str, lab: str = LAB + OPT_IN) -> str:
    conf = unicast_conf(directory, listen, lab=lab + "HeartbeatOnStop expire\n")
    return write(os.path.join(directory, "monitor.conf"), read(conf))


@pytest.mark.parametrize("listen, sent, lab, found", [
    ("127.0.0.1:27999", "127.0.0.1:27999", LAB + OPT_IN, None),
    ("0.0.0.0:27999", "127.0.0.9:27999", LAB + OPT_IN, None),
    ("0.0.0.0:27999", "127.0.0.9:28000", LAB + OPT_IN,
     "HeartbeatAddress 127.0.0.9:28000 is not the monitor's HeartbeatListen 0.0.0.0:27999 "
     "(line {line} of {monitor}): the monitor never hears this sender (line 4 of {sender})"),
    ("127.0.0.1:27999", "127.0.0.2:27999", LAB + OPT_IN,
     "HeartbeatAddress 127.0.0.2:27999 is not the monitor's HeartbeatListen 127.0.0.1:27999 "
     "(line {line} of {monitor}): the monitor never hears this sender (line 4 of {sender})"),
    ("127.0.0.1:27999", "127.0.0.1:27999", LAB,
     "HeartbeatListen 127.0.0.1:27999 is not a multicast group: mod_heartmonitor fails to "
     "join it at start-up (AH02072) and hears nothing; heartlab_module's "
     "'HeartbeatListenUnicast On' binds it as a unicast address (line {line} of {monitor})"),
])
def test_lint_checks_a_unicast_sender_against_a_unicast_monitor(tmp_path, listen, sent, lab,
                                                                 found):
    directory = str(tmp_path)
    monitor = lint_monitor(directory, listen, lab)
    sender_conf = sender(directory, sent)
    result = lint_text(sender_conf, monitor)
    if found is None:
        assert result == (0, "", "Lint OK\n")
    else:
        message = found.format(monitor=monitor, sender=sender_conf,
                               line=line_of(monitor, "HeartbeatListen "))
        assert result == (1, "", f"heartmonitorctl lint: error: {message}\nLint failed\n")


def test_simulate_unicast_reaches_a_unicast_monitor(network, tmp_path):
    directory = str(tmp_path)
    hb = os.path.join(directory, "hb.dat")
    scenario = write(f"{directory}/unicast.toml", (
        "[fleet]\nservers = 20\nfirst = \"127.0.1.1\"\ninterval = 0.5\nduration = 2\n"
        "[send]\ntransport = \"unicast\"\nto = \"127.0.0.1:27999\"\n"
        "[load]\nready = 12\nbusy = 4\n"))
    conf = unicast_conf(directory, "127.0.0.1:27999", lab=LAB + OPT_IN + FAST_STORAGE)
    with heartmonitor_server(conf, directory):
        run = subprocess.run([sys.executable, "-m", "heartmonitor.ctl", "simulate", scenario],
                             capture_output=True, text=True, cwd=ROOT, timeout=30)
        table = wait_for(lambda: len(entries(hb)) == 20 and entries(hb), timeout=5)
    assert run.stdout.splitlines()[0] == (
        "simulating 20 servers from 127.0.1.1 by unicast to 127.0.0.1:27999 every 0.5 s")
    assert run.stdout.splitlines()[-1].endswith(", 0 lost")
    assert {ip: row[:2] for ip, row in table.items()} == {
        f"127.0.1.{n}": (12, 4) for n in range(1, 21)}
