"""Reading an httpd configuration in-process, as `heartmonitor -t` reads it."""

from __future__ import annotations

import io
import os

from heartmonitor.cli import default_runtime_dir
from heartmonitor.layout import Layout
from heartmonitor.lifecycle import new_httpd, read_and_check
from heartmonitor.options import Usage, parse_options
from heartmonitor.server import Httpd


class ConfigError(Exception):
    """The configuration failed to read; `text` is what `heartmonitor -t` prints."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def load(path: str) -> Httpd:
    """The Httpd after reading and checking `path` (no post_config, nothing opened)."""
    default_runtime_dir()
    path = os.path.abspath(path)  # a lab command: relative to the working directory
    out, err = io.StringIO(), io.StringIO()
    try:
        options = parse_options(["heartmonitor", "-f", path, "-t"], err)
    except Usage:  # pragma: no cover - the arguments are ours
        raise ConfigError(f"cannot read {path}\n") from None
    options.bin_name = "heartmonitor"
    options.layout = Layout()
    httpd = new_httpd(options, stderr=err, stdout=out)
    if not read_and_check(httpd, path):
        raise ConfigError(err.getvalue())
    return httpd


def module_config(httpd: Httpd, identifier: str):
    """The main server's config object of a loaded module, or None."""
    module = httpd.module_named(identifier)
    if module is None:
        return None
    return httpd.server_conf.module_config.get(module)
