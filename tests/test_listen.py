"""`Listen 80` when the dual-stack [::]:80 socket cannot be bound, compared with apache2.

httpd resolves a port alone to [::] and 0.0.0.0 and binds [::] first; when that fails
and 0.0.0.0 on the same port comes next, make_sock's AH00072 is only a warning and the
server listens on IPv4. Each program runs in the test's private network namespace, where
an IPv6-only socket of the test holds [::]:80.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from tests.conftest import need_apache2
from tests.helpers import ROOT
from tests.live import Server, apache2_server, heartmonitor_server

AH00072 = "(98)Address already in use: AH00072: make_sock: could not bind to address [::]:80\n"


def _config(directory: str) -> str:
    documents = os.path.join(directory, "htdocs")
    os.makedirs(documents, exist_ok=True)
    path = os.path.join(directory, "httpd.conf")
    with open(path, "w") as handle:
        handle.write(
            f"ServerRoot {directory}\nServerName localhost\nPidFile {directory}/httpd.pid\n"
            f"ErrorLog {directory}/error_log\nDefaultRuntimeDir {directory}\n"
            f"DocumentRoot {documents}\n"
            "LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so\n"
            "Listen 80\n")
    return path


def _ipv6_only_holder() -> socket.socket:
    holder = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    holder.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    holder.bind(("::", 80))
    holder.listen(1)
    return holder


def _run(server: Server) -> tuple[bool, str]:
    """Start, connect to 127.0.0.1:80, stop: (connected, standard error)."""
    with server:
        with socket.create_connection(("127.0.0.1", 80), timeout=5):
            connected = True
    _code, _out, err = server.stop()
    return connected, err


def test_listen_80_falls_back_to_ipv4_with_ah00072_as_apache2(network, tmp_path):
    apache2 = need_apache2()
    holder = _ipv6_only_holder()
    try:
        answers = {}
        for name, start in (("apache2", lambda conf, d: apache2_server(apache2, conf, d)),
                            ("heartmonitor", heartmonitor_server)):
            directory = str(tmp_path / name)
            os.makedirs(directory)
            answers[name] = _run(start(_config(directory), directory))
    finally:
        holder.close()
    assert answers["apache2"] == (True, AH00072)
    assert answers["heartmonitor"] == answers["apache2"]


def test_a_start_that_cannot_bind_fails_as_apache2_and_leaves_no_error_log(network, tmp_path):
    """The MPM opens its listeners before core opens the error log: AH00072 and AH00015 on
    the console, exit 1, and no error_log file created."""
    apache2 = need_apache2()
    holder = socket.create_server(("127.0.0.1", 80))
    answers = {}
    try:
        for name, program in (("apache2", [apache2]),
                              ("heartmonitor", [sys.executable, "-m", "heartmonitor"])):
            directory = str(tmp_path / name)
            os.makedirs(directory)
            conf = _config(directory)
            with open(conf, "r+") as handle:
                text = handle.read().replace("Listen 80\n", "Listen 127.0.0.1:80\n")
                handle.seek(0)
                handle.write(text)
                handle.truncate()
            done = subprocess.run([*program, "-f", conf, "-k", "start"], capture_output=True,
                                  text=True, timeout=30, cwd=ROOT,
                                  env={**os.environ, "PYTHONPATH": ROOT})
            answers[name] = (done.returncode, done.stdout, done.stderr,
                             sorted(os.listdir(directory)))
    finally:
        holder.close()
    assert answers["apache2"] == (
        1, "", "(98)Address already in use: AH00072: make_sock: could not bind to address "
               "127.0.0.1:80\nno listening sockets available, shutting down\n"
               "AH00015: Unable to open logs\n", ["htdocs", "httpd.conf"])
    assert answers["heartmonitor"] == answers["apache2"]
