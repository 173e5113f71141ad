"""ap_pregcomp for the value checks: a pattern httpd would refuse gives None.

httpd compiles every configuration regex with PCRE2; heartmonitor.pcre does the same and
is loaded only when a configuration has a regex to check. A pattern that PCRE2 certainly
accepts (heartmonitor.regex_syntax) is not compiled while the configuration is read: it is
compiled when it is first matched, so that `-t` of most configurations never loads PCRE2.
"""

from __future__ import annotations

import sys
from types import ModuleType

from .regex_syntax import certainly_compiles

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (-t start-up)
if TYPE_CHECKING:
    from .pcre import Regex, RegexMatch

ICASE = 0x01
# AP_REG_NOSUB only drops captures; it never changes whether a pattern compiles.
NOSUB = 0
_NO_DEFAULT = 0x400  # pcre.NO_DEFAULT
_AP_REG_DEFAULT = 0x40 | 0x200  # pcre.DEFAULT: what RegexDefaultOptions starts as


_pcre: ModuleType | None = None


def _loaded_pcre() -> ModuleType:
    global _pcre
    if _pcre is None:
        # Imported here, once: libpcre2 is loaded only when a configuration uses a regex.
        from . import pcre

        _pcre = pcre
    return _pcre


def _default_cflags() -> int:
    """RegexDefaultOptions in force: anything but the default has loaded PCRE2."""
    loaded = sys.modules.get(f"{__package__}.pcre")
    return _AP_REG_DEFAULT if loaded is None else loaded.default_cflags()


class DeferredRegex:
    """A pattern PCRE2 certainly compiles, compiled on its first match with the options
    in force when it was read: a pcre.Regex in all it answers."""

    __slots__ = ("pattern", "flags", "_compiled")

    def __init__(self, pattern: str, flags: int) -> None:
        self.pattern = pattern
        self.flags = flags if flags & _NO_DEFAULT else flags | _default_cflags()
        self._compiled: Regex | None = None

    def compiled(self) -> Regex:
        if self._compiled is None:
            regex = _loaded_pcre().compile_regex(self.pattern, self.flags | _NO_DEFAULT)
            if isinstance(regex, str):  # regex_syntax vouched for it
                raise AssertionError(f"PCRE2 refused {self.pattern!r}: {regex}")
            self._compiled = regex
        return self._compiled

    @property
    def groups(self) -> int:
        return self.compiled().groups

    def group_names(self) -> dict[int, str]:
        return self.compiled().group_names()

    def search(self, subject: str | bytes, eflags: int = 0) -> RegexMatch | None:
        return self.compiled().search(subject, eflags)

    def __repr__(self) -> str:
        return f"Regex({self.pattern!r})"


def regcomp(pattern: str, cflags: int = 0):
    """ap_regcomp: the compiled (or deferred) pattern, or PCRE2's message when it refuses."""
    if certainly_compiles(pattern):
        return DeferredRegex(pattern, cflags)
    return _loaded_pcre().compile_regex(pattern, cflags)


def pregcomp(pattern: str, flags: int = 0):
    """The compiled pattern, or None when PCRE2 refuses it."""
    regex = regcomp(pattern, ICASE if flags & ICASE else 0)
    return None if isinstance(regex, str) else regex
