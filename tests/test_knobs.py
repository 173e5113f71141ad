"""Drain, warm-up and flap damping: what the monitor publishes, its directives, the
heartbeat-admin handler, `heartmonitorctl drain`, and a real balancer obeying a drain."""

from __future__ import annotations

import asyncio
import os
import stat

import pytest

from heartmonitor.modules.cluster import hbfile, status_view
from heartmonitor.modules.cluster.drainlist import DrainList
from heartmonitor.modules.cluster.publish import Publisher, hold_seconds
from heartmonitor.modules.cluster.settings import MonitorSettings
from heartmonitor.modules.cluster.slotmem import SLOT_SIZE, TYPE_PREGRAB, Slotmem
from heartmonitor.modules.cluster.table import ServerTable
from tests.helpers import heartmonitor
from tests.test_heartlab import LAB, conf_with_lab
from tests.test_storage import (
    FakeHttpd,
    StatusMonitor,
    StatusRequest,
    slotmem_storage,
    status_items,
    status_text,
)

T0 = 10_000.0


def publisher(warmup: int = 0, hysteresis: tuple[int, int] | None = None,
              drained: set[str] | None = None) -> tuple[ServerTable, Publisher]:
    settings = MonitorSettings()
    settings.warmup, settings.hysteresis = warmup, hysteresis
    table = ServerTable()
    table.hysteresis = hysteresis
    return table, Publisher(settings, drained if drained is not None else set())


def shown(publish: Publisher, table: ServerTable, ip: str, now: float) -> tuple:
    value = publish(table.servers[ip], now)
    return value.ready, value.busy, value.lastseen(now), value.state


def beat(table: ServerTable, ip: str, now: float, ready: int = 40, busy: int = 2) -> None:
    table.update(ip, 80, busy, ready, now=now)


# -- the transform, on a fake clock ------------------------------------------------------

def test_no_knob_publishes_what_is_heard():
    table, publish = publisher()
    beat(table, "10.0.0.1", T0)
    assert not publish.active
    assert shown(publish, table, "10.0.0.1", T0 + 3.5) == (40, 2, 3, "up")


def test_drain_publishes_ready_0_and_keeps_busy_and_lastseen():
    table, publish = publisher(drained={"10.0.0.1"})
    beat(table, "10.0.0.1", T0)
    beat(table, "10.0.0.2", T0)
    assert publish.active
    assert shown(publish, table, "10.0.0.1", T0 + 2) == (0, 2, 2, "draining")
    assert shown(publish, table, "10.0.0.2", T0 + 2) == (40, 2, 2, "up")
    publish.drained.discard("10.0.0.1")
    assert shown(publish, table, "10.0.0.1", T0 + 2) == (40, 2, 2, "up")


def test_warmup_ramps_ready_linearly_from_appearance():
    table, publish = publisher(warmup=10)
    beat(table, "10.0.0.1", T0, ready=100)
    assert [shown(publish, table, "10.0.0.1", T0 + t)[::3] for t in (0, 2.5, 9.99, 10, 12)] == [
        (0, "warming"), (25, "warming"), (99, "warming"), (100, "up"), (100, "up")]
    beat(table, "10.0.0.1", T0 + 12, ready=60)  # heard again: still warm
    assert shown(publish, table, "10.0.0.1", T0 + 12) == (60, 2, 0, "up")
    beat(table, "10.0.0.1", T0 + 43, ready=60)  # back after it expired (30 s): again
    assert shown(publish, table, "10.0.0.1", T0 + 48) == (30, 2, 5, "warming")


def test_warmup_spares_servers_restored_from_storage(tmp_path):
    path = str(tmp_path / "hb.dat")
    hbfile.write_atomically(path, b"10.0.0.1 &ready=40&busy=2&lastseen=1&port=80\n")
    table, publish = publisher(warmup=10)
    restored = hbfile.load(path)
    table.servers = {server.ip: server for server in restored}
    now = restored[0].seen + 1
    assert shown(publish, table, "10.0.0.1", now) == (40, 2, 1, "up")


