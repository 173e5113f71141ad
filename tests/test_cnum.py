"""heartmonitor.cnum: glibc/APR number parsing, and configs that once raised tracebacks."""

from __future__ import annotations

import os

import pytest

from heartmonitor import cnum
from tests.conformance.cases import Case
from tests.conformance.harness import run_case
from tests.conftest import need_apache2

BIG = "9" * 4301
LABEL64 = "a" * 64


@pytest.mark.parametrize("text, expected", [
    ("42", (42, 2, False)),
    ("  \t-17x", (-17, 6, False)),
    ("+0009", (9, 5, False)),
    ("", (0, 0, False)),
    ("-", (0, 0, False)),
    ("²", (0, 0, False)),
    ("1²", (1, 1, False)),
    ("9223372036854775807", (cnum.LONG_MAX, 19, False)),
    ("9223372036854775808", (cnum.LONG_MAX, 19, True)),
    ("-9223372036854775808", (cnum.LONG_MIN, 20, False)),
    ("-9223372036854775809", (cnum.LONG_MIN, 20, True)),
    (BIG, (cnum.LONG_MAX, 4301, True)),
    ("-" + BIG, (cnum.LONG_MIN, 4302, True)),
    ("0" * 5000 + "7", (7, 5001, False)),
])
def test_strtol(text, expected):
    assert cnum.strtol(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("18446744073709551615", (cnum.ULONG_MAX, 20, False)),
    ("18446744073709551616", (cnum.ULONG_MAX, 20, True)),
    ("-1", (cnum.ULONG_MAX, 2, False)),
    (" 12abc", (12, 3, False)),
    (BIG, (cnum.ULONG_MAX, 4301, True)),
])
def test_strtoul(text, expected):
    assert cnum.strtoul(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("2147483647", 2147483647),
    ("2147483648", -2147483648),
    ("4294967297", 1),
    (BIG, -1),
    ("-" + BIG, 0),
    ("²", 0),
    (None, 0),
])
def test_atoi_truncates_to_int(text, expected):
    assert cnum.atoi(text) == expected


def test_atoi64_saturates():
    assert cnum.apr_atoi64(BIG) == cnum.LONG_MAX
    assert cnum.apr_strtoi64("-" + BIG + "k") == (cnum.LONG_MIN, 4302, True)


def test_ascii_digits_only():
    assert cnum.is_ascii_digits("0123")
    assert not cnum.is_ascii_digits("²")
    assert not cnum.is_ascii_digits("١٢")
    assert not cnum.is_ascii_digits("")
    assert cnum.digits_value(BIG, 65535) == 65536
    assert cnum.digits_value("00065535", 65535) == 65535


@pytest.mark.parametrize("text, expected", [
    ("1.5x", (1.5, 3)),
    ("  -2e3", (-2000.0, 6)),
    ("1e", (1.0, 1)),
    ("0x10", (16.0, 4)),
    ("0x1.8p1", (3.0, 7)),
    ("0xg", (0.0, 1)),
    (".5", (0.5, 2)),
    (".", (0.0, 0)),
    ("١٢", (0.0, 0)),
    ("1_0", (1.0, 1)),
    ("-Infinityx", (float("-inf"), 9)),
    ("1" * 400, (float("inf"), 400)),
    ("1e999", (float("inf"), 5)),
])
def test_strtod(text, expected):
    assert cnum.strtod(text) == expected


def test_strtod_nan_and_atof():
    value, end = cnum.strtod("nan(abc)x")
    assert value != value and end == 8
    assert cnum.atof(None) == 0.0 and cnum.atof(" 2.5kg") == 2.5


MONITOR = "LoadModule heartmonitor_module {moddir}/mod_heartmonitor.so\n"
HEARTBEAT = "LoadModule heartbeat_module {moddir}/mod_heartbeat.so\n"
BALANCER = ("LoadModule proxy_module {moddir}/mod_proxy.so\n"
            "LoadModule proxy_balancer_module {moddir}/mod_proxy_balancer.so\n"
            "<Proxy balancer://b>\nBalancerMember http://127.0.0.1:1 \"loadfactor=%s\"\n"
            "</Proxy>\n")
AUTHZ = ("LoadModule authz_core_module {moddir}/mod_authz_core.so\n"
         "LoadModule authz_host_module {moddir}/mod_authz_host.so\n")


