"""What a module is (a declaration: identifier, directives, hooks) and how hooks are ordered.

A module file in heartmonitor.modules builds one `Module` named MODULE. Hooks are kept per
hook name and sorted the way APR's apr_hook_sort_all does: by order class first, then a
topological sort that honours "run after module X" (predecessors) and "run before module
X" (successors), dragging out-of-order entries to the front.
"""

from __future__ import annotations

from .config.command import Command

REALLY_FIRST = -10
FIRST = 0
MIDDLE = 10
LAST = 20
REALLY_LAST = 30


class Hook:
    """One function registered on a hook by a module."""

    __slots__ = ("function", "order", "predecessors", "successors", "module")

    def __init__(self, function, order=MIDDLE, predecessors=(), successors=()) -> None:
        self.function = function
        self.order = order
        self.predecessors = tuple(predecessors)
        self.successors = tuple(successors)
        self.module: Module | None = None


class Module:
    """A module declaration (httpd's `module` struct).

    identifier: the symbol LoadModule names ("heartmonitor_module").
    source: the C file it stands for ("mod_heartmonitor.c"); hook ordering refers to it.
    commands: its directives, in httpd's table order.
    hooks: {hook name: Hook or function}.
    create_server_config(httpd, server) / create_dir_config(httpd, path): config objects.
    inert: loaded for its directives only (context and arity checks, no behaviour).
    providers / optional_functions: what the module offers other modules by name.
    """

    def __init__(
        self,
        identifier: str,
        source: str,
        commands: list[Command] | tuple = (),
        hooks: dict | None = None,
        create_server_config=None,
        create_dir_config=None,
        inert: bool = False,
        providers: dict | None = None,
        optional_functions: dict | None = None,
    ) -> None:
        self.identifier = identifier
        self.source = source
        self.commands = list(commands)
        for command in self.commands:
            command.module = self
        self.hooks = {}
        for name, hook in (hooks or {}).items():
            if not isinstance(hook, Hook):
                hook = Hook(hook)
            hook.module = self
            self.hooks[name] = hook
        self.create_server_config = create_server_config
        self.create_dir_config = create_dir_config
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
    by_source = {}
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
    done = [False] * count
    result = []
    for _ in range(count):
        n = 0
        while True:
            if n >= count:
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