def test_drained_and_warming_shows_draining():
    table, publish = publisher(warmup=10, drained={"10.0.0.1"})
    beat(table, "10.0.0.1", T0)
    assert shown(publish, table, "10.0.0.1", T0 + 5) == (0, 2, 5, "draining")


def test_hysteresis_stale_after_down_missed_up_after_up_in_a_row():
    """DOWN 3 UP 2, a beat a second: published up (lastseen as heard) until 3 s of
    silence, then lastseen >= 10 (the balancer's limit) until 2 beats in a row."""
    table, publish = publisher(hysteresis=(3, 2))
    for t in range(6):
        beat(table, "10.0.0.1", T0 + t)
    last = T0 + 5
    assert shown(publish, table, "10.0.0.1", last + 2.9) == (40, 2, 2, "up")
    assert shown(publish, table, "10.0.0.1", last + 3) == (40, 2, 10, "down")
    assert shown(publish, table, "10.0.0.1", last + 25) == (40, 2, 25, "down")
    beat(table, "10.0.0.1", last + 26)  # one beat after the silence: not yet
    assert shown(publish, table, "10.0.0.1", last + 26.5) == (40, 2, 10, "down")
    beat(table, "10.0.0.1", last + 27)  # the second in a row: up again
    assert shown(publish, table, "10.0.0.1", last + 27) == (40, 2, 0, "up")


def test_hysteresis_a_row_broken_by_a_short_silence_does_not_count():
    """A silence shorter than DOWN still ends a row: UP beats must follow one another."""
    table, publish = publisher(hysteresis=(3, 3))
    beat(table, "10.0.0.1", T0)
    beat(table, "10.0.0.1", T0 + 5)  # after 5 s of silence: reported stale
    beat(table, "10.0.0.1", T0 + 6)
    beat(table, "10.0.0.1", T0 + 8.5)  # 2.5 s of silence: the row starts over
    beat(table, "10.0.0.1", T0 + 9.5)
    assert shown(publish, table, "10.0.0.1", T0 + 9.5)[3] == "down"
    beat(table, "10.0.0.1", T0 + 10.5)
    assert shown(publish, table, "10.0.0.1", T0 + 10.5) == (40, 2, 0, "up")


def test_hysteresis_flaps_between_storage_passes_are_not_missed():
    """The silence is judged when the next beat arrives, not only when storage is written."""
    table, publish = publisher(hysteresis=(3, 4))
    beat(table, "10.0.0.1", T0)
    beat(table, "10.0.0.1", T0 + 3.2)  # nobody looked during the 3.2 s
    assert shown(publish, table, "10.0.0.1", T0 + 3.3)[3] == "down"
    table2, publish2 = publisher(hysteresis=(3, 4))
    beat(table2, "10.0.0.1", T0)
    beat(table2, "10.0.0.1", T0 + 2.9)  # a silence of 2 s: short of DOWN
    assert shown(publish2, table2, "10.0.0.1", T0 + 3) == (40, 2, 0, "up")


def test_hysteresis_down_above_10_keeps_a_silent_server_in_use():
    """DOWN 20: a balancer would leave the server out at lastseen 10; it is published
    fresh (lastseen at most hold_seconds: 3 with a 5 s storage interval) until 20."""
    assert [hold_seconds(s) for s in (1, 5, 8, 30)] == [7, 3, 0, 0]
    table, publish = publisher(hysteresis=(20, 2))
    beat(table, "10.0.0.1", T0)
    assert [shown(publish, table, "10.0.0.1", T0 + t)[2:] for t in (2, 15, 19.9, 20)] == [
        (2, "up"), (3, "up"), (3, "up"), (20, "down")]


def test_new_servers_are_up_at_once_under_hysteresis():
    table, publish = publisher(hysteresis=(3, 5))
    beat(table, "10.0.0.1", T0)
    assert shown(publish, table, "10.0.0.1", T0) == (40, 2, 0, "up")


# -- the same published values in hb.dat, the slotmem and server-status -----------------

