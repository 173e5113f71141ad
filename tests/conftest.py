"""Shared test set-up: where the real apache2 is, and whether a test may skip without it."""

from __future__ import annotations

import inspect
import os
import shutil

import pytest

from tests.live import PrivateNetwork

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


@pytest.fixture
def network():
    """A private network namespace for the test (needs root): loopback and multicast only."""
    with PrivateNetwork() as net:
        yield net


# Markers from what a test uses, so `-m "not needs_root"` (or apache2, etcd) selects the
# tests a machine can run: the fixtures it asks for, the helpers its body calls.
_MARKS = (
    ("needs_root", ("network",), ("PrivateNetwork",)),
    ("needs_apache2", ("pair", "apache2"), ("need_apache2", "APACHE2", "apache2_server")),
    ("needs_etcd", ("etcd",), ("etcd_server",)),
)


def pytest_collection_modifyitems(config, items):
    for item in items:
        function = getattr(item, "function", None)
        try:
            source = inspect.getsource(function) if function is not None else ""
        except (OSError, TypeError):
            source = ""
        for mark, fixtures, names in _MARKS:
            if any(f in item.fixturenames for f in fixtures) or any(n in source for n in names):
                item.add_marker(mark)
