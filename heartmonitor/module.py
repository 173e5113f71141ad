"""What a module is (a declaration: identifier, directives, hooks) and how hooks are ordered.

A module file in heartmonitor.modules builds one `Module` named MODULE. Hooks are kept per
hook name and sorted the way APR's apr_hook_sort_all does: by order class first, then a
topological sort that honours "run after module X" (predecessors) and "run before module
X" (successors), dragging out-of-order entries to the front.
"""

from __future__ import annotations

from . import hooks as declared_hooks
from .config.command import Command

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (-t start-up)
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

    # httpd's module config slots: create_server_config(httpd, server),
    # create_dir_config(httpd, path), merge_dir_config(base, new). (The Httpd is not
    # named here: server.py builds on this module.)
    ServerConfigFactory = Callable[[Any, Any], Any]
    DirConfigFactory = Callable[[Any, "str | None"], Any]
    DirConfigMerger = Callable[[Any, Any], Any]

REALLY_FIRST = -10
FIRST = 0
MIDDLE = 10
LAST = 20
REALLY_LAST = 30


class Hook:
    """One function registered on a hook by a module.

    needed(httpd): whether the function has anything to do for this configuration; a
    request hook that answers False is left out of the generation's requests (see
    Httpd.active_hooks). None: always run.
    """

    __slots__ = ("function", "order", "predecessors", "successors", "module", "needed")

    def __init__(self, function: Callable[..., Any], order: int = MIDDLE,
                 predecessors: tuple[str, ...] | list[str] = (),
                 successors: tuple[str, ...] | list[str] = (),
                 needed: Callable[[Any], bool] | None = None) -> None:
        self.function = function
        self.order = order
        self.predecessors = tuple(predecessors)
        self.successors = tuple(successors)
        self.module: Module | None = None
        self.needed = needed


class Module:
    """A module declaration (httpd's `module` struct).

    identifier: the symbol LoadModule names ("heartmonitor_module").
    source: the C file it stands for ("mod_heartmonitor.c"); hook ordering refers to it.
    commands: directives declared in full (heartmonitor's own, or a stock one whose
      declaration must differ), in httpd's table order.
    handlers: {stock directive name: handler or (handler, data)}; everything else about
      the directive comes from the catalogue, including the context check the walker
      applies before calling the handler.
    hooks: {hook name: Hook or function}; every name is declared in heartmonitor.hooks
      and every function takes that hook's arguments (checked here, at registration).
    create_server_config(httpd, server) / create_dir_config(httpd, path): config objects.
    merge_dir_config(base, new): a request's per-directory config from two sections'
      (None: fields the later section sets override the earlier ones).
    inert: loaded for its directives only (context and arity checks, no behaviour).
    providers / optional_functions: what the module offers other modules by name.
    """

    def __init__(
        self,
        identifier: str,
        source: str,
        commands: list[Command] | tuple[Command, ...] = (),
        hooks: dict[str, Hook | Callable[..., Any]] | None = None,
        create_server_config: ServerConfigFactory | None = None,
        create_dir_config: DirConfigFactory | None = None,
        inert: bool = False,
        providers: Mapping[tuple[str, str, str], object] | None = None,
        optional_functions: dict[str, Callable[..., Any]] | None = None,
        merge_dir_config: DirConfigMerger | None = None,
        handlers: Mapping[str, Callable[..., Any] | tuple[Callable[..., Any], Any]] | None = None,
    ) -> None:
        self.identifier = identifier
        self.source = source
        self.commands = list(commands)
        for command in self.commands:
            command.module = self
        self.hooks: dict[str, Hook] = {}
        for name, hook in (hooks or {}).items():
            if not isinstance(hook, Hook):
                hook = Hook(hook)
            declared_hooks.declaration(name).check(hook.function, identifier)
            hook.module = self
            self.hooks[name] = hook
        self.create_server_config = create_server_config
        self.create_dir_config = create_dir_config
        self.merge_dir_config = merge_dir_config
        # Handlers of stock directives: {name: handler or (handler, cmd data)}. The
        # registry builds their Commands from the catalogue (arity, context, help).
        self.handlers = dict(handlers or {})
        self.inert = inert
        # ap_register_provider: {(group, name, version): provider}.
        self.providers = dict(providers or {})
        # APR_REGISTER_OPTIONAL_FN: {name: function}.
        self.optional_functions = dict(optional_functions or {})
        # Whether httpd's module has per-directory config (shown by -L); None = not known.
        self.has_dir_config: bool | None = True if create_dir_config else None

    @property
    def short_name(self) -> str:
        """The name error_log lines show ("heartmonitor" for heartmonitor_module)."""
        name = self.identifier
        return name[: -len("_module")] if name.endswith("_module") and len(name) > 7 else name

    def __repr__(self) -> str:
        return f"<Module {self.identifier} ({self.source})>"


def sort_hooks(hooks: list[Hook]) -> list[Hook]:
    """apr_hook_sort: order classes first, then the predecessor/successor constraints."""
    items = sorted(hooks, key=lambda hook: hook.order)
    count = len(items)
    predecessors: list[list[int | None]] = [[] for _ in range(count)]
    by_source: dict[str, int] = {}
    for index, hook in enumerate(items):
        by_source.setdefault(hook.module.source if hook.module else "", index)
    for index, hook in enumerate(items):
        for name in hook.predecessors:
            other = by_source.get(name)
            if other is not None and other not in predecessors[index]:
                predecessors[index].append(other)
        for name in hook.successors:
            other = by_source.get(name)
            if other is not None and index not in predecessors[other]:
                predecessors[other].append(index)
    _refuse_loops(items, predecessors)
    done = [False] * count
    result = []
    for _ in range(count):
        n = 0
        while True:
            if n >= count:  # unreachable once _refuse_loops passed
                raise ValueError("hook ordering loop")
            if not done[n]:
                remaining = [p for p in predecessors[n] if p is not None]
                if not remaining:
                    break
                n = remaining[0]
                continue
            n += 1
        done[n] = True
        result.append(items[n])
        for preds in predecessors:
            if n in preds:
                preds[preds.index(n)] = None
    return result


def _refuse_loops(items: list[Hook], predecessors: list[list[int | None]]) -> None:
    """A predecessor/successor loop is a module bug: name the modules in it."""
    graph = {index: [p for p in preds if p is not None] for index, preds in enumerate(predecessors)}
    if not any(graph.values()):
        return  # no constraint, no loop
    import graphlib  # here: most hooks have no constraint (-t start-up time)

    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as error:
        names = [items[i].module.source if items[i].module else "?" for i in error.args[1]]
        raise ValueError(f"hook ordering loop: {' -> '.join(names)}") from None
