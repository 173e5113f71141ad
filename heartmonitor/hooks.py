"""Every hook a module may register on, declared once (httpd's AP_DECLARE_HOOK).

A declaration names the hook, the parameters its functions take after the Httpd, and how
the results of the functions combine (httpd's AP_IMPLEMENT_HOOK_RUN_ALL / RUN_FIRST /
VOID, plus the two ways heartmonitor gathers output). `Module` refuses a hook that is not
declared here or whose function cannot take the declared arguments; `Httpd.run_hook`
combines the results as the declaration says.

A third-party module with hooks of its own calls `declare` before building its Module.
"""

from __future__ import annotations

import enum
import inspect
from collections.abc import Callable
from dataclasses import dataclass

from .constants import DECLINED, OK


class Combine(enum.Enum):
    """How the results of a hook's functions make the hook's result."""

    # Every function runs until one fails (False, or a status other than OK/DECLINED).
    RUN_ALL = "run all"
    # Functions run until one answers something other than None or DECLINED.
    FIRST = "first non-declined"
    # Every function runs; the results (None left out) make a list.
    COLLECT = "collect"
    # Every function runs; the results are joined (text) or chained (lists).
    CONCATENATE = "concatenate"


@dataclass(frozen=True)
class HookDeclaration:
    name: str
    params: tuple[str, ...]  # after the Httpd, which every hook function takes first
    combine: Combine
    doc: str
    text: bool = False  # CONCATENATE: the answers are text (joined), else lists (chained)

    def check(self, function: Callable[..., object], owner: str) -> None:
        """Refuse a function that cannot be called with this hook's arguments."""
        try:
            inspect.signature(function).bind("httpd", *self.params)
        except TypeError:
            wanted = ", ".join(("httpd", *self.params))
            raise TypeError(
                f"{owner}: hook {self.name} calls its functions as f({wanted})"
            ) from None
        except ValueError:  # a builtin without a signature: trust it
            pass


HOOKS: dict[str, HookDeclaration] = {}


def declare(name: str, params: tuple[str, ...], combine: Combine, doc: str,
            text: bool = False) -> None:
    HOOKS[name] = HookDeclaration(name, params, combine, doc, text)


def declaration(name: str) -> HookDeclaration:
    found = HOOKS.get(name)
    if found is None:
        raise KeyError(f"undeclared hook {name!r} (heartmonitor.hooks declares {sorted(HOOKS)})")
    return found


def failed(result: object) -> bool:
    """A RUN_ALL function's answer that stops the hook: False or an HTTP/error status."""
    if isinstance(result, bool):
        return not result
    return isinstance(result, int) and result not in (OK, DECLINED)


def declined(result: object) -> bool:
    """A FIRST function's answer that passes the turn on: None, False or DECLINED."""
    if isinstance(result, bool):
        return not result
    return result is None or result == DECLINED


def concatenate(results: list[object], text: bool) -> str | list[object]:
    if text:
        return "".join(str(result) for result in results)
    chained: list[object] = []
    for result in results:
        if isinstance(result, (list, tuple)):
            chained.extend(result)
    return chained


RUN_ALL, FIRST, COLLECT, CONCATENATE = (Combine.RUN_ALL, Combine.FIRST, Combine.COLLECT,
                                        Combine.CONCATENATE)

# -- the configuration pipeline (httpd's main()) ------------------------------------------
declare("pre_config", (), RUN_ALL, "before the tree is walked; False: AH00013")
declare("check_config", (), RUN_ALL, "after the walk and the vhost fix-up; False: AH00014")
declare("test_config", (), RUN_ALL, "-t and the DUMP_* reports, in place of serving")
declare("post_config", (), RUN_ALL, "logs are open, before serving; False stops start-up")
declare("child_init", (), RUN_ALL, "the event loop runs: start background work")
declare("shutdown", ("final",), RUN_ALL, "a generation ends (final: the process exits)")
declare("strict_check", (), CONCATENATE, "--strict: a list of Findings per module")
declare("console", ("say",), RUN_ALL, "foreground runs: say(text) writes one console line")
# -- requests --------------------------------------------------------------------------
declare("access_checker", ("request",), FIRST,
        "OK or DECLINED lets the request through; an HTTP status refuses it (may await)")
declare("handler", ("request",), FIRST, "answers the request: OK/DONE or a status (may await)")
# -- mod_status ------------------------------------------------------------------------
declare("status_hook", ("request", "flags"), CONCATENATE,
        "text or a list of pieces for the page (may await)", text=True)
declare("status_json", ("request", "now"), COLLECT, "a dict merged into ?json (may await)")
declare("status_metrics", ("request", "now"), CONCATENATE,
        "Prometheus lines for ?metrics (may await)")
# -- mod_watchdog (wd_need / wd_init / wd_step / wd_exit) --------------------------------
declare("watchdog_need", ("server", "name", "parent", "singleton"), FIRST,
        "True: the named watchdog must run (False declines)")
declare("watchdog_init", ("server", "name"), RUN_ALL, "a watchdog without callbacks starts")
declare("watchdog_step", ("server", "name"), RUN_ALL, "every WatchdogInterval")
declare("watchdog_exit", ("server", "name"), RUN_ALL, "the watchdog stops")
