"""Debian's apache2 as a drop-in: its compiled-in layout, -V, and its unchanged /etc/apache2.

The tree is read as Debian runs it: /etc/apache2/envvars sourced, inside a private mount
and network namespace with tmpfs over /run (/var/run, /var/lock) and /var/log/apache2, so
that nothing of the host's is touched and port 80 is the namespace's own.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

from heartmonitor.layout import embedded_root
from tests.conformance.harness import normalise
from tests.conftest import need_apache2
from tests.helpers import ROOT, heartmonitor, write

DEBIAN_TREE = "/etc/apache2"
NAMESPACE_SETUP = (
    "mount -t tmpfs tmpfs /run && mkdir -p /run/apache2 /run/lock/apache2"
    " && mount -t tmpfs tmpfs /var/log/apache2 && ip link set lo up"
    " && . /etc/apache2/envvars && exec \"$@\""
)


def heartmonitor_program() -> str:
    """The installed heartmonitor script (what APACHE_HTTPD names), else python -m."""
    script = os.path.join(os.path.dirname(sys.executable), "heartmonitor")
    return script if os.path.exists(script) else f"{sys.executable} -m heartmonitor"


def need_debian_tree() -> str:
    apache2 = need_apache2()
    if not os.path.isfile(os.path.join(DEBIAN_TREE, "apache2.conf")):
        pytest.fail("Debian's /etc/apache2 tree is missing (apache2 package)")
    if shutil.which("unshare") is None:
        pytest.fail("unshare (util-linux) is needed")
    return apache2


def in_debian_namespace(*command: str, env: dict | None = None) -> tuple[int, str, str]:
    """Run a command with Debian's envvars in a private mount and network namespace."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("APACHE_")}
    full_env.update(env or {})
    proc = subprocess.run(
        ["unshare", "--net", "--mount", "sh", "-c", NAMESPACE_SETUP, "sh", *command],
        capture_output=True, text=True, env=full_env, cwd=ROOT, timeout=120,
    )
    if "cannot" in proc.stderr and "unshare" in proc.stderr:
        pytest.fail(f"cannot create namespaces (needs root): {proc.stderr}")
    return proc.returncode, proc.stdout, proc.stderr


def both(*args: str) -> tuple[tuple, tuple]:
    """(apache2's, heartmonitor's) (exit code, stdout, stderr), program names normalised."""
    results = []
    for program in ("apache2", heartmonitor_program()):
        code, out, err = in_debian_namespace(*program.split(), *args)
        name = "apache2" if program == "apache2" else "heartmonitor"
        results.append((code, normalise(out, "/nonexistent", name),
                        normalise(err, "/nonexistent", name)))
    return results[0], results[1]


@pytest.mark.parametrize("args", [
    ["-t"], ["-S"], ["-M"], ["-t", "-D", "DUMP_RUN_CFG"], ["-t", "-D", "DUMP_VHOSTS"],
    ["-t", "-D", "DUMP_INCLUDES"], ["-t", "-f", "/etc/apache2/apache2.conf"],
    ["-d", "/etc/apache2", "-S"],
], ids=" ".join)
def test_debians_unchanged_tree_answers_as_apache2(args):
    need_debian_tree()
    real, ours = both(*args)
    assert ours == real
    assert real[0] == 0


def test_dash_S_on_debians_tree_shows_its_paths():
    need_debian_tree()
    _real, (code, out, _err) = both("-S")
    assert code == 0
    assert 'ServerRoot: "/etc/apache2"\nMain DocumentRoot: "/var/www/html"\n' in out
    assert 'PidFile: "/var/run/apache2/apache2.pid"\n' in out


def _after_loaded_lines(text: str) -> str:
    """-V from the Architecture line on (the version and library lines name heartmonitor)."""
    return text[text.index("Architecture:"):]


def test_dash_V_is_debians_build_for_its_tree():
    need_debian_tree()
    real, ours = both("-V")
    assert (ours[0], _after_loaded_lines(ours[1]), ours[2]) == (
        real[0], _after_loaded_lines(real[1]), real[2])
    assert ' -D HTTPD_ROOT="/etc/apache2"\n' in ours[1]
    assert ' -D SERVER_CONFIG_FILE="apache2.conf"\n' in ours[1]
    assert ' -D DEFAULT_PIDLOG="/run/apache2.pid"\n' in ours[1]


@pytest.mark.parametrize("mpm", ["event", "worker", "prefork"])
def test_dash_V_names_the_configured_mpm(tmp_path, mpm):
    apache2 = need_apache2()
    conf = write(str(tmp_path / "m.conf"), (
        f"LoadModule mpm_{mpm}_module /usr/lib/apache2/modules/mod_mpm_{mpm}.so\n"
        f"ServerName x\nErrorLog {tmp_path}/e.log\n"))
    real = subprocess.run([apache2, "-V", "-f", conf], capture_output=True, text=True)
    ours = heartmonitor("-V", "-f", conf)
    assert ours.returncode == real.returncode == 0
    assert _after_loaded_lines(ours.stdout) == _after_loaded_lines(real.stdout)
    assert f"Server MPM:     {mpm}\n" in ours.stdout


def test_dash_V_with_a_missing_configuration_fails_as_apache2(tmp_path):
    apache2 = need_apache2()
    missing = str(tmp_path / "missing.conf")
    real = subprocess.run([apache2, "-V", "-f", missing], capture_output=True, text=True)
    ours = heartmonitor("-V", "-f", missing)
    assert (ours.returncode, real.returncode) == (1, 1)
    assert _after_loaded_lines(ours.stdout) == _after_loaded_lines(real.stdout)
    assert ours.stderr == real.stderr.replace("apache2:", "heartmonitor:")
    assert "Server MPM:     \nServer compiled with....\n" in ours.stdout