def test_file_storage_writes_published_values(tmp_path):
    table, publish = publisher(warmup=10, drained={"10.0.0.1"})
    beat(table, "10.0.0.1", T0, ready=40)
    beat(table, "10.0.0.2", T0, ready=40)
    beat(table, "10.0.0.3", T0 - 100, ready=40)  # expired: not written
    assert hbfile.render(table.servers.values(), T0 + 5, 30, publish) == (
        b"10.0.0.1 &ready=0&busy=2&lastseen=5&port=80\n"
        b"10.0.0.2 &ready=20&busy=2&lastseen=5&port=80\n")
    merged = hbfile.merge(b"10.0.0.9 &ready=1&busy=1&lastseen=2&port=80\n", T0 + 4,
                          [table.servers["10.0.0.1"]], T0 + 5, publish)
    assert merged == (b"10.0.0.9 &ready=1&busy=1&lastseen=3&port=80\n"
                      b"10.0.0.1 &ready=0&busy=2&lastseen=5&port=80\n")


def test_slotmem_storage_writes_published_values(tmp_path):
    from heartmonitor.modules.cluster.reader import read_slotmem

    slotmem = Slotmem.create(str(tmp_path / "slotmem-shm-k_0.shm"), SLOT_SIZE, 10,
                             TYPE_PREGRAB)
    try:
        storage = slotmem_storage(slotmem)
        table, publish = publisher(hysteresis=(3, 2), drained={"10.0.0.1"})
        storage.publish_with(publish)
        beat(table, "10.0.0.1", T0)
        beat(table, "10.0.0.2", T0)
        asyncio.run(storage.write_table(table, T0 + 4))
        # as mod_lbmethod_heartbeat reads it 2 s later (ready / 4 only when busy is 0)
        assert read_slotmem(slotmem, T0 + 6) == {
            "10.0.0.1": {"busy": 2, "ready": 0, "seen": 12, "port": 0},
            "10.0.0.2": {"busy": 2, "ready": 40, "seen": 12, "port": 0}}
    finally:
        slotmem.remove()


def test_share_puts_published_values_in_etcd():
    from heartmonitor.modules.cluster.share import Share
    from heartmonitor.modules.cluster.share_url import parse_share

    table, publish = publisher(drained={"10.0.0.1"})
    beat(table, "10.0.0.1", T0)
    target = parse_share("etcd://127.0.0.1:2379/lab", None)
    assert not isinstance(target, str)
    share = Share(FakeHttpd(), target, "m1", publish.settings)
    share.publish(table, T0 + 2, publish)
    assert share._snapshot is not None
    assert share._snapshot[1] == [("10.0.0.1", 80, 2, 0, 2.0)]  # ip, port, busy, ready, age


