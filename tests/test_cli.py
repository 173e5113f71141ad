"""The command line beyond -t: -v, -V, -l, --help, --strict, --format json, -S."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile

import pytest

from heartmonitor import SERVER_BANNER
from tests.conformance.case import Case
from tests.conformance.harness import (
    heartmonitor_command,
    normalise,
    run_case,
    run_one,
    write_case,
)
from tests.conftest import APACHE2, need_apache2
from tests.helpers import heartmonitor, write


def test_version():
    result = heartmonitor("-v")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == (f"Server version: {SERVER_BANNER}\n"
                             "Server built:   2026-11-25T00:00:00\n")
    assert re.fullmatch(r"Apache/2\.4\.\d+ \(Debian\) heartmonitor/[\d.]+", SERVER_BANNER)


def test_compile_settings_start_like_httpds():
    lines = heartmonitor("-V").stdout.splitlines()
    assert lines[0].startswith("Server version: ")
    assert lines[2] == "Server's Module Magic Number: 20120211:142"
    assert "Server MPM:     event" in lines
    assert ' -D SERVER_CONFIG_FILE="apache2.conf"' in lines


def test_compiled_in_modules_are_debians():
    apache2 = need_apache2()
    real = subprocess.run([apache2, "-l"], capture_output=True, text=True).stdout
    assert heartmonitor("-l").stdout == real
    assert heartmonitor("--build", "upstream", "-l").stdout == (
        "Compiled in modules:\n  core.c\n  mod_so.c\n  http_core.c\n")


def test_help_adds_heartmonitors_options_to_httpds_usage():
    short, long = heartmonitor("-h"), heartmonitor("--help")
    assert (short.returncode, long.returncode) == (1, 1)
    assert long.stderr.startswith(short.stderr)
    assert "  --strict           : with -t, also run the checks httpd makes only at start-up\n" \
        in long.stderr
    assert heartmonitor("--format", "yaml", "-t").returncode == 1


def test_strict_suggests_the_directive_meant(tmp_path):
    conf = write(str(tmp_path / "a.conf"), (
        f"ServerName x\nErrorLog {tmp_path}/e\n"
        "LoadModule heartmonitor_module modules/mod_heartmonitor.so\nHeartbeatMaxServers 0\n"
        "HeartbeatStorge hb.dat\n"))
    plain = heartmonitor("-f", conf, "-t")
    strict = heartmonitor("-f", conf, "-t", "--strict")
    assert strict.stderr == plain.stderr + "heartmonitor: did you mean 'HeartbeatStorage'?\n"
    conf = write(str(tmp_path / "b.conf"), f"ServerName x\nErrorLog {tmp_path}/e\nProxyPass / x\n")
    assert heartmonitor("-f", conf, "-t", "--strict").stderr.endswith(
        "heartmonitor: ProxyPass is a directive of mod_proxy, which is not loaded: add "
        "'LoadModule proxy_module modules/mod_proxy.so'\n")


def test_strict_finds_what_httpd_finds_only_at_start_up(tmp_path):
    conf = write(str(tmp_path / "a.conf"), (
        f"ServerName x\nErrorLog {tmp_path}/e\n"
        "LoadModule heartmonitor_module modules/mod_heartmonitor.so\n"
        "HeartbeatListen 127.0.0.1:27999\n"))
    assert heartmonitor("-f", conf, "-t").stderr == "Syntax OK\n"
    strict = heartmonitor("-f", conf, "-t", "--strict")
    assert strict.returncode == 1
    lines = re.sub(r"^\[[^\]]+\] (\[[^\]]+\]) \[pid \d+:tid \d+\] ", r"\1 ", strict.stderr,
                   flags=re.M).splitlines()
    assert lines == [
        "[heartmonitor:emerg] AH02284: failed to lookup provider 'shm' for 'slotmem', maybe you "
        "need to load mod_slotmem_shm?",
        "heartmonitor: load mod_slotmem_shm ('LoadModule slotmem_shm_module "
        "modules/mod_slotmem_shm.so') or use file storage ('HeartbeatMaxServers 0')",
        "AH00016: Configuration Failed",
    ]
    write(conf, open(conf).read() + "HeartbeatMaxServers 0\n")
    report = json.loads(heartmonitor("-f", conf, "-t", "--strict", "--format", "json").stdout)
    assert report["ok"] is False and report["exit_code"] == 1
    assert [(d["code"], d["severity"], d["line"], d["file"]) for d in report["diagnostics"]] == [
        ("AH02072", "crit", 4, conf), ("AH02090", "crit", 4, conf)]


def test_json_for_a_syntax_error(tmp_path):
    conf = write(str(tmp_path / "a.conf"), "ServerName x\n<VirtualHost *:80>\n"
                 "HeartbeatListen 239.0.0.1:1\n</VirtualHost>\n")
    result = heartmonitor("-f", conf, "-t", "--format", "json")
    assert result.returncode == 1 and result.stderr == ""
    assert json.loads(result.stdout)["diagnostics"] == [{
        "file": conf, "line": 3, "severity": "error", "code": None,
        "message": "Invalid command 'HeartbeatListen', perhaps misspelled or defined by a "
                   "module not included in the server configuration"}]


def test_dump_heartbeats_shows_the_heartbeat_table_and_dash_S_does_not(tmp_path):
    hb = tmp_path / "hb.dat"
    hb.write_text("10.0.0.5 &ready=75&busy=0&lastseen=2&port=80\n# note\n"
                  "10.0.0.6 &ready=8&busy=1&lastseen=40&port=8080\n")
    conf = write(str(tmp_path / "a.conf"), (
        f"ServerName x\nErrorLog {tmp_path}/e\n"
        "LoadModule heartmonitor_module modules/mod_heartmonitor.so\nHeartbeatMaxServers 0\n"
        f"HeartbeatStorage {hb}\n"))
    assert "Heartbeat" not in heartmonitor("-f", conf, "-S").stdout
    out = heartmonitor("-f", conf, "-t", "-D", "DUMP_HEARTBEATS").stdout
    assert out == (
        f'Heartbeat storage: "{hb}" (file)\nHeartbeat servers: 2\n'
        "    10.0.0.5:80 ready=18 busy=0 lastseen=2\n"
        "    10.0.0.6:8080 ready=8 busy=1 lastseen=40\n")


# Every option and the getopt corners (bundled letters, attached and missing arguments,
# operands, -k twice), answered as apache2 answers them (tests/conformance does -h, -Z,
# -C, -c, -D, -e, -f, -k foo, -M, -S and the -t -D DUMP_* forms).
OPTION_CASES = [
    Case("question_mark", "", args=["-?"]),
    Case("debug_X", "", args=["-X", "-t"]),
    Case("no_docroot_check_T", "DocumentRoot {root}/nowhere\n", args=["-T", "-t"]),
    Case("docroot_checked", "DocumentRoot {root}/nowhere\n", args=["-t"]),
    Case("server_root_d", "", args=["-d", "{root}", "-t"]),
    Case("bundled", "", args=["-tS"]),
    Case("bundled_with_argument", "", args=["-tDDUMP_MODULES"]),
    Case("attached_file", "", args=["-f{conf}", "-t"], config_flag=False),
    Case("missing_argument", "", args=["-t", "-e"]),
    Case("colon_is_no_option", "", args=["-:"]),
    Case("operand_after_dashes", "", args=["-t", "--", "extra"]),
    Case("dash_operand", "", args=["-t", "-"]),
    Case("dashes_only", "", args=["-t", "--"]),
    Case("k_twice", "", args=["-k", "start", "-k", "stop", "-t"]),
    Case("k_missing_argument", "", args=["-t", "-k"]),
    Case("level_attached", "ServerAdmin ${NOPE}\n", args=["-ewarn", "-t"]),
    Case("define_attached_and_bad_option_after", "", args=["-DX", "-Y", "-t"]),
]


@pytest.mark.parametrize("case", OPTION_CASES, ids=lambda case: case.name)
def test_option_answers_as_apache2(case):
    need_apache2()
    real, ours = run_case(case)
    assert ours.as_tuple() == real.as_tuple()


def test_dash_E_sends_start_up_errors_to_the_file_as_apache2_does():
    need_apache2()
    case = Case("dash_E", "ServerAdmin ${NOPE}\n")
    answers = []
    for command, program in (([APACHE2], "apache2"), (heartmonitor_command(), "heartmonitor")):
        root = tempfile.mkdtemp(prefix="hmcli-")
        try:
            log = os.path.join(root, "startup.log")
            args = ["-E", log, "-f", write_case(root, case), "-t"]
            result = run_one(command, args, root, program)
            with open(log, encoding="utf-8") as handle:
                logged = normalise(handle.read(), root, program)
            answers.append((result.as_tuple(), logged))
        finally:
            shutil.rmtree(root, ignore_errors=True)
    assert answers[0] == ((0, "", ""), "[TIME] [core:warn] [pid N:tid N] AH00111: Config "
                          "variable ${NOPE} is not defined\nSyntax OK\n")
    assert answers[1] == answers[0]
