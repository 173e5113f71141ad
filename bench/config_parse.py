"""Benchmark: `heartmonitor -t` against `apache2 -t` and the apacheconfig package.

Configurations: heartmonitor's embedded default, generated ones of 10,000 and 100,000
lines (Includes, sections, quoting, continuation, ${VAR}; bench/genconf.py), a
continuation-heavy one: one logical line of 300,000 `\\`-continued physical lines, and
Debian's /etc/apache2 copied with every module (one MPM), conf and site enabled, checked
as apache2ctl checks it (`-d COPY -f COPY/apache2.conf`, the copy's envvars sourced;
bench/debian_tree.py). apacheconfig runs on neither of the last two. On Debian's tree
heartmonitor must answer as apache2 does: a difference is printed.
Each tool runs REPEAT times per configuration in one session; the best and the median wall
time and the peak RSS are reported, with heartmonitor's ratios (of the best times) to
apache2 and to apacheconfig.

heartmonitor is timed as users run it: the bench first installs this checkout, not
editable, into a temporary venv (`pip install` of a copy of the tree; dependencies come
from pip's cache or index) and runs that venv's `bin/heartmonitor` script (the plain
script pip installs from scripts/heartmonitor). A development venv's editable install adds
its own path finder to every start (about 20 ms here), which no user pays.

    python bench/config_parse.py [--repeat N]

Machines are shared and noisy: compare the ratios, not absolute times between runs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

from debian_tree import envvars, everything_enabled  # noqa: E402
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


def best(command: list[str], repeat: int,
         env: dict | None = None) -> tuple[float, float, float, int]:
    """(best wall, median wall, peak RSS, exit status) of REPEAT runs."""
    runs = [measure(command, env) for _ in range(repeat)]
    walls = [r[0] for r in runs]
    return min(walls), statistics.median(walls), max(r[1] for r in runs), runs[-1][2]


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


def installed_heartmonitor(work: str) -> str:
    """bin/heartmonitor of a fresh venv holding a non-editable install of this checkout
    (as the README's first command installs it), bytecode compiled by pip."""
    source = os.path.join(work, "source")
    shutil.copytree(ROOT, source, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache",
        ".hypothesis", "tests"))
    venv = os.path.join(work, "venv")
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    subprocess.run([os.path.join(venv, "bin", "pip"), "install", "-q", source], check=True,
                   stdout=subprocess.DEVNULL)
    return os.path.join(venv, "bin", "heartmonitor")


def same_answer(apache2: list[str], ours: list[str], env: dict, our_env: dict) -> bool:
    """Both say the same (stdout, stderr, exit status), the program's name aside."""
    answers = []
    for command, environment in ((apache2, env), (ours, our_env)):
        done = subprocess.run(command, env=environment, capture_output=True, text=True)
        answers.append((done.returncode, done.stdout, done.stderr.replace("heartmonitor: ",
                                                                          "apache2: ")))
    if answers[0] != answers[1]:
        sys.stderr.write(f"apache2 and heartmonitor differ:\n{answers[0]}\n{answers[1]}\n")
    return answers[0] == answers[1]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    apache2 = shutil.which("apache2") or "/usr/sbin/apache2"
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as an installed package runs: bytecode cached
    env.pop("PYTHONPATH", None)  # the installed copy, not the checkout
    with tempfile.TemporaryDirectory() as work:
        ours = [installed_heartmonitor(work)]
        subprocess.run(ours + ["-v"], env=env, capture_output=True, check=True)
        configs = [("default", None)]
        for lines in (10_000, 100_000):
            configs.append((f"{lines:,} lines", generate(os.path.join(work, str(lines)), lines)))
        configs.append(("300,000 cont.", continuation_heavy(work, 300_000)))
        debian = os.path.join(work, "apache2")
        for note in everything_enabled(debian):
            print(f"Debian, all on: {note}")
        configs.append(("Debian, all on", debian))
        print(f"{'configuration':<16}{'tool':<14}{'best s':>9}{'median s':>9}{'RSS MB':>9}{'rc':>4}"
              f"{'vs apache2':>12}{'vs apacheconfig':>17}")
        for name, conf in configs:
            real_conf, args_real, args_ours = conf, ["-f", conf], ["-f", conf]
            env_real, env_ours = None, env
            if conf is None:
                conf = os.path.join(ROOT, "conf", "httpd.conf")
                env["HEARTMONITOR_RUNDIR"] = os.path.join(work, "rundir")
                os.makedirs(env["HEARTMONITOR_RUNDIR"], exist_ok=True)
                real_conf = default_for_apache2(conf, work, env["HEARTMONITOR_RUNDIR"])
                args_real, args_ours = ["-f", real_conf], ["-f", conf]
            elif conf == debian:
                real_conf = None
                args_real = args_ours = ["-d", debian, "-f", os.path.join(debian, "apache2.conf")]
                env_real = envvars(debian)
                env_ours = {k: v for k, v in env_real.items() if k != "PYTHONPATH"}
                same_answer([apache2, *args_real, "-t"], ours + [*args_ours, "-t"],
                            env_real, env_ours)
            runs = {
                "apache2": best([apache2, *args_real, "-t"], args.repeat, env_real),
                "heartmonitor": best(ours + [*args_ours, "-t"], args.repeat, env_ours),
            }
            if real_conf is not None and not name.endswith("cont."):
                runs["apacheconfig"] = best([sys.executable, "-c", APACHECONFIG, real_conf],
                                            args.repeat)
            for tool, (wall, median, rss, code) in runs.items():
                ratio_real = wall / runs["apache2"][0]
                ratio_ac = (f"{wall / runs['apacheconfig'][0]:>16.2f}x"
                            if "apacheconfig" in runs else f"{'-':>17}")
                print(f"{name:<16}{tool:<14}{wall:>9.3f}{median:>9.3f}{rss:>9.1f}{code:>4}"
                      f"{ratio_real:>11.2f}x{ratio_ac}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
