"""Shared test set-up: where the real apache2 is, whether a test may skip without it, and
how the suite runs in parallel (pytest-xdist workers)."""

from __future__ import annotations

import inspect
import os
import re
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


def _source(function, cache: dict) -> str:
    if function not in cache:
        try:
            cache[function] = inspect.getsource(function)
        except (OSError, TypeError):
            cache[function] = ""
    return cache[function]


def _used_source(item, cache: dict) -> str:
    """The test's source, its fixtures' and that of the functions of its module it calls
    (and they call): a helper or a class fixture may be what enters a namespace."""
    module = getattr(item, "module", None)
    helpers = {name: value for name, value in vars(module).items()
               if inspect.isfunction(value) and value.__module__ == module.__name__
               } if module is not None else {}
    info = getattr(item, "_fixtureinfo", None)
    pending = [getattr(item, "function", None)] + [
        definition.func for definitions in (info.name2fixturedefs.values() if info else ())
        for definition in definitions]
    seen: set = set()
    sources = []
    while pending:
        function = pending.pop()
        if function is None or function in seen:
            continue
        seen.add(function)
        source = _source(function, cache)
        sources.append(source)
        pending += [helper for name, helper in helpers.items()
                    if re.search(rf"\b{name}\(", source)]
    return "\n".join(sources)


def pytest_collection_modifyitems(config, items):
    cache: dict = {}
    for item in items:
        source = _used_source(item, cache)
        for mark, fixtures, names in _MARKS:
            if any(f in item.fixturenames for f in fixtures) or any(n in source for n in names):
                item.add_marker(mark)
    if hasattr(config, "workerinput"):
        # Workers take tests in this order (every worker sorts alike, as xdist requires):
        # those that run servers in a namespace mostly wait and last longest, so they go
        # first and the short ones fill the gaps at the end.
        items.sort(key=lambda item: item.get_closest_marker("needs_root") is None)


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    """In parallel by default (`-n auto`) when pytest-xdist is there; `-n0` or `-p no:xdist`
    runs in this process. (Not in addopts: without the plugin, -n would be an error.)"""
    if (config.pluginmanager.hasplugin("xdist") and not hasattr(config, "workerinput")
            and getattr(config.option, "numprocesses", 0) is None):
        config.option.numprocesses = "auto"


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """The default distribution (load), except that a class's tests stay together."""
    if config.getvalue("dist") != "load":
        return None
    from tests.scheduling import TestOrClassScheduling

    return TestOrClassScheduling(config, log)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config) -> int | None:
    """`-n auto`: one worker per CPU, but at least 4, since most tests wait on servers,
    storage intervals and timeouts rather than compute (PYTEST_XDIST_AUTO_NUM_WORKERS
    still decides when it is set)."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None
    return max(4, os.cpu_count() or 1)
