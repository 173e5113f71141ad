"""mod_autoindex's configuration checks (modules/generators/mod_autoindex.c).

IndexOptions keywords and their combinations (kept per directory section, as
add_opts keeps them), IndexOrderDefault, and AddIcon's "(alt,icon)" form. No index is
ever generated.
"""

from __future__ import annotations

from heartmonitor.checkmodule import checks_module
from heartmonitor.cnum import atoi
from heartmonitor.cstr import ascii_lower
from heartmonitor.server import Httpd

_FLAGS = frozenset(name.lower() for name in (
    "FancyIndexing", "FoldersFirst", "HTMLTable", "IconsAreLinks", "IgnoreCase", "IgnoreClient",
    "ScanHTMLTitles", "SuppressColumnSorting", "SuppressDescription", "SuppressHTMLPreamble",
    "SuppressIcon", "SuppressLastModified", "SuppressSize", "SuppressRules", "TrackModified",
    "VersionSort", "XHTML", "ShowForbidden", "AddAltClass", "IconWidth", "IconHeight",
    "UseOldDateFormat"))
NONE = "none"


class AutoindexDirConfig:
    def __init__(self, httpd: Httpd, path: str | None) -> None:
        self.opts: set[str] = set()


# key=: (error with '-', width limit, error under the limit)
_WIDTHS = {
    "namewidth=": ("Cannot combine '-' with NameWidth=n", 5,
                   "NameWidth value must be greater than 5"),
    "descriptionwidth=": ("Cannot combine '-' with DescriptionWidth=n", 12,
                          "DescriptionWidth value must be greater than 12"),
    "iconwidth=": ("Cannot combine '-' with IconWidth=n", 0, None),
    "iconheight=": ("Cannot combine '-' with IconHeight=n", 0, None),
}
_BARE_WIDTHS = {
    "namewidth": "NameWidth with no value may only appear as '-NameWidth'",
    "descriptionwidth": "DescriptionWidth with no value may only appear as '-DescriptionWidth'",
}


def _value_error(action: str, key: str, value: str) -> str | None:
    """The checks of the key=value options."""
    minus_error, minimum, small_error = _WIDTHS[key]
    if action == "-":
        return minus_error
    if small_error is not None and not value.startswith("*"):
        width = atoi(value)
        if width and width < minimum:
            return small_error
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
        elif lower in _BARE_WIDTHS:
            if action != "-":
                return _BARE_WIDTHS[lower]
        elif lower.split("=", 1)[0] + "=" in _WIDTHS and "=" in lower:
            key = lower.split("=", 1)[0] + "="
            error = _value_error(action, key, word[word.index("=") + 1:])
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
