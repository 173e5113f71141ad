"""mod_version: <IfVersion>, compared against the httpd release heartmonitor reproduces."""

from __future__ import annotations

from heartmonitor import HTTPD_VERSION
from heartmonitor.config.builder import build_cont_config, soak_end_container
from heartmonitor.config.command import EXEC_ON_READ, OR_ALL, TAKE123, Command
from heartmonitor.cstr import atoi
from heartmonitor.module import Module

_VERSION = tuple(int(part) for part in HTTPD_VERSION.split("."))
INVALID = (
    "Version appears to be invalid. It must have the format major[.minor[.patch]] where "
    "major, minor and patch are numbers."
)


def compare_version(text: str) -> tuple[int, str | None]:
    """compare_version(): (-1, 0 or 1 against the server, error text or None)."""
    if not text[:1].isdigit() or not text[:1].isascii():
        return 0, INVALID
    numbers = [0, 0, 0]
    count = 0
    start = 0
    pos = 0
    end = len(text)
    while pos <= end and count < 3:
        ch = text[pos] if pos < end else ""
        if ch in (".", ""):
            numbers[count] = atoi(text[start:pos])
            count += 1
            pos += 1
            start = pos
            continue
        if not (ch.isdigit() and ch.isascii()):
            break
        pos += 1
    if pos < end:
        return 0, INVALID
    for ours, theirs in zip(_VERSION, numbers, strict=True):
        if ours != theirs:
            return (1 if ours > theirs else -1), None
    return 0, None


def match_version(pattern: str) -> tuple[bool, str | None]:
    # Imported here: PCRE2 is loaded only when a config uses a regex.
    from heartmonitor.pcre import compile_regex

    compiled = compile_regex(pattern)
    if isinstance(compiled, str):
        return False, "Unable to compile regular expression"
    return compiled.search(HTTPD_VERSION) is not None, None


def start_ifversion(cmd, holder, arg1: str, arg2: str | None, arg3: str | None) -> str | None:
    if arg2 is None:
        arg2, arg1 = arg1, "="
    if arg3 is None and arg2 == ">":
        arg3, arg2, arg1 = ">", arg1, "="
    end = len(arg2)
    closing_third = arg3 == ">"
    if end == 0 or (not closing_third and arg2[-1] != ">"):
        return f"{cmd.cmd.name}> directive missing closing '>'"
    if not closing_third:
        end -= 1
    p = 0
    reverse = False
    if arg1[:1] == "!":
        reverse = True
        if len(arg1) > 1:
            p = 1
    op = arg1[p : p + 1]
    rest = arg1[p + 1 :]
    match = False
    done = False
    if rest == "" or (rest == "=" and op != "~"):
        done = True
        version = arg2[:end]
        if op == "=" and not version.startswith("/"):
            compare, error = compare_version(version)
            if error:
                return error
            match = compare == 0
        elif op in ("=", "~"):
            if op == "=":
                if end <= 1 or version[-1] != "/":
                    return "Missing delimiting / of regular expression."
                version = version[1:-1]
            match, error = match_version(version)
            if error:
                return error
        elif op in ("<", ">"):
            compare, error = compare_version(version)
            if error:
                return error
            wanted = -1 if op == "<" else 1
            match = compare == wanted or (rest != "" and compare == 0)
        else:
            done = False
    if not done:
        return f"unrecognized operator '{arg1}'"
    if match != reverse:
        return build_cont_config(cmd.httpd, cmd, "<IfVersion", holder)
    holder.nodes = []
    return soak_end_container(cmd.httpd, cmd, "<IfVersion")


MODULE = Module(
    "version_module",
    "mod_version.c",
    commands=[
        Command("<IfVersion", TAKE123, EXEC_ON_READ | OR_ALL,
                "a comparison operator, a version (and a delimiter)", start_ifversion),
    ],
)
