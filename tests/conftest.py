"""Shared test set-up: where the real apache2 is, and whether a test may skip without it."""

from __future__ import annotations

import os
import shutil

import pytest

APACHE2 = shutil.which("apache2") or ("/usr/sbin/apache2" if os.path.exists("/usr/sbin/apache2")
                                      else None)


def need_apache2() -> str:
    """The apache2 binary; in CI its absence fails the test instead of skipping it."""
    if APACHE2:
        return APACHE2
    if os.environ.get("CI"):
        pytest.fail("apache2 is not installed (CI must install it: see .ci/run)")
    pytest.skip("apache2 is not installed")
    return ""
