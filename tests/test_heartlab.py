"""heartlab_module: heartmonitor's own directives exist only where a configuration loads it."""

from __future__ import annotations

import os
import time

import pytest

from tests.conformance.cases import MONITOR, Case
from tests.conformance.harness import MODDIR, run_case
from tests.conftest import need_apache2
from tests.helpers import heartmonitor, write

HEARTBEAT = "LoadModule heartbeat_module {moddir}/mod_heartbeat.so\n"
LAB = "LoadModule heartlab_module modules/mod_heartlab.so\n"
OWN = [
    ("HeartbeatListenInterface", MONITOR, "HeartbeatListenInterface 127.0.0.1\n"),
    ("HeartbeatAddressInterface", HEARTBEAT, "HeartbeatAddressInterface 127.0.0.1\n"),
    ("HeartbeatSimulate", HEARTBEAT, "HeartbeatSimulate 2 127.0.0.2 ready=5\n"),
]
WITHOUT_LAB = [
    Case(f"{name}_without_heartlab", load + line) for name, load, line in OWN
] + [
    Case(f"{name}_ifdirective_without_heartlab",
         f"{load}<IfDirective {name}>\n{line}FooBar\n</IfDirective>\n")
    for name, load, line in OWN
] + [
    Case(f"{name}_not_ifdirective_without_heartlab",
         f"{load}<IfDirective !{name}>\nFooBar\n</IfDirective>\n")
    for name, load, line in OWN
] + [
    Case("ifmodule_heartlab_without_heartlab",
         MONITOR + HEARTBEAT + "<IfModule heartlab_module>\nHeartbeatSimulate 1 1.2.3.4\n"
         "HeartbeatListenInterface 127.0.0.1\n</IfModule>\n"),
    Case("heartlab_dash_L_without_heartlab", MONITOR + HEARTBEAT, args=("-L",)),
    Case("heartlab_dash_l_without_heartlab", MONITOR, args=("-l",)),
]


@pytest.mark.parametrize("case", WITHOUT_LAB, ids=lambda case: case.name)
def test_without_heartlab_judged_as_httpd(case):
    """No LoadModule heartlab_module: the same answer as apache2, Invalid command included."""
    need_apache2()
    real, ours = run_case(case)
    assert ours.as_tuple() == real.as_tuple()
    if case.name.endswith("s_without_heartlab") and "_ifdirective_" not in case.name \
            and "_not_" not in case.name and "dash" not in case.name:
        assert "Invalid command" in real.stderr and real.code == 1


def conf_with_lab(tmp_path, body: str) -> str:
    return write(str(tmp_path / "httpd.conf"), (
        f"ServerName x\nErrorLog {tmp_path}/e\nDefaultRuntimeDir {tmp_path}\n"
        f"LoadModule heartmonitor_module {MODDIR}/mod_heartmonitor.so\n"
        f"LoadModule heartbeat_module {MODDIR}/mod_heartbeat.so\n" + body))


def test_with_heartlab_directives_are_known(tmp_path):
    conf = conf_with_lab(tmp_path, LAB + "".join(line for _n, _l, line in OWN)
                         + "<IfModule heartlab_module>\nHeartbeatSimulate 1 127.0.1.1\n"
                         "</IfModule>\n<IfModule !heartlab_module>\nFooBar\n</IfModule>\n")
    result = heartmonitor("-f", conf, "-t")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "Syntax OK\n")


def test_with_heartlab_dash_L_and_M_list_it(tmp_path):
    conf = conf_with_lab(tmp_path, LAB)
    listing = heartmonitor("-f", conf, "-L").stdout
    start = listing.index("HeartbeatListenInterface (mod_heartlab.c)")
    assert "".join(listing[start:].splitlines(keepends=True)[:9]) == (
        "HeartbeatListenInterface (mod_heartlab.c)\n"
        "\tLocal IPv4 address of the interface to join the HeartbeatListen group on "
        "(heartmonitor)\n"
        "\tAllowed in *.conf only outside <Directory>, <Files>, <Location>, or <If>\n"
        "HeartbeatAddressInterface (mod_heartlab.c)\n"
        "\tLocal IPv4 address whose interface heartbeats are sent from (heartmonitor)\n"
        "\tAllowed in *.conf only outside <Directory>, <Files>, <Location>, or <If>\n"
        "HeartbeatSimulate (mod_heartlab.c)\n"
        "\tNumber of simulated backends, the first one's source address, and optional "
        "ready=N busy=N port=N (heartmonitor)\n"
        "\tAllowed in *.conf only outside <Directory>, <Files>, <Location>, or <If>\n")
    assert " heartlab_module (shared)\n" in heartmonitor("-f", conf, "-M").stdout


@pytest.mark.parametrize("line, line_number, message", [
    ("HeartbeatListenInterface 10.255.255.1.5", 7,
     "HeartbeatListenInterface: 10.255.255.1.5 is not an IPv4 address of this host"),
    ("HeartbeatSimulate 0 127.0.0.2", 7,
     "HeartbeatSimulate: the count must be a number from 1 to 65536"),
    ("<VirtualHost *:80>\nHeartbeatSimulate 1 127.0.0.2\n</VirtualHost>", 8,
     "HeartbeatSimulate cannot occur within <VirtualHost> section"),
])
def test_with_heartlab_bad_values(tmp_path, line, line_number, message):
    conf = conf_with_lab(tmp_path, LAB + line + "\n")
    result = heartmonitor("-f", conf, "-t")
    assert (result.returncode, result.stderr) == (1, (
        f"AH00526: Syntax error on line {line_number} of {conf}:\n{message}\n"))


