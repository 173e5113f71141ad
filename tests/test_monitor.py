"""The running monitor: datagrams in, hb.dat and the slotmem out, and bad input survived."""

from __future__ import annotations

import os
import re
import signal
import socket
import stat
import struct
import time

from heartmonitor.modules.cluster.sender import IP_PKTINFO
from heartmonitor.modules.cluster.slotmem import SLOT_SIZE
from tests.helpers import heartmonitor, write
from tests.live import (
    heartmonitor_server,
    read,
    request,
    send,
    slot_ips,
    wait_for,
)

PORT = 8090
MODULES = ("slotmem_shm", "heartmonitor", "status", "authz_core", "authz_host", "heartlab")
# A storage pass every second (heartlab): tests of what reaches hb.dat need not wait for
# httpd's 5 s; the timing itself is tested against a fake clock in test_clock.py.
EVERY_SECOND = "HeartbeatStorageInterval 1\n"
LINE = re.compile(rb"^(\S+) &ready=(\d+)&busy=(\d+)&lastseen=(\d+)&port=(\d+)\n")


def monitor_conf(directory: str, extra: str = "", storage: str = "HeartbeatMaxServers 0",
                 level: str = "warn", port: int = PORT) -> str:
    loads = "".join(f"LoadModule {m}_module modules/mod_{m}.so\n" for m in MODULES)
    return write(os.path.join(directory, "httpd.conf"), (
        f"ServerRoot {directory}\nServerName localhost\nPidFile {directory}/httpd.pid\n"
        f"ErrorLog {directory}/error_log\nDefaultRuntimeDir {directory}\nLogLevel {level}\n"
        f"Listen 127.0.0.1:{port}\n{loads}HeartbeatListen 239.0.0.1:27999\n"
        f"HeartbeatListenInterface 127.0.0.1\n{storage}\n"
        f"HeartbeatStorage {directory}/hb.dat\n"
        "<Location /hb>\n    SetHandler heartbeat\n</Location>\n"
        "<Location /server-status>\n    SetHandler server-status\n</Location>\n" + extra))


def entries(path: str) -> dict[str, tuple[int, int, int, int]]:
    """hb.dat as {ip: (ready, busy, lastseen, port)}; every line must be well formed.

    A file not written yet reads as empty (the first write follows start-up closely).
    """
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return {}
    result = {}
    for line in data.splitlines(keepends=True):
        match = LINE.match(line)
        assert match, line
        ip, *numbers = match.groups()
        result[ip.decode()] = tuple(int(n) for n in numbers)
    return result


def listed(path: str, count: int):
    return lambda: len(entries(path)) >= count and entries(path)


def test_datagrams_become_hb_dat_lines(network, tmp_path):
    directory = str(tmp_path)
    hb = os.path.join(directory, "hb.dat")
    with heartmonitor_server(monitor_conf(directory, EVERY_SECOND), directory):
        # The first write happens at start, before any heartbeat: an empty file, 0444.
        assert wait_for(lambda: os.path.exists(hb))
        assert read(hb) == ""
        assert stat.S_IMODE(os.stat(hb).st_mode) == 0o444
        send(b"v=1&ready=75&busy=0", "127.0.0.2")
        send(b"V=1&READY=10&BUSY=2&port=8080", "127.0.0.3")
        send(b"v=1&ready=-5&busy=4294967297", "127.0.0.4")
        send(b"v=1&ready=%37%38&busy=+3x&&&port=99999999999", "127.0.0.5")
        send(b"v=1&ready=11&busy=3&port=9090", "127.0.0.3")
        table = wait_for(listed(hb, 4), timeout=8)
    assert {ip: value[:2] + value[3:] for ip, value in table.items()} == {
        "127.0.0.2": (75, 0, 80),
        "127.0.0.3": (11, 3, 8080),  # the port of the first heartbeat stays
        "127.0.0.4": (4294967291, 1, 80),
        "127.0.0.5": (78, 3, 1215752191),
    }
    assert all(value[2] <= 5 for value in table.values())


