"""heartmonitor beside the real Debian apache2, in a private network namespace.

(a) a real mod_heartbeat sends to heartmonitor; (b) heartmonitor's hb.dat and slotmem
drive a real mod_lbmethod_heartbeat balancer; (c) one packet sequence gives a real
mod_heartmonitor and heartmonitor the same hb.dat; (d) POST and server-status answer
as httpd's do.
"""

from __future__ import annotations

import collections
import http.client
import http.server
import os
import re
import threading
import time

import pytest

from tests.conftest import need_apache2
from tests.helpers import write
from tests.live import (
    apache2_config,
    apache2_server,
    heartmonitor_server,
    read,
    request,
    send,
    slot_ips,
    wait_for,
)
from tests.test_monitor import entries, monitor_conf

REAL_PORT, OUR_PORT = 8181, 8182
MONITOR = ("HeartbeatListen 239.0.0.1:27999\nHeartbeatMaxServers 0\n"
           "HeartbeatStorage {dir}/hb.dat\nLogLevel warn heartmonitor:debug\n"
           "<Location /hb>\n    SetHandler heartbeat\n</Location>\n"
           "<Location /server-status>\n    SetHandler server-status\n</Location>\n"
           "<Location /denied>\n    SetHandler server-status\n    Require ip 10.9.9.9\n"
           "</Location>\n")
MONITOR_MODULES = ["authz_core", "authz_host", "status", "heartmonitor"]


@pytest.fixture
def pair(network, tmp_path):
    """A real apache2 with mod_heartmonitor and heartmonitor on the same config."""
    apache2 = need_apache2()
    real_dir, our_dir = str(tmp_path / "real"), str(tmp_path / "ours")
    os.mkdir(real_dir)
    os.mkdir(our_dir)
    real_conf = write(os.path.join(real_dir, "httpd.conf"), apache2_config(
        real_dir, REAL_PORT, MONITOR.format(dir=real_dir), MONITOR_MODULES))
    our_conf = write(os.path.join(our_dir, "httpd.conf"), apache2_config(
        our_dir, OUR_PORT, MONITOR.format(dir=our_dir), MONITOR_MODULES).replace(
        "/usr/lib/apache2/modules/", "modules/"))
    real = apache2_server(apache2, real_conf, real_dir).start()
    ours = heartmonitor_server(our_conf, our_dir).start()
    try:
        # Both write their first (empty) hb.dat just after start-up.
        assert wait_for(lambda: all(os.path.exists(os.path.join(d, "hb.dat"))
                                    for d in (real_dir, our_dir)))
        yield real, ours
    finally:
        ours.stop()
        real.stop()


def without_lastseen(path: str) -> list[str]:
    return sorted(re.sub(r"&lastseen=\d+", "&lastseen=N", line)
                  for line in read(path).splitlines(keepends=True))


def test_same_packets_same_hb_dat(pair):
    real, ours = pair
    packets = [
        ("127.0.0.2", b"v=1&ready=75&busy=0"), ("127.0.0.3", b"V=1&READY=10&BUSY=2&port=8080"),
        ("127.0.0.4", b"v=1&ready=-5&busy=4294967297"), ("127.0.0.5", b"v&ready&busy"),
        ("127.0.0.6", b""), ("127.0.0.7", b"ready=1&busy=1"),
        ("127.0.0.8", b"v=1&ready=%37%38&busy=+3x&&&port=99999999999"),
        ("127.0.0.3", b"v=1&ready=11&busy=3&port=9090"),
        ("127.0.0.9", b"v=1&ready=5&busy=1&ready=6\x00&busy=9"),
        ("127.0.0.10", b"v=1&ready=1&busy=2&" + b"x" * 2000),
        ("127.0.0.11", b"v=1&ready=%zz7&busy=%2b4&port=%38%30%38%31"),
    ]
    for source, payload in packets:
        send(payload, source)
        time.sleep(0.02)
    paths = [os.path.join(server.directory, "hb.dat") for server in pair]
    assert wait_for(lambda: all(len(entries(p)) == 8 for p in paths), timeout=15)
    assert without_lastseen(paths[0]) == without_lastseen(paths[1])
    for path in paths:
        assert all(value[2] <= 6 for value in entries(path).values())
    debug = re.compile(r"\[heartmonitor:debug\] \[pid \d+:tid \d+\] mod_heartmonitor\.c\(549\): "
                       r"(AH02086: .*)")
    crit = re.compile(r"\[heartmonitor:crit\] \[pid \d+:tid \d+\] (AH02087: .*)")
    logs = [read(server.error_log) for server in pair]
    assert debug.findall(logs[0]) == debug.findall(logs[1])
    # heartmonitor reports at most one malformed message a second: the first is the same.
    assert crit.findall(logs[0])[0] == crit.findall(logs[1])[0]