def test_status_views_show_published_values_and_state(monkeypatch):
    now = T0 + 4
    monkeypatch.setattr(status_view.time, "time", lambda: now)
    table, publish = publisher(warmup=8, drained={"10.0.0.1"})
    beat(table, "10.0.0.1", T0)
    beat(table, "10.0.0.2", T0, ready=10)
    beat(table, "10.0.0.3", T0 - 4, ready=10)
    monitor = StatusMonitor(table)
    monitor.publisher = publish
    httpd = FakeHttpd()
    httpd.extensions = {"heartmonitor": monitor}
    auto = status_text(asyncio.run(status_view.status_hook(httpd, StatusRequest("auto"), 1)))
    assert auto.split("HeartbeatServer[2]")[0] == (
        "HeartbeatServers: 3\nHeartbeatServersFresh: 3\nHeartbeatServersStale: 0\n"
        "HeartbeatServer[0]IP: 10.0.0.1\nHeartbeatServer[0]Port: 80\n"
        "HeartbeatServer[0]Ready: 0\nHeartbeatServer[0]Busy: 2\n"
        "HeartbeatServer[0]LastSeen: 4\nHeartbeatServer[0]State: draining\n"
        "HeartbeatServer[1]IP: 10.0.0.2\nHeartbeatServer[1]Port: 80\n"
        "HeartbeatServer[1]Ready: 5\nHeartbeatServer[1]Busy: 2\n"
        "HeartbeatServer[1]LastSeen: 4\nHeartbeatServer[1]State: warming\n")
    assert auto.endswith("HeartbeatServer[2]LastSeen: 8\n")  # warmed up: no State line
    html = status_text(asyncio.run(status_view.status_hook(httpd, StatusRequest(""), 0)))
    assert ("<tr><td>10.0.0.1</td><td>80</td><td>0</td><td>2</td><td>4</td>"
            "<td>draining</td></tr>\n") in html
    metrics = status_items(asyncio.run(
        status_view.status_metrics(httpd, StatusRequest("metrics"), now)))
    start = metrics.index("# TYPE heartmonitor_server_state gauge")
    assert metrics[start:start + 3] == [
        "# TYPE heartmonitor_server_state gauge",
        'heartmonitor_server_state{ip="10.0.0.1",port="80",state="draining"} 1',
        'heartmonitor_server_state{ip="10.0.0.2",port="80",state="warming"} 1']
    import json

    from heartmonitor.modules.mod_status import dumps_in_pieces

    report = asyncio.run(status_view.status_json(httpd, StatusRequest("json"), now))
    servers = json.loads(status_text(dumps_in_pieces(report)))["Heartbeat"]["Servers"]
    assert [(s["IP"], s["Ready"], s["State"]) for s in servers] == [
        ("10.0.0.1", 0, "draining"), ("10.0.0.2", 5, "warming"), ("10.0.0.3", 10, "fresh")]


def test_top_shows_the_published_state():
    from heartmonitor.ctl.top import Row, render

    rows = [Row("127.0.0.2", 80, 0, 1, 0, True, 0.0, state="draining"),
            Row("127.0.0.3", 80, 10, 1, 0, True, 1.0, state="fresh")]
    assert render(rows, "http://m/server-status", "ip", False, None, True, 80, 10)[2:] == [
        "IP                PORT   READY    BUSY LASTSEEN STATE        PICK",
        "127.0.0.2           80       0       1        0 draining    0.00%",
        "127.0.0.3           80      10       1        0 fresh     100.00%"]


# -- the drained servers' file ------------------------------------------------------------

def test_drained_set_is_saved_atomically_with_httpds_modes(tmp_path):
    path = str(tmp_path / "hb.dat.drained")
    drained = DrainList(path)
    asyncio.run(drained.change(["10.0.0.2", "10.0.0.1", "::1"], []))
    asyncio.run(drained.change([], ["10.0.0.2"]))
    with open(path) as handle:
        assert handle.read() == ("# servers drained by heartmonitor (heartmonitorctl drain), "
                                 "one IP a line\n10.0.0.1\n::1\n")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o444
    assert [n for n in os.listdir(tmp_path) if ".tmp." in n] == []
    again = DrainList(path)
    httpd = FakeHttpd()
    again.load(httpd)
    assert (again.ips, httpd.logged) == ({"10.0.0.1", "::1"}, [])


def test_a_garbage_drained_file_is_reported_once_and_its_bad_lines_ignored(tmp_path):
    path = str(tmp_path / "hb.dat.drained")
    with open(path, "wb") as handle:
        handle.write(b"10.0.0.7\n\xff\x00garbage\n# note\n10.0.0.300\n")
    httpd = FakeHttpd()
    drained = DrainList(path)
    drained.load(httpd)
    assert drained.ips == {"10.0.0.7"}
    assert [message for _m, _l, message, _s in httpd.logged] == [
        f"drained servers: {path}:2: not an IP address: ignored (2 such lines); other "
        "lines are still drained"]


def test_a_drain_that_cannot_be_saved_changes_nothing(tmp_path):
    from heartmonitor.modules.cluster.drainlist import NotSaved

    drained = DrainList(str(tmp_path / "missing" / "hb.dat.drained"))
    with pytest.raises(NotSaved) as failure:
        asyncio.run(drained.change(["10.0.0.1"], []))
    assert drained.ips == set()
    assert str(failure.value) == (
        f"not saved, nothing changed: Unable to open tmp file: {tmp_path}/missing/"
        "hb.dat.drained.tmp.XXXXXX: No such file or directory")


