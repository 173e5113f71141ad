"""Property tests: the fast reader and word splitter against httpd's rules.

* words: heartmonitor's ap_getword_conf port against the pyparsing reference grammar;
* lines: the bulk reader (logical lines split up front) against the line-by-line port
  of ap_cfg_getline, and both against the real apache2 on generated configurations;
* remembered answers: `Require ip` lines and <VirtualHost> addresses answer the same the
  second time as when first parsed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heartmonitor.apr.fnmatch import _fnmatch, fnmatch
from heartmonitor.config.command import TAKE_ARGV, Command
from heartmonitor.config.grammar import reference_words
from heartmonitor.config.reader import ConfigFile, LineBuffer
from heartmonitor.config.walker import PLAIN_SPLITTERS, SPLITTERS
from heartmonitor.config.words import first_word, getword_conf, resolve_env, split_words
from tests.conftest import need_apache2

WORD_CHARS = st.text(alphabet=" \t\v\f\r\"'\\abc=é\x1c", max_size=24)


@settings(max_examples=1500, deadline=None)
@given(WORD_CHARS)
def test_split_words_matches_reference_grammar(text):
    assert split_words(text) == reference_words(text)


@settings(max_examples=1500, deadline=None)
@given(WORD_CHARS)
def test_first_word_matches_getword(text):
    word, pos = getword_conf(text)
    assert first_word(text) == (word, text[pos:])


PLAIN_ARGS = st.text(alphabet=" \t\v\f\rab=", max_size=24)


@settings(max_examples=600, deadline=None)
@given(st.sampled_from(sorted(PLAIN_SPLITTERS)), PLAIN_ARGS)
def test_plain_splitters_count_as_the_word_by_word_ones(how, args):
    """invoke_cmd's str.split() path gives each cmd_how the same calls or message."""
    command = Command("FooBar", how, 0, "the help text")
    assert PLAIN_SPLITTERS[how](command, args.split()) == SPLITTERS[how](command, args)


def test_plain_take_argv_stops_at_64_arguments():
    command = Command("FooBar", TAKE_ARGV, 0, None)
    args = " ".join(f"a{i}" for i in range(70))
    assert PLAIN_SPLITTERS[TAKE_ARGV](command, args.split()) == SPLITTERS[TAKE_ARGV](
        command, args) == [([f"a{i}" for i in range(64)],)]


NAME_PARTS = st.sampled_from(["a", "b", ".", "conf", "load", "é", "\udcff", "~"])


@settings(max_examples=1000, deadline=None)
@given(st.lists(NAME_PARTS, max_size=3).map("".join),
       st.lists(NAME_PARTS, max_size=6).map("".join))
def test_star_suffix_patterns_match_as_apr_fnmatch_loop(tail, name):
    """'*.conf' and the like take a shortcut: the same answer as the port of the loop."""
    assert fnmatch("*" + tail, name) == _fnmatch("*" + tail, name)


def lines_slowly(data: str):
    config = ConfigFile("x", data)
    config._plain = None
    return read_all(config)


def read_all(config: ConfigFile):
    buffer = LineBuffer()
    out = []
    while True:
        line = config.getline(buffer)
        out.append((config.line_number, line))
        if line is None:
            return out


TEXT = st.lists(st.sampled_from(["a", " ", "\t", "\\", "\n", "\r", "#", "\\\n", "\\\\\n",
                                 "\\\r\n", "x y", '"q"']), max_size=20).map("".join)


@settings(max_examples=2000, deadline=None)
@given(TEXT)
def test_bulk_reader_matches_line_by_line_port(data):
    assert read_all(ConfigFile("x", data)) == lines_slowly(data)


