"""Reading one configuration file, and the files an Include names (wildcards, directories).

Mirrors ap_process_resource_config, ap_process_fnmatch_configs, ap_dir_nofnmatch and
ap_dir_fnmatch: a directory is read whole (every entry, sorted bytewise, recursing), a
wildcard may appear in any path component, names starting with '.' only match a pattern
that starts with '.', and IncludeOptional is silent where Include fails.
"""

from __future__ import annotations

import os
from stat import S_ISDIR

from ..apr.fnmatch import fnmatch, fnmatch_test
from ..log import ERR, strerror
from ..server import Httpd
from .builder import build_config
from .parms import CmdParms
from .reader import ConfigFile, NotRegularFile
from .tree import Directive

AP_MAX_FNMATCH_DIR_DEPTH = 128
INCLUDE_PREFIX = "Include/IncludeOptional: "


def make_full_path(directory: str, name: str) -> str:
    """ap_make_full_path."""
    if not directory:
        return "/" + name
    return directory + name if directory.endswith("/") else directory + "/" + name


def _sort_key(path: str) -> bytes:
    return path.encode("utf-8", "surrogateescape")


def process_resource_config(httpd: Httpd, fname: str, nodes: list[Directive]) -> str | None:
    """Read fname into nodes; errors come back prefixed with the failing line's place."""
    parms = CmdParms(httpd, httpd.server_conf)
    try:
        config_file = ConfigFile.open(fname)
    except NotRegularFile:
        httpd.log_startup_error(
            "core", ERR, f"AH00554: Access to file {fname} denied by server: not a regular file"
        )
        return f"Could not open configuration file {fname}: {strerror(9)}"
    except OSError as exc:
        return f"Could not open configuration file {fname}: {strerror(exc.errno or 0)}"
    httpd.dump_config_name(fname)
    httpd.files_read.append(fname)
    parms.config_file = config_file
    httpd.reading.append(parms)
    try:
        error = build_config(httpd, parms, nodes)
    finally:
        httpd.reading.pop()
    if error is not None:
        if parms.err_directive is not None:
            where = parms.err_directive
            return f"Syntax error on line {where.line_num} of {where.filename}: {error}"
        return error
    return None


class DirMatch:
    """ap_dir_match_t for Include: options and the recursion depth."""

    __slots__ = ("httpd", "nodes", "optional", "depth")

    def __init__(self, httpd, nodes: list, optional: bool) -> None:
        self.httpd = httpd
        self.nodes = nodes
        self.optional = optional
        self.depth = 0

    def include(self, fname: str) -> str | None:
        return process_resource_config(self.httpd, fname, self.nodes)


def process_fnmatch_configs(httpd: Httpd, fname: str, nodes: list[Directive],
                            optional: bool) -> str | None:
    """What Include and IncludeOptional do with their (server-root-relative) path."""
    match = DirMatch(httpd, nodes, optional)
    if httpd.pre_read_config or httpd.post_read_config:
        if fname == httpd.server_root_relative(httpd.layout.server_config_file):
            try:
                os.lstat(fname)
            except OSError:
                return None
    if not fnmatch_test(fname):
        return dir_nofnmatch(match, fname)
    if not fname.startswith("/"):
        return f"Include must have an absolute path, {fname}"
    return dir_fnmatch(match, "/", fname.lstrip("/"))


def dir_nofnmatch(match: DirMatch, fname: str) -> str | None:
    try:
        info: os.stat_result | None = os.stat(fname)  # once: Debian includes 150 files
    except (OSError, ValueError):
        info = None
    if info is not None and S_ISDIR(info.st_mode):
        match.depth += 1
        if match.depth > AP_MAX_FNMATCH_DIR_DEPTH:
            return (
                f"{INCLUDE_PREFIX}Directory '{fname}' exceeds the maximum include directory "
                f"nesting level of {AP_MAX_FNMATCH_DIR_DEPTH}. You have probably a recursion "
                "somewhere."
            )
        try:
            names = os.listdir(fname)
        except OSError as exc:
            return f"{INCLUDE_PREFIX}Could not open directory {fname}: {strerror(exc.errno or 0)}"
        candidates = sorted((make_full_path(fname, name) for name in names), key=_sort_key)
        for candidate in candidates:
            error = dir_nofnmatch(match, candidate)
            if error is not None:
                return error
        match.depth -= 1
        return None
    if match.optional and info is None:
        try:
            os.stat(fname)
        except OSError:
            return None
    return match.include(fname)


def dir_fnmatch(match: DirMatch, path: str, fname: str) -> str | None:
    slash = fname.find("/")
    rest = None
    if slash >= 0:
        fname, rest = fname[:slash], fname[slash + 1 :]
    if not fnmatch_test(fname):
        path = make_full_path(path, fname) if path else fname
        if rest is None:
            return dir_nofnmatch(match, path)
        return dir_fnmatch(match, path, rest)
    try:
        entries = list(os.scandir(path))
    except OSError as exc:
        if isinstance(exc, FileNotFoundError) and match.optional:
            return None
        return f"{INCLUDE_PREFIX}Could not open directory {path}: {strerror(exc.errno or 0)}"
    candidates = []
    for entry in entries:
        if not fnmatch(fname, entry.name):
            continue
        if rest is not None and not entry.is_dir(follow_symlinks=False):
            continue
        candidates.append(make_full_path(path, entry.name))
    if not candidates:
        if not match.optional:
            return f"{INCLUDE_PREFIX}No matches for the wildcard '{fname}' in '{path}', failing"
        return None
    for candidate in sorted(candidates, key=_sort_key):
        if rest is None:
            error = dir_nofnmatch(match, candidate)
        else:
            error = dir_fnmatch(match, candidate, rest)
        if error is not None:
            return error
    return None
