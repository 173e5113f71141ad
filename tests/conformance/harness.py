"""Run the same configuration through a real apache2 and through heartmonitor.

Outputs are compared after normalising only what must differ: the program name, the
temporary directory the case runs in, error_log timestamps, and pid/tid numbers.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading

APACHE2 = shutil.which("apache2") or "/usr/sbin/apache2"
MODDIR = "/usr/lib/apache2/modules"

BASE = """\
ServerRoot {root}
LoadModule mpm_event_module {moddir}/mod_mpm_event.so
PidFile {root}/httpd.pid
ErrorLog {root}/error.log
ServerName localhost
DefaultRuntimeDir {root}
"""

_TIME = re.compile(r"^\[[A-Z][a-z]{2} [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d\.\d{6} \d{4}\] ", re.M)
_PID = re.compile(r"\[pid \d+:tid \d+\]")


class Result:
    def __init__(self, code: int, stdout: str, stderr: str) -> None:
        self.code = code
        self.stdout = stdout
        self.stderr = stderr

    def as_tuple(self):
        return (self.code, self.stdout, self.stderr)

    def __repr__(self) -> str:
        return f"Result(code={self.code}, stdout={self.stdout!r}, stderr={self.stderr!r})"


_USAGE = re.compile(r"^Usage: \S+", re.M)
_USAGE_MORE = re.compile(r"^ +\[", re.M)


def _sort_mutexes(text: str) -> str:
    """httpd lists mutex types in hash order, which changes from run to run."""
    lines = text.split("\n")
    out: list[str] = []
    block: list[str] = []
    for line in lines:
        if line.startswith("Mutex "):
            block.append(line)
            continue
        out.extend(sorted(block))
        block = []
        out.append(line)
    out.extend(sorted(block))
    return "\n".join(out)


def normalise(text: str, root: str, program: str) -> str:
    """Make two programs' outputs comparable: program name, paths, times, pids."""
    text = _TIME.sub("[TIME] ", text)
    text = _PID.sub("[pid N:tid N]", text)
    text = text.replace(root, "{root}")
    text = re.sub(r"(^|\n|: )" + re.escape(program) + r":", r"\1PROG:", text)
    text = _USAGE.sub("Usage: PROG", text)
    text = _USAGE_MORE.sub("       [", text)
    return _sort_mutexes(text)


def heartmonitor_command() -> list[str]:
    found = shutil.which("heartmonitor")
    if found:
        return [found]
    return [sys.executable, "-m", "heartmonitor"]


class ForkServer:
    """One tests.conformance.forkserver process: heartmonitor runs without a start-up each."""

    def __init__(self) -> None:
        here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.conformance.forkserver"], cwd=here,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def run(self, argv: list[str], root: str, program: str, env=None) -> Result:
        full_env = dict(os.environ)
        full_env.update(env or {})
        out, err = os.path.join(root, ".hm-stdout"), os.path.join(root, ".hm-stderr")
        request = {"argv": argv, "cwd": root, "env": full_env, "out": out, "err": err}
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        code = json.loads(self.proc.stdout.readline())["code"]
        texts = []
        for name in (out, err):
            with open(name, "rb") as handle:
                texts.append(handle.read().decode("utf-8", "surrogateescape"))
            os.unlink(name)
        return Result(code, normalise(texts[0], root, program), normalise(texts[1], root, program))


_servers = threading.local()


def fork_server() -> ForkServer:
    """The calling thread's fork server, started on first use."""
    server = getattr(_servers, "server", None)
    if server is None or server.proc.poll() is not None:
        server = _servers.server = ForkServer()
    return server


def write_case(root: str, case) -> str:
    for rel, content in case.files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        data = content.replace("{root}", root) if isinstance(content, str) else content
        mode = "w" if isinstance(data, str) else "wb"
        with open(path, mode) as handle:
            handle.write(data)
    conf = os.path.join(root, "httpd.conf")
    body = case.body.replace("{root}", root).replace("{moddir}", MODDIR) if isinstance(
        case.body, str) else case.body
    head = BASE.format(root=root, moddir=MODDIR) if case.base else ""
    if isinstance(body, bytes):
        data = head.encode() + body
    else:
        data = (head + body).encode("utf-8", "surrogateescape")
    with open(conf, "wb") as handle:
        handle.write(data)
    return conf


def start_one(command: list[str], args: list[str], root: str, env=None) -> subprocess.Popen:
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.Popen(command + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=full_env, cwd=root)


def finish_one(proc: subprocess.Popen, root: str, program: str) -> Result:
    try:
        stdout, stderr = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        stdout, stderr = proc.communicate()
    out = stdout.decode("utf-8", "surrogateescape")
    err = stderr.decode("utf-8", "surrogateescape")
    return Result(proc.returncode, normalise(out, root, program), normalise(err, root, program))


def run_one(command: list[str], args: list[str], root: str, program: str, env=None) -> Result:
    return finish_one(start_one(command, args, root, env), root, program)


def _command_line(case, root: str) -> tuple[list[str], list[str]]:
    """The case's files written under root: (its arguments, the wrapper to run it in)."""
    conf = write_case(root, case)
    args = [a.replace("{root}", root).replace("{conf}", conf) for a in case.args]
    if case.config_flag:
        args = ["-f", conf] + args
    return args, (["unshare", "--net"] if case.isolated else [])


def run_case(case) -> tuple[Result, Result]:
    """(apache2's result, heartmonitor's result) for one case."""
    root = tempfile.mkdtemp(prefix="hmconf-")
    try:
        args, wrap = _command_line(case, root)
        if case.isolated or case.args != ["-t"]:
            # Runs that may write files in the case directory go one after the other.
            real = run_one(wrap + [APACHE2], args, root, "apache2", case.env)
            ours = run_one(wrap + heartmonitor_command(), args, root, "heartmonitor", case.env)
            return real, ours
        # A plain -t only reads: both programs run at once, heartmonitor forked from a
        # process that has imported it already.
        real_proc = start_one([APACHE2], args, root, case.env)
        ours = fork_server().run(heartmonitor_command()[-1:] + args, root, "heartmonitor",
                                 case.env)
        return finish_one(real_proc, root, "apache2"), ours
    finally:
        shutil.rmtree(root, ignore_errors=True)


def run_alone(case, command: list[str], program: str) -> Result:
    """One program's result for a case (golden files; runs where apache2 is absent)."""
    root = tempfile.mkdtemp(prefix="hmconf-")
    try:
        args, wrap = _command_line(case, root)
        return run_one(wrap + command, args, root, program, case.env)
    finally:
        shutil.rmtree(root, ignore_errors=True)


GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden.json")


def load_golden() -> dict[str, tuple[int, str, str]]:
    """apache2's answers recorded by tools/gen_goldens.py: {case name: (code, out, err)}."""
    try:
        with open(GOLDEN, encoding="utf-8") as handle:
            return {name: tuple(value) for name, value in json.load(handle).items()}
    except FileNotFoundError:
        return {}
