"""Soak benchmark: 300,000 churning sources, server-status scraped every second, SIGHUP
every 10 s, for 10 minutes (not part of the test suite).

Inside a private network namespace heartmonitor listens on 239.0.0.1:27999 with file
storage. A sender process beats for `--sources` addresses (127.16.0.1 ...) round robin at
`--rate` datagrams a second; every 10 s it retires the oldest 10,000 sources and brings
in 10,000 new ones, so servers go stale and appear all the time. Meanwhile:

- a probe (a process of its own) asks for a missing page every 10 ms on a keep-alive
  connection: its longest round trip (less the quietest) is the longest time a request
  waited, the event loop's turns and the machine's other load together; the five longest
  are printed with the time since the last restart;
- a scraper fetches /server-status?auto, ?json and ?metrics in turn, one a second;
- SIGHUP (a restart) is sent every 10 s.

A source not heard for FORGET seconds leaves the table (HeartbeatForget), so RSS follows
the live table. The server runs under bench/loop_turns.py with its stall watcher on: the
longest turns of its loop are printed with where its main thread was meanwhile.

At the end it prints the longest stall and p99, datagram loss (what the kernel dropped
at the monitor's socket over what was sent), RSS over time, scrape times and sizes, and
the error lines of the error log and of stderr.

    python bench/soak.py [--seconds 600] [--sources 300000] [--rate 25000]
                         [--hup-every 10] [--scrape-every 1] [--graceful] [--keep DIR]

(--hup-every 0 or --scrape-every 0 leave restarts or scrapes out, to see what costs what.)

Needs root (network namespace). Machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# bench/http.py must not stand in for the standard library's http package.
sys.path[:] = [ROOT] + [p for p in sys.path if os.path.abspath(p or ".") != HERE]

import http.client  # noqa: E402

from bench.loop_turns import cpu_stalls, stall_report  # noqa: E402
from tests.live import PrivateNetwork, read, wait_for  # noqa: E402

PORT = 8096
GROUP_HEX = "010000EF:6D5F"  # 239.0.0.1:27999 as /proc/net/udp writes it
CHURN_EVERY = 10.0
CHURN = 10_000
# Retired sources leave the table a minute after their last heartbeat: the table holds
# the live sources and the last minute's retired ones, however many have passed through.
FORGET = 60
SENDER = r"""
import socket, struct, sys, time
sources, rate, seconds = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
churn_every, churn = float(sys.argv[4]), int(sys.argv[5])
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("127.0.0.1"))
sock.setblocking(False)
base = struct.unpack("!I", socket.inet_aton("127.16.0.1"))[0]
group = ("239.0.0.1", 27999)
start = time.monotonic()
sent = blocked = 0
first = 0  # the oldest active source; the active ones are first .. first + sources - 1
turn = 0
while True:
    now = time.monotonic()
    if now - start >= seconds:
        break
    first = int((now - start) // churn_every) * churn
    due = int((now - start) * rate)
    while sent < due:
        index = first + turn % sources
        turn += 1
        info = struct.pack("I4s4s", 0, struct.pack("!I", base + index), b"\0\0\0\0")
        payload = b"v=1&ready=%d&busy=%d" % (turn % 50, turn % 7)
        try:
            sock.sendmsg([payload], [(socket.IPPROTO_IP, 8, info)], 0, group)
            sent += 1
        except BlockingIOError:
            blocked += 1
            break
    time.sleep(0.002)
print(sent, blocked, flush=True)
"""


def drops() -> int:
    """Datagrams the kernel dropped so far at the monitor's group socket."""
    total = 0
    with open("/proc/net/udp") as handle:
        for line in handle.readlines()[1:]:
            fields = line.split()
            if fields[1] == GROUP_HEX:
                total += int(fields[-1])
    return total


def config(directory: str) -> str:
    path = os.path.join(directory, "httpd.conf")
    with open(path, "w") as handle:
        handle.write(
            f"ServerRoot {ROOT}\nServerName localhost\nPidFile {directory}/httpd.pid\n"
            f"ErrorLog {directory}/error_log\nDefaultRuntimeDir {directory}\nLogLevel warn\n"
            f"Listen 127.0.0.1:{PORT}\n"
            "LoadModule heartmonitor_module modules/mod_heartmonitor.so\n"
            "LoadModule status_module modules/mod_status.so\n"
            "LoadModule heartlab_module modules/mod_heartlab.so\n"
            "HeartbeatListen 239.0.0.1:27999\nHeartbeatMaxServers 0\n"
            f"HeartbeatForget {FORGET}\n"
            f"HeartbeatStorage {directory}/hb.dat\n"
            "<Location /server-status>\n    SetHandler server-status\n</Location>\n")
    return path


# The probe runs in a process of its own: in this one the scraper's thread, reading pages
# of 60 MB through http.client, would hold the GIL while a probe's answer waits.
PROBE = """
import http.client, sys, time
port, seconds = int(sys.argv[1]), float(sys.argv[2])
connection, failures, end = None, 0, time.monotonic() + seconds
trips = []  # printed at the end: a full pipe would stop the probe
while time.monotonic() < end:
    try:
        if connection is None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.connect()
        started = time.perf_counter()
        connection.request("GET", "/missing")
        connection.getresponse().read()
        trips.append((time.time(), time.perf_counter() - started))
    except (OSError, http.client.HTTPException):
        failures += 1
        if connection is not None:
            connection.close()
        connection = None
    time.sleep(0.01)
print("\\n".join(f"{when:.4f} {trip:.6f}" for when, trip in trips))
print(f"failures {failures}")
"""


class Probe:
    """A missing page every 10 ms from a process of its own; each round trip recorded
    with its time (a new connection after a restart closed the old one: connecting is
    not counted)."""

    def __init__(self, seconds: float) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", PROBE, str(PORT), str(seconds)],
                                        stdout=subprocess.PIPE, text=True)
        self.samples: list[float] = []
        self.times: list[tuple[float, float]] = []  # (when, round trip)
        self.failures = 0

    def join(self, timeout: float) -> None:
        out = self.process.communicate(timeout=timeout)[0]
        for line in filter(None, out.splitlines()):
            first, second = line.split()
            if first == "failures":
                self.failures = int(second)
            else:
                self.times.append((float(first), float(second)))
                self.samples.append(float(second))


