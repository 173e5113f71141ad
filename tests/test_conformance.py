"""heartmonitor -t against the real apache2 -t, case by case (tests/conformance/cases.py)."""

from __future__ import annotations

import pytest

from tests.conformance.cases import CASES, DIFFERENCES
from tests.conformance.harness import run_case
from tests.conftest import need_apache2


def test_corpus_is_large_enough():
    assert len(CASES) >= 80
    assert len({case.name for case in CASES}) == len(CASES)
    assert set(DIFFERENCES) <= {case.name for case in CASES}


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_same_answer_as_httpd(case):
    need_apache2()
    real, ours = run_case(case)
    if case.name in DIFFERENCES:
        _reason, expected = DIFFERENCES[case.name]
        assert ours.as_tuple() == expected
        assert real.as_tuple() != ours.as_tuple(), "httpd now agrees: drop the difference"
    else:
        assert ours.as_tuple() == real.as_tuple()
