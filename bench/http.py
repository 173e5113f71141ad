"""Benchmark: the HTTP side of heartmonitor beside Debian's apache2 (event MPM), one run.

In a private network namespace (only `lo`) both servers run the same configuration: a
`heartbeat` handler at /hb, server-status at /server-status, Debian's usual modules
(mod_reqtimeout among them). Workloads, each measured on apache2 then heartmonitor:

- POST `v=1&ready=10&busy=2` to /hb, `ab -k`, 50 clients
- GET /server-status?auto, `ab -k`, 20 clients
- GET of a missing page, `ab -k`, 20 clients
- GET /guarded?auto: server-status behind `Require expr` and an `<If>`, `ab -k`, 20 clients
- POST to /hb from 1,000 distinct source addresses (127.1.x.y), keep-alive, one
  connection per address (ab cannot bind a source address; a uvloop client does it)
- GET /server-status?auto again, `ab -k`, 20 clients, with the 1,000 servers of the
  workload before in the table

Printed: requests per second, p99 latency (ms) and the ratio heartmonitor/apache2.
With --cpu, also the CPU time each server spent per request (user + system, read from
/proc: apache2's parent, its children and the children it has reaped; heartmonitor's
one process) and the ratio: on a shared machine this moves far less than requests per
second, which the load generator's and other processes' share of the cores changes.

    python bench/http.py [--requests 20000] [--seconds 5] [--cpu]

Needs root (network namespace), apache2 and ab (apache2-utils). Machines are shared and
noisy: compare ratios within one run.
"""

from __future__ import annotations

import os
import sys

# This file is bench/http.py: its directory must not shadow the standard library's http.
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[0] = ROOT

import argparse  # noqa: E402
import asyncio  # noqa: E402
import re  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

from tests.live import (  # noqa: E402
    PrivateNetwork,
    apache2_config,
    apache2_server,
    heartmonitor_server,
    wait_for,
)

PORTS = {"apache2": 8281, "heartmonitor": 8282}
BODY = b"v=1&ready=10&busy=2"
MODULES = ["authz_core", "authz_host", "status", "heartmonitor", "reqtimeout", "mime",
           "dir", "alias", "setenvif", "filter", "deflate", "negotiation", "env",
           "access_compat", "auth_basic", "authn_core", "authn_file", "authz_user",
           "autoindex"]
CONF = ("HeartbeatListen 239.0.0.1:27999\nHeartbeatMaxServers 0\n"
        "HeartbeatStorage {dir}/hb.dat\nLogLevel warn\nTypesConfig /etc/mime.types\n"
        "RequestReadTimeout header=20-40,MinRate=500 body=20,MinRate=500\n"
        "<Location /hb>\n    SetHandler heartbeat\n</Location>\n"
        "<Location /server-status>\n    SetHandler server-status\n"
        "    Require local\n</Location>\n"
        "<Location /guarded>\n    SetHandler server-status\n"
        "    Require expr \"%{{REMOTE_ADDR}} -ipmatch '127.0.0.0/8' && "
        "%{{HTTP_USER_AGENT}} =~ /^ApacheBench/\"\n"
        "    <If \"%{{QUERY_STRING}} == 'never'\">\n        Require all denied\n    </If>\n"
        "</Location>\n")


def ab(port: int, path: str, clients: int, requests: int, body: str | None) -> tuple:
    """(requests per second, p99 ms, failed requests) from one `ab -k` run."""
    command = ["ab", "-q", "-k", "-c", str(clients), "-n", str(requests)]
    if body is not None:
        command += ["-p", body, "-T", "application/x-www-form-urlencoded"]
    command.append(f"http://127.0.0.1:{port}{path}")
    out = subprocess.run(command, capture_output=True, text=True, timeout=300).stdout
    done = int(re.search(r"Complete requests:\s+(\d+)", out).group(1))
    rate = float(re.search(r"Requests per second:\s+([\d.]+)", out).group(1))
    p99 = float(re.search(r"\n\s+99%\s+(\d+)", out).group(1))
    # Length "failures" are server-status pages of varying length, not errors.
    failed = int(re.search(r"Failed requests:\s+(\d+)", out).group(1))
    lengths = re.search(r"Length: (\d+)", out)
    failed -= int(lengths.group(1)) if lengths else 0
    non_2xx = re.search(r"Non-2xx responses:\s+(\d+)", out)
    return rate, p99, failed + (int(non_2xx.group(1)) if non_2xx and "hb" in path else 0), done


async def _many_sources_client(port: int, sources: int, seconds: float) -> tuple:
    """Keep-alive POSTs, one connection per source address, for `seconds`."""
    request = (b"POST /hb HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
               b"application/x-www-form-urlencoded\r\nContent-Length: "
               + str(len(BODY)).encode() + b"\r\n\r\n" + BODY)
    latencies: list[float] = []
    errors = 0
    stop = time.monotonic() + seconds

    async def one(index: int) -> None:
        nonlocal errors
        source = f"127.1.{index // 250}.{index % 250 + 1}"
        reader = writer = None
        while time.monotonic() < stop:
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(
                        "127.0.0.1", port, local_addr=(source, 0))
                started = time.monotonic()
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(re.search(rb"Content-Length: (\d+)", head).group(1))
                await reader.readexactly(length)
                latencies.append(time.monotonic() - started)
                if not head.startswith(b"HTTP/1.1 200") or b"Connection: close" in head:
                    if not head.startswith(b"HTTP/1.1 200"):
                        errors += 1
                    writer.close()
                    writer = None
            except (OSError, asyncio.IncompleteReadError):
                errors += 1
                if writer is not None:
                    writer.close()
                writer = None
        if writer is not None:
            writer.close()

    began = time.monotonic()
    await asyncio.gather(*(one(i) for i in range(sources)))
    elapsed = time.monotonic() - began
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99)] * 1000 if latencies else 0.0
    return len(latencies) / elapsed, p99, errors, len(latencies)


