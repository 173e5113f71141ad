"""`heartmonitor -t --strict`: what httpd only finds at start-up, and typo hints.

After the checks `httpd -t` makes, strict mode runs each module's start-up checks
without starting anything (mod_watchdog missing, no slotmem provider, a HeartbeatListen
that is not a multicast group or has no route, storage that cannot be written, ...) and
prints each finding as httpd would log it when it starts, then exits 1. When a
configuration fails on an unknown directive it names the directive probably meant, or
the module to load for it.
"""

from __future__ import annotations

from . import log
from .catalogue import MODULES
from .cstr import ascii_lower


class Finding:
    """One start-up failure: httpd's log line, and where the configuration caused it."""

    def __init__(self, module: str, level: int, message: str, status=None,
                 file_name: str | None = None, line: int | None = None,
                 hint: str | None = None) -> None:
        self.module = module
        self.level = level
        self.message = message
        self.status = status
        self.file_name = file_name
        self.line = line
        self.hint = hint


def strict_checks(httpd) -> bool:
    """Run every module's strict_check hook; print findings; False when any were found."""
    # Imported here: the instance locks load the storage code and asyncio, which a plain
    # `-t` never needs.
    from .instancelock import running_instances

    findings: list[Finding] = httpd.run_hook("strict_check")
    findings.extend(Finding("core", log.EMERG, text) for text in running_instances(httpd))
    for finding in findings:
        line = log.format_line(finding.module, finding.level, finding.message, finding.status)
        httpd.startup_log.target.write(line, finding.level)
        httpd.note(log.LEVEL_NAMES[finding.level], finding.message, finding.file_name,
                   finding.line)
        if finding.hint:
            where = ""
            if finding.file_name:
                where = f" (line {finding.line} of {finding.file_name})"
            httpd.startup(f"{httpd.argv0}: {finding.hint}{where}")
    if findings:
        httpd.startup("AH00016: Configuration Failed")
    return not findings


def _all_stock_directives() -> dict[str, tuple[str, str]]:
    """Lowercase directive name -> (spelling, module file) for every stock module."""
    known: dict[str, tuple[str, str]] = {}
    for stem, (_identifier, _source, _has_dir, entries) in MODULES.items():
        for entry in entries:
            known.setdefault(ascii_lower(entry[0]), (entry[0], stem))
    return known


def suggestion(httpd, name: str) -> str | None:
    """What an unknown directive name probably meant."""
    lower = ascii_lower(name)
    stock = _all_stock_directives()
    if lower in stock:
        spelling, stem = stock[lower]

        identifier = MODULES[stem][0]
        return (
            f"{spelling} is a directive of {stem}, which is not loaded: add "
            f"'LoadModule {identifier} modules/{stem}.so'"
        )
    loaded = {ascii_lower(c.name): c.name for commands in httpd.commands.values()
              for c in commands}
    # Lazy: only a misspelt directive needs difflib; every -t imports this module.
    import difflib

    for candidates in (loaded, {k: v[0] for k, v in stock.items()}):
        close = difflib.get_close_matches(lower, list(candidates), n=1, cutoff=0.75)
        if close:
            spelling = candidates[close[0]]
            note = "" if candidates is loaded else f" (from {stock[close[0]][1]})"
            return f"did you mean '{spelling}'{note}?"
    return None


def explain_failure(httpd) -> None:
    """After a failed check: a hint for an unknown directive."""
    for entry in reversed(httpd.diagnostics):
        if entry["severity"] != "error":
            continue
        message = entry["message"]
        prefix = "Invalid command '"
        if message.startswith(prefix):
            name = message[len(prefix):].split("'", 1)[0]
            hint = suggestion(httpd, name)
            if hint:
                httpd.startup(f"{httpd.argv0}: {hint}")
                httpd.note("info", hint, entry.get("file"), entry.get("line"))
        return
