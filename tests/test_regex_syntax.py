"""heartmonitor.regex_syntax: a pattern it vouches for is one PCRE2 compiles, and the
regexes of ordinary configurations (Debian's among them) are vouched for without PCRE2."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heartmonitor import pcre
from heartmonitor.regex import ICASE, pregcomp
from heartmonitor.regex_syntax import certainly_compiles

FLAG_SETS = (0, pcre.ICASE, pcre.NEWLINE, pcre.NO_DEFAULT, pcre.ICASE | pcre.NEWLINE)

# The characters regex syntax is made of, and a few ordinary ones.
PIECES = list("\\^$.|?*+()[]{}-:!=<>,aZz09_/ ") + [
    "(?:", "(?", "[^", "\\d", "\\w", "\\s", "\\b", "\\B", "\\1", "\\Q", "\\.", "a-z", "z-a",
    "[:alpha:]", "{2}", "{2,}", "{,3}", "é", "\t"]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=14).map("".join))
def test_a_pattern_vouched_for_compiles_with_every_flag(pattern):
    if certainly_compiles(pattern):
        for flags in FLAG_SETS:
            assert isinstance(pcre.compile_regex(pattern, flags), pcre.Regex), (pattern, flags)


@pytest.mark.parametrize("pattern", [
    r"^\.ht", r"\.(?:cgi|shtml|phtml|php)$", r"^/old0/(.*)$", r"MSIE [2-6]",
    r"^WebDAVFS/1\.[012]", r"^gnome-vfs/1\.0", "x", "", r"^/(a|b)+?/[^/]*$",
    r"\.(gif|jpe?g|png)$", r"[-_a-z0-9.]+", r"^[\w.-]+\\$", r"a*+b?+",
])
def test_ordinary_patterns_are_vouched_for(pattern):
    assert certainly_compiles(pattern)
    assert isinstance(pcre.compile_regex(pattern), pcre.Regex)


@pytest.mark.parametrize("pattern", [
    "(", ")", "a)", "*a", "a**", "(*)", "^*", r"\b+", "[]", "[^]", "[z-a]", "[a-\\d]",
    "[[:alpha:]]", "a{2}", r"\1", r"(?i)a", r"(?<n>a)", "\\", "[a", "é", "(" * 40 + ")" * 40,
    "a" * 1025,
])
def test_other_patterns_are_left_to_pcre2(pattern):
    assert not certainly_compiles(pattern)


def test_a_deferred_regex_matches_as_the_compiled_one():
    deferred, compiled = pregcomp("^/Old/(.*)$", ICASE), pcre.compile_regex("^/Old/(.*)$",
                                                                            pcre.ICASE)
    assert isinstance(compiled, pcre.Regex)
    for subject in ("/old/x/y", "/OLD/", "/new/x", "x/old/y"):
        found, expected = deferred.search(subject), compiled.search(subject)
        assert (found is None) == (expected is None)
        if found is not None and expected is not None:
            assert (found.group(0), found.group(1)) == (expected.group(0), expected.group(1))
    assert deferred.groups == compiled.groups == 1
    assert deferred.group_names() == {}


def test_a_deferred_regex_keeps_the_default_options_in_force_when_it_was_made():
    pcre.set_default_cflags(pcre.DEFAULT)
    deferred = pregcomp("^a.b$")
    pcre.set_default_cflags(0)  # RegexDefaultOptions None, read after the pattern
    try:
        assert deferred.search("a\nb") is not None  # DOTALL, as when it was read
        assert deferred.search("a-b\n") is None  # DOLLAR_ENDONLY
    finally:
        pcre.set_default_cflags(pcre.DEFAULT)
