"""Benchmark: heartbeat ingest, the share of datagrams lost at fixed offered rates.

Inside a private network namespace (only `lo`), bench/heartbeat-blast.c (compiled here)
sends `v=1&ready=5&busy=2` to 239.0.0.1:27999 from 100 and from 10,000 source addresses
(127.0.0.2 ...) at fixed rates. Three receivers are measured one after the other, in one
run: heartmonitor (file storage, so it writes hb.dat every 5 s meanwhile), Debian's
apache2 with mod_heartmonitor, and a bare Python recvfrom loop. Loss is what the kernel
dropped at the receiving socket (last column of /proc/net/udp) over what was sent.
A last phase fills heartmonitor with 100,000 servers and reports its RSS.

    python bench/ingest.py [--seconds 3] [--rates 25000,50000,100000,150000,200000]

Needs root (network namespace), gcc and apache2. Machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

from tests.live import (  # noqa: E402
    PrivateNetwork,
    Server,
    apache2_config,
    apache2_server,
    heartmonitor_server,
    read,
    wait_for,
)

GROUP_HEX = "010000EF:6D5F"  # 239.0.0.1:27999 as /proc/net/udp writes it
BARE_LOOP = """
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("239.0.0.1", 27999))
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
             struct.pack("4s4s", socket.inet_aton("239.0.0.1"), socket.inet_aton("127.0.0.1")))
open(sys.argv[1], "w").write("AH00489 ready\\n")
recv = s.recvfrom
while True:
    recv(1000)
