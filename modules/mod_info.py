"""mod_info: `-D DUMP_CONFIG`, the configuration as mod_info prints it (its check_config
hook). The server-info page is not served; AddModuleInfo is checked and inert."""

from __future__ import annotations

from heartmonitor.module import FIRST, Hook, Module


class ConfigDump:
    """mod_info_module_cmds with no request: the tree, file by file, on stdout."""

    def __init__(self, out) -> None:
        self.out = out
        self.current_file: str | None = None

    def indent(self, nest: int, filename: str | None, line_num: int) -> None:
        """mod_info_indent: a '# In file:' line when the file changes, the line number."""
        shown = filename if filename is not None else "*UNKNOWN*"
        if self.current_file != shown:
            self.out.write(f"# In file: {shown}\n")
            self.current_file = shown
        if line_num > 0:
            self.out.write("  " * nest + "#" + _flush_right(line_num, 4) + ":\n")
        self.out.write("  " * nest)

    def show_open(self, node, nest: int) -> None:
        self.indent(nest, node.filename, node.line_num)
        self.out.write(f"{node.directive} {node.args}\n")

    def show_close(self, node, nest: int) -> None:
        self.indent(nest, node.filename, 0)
        name = node.directive
        self.out.write(f"</{name[1:]}>\n" if name.startswith("<") else f"/{name}\n")

    def show_parents(self, node, start: int, to: int) -> None:
        if start < to:
            self.show_parents(node.parent, start, to - 1)
        self.show_open(node, to)

    def module_cmds(self, nodes, start: int, level: int) -> int:
        shown = start
        for node in nodes:
            if node.children:
                if level < self.module_cmds(node.children, shown, level + 1):
                    shown = level
                    self.show_close(node, level)
            else:
                if shown < level:
                    self.show_parents(node.parent, shown, level - 1)
                    shown = level
                self.show_open(node, level)
        return shown


def _flush_right(number: int, field: int) -> str:
    """put_int_flush_right: the digits right-aligned in `field` places, leading spaces."""
    return str(number).rjust(field) if number else " " * field


def check_config(httpd) -> None:
    if httpd.exists_config_define("DUMP_CONFIG"):
        ConfigDump(httpd.stdout).module_cmds(httpd.conftree, 0, 0)


MODULE = Module(
    "info_module",
    "mod_info.c",
    hooks={"check_config": Hook(check_config, FIRST)},
)
