"""Fuzzing `heartmonitor -t`: no traceback, no hang, exit 0 or 1 with an httpd-style line.

The configurations come from tests/fuzz_config.py (catalogue directives with hostile
values, and edited real configurations); they run in-process, in a network namespace
of their own since some values are host names that get looked up.
"""

from __future__ import annotations

import sys

from hypothesis import HealthCheck, given, settings

from tests import fuzz_config
from tests.live import PrivateNetwork


def test_check_config_notices_a_traceback_and_a_missing_httpd_line(tmp_path, monkeypatch):
    from heartmonitor import cli

    def broken(argv):
        raise ValueError("boom")

    monkeypatch.setattr(cli, "main", broken)
    assert fuzz_config.check_config("", str(tmp_path)).endswith("ValueError: boom\n")
    monkeypatch.setattr(cli, "main", lambda argv: (sys.stderr.write("oops\n"), 1)[1])
    assert fuzz_config.check_config("", str(tmp_path)) == (
        "exit 1 without an httpd-style line: 'oops\\n'")


def test_known_answers(tmp_path):
    work = str(tmp_path)
    assert fuzz_config.run_check("", work) == (0, "", "Syntax OK\n")
    code, _out, err = fuzz_config.run_check("Timeout " + fuzz_config.BIG + "\nFooBar\n", work)
    assert code == 1
    assert err.endswith("FooBar', perhaps misspelled or defined by a module not included "
                        "in the server configuration\n")
    assert fuzz_config.check_config("<LocationMatch a{4294967296}>\n</LocationMatch>\n",
                                    work) is None


def test_fuzzed_configurations_never_break_the_checker(tmp_path):
    work = str(tmp_path)
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 8000))  # as cli.main sets it

    @settings(max_examples=3000, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(fuzz_config.configs)
    def check(body):
        problem = fuzz_config.check_config(body, work)
        assert problem is None, f"{body[:3000]!r}\n{problem}"

    with PrivateNetwork():
        check()