def test_bad_datagrams_are_logged_rate_limited_and_survived(network, tmp_path):
    directory = str(tmp_path)
    hb = os.path.join(directory, "hb.dat")
    with heartmonitor_server(monitor_conf(directory, EVERY_SECOND), directory) as server:
        for payload in (b"", b"garbage", b"\xff\xfe\x00binary", b"ready=1&busy=1",
                        b"x" * 65000, os.urandom(512)):
            send(payload, "127.0.0.9")
        for _ in range(200):
            send(b"v=1", "127.0.0.9")
        send(b"v=1&ready=1&busy=2&" + b"y" * 3000, "127.0.0.10")  # cut at 1000 bytes
        table = wait_for(listed(hb, 1), timeout=8)
        # The left-out count is logged once a second: under load it may come in two lines.
        log = wait_for(lambda: _left_out(read(server.error_log)) == 205
                       and read(server.error_log))
        status, _headers, _body = request(PORT, path="/server-status?auto")
    assert status == 200
    assert list(table) == ["127.0.0.10"] and table["127.0.0.10"][:2] == (1, 2)
    first = re.findall(r"\[heartmonitor:crit\] \[pid \d+:tid \d+\] AH02087: malformed "
                       r"message from 127\.0\.0\.9:\d+\n", log)
    assert len(first) == 1
    assert _left_out(log) == 205, log


def _left_out(log: str) -> int:
    """The malformed datagrams the error log says it left out, summed over its lines."""
    return sum(int(count) for count in re.findall(
        r"\[heartmonitor:crit\] \[pid \d+:tid \d+\] (\d+) more malformed messages "
        r"were not logged \(at most one AH02087 line per second\)\n", log))


def test_a_flood_from_thousands_of_sources(network, tmp_path):
    directory = str(tmp_path)
    hb = os.path.join(directory, "hb.dat")
    sources = [f"127.1.{i // 250}.{i % 250 + 1}" for i in range(3000)]
    with heartmonitor_server(monitor_conf(directory, EVERY_SECOND), directory):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("127.0.0.1"))
        for round_number in range(3):
            for source in sources:
                info = struct.pack("I4s4s", 0, socket.inet_aton(source), b"\0" * 4)
                sock.sendmsg([f"v=1&ready={round_number}&busy=1".encode()],
                               [(socket.IPPROTO_IP, IP_PKTINFO, info)], 0,
                               ("239.0.0.1", 27999))
            time.sleep(0.2)
        sock.close()
        table = wait_for(lambda: len(entries(hb)) == 3000 and all(
            v[0] == 2 for v in entries(hb).values()) and entries(hb), timeout=12)
        status, _h, _b = request(PORT, path="/server-status?auto")
    assert status == 200
    assert len(table) == 3000


def test_port_and_busy_of_post_and_bad_bodies(network, tmp_path):
    directory = str(tmp_path)
    hb = os.path.join(directory, "hb.dat")
    with heartmonitor_server(monitor_conf(directory), directory):
        status, headers, body = request(PORT, "POST", "/hb", b"v=1&ready=7&busy=1&port=8081")
        assert (status, body, dict(headers)["Content-Type"]) == (200, b"OK", "text/plain")
        assert (request(PORT, "POST", "/hb", b"")[0], request(PORT, "POST", "/hb", b"ready=1")[0]
                ) == (400, 400)
        big = b"ready=5&busy=2&" + b"z" * (2 << 20)
        assert request(PORT, "POST", "/hb", big)[0] == 200
        chunks = iter([b"ready=9&", b"busy=4", b"&port=81"])
        assert request(PORT, "POST", "/hb", chunks,
                       headers={"Transfer-Encoding": "chunked"})[0] == 200
        status, headers, body = request(PORT, "GET", "/hb")
        assert (status, dict(headers)["Allow"]) == (405, "TRACE")
        table = wait_for(lambda: entries(hb).get("127.0.0.1", (0,))[0] == 9 and entries(hb))
    assert table["127.0.0.1"][:2] == (9, 4) and table["127.0.0.1"][3] == 81


