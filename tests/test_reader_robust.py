"""The configuration reader: both of its paths agree, continuation stays linear, and
files that are not regular are refused without blocking."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heartmonitor.config import reader
from tests.conformance.cases import Case
from tests.conformance.harness import run_case
from tests.conftest import need_apache2
from tests.helpers import heartmonitor, write


def _logical_lines(data: str, general: bool) -> list:
    config_file = reader.ConfigFile("x", data)
    if general:
        config_file._plain = None
    buffer = reader.LineBuffer()
    out: list = []
    while True:
        try:
            line = config_file.getline(buffer)
        except reader.LineTooLong as error:
            return [*out, ("too long", error.args)]
        out.append((config_file.line_number, line))
        if line is None:
            return out


PIECES = st.sampled_from(["a", " ", "\\", "\n", "\r", "\0", "#", "\t", "x" * 300])


@settings(max_examples=1500, deadline=None)
@given(st.lists(PIECES, max_size=40).map("".join))
def test_bulk_and_line_by_line_reading_agree(data):
    assert _logical_lines(data, general=False) == _logical_lines(data, general=True)


@pytest.mark.parametrize("data, expected", [
    ("a\\\nb\n", [(2, "ab"), (3, None)]),
    ("a \\\r\n  b\r\n", [(2, "a   b"), (3, None)]),
    ("a\\\\\n\nb\n", [(3, "ab"), (4, None)]),
    ("a\\\\\n\n\nb\n", [(3, "a"), (4, "b"), (5, None)]),
    ("a\\", [(1, "a\\"), (2, None)]),
    ("a\\\n", [(2, "a"), (3, None)]),
    ("# c \\\nd\n", [(2, "# c d"), (3, None)]),
])
def test_continuation_quirks(data, expected):
    assert _logical_lines(data, general=False) == expected
    assert _logical_lines(data, general=True) == expected


@pytest.mark.parametrize("body", [
    "ServerAdmin a\\\\\n\nFooBar x\n",
    "ServerAdmin a\\\\\n\n\nFooBar x\n",
    "ServerAdmin a\\\\\r\n\r\nFooBar x\n",
    "ServerAdmin a \\\n\\\n\\\nb\n",
])
def test_continuation_quirks_as_httpd(body):
    need_apache2()
    real, ours = run_case(Case("quirk", body))
    assert ours.as_tuple() == real.as_tuple()


@pytest.mark.parametrize("lines", [300_000, 1_600_000])
def test_continuation_heavy_line_answered_as_httpd(lines):
    """300,000 continued lines fit; 1.6 million make a 17.6 MB line: 'Line too long'."""
    need_apache2()
    real, ours = run_case(Case("continued", "ServerAdmin " + "abcdefghijk\\\n" * lines + "x\n"))
    assert ours.as_tuple() == real.as_tuple()


@pytest.fixture
def fifo(tmp_path):
    path = str(tmp_path / "fifo.conf")
    os.mkfifo(path)
    return path


def test_a_fifo_as_the_configuration_file_is_refused(fifo):
    result = heartmonitor("-t", "-f", fifo, timeout=20)
    assert result.returncode == 1
    assert result.stderr.split("] ", 3)[-1] == (
        f"AH00554: Access to file {fifo} denied by server: not a regular file\n"
        f"heartmonitor: Could not open configuration file {fifo}: Bad file descriptor\n")


@pytest.mark.parametrize("directive", ["Include", "IncludeOptional"])
def test_an_included_fifo_is_refused(tmp_path, fifo, directive):
    conf = write(str(tmp_path / "main.conf"), f"ServerName x\n{directive} {fifo}\n")
    result = heartmonitor("-t", "-f", conf, timeout=20)
    assert result.returncode == 1
    assert result.stderr.split("] ", 3)[-1] == (
        f"AH00554: Access to file {fifo} denied by server: not a regular file\n"
        f"heartmonitor: Syntax error on line 2 of {conf}: Could not open configuration file "
        f"{fifo}: Bad file descriptor\n")


def test_an_included_device_is_refused_as_httpd_does():
    need_apache2()
    real, ours = run_case(Case("device", "Include /dev/zero\n"))
    assert ours.as_tuple() == real.as_tuple()
