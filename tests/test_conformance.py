"""heartmonitor -t against the real apache2 -t, case by case (tests/conformance/cases.py).

Each case runs in its own directory, so the cases run a few at a time on a thread pool
started by the first test; each test then waits for its own case.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from tests.conformance.cases import CASES, DIFFERENCES
from tests.conformance.harness import run_case
from tests.conftest import need_apache2

_PARALLEL = 2
_results: dict[str, Future] = {}


def _selected_cases(session) -> list:
    """The cases of this module that the session runs (all, or those -k selects)."""
    chosen = []
    for item in session.items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and item.module is not None and item.module.__name__ == __name__:
            chosen.append(callspec.params["case"])
    return chosen


def _result(case, session):
    if case.name not in _results:
        pool = ThreadPoolExecutor(max_workers=_PARALLEL)
        for each in _selected_cases(session) or [case]:
            _results.setdefault(each.name, pool.submit(run_case, each))
        _results.setdefault(case.name, pool.submit(run_case, case))
        pool.shutdown(wait=False)
    return _results[case.name].result()


def test_corpus_is_large_enough():
    assert len(CASES) >= 80
    assert len({case.name for case in CASES}) == len(CASES)
    assert set(DIFFERENCES) <= {case.name for case in CASES}


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_same_answer_as_httpd(case, request):
    need_apache2()
    real, ours = _result(case, request.session)
    if case.name in DIFFERENCES:
        _reason, expected = DIFFERENCES[case.name]
        assert ours.as_tuple() == expected
        assert real.as_tuple() != ours.as_tuple(), "httpd now agrees: drop the difference"
    else:
        assert ours.as_tuple() == real.as_tuple()
