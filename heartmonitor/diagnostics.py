"""Diagnostics as data: what `heartmonitor -t --format json` prints for editors and CI.

Every message heartmonitor prints while checking a configuration is also recorded with
its severity and, where known, the file and line it concerns and its AH code.
"""

from __future__ import annotations

_SYNTAX_PREFIX = "Syntax error on line "


def innermost_location(message: str) -> tuple[str | None, int | None, str]:
    """Peel 'Syntax error on line N of F: ' prefixes: (file, line, message)."""
    file_name = line = None
    while message.startswith(_SYNTAX_PREFIX):
        rest = message[len(_SYNTAX_PREFIX):]
        number, _sep, rest = rest.partition(" of ")
        if not number.isdigit():
            break
        colon = rest.find(": ")
        if colon < 0:
            break
        file_name, line, message = rest[:colon], int(number), rest[colon + 2:]
    return file_name, line, message


def code_of(message: str) -> str | None:
    if message.startswith("AH") and message[2:7].isdigit() and message[7:9] == ": ":
        return message[:7]
    return None


def entry(severity: str, message: str, file_name: str | None = None,
          line: int | None = None) -> dict:
    inner_file, inner_line, inner = innermost_location(message)
    if inner_file is not None:
        file_name, line, message = inner_file, inner_line, inner
    code = code_of(message)
    if code:
        message = message[9:]
    return {"file": file_name, "line": line, "severity": severity, "code": code,
            "message": message}


def report_json(httpd, exit_code: int, out) -> None:
    # Lazy: only --format json needs json; every -t imports this module.
    import json

    document = {
        "ok": exit_code == 0,
        "exit_code": exit_code,
        "diagnostics": httpd.diagnostics,
    }
    out.write(json.dumps(document, indent=2) + "\n")