def test_a_slow_client_blocks_nobody_and_times_out(network, tmp_path):
    directory = str(tmp_path)
    with heartmonitor_server(monitor_conf(directory, extra="Timeout 2\n"), directory):
        slow = socket.create_connection(("127.0.0.1", PORT))
        slow.sendall(b"POST /hb HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nready=1")
        started = time.monotonic()
        assert request(PORT, "POST", "/hb", b"ready=1&busy=1")[0] == 200
        assert time.monotonic() - started < 1.0
        slow.settimeout(10)
        answer = slow.recv(65536)
        waited = time.monotonic() - started
        slow.close()
    assert answer.startswith(b"HTTP/1.1 408 Request Timeout\r\n")
    assert 1.5 < waited < 6


def test_storage_directory_vanishing_is_logged_and_retried(network, tmp_path):
    directory = str(tmp_path)
    store = os.path.join(directory, "store")
    os.mkdir(store)
    hb = os.path.join(store, "hb.dat")
    conf = monitor_conf(directory, EVERY_SECOND)
    write(conf, read(conf).replace(f"HeartbeatStorage {directory}/hb.dat",
                                   f"HeartbeatStorage {hb}"))
    with heartmonitor_server(conf, directory) as server:
        assert wait_for(lambda: os.path.exists(hb))
        os.chmod(hb, 0o644)
        for name in os.listdir(store):  # hb.dat and the instance lock's hb.dat.lock
            os.remove(os.path.join(store, name))
        os.rmdir(store)
        send(b"v=1&ready=3&busy=1", "127.0.0.7")
        assert wait_for(lambda: "AH02081" in read(server.error_log), timeout=8)
        # Two more failed writes (the counter includes the logged one): not logged again
        # (test_clock: for a minute).
        assert wait_for(lambda: storage_writes(PORT, "error") >= 3, timeout=8)
        os.mkdir(store)
        table = wait_for(listed(hb, 1), timeout=8)
        # Logged once the write thread has reported back, just after the rename.
        wait_for(lambda: "written again" in read(server.error_log), timeout=3)
        log = read(server.error_log)
    assert table["127.0.0.7"][:2] == (3, 1)
    assert len(re.findall(
        rf"\[heartmonitor:crit\] \[pid \d+:tid \d+\] \(2\)No such file or directory: AH02081: "
        rf"Unable to open tmp file: {re.escape(hb)}\.tmp\.XXXXXX\n", log)) == 1
    assert re.search(
        rf"\[heartmonitor:notice\] \[pid \d+:tid \d+\] {re.escape(hb)} written again\n", log)


def test_full_slot_table_reuses_the_stalest_slot(network, tmp_path):
    directory = str(tmp_path)
    conf = monitor_conf(directory, EVERY_SECOND, storage="HeartbeatMaxServers 10")
    with heartmonitor_server(conf, directory) as server:
        for index in range(12):
            send(b"v=1&ready=%d&busy=1" % index, f"127.0.0.{index + 2}")
            time.sleep(0.02)
        found = wait_for(lambda: "127.0.0.13" in slot_ips(directory) and set(slot_ips(directory)),
                         timeout=8)
        log = read(server.error_log)
    assert len(found) == 10
    assert "127.0.0.13" in found and "127.0.0.12" in found
    assert log.count("slotmem full: HeartbeatMaxServers 10 is too small") == 1
    assert SLOT_SIZE == 72


