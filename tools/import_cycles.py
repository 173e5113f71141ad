#!/usr/bin/env python3
"""Import cycles among heartmonitor's own modules (heartmonitor/, and modules/ under its
installed name heartmonitor.modules), counting imports inside functions too.

    python3 tools/import_cycles.py [ROOT]

Prints each cycle, then the count; exit status 1 when there is a cycle.
"""

from __future__ import annotations

import ast
import pathlib
import sys

PACKAGES = (("heartmonitor", "heartmonitor"), ("modules", "heartmonitor.modules"))


def module_files(root: pathlib.Path) -> dict[str, pathlib.Path]:
    names: dict[str, pathlib.Path] = {}
    for directory, package in PACKAGES:
        for path in (root / directory).rglob("*.py"):
            parts = [part for part in path.relative_to(root / directory).with_suffix("").parts
                     if part != "__init__"]
            names[".".join([package, *parts])] = path
    return names


def imported_names(module: str, node: ast.Import | ast.ImportFrom, is_package: bool) -> list[str]:
    """Every dotted name an import statement may load (a from-import's names may be
    submodules)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        base = module.split(".")
        base = base[: len(base) - node.level + (1 if is_package else 0)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    return [target] + [f"{target}.{alias.name}" for alias in node.names]


def import_graph(root: pathlib.Path) -> dict[str, set[str]]:
    names = module_files(root)
    graph: dict[str, set[str]] = {}
    for module, path in names.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        is_package = path.name == "__init__.py"
        wanted: set[str] = set()
        for node in ast.walk(tree):  # function-local imports included
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            for target in imported_names(module, node, is_package):
                while target and target not in names:
                    target = target.rpartition(".")[0]
                if target and target != module and not module.startswith(target + "."):
                    wanted.add(target)
        graph[module] = wanted
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            for target in edges:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph[target]))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def main(argv: list[str]) -> int:
    root = pathlib.Path(argv[1] if len(argv) > 1 else ".").resolve()
    graph = import_graph(root)
    found = cycles(graph)
    for component in found:
        print("cycle:", " <-> ".join(component))
    print(f"{len(found)} import cycles among {len(graph)} modules (all imports)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
