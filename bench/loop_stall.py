"""Benchmark: the longest event-loop stall of a running heartmonitor with a large table.

Inside a private network namespace, heartmonitor starts on an hb.dat of N servers (all
fresh: restored at start-up), so its periodic storage pass (write and sweep, every 5 s)
works on the whole table. A probe on a keep-alive connection asks for a missing page every
5 ms; each answer's round trip, less the quietest one, is how long the event loop kept
that request waiting; the machine's other load counts in it too, so the server also
reports the CPU time of its own longest turns of the loop (bench/loop_turns.py). Two
phases per size, about 10 s each (two storage passes):

- write+sweep: the probe alone;
- scraping: a second process fetches /server-status?auto, ?json and the HTML page in turn.

    python bench/loop_stall.py [--servers 100000,300000] [--seconds 10] [--python PY]

--python runs another checkout's interpreter (e.g. one installed from main) to measure
the code before a change. Needs root (network namespace). Machines are shared and noisy:
compare figures from one run.
"""

from __future__ import annotations

import argparse
import os
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

from bench.loop_turns import cpu_stalls  # noqa: E402
from tests.live import PrivateNetwork, read, wait_for  # noqa: E402

PORT = 8097
PROBE_EVERY = 0.005
SCRAPER = """
import http.client, sys, time
end = time.monotonic() + float(sys.argv[2])
count = size = 0
while time.monotonic() < end:
    for path in ("/server-status?auto", "/server-status?json", "/server-status"):
        c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=60)
        c.request("GET", path)
        r = c.getresponse()
        size += len(r.read())
        count += 1
        c.close()
print(count, size)
"""


def write_table(path: str, count: int) -> None:
    """count fresh servers 10.x.y.z, as hb.dat lines."""
    with open(path, "w") as handle:
        for index in range(count):
            ip = f"10.{(index >> 16) & 255}.{(index >> 8) & 255}.{index & 255}"
            handle.write(f"{ip} &ready=5&busy=2&lastseen=0&port=80\n")


def config(directory: str) -> str:
    path = os.path.join(directory, "httpd.conf")
    with open(path, "w") as handle:
        handle.write(
            f"ServerRoot {ROOT}\nServerName localhost\nPidFile {directory}/httpd.pid\n"
            f"ErrorLog {directory}/error_log\nDefaultRuntimeDir {directory}\nLogLevel warn\n"
            f"Listen 127.0.0.1:{PORT}\n"
            "LoadModule slotmem_shm_module modules/mod_slotmem_shm.so\n"
            "LoadModule heartmonitor_module modules/mod_heartmonitor.so\n"
            "LoadModule status_module modules/mod_status.so\n"
            "HeartbeatListen 239.0.0.1:27999\n"
            "HeartbeatMaxServers 0\n"
            f"HeartbeatStorage {directory}/hb.dat\n"
            "<Location /server-status>\n    SetHandler server-status\n</Location>\n")
    return path


class Probe(threading.Thread):
    """GET /missing every PROBE_EVERY seconds; records each round trip."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.samples: list[float] = []
        self.running = True

    def run(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        while self.running:
            started = time.perf_counter()
            connection.request("GET", "/missing")
            connection.getresponse().read()
            self.samples.append(time.perf_counter() - started)
            time.sleep(PROBE_EVERY)
        connection.close()

    def stop(self) -> list[float]:
        self.running = False
        self.join()
        return self.samples


def phase(seconds: float, scrape: bool) -> tuple[float, float, int, str, float, float]:
    """(longest stall ms, p99 ms, samples, scraper summary, start, end)."""
    started = time.monotonic()
    probe = Probe()
    probe.start()
    summary = ""
    if scrape:
        done = subprocess.run([sys.executable, "-c", SCRAPER, str(PORT), str(seconds)],
                              capture_output=True, text=True, timeout=seconds + 300)
        pages, size = (done.stdout.split() + ["0", "0"])[:2]
        summary = f"{pages} pages, {int(size) / max(int(pages), 1) / 1e6:.1f} MB each"
    else:
        time.sleep(seconds)
    samples = sorted(probe.stop())
    base = samples[0]
    p99 = samples[int(len(samples) * 0.99)] - base
    return (samples[-1] - base) * 1000, p99 * 1000, len(samples), summary, started, \
        time.monotonic()


def measure(python: str, count: int, seconds: float) -> None:
    with tempfile.TemporaryDirectory() as directory:
        write_table(os.path.join(directory, "hb.dat"), count)
        conf = config(directory)
        turns = os.path.join(directory, "turns")
        env = dict(os.environ, PYTHONPATH="", HEARTMONITOR_TURNS_OUT=turns)
        process = subprocess.Popen([python, os.path.join(HERE, "loop_turns.py"), "-f", conf,
                                    "-DFOREGROUND"],
                                   cwd=directory, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE)
        log = os.path.join(directory, "error_log")
        try:
            if not wait_for(lambda: "AH00489" in read(log) or process.poll() is not None, 120):
                raise SystemExit(f"not ready: {read(log)}")
            if process.poll() is not None:
                raise SystemExit(f"exited: {process.stderr.read().decode()} {read(log)}")
            phases = [(name, *phase(seconds, scrape))
                      for name, scrape in (("write+sweep", False), ("scraping", True))]
        finally:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for name, longest, p99, samples, summary, start, end in phases:
            cpu_longest, cpu_p99 = cpu_stalls(turns, start, end)
            print(f"{count:>8}  {name:<12}{longest:>10.1f}{p99:>9.1f}{cpu_longest:>10.1f}"
                  f"{cpu_p99:>9.1f}{samples:>9}  {summary}", flush=True)
        errors = [line for line in read(log).splitlines()
                  if ":error]" in line or ":crit]" in line or "Traceback" in line]
        for line in errors[:5]:
            print(f"    {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", default="100000,300000")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter whose heartmonitor is measured")
    args = parser.parse_args()
    print(f"{'servers':>8}  {'phase':<12}{'max ms':>10}{'p99 ms':>9}{'cpu max':>10}"
          f"{'cpu p99':>9}{'probes':>9}   (max, p99: probe round trips; cpu: the "
          "server's own turns)")
    with PrivateNetwork():
        for count in (int(n) for n in args.servers.split(",")):
            measure(args.python, count, args.seconds)


if __name__ == "__main__":
    main()