def test_second_instance_on_the_same_storage_is_refused(network, tmp_path):
    """Two monitors on one hb.dat would fight over it: the second is refused at start-up
    and the first keeps writing every server (the refusals are tested in test_pidfile)."""
    directory = str(tmp_path)
    conf = monitor_conf(directory, EVERY_SECOND)
    hb = os.path.join(directory, "hb.dat")
    with heartmonitor_server(conf, directory):
        other = os.path.join(directory, "other")
        os.mkdir(other)
        text = read(conf).replace(f"PidFile {directory}/httpd.pid", f"PidFile {other}/pid")
        text = text.replace(f"ErrorLog {directory}/error_log", f"ErrorLog {other}/error_log")
        text = text.replace(f"Listen 127.0.0.1:{PORT}", f"Listen 127.0.0.1:{PORT + 1}")
        second = heartmonitor("-f", write(os.path.join(other, "httpd.conf"), text),
                              "-DFOREGROUND")
        assert second.returncode == 1
        assert re.search(rf"another server \(pid \d+\) uses the heartbeat storage "
                         rf"{re.escape(hb)}: not starting a second one\n", second.stderr)
        for index in range(20):
            send(b"v=1&ready=4&busy=4", f"127.0.0.{index + 2}")
        table = wait_for(listed(hb, 20), timeout=8)
    assert len(table) == 20


def test_debug_level_for_heartmonitor_only(network, tmp_path):
    directory = str(tmp_path)
    conf = monitor_conf(directory, level="warn heartmonitor:debug")
    with heartmonitor_server(conf, directory) as server:
        send(b"v=1&ready=5&busy=2", "127.0.0.5")
        log = wait_for(lambda: "AH02086" in read(server.error_log) and read(server.error_log))
    assert re.search(r"\[heartmonitor:debug\] \[pid \d+:tid \d+\] mod_heartmonitor\.c\(549\): "
                     r"AH02086: 127\.0\.0\.5:\d+ busy=2 ready=5\n", log)
    assert "[watchdog:debug]" not in log


def test_sigkill_during_writes_leaves_a_complete_file(network, tmp_path):
    """Each POST rewrites a 3000-line hb.dat; kill the server in the middle of it."""
    directory = str(tmp_path)
    hb = os.path.join(directory, "hb.dat")
    write(hb, "".join(f"127.3.{i // 250}.{i % 250 + 1} &ready=7&busy=1&lastseen=0&port=80\n"
                      for i in range(3000)))
    # Servers restored from hb.dat never expire here, however slow the machine.
    conf = monitor_conf(directory, "HeartbeatExpire 31536000\n")
    sizes = []
    for round_number in range(6):
        server = heartmonitor_server(conf, directory).start()
        deadline = time.monotonic() + 0.8 + round_number * 0.23
        while time.monotonic() < deadline:
            request(PORT, "POST", "/hb", b"ready=1&busy=1")
            sizes.append(len(entries(hb)))  # every line complete, whenever it is read
        server.process.send_signal(signal.SIGKILL)
        server.process.wait()
        sizes.append(len(entries(hb)))
    assert min(sizes) >= 3000
    # A killed write leaves at most its own temporary file behind.
    leftovers = [n for n in os.listdir(directory) if n.startswith("hb.dat.tmp.")]
    assert len(leftovers) <= 6


def test_sections_of_the_matching_virtual_host(network, tmp_path):
    directory = str(tmp_path)
    vhosts = (f"<VirtualHost 127.0.0.1:{PORT}>\n    ServerName hb.lab\n"
              "    <Location /lab-hb>\n        SetHandler heartbeat\n    </Location>\n"
              "</VirtualHost>\n"
              f"<VirtualHost 127.0.0.1:{PORT}>\n    ServerName other.lab\n</VirtualHost>\n")
    with heartmonitor_server(monitor_conf(directory, extra=vhosts), directory):
        lab = request(PORT, "POST", "/lab-hb", b"ready=1&busy=1", headers={"Host": "hb.lab"})
        other = request(PORT, "POST", "/lab-hb", b"ready=1&busy=1",
                        headers={"Host": "other.lab"})
        main = request(PORT, "POST", "/hb", b"ready=1&busy=1", headers={"Host": "other.lab"})
    assert (lab[0], other[0], main[0]) == (200, 404, 200)


