"""Sharing benchmark: a fleet heard by three monitors sharing through etcd, beside the
same fleet heard by one monitor alone (not part of the test suite).

Inside a private network namespace: one etcd on loopback, three heartmonitors (file
storage, HeartbeatShare, the default 5 s storage pass and 30 s expiry) each listening on
its own group, and a sender beating once a second for `--servers` sources split over the
three groups. It measures the time until every monitor's hb.dat lists the whole fleet,
then over `--seconds` of steady state: etcd puts a second (etcd's own counter), each
monitor's CPU (per cent of one core) and RSS. Then the same fleet beats to one monitor
without sharing, measured the same way.

    python bench/share.py [--servers 10000] [--seconds 20]

Needs root (network namespace) and etcd. Machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# bench/http.py must not stand in for the standard library's http package.
sys.path[:] = [ROOT] + [p for p in sys.path if os.path.abspath(p or ".") != HERE]

import psutil  # noqa: E402

from tests.helpers import write  # noqa: E402
from tests.live import PrivateNetwork, heartmonitor_server, read, request  # noqa: E402
from tests.test_monitor import monitor_conf  # noqa: E402
from tests.test_share import ETCD_PORT, Etcd  # noqa: E402

SENDER = r"""
import socket, struct, sys, time
sys.path.insert(0, sys.argv[3])
from heartmonitor.modules.cluster.sender import send_from
servers, groups = int(sys.argv[1]), int(sys.argv[2])
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("127.0.0.1"))
sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 8 << 20)
base = struct.unpack("!I", socket.inet_aton("127.16.0.1"))[0]
sources = [socket.inet_ntoa(struct.pack("!I", base + i)) for i in range(servers)]
payload = b"v=1&ready=10&busy=1&port=8080"
while True:
    started = time.monotonic()
    for i, source in enumerate(sources):
        group = i % groups + 1
        while True:
            try:
                send_from(sock, payload, source, (f"239.0.0.{group}", 27990 + group))
                break
            except BlockingIOError:
                time.sleep(0.001)
    time.sleep(max(0.0, 1.0 - (time.monotonic() - started)))
"""


def lines(path: str) -> int:
    return read(path).count("\n")


def etcd_puts() -> float:
    _status, _headers, body = request(ETCD_PORT, "GET", "/metrics")
    match = re.search(rb"^etcd_mvcc_put_total (\S+)$", body, re.M)
    return float(match.group(1)) if match else float("nan")


def run(work: str, servers: int, seconds: float, monitors: int, share: bool) -> dict:
    directories = []
    for number in range(1, monitors + 1):
        directory = os.path.join(work, f"{'share' if share else 'alone'}{number}")
        os.makedirs(directory)
        extra = (f"HeartbeatShare etcd://127.0.0.1:{ETCD_PORT}/heartmonitor/bench m{number}\n"
                 if share else "")
        conf = monitor_conf(directory, extra, port=8090 + number)
        write(conf, read(conf).replace("HeartbeatListen 239.0.0.1:27999",
                                       f"HeartbeatListen 239.0.0.{number}:2799{number}"))
        directories.append((conf, directory))
    running = [heartmonitor_server(conf, directory).start() for conf, directory in directories]
    hbs = [os.path.join(directory, "hb.dat") for _conf, directory in directories]
    sender = subprocess.Popen([sys.executable, "-c", SENDER, str(servers), str(monitors), ROOT])
    started = time.monotonic()
    try:
        while not all(lines(hb) >= servers for hb in hbs):
            if time.monotonic() - started > 120:
                raise SystemExit(f"not converged: {[lines(hb) for hb in hbs]} lines")
            time.sleep(0.1)
        converged = time.monotonic() - started
        processes = [psutil.Process(server.process.pid) for server in running]
        cpu_before = [sum(p.cpu_times()[:2]) for p in processes]
        puts_before = etcd_puts() if share else 0.0
        time.sleep(seconds)
        cpu = [100 * (sum(p.cpu_times()[:2]) - before) / seconds
               for p, before in zip(processes, cpu_before, strict=True)]
        puts = (etcd_puts() - puts_before) / seconds if share else 0.0
        rss = [p.memory_info().rss / 2**20 for p in processes]
        listed = [lines(hb) for hb in hbs]
    finally:
        sender.kill()
        sender.wait()
        for server in running:
            server.stop()
    for _conf, directory in directories:
        log = read(os.path.join(directory, "error_log"))
        assert "Traceback" not in log, log
    return {"converged": converged, "cpu": cpu, "rss": rss, "puts": puts, "listed": listed}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=20.0)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as work, PrivateNetwork():
        etcd = Etcd(os.path.join(work, "etcd")).start()
        try:
            shared = run(work, options.servers, options.seconds, 3, share=True)
        finally:
            etcd.kill()
        alone = run(work, options.servers, options.seconds, 1, share=False)
    print(f"{options.servers} servers, steady state measured over {options.seconds:.0f} s")
    print(f"{'':34} {'3 monitors + etcd':>20} {'1 monitor alone':>18}")
    print(f"{'every hb.dat lists the fleet after':34} {shared['converged']:>18.1f} s "
          f"{alone['converged']:>16.1f} s")
    print(f"{'servers listed per hb.dat':34} "
          f"{'/'.join(str(n) for n in shared['listed']):>20} {alone['listed'][0]:>18}")
    print(f"{'etcd puts a second (all monitors)':34} {shared['puts']:>20.2f} {'-':>18}")
    print(f"{'CPU per monitor, % of a core':34} "
          f"{'/'.join(f'{c:.1f}' for c in shared['cpu']):>20} {alone['cpu'][0]:>18.1f}")
    print(f"{'RSS per monitor, MiB':34} "
          f"{'/'.join(f'{r:.0f}' for r in shared['rss']):>20} {alone['rss'][0]:>18.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
