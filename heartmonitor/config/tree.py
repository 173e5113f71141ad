"""The configuration tree (ap_directive_t): one node per directive, sections hold children."""

from __future__ import annotations

from ..cstr import ascii_lower


class Directive:
    """A directive as read: its name, its raw argument string and where it was written.

    `directive` is the command's own spelling when the name is known (so messages say
    '<Directory' whatever the case in the file) and the spelling in the file otherwise.
    """

    __slots__ = (
        "directive", "args", "filename", "line_num", "parent", "children", "data", "commands",
    )

    def __init__(self, directive: str, args: str, filename: str, line_num: int) -> None:
        self.directive = directive
        self.args = args
        self.filename = filename
        self.line_num = line_num
        self.parent: Directive | None = None
        self.children: list[Directive] | None = None
        self.data = None
        # The command table entry found while reading (the list of modules' commands).
        self.commands: list | None = None

    def __repr__(self) -> str:
        return f"<Directive {self.directive} {self.args!r} {self.filename}:{self.line_num}>"

    def find_parent(self, name: str) -> Directive | None:
        """The nearest enclosing section with this name, compared without case."""
        lower = ascii_lower(name)
        node = self.parent
        while node is not None:
            if ascii_lower(node.directive) == lower:
                return node
            node = node.parent
        return None

    def walk(self):
        """This node's descendants, depth first, in file order."""
        for child in self.children or ():
            yield child
            yield from child.walk()


def walk_tree(nodes: list[Directive]):
    """Every node of a forest, depth first, in file order."""
    for node in nodes:
        yield node
        yield from node.walk()
