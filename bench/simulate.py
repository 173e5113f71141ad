"""Benchmark: `heartmonitorctl simulate` with 10,000 servers into heartmonitor and apache2.

In a private network namespace (only `lo`) heartmonitor and Debian's apache2 with
mod_heartmonitor both join 239.0.0.1:27999 (file storage), so every datagram of one
fleet reaches both. `heartmonitorctl simulate` runs 10,000 backends (127.0.1.1 on, one
heartbeat a second each). Measured in one run:

1. Ingest, over a window of steady beating: each monitor's CPU (user+sys seconds per
   second of the window; apache2's whole process tree), RSS (apache2: the sum over its
   processes), and loss (servers missing from its hb.dat / 10,000); the simulator's CPU.
2. server-status at 10,000 fresh servers: size and latency (median, p99; one keep-alive
   connection, requests in sequence) of heartmonitor's `?metrics`, `?auto`, `?json`,
   beside apache2's own `server-status?auto`.
3. The same pages with 10,000 stale servers and 100 fresh ones (the fleet stops, its
   first 100 backends go on beating; 31 s later the rest are stale): the default view
   (fresh servers only) against `?all`.

    python bench/simulate.py [--servers 10000] [--seconds 20] [--requests 30]

Needs root (network namespace) and apache2. Machines are shared and noisy: compare the
ratios within one run.
"""

from __future__ import annotations

import os
import sys

# bench/ holds http.py: this directory must not shadow the standard library's http.
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[0] = ROOT

import argparse  # noqa: E402
import http.client  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import psutil  # noqa: E402

from tests.live import (  # noqa: E402
    PrivateNetwork,
    Server,
    apache2_config,
    apache2_server,
    heartmonitor_server,
    read,
    wait_for,
)

PORTS = {"heartmonitor": 8382, "apache2": 8381}
FIRST = "127.0.1.1"
STALE_AFTER = 31  # seconds: server-status counts a server fresh for 30 s
STATUS = ("<Location /server-status>\n    SetHandler server-status\n    Require local\n"
          "</Location>\n"
          "ExtendedStatus On\n")


def monitors(work: str, apache2: str) -> dict[str, Server]:
    ours_dir, real_dir = os.path.join(work, "heartmonitor"), os.path.join(work, "apache2")
    os.makedirs(ours_dir)
    os.makedirs(real_dir)
    conf = os.path.join(ours_dir, "httpd.conf")
    with open(conf, "w") as handle:
        handle.write(
            f"ServerName localhost\nErrorLog {ours_dir}/error_log\nPidFile {ours_dir}/pid\n"
            f"DefaultRuntimeDir {ours_dir}\nListen 127.0.0.1:{PORTS['heartmonitor']}\n"
            "LoadModule heartmonitor_module modules/mod_heartmonitor.so\n"
            "LoadModule status_module modules/mod_status.so\n"
            "LoadModule authz_core_module modules/mod_authz_core.so\n"
            "LoadModule authz_host_module modules/mod_authz_host.so\n"
            "LoadModule heartlab_module modules/mod_heartlab.so\n"
            "HeartbeatListen 239.0.0.1:27999\nHeartbeatListenInterface 127.0.0.1\n"
            f"HeartbeatMaxServers 0\nHeartbeatStorage {ours_dir}/hb.dat\n{STATUS}")
    real_conf = os.path.join(real_dir, "httpd.conf")
    with open(real_conf, "w") as handle:
        handle.write(apache2_config(real_dir, PORTS["apache2"], (
            "HeartbeatListen 239.0.0.1:27999\nHeartbeatMaxServers 0\n"
            f"HeartbeatStorage {real_dir}/hb.dat\n{STATUS}"),
            ["heartmonitor", "status", "authz_core", "authz_host"]))
    return {"heartmonitor": heartmonitor_server(conf, ours_dir),
            "apache2": apache2_server(apache2, real_conf, real_dir)}


def scenario(work: str, name: str, servers: int) -> str:
    path = os.path.join(work, f"{name}.toml")
    with open(path, "w") as handle:
        handle.write(f'[fleet]\nservers = {servers}\nfirst = "{FIRST}"\ninterval = 1\n'
                     'duration = 0\n[send]\ntransport = "multicast"\n'
                     'to = "239.0.0.1:27999"\ninterface = "127.0.0.1"\n'
                     "[load]\nready = 50\nbusy = 10\n")
    return path


def start_fleet(path: str, seconds: float) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "heartmonitor.ctl", "simulate", path,
                             "--duration", str(seconds)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def end_of_fleet(fleet: subprocess.Popen) -> tuple[float, str]:
    """Wait for the simulator to finish: (its CPU seconds, user+sys; its last line)."""
    _pid, _status, usage = os.wait4(fleet.pid, 0)
    fleet.returncode = 0
    output = fleet.stdout.read() if fleet.stdout else ""
    lines = output.strip().splitlines()
    return usage.ru_utime + usage.ru_stime, lines[-1] if lines else ""


def tree(pid: int) -> list[psutil.Process]:
    process = psutil.Process(pid)
    return [process, *process.children(recursive=True)]


def cpu_seconds(pid: int) -> float:
    total = 0.0
    for process in tree(pid):
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def rss_mib(pid: int) -> float:
    return sum(p.memory_info().rss for p in tree(pid)) / 2**20


def hb_servers(server: Server) -> set[str]:
    text = read(os.path.join(server.directory, "hb.dat"))
    return {line.split(" ", 1)[0] for line in text.splitlines() if " &ready=" in line}