def normalise_headers(headers: list[tuple[str, str]]) -> list[tuple[str, object]]:
    """Without Date and Server; Allow as a set (httpd lists methods in hash order)."""
    return [(k, set(v.split(",")) if k == "Allow" else v) for k, v in headers
            if k not in ("Date", "Server")]


CASES = [
    ("GET", "/hb", None, {}),
    ("HEAD", "/hb", None, {}),
    ("PUT", "/hb", b"x", {}),
    ("POST", "/hb", b"v=1&ready=7&busy=1&port=8081", {}),
    ("POST", "/hb", b"ready=2&busy=3", {"Connection": "keep-alive"}),
    ("POST", "/hb", b"ready=2&busy=3&" + b"p" * 5000, {}),
    ("GET", "/nothing", None, {}),
    ("POST", "/server-status", b"x", {}),
    ("OPTIONS", "/server-status", None, {}),
    ("GET", "/denied", None, {}),
    ("GET", "/a/%2e%2e/%2e%2e/x", None, {}),
    ("GET", "/hb/%zz", None, {}),
]


@pytest.mark.parametrize("method, path, body, headers", CASES)
def test_http_answers_match_httpd(pair, method, path, body, headers):
    real_answer = request(REAL_PORT, method, path, body, headers)
    our_answer = request(OUR_PORT, method, path, body, headers)
    assert our_answer[0] == real_answer[0]
    assert normalise_headers(our_answer[1]) == normalise_headers(real_answer[1])
    assert our_answer[2] == real_answer[2]


# Keys httpd prints only when a measured figure is not zero (CPU time, uptime, requests).
MEASURED = {"CPULoad", "ReqPerSec", "BytesPerSec", "BytesPerReq", "DurationPerReq"}


def auto_keys(body: bytes) -> list[str]:
    lines = body.decode().splitlines()
    keys = [line.split(":", 1)[0] for line in lines[1: lines.index(
        next(line for line in lines if line.startswith("Scoreboard: "))) + 1]]
    return [key for key in keys if key not in MEASURED]


def uptime_seconds(port: int) -> int:
    body = request(port, "GET", "/server-status?auto")[2]
    return int(re.search(rb"\nServerUptimeSeconds: (\d+)\n", body).group(1))


def test_server_status_matches_httpd(pair):
    # Rates (requests/sec, B/second) are shown once a server has been up a whole second:
    # both must be past it, or the pages differ by when the test happened to ask.
    assert wait_for(lambda: min(uptime_seconds(REAL_PORT), uptime_seconds(OUR_PORT)) >= 1)
    real = request(REAL_PORT, "GET", "/server-status?auto")
    ours = request(OUR_PORT, "GET", "/server-status?auto")
    assert (ours[0], dict(ours[1])["Content-Type"]) == (real[0], dict(real[1])["Content-Type"])
    real_keys, our_keys = auto_keys(real[2]), auto_keys(ours[2])
    # Load, uptime and traffic figures appear under the same conditions in both.
    assert our_keys == real_keys
    assert ours[2].split(b"\n", 1)[0] == real[2].split(b"\n", 1)[0] == b"127.0.0.1"
    scoreboard = re.search(rb"\nScoreboard: ([^\n]*)\n", ours[2]).group(1)
    assert len(scoreboard) == len(re.search(rb"\nScoreboard: ([^\n]*)\n", real[2]).group(1))
    real_html = request(REAL_PORT, "GET", "/server-status")[2].decode()
    our_html = request(OUR_PORT, "GET", "/server-status")[2].decode()

    def shape(html: str) -> list[str]:
        """Lines with every number, name and time masked; per-worker rows left out."""
        kept = []
        for line in html.splitlines():
            if line.startswith(("<tr><td>", "<tr><td><b>", "</td><td>", "<pre>", "___", "...",
                                "<dl><dt>Server Version", "<dt>Server Built", "<dt>Current Time",
                                "<dt>Restart Time", "<dt>Server uptime", "<dt>CPU Usage",
                                "<dt>Total accesses", "<dt></dt>")):
                continue
            if re.fullmatch(r"[_SRWKDCLGI.]+(</pre>)?", line):
                continue  # scoreboard rows: which worker served the request varies
            # Figures masked, and the unit format_byte_out picks for them (B, kB, MB).
            # The rates line starts with whatever digit the rate has: masked, not skipped,
            # so that both pages must have it (%.3g may also write an exponent).
            kept.append(re.sub(r"N [kMG]?B\b", "N B",
                               re.sub(r"[\d.]+(?:e[+-]\d+)?", "N", line)))
        return kept

    cut = our_html.index("<hr /><h2>Heartbeats</h2>")
    assert shape(our_html[:cut] + "</body></html>\n") == shape(real_html)


