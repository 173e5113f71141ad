"""Running heartmonitor the way a user does, for tests."""

from __future__ import annotations

import os
import subprocess
import sys

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
