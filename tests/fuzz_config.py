"""Random configurations for `heartmonitor -t`, run in this process.

Two sources: one directive of the catalogue (heartmonitor/catalogue.py) with arguments
drawn from values that once broke parsers (huge numbers, Unicode digits, regexes, odd
host names, quotes, raw bytes), loaded with its module and placed in a context; and
a real configuration (conf/, the conformance corpus) with a few edits. `check_config`
runs `-t` in-process and says what was wrong with the answer, or None.

tests/test_fuzz_config.py runs a bounded number of these in the suite; for a long run:

    unshare --net python -m tests.fuzz_config --examples 20000

(in a network namespace of its own: host names in the values are looked up).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import signal
import sys
import tempfile

from hypothesis import strategies as st

from heartmonitor.catalogue import MODULES

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIG = "9" * 4301
VALUES = [
    "0", "-1", "1", "80", "65536", "2147483648", "-9223372036854775809", BIG, "-" + BIG,
    "²", "١٢", "0x10", "1e5", "+5", "5k", "5M", "100ms", "on", "off", "none", "all",
    "default", "On", "", '""', '"', "'", "*", "-", "+", "!", "~", "=", "#", "%",
    "${NOPE}", "${", "}", "\\", "a\\", "<", ">", "</x>", "/", "//", "(", ")", "[", "]",
    "a{4294967296}", "(" * 300, "(?<n>a)(?<n>b)", "a++", "^/(.*)$", "[[:foo:]]",
    "\udcff\udcfe", "é", ".", "a..b", "a" * 64 + ".com", "localhost", "127.0.0.1",
    "127.0.0.1:80", "127.0.0.1:" + BIG, "[::1]:80", "[::1", "*:80", "_default_",
    "10.0.0.0/8", "10.0.0.0/" + BIG, "::1/129", "239.0.0.1:27999", "http://x/",
    "balancer://b", "x=y", "a=" + BIG, "file:/tmp/x", "/dev/null", "/tmp",
    "/nonexistent/x", "%{REQUEST_URI} =~ /(/", "-D", "env=X", "expr=1", "x" * 9000,
]
WRAPPERS = [
    ("", ""),
    ("<Location />\n", "</Location>\n"),
    ("<Directory />\n", "</Directory>\n"),
    ("<VirtualHost *:80>\n", "</VirtualHost>\n"),
    ("<Files x>\n", "</Files>\n"),
    ("<IfModule !nope>\n", "</IfModule>\n"),
]
DIRECTIVES = sorted(
    (name, module, identifier)
    for module, (identifier, _source, _per_dir, table) in MODULES.items()
    for name, *_rest in table
)
TOKENS = ["\n", "\\\n", " ", '"', "<", ">", "</Location>", "<VirtualHost *:80>", "\0",
          "\udcff", BIG, "²", "(", "a{4294967296}", "${NOPE}", "a..b", "#", "~"]


def _real_configs() -> list[str]:
    texts = []
    for directory, _dirs, files in os.walk(os.path.join(ROOT, "conf")):
        for name in sorted(files):
            if name.endswith(".conf"):
                with open(os.path.join(directory, name), encoding="utf-8",
                          errors="surrogateescape") as handle:
                    texts.append(handle.read())
    try:
        from tests.conformance.cases import CASES
    except ImportError:
        CASES = []
    for case in CASES:
        if isinstance(case.body, str) and not case.files:
            texts.append(case.body)
    return texts


REAL = _real_configs()


@st.composite
def directive_configs(draw) -> str:
    name, module, identifier = draw(st.sampled_from(DIRECTIVES))
    args = " ".join(draw(st.lists(st.sampled_from(VALUES), max_size=3)))
    head = "" if module in ("core", "http_core") else (
        f"LoadModule {identifier} modules/{module}.so\n")
    if name.startswith("<"):
        line = f"{name} {args}>\nServerAdmin x\n</{name[1:]}>\n"
    else:
        line = f"{name} {args}\n"
    before, after = draw(st.sampled_from(WRAPPERS))
    return head + before + line + after


@st.composite
def mutated_configs(draw) -> str:
    text = draw(st.sampled_from(REAL))
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, len(text)))
        edit = draw(st.sampled_from(["insert", "delete", "duplicate"]))
        if edit == "insert":
            text = text[:pos] + draw(st.sampled_from(TOKENS + VALUES)) + text[pos:]
        elif edit == "delete":
            text = text[:pos] + text[pos + draw(st.integers(1, 40)):]
        else:
            text = text[:pos] + text[pos:pos + draw(st.integers(1, 200))] + text[pos:]
    return text


configs = st.one_of(directive_configs(), mutated_configs())

# What an httpd-style failure looks like on stderr: its own line, an AH code, an
# error_log line, or the program-name prefix httpd uses for syntax errors.
_HTTPD_LINE = re.compile(r"^(heartmonitor: |AH\d{5}: |\[[^\]]*\] \[[\w.]*:\w+\] |"
                         r"Syntax error on line )", re.M)


class Hang(Exception):
    pass


def _alarm(_signum, _frame):
    raise Hang()


def run_check(body: str, work: str, time_limit: float = 20.0,
              extra: tuple[str, ...] = ()) -> tuple[int, str, str]:
    """heartmonitor -t (and extra arguments) on body after a minimal header, in-process."""
    from heartmonitor import cli

    conf = os.path.join(work, "fuzz.conf")
    header = (f"ServerRoot {ROOT}\nServerName localhost\nErrorLog {work}/error_log\n"
              f"PidFile {work}/hm.pid\nDefaultRuntimeDir {work}\n")
    with open(conf, "wb") as handle:
        handle.write((header + body).encode("utf-8", "surrogateescape"))
    out, err = io.StringIO(), io.StringIO()
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, time_limit)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main(["heartmonitor", "-t", *extra, "-f", conf])
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        import gc

        gc.enable()  # cli.main disables the collector for the process
    return code, out.getvalue(), err.getvalue()


def check_config(body: str, work: str, extra: tuple[str, ...] = ()) -> str | None:
    """What is wrong with heartmonitor's answer to body, or None."""
    try:
        code, _out, err = run_check(body, work, extra=extra)
    except Hang:
        return "no answer within the time limit"
    except BaseException as error:  # the traceback -t must never print
        import traceback

        return "".join(traceback.format_exception(error))
    if code not in (0, 1):
        return f"exit {code}"
    if "Traceback" in err:
        return err
    if code == 1 and not _HTTPD_LINE.search(err):
        return f"exit 1 without an httpd-style line: {err!r}"
    return None