"""


def drops() -> int | None:
    """Datagrams dropped so far by the socket bound to the group (None: no socket)."""
    total = None
    with open("/proc/net/udp") as handle:
        for line in handle.readlines()[1:]:
            fields = line.split()
            if fields[1] == GROUP_HEX:
                total = (total or 0) + int(fields[-1])
    return total


def blast(binary: str, count: int, sources: int, rate: int) -> float:
    """Send and return the achieved rate."""
    started = time.perf_counter()
    out = subprocess.run([binary, str(count), str(sources), str(rate)], capture_output=True,
                         text=True, check=True).stdout
    elapsed = time.perf_counter() - started
    return count / elapsed if "sent" in out else 0.0


def receivers(work: str, apache2: str):
    """(name, a Server ready to start) for each receiver."""
    ours_dir = os.path.join(work, "heartmonitor")
    os.makedirs(ours_dir)
    conf = os.path.join(ours_dir, "httpd.conf")
    with open(conf, "w") as handle:
        handle.write(
            f"ServerName localhost\nErrorLog {ours_dir}/error_log\nPidFile {ours_dir}/pid\n"
            f"DefaultRuntimeDir {ours_dir}\n"
            "LoadModule heartmonitor_module modules/mod_heartmonitor.so\n"
            "LoadModule heartlab_module modules/mod_heartlab.so\n"
            "HeartbeatListen 239.0.0.1:27999\nHeartbeatListenInterface 127.0.0.1\n"
            f"HeartbeatMaxServers 0\nHeartbeatStorage {ours_dir}/hb.dat\n")
    yield "heartmonitor", heartmonitor_server(conf, ours_dir)
    real_dir = os.path.join(work, "httpd")
    os.makedirs(real_dir)
    real_conf = os.path.join(real_dir, "httpd.conf")
    with open(real_conf, "w") as handle:
        handle.write(apache2_config(real_dir, 8099, (
            "HeartbeatListen 239.0.0.1:27999\nHeartbeatMaxServers 0\n"
            f"HeartbeatStorage {real_dir}/hb.dat\n"), ["heartmonitor"]))
    yield "httpd", apache2_server(apache2, real_conf, real_dir)
    bare_dir = os.path.join(work, "bare")
    os.makedirs(bare_dir)
    bare = Server([sys.executable, "-c", BARE_LOOP, os.path.join(bare_dir, "error_log")],
                  bare_dir, ready_log="AH00489")
    yield "bare python", bare


def measure(name: str, server: Server, binary: str, rates: list[int], seconds: float,
            results: dict) -> None:
    server.start()
    try:
        assert wait_for(lambda: drops() is not None, 10), f"{name}: no socket on the group"
        time.sleep(0.5)
        for sources in (100, 10_000):
            for rate in rates:
                before = drops()
                count = int(rate * seconds)
                achieved = blast(binary, count, sources, rate)
                time.sleep(0.3)
                lost = drops() - before
                results[(name, sources, rate)] = (lost / count, achieved)
                print(f"{name:<13}{sources:>8}{rate:>9}{achieved:>11.0f}{lost:>9}"
                      f"{100 * lost / count:>9.3f}%", flush=True)
    finally:
        server.stop()


def fill_with_servers(count: int, work: str) -> float:
    """heartmonitor's RSS in MB once it knows `count` servers."""
    import psutil

    directory = os.path.join(work, "heartmonitor")
    server = heartmonitor_server(os.path.join(directory, "httpd.conf"), directory).start()
    try:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("127.0.0.1"))
        base = struct.unpack("!I", socket.inet_aton("127.16.0.1"))[0]
        for index in range(count):
            source = socket.inet_aton(socket.inet_ntoa(struct.pack("!I", base + index)))
            info = struct.pack("I4s4s", 0, source, b"\0" * 4)
            while True:
                try:
                    sock.sendmsg([b"v=1&ready=5&busy=2"], [(socket.IPPROTO_IP, 8, info)], 0,
                                 ("239.0.0.1", 27999))
                    break
                except BlockingIOError:
                    time.sleep(0.001)
            if index % 2000 == 1999:
                time.sleep(0.01)  # let the receiver keep up: this phase counts servers
        hb = os.path.join(directory, "hb.dat")
        wait_for(lambda: read(hb).count("\n") >= count * 0.99, timeout=30, interval=0.5)
        known = read(hb).count("\n")
        rss = psutil.Process(server.process.pid).memory_info().rss / 2**20
        print(f"heartmonitor with {known:,} servers in hb.dat: RSS {rss:.1f} MB")
        return rss
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rates", default="25000,50000,100000,150000,200000")
    args = parser.parse_args()
    rates = [int(r) for r in args.rates.split(",")]
    apache2 = shutil.which("apache2") or "/usr/sbin/apache2"
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 20_000)), hard))
    results: dict = {}
    with tempfile.TemporaryDirectory() as work, PrivateNetwork():
        binary = os.path.join(work, "heartbeat-blast")
        subprocess.run(["gcc", "-O2", "-o", binary, os.path.join(HERE, "heartbeat-blast.c")],
                       check=True)
        print(f"{'receiver':<13}{'sources':>8}{'offered':>9}{'achieved':>11}{'lost':>9}"
              f"{'loss':>10}")
        for name, server in receivers(work, apache2):
            measure(name, server, binary, rates, args.seconds, results)
        rss = fill_with_servers(100_000, work)
    print()
    best = {}
    for name in ("heartmonitor", "httpd", "bare python"):
        free = [rate for rate in rates
                if all(results[(name, s, rate)][0] == 0 for s in (100, 10_000))]
        best[name] = max(free) if free else 0
        print(f"{name:<13} highest loss-free offered rate (both source counts): {best[name]:,}/s")
    if best["bare python"]:
        print(f"heartmonitor / bare python loss-free rate: "
              f"{best['heartmonitor'] / best['bare python']:.2f}")
    for rate in rates:
        ours = max(results[("heartmonitor", s, rate)][0] for s in (100, 10_000))
        real = max(results[("httpd", s, rate)][0] for s in (100, 10_000))
        print(f"at {rate:>7,}/s worst loss: heartmonitor {100 * ours:.3f}%, "
              f"httpd {100 * real:.3f}%")
    print(f"RSS with 100,000 servers: {rss:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
