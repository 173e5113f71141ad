"""What `heartmonitor -t` loads: on a small configuration, start-up is most of its time
(bench/config_parse.py measures it against apache2)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

from tests.helpers import ROOT

# Run -t in a fresh interpreter and list what it imported.
LOADED = """
import sys
from heartmonitor.cli import main
sys.argv = ["heartmonitor", *sys.argv[1:]]
code = main()
print(code, " ".join(sorted(sys.modules)))
"""
# Each costs -t milliseconds (several of them more than reading the configuration) and
# none is needed to check the embedded default: they load where they are used (the
# running server, --strict hints, --format json, a regex, an expression). typing is
# only for mypy (TYPE_CHECKING); _socket does the lookups socket.py would.
NOT_FOR_THE_DEFAULT_CHECK = (
    "asyncio", "collections", "ctypes", "dataclasses", "difflib", "enum", "functools",
    "heapq", "heartmonitor.expr", "html", "re",
    "heartmonitor.http.head", "heartmonitor.http.request", "heartmonitor.http.server",
    "heartmonitor.modules.cluster.checks", "heartmonitor.modules.cluster.console",
    "heartmonitor.modules.cluster.filestore", "heartmonitor.modules.cluster.hbfile",
    "heartmonitor.modules.cluster.post", "heartmonitor.modules.cluster.publish",
    "heartmonitor.modules.cluster.reader", "heartmonitor.modules.cluster.sender",
    "heartmonitor.modules.cluster.share_url", "heartmonitor.modules.cluster.slices",
    "heartmonitor.modules.cluster.slotmem", "heartmonitor.modules.cluster.slotstore",
    "heartmonitor.modules.cluster.status_view", "heartmonitor.modules.cluster.table",
    "heartmonitor.pcre", "graphlib", "grp", "importlib", "inspect", "ipaddress", "json",
    "math", "mmap", "psutil", "pwd", "pyparsing", "random", "selectors", "socket", "struct",
    "syslog", "threading", "typing", "urllib.parse", "warnings",
)


def test_dash_t_of_the_default_configuration_leaves_costly_modules_unloaded(tmp_path):
    # -S: without site, so that what an editable install's path finder imports before
    # heartmonitor starts (pathlib, urllib.parse ...) is not counted.
    result = subprocess.run(
        [sys.executable, "-S", "-c", LOADED, "-t", "-f",
         os.path.join(ROOT, "conf", "httpd.conf")],
        capture_output=True, text=True,
        env=dict(os.environ, HEARTMONITOR_RUNDIR=str(tmp_path), PYTHONPATH=ROOT),
    )
    assert result.stderr == "Syntax OK\n"
    code, loaded = result.stdout.split(" ", 1)
    assert code == "0"
    assert "heartmonitor.modules.mod_heartmonitor" in loaded.split()
    assert sorted(set(NOT_FOR_THE_DEFAULT_CHECK) & set(loaded.split())) == []


# User and Group look their names up; Debian's regexes (<FilesMatch>, BrowserMatch) are
# of the kind PCRE2 compiles without fail, matched only when serving.
NOT_FOR_DEBIANS_CHECK = tuple(name for name in NOT_FOR_THE_DEFAULT_CHECK
                              if name not in ("grp", "pwd"))


def debian_tree_with_everything(copy: str) -> dict[str, str]:
    """bench/debian_tree.py's tree (every module, conf and site enabled) in COPY, and the
    environment its envvars give."""
    spec = importlib.util.spec_from_file_location(
        "debian_tree", os.path.join(ROOT, "bench", "debian_tree.py"))
    assert spec is not None and spec.loader is not None
    debian_tree = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(debian_tree)
    debian_tree.everything_enabled(copy)
    return debian_tree.envvars(copy)


def test_dash_t_of_debians_tree_with_every_module_leaves_costly_modules_unloaded(tmp_path):
    copy = str(tmp_path / "apache2")
    env = debian_tree_with_everything(copy)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    args = ["-d", copy, "-f", os.path.join(copy, "apache2.conf"), "-t"]
    real = subprocess.run(["apache2", *args], capture_output=True, text=True, env=env)
    result = subprocess.run([sys.executable, "-S", "-c", LOADED, *args], capture_output=True,
                            text=True, env=dict(env, PYTHONPATH=ROOT))
    assert result.stderr == real.stderr.replace("apache2: ", "heartmonitor: ")
    code, loaded = result.stdout.split(" ", 1)
    assert int(code) == real.returncode == 0
    assert "heartmonitor.modules.mod_ssl" in loaded.split()
    assert sorted(set(NOT_FOR_DEBIANS_CHECK) & set(loaded.split())) == []


def test_dash_t_parses_expressions_without_loading_the_evaluator(tmp_path):
    """A configuration with <If>, Require expr and SetEnvIfExpr loads the expression
    parser, never what evaluates expressions for requests."""
    conf = tmp_path / "httpd.conf"
    conf.write_text(
        f"ServerRoot {tmp_path}\nServerName localhost\nListen 127.0.0.1:8999\n"
        f"ErrorLog {tmp_path}/error_log\n"
        "LoadModule mpm_event_module modules/mod_mpm_event.so\n"
        "LoadModule authz_core_module modules/mod_authz_core.so\n"
        "LoadModule setenvif_module modules/mod_setenvif.so\n"
        "SetEnvIfExpr \"%{HTTP:X-A} == 'b'\" seen\n"
        "<If \"%{REMOTE_ADDR} -ipmatch '10.0.0.0/8'\">\n  Require expr \"-n reqenv('seen')\"\n"
        "</If>\n")
    result = subprocess.run([sys.executable, "-c", LOADED, "-t", "-f", str(conf)],
                            capture_output=True, text=True,
                            env=dict(os.environ, HEARTMONITOR_RUNDIR=str(tmp_path)))
    assert result.stderr == "Syntax OK\n"
    code, loaded = result.stdout.split(" ", 1)
    assert code == "0"
    assert "heartmonitor.expr.parser" in loaded.split()
    request_time = ("heartmonitor.expr.eval", "heartmonitor.http.dispatch",
                    "heartmonitor.http.request", "heartmonitor.http.server")
    assert sorted(set(request_time) & set(loaded.split())) == []
