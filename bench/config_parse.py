"""Benchmark: `heartmonitor -t` against `apache2 -t` and the apacheconfig package.

Configurations: heartmonitor's embedded default, generated ones of 10,000 and 100,000
lines (Includes, sections, quoting, continuation, ${VAR}; bench/genconf.py), and a
continuation-heavy one: one logical line of 300,000 `\\`-continued physical lines
(apacheconfig is not run on that one).
Each tool runs REPEAT times per configuration in one session; the best wall time and the
peak RSS are reported, with heartmonitor's ratios to apache2 and to apacheconfig.

    python bench/config_parse.py [--repeat N]

Machines are shared and noisy: compare the ratios, not absolute times between runs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

from genconf import generate  # noqa: E402

APACHECONFIG = """
import sys
from apacheconfig import make_loader
with make_loader(includeglob=True) as loader:
    loader.load(sys.argv[1])
"""


def measure(command: list[str], env: dict | None = None) -> tuple[float, float, int]:
    """(wall seconds, peak RSS in MB, exit status) of one run."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env=env)
    errors = process.stderr.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code:
        sys.stderr.write(f"{command[0]} failed ({code}): {errors.decode()[-500:]}\n")
    return wall, usage.ru_maxrss / 1024, code


def best(command: list[str], repeat: int, env: dict | None = None) -> tuple[float, float, int]:
    runs = [measure(command, env) for _ in range(repeat)]
    return min(r[0] for r in runs), max(r[1] for r in runs), runs[-1][2]


def continuation_heavy(work: str, lines: int) -> str:
    """One ServerAdmin value spread over `lines` backslash-continued physical lines."""
    path = os.path.join(work, "continued.conf")
    with open(path, "w") as handle:
        handle.write(f"ServerRoot {work}\n"
                     "LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so\n"
                     f"ServerName localhost\nPidFile {work}/httpd.pid\n"
                     f"ErrorLog {work}/error.log\nDefaultRuntimeDir {work}\n"
                     "ServerAdmin " + "abcdefghijk\\\n" * lines + "x\n")
    return path


def default_for_apache2(default: str, work: str, rundir: str) -> str:
    """The embedded default as Debian's apache2 takes it: module paths, an MPM, no
    heartmonitor-only directive."""
    with open(default) as handle:
        text = handle.read().replace(" modules/", " /usr/lib/apache2/modules/")
    text = text.replace("LoadModule heartlab_module /usr/lib/apache2/modules/mod_heartlab.so\n",
                        "")
    path = os.path.join(work, "default-apache2.conf")
    with open(path, "w") as handle:
        handle.write(f"Define HEARTMONITOR_RUNDIR {rundir}\n"
                     "LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so\n"
                     + text)
    return path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    apache2 = shutil.which("apache2") or "/usr/sbin/apache2"
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as an installed package runs: bytecode cached
    env["PYTHONPATH"] = ROOT
    ours = [sys.executable, "-m", "heartmonitor"]
    subprocess.run(ours + ["-v"], env=env, capture_output=True, check=True)  # compile once
    with tempfile.TemporaryDirectory() as work:
        configs = [("default", None)]
        for lines in (10_000, 100_000):
            configs.append((f"{lines:,} lines", generate(os.path.join(work, str(lines)), lines)))
        configs.append(("300,000 cont.", continuation_heavy(work, 300_000)))
        print(f"{'configuration':<16}{'tool':<14}{'best s':>9}{'RSS MB':>9}{'rc':>4}"
              f"{'vs apache2':>12}{'vs apacheconfig':>17}")
        for name, conf in configs:
            real_conf = conf
            if conf is None:
                conf = os.path.join(ROOT, "conf", "httpd.conf")
                env["HEARTMONITOR_RUNDIR"] = os.path.join(work, "rundir")
                os.makedirs(env["HEARTMONITOR_RUNDIR"], exist_ok=True)
                real_conf = default_for_apache2(conf, work, env["HEARTMONITOR_RUNDIR"])
            runs = {
                "apache2": best([apache2, "-f", real_conf, "-t"], args.repeat),
                "heartmonitor": best(ours + ["-f", conf, "-t"], args.repeat, env),
            }
            if not name.endswith("cont."):
                runs["apacheconfig"] = best([sys.executable, "-c", APACHECONFIG, real_conf],
                                            args.repeat)
            for tool, (wall, rss, code) in runs.items():
                ratio_real = wall / runs["apache2"][0]
                ratio_ac = (f"{wall / runs['apacheconfig'][0]:>16.2f}x"
                            if "apacheconfig" in runs else f"{'-':>17}")
                print(f"{name:<16}{tool:<14}{wall:>9.3f}{rss:>9.1f}{code:>4}"
                      f"{ratio_real:>11.2f}x{ratio_ac}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
