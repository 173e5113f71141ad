"""Declared hooks: registration checks, how results combine, httpd's ordering."""

from __future__ import annotations

import asyncio

import pytest

from heartmonitor.constants import DECLINED, OK
from heartmonitor.hooks import HOOKS, Combine
from heartmonitor.module import FIRST, LAST, Hook, Module
from heartmonitor.server import Httpd


def httpd_with(*modules: Module) -> Httpd:
    httpd = Httpd()
    for module in modules:
        httpd.add_module(module)
    return httpd


def test_an_undeclared_hook_name_is_refused_at_registration():
    with pytest.raises(KeyError, match="undeclared hook 'post_confg'"):
        Module("x_module", "mod_x.c", hooks={"post_confg": lambda httpd: None})


def test_a_function_that_cannot_take_the_declared_arguments_is_refused():
    with pytest.raises(TypeError, match=r"x_module: hook handler calls its functions as "
                                        r"f\(httpd, request\)"):
        Module("x_module", "mod_x.c", hooks={"handler": lambda httpd: None})
    Module("y_module", "mod_y.c", hooks={"handler": lambda httpd, *rest: None})


def test_every_hook_the_modules_use_is_declared_with_a_combination():
    assert {"pre_config", "post_config", "handler", "access_checker", "status_hook",
            "strict_check", "watchdog_need"} <= set(HOOKS)
    assert HOOKS["handler"].combine is Combine.FIRST
    assert HOOKS["post_config"].combine is Combine.RUN_ALL
    assert HOOKS["status_json"].combine is Combine.COLLECT
    assert HOOKS["status_hook"].combine is Combine.CONCATENATE


def test_run_all_stops_at_the_first_failure():
    calls = []

    def ok(httpd):
        calls.append("ok")

    def fails(httpd):
        calls.append("fails")
        return False

    def never(httpd):
        calls.append("never")

    httpd = httpd_with(Module("a_module", "a.c", hooks={"post_config": Hook(ok, FIRST)}),
                       Module("b_module", "b.c", hooks={"post_config": fails}),
                       Module("c_module", "c.c", hooks={"post_config": Hook(never, LAST)}))
    assert httpd.run_hook("post_config") is False
    assert calls == ["ok", "fails"]
    assert httpd_with().run_hook("post_config") is True


def test_first_skips_declined_and_returns_the_first_answer():
    httpd = httpd_with(
        Module("a_module", "a.c", hooks={"handler": Hook(lambda h, r: DECLINED, FIRST)}),
        Module("b_module", "b.c", hooks={"handler": lambda h, r: 404}),
        Module("c_module", "c.c", hooks={"handler": Hook(lambda h, r: OK, LAST)}),
    )
    assert httpd.run_hook("handler", object()) == 404
    assert httpd_with().run_hook("handler", object()) == DECLINED


def test_first_awaits_coroutine_answers():
    async def later(httpd, request):
        return 403

    httpd = httpd_with(Module("a_module", "a.c", hooks={"access_checker": later}))
    assert asyncio.run(httpd.run_hook_first("access_checker", object())) == 403


def test_collect_and_concatenate():
    httpd = httpd_with(
        Module("a_module", "a.c", hooks={"status_json": lambda h, r, now: {"a": now},
                                          "status_hook": lambda h, r, f: "<p>a</p>",
                                          "status_metrics": lambda h, r, now: ["a 1"]}),
        Module("b_module", "b.c", hooks={"status_json": lambda h, r, now: None,
                                          "status_hook": lambda h, r, f: "<p>b</p>",
                                          "status_metrics": lambda h, r, now: ["b 2", "b 3"]}),
    )
    assert httpd.run_hook("status_json", None, 7) == [{"a": 7}]
    assert httpd.run_hook("status_hook", None, 0) == "<p>a</p><p>b</p>"
    assert httpd.run_hook("status_metrics", None, 0) == ["a 1", "b 2", "b 3"]
    assert httpd_with().run_hook("status_hook", None, 0) == ""


def test_predecessors_order_hooks_as_apr_does():
    order = []
    a = Module("a_module", "mod_a.c",
               hooks={"pre_config": Hook(lambda h: order.append("a"),
                                         predecessors=("mod_b.c",))})
    b = Module("b_module", "mod_b.c", hooks={"pre_config": lambda h: order.append("b")})
    httpd_with(a, b).run_hook("pre_config")
    assert order == ["b", "a"]


def test_an_ordering_loop_names_the_modules():
    a = Module("a_module", "mod_a.c",
               hooks={"pre_config": Hook(lambda h: None, predecessors=("mod_b.c",))})
    b = Module("b_module", "mod_b.c",
               hooks={"pre_config": Hook(lambda h: None, predecessors=("mod_a.c",))})
    with pytest.raises(ValueError, match=r"hook ordering loop: mod_[ab]\.c -> mod_[ab]\.c -> "):
        httpd_with(a, b).run_hook("pre_config")


def test_the_http_core_names_no_module():
    import heartmonitor.http.dispatch as dispatch

    source = open(dispatch.__file__).read()
    assert "mod_authz" not in source and "heartmonitor.modules" not in source