def test_dash_d_looks_for_apache2_conf(tmp_path):
    apache2 = need_apache2()
    real = subprocess.run([apache2, "-d", str(tmp_path), "-t"], capture_output=True, text=True)
    ours = heartmonitor("-d", str(tmp_path), "-t")
    assert (ours.returncode, ours.stdout) == (real.returncode, real.stdout) == (1, "")
    assert ours.stderr == real.stderr.replace("apache2:", "heartmonitor:") == (
        f"heartmonitor: Could not open configuration file {tmp_path}/apache2.conf: "
        "No such file or directory\n")


def test_relative_dash_f_is_relative_to_etc_apache2(tmp_path):
    apache2 = need_apache2()
    real = subprocess.run([apache2, "-f", "nope.conf", "-t"], capture_output=True, text=True)
    ours = heartmonitor("-f", "nope.conf", "-t")
    assert ours.stderr == real.stderr.replace("apache2:", "heartmonitor:") == (
        "heartmonitor: Could not open configuration file /etc/apache2/nope.conf: "
        "No such file or directory\n")


def test_without_debians_environment_the_embedded_default_runs(tmp_path):
    env = {"APACHE_RUN_DIR": "", "HEARTMONITOR_RUNDIR": str(tmp_path)}
    assert heartmonitor("-t", env=env).stderr == "Syntax OK\n"
    out = heartmonitor("-t", "-D", "DUMP_RUN_CFG", env=env).stdout
    assert out.startswith(f'ServerRoot: "{embedded_root()}"\n')
    assert f'PidFile: "{tmp_path}/heartmonitor.pid"\n' in out


def test_with_debians_environment_etc_apache2_is_read():
    need_debian_tree()
    code, out, err = in_debian_namespace(*heartmonitor_program().split(), "-t", "-D",
                                         "DUMP_INCLUDES")
    assert code == 0
    assert out.startswith("Included configuration files:\n  (*) /etc/apache2/apache2.conf\n")


SERVE = """
set -u
P="$1"
$P -k start
for i in $(seq 100); do
    curl -s -o /dev/null http://127.0.0.1/server-status?auto && break; sleep 0.1
done
for url in "http://127.0.0.1/server-status?auto" "http://[::1]/server-status?auto" \\
           "http://127.0.0.1/nope" "http://[::1]/nope"; do
    curl -s -o /dev/null -w "$url %{http_code} %{content_type}\\n" "$url"
done
ss -ltnH | awk '{print "listening", $4}'
$P -k stop
"""


def test_debians_tree_serves_on_ipv4_and_ipv6_loopback_as_apache2():
    need_debian_tree()
    if shutil.which("curl") is None:
        pytest.fail("curl is needed")
    answers = {}
    for program in ("apache2", heartmonitor_program()):
        code, out, err = in_debian_namespace("sh", "-c", SERVE, "sh", program)
        assert code == 0, err
        answers[program] = out
    real, ours = answers.values()
    assert ours == real
    assert "http://[::1]/server-status?auto 200 text/plain; charset=ISO-8859-1\n" in ours
    assert "http://127.0.0.1/nope 404 text/html; charset=iso-8859-1\n" in ours
    # Listen 80: one dual-stack [::]:80 socket, as httpd.
    assert re.findall(r"^listening (.*)$", ours, re.M) == ["*:80"]


def test_apache2ctl_drives_heartmonitor():
    need_debian_tree()
    if shutil.which("apache2ctl") is None:
        pytest.fail("apache2ctl is missing (apache2 package)")
    script = (
        "apache2ctl configtest; echo configtest=$?; apache2ctl -S | head -3;"
        " apache2ctl start; echo start=$?; sleep 1;"
        " curl -s -o /dev/null -w '%{http_code}\\n' 'http://[::1]/server-status?auto';"
        " apache2ctl graceful; echo graceful=$?; sleep 1;"
        " curl -s -o /dev/null -w '%{http_code}\\n' http://127.0.0.1/server-status?auto;"
        " apache2ctl stop; echo stop=$?; sleep 1;"
        " curl -s -o /dev/null -w '%{http_code}\\n' http://127.0.0.1/server-status?auto;"
        " cat /var/log/apache2/error.log"
    )
    answers = []
    for program in ("/usr/sbin/apache2", heartmonitor_program()):
        env = {"APACHE_HTTPD": program, "APACHE_STARTED_BY_SYSTEMD": "yes"}
        code, out, err = in_debian_namespace("sh", "-c", script, env=env)
        name = "apache2" if program.endswith("/apache2") else "heartmonitor"
        # Only the banner, the command line and the program's name may differ.
        log = re.sub(r"^\[[^]]+\] (\[[\w:]+\]) \[pid \d+:tid \d+\] ", r"\1 ", out, flags=re.M)
        log = re.sub(r"(AH00489: ).* (configured)", r"\1BANNER \2", log)
        log = re.sub(r"(AH00094: Command line: ).*", r"\1PROGRAM", log)
        answers.append((log.replace(f" {name}: ", " PROG: "),
                        err.replace(f" {name}: ", " PROG: ")))
    assert answers[1] == answers[0]
    assert "AH00493: SIGUSR1 received.  Doing graceful restart" in answers[0][0]
    assert "Syntax OK" in err
    assert out.startswith(
        "configtest=0\nVirtualHost configuration:\n"
        "*:80                   127.0.0.1 (/etc/apache2/sites-enabled/000-default.conf:1)\n"
        'ServerRoot: "/etc/apache2"\nstart=0\n200\ngraceful=0\n200\nstop=0\n000\n')
    assert "heartmonitor" in out.split("stop=0\n000\n", 1)[1]