def expected_ips(count: int) -> set[str]:
    base = int.from_bytes(bytes(int(part) for part in FIRST.split(".")), "big")
    return {".".join(str(b) for b in (base + n).to_bytes(4, "big")) for n in range(count)}


def fetch(port: int, path: str, requests: int) -> tuple[int, float, float]:
    """(body bytes, median ms, p99 ms) of `requests` GETs on one keep-alive connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    timings, size = [], 0
    try:
        for _ in range(requests):
            started = time.perf_counter()
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read()
            timings.append(time.perf_counter() - started)
            assert response.status == 200, (path, response.status)
            size = len(body)
    finally:
        connection.close()
    timings.sort()
    p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
    return size, statistics.median(timings) * 1000, p99 * 1000


def status_table(label: str, pages: list[tuple[str, int, str]], requests: int) -> None:
    print(f"\nserver-status, {label} ({requests} requests each, in sequence)")
    print(f"{'page':45} {'bytes':>11} {'median ms':>10} {'p99 ms':>8}")
    for name, port, path in pages:
        size, median, p99 = fetch(port, path, requests)
        print(f"{name:45} {size:>11,} {median:>10.1f} {p99:>8.1f}", flush=True)


def ingest(servers: dict[str, Server], count: int, seconds: float) -> dict[str, tuple]:
    """CPU per second, RSS and loss of each monitor over `seconds` of steady beating."""
    pids = {name: server.process.pid for name, server in servers.items()}
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    started = time.monotonic()
    time.sleep(seconds)
    elapsed = time.monotonic() - started
    used = {name: (cpu_seconds(pid) - before[name]) / elapsed for name, pid in pids.items()}
    time.sleep(6)  # a storage pass (every 5 s) after the window
    wanted = expected_ips(count)
    return {name: (used[name], rss_mib(pids[name]),
                   len(wanted - hb_servers(server)) / count)
            for name, server in servers.items()}


def ratio(ours: float, theirs: float) -> str:
    return f"{ours / theirs:.2f}" if theirs > 0 else "n/a (nothing measured)"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--servers", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=20.0, help="the ingest window")
    parser.add_argument("--requests", type=int, default=30, help="per server-status page")
    args = parser.parse_args()
    apache2 = shutil.which("apache2") or "/usr/sbin/apache2"
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 20_000)), hard))
    ours, real = PORTS["heartmonitor"], PORTS["apache2"]
    with tempfile.TemporaryDirectory() as work, PrivateNetwork():
        servers = monitors(work, apache2)
        for server in servers.values():
            server.start()
        try:
            # Long enough for the window and the scrapes; servers stay fresh for 30 s more.
            fleet_seconds = 10 + args.seconds + 6 + 30
            fleet = start_fleet(scenario(work, "fleet", args.servers), fleet_seconds)
            # Every server heard once by both before the window opens.
            assert wait_for(lambda: all(len(hb_servers(s)) >= args.servers * 0.9
                                        for s in servers.values()), timeout=30, interval=0.5)
            measured = ingest(servers, args.servers, args.seconds)
            status_table(f"{args.servers:,} fresh servers", [
                ("heartmonitor ?metrics", ours, "/server-status?metrics"),
                ("heartmonitor ?auto", ours, "/server-status?auto"),
                ("heartmonitor ?json", ours, "/server-status?json"),
                ("apache2 ?auto (mod_status: no heartbeat rows)", real,
                 "/server-status?auto"),
            ], args.requests)
            fleet_cpu, fleet_line = end_of_fleet(fleet)
            few = start_fleet(scenario(work, "few", 100), STALE_AFTER + 60)
            time.sleep(STALE_AFTER)
            status_table(f"{args.servers - 100:,} stale + 100 fresh servers", [
                ("heartmonitor ?metrics", ours, "/server-status?metrics"),
                ("heartmonitor ?metrics&all", ours, "/server-status?metrics&all"),
                ("heartmonitor ?auto", ours, "/server-status?auto"),
                ("heartmonitor ?auto&all", ours, "/server-status?auto&all"),
                ("heartmonitor ?json", ours, "/server-status?json"),
                ("heartmonitor ?json&all", ours, "/server-status?json&all"),
                ("apache2 ?auto", real, "/server-status?auto"),
            ], args.requests)
            few.terminate()
            few.wait()
        finally:
            for server in servers.values():
                server.stop()
    print(f"\ningest: {args.servers:,} servers, one heartbeat a second each, "
          f"{args.seconds:g} s window")
    print(f"{'monitor':14} {'CPU s/s':>8} {'RSS MiB':>8} {'loss':>8}")
    for name, (cpu, rss, loss) in measured.items():
        print(f"{name:14} {cpu:>8.3f} {rss:>8.1f} {100 * loss:>7.2f}%")
    simulator = fleet_cpu / fleet_seconds
    print(f"{'simulator':14} {simulator:>8.3f}   ({fleet_line})")
    ours_m, real_m = measured["heartmonitor"], measured["apache2"]
    print("(apache2: its processes together; CPU s/s is CPU seconds per second of the window)")
    print(f"ratios heartmonitor/apache2: CPU {ratio(ours_m[0], real_m[0])}, "
          f"RSS {ratio(ours_m[1], real_m[1])}; "
          f"simulator/heartmonitor CPU {ratio(simulator, ours_m[0])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