def main() -> int:
    import argparse
    import time

    from hypothesis import HealthCheck, given, settings

    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=20000)
    parser.add_argument("--hostile-files", action="store_true",
                        help="also use /dev/zero and a FIFO as values (a reader that does "
                             "not check a file's type hangs or runs out of memory)")
    parser.add_argument("--also", default="",
                        help="more arguments after -t, e.g. '-S' or '--strict'")
    args = parser.parse_args()
    sys.setrecursionlimit(8000)  # what cli.main sets; hypothesis warns when it changes
    found: dict[str, str] = {}
    count = 0
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as work:
        if args.hostile_files:
            fifo = os.path.join(work, "fifo")
            os.mkfifo(fifo)
            VALUES.extend(["/dev/zero", fifo])
            TOKENS.extend(["/dev/zero", fifo])

        @settings(max_examples=args.examples, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(configs)
        def run(body):
            nonlocal count
            count += 1
            problem = check_config(body, work, tuple(args.also.split()))
            if problem is not None:
                key = problem.strip().splitlines()[-1][:200]
                if key not in found:
                    found[key] = body
                    sys.stderr.write(f"--- {key}\n{body[:2000]!r}\n")

        run()
    print(f"{count} configurations in {time.monotonic() - started:.0f} s, "
          f"{len(found)} distinct problems")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
