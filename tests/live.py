"""Running servers for tests: a private network namespace, heartmonitor, a real apache2.

Every test that sends a packet does it inside a network namespace of its own that has
only `lo` (multicast on, 224.0.0.0/4 routed to it), so nothing leaves the machine. The
test process enters it with unshare(CLONE_NEWNET) and returns with setns(); servers
started meanwhile live in it.
"""

from __future__ import annotations

import ctypes
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

from tests.helpers import ROOT, write

CLONE_NEWNET = 0x40000000
GROUP = "239.0.0.1"
_libc = ctypes.CDLL(None, use_errno=True)


def _fail_or_skip(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


class PrivateNetwork:
    """A network namespace with only loopback, entered by this thread."""

    def __enter__(self) -> PrivateNetwork:
        if shutil.which("ip") is None:
            _fail_or_skip("the ip command (iproute2) is needed for network tests")
        self.original = os.open("/proc/self/ns/net", os.O_RDONLY)
        if _libc.unshare(CLONE_NEWNET) != 0:
            os.close(self.original)
            _fail_or_skip("cannot create a network namespace (needs root): "
                          + os.strerror(ctypes.get_errno()))
        for command in (["ip", "link", "set", "lo", "up", "multicast", "on"],
                        ["ip", "route", "add", "224.0.0.0/4", "dev", "lo", "src", "127.0.0.1"]):
            subprocess.run(command, check=True, capture_output=True)
        return self

    def __exit__(self, *exc) -> None:
        _libc.setns(self.original, CLONE_NEWNET)
        os.close(self.original)


def send(payload: bytes, source: str = "127.0.0.1", group: str = GROUP, port: int = 27999):
    """One datagram from `source` (any 127.x.y.z is local) to the group."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("127.0.0.1"))
        sock.bind((source, 0))
        sock.sendto(payload, (group, port))
    finally:
        sock.close()


def wait_for(predicate, timeout: float = 10.0, interval: float = 0.05):
    """Poll until predicate() is truthy; its last value (falsy after the timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def read(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as handle:
            return handle.read()
    except OSError:
        return ""


def slot_ips(run_dir: str) -> list[str]:
    """The IPs in mod_heartmonitor's slotmem of this runtime directory ([] before it exists)."""
    from heartmonitor.modules.cluster.slotmem import Slotmem, unpack_slot

    filename = os.path.join(run_dir, "slotmem-shm-mod_heartmonitor_0.shm")
    try:
        table = Slotmem.attach(filename)
    except OSError:
        return []
    try:
        return [unpack_slot(data)[0] for _index, data in table.doall()]
    finally:
        table.close()


def converse(port: int, data: bytes, timeout: float = 10.0) -> bytes:
    """Everything the server at 127.0.0.1:port answers to the raw bytes `data`, up to its
    closing the connection (the client does not half-close)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def request(port: int, method: str = "GET", path: str = "/", body: bytes | None = None,
            headers: dict | None = None, host: str = "127.0.0.1", timeout: float = 10.0):
    """(status, headers as a list, body) of one request."""
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        chunked = (headers or {}).get("Transfer-Encoding") == "chunked"
        connection.request(method, path, body=body, headers=headers or {},
                           encode_chunked=chunked)
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


class Server:
    """A foreground server process (heartmonitor or apache2) with its own directory."""

    def __init__(self, command: list[str], directory: str, ready_log: str | None = None):
        self.command = command
        self.directory = directory
        self.error_log = os.path.join(directory, "error_log")
        self.ready_log = ready_log
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 15.0) -> Server:
        env = dict(os.environ)
        env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
        offset = len(read(self.error_log))  # a log of an earlier run may be there already
        self.process = subprocess.Popen(self.command, cwd=self.directory, env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if self.ready_log and not wait_for(
                lambda: self.ready_log in read(self.error_log)[offset:]
                or self.process.poll() is not None, timeout):
            self.stop()
            raise AssertionError(f"not ready: {read(self.error_log)}")
        if self.process.poll() is not None:
            out, err = self.process.communicate()
            raise AssertionError(f"exited {self.process.returncode}: {err.decode()}"
                                 f"{read(self.error_log)}")
        return self

    def signal(self, sig: int) -> None:
        self.process.send_signal(sig)

    def stop(self, timeout: float = 10.0) -> tuple[int, str, str]:
        if self.process is None:
            return 0, "", ""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            out, err = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, err = self.process.communicate()
        return self.process.returncode, out.decode(errors="replace"), err.decode(errors="replace")

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def heartmonitor_server(conf: str, directory: str, *args: str) -> Server:
    return Server([sys.executable, "-m", "heartmonitor", "-f", conf, "-DFOREGROUND", *args],
                  directory, ready_log="AH00489")


def apache2_server(apache2: str, conf: str, directory: str) -> Server:
    return Server([apache2, "-f", conf, "-DFOREGROUND"], directory, ready_log="AH00489")


APACHE_MODULES = "/usr/lib/apache2/modules"


def apache2_config(directory: str, port: int, body: str, modules: list[str]) -> str:
    """A self-contained apache2 configuration living in `directory`."""
    loads = "".join(f"LoadModule {m}_module {APACHE_MODULES}/mod_{m}.so\n" for m in modules)
    return (f"ServerRoot {directory}\nServerName localhost\nPidFile {directory}/httpd.pid\n"
            f"ErrorLog {directory}/error_log\nDefaultRuntimeDir {directory}\n"
            f"Listen 127.0.0.1:{port}\n"
            f"LoadModule mpm_event_module {APACHE_MODULES}/mod_mpm_event.so\n{loads}{body}")


def apache2_and_heartmonitor(apache2: str, tmp_path, ports: tuple[int, int], body,
                             modules: list[str]) -> tuple[Server, Server]:
    """apache2 and heartmonitor on one configuration, each in a directory of its own under
    tmp_path ("real", "ours"); body(directory, port) is the text after the LoadModules."""
    servers = []
    for name, port in zip(("real", "ours"), ports, strict=True):
        directory = str(tmp_path / name)
        os.mkdir(directory)
        conf = apache2_config(directory, port, body(directory, port), modules)
        if name == "ours":
            conf = conf.replace(f"{APACHE_MODULES}/", "modules/")
        path = write(os.path.join(directory, "httpd.conf"), conf)
        servers.append(apache2_server(apache2, path, directory) if name == "real"
                       else heartmonitor_server(path, directory))
    return servers[0], servers[1]
