"""How pytest-xdist hands the suite's tests to its workers (see conftest.py)."""

from __future__ import annotations

from xdist.scheduler import LoadScopeScheduling


class TestOrClassScheduling(LoadScopeScheduling):
    """Each test on its own, except the tests of a class, which go to one worker together:
    a class shares one server through a class-scoped fixture, started once per worker that
    runs any of its tests. Classes are handed out first (the largest first), then the
    other tests in collection order."""

    __test__ = False  # not a test class, whatever its name

    def _split_scope(self, nodeid: str) -> str:
        module, _, rest = nodeid.partition("::")
        first, separator, _ = rest.partition("::")
        if separator and "[" not in first:  # module::Class::test
            return f"{module}::{first}"
        return nodeid