class Scraper(threading.Thread):
    """server-status?auto, ?json, ?metrics in turn, one a second: (path, seconds, bytes)."""

    def __init__(self, every: float) -> None:
        super().__init__(daemon=True)
        self.every = every
        self.scrapes: list[tuple[str, float, int]] = []
        self.failures = 0
        self.running = True

    def run(self) -> None:
        paths = ("/server-status?auto", "/server-status?json", "/server-status?metrics")
        turn = 0
        while self.running:
            path = paths[turn % 3]
            turn += 1
            started = time.perf_counter()
            try:
                connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
                connection.request("GET", path)
                size = len(connection.getresponse().read())
                connection.close()
                self.scrapes.append((path, time.perf_counter() - started, size))
            except (OSError, http.client.HTTPException):
                self.failures += 1
            time.sleep(max(0.0, self.every - (time.perf_counter() - started)))


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--sources", type=int, default=300_000)
    parser.add_argument("--rate", type=float, default=25_000.0)
    parser.add_argument("--hup-every", type=float, default=10.0)
    parser.add_argument("--scrape-every", type=float, default=1.0)
    parser.add_argument("--graceful", action="store_true",
                        help="SIGUSR1 (graceful restart: pages in flight finish), not SIGHUP")
    parser.add_argument("--keep", metavar="DIRECTORY",
                        help="copy the stall watcher's file, the loop's turns and the error "
                             "log there")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory, PrivateNetwork():
        conf = config(directory)
        turns = os.path.join(directory, "turns")
        stalls = os.path.join(directory, "stalls")
        process = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "loop_turns.py"), "-f", conf, "-DFOREGROUND"],
            cwd=directory, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            env=dict(os.environ, HEARTMONITOR_TURNS_OUT=turns, HEARTMONITOR_STALLS_OUT=stalls))
        log = os.path.join(directory, "error_log")
        if not wait_for(lambda: "AH00489" in read(log) or process.poll() is not None, 60):
            raise SystemExit(f"not ready: {read(log)}")
        dropped_before = drops()
        sender = subprocess.Popen(
            [sys.executable, "-c", SENDER, str(args.sources), str(args.rate),
             str(args.seconds), str(CHURN_EVERY), str(CHURN)],
            stdout=subprocess.PIPE, text=True)
        probe, scraper = Probe(args.seconds), Scraper(args.scrape_every)
        if args.scrape_every:
            scraper.start()
        started = time.monotonic()
        rss: list[tuple[int, float, int]] = []
        hups = 0
        hup_times: list[float] = []
        next_hup = started + args.hup_every if args.hup_every else float("inf")
        while time.monotonic() - started < args.seconds and process.poll() is None:
            time.sleep(1)
            elapsed = time.monotonic() - started
            if time.monotonic() >= next_hup:
                process.send_signal(signal.SIGUSR1 if args.graceful else signal.SIGHUP)
                hup_times.append(time.time())
                hups += 1
                next_hup += args.hup_every
            if int(elapsed) % 10 == 0 or not rss:
                lines = read(os.path.join(directory, "hb.dat")).count("\n")
                rss.append((int(elapsed), rss_mb(process.pid), lines))
        sent_text = sender.communicate(timeout=60)[0].split()
        scraper.running = False
        probe.join(60)
        if scraper.is_alive():
            scraper.join(90)
        lost = drops() - dropped_before
        alive = process.poll() is None
        process.terminate()
        try:
            _out, err = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            _out, err = process.communicate()
        if args.keep:
            os.makedirs(args.keep, exist_ok=True)
            for kept in (turns, stalls, log):
                shutil.copy(kept, args.keep)
        cpu_longest, cpu_p99 = cpu_stalls(turns, started, started + args.seconds)
        samples = sorted(probe.samples)
        base = samples[0] if samples else 0.0
        sent = int(sent_text[0]) if sent_text else 0
        print(f"{args.seconds:.0f} s, {args.sources:,} sources at {args.rate:,.0f}/s "
              f"(churning {CHURN:,} every {CHURN_EVERY:.0f} s), {hups} "
              f"{'SIGUSR1' if args.graceful else 'SIGHUP'}s; "
              f"monitor {'alive' if alive else 'DEAD'} at the end")
        if samples:
            print(f"longest event-loop stall {(samples[-1] - base) * 1000:.1f} ms, "
                  f"p99 {(samples[int(len(samples) * 0.99)] - base) * 1000:.1f} ms "
                  f"({len(samples)} probes, {probe.failures} failed: restarts close "
                  "connections)")
            for when, trip in sorted(probe.times, key=lambda t: -t[1])[:5]:
                since = [when - hup for hup in hup_times if hup <= when]
                after = f"{since[-1]:.2f} s after a restart" if since else "before any restart"
                print(f"    probe of {(trip - base) * 1000:.1f} ms, {after}")
        print(f"longest turn of the server's loop in its own CPU time {cpu_longest:.1f} ms, "
              f"p99 {cpu_p99:.1f} ms (bench/loop_turns.py: the machine's other load left "
              "out)")
        for line in stall_report(stalls, started, started + args.seconds):
            print(f"    {line}")
        print(f"datagrams sent {sent:,}, dropped at the socket {lost:,} "
              f"({100 * lost / max(sent, 1):.3f}%)")
        for path in ("/server-status?auto", "/server-status?json", "/server-status?metrics"):
            times = [t for p, t, _s in scraper.scrapes if p == path]
            sizes = [s for p, _t, s in scraper.scrapes if p == path]
            if times:
                print(f"{path:<24} {len(times):>4} scrapes, longest {max(times):.2f} s, "
                      f"up to {max(sizes) / 1e6:.1f} MB")
        print(f"scrapes failed: {scraper.failures}")
        print("RSS over time (s, MB, hb.dat lines): "
              + ", ".join(f"{t}:{m:.0f}:{n}" for t, m, n in rss))
        errors = [line for line in read(log).splitlines()
                  if any(level in line for level in (":error]", ":crit]", ":alert]",
                                                     ":emerg]"))]
        stderr_lines = [line for line in err.decode(errors="replace").splitlines() if line]
        print(f"error lines: {len(errors)} in error_log, {len(stderr_lines)} on stderr")
        for line in (errors + stderr_lines)[:10]:
            print(f"    {line}")


if __name__ == "__main__":
    main()