def test_real_mod_heartbeat_reaches_heartmonitor(network, tmp_path):
    apache2 = need_apache2()
    sender_dir, our_dir = str(tmp_path / "sender"), str(tmp_path / "ours")
    os.mkdir(sender_dir)
    os.mkdir(our_dir)
    sender_conf = write(os.path.join(sender_dir, "httpd.conf"), apache2_config(
        sender_dir, 8183, "HeartbeatAddress 239.0.0.1:27999\n", ["heartbeat"]))
    hb = os.path.join(our_dir, "hb.dat")
    with heartmonitor_server(monitor_conf(our_dir, level="warn heartmonitor:debug"), our_dir
                             ) as ours, apache2_server(apache2, sender_conf, sender_dir):
        table = wait_for(lambda: "127.0.0.1" in entries(hb) and entries(hb), timeout=20)
        log = read(ours.error_log)
    ready, busy, lastseen, port = table["127.0.0.1"]
    assert port == 80 and lastseen <= 5
    assert 1 <= ready + busy <= 75
    assert re.search(r"AH02086: 127\.0\.0\.1:\d+ busy=\d+ ready=\d+\n", log)


class Backends:
    """Two small HTTP servers that answer with their own address."""

    def __init__(self, addresses: list[str], port: int) -> None:
        self.servers = []
        for address in addresses:
            name = address.encode()

            class Answer(http.server.BaseHTTPRequestHandler):
                me = name

                def do_GET(self) -> None:
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(self.me)))
                    self.end_headers()
                    self.wfile.write(self.me)

                def log_message(self, *args) -> None:
                    pass

            server = http.server.ThreadingHTTPServer((address, port), Answer)
            server.daemon_threads = True
            server.block_on_close = False  # the proxy keeps connections open
            threading.Thread(target=server.serve_forever, daemon=True).start()
            self.servers.append(server)

    def close(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()


BALANCER = """<Proxy balancer://hb>
    BalancerMember http://127.0.0.2:8201
    BalancerMember http://127.0.0.3:8201
    ProxySet lbmethod=heartbeat
</Proxy>
ProxyPass /app balancer://hb
"""
SENDERS = ("LoadModule heartbeat_module modules/mod_heartbeat.so\n"
           "HeartbeatAddress 239.0.0.1:27999\nHeartbeatAddressInterface 127.0.0.1\n"
           "HeartbeatSimulate 1 127.0.0.2 ready=10 busy=5\n"
           "HeartbeatSimulate 1 127.0.0.3 ready=30 busy=5\n")


def _share_of_second_backend(apache2: str, real_dir: str, real_conf: str) -> float:
    counts: collections.Counter = collections.Counter()
    with apache2_server(apache2, real_conf, real_dir):
        connection = http.client.HTTPConnection("127.0.0.1", 8184, timeout=10)
        for _ in range(2000):
            connection.request("GET", "/app")
            response = connection.getresponse()
            counts[(response.status, response.read())] += 1
        connection.close()
    assert sum(counts.values()) == 2000
    assert set(counts) == {(200, b"127.0.0.2"), (200, b"127.0.0.3")}, counts
    return counts[(200, b"127.0.0.3")] / 2000


@pytest.mark.parametrize("storage", ["file", "slotmem"])
def test_real_balancer_follows_heartmonitor(network, tmp_path, storage):
    """ready 10 and 30: httpd's inclusive pick gives the second 31 of 41 chances."""
    apache2 = need_apache2()
    real_dir, our_dir, run_dir = (str(tmp_path / n) for n in ("real", "ours", "run"))
    for directory in (real_dir, our_dir, run_dir):
        os.mkdir(directory)
    modules = ["authz_core", "slotmem_shm", "proxy", "proxy_http", "proxy_balancer",
               "lbmethod_heartbeat"]
    hb = os.path.join(our_dir, "hb.dat")
    balancer = BALANCER + (f"HeartbeatStorage {hb}\n" if storage == "file" else "")
    real_conf = write(os.path.join(real_dir, "httpd.conf"), apache2_config(
        real_dir, 8184, balancer, modules).replace(f"DefaultRuntimeDir {real_dir}",
                                                   f"DefaultRuntimeDir {run_dir}"))
    conf = monitor_conf(our_dir, extra=SENDERS, storage="HeartbeatMaxServers "
                        + ("0" if storage == "file" else "10"))
    write(conf, read(conf).replace(f"DefaultRuntimeDir {our_dir}", f"DefaultRuntimeDir {run_dir}"))
    backends = Backends(["127.0.0.2", "127.0.0.3"], 8201)
    try:
        with heartmonitor_server(conf, our_dir):
            if storage == "file":
                assert wait_for(lambda: len(entries(hb)) >= 2, timeout=10)
            else:
                assert wait_for(lambda: len(slot_ips(run_dir)) >= 2, timeout=10)
            share = _share_of_second_backend(apache2, real_dir, real_conf)
            log = read(os.path.join(real_dir, "error_log"))
    finally:
        backends.close()
    assert 0.70 < share < 0.81, share
    if storage == "slotmem":
        assert "AH02283: Using slotmem from mod_heartmonitor" in log
    else:
        assert "AH02282: No slotmem from mod_heartmonitor" in log




POSTS = [
    ("127.0.0.2", b"ready=7&busy=1&port=8081"), ("127.0.0.3", b"ready=x&busy=1.5&port=z"),
    ("127.0.0.4", b"ready=9999999999999999999&busy=-9999999999999999999&port=99999"),
    ("127.0.0.5", b"ready=&busy=&port="), ("127.0.0.6", b"ready= 4&busy=+3&port=0081"),
    ("127.0.0.7", b"ready=1"), ("127.0.0.8", b""), ("127.0.0.9", b"v=1&ready=%37&busy=2&x"),
    ("127.0.0.2", b"ready=8&busy=2"),
]


def _post_from(port: int, source: str, body: bytes) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, source_address=(source, 0))
    try:
        connection.request("POST", "/hb", body)
        return connection.getresponse().status
    finally:
        connection.close()


