"""apr_filepath_merge and apr_filepath_root as APR 1.7 implements them on Unix."""

from __future__ import annotations

import os

APR_PATH_MAX = 4096


class PathTooLong(Exception):
    """APR_ENAMETOOLONG: the merged path would not fit in APR_PATH_MAX."""


def filepath_merge(rootpath: str | None, addpath: str | None) -> str:
    """Merge addpath onto rootpath, folding '.', '..' and repeated slashes like APR.

    A rooted addpath ignores rootpath; rootpath None means the working directory.
    '..' above '/' stays at '/', and a relative result keeps its leading '../'.
    """
    addpath = addpath or ""
    if addpath.startswith("/"):
        if len(addpath) + 4 > APR_PATH_MAX:
            raise PathTooLong(addpath)
        if ("//" not in addpath and "/./" not in addpath and "/../" not in addpath
                and not addpath.endswith(("/.", "/.."))):
            return addpath  # already what the merge below would make of it
        rootpath = ""
    elif rootpath is None:
        rootpath = os.getcwd()
    if len(rootpath) + len(addpath) + 4 > APR_PATH_MAX:
        raise PathTooLong(addpath)

    if addpath.startswith("/"):
        path = "/"
        addpath = addpath.lstrip("/")
    else:
        path = rootpath
        if path and not path.endswith("/"):
            path += "/"

    segments = addpath.split("/")
    last = len(segments) - 1
    for index, segment in enumerate(segments):
        has_slash = index < last
        if segment == "" or segment == ".":
            continue
        if segment == "..":
            if path == "/":
                continue
            if path == "" or path == "../" or path.endswith("/../"):
                path += "../" if has_slash else ".."
            else:
                path = path[:-1] if path.endswith("/") else path
                cut = path.rfind("/")
                path = path[: cut + 1]
            continue
        path += segment + "/" if has_slash else segment
    return path


def server_root_relative(server_root: str, name: str) -> str | None:
    """ap_server_root_relative: None when the path cannot be built (too long)."""
    try:
        return filepath_merge(server_root, name)
    except PathTooLong:
        return None
