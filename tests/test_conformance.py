"""heartmonitor -t against the real apache2 -t, case by case (tests/conformance/cases.py).

Where apache2 is not installed (and CI is not set), each case is compared with apache2's
answer recorded in tests/conformance/golden.json by tools/gen_goldens.py.

Each case runs in its own directory, so in a single process the cases run a few at a time
on a thread pool started by the first test, and each test waits for its own case; under
pytest-xdist each worker runs its own cases one after the other.
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from tests.conformance.cases import CASES, DIFFERENCES
from tests.conformance.harness import (
    Result,
    heartmonitor_command,
    load_golden,
    run_alone,
    run_case,
)
from tests.conftest import APACHE2, need_apache2

_PARALLEL = 2
_results: dict[str, Future] = {}
# apache2's answers recorded by tools/gen_goldens.py: used where apache2 is absent.
GOLDEN = load_golden()


def _selected_cases(session) -> list:
    """The cases of this module that the session runs (all, or those -k selects)."""
    chosen = []
    for item in session.items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and item.module is not None and item.module.__name__ == __name__:
            chosen.append(callspec.params["case"])
    return chosen


def _result(case, session):
    if os.environ.get("PYTEST_XDIST_WORKER"):
        # A worker runs only the cases it is sent, not the session's whole list; the
        # other workers are the parallelism.
        return run_case(case)
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
    if APACHE2 or case.name not in GOLDEN:
        need_apache2()
        real, ours = _result(case, request.session)
        if case.name in GOLDEN:
            assert real.as_tuple() == GOLDEN[case.name], (
                f"apache2 answers differently from the recorded answer: run "
                f"python3 tools/gen_goldens.py {case.name}")
    else:
        real = Result(*GOLDEN[case.name])
        ours = run_alone(case, heartmonitor_command(), "heartmonitor")
    if case.name in DIFFERENCES:
        _reason, expected = DIFFERENCES[case.name]
        assert ours.as_tuple() == expected
        assert real.as_tuple() != ours.as_tuple(), "httpd now agrees: drop the difference"
    else:
        assert ours.as_tuple() == real.as_tuple()