@pytest.mark.parametrize("body", [
    f"Timeout {BIG}\n",
    "Timeout ²\n",
    f"Listen 127.0.0.1:{BIG}\n",
    f"Listen {BIG}\n",
    f"<IfVersion >= 2.{BIG}>\nFooBar\n</IfVersion>\n",
    f"<IfVersion >= {BIG}>\nFooBar\n</IfVersion>\n",
    "<IfVersion < 2.4.²>\nFooBar\n</IfVersion>\n",
    MONITOR + f"HeartbeatMaxServers {BIG}\n",
    MONITOR + "HeartbeatMaxServers ²\n",
    MONITOR + f"HeartbeatListen 239.0.0.1:{BIG}\n",
    MONITOR + f"HeartbeatListen 239.0.0.{BIG}:1\n",
    MONITOR + "HeartbeatListen 239.0.0.1:²\n",
    HEARTBEAT + f"HeartbeatAddress 239.0.0.1:{BIG}\n",
    f"WatchdogInterval {BIG}\n",
    "WatchdogInterval ²\n",
    f"ListenBacklog {BIG}\n",
    f"<VirtualHost 127.0.0.1:{BIG}>\n</VirtualHost>\n",
    f"User #{BIG}\n",
    "Group #-1\n",
    f"ServerName a:{BIG}\n",
    AUTHZ + f"<Location />\nRequire ip 10.0.0.0/{BIG}\n</Location>\n",
    AUTHZ + "<Location />\nRequire ip 10.0.0.0/²\n</Location>\n",
    AUTHZ + f"<Location />\nRequire ip ::1/{BIG}\n</Location>\n",
    *(BALANCER % value for value in ("١٢", "1_0", "0x1p3", "nan", "inf", "1e", "-0", "1" * 400)),
    "<VirtualHost .>\n</VirtualHost>\n",
    "<VirtualHost www..example.com:80>\n</VirtualHost>\n",
    f"<VirtualHost {LABEL64}.com>\n</VirtualHost>\n",
    "<VirtualHost \udcff\udcfe>\n</VirtualHost>\n",
    "<VirtualHost é.com>\n</VirtualHost>\n",
    "Listen a..b:80\n",
    "Listen \udcff:80\n",
    AUTHZ + "<Location />\nRequire ip 10.0.0.0/1\udcff\n</Location>\n",
    MONITOR + "HeartbeatListen \udcff:80\n",
    "Listen .:80\n",
    "ServerName a..b\n",
    MONITOR + "HeartbeatListen a..b:80\n",
    HEARTBEAT + f"HeartbeatAddress {LABEL64}.c:80\n",
], ids=lambda body: body[-60:])
def test_numbers_and_names_answered_as_httpd(body):
    """Run in a network namespace of their own: name lookups never leave the machine."""
    need_apache2()
    real, ours = run_case(Case("numbers", body, isolated=True))
    assert "Traceback" not in ours.stderr
    assert ours.as_tuple() == real.as_tuple()


def test_status_refresh_with_a_huge_number_is_answered(tmp_path):
    """?refresh= goes through atoi: 4,301 digits saturate (atoi gives -1, so 10)."""
    from tests.helpers import write
    from tests.live import PrivateNetwork, heartmonitor_server, request

    directory = str(tmp_path)
    conf = write(os.path.join(directory, "httpd.conf"), (
        f"ServerName localhost\nPidFile {directory}/httpd.pid\nErrorLog {directory}/error_log\n"
        f"DefaultRuntimeDir {directory}\nListen 127.0.0.1:8091\n"
        "LoadModule status_module modules/mod_status.so\n"
        "<Location /server-status>\n    SetHandler server-status\n</Location>\n"))
    with PrivateNetwork(), heartmonitor_server(conf, directory):
        answers = {value: request(8091, path=f"/server-status?refresh={value}")
                   for value in (BIG, "5", "%C2%B2")}
    refresh = {value: dict(headers).get("Refresh") for value, (_s, headers, _b) in
               answers.items()}
    assert {value: status for value, (status, _h, _b) in answers.items()} == {
        BIG: 200, "5": 200, "%C2%B2": 200}
    assert refresh == {BIG: "10", "5": "5", "%C2%B2": "10"}