# -- directives ----------------------------------------------------------------------------

@pytest.mark.parametrize("line, message", [
    ("HeartbeatWarmup -1", "HeartbeatWarmup: '-1' is not a number of seconds from 0 to 86400"),
    ("HeartbeatWarmup 86401",
     "HeartbeatWarmup: '86401' is not a number of seconds from 0 to 86400"),
    ("HeartbeatHysteresis 1 2",
     "HeartbeatHysteresis: '1' is not a number of missed heartbeats (DOWN) from 2 to 3600"),
    ("HeartbeatHysteresis 3 0",
     "HeartbeatHysteresis: '0' is not a number of heartbeats in a row (UP) from 1 to 3600"),
    ("HeartbeatWarmup " + "9" * 5000,
     f"HeartbeatWarmup: '{'9' * 5000}' is not a number of seconds from 0 to 86400"),
    ("HeartbeatHysteresis 3 " + "0" * 5000,
     f"HeartbeatHysteresis: '{'0' * 5000}' is not a number of heartbeats in a row (UP) from "
     "1 to 3600"),
    ("HeartbeatHysteresis 3", "HeartbeatHysteresis takes two numbers (DOWN UP), or off"),
    ("HeartbeatHysteresis", "HeartbeatHysteresis takes 1-2 arguments, Missed heartbeats "
     "before a server is published stale and heartbeats heard in a row before it is "
     "published up again (DOWN UP), or off; default off (heartmonitor)"),
    ("<VirtualHost *:80>\nHeartbeatWarmup 5\n</VirtualHost>",
     "HeartbeatWarmup cannot occur within <VirtualHost> section"),
])
def test_directive_errors(tmp_path, line, message):
    conf = conf_with_lab(tmp_path, LAB + line + "\n")
    number = 8 if line.startswith("<") else 7
    result = heartmonitor("-f", conf, "-t")
    assert (result.returncode, result.stderr) == (1, (
        f"AH00526: Syntax error on line {number} of {conf}:\n{message}\n"))


def test_directives_reach_the_monitor_and_are_listed(tmp_path):
    from heartmonitor.ctl.loadconf import load, module_config

    conf = conf_with_lab(tmp_path, LAB + "HeartbeatWarmup 30\nHeartbeatHysteresis 4 3\n")
    httpd = load(conf)
    httpd.hooks("post_config")[0].function(httpd)
    settings = module_config(httpd, "heartmonitor_module").settings
    assert (settings.warmup, settings.hysteresis) == (30, (4, 3))
    listing = heartmonitor("-f", conf, "-L").stdout
    assert ("HeartbeatWarmup (mod_heartlab.c)\n\tSeconds over which the published ready of "
            "a server that appears ramps up from 0; default 0, off (heartmonitor)\n"
            "\tAllowed in *.conf only outside <Directory>, <Files>, <Location>, or <If>\n"
            "HeartbeatHysteresis (mod_heartlab.c)\n") in listing
    off = conf_with_lab(tmp_path, LAB + "HeartbeatHysteresis 4 3\nHeartbeatHysteresis OFF\n")
    httpd = load(off)
    httpd.hooks("post_config")[0].function(httpd)
    assert module_config(httpd, "heartmonitor_module").settings.hysteresis is None


# -- over HTTP and from heartmonitorctl, on a running monitor -------------------------------

ADMIN = ("<Location /admin>\n    SetHandler heartbeat-admin\n    Require ip 127.0.0.1\n"
         "</Location>\n<Location /admin-elsewhere>\n    SetHandler heartbeat-admin\n"
         "    Require ip 127.0.0.9\n</Location>\n")


