"""The checkers hold over the whole source: mypy (configured in pyproject.toml [tool.mypy],
heartmonitor/ with modules/ through the heartmonitor/modules link) and ruff."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.helpers import ROOT


def _source_files() -> int:
    """The files mypy checks: every .py under heartmonitor/, modules/ included."""
    count = 0
    for _directory, _subdirectories, files in os.walk(os.path.join(ROOT, "heartmonitor"),
                                                      followlinks=True):
        count += sum(1 for name in files if name.endswith(".py"))
    return count


def test_mypy_finds_no_issues(tmp_path):
    # A cache of its own: cold, as on a fresh CI machine, and nothing left in the tree.
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "mypy-cache")],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert (result.returncode, result.stderr) == (0, ""), result.stdout
    assert result.stdout == f"Success: no issues found in {_source_files()} source files\n"


def test_ruff_finds_nothing():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "."],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert (result.returncode, result.stdout, result.stderr) == (0, "All checks passed!\n", "")
