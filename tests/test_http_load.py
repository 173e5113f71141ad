"""Load without harm: idle connections, slow clients (mod_reqtimeout), no descriptor left.

Servers run in a private network namespace; the slow-client cases run apache2 beside
heartmonitor on one configuration and compare what each client gets and when.
"""

from __future__ import annotations

import os
import resource
import shutil
import socket
import subprocess
import threading
import time

import pytest

from tests.conftest import need_apache2
from tests.helpers import heartmonitor, write
from tests.live import (
    Server,
    apache2_config,
    apache2_server,
    heartmonitor_server,
    read,
    request,
    send,
    wait_for,
)
from tests.test_monitor import entries, monitor_conf

PORT = 8090
REAL_PORT, OUR_PORT = 8481, 8482
PRLIMIT = shutil.which("prlimit") or "/usr/bin/prlimit"  # util-linux
TIMEOUTS = "RequestReadTimeout header=1-2,MinRate=500 body=1,MinRate=500\n"


@pytest.fixture
def many_descriptors():
    """RLIMIT_NOFILE's soft limit raised to the hard one (servers started inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    yield hard
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_ten_thousand_idle_connections_do_not_starve_new_clients(network, tmp_path,
                                                                many_descriptors):
    count = 10_000
    assert many_descriptors >= count + 200, "the hard RLIMIT_NOFILE is too low"
    directory = str(tmp_path)
    idle: list[socket.socket] = []
    with heartmonitor_server(monitor_conf(directory), directory):
        try:
            for _ in range(count):
                idle.append(socket.create_connection(("127.0.0.1", PORT), timeout=10))
            # Every one of them is accepted and held: ConnsTotal counts them.
            status = wait_for(lambda: f"ConnsTotal: {count + 1}\n".encode() in request(
                PORT, "GET", "/server-status?auto")[2], timeout=20)
            assert status
            started = time.monotonic()
            assert request(PORT, "GET", "/missing")[0] == 404
            assert time.monotonic() - started < 1.0
            # Idle clients are still served when they speak.
            for sock in idle[:: count // 20]:
                sock.sendall(b"GET /missing HTTP/1.1\r\nHost: x\r\n\r\n")
                assert sock.recv(4096).startswith(b"HTTP/1.1 404 Not Found\r\n")
        finally:
            for sock in idle:
                sock.close()


def _slow_client(port: int, steps: list[bytes], pause: float, out: dict, key: str) -> None:
    """Send the steps `pause` seconds apart until the server answers or closes; record
    (the answer's first line, seconds until the answer or the close)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    started = time.monotonic()
    answer = b""
    ended = None
    try:
        for step in steps:
            try:
                sock.sendall(step)
            except OSError:
                break
            time.sleep(pause)
            try:
                answer = sock.recv(65536, socket.MSG_DONTWAIT)
            except BlockingIOError:
                continue
            except OSError:
                answer = b""
            break
        ended = time.monotonic() - started
        if not answer:
            answer = sock.recv(65536)
            ended = time.monotonic() - started
    except OSError:
        pass
    finally:
        sock.close()
    out[key] = (answer.split(b"\r\n", 1)[0], ended)


SLOW = {
    # The request line trickles in and never ends: closed without an answer.
    "request line": ([b"GET /missing"] + [b"a"] * 30, 0.2),
    # The line came, the header fields trickle: 408.
    "header fields": ([b"GET /missing HTTP/1.1\r\nHost: x\r\nX-A: "] + [b"a"] * 30, 0.2),
    # The head came, the body trickles: the heartbeat handler's read times out (httpd's
    # handler returns the APR error as a status: 500; heartmonitor answers 408).
    "body": ([b"POST /hb HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n"] + [b"a"] * 30,
             0.2),
}


def test_trickling_clients_are_cut_off_as_apache2_cuts_them(network, tmp_path):
    apache2 = need_apache2()
    servers = []
    for name, port in (("real", REAL_PORT), ("ours", OUR_PORT)):
        directory = str(tmp_path / name)
        os.mkdir(directory)
        conf = apache2_config(directory, port, (
            f"HeartbeatListen 239.0.0.1:27999\nHeartbeatMaxServers 0\n"
            f"HeartbeatStorage {directory}/hb.dat\n"
            "<Location /hb>\n    SetHandler heartbeat\n</Location>\n" + TIMEOUTS),
            ["heartmonitor", "reqtimeout"])
        if name == "ours":
            conf = conf.replace("/usr/lib/apache2/modules/", "modules/")
        path = write(os.path.join(directory, "httpd.conf"), conf)
        servers.append(apache2_server(apache2, path, directory) if name == "real"
                       else heartmonitor_server(path, directory))
    results: dict = {}
    with servers[0], servers[1]:
        threads = [threading.Thread(target=_slow_client,
                                    args=(port, steps, pause, results, (server, case)))
                   for server, port in (("real", REAL_PORT), ("ours", OUR_PORT))
                   for case, (steps, pause) in SLOW.items()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert results[("real", "body")][0] == b"HTTP/1.1 500 Internal Server Error"
    for case in SLOW:
        real, ours = results[("real", case)], results[("ours", case)]
        if case != "body":
            assert ours[0] == real[0], case
        # Cut off within the deadlines (1-2 s, or 1 s for the body), not after 6 s.
        assert abs(ours[1] - real[1]) < 1.0, (case, real[1], ours[1])
    assert [results[("ours", case)][0] for case in SLOW] == [
        b"", b"HTTP/1.1 408 Request Timeout", b"HTTP/1.1 408 Request Timeout"]


BAD_TIMEOUTS = ["header=abc", "header=10x", "header=-1", "header=10-5,MinRate=1",
                "header=10-20", "body=5,minrate=0", "foo=1", "header",
                "header=10-x,MinRate=5", "body=1,MinRate=abc"]


def test_request_read_timeout_arguments_are_checked_as_apache2(tmp_path):
    apache2 = need_apache2()
    conf = str(tmp_path / "httpd.conf")
    for value in BAD_TIMEOUTS + ["header=20-40,MinRate=500 body=20,MinRate=500",
                                 "HEADER=3,MINRATE=100 handshake=0"]:
        write(conf, "LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so\n"
                    "LoadModule reqtimeout_module /usr/lib/apache2/modules/mod_reqtimeout.so\n"
                    f"ServerName localhost\nRequestReadTimeout {value}\n")
        real = subprocess.run([apache2, "-t", "-f", conf], capture_output=True, text=True)
        ours = heartmonitor("-t", "-f", conf)
        if value in BAD_TIMEOUTS:
            assert ours.returncode == real.returncode == 1, value
            assert ours.stderr.splitlines()[:2] == real.stderr.splitlines()[:2], value
        else:
            assert "Syntax error" not in ours.stderr + real.stderr, value


def test_no_descriptor_left_pauses_accepting_and_storage_keeps_writing(network, tmp_path):
    directory = str(tmp_path)
    conf = monitor_conf(directory)
    limit = 96
    # The server, and only it, runs with few descriptors (prlimit execs it: same pid).
    server = Server([PRLIMIT, f"--nofile={limit}:{limit}",
                     *heartmonitor_server(conf, directory).command],
                    directory, ready_log="AH00489").start()
    held: list[socket.socket] = []
    hb = os.path.join(directory, "hb.dat")
    try:
        for _ in range(2 * limit):
            held.append(socket.create_connection(("127.0.0.1", PORT), timeout=5))
        assert wait_for(lambda: "AH02179" in read(server.error_log))
        send(b"v=1&ready=7&busy=1")
        # The monitor's own writes still find a descriptor.
        assert wait_for(lambda: entries(hb).get("127.0.0.1", (0,))[0] == 7, timeout=12)
        for sock in held:
            sock.close()
        held = []
        assert wait_for(lambda: request(PORT, "GET", "/missing")[0] == 404)
    finally:
        for sock in held:
            sock.close()
        code, out, err = server.stop()
    log = read(server.error_log)
    assert log.count("AH02179") == 1
    assert "(24)Too many open files: AH02179: apr_socket_accept: (client socket)" in log
    assert "AH02081" not in log
    assert "Traceback" not in out + err + log