def post_from(source: str, port: int, path: str, body: bytes) -> tuple[int, bytes]:
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, source_address=(source, 0),
                                            timeout=10)
    try:
        connection.request("POST", path, body,
                           {"Content-Type": "application/x-www-form-urlencoded"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_drain_over_http_obeys_require_and_survives_restarts(tmp_path):
    import signal

    from tests.live import PrivateNetwork, heartmonitor_server, read, request, send, wait_for
    from tests.test_ctl_pick import ctl
    from tests.test_monitor import PORT, entries, monitor_conf

    directory = str(tmp_path)
    hb, kept = f"{directory}/hb.dat", f"{directory}/hb.dat.drained"
    conf = monitor_conf(directory, extra=ADMIN + "HeartbeatStorageInterval 1\n")
    url = f"http://127.0.0.1:{PORT}/admin"
    with PrivateNetwork():
        with heartmonitor_server(conf, directory) as server:
            send(b"v=1&ready=8&busy=3", "127.0.0.5")
            assert wait_for(lambda: "127.0.0.5" in entries(hb))
            denied = post_from("127.0.0.3", PORT, "/admin", b"drain=127.0.0.5")
            assert (denied[0], entries(hb)["127.0.0.5"][:2]) == (403, (8, 3))
            allowed = post_from("127.0.0.1", PORT, "/admin", b"drain=127.0.0.5&drain=10.1.1.1")
            assert allowed == (200, b"drained 127.0.0.5\ndrained 10.1.1.1\n")
            assert entries(hb)["127.0.0.5"][:2] == (0, 3)  # written at once
            assert post_from("127.0.0.1", PORT, "/admin", b"drain=" + b"1" * 995) == (
                413, b"the body is larger than 1000 bytes\n")
            assert post_from("127.0.0.1", PORT, "/admin", b"drain=10.1.1.256") == (
                400, b"'10.1.1.256' is not an IP address\n")
            assert post_from("127.0.0.1", PORT, "/admin", b"stop=1") == (
                400, b"unknown field 'stop': POST drain=IP or undrain=IP\n")
            # heartmonitorctl: the URL from the configuration, or given
            listed = ctl("drain", "--list", "-f", conf)
            assert (listed.returncode, listed.stdout, listed.stderr) == (
                0, "10.1.1.1\n127.0.0.5\n", "")
            undone = ctl("undrain", "10.1.1.1", "--url", url)
            assert (undone.returncode, undone.stdout, undone.stderr) == (
                0, "undrained 10.1.1.1\n", "")
            refused = ctl("drain", "127.0.0.6", "--url", url + "-elsewhere")
            assert (refused.returncode, refused.stdout, refused.stderr) == (1, "", (
                f"heartmonitorctl drain: {url}-elsewhere answered 403 Forbidden: the "
                "monitor's Require does not allow this address\n"))
            bad = ctl("drain", "127.0.0.256", "-f", conf)
            assert (bad.returncode, bad.stdout, bad.stderr) == (
                1, "", "heartmonitorctl drain: '127.0.0.256' is not an IP address\n")
            server.signal(signal.SIGUSR1)  # graceful restart: the set is kept in memory
            assert wait_for(lambda: read(server.error_log).count("AH00489") == 2)
            assert request(PORT, path="/admin")[2] == b"127.0.0.5\n"
        os.chmod(kept, 0o644)
        with open(kept, "a") as handle:
            handle.write("not an address\n")  # reported, the rest still drained
        with heartmonitor_server(conf, directory):  # stopped and started: read from its file
            assert request(PORT, path="/admin")[2] == b"127.0.0.5\n"
            auto = request(PORT, path="/server-status?auto")[2].decode()
            assert ("HeartbeatServer[0]IP: 127.0.0.5\nHeartbeatServer[0]Port: 80\n"
                    "HeartbeatServer[0]Ready: 0\nHeartbeatServer[0]Busy: 3\n") in auto
            assert "HeartbeatServer[0]State: draining\n" in auto
        unreachable = ctl("drain", "--list", "-f", conf)
    assert (unreachable.returncode, unreachable.stdout, unreachable.stderr) == (1, "", (
        f"heartmonitorctl drain: cannot reach the monitor at {url}: Connection refused\n"))
    assert read(f"{directory}/error_log").count(
        f"drained servers: {kept}:3: not an IP address: ignored; other lines are still "
        "drained") == 1


def test_without_heartlab_the_handler_is_unknown(tmp_path):
    """As in httpd, an unknown handler name leaves the request to the default handler:
    404 from apache2 and heartmonitor alike on one configuration."""
    from tests.conftest import need_apache2
    from tests.helpers import write
    from tests.live import (
        PrivateNetwork,
        apache2_config,
        apache2_server,
        heartmonitor_server,
        request,
    )

    apache2 = need_apache2()
    directory = str(tmp_path)
    conf = write(f"{directory}/httpd.conf",
                 apache2_config(directory, 8187, ADMIN, ["authz_core", "authz_host"]))
    answers = []
    with PrivateNetwork():
        for server in (apache2_server(apache2, conf, directory),
                       heartmonitor_server(conf, directory)):
            with server:
                answers.append((request(8187, "POST", "/admin", b"drain=127.0.0.5")[0],
                                request(8187, path="/admin")[0]))
    assert answers == [(404, 404), (404, 404)]


# -- a real balancer ---------------------------------------------------------------------

def test_a_real_balancer_sends_nothing_to_a_drained_server(tmp_path):
    """apache2 with mod_lbmethod_heartbeat reading the monitor's hb.dat: the drained
    member (ready published 0) gets no request; undrained, it gets its share again."""
    import collections
    import http.client
    import threading

    from tests.conftest import need_apache2
    from tests.live import PrivateNetwork, apache2_server, heartmonitor_server, send, wait_for
    from tests.test_ctl_pick import balancer_conf
    from tests.test_interop import Backends
    from tests.test_monitor import PORT, entries, monitor_conf

    apache2 = need_apache2()
    monitor_dir, balancer_dir = tmp_path / "monitor", tmp_path / "balancer"
    monitor_dir.mkdir()
    balancer_dir.mkdir()
    os.chmod(tmp_path, 0o755)
    os.chmod(monitor_dir, 0o755)
    hb = f"{monitor_dir}/hb.dat"
    members = ["127.0.0.2", "127.0.0.3"]
    conf = monitor_conf(str(monitor_dir), extra=ADMIN + "HeartbeatStorageInterval 1\n")
    balancer = balancer_conf(str(balancer_dir), [f"http://{ip}:8201" for ip in members],
                             port=8186)
    with open(balancer) as handle:
        text = handle.read().replace(f"{balancer_dir}/hb.dat", hb)
    with open(balancer, "w") as handle:
        handle.write(text)
    beating = threading.Event()

    def beat_forever() -> None:
        while not beating.wait(0.5):
            for ip in members:
                send(b"v=1&ready=10&busy=1", ip)

    def split(count: int) -> collections.Counter:
        connection = http.client.HTTPConnection("127.0.0.1", 8186, timeout=10)
        counts: collections.Counter = collections.Counter()
        for _ in range(count):
            connection.request("GET", "/app")
            response = connection.getresponse()
            counts[(response.status, response.read().decode())] += 1
        connection.close()
        return counts

    with PrivateNetwork():
        backends = Backends(members, 8201)
        sender = threading.Thread(target=beat_forever, daemon=True)
        try:
            with heartmonitor_server(conf, str(monitor_dir)):
                sender.start()
                assert wait_for(lambda: len(entries(hb)) == 2)
                with apache2_server(apache2, balancer, str(balancer_dir)):
                    before = split(60)
                    assert post_from("127.0.0.1", PORT, "/admin", b"drain=127.0.0.2")[0] == 200
                    drained_file = dict(entries(hb))
                    during = split(100)
                    assert post_from("127.0.0.1", PORT, "/admin", b"undrain=127.0.0.2")[0] == 200
                    after = split(100)
        finally:
            beating.set()
            backends.close()
    assert drained_file["127.0.0.2"][:2] == (0, 1) and drained_file["127.0.0.3"][:2] == (10, 1)
    assert before[(200, "127.0.0.2")] > 0 and before[(200, "127.0.0.3")] > 0, before
    assert during == {(200, "127.0.0.3"): 100}, during
    assert after[(200, "127.0.0.2")] > 10 and sum(after.values()) == 100, after


def test_warmup_and_hysteresis_on_heard_datagrams(tmp_path):
    """The listener's side: a new server warms up in hb.dat, then a silence of DOWN 2 s
    publishes it stale (lastseen >= 10) until UP 2 heartbeats are heard in a row."""
    import time

    from tests.live import PrivateNetwork, heartmonitor_server, request, send, wait_for
    from tests.test_monitor import PORT, entries, monitor_conf

    directory = str(tmp_path)
    hb = f"{directory}/hb.dat"
    conf = monitor_conf(directory, extra="HeartbeatStorageInterval 1\nHeartbeatWarmup 3\n"
                        "HeartbeatHysteresis 2 2\n")

    def beat() -> None:
        send(b"v=1&ready=40&busy=1", "127.0.0.5")

    def beat_for(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            beat()
            time.sleep(0.4)

    def status() -> str:  # what server-status publishes now
        auto = request(PORT, path="/server-status?auto")[2].decode()
        return auto[auto.index("HeartbeatServer[0]Ready"):]

    def written_after(moment: float) -> tuple:
        assert wait_for(lambda: os.stat(hb).st_mtime > moment, timeout=5)
        return entries(hb)["127.0.0.5"]

    with PrivateNetwork(), heartmonitor_server(conf, directory):
        appeared = time.time()
        beat()
        first = wait_for(lambda: entries(hb).get("127.0.0.5"))
        beat_for(4)
        warm = written_after(appeared + 3.1)  # warmed up (3 s)
        silent = written_after(time.time() + 2.1)  # a pass after 2 s of silence (DOWN)
        beat()
        one = status()  # one heartbeat: still stale
        time.sleep(0.3)
        beat()
        two = status()  # the second in a row: up
        moment = time.time()
        beat_for(1.2)
        back = written_after(moment)
    assert first[0] < 40 and warm[:2] == (40, 1), (first, warm)
    assert silent[:2] == (40, 1) and silent[2] >= 10, silent
    assert one == ("HeartbeatServer[0]Ready: 40\nHeartbeatServer[0]Busy: 1\n"
                   "HeartbeatServer[0]LastSeen: 10\nHeartbeatServer[0]State: down\n")
    assert two == ("HeartbeatServer[0]Ready: 40\nHeartbeatServer[0]Busy: 1\n"
                   "HeartbeatServer[0]LastSeen: 0\n")
    assert back[:2] == (40, 1) and back[2] < 10, back  # in hb.dat too


def test_pick_says_why_a_drained_last_member_still_gets_picks(tmp_path):
    """find_best_hb's inclusive pick: a ready-0 member placed last wins pick openslots
    (test_ctl_pick measures it on apache2); placed first it gets nothing."""
    from fractions import Fraction

    from tests.helpers import write
    from tests.test_ctl_pick import balancer_conf, pick_json

    directory = str(tmp_path)
    write(f"{directory}/hb.dat", "127.0.0.2 &ready=0&busy=3&lastseen=1&port=80\n"
                                 "127.0.0.3 &ready=40&busy=2&lastseen=1&port=80\n")
    last = pick_json(balancer_conf(directory, ["http://127.0.0.3:8201",
                                               "http://127.0.0.2:8201"]))
    assert last["http://127.0.0.2:8201"] == {
        "probability": float(Fraction(1598, 65536)), "ready": 0, "busy": 3, "lastseen": 1,
        "reason": "ready 0, yet the last usable member: it still wins the pick equal to "
                  "openslots"}
    first = pick_json(balancer_conf(directory, ["http://127.0.0.2:8201",
                                                "http://127.0.0.3:8201"]))
    assert (first["http://127.0.0.2:8201"]["probability"],
            first["http://127.0.0.3:8201"]["probability"]) == (0.0, 1.0)
