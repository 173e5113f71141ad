"""The shipped configurations: each is valid for heartmonitor and for a real httpd alike."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.conftest import need_apache2
from tests.helpers import ROOT, heartmonitor, write

EXTRA = os.path.join(ROOT, "conf", "extra")
EXAMPLES = sorted(name for name in os.listdir(EXTRA) if name.endswith(".conf"))


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_is_valid_for_heartmonitor_and_httpd(tmp_path, name):
    apache2 = need_apache2()
    with open(os.path.join(EXTRA, name)) as handle:
        text = handle.read()
    ours = write(str(tmp_path / "ours.conf"), (
        f"ServerName x\nErrorLog {tmp_path}/e\nDefaultRuntimeDir {tmp_path}\n"
        "LoadModule heartlab_module modules/mod_heartlab.so\n"
        f"Include {EXTRA}/{name}\n"))
    real_copy = write(str(tmp_path / name), text.replace(" modules/", " /usr/lib/apache2/modules/"))
    real = write(str(tmp_path / "real.conf"), (
        f"ServerName x\nErrorLog {tmp_path}/e\nDefaultRuntimeDir {tmp_path}\n"
        "LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so\n"
        f"Include {real_copy}\n"))
    env = {"HEARTMONITOR_RUNDIR": str(tmp_path)}  # the balancer example reads it
    expected = subprocess.run([apache2, "-f", real, "-t"], capture_output=True, text=True,
                              env={**os.environ, **env})
    result = heartmonitor("-f", ours, "-t", env=env)
    assert (result.returncode, result.stderr) == (expected.returncode, expected.stderr) == (
        0, "Syntax OK\n")


def test_embedded_default_is_loopback_only():
    with open(os.path.join(ROOT, "conf", "httpd.conf")) as handle:
        lines = [line.strip() for line in handle if line.strip() and not line.startswith("#")]
    assert "Listen 127.0.0.1:${HEARTMONITOR_PORT}" in lines
    assert "LoadModule heartlab_module modules/mod_heartlab.so" in lines
    assert lines[lines.index("<IfModule heartlab_module>") + 1] == (
        "HeartbeatListenInterface 127.0.0.1")
    assert lines.count("Require local") == 3  # server-status, heartbeat, heartbeat-admin
    assert heartmonitor("-t").stderr == "Syntax OK\n"


def test_embedded_default_runs_and_hears_heartbeats(tmp_path):
    """What the README's first command starts: `heartmonitor -DFOREGROUND`, no -f."""
    import sys

    from tests.live import PrivateNetwork, Server, read, request, send, wait_for

    with PrivateNetwork():
        env_dir = str(tmp_path)
        os.environ["HEARTMONITOR_RUNDIR"] = env_dir
        try:
            server = Server([sys.executable, "-m", "heartmonitor", "-DFOREGROUND"], env_dir,
                            ready_log="AH00489").start()
        finally:
            del os.environ["HEARTMONITOR_RUNDIR"]
        try:
            send(b"v=1&ready=12&busy=3", "127.0.0.8")
            assert wait_for(lambda: b"HeartbeatServers: 1\n" in request(
                8080, path="/server-status?auto")[2])
            assert request(8080, "POST", "/heartbeat", b"ready=1&busy=1")[0] == 200
            assert wait_for(lambda: "127.0.0.8 &ready=12&busy=3" in read(f"{env_dir}/hb.dat"),
                            timeout=8)
        finally:
            code, out, _err = server.stop()
    assert code == 0
    assert "heartmonitor: listening for heartbeats on 239.0.0.1:27999 (joined on 127.0.0.1)\n" \
        in out
    assert "heartmonitor: server 127.0.0.8 is up (port 80, ready 12, busy 3)\n" in out
