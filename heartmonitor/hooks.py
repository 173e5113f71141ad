"""Every hook a module may register on, declared once (httpd's AP_DECLARE_HOOK).

A declaration names the hook, the parameters its functions take after the Httpd, and how
the results of the functions combine (httpd's AP_IMPLEMENT_HOOK_RUN_ALL / RUN_FIRST /
VOID, plus the two ways heartmonitor gathers output). `Module` refuses a hook that is not
declared here or whose function cannot take the declared arguments; `Httpd.run_hook`
combines the results as the declaration says.

A third-party module with hooks of its own calls `declare` before building its Module.
"""

from __future__ import annotations

from types import FunctionType, MethodType

from .constants import DECLINED, OK

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (-t start-up)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import ClassVar

# co_flags bit of a function that takes *args (inspect.CO_VARARGS).
_CO_VARARGS = 0x04


class Combine:
    """How the results of a hook's functions make the hook's result: one of the four
    constants below, compared by identity. (A plain class: enum, with the functools and
    collections it imports, costs every -t more than this module does.)"""

    __slots__ = ("value",)
    # Every function runs until one fails (False, or a status other than OK/DECLINED).
    RUN_ALL: ClassVar[Combine]
    # Functions run until one answers something other than None or DECLINED.
    FIRST: ClassVar[Combine]
    # Every function runs; the results (None left out) make a list.
    COLLECT: ClassVar[Combine]
    # Every function runs; the results are joined (text) or chained (lists).
    CONCATENATE: ClassVar[Combine]

    def __init__(self, value: str) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"<Combine {self.value}>"


Combine.RUN_ALL = Combine("run all")
Combine.FIRST = Combine("first non-declined")
Combine.COLLECT = Combine("collect")
Combine.CONCATENATE = Combine("concatenate")


def _takes_positionals(function: Callable[..., object], count: int) -> bool | None:
    """Whether a plain function or bound method can be called with COUNT positional
    arguments; None for any other callable. Read from the code object: every module's
    hooks are checked when -t loads it, and inspect costs more to import than -t has."""
    if isinstance(function, MethodType):  # self is given
        return _takes_positionals(function.__func__, count + 1)
    if (not isinstance(function, FunctionType) or hasattr(function, "__wrapped__")
            or hasattr(function, "__signature__")):
        return None  # inspect.signature may say otherwise than the code object
    code = function.__code__
    if code.co_kwonlyargcount > len(function.__kwdefaults__ or {}):
        return False  # a keyword-only argument without default is never given
    required = code.co_argcount - len(function.__defaults__ or ())
    return required <= count and (count <= code.co_argcount
                                  or bool(code.co_flags & _CO_VARARGS))


def _signature_takes(function: Callable[..., object], arguments: tuple[str, ...]) -> bool:
    # Lazy: only a callable other than a function or method (a partial, a class, a
    # callable object) needs inspect; -t's own hooks never do.
    import inspect

    try:
        inspect.signature(function).bind(*arguments)
    except TypeError:
        return False
    except ValueError:  # a builtin without a signature: trust it
        pass
    return True


class HookDeclaration:
    # A plain class: a dataclass imports inspect, and a NamedTuple compiles its
    # annotations; every -t pays for this module.
    __slots__ = ("name", "params", "combine", "doc", "text")

    def __init__(self, name: str, params: tuple[str, ...], combine: Combine, doc: str,
                 text: bool = False) -> None:
        self.name = name
        self.params = params  # after the Httpd, which every hook function takes first
        self.combine = combine
        # CONCATENATE: the answers are text (joined), else lists (chained)
        self.text = text
        self.doc = doc

    def check(self, function: Callable[..., object], owner: str) -> None:
        """Refuse a function that cannot be called with this hook's arguments."""
        arguments = ("httpd", *self.params)
        takes = _takes_positionals(function, len(arguments))
        if takes is None:
            takes = _signature_takes(function, arguments)
        if not takes:
            wanted = ", ".join(arguments)
            raise TypeError(f"{owner}: hook {self.name} calls its functions as f({wanted})")


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
declare("post_read_request", ("request",), RUN_ALL,
        "the request's server is known, before its sections are walked (an HTTP status fails)")
declare("header_parser", ("request",), RUN_ALL,
        "the request's sections are merged, before access checks (an HTTP status fails)")
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
