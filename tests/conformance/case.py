"""One configuration of the conformance corpus and how to run it."""

from __future__ import annotations


class Case:
    def __init__(self, name, body, files=None, args=("-t",), base=True, env=None,
                 isolated=False, config_flag=True):
        self.name = name
        self.body = body
        self.files = files or {}
        self.args = list(args)
        self.base = base
        self.env = env
        self.isolated = isolated
        self.config_flag = config_flag

    def __repr__(self):
        return f"Case({self.name!r})"