def test_reader_quirks():
    # After a line ending in two backslashes, an empty line continues the join too.
    assert read_all(ConfigFile("x", "a\\\\\n\nb\n")) == [(3, "ab"), (4, None)]
    # A continuation at the very end counts one more line.
    assert read_all(ConfigFile("x", "a \\\n")) == [(2, "a"), (3, None)]
    # A NUL ends the physical line; past the buffer the rest is the next line.
    data = "Foo a\0" + "y" * 300 + " z\nBar\n"
    assert [line for _n, line in read_all(ConfigFile("x", data))] == [
        "Foo a", "y" * 100 + " z", "Bar", None]


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="ab${}:", max_size=16))
def test_resolve_env_leaves_unknown_names(text):
    seen = []
    out = resolve_env(text, lambda name: None, seen.append)
    assert out == text
    assert all(":" not in name for name in seen)


LINE = st.one_of(
    st.builds(lambda w: "ServerAdmin " + w, WORD_CHARS.filter(lambda s: "\n" not in s)),
    st.sampled_from(["<Directory /x>", "</Directory>", "Define X y", "ServerAdmin ${X}",
                     "# c \\", "Options None", "", "FooBar", "<IfDefine X>", "</IfDefine>"]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINE, max_size=6), st.sampled_from(["\n", "\r\n", " \\\n"]))
def test_generated_configurations_answer_like_httpd(lines, ending):
    """Random small configurations: the same verdict and message as apache2 -t."""
    apache2 = need_apache2()
    with tempfile.TemporaryDirectory() as root:
        conf = os.path.join(root, "httpd.conf")
        head = (f"ServerRoot {root}\nLoadModule mpm_event_module "
                "/usr/lib/apache2/modules/mod_mpm_event.so\n"
                f"ErrorLog {root}/e\nPidFile {root}/p\nServerName x\n")
        with open(conf, "w") as handle:
            handle.write(head + ending.join(lines) + "\n")
        real = subprocess.run([apache2, "-f", conf, "-t"], capture_output=True)
        ours = subprocess.run([sys.executable, "-m", "heartmonitor", "-f", conf, "-t"],
                              capture_output=True)
    assert ours.returncode == real.returncode
    assert strip_log_prefix(ours.stderr.replace(b"heartmonitor:", b"PROG:")) == \
        strip_log_prefix(real.stderr.replace(b"apache2:", b"PROG:"))


def strip_log_prefix(text: bytes) -> bytes:
    import re

    return re.sub(rb"^\[[^]]*\] \[[^]]*\] \[pid \d+:tid \d+\] ", b"", text, flags=re.M)


def _subnets(parsed):
    error, subnets = parsed
    return error, None if subnets is None else [(s.family, s.sub, s.mask) for s in subnets]


IP_WORDS = st.lists(st.text(alphabet="0123456789.:/abf x", max_size=12), max_size=3).map(
    " ".join)


@settings(max_examples=300, deadline=None)
@given(IP_WORDS)
def test_require_ip_lines_answer_alike_first_and_again(line):
    from heartmonitor.modules.mod_authz_host import _ip_parse, ip_parse

    uncached = _subnets(_ip_parse(line))
    first, again = ip_parse(None, line), ip_parse(None, line)
    assert _subnets(first) == uncached
    assert _subnets(again) == uncached
    if first[1] is not None:  # every section gets a list of its own
        assert first[1] is not again[1]


ADDRESS_WORDS = st.text(alphabet="0123456789.:[]%*abf_-", max_size=14)


@settings(max_examples=300, deadline=None)
@given(ADDRESS_WORDS, st.sampled_from([0, 80, 8080]))
def test_virtualhost_addresses_answer_alike_first_and_again(word, default_port):
    from heartmonitor import vhost

    def no_lookup(host, port, *args):  # names are not resolved here: no traffic
        return [(0, 0, 0, "", (f"looked-up {host}", port))]

    real_lookup, vhost.getaddrinfo = vhost.getaddrinfo, no_lookup
    try:
        vhost._PARSED_ADDRESSES.clear()
        answers = []
        for _ in range(2):  # the first parses the word as before, the second remembers
            addrs: list = []
            error = vhost.get_addresses(None, word, default_port, addrs)
            answers.append((error, [(a.family, a.ip, a.port, a.virthost) for a in addrs]))
    finally:
        vhost.getaddrinfo = real_lookup
    assert answers[0] == answers[1]