def test_several_listen_addresses_ipv4_and_ipv6(network, tmp_path):
    directory = str(tmp_path)
    extra = (f"Listen [::1]:{PORT + 7}\nListen 127.0.0.2:{PORT + 8}\n"
             "<Location /v6-only>\n    SetHandler server-status\n    Require ip ::1\n"
             "</Location>\n")
    with heartmonitor_server(monitor_conf(directory, extra=extra), directory):
        over_v6 = request(PORT + 7, path="/v6-only", host="::1")
        over_v4 = request(PORT + 8, path="/v6-only", host="127.0.0.2")
        auto = request(PORT, path="/server-status?auto")
    assert (over_v6[0], over_v4[0], auto[0]) == (200, 403, 200)


def _post_from(source: str, body: bytes) -> int:
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", PORT, source_address=(source, 0))
    try:
        connection.request("POST", "/hb", body)
        return connection.getresponse().status
    finally:
        connection.close()


def storage_writes(port: int, result: str = "ok") -> int:
    """The storage writes of this result (ok, error) that ?metrics counts."""
    metrics = request(port, path="/server-status?metrics")[2].decode()
    return int(re.search(rf'heartmonitor_storage_writes_total\{{backend="file",result="{result}"'
                         rf"\}} (\d+)", metrics).group(1))


def test_a_burst_of_posts_is_one_or_two_rewrites_and_status_lists_fresh_servers(
        network, tmp_path):
    directory = str(tmp_path)
    hb = os.path.join(directory, "hb.dat")
    # Restored at start: one fresh server and one not heard for 100 s (stale).
    write(hb, "10.9.0.1 &ready=3&busy=1&lastseen=0&port=80\n"
              "10.9.0.2 &ready=4&busy=1&lastseen=100&port=80\n")
    with heartmonitor_server(monitor_conf(directory), directory):
        assert wait_for(lambda: "10.9.0.2" not in read(hb))  # the first periodic write
        before = storage_writes(PORT)
        started = time.monotonic()
        statuses = [_post_from(f"127.0.1.{index}", b"ready=%d&busy=1" % index)
                    for index in range(1, 21)]
        posting = time.monotonic() - started
        assert statuses == [200] * 20
        table = wait_for(lambda: len(entries(hb)) == 21 and entries(hb), timeout=8)
        assert table["127.0.1.20"][:2] == (20, 1)
        # One rewrite at once, then at most one per merge interval (0.1 s) while they come
        # (about 0.1 s for all 20 on an idle machine: one or two rewrites in all), and the
        # last, the periodic pass aside.
        assert 1 <= storage_writes(PORT) - before <= 3 + int(posting / 0.1)
        auto = request(PORT, path="/server-status?auto")[2].decode()
        assert ("HeartbeatServers: 21\nHeartbeatServersFresh: 21\n"
                "HeartbeatServersStale: 1\n") in auto
        assert "10.9.0.2" not in auto and "HeartbeatServer[20]IP: 127.0.1.9\n" in auto
        every = request(PORT, path="/server-status?auto&all")[2].decode()
        assert "HeartbeatServers: 22\n" in every and (
            "HeartbeatServer[1]IP: 10.9.0.2\nHeartbeatServer[1]Port: 80\n"
            "HeartbeatServer[1]Ready: 4\nHeartbeatServer[1]Busy: 1\n") in every
        import json

        listed = json.loads(request(PORT, path="/server-status?json")[2])["Heartbeat"]
        assert (listed["Fresh"], listed["Stale"], len(listed["Servers"])) == (21, 1, 21)
        listed = json.loads(request(PORT, path="/server-status?json&all")[2])["Heartbeat"]
        assert listed["Servers"][0] == {"IP": "10.9.0.1", "Port": 80, "Ready": 3, "Busy": 1,
                                        "LastSeen": listed["Servers"][0]["LastSeen"],
                                        "Fresh": True, "State": "fresh"}
        assert [s["Fresh"] for s in listed["Servers"]].count(False) == 1
        html = request(PORT, path="/server-status")[2].decode()
        assert ("<p>21 fresh and 1 stale servers (stale servers are listed on "
                "<a href=\"?all\">?all</a>), listening on 239.0.0.1:27999") in html
