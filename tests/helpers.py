"""Running heartmonitor the way a user does, for tests."""

from __future__ import annotations

import contextlib
import fcntl
import os
import pathlib
import subprocess
import sys
from collections.abc import Iterator

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def heartmonitor(*args: str, cwd: str | None = None, env: dict | None = None,
                 timeout: float = 60, stdin=None) -> subprocess.CompletedProcess:
    """`heartmonitor ARGS` (as python -m heartmonitor) with captured text output."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "heartmonitor", *args], capture_output=True, text=True,
        cwd=cwd or ROOT, env=full_env, timeout=timeout, stdin=stdin,
        errors="surrogateescape",
    )


def write(path: str, text: str | bytes) -> str:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(text.encode() if isinstance(text, str) else text)
    return path


@contextlib.contextmanager
def shared_directory(tmp_path_factory, name: str) -> Iterator[pathlib.Path]:
    """A directory of this test run that all its pytest-xdist workers share, held by one
    worker at a time: what one worker made there, the next one finds."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the run's directory, above each worker's own
    directory = base / name
    directory.mkdir(exist_ok=True)
    with open(base / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield directory
