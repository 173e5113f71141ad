"""Finding a module by the name of its file: emulated, inert, or from a third party.

`LoadModule x_module /any/dir/mod_foo.so` resolves by the file's stem (mod_foo):

1. heartmonitor.modules.mod_foo, a module heartmonitor emulates;
2. the catalogue of stock httpd 2.4 modules: an inert module whose directives are
   checked for context and arity and otherwise ignored;
3. the entry point group "heartmonitor.modules" (a third-party module, name = stem).

Emulated modules that declare only some of their stock directives get the others from
the catalogue, inert, in httpd's table order.
"""

from __future__ import annotations

import os
import sys

from . import modules as emulated_modules
from .catalogue import MODULES, PROVIDERS
from .config.command import Command
from .containers import handler_for
from .core import CORE
from .module import Module

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (-t start-up)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

ENTRY_POINT_GROUP = "heartmonitor.modules"
_cache: dict[str, Module | None] = {}


def modules_dir() -> str:
    """The directory of heartmonitor.modules (modules/ of the source tree, linked in)."""
    return os.path.dirname(emulated_modules.__file__ or "")


_emulated_stems: frozenset[str] | None = None


def emulated(stem: str) -> bool:
    """Whether heartmonitor.modules has a module for the stem (its directory listed
    once: Debian's tree loads a hundred modules)."""
    global _emulated_stems
    if _emulated_stems is None:
        _emulated_stems = frozenset(name[:-3] for name in os.listdir(modules_dir())
                                    if name.endswith(".py"))
    return stem in _emulated_stems


def catalogue_entry(stem: str):
    return MODULES.get(stem)


class InertProvider:
    """A provider a stock module registers (an authz provider, an lbmethod ...).

    Its name resolves, so configurations that use it pass their checks; heartmonitor
    does not run it.
    """

    def __init__(self, group: str, name: str, version: str) -> None:
        self.group = group
        self.name = name
        self.version = version
        self.inert = True

    def __repr__(self) -> str:
        return f"<InertProvider {self.group}/{self.name}/{self.version}>"


def add_stock_providers(module: Module, stem: str) -> None:
    for key in PROVIDERS.get(stem, ()):
        module.providers.setdefault(key, InertProvider(*key))


def inert_command(entry: tuple) -> Command:
    """A stock directive that is checked for context and arity and otherwise ignored."""
    name, how, override, forbidden, help_text = entry
    return Command(name, how, override, help_text, handler_for(name, override),
                   forbidden=forbidden)


def catalogue_command(entry: tuple, handler: Callable[..., Any] | tuple) -> Command:
    """A stock directive as the catalogue declares it, run by the module's handler."""
    name, how, override, forbidden, help_text = entry
    function, data = handler if isinstance(handler, tuple) else (handler, None)
    return Command(name, how, override, help_text, function, data=data, forbidden=forbidden)


def complete_from_catalogue(module: Module, stem: str) -> Module:
    """The module's stock directives in table order: declared, handled, or inert."""
    entry = catalogue_entry(stem)
    handlers = {name.lower(): handler for name, handler in module.handlers.items()}
    if entry is None:
        if handlers:
            raise ValueError(f"{module.identifier}: handlers for directives of a module "
                             f"httpd does not have: {sorted(module.handlers)}")
        return module
    declared = {command.name.lower(): command for command in module.commands}
    ordered = []
    for directive in entry[3]:
        key = directive[0].lower()
        command = declared.pop(key, None)
        handler = handlers.pop(key, None)
        if command is None:
            if handler is not None:
                command = catalogue_command(directive, handler)
            else:
                command = inert_command(directive)
            command.module = module
        ordered.append(command)
    if handlers:
        raise ValueError(f"{module.identifier}: handlers for directives {entry[1]} does not "
                         f"have: {sorted(handlers)}")
    ordered.extend(command for command in module.commands if command.name.lower() in declared)
    module.commands = ordered
    if module.has_dir_config is None:
        module.has_dir_config = entry[2]
    add_stock_providers(module, stem)
    return module


def inert_module(stem: str) -> Module | None:
    entry = catalogue_entry(stem)
    if entry is None:
        return None
    identifier, source, has_dir, directives = entry
    module = Module(identifier, source, [inert_command(d) for d in directives], inert=True)
    module.has_dir_config = has_dir
    add_stock_providers(module, stem)
    return module


def _entry_point(stem: str) -> Module | None:
    # Lazy: importlib.metadata costs -t more than the rest of the start-up; only a stem
    # that is neither emulated nor stock needs it.
    from importlib.metadata import entry_points

    for point in entry_points(group=ENTRY_POINT_GROUP):
        if point.name == stem:
            module = point.load()
            return getattr(module, "MODULE", module)
    return None


def find(stem: str) -> Module | None:
    """The module a file stem stands for, or None when httpd has no such module."""
    if stem in _cache:
        return _cache[stem]
    module = None
    if stem == "core":
        module = complete_from_catalogue(CORE, stem)
    elif stem.replace("_", "").isalnum() and emulated(stem):
        # __import__ rather than importlib.import_module: importlib (and warnings) would
        # be one more import for -t.
        name = f"{__package__}.modules.{stem}"
        __import__(name)
        module = sys.modules[name].MODULE
        complete_from_catalogue(module, stem)
    if module is None:
        module = inert_module(stem)
    if module is None:
        module = _entry_point(stem)
    _cache[stem] = module
    return module


def stem_of(path: str) -> str:
    """mod_foo for /usr/lib/apache2/modules/mod_foo.so (or mod_foo.py, or mod_foo)."""
    base = os.path.basename(path)
    for suffix in (".so", ".py", ".dll", ".nlm"):
        if base.endswith(suffix):
            return base[: -len(suffix)]
    return base
