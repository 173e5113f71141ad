"""Which request hooks a configuration runs: a function with nothing to do for the
configuration (Hook.needed) is left out of its requests; mod_setenvif's two hooks run
only where SetEnvIf, BrowserMatch or SetEnvIfExpr lines exist."""

from __future__ import annotations

import io

import pytest

from heartmonitor.layout import Layout
from heartmonitor.lifecycle import new_httpd, read_and_check
from heartmonitor.module import Hook, Module
from heartmonitor.options import parse_options
from heartmonitor.server import Httpd
from tests.helpers import write

MODULES = ("authz_core", "authz_host", "status", "setenvif", "env")


def read_httpd(tmp_path, body: str) -> Httpd:
    """The Httpd of a configuration read and checked as `heartmonitor -t` reads it."""
    loads = "".join(f"LoadModule {name}_module modules/mod_{name}.so\n" for name in MODULES)
    conf = write(str(tmp_path / "httpd.conf"),
                 f"ServerRoot {tmp_path}\nServerName localhost\nErrorLog {tmp_path}/error_log\n"
                 "Listen 127.0.0.1:8080\n"
                 f"LoadModule mpm_event_module modules/mod_mpm_event.so\n{loads}{body}")
    options = parse_options(["heartmonitor", "-f", conf], io.StringIO())
    options.bin_name, options.layout = "heartmonitor", Layout()
    httpd = new_httpd(options, stderr=io.StringIO(), stdout=io.StringIO())
    assert read_and_check(httpd, conf), httpd.stderr.getvalue()
    return httpd


def active(httpd: Httpd, name: str) -> list[str]:
    return [hook.module.identifier for hook in httpd.active_hooks(name) if hook.module]


@pytest.mark.parametrize(("body", "post_read_request", "header_parser"), [
    ("", [], []),
    ("<Location /server-status>\n  SetHandler server-status\n  Require local\n"
     "</Location>\n", [], []),
    ("BrowserMatch ^Mozilla/2 nokeepalive\n", ["setenvif_module"], []),
    ("<VirtualHost 127.0.0.1:8080>\n  SetEnvIfNoCase Referer x.example seen\n"
     "</VirtualHost>\n", ["setenvif_module"], []),
    ("<Location /x>\n  SetEnvIf Request_URI ^/x hit\n</Location>\n", [], ["setenvif_module"]),
    ("<Location /x>\n  <If \"-n %{QUERY_STRING}\">\n    SetEnvIfExpr \"true\" hit\n"
     "  </If>\n</Location>\n", [], ["setenvif_module"]),
    ("SetEnvIf Remote_Addr ^127 local\n<Directory /srv>\n  BrowserMatchNoCase bot robot\n"
     "</Directory>\n", ["setenvif_module"], ["setenvif_module"]),
])
def test_setenvif_hooks_run_only_where_its_lines_are(tmp_path, body, post_read_request,
                                                    header_parser):
    httpd = read_httpd(tmp_path, body)
    # Registered either way; left out of the requests when they have nothing to do.
    assert [hook.module.identifier for hook in httpd.hooks("header_parser")
            if hook.module] == ["setenvif_module"]
    assert active(httpd, "post_read_request") == post_read_request
    assert active(httpd, "header_parser") == header_parser
    assert active(httpd, "access_checker") == ["authz_core_module"]


def test_a_hook_that_says_it_is_not_needed_is_left_out_in_order():
    calls = []

    def first(httpd, request):
        calls.append("first")

    def second(httpd, request):
        calls.append("second")

    httpd = Httpd()
    httpd.add_module(Module("a_module", "a.c", hooks={
        "header_parser": Hook(first, needed=lambda httpd: "ON" in httpd.defines)}))
    httpd.add_module(Module("b_module", "b.c", hooks={"header_parser": second}))
    assert [hook.function for hook in httpd.active_hooks("header_parser")] == [second]
    httpd.define("ON", None)
    assert [hook.function for hook in httpd.active_hooks("header_parser")] == [first, second]
    # run_hook keeps running every registered function.
    assert httpd.run_hook("header_parser", None) is True
    assert calls == ["first", "second"]