def test_settings_reach_the_modules_they_tune(tmp_path):
    """After post_config's first hook, heartmonitor_module joins on the interface and
    heartbeat_module sends from the interface and for the simulated backends."""
    import io

    from heartmonitor.layout import Layout
    from heartmonitor.lifecycle import new_httpd, read_and_check
    from heartmonitor.options import parse_options

    conf = conf_with_lab(tmp_path, LAB + "HeartbeatListen 239.0.0.1:27999\n"
                         "HeartbeatAddress 239.0.0.1:27999\n"
                         "HeartbeatExpire 8\nHeartbeatForget 600\nHeartbeatStorageInterval 2\n"
                         + "".join(line for _n, _l, line in OWN))
    options = parse_options(["heartmonitor", "-f", conf, "-t"], io.StringIO())
    options.bin_name, options.layout = "heartmonitor", Layout()
    httpd = new_httpd(options, stderr=io.StringIO(), stdout=io.StringIO())
    assert read_and_check(httpd, conf)
    (first, *_rest) = httpd.hooks("post_config")
    assert first.module.identifier == "heartlab_module"
    first.function(httpd)
    config = httpd.server_conf.module_config
    assert config[httpd.module_named("heartmonitor_module")].listen_interface == "127.0.0.1"
    sender = config[httpd.module_named("heartbeat_module")]
    assert sender.interface == "127.0.0.1"
    assert [list(s.sources()) for s in sender.simulations] == [["127.0.0.2", "127.0.0.3"]]
    settings = config[httpd.module_named("heartmonitor_module")].settings
    assert (settings.expire, settings.forget, settings.storage_interval) == (8, 600, 2)


@pytest.mark.parametrize("line", ["HeartbeatExpire 0", "HeartbeatForget 1e3",
                                  "HeartbeatStorageInterval 31536001",
                                  "HeartbeatExpire " + "9" * 5000])
def test_timings_are_whole_seconds(tmp_path, line):
    conf = conf_with_lab(tmp_path, LAB + line + "\n")
    name, value = line.split()
    low = 1
    result = heartmonitor("-f", conf, "-t")
    assert (result.returncode, result.stderr) == (1, (
        f"AH00526: Syntax error on line 7 of {conf}:\n"
        f"{name}: '{value}' is not a number of seconds from {low} to 31536000\n"))


def test_heartbeat_expire_drops_a_silent_server_from_storage(tmp_path):
    """HeartbeatExpire 2 (and a write every second) in the running server: a server heard
    once leaves hb.dat 3 to 7 s later; one that keeps beating stays. (The exact instants
    are tested against a fake clock in test_clock.py.)"""
    from tests.live import PrivateNetwork, heartmonitor_server, send
    from tests.test_monitor import entries, monitor_conf

    directory = str(tmp_path)
    hb = f"{directory}/hb.dat"
    conf = monitor_conf(directory, extra="HeartbeatExpire 2\nHeartbeatStorageInterval 1\n")
    with PrivateNetwork(), heartmonitor_server(conf, directory):
        send(b"v=1&ready=5&busy=1", "127.0.0.5")
        start = time.monotonic()
        seen = gone = None
        while time.monotonic() - start < 8:
            send(b"v=1&ready=7&busy=1", "127.0.0.6")
            listed = "127.0.0.5" in entries(hb)
            if listed and seen is None:
                seen = time.monotonic() - start
            if seen is not None and not listed:
                gone = time.monotonic() - start
                break
            time.sleep(0.2)
        table = entries(hb)
    assert seen is not None and seen < 2 and gone is not None and 3 <= gone <= 7, (seen, gone)
    assert table["127.0.0.6"][:2] == (7, 1) and table["127.0.0.6"][2] <= 1


@pytest.mark.parametrize("policy, left", [("", "127.0.0.5 &ready=5&busy=1"),
                                          ("HeartbeatOnStop expire\n", None)])
def test_heartbeat_on_stop(tmp_path, policy, left):
    """keep (httpd's way, the default) leaves hb.dat as last written; expire empties it."""
    from tests.live import PrivateNetwork, heartmonitor_server, read, send, wait_for
    from tests.test_monitor import entries, monitor_conf

    directory = str(tmp_path)
    hb = f"{directory}/hb.dat"
    conf = monitor_conf(directory, extra=policy + "HeartbeatStorageInterval 1\n")
    with PrivateNetwork(), heartmonitor_server(conf, directory):
        send(b"v=1&ready=5&busy=1", "127.0.0.5")
        assert wait_for(lambda: "127.0.0.5" in entries(hb), timeout=8)
    if left is None:
        assert read(hb) == "" and os.path.exists(hb)
    else:
        assert read(hb).startswith(left)


def test_heartbeat_on_stop_values(tmp_path):
    conf = conf_with_lab(tmp_path, LAB + "HeartbeatOnStop forever\n")
    result = heartmonitor("-f", conf, "-t")
    assert (result.returncode, result.stderr) == (1, (
        f"AH00526: Syntax error on line 7 of {conf}:\nHeartbeatOnStop must be keep or expire\n"))