def many_sources(port: int, sources: int, seconds: float) -> tuple:
    try:
        import uvloop
        return uvloop.run(_many_sources_client(port, sources, seconds))
    except ImportError:
        return asyncio.run(_many_sources_client(port, sources, seconds))


def _stat(pid: int) -> list[str]:
    """The fields of /proc/PID/stat after the command name (field 3 onwards)."""
    with open(f"/proc/{pid}/stat") as handle:
        return handle.read().rsplit(")", 1)[1].split()


def server_cpu(pid: int) -> float:
    """Seconds of CPU the server has used: the process's user and system time, its
    reaped children's, and that of its children still running (apache2's workers)."""
    fields = _stat(pid)
    ticks = sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            child = _stat(int(entry))
        except OSError:
            continue
        if int(child[1]) == pid:
            ticks += int(child[11]) + int(child[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def servers(work: str, apache2: str):
    made = {}
    for name, port in PORTS.items():
        directory = os.path.join(work, name)
        os.mkdir(directory)
        conf = apache2_config(directory, port, CONF.format(dir=directory), MODULES)
        if name == "heartmonitor":
            conf = conf.replace("/usr/lib/apache2/modules/", "modules/")
        path = os.path.join(directory, "httpd.conf")
        with open(path, "w") as handle:
            handle.write(conf)
        made[name] = (apache2_server(apache2, path, directory) if name == "apache2"
                      else heartmonitor_server(path, directory))
    return made


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--sources", type=int, default=1000)
    parser.add_argument("--cpu", action="store_true",
                        help="also print each server's CPU time per request")
    options = parser.parse_args()
    apache2 = shutil.which("apache2") or "/usr/sbin/apache2"
    if shutil.which("ab") is None or not os.path.exists(apache2):
        print("needs ab (apache2-utils) and apache2", file=sys.stderr)
        return 2
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    work = tempfile.mkdtemp(prefix="bench-http-")
    body = os.path.join(work, "body")
    with open(body, "wb") as handle:
        handle.write(BODY)
    def workloads(share: float) -> list:
        """The workloads; `share` of the requests (and seconds) for a warm-up."""
        requests = max(int(options.requests * share), 100)
        return [
            ("POST /hb, 50 clients", lambda port: ab(port, "/hb", 50, requests, body)),
            ("GET /server-status?auto, 20 clients",
             lambda port: ab(port, "/server-status?auto", 20, requests, None)),
            ("GET missing page, 20 clients",
             lambda port: ab(port, "/missing", 20, requests, None)),
            ("GET /guarded?auto (Require expr, <If>)",
             lambda port: ab(port, "/guarded?auto", 20, requests, None)),
            (f"POST /hb from {options.sources} addresses",
             lambda port: many_sources(port, options.sources, options.seconds * share)),
            (f"GET ?auto, {options.sources} servers known",
             lambda port: ab(port, "/server-status?auto", 20, requests, None)),
        ]

    results: dict = {}
    cpu: dict = {}
    with PrivateNetwork():
        for name, server in servers(work, apache2).items():
            with server:
                hb_dat = os.path.join(server.directory, "hb.dat")
                assert wait_for(lambda: os.path.exists(hb_dat))  # noqa: B023
                for (title, run), (_same, warm_up) in zip(workloads(1.0), workloads(0.1),
                                                          strict=True):
                    warm_up(PORTS[name])
                    before = server_cpu(server.process.pid)
                    results[(title, name)] = run(PORTS[name])
                    spent = server_cpu(server.process.pid) - before
                    done = results[(title, name)][3]
                    cpu[(title, name)] = spent / done * 1e6 if done else 0.0
    print(f"{'workload':40} {'apache2 req/s':>14} {'p99 ms':>7} {'heartmonitor req/s':>19} "
          f"{'p99 ms':>7} {'ratio':>6}")
    for title, _run in workloads(1.0):
        real, ours = results[(title, "apache2")], results[(title, "heartmonitor")]
        flag = "" if not (real[2] or ours[2]) else f"  (errors: {real[2]} / {ours[2]})"
        print(f"{title:40} {real[0]:14.0f} {real[1]:7.1f} {ours[0]:19.0f} {ours[1]:7.1f} "
              f"{ours[0] / real[0]:5.2f}x{flag}")
    if options.cpu:
        print(f"\n{'server CPU per request':40} {'apache2 us':>14} {'heartmonitor us':>19} "
              f"{'ratio':>6}")
        for title, _run in workloads(1.0):
            real, ours = cpu[(title, "apache2")], cpu[(title, "heartmonitor")]
            ratio = f"{ours / real:5.2f}x" if real else "    -"
            print(f"{title:40} {real:14.0f} {ours:19.0f} {ratio}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
