"""heartmonitor.pcre: regexes compiled and matched by PCRE2, as ap_regcomp/ap_regexec do."""

from __future__ import annotations

import time

import pytest

from heartmonitor import pcre
from tests.conformance.cases import Case
from tests.conformance.harness import run_case
from tests.conftest import need_apache2


@pytest.mark.parametrize("pattern, message", [
    ("(", "missing closing parenthesis at offset 1"),
    ("a{4294967296}", "number too big in {} quantifier at offset 8"),
    ("a{65536}", "number too big in {} quantifier at offset 7"),
    ("[[:foo:]]", "unknown POSIX class name at offset 3"),
    ("(" * 10000 + ")" * 10000, "parentheses are too deeply nested at offset 251"),
])
def test_refused_with_pcre2_message(pattern, message):
    assert pcre.compile_regex(pattern) == message


@pytest.mark.parametrize("pattern", ["a++", r"\Qa(\E", "(?|a|b)", "(?<n>a)(?<n>b)", "é+"])
def test_accepted_where_python_re_differs(pattern):
    assert isinstance(pcre.compile_regex(pattern), pcre.Regex)


def test_a_huge_pattern_is_refused_quickly():
    started = time.monotonic()
    assert pcre.compile_regex("(a|b)*" * 100000) == (
        "too many capturing groups (maximum 65535) at offset 393211")
    assert time.monotonic() - started < 5


def test_default_options_dotall_and_dollar_endonly():
    regex = pcre.compile_regex("^a.b$")
    assert isinstance(regex, pcre.Regex)
    assert regex.search("a\nb") is not None
    assert regex.search("a\nb\n") is None
    no_default = pcre.compile_regex("^a.b$", pcre.NO_DEFAULT)
    assert isinstance(no_default, pcre.Regex)
    assert no_default.search("a\nb") is None
    assert no_default.search("axb\n") is not None


def test_icase_and_captures():
    regex = pcre.compile_regex("/(Status)(x)?/", pcre.ICASE)
    assert isinstance(regex, pcre.Regex)
    assert regex.groups == 2
    found = regex.search("/server/status/")
    assert found is not None
    assert found.spans == [(7, 15), (8, 14), (-1, -1)]
    assert (found.group(0), found.group(1), found.group(2)) == ("/status/", "status", None)


def test_subject_and_pattern_stop_at_nul_bytes():
    regex = pcre.compile_regex("ab\0(")
    assert isinstance(regex, pcre.Regex)
    assert regex.search("xa\0b") is None
    assert regex.search("xab") is not None


def test_pathological_match_gives_up_as_no_match():
    regex = pcre.compile_regex("(a+)+$")
    assert isinstance(regex, pcre.Regex)
    started = time.monotonic()
    assert regex.search("a" * 40 + "b") is None
    assert time.monotonic() - started < 10


NESTED = "(" * 10000 + "a" + ")" * 10000


@pytest.mark.parametrize("body", [
    '<LocationMatch "a{4294967296}">\n</LocationMatch>\n',
    f'<LocationMatch "{NESTED}">\n</LocationMatch>\n',
    '<Location ~ "(?<n>a)(?<n>b)">\n</Location>\n',
    '<DirectoryMatch "\\\\Qa(\\\\E">\n</DirectoryMatch>\n',
    '<Directory ~ "a{2,1}">\n</Directory>\n',
    '<FilesMatch "a{65536}">\n</FilesMatch>\n',
    '<Files ~ "[[:foo:]]">\n</Files>\n',
    '<IfVersion ~ "(">\n</IfVersion>\n',
    '<IfVersion ~ "^2\\\\.4\\\\.(?|6|7)">\nFooBar\n</IfVersion>\n',
    '<IfVersion = /^2\\\\.4\\\\.[0-9]++$/>\nFooBar\n</IfVersion>\n',
    'LoadModule proxy_module {moddir}/mod_proxy.so\n<ProxyMatch "(">\n</ProxyMatch>\n',
    'LoadModule proxy_module {moddir}/mod_proxy.so\n<ProxyMatch "a++">\n</ProxyMatch>\n',
], ids=lambda body: body[:40])
def test_config_regex_accepted_and_refused_as_httpd(body):
    need_apache2()
    real, ours = run_case(Case("regex", body))
    assert ours.as_tuple() == real.as_tuple()
