"""mod_autoindex's configuration checks (modules/generators/mod_autoindex.c).

IndexOptions keywords and their combinations (kept per directory section, as
add_opts keeps them), IndexOrderDefault, and AddIcon's "(alt,icon)" form. No index is
ever generated.
"""

from __future__ import annotations

from heartmonitor.checkmodule import checks_module
from heartmonitor.cnum import atoi
from heartmonitor.cstr import ascii_lower

_FLAGS = frozenset(name.lower() for name in (
    "FancyIndexing", "FoldersFirst", "HTMLTable", "IconsAreLinks", "IgnoreCase", "IgnoreClient",
    "ScanHTMLTitles", "SuppressColumnSorting", "SuppressDescription", "SuppressHTMLPreamble",
    "SuppressIcon", "SuppressLastModified", "SuppressSize", "SuppressRules", "TrackModified",
    "VersionSort", "XHTML", "ShowForbidden", "AddAltClass", "IconWidth", "IconHeight",
    "UseOldDateFormat"))
NONE = "none"


class AutoindexDirConfig:
    def __init__(self, httpd, path) -> None:
        self.opts: set[str] = set()


def _value_error(action: str, lower: str, value: str) -> str | None:
    """The checks of the key=value options."""
    for key, minimum in (("namewidth=", 5), ("descriptionwidth=", 12)):
        if lower.startswith(key):
            label = "NameWidth" if key == "namewidth=" else "DescriptionWidth"
            if action == "-":
                return f"Cannot combine '-' with {label}=n"
            if not value.startswith("*"):
                width = atoi(value)
                if width and width < minimum:
                    return f"{label} value must be greater than {minimum}"
            return None
    for key, label in (("iconwidth=", "IconWidth"), ("iconheight=", "IconHeight")):
        if lower.startswith(key):
            return f"Cannot combine '-' with {label}=n" if action == "-" else None
    return None


def add_opts(cmd, mconfig: AutoindexDirConfig, argv: list[str]) -> str | None:
    opts = mconfig.opts
    for word in argv:
        action = ""
        if word[:1] in ("+", "-"):
            action, word = word[0], word[1:]
        lower = ascii_lower(word)
        option = None
        if lower in _FLAGS:
            option = lower
        elif lower == NONE:
            if action:
                return "Cannot combine '+' or '-' with 'None' keyword"
            opts.clear()
            opts.add(NONE)
            continue
        elif lower in ("namewidth", "descriptionwidth"):
            if action != "-":
                label = "NameWidth" if lower == "namewidth" else "DescriptionWidth"
                return f"{label} with no value may only appear as '-{label}'"
        elif lower.startswith(("namewidth=", "descriptionwidth=", "iconwidth=", "iconheight=")):
            error = _value_error(action, lower, word[word.index("=") + 1:])
            if error:
                return error
        elif lower.startswith(("type=", "charset=")):
            pass
        else:
            return "Invalid directory indexing option"
        if not action and option is not None:
            opts.add(option)
    if NONE in opts and len(opts) > 1:
        return "Cannot combine other IndexOptions keywords with 'None'"
    return None


def set_default_order(cmd, mconfig, direction: str, key: str) -> str | None:
    if ascii_lower(direction) not in ("ascending", "descending"):
        return "First keyword must be 'Ascending' or 'Descending'"
    if ascii_lower(key) not in ("name", "date", "size", "description"):
        return "Second keyword must be 'Name', 'Date', 'Size', or 'Description'"
    return None


def add_icon(cmd, mconfig, icon: str, *to) -> str | None:
    if icon.startswith("(") and ")" not in icon:
        return "missing closing paren"
    return None


def set_deprecated(cmd, mconfig, *args) -> str | None:
    """ap_set_deprecated: the directive's help text is the error."""
    return cmd.cmd.help


MODULE = checks_module(
    "mod_autoindex",
    {"IndexOptions": add_opts, "IndexOrderDefault": set_default_order, "AddIcon": add_icon,
     "AddIconByType": add_icon, "AddIconByEncoding": add_icon, "FancyIndexing": set_deprecated},
    create_dir_config=AutoindexDirConfig,
)
