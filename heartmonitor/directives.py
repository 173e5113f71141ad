"""`httpd -L`: every directive of every loaded module, where it may appear, its help."""

from __future__ import annotations

from .config.command import (
    ACCESS_CONF,
    OR_ALL,
    OR_AUTHCFG,
    OR_FILEINFO,
    OR_INDEXES,
    OR_LIMIT,
    OR_OPTIONS,
    RSRC_CONF,
)

_HTACCESS = (
    (OR_AUTHCFG, "AuthConfig"), (OR_LIMIT, "Limit"), (OR_OPTIONS, "Options"),
    (OR_FILEINFO, "FileInfo"), (OR_INDEXES, "Indexes"),
)


def allowed_in(override: int, has_dir_config: bool) -> str:
    """show_overrides(): the two-line 'Allowed in' text of -L."""
    text = "\tAllowed in *.conf "
    if (override & (OR_OPTIONS | OR_FILEINFO | OR_INDEXES)) or (
        override & RSRC_CONF and override & (ACCESS_CONF | OR_AUTHCFG | OR_LIMIT)
    ):
        text += "anywhere"
    elif override & RSRC_CONF:
        text += "only outside <Directory>, <Files>, <Location>, or <If>"
    else:
        text += "only inside <Directory>, <Files>, <Location>, or <If>"
    if override & (OR_ALL | ACCESS_CONF) and not has_dir_config:
        text += " [no per-dir config]"
    if override & OR_ALL:
        text += " and in .htaccess\n\twhen AllowOverride"
        if override & OR_ALL == OR_ALL:
            text += " isn't None"
        else:
            text += " includes " + " or ".join(name for bit, name in _HTACCESS if override & bit)
    return text + "\n"


def show_directives(httpd, out) -> None:
    """ap_show_directives."""
    for module, _static in httpd.loaded_modules:
        for command in module.commands:
            out.write(f"{command.name} ({module.source})\n")
            if command.help is not None:
                out.write(f"\t{command.help}\n")
            out.write(allowed_in(command.override, bool(module.has_dir_config)))