def _checks_logged(text: str) -> list[str]:
    return re.findall(r"(\[heartmonitor:\w+\]) \[pid \d+:tid \d+\] \[client ([\d.]+):\d+\] "
                      r"(AH105\d\d: .*)", text)


def test_post_values_are_checked_and_merged_like_httpd(pair):
    """httpd 2.4.71's checks (AH10563-AH10566) and its merge into hb.dat."""
    paths = [os.path.join(server.directory, "hb.dat") for server in pair]
    for _attempt in range(3):
        # Right after a periodic write, so none lands between the POSTs.
        stamps = {path: os.stat(path).st_mtime for path in paths}

        def rewritten(stamps=stamps) -> bool:
            return all(os.stat(path).st_mtime != stamp for path, stamp in stamps.items())

        wait_for(rewritten, 12)
        statuses = [[_post_from(port, source, body) for source, body in POSTS]
                    for port in (REAL_PORT, OUR_PORT)]
        # heartmonitor merges the POSTs of 0.1 s into one rewrite of hb.dat (a loaded
        # machine may take longer over them, and rewrite more than once): its file, once
        # the last rewrite is done, is apache2's, written as each POST came.
        wait_for(lambda: without_lastseen(paths[1]) == without_lastseen(paths[0]), 8)
        files = [without_lastseen(path) for path in paths]
        if all(len(lines) == 6 for lines in files):
            break
    assert statuses[1] == statuses[0] == [200, 200, 200, 200, 200, 400, 400, 200, 200]
    assert files[1] == files[0]
    # Each POST sets the port: the second one from 127.0.0.2 had none, so 80.
    assert files[0][0] == "127.0.0.2 &ready=8&busy=2&lastseen=N&port=80\n"
    assert _checks_logged(read(pair[1].error_log)) == _checks_logged(read(pair[0].error_log))
    assert len(_checks_logged(read(pair[0].error_log))) == 7


def test_post_without_heartbeat_listen_is_refused(network, tmp_path):
    apache2 = need_apache2()
    body = "HeartbeatMaxServers 0\n<Location /hb>\n    SetHandler heartbeat\n</Location>\n"
    answers, logs = [], []
    for name, port in (("real", 8187), ("ours", 8188)):
        directory = str(tmp_path / name)
        os.mkdir(directory)
        conf = write(os.path.join(directory, "httpd.conf"), apache2_config(
            directory, port, body, ["authz_core", "heartmonitor"]))
        if name == "ours":
            write(conf, read(conf).replace("/usr/lib/apache2/modules/", "modules/"))
        server = (apache2_server(apache2, conf, directory) if name == "real"
                  else heartmonitor_server(conf, directory))
        with server:
            answers.append(request(port, "POST", "/hb", b"ready=1&busy=1"))
            logs.append(re.findall(r"\[heartmonitor:error\] \[pid \d+:tid \d+\] \[client "
                                   r"127\.0\.0\.1:\d+\] (AH10561: .*)", read(server.error_log)))
    assert answers[1][0] == answers[0][0] == 503
    assert answers[1][2] == answers[0][2]
    assert logs[1] == logs[0] == ["AH10561: Heartbeat monitoring not active"]
