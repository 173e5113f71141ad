"""Regular expressions compiled and matched as httpd does: PCRE2 through ap_regcomp.

httpd hands every configuration regex to pcre2_compile (server/util_pcre.c), so a pattern
is accepted exactly when PCRE2 accepts it; Python's `re` accepts and rejects other things
(possessive quantifiers, `\\Q..\\E`, `(?|`, nesting and repetition limits). libpcre2-8 is
loaded with ctypes the first time a regex is compiled, so `-t` on a config without
regexes never pays for it.

    regex = compile_regex(pattern, flags)
    if isinstance(regex, str): ...   # PCRE2's message, "... at offset N"
    regex.search(subject)            # a RegexMatch or None, as ap_regexec decides
"""

from __future__ import annotations

import _thread  # threading's lock, without importing threading
import ctypes

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (-t start-up)
if TYPE_CHECKING:
    from typing import Any

# ap_regcomp's cflags (include/ap_regex.h).
ICASE = 0x01
NEWLINE = 0x02
NOTBOL = 0x04
NOTEOL = 0x08
EXTENDED = 0
DOTALL = 0x40
DOLLAR_ENDONLY = 0x200
NO_DEFAULT = 0x400
DEFAULT = DOTALL | DOLLAR_ENDONLY  # AP_REG_DEFAULT, what RegexDefaultOptions starts as
_default_cflags = DEFAULT  # what RegexDefaultOptions set (ap_regcomp_set_default_cflags)

# pcre2.h option bits.
_PCRE2_CASELESS = 0x00000008
_PCRE2_DOLLAR_ENDONLY = 0x00000010
_PCRE2_DOTALL = 0x00000020
_PCRE2_DUPNAMES = 0x00000040
_PCRE2_MULTILINE = 0x00000400
_PCRE2_NOTBOL = 0x00000001
_PCRE2_NOTEOL = 0x00000002
_PCRE2_ERROR_NOMATCH = -1
_PCRE2_INFO_CAPTURECOUNT = 4
_PCRE2_INFO_NAMECOUNT = 17
_PCRE2_INFO_NAMEENTRYSIZE = 18
_PCRE2_INFO_NAMETABLE = 19

LIBRARY = "libpcre2-8.so.0"

_lib: Any = None
_lock = _thread.allocate_lock()


class PcreUnavailable(RuntimeError):
    """libpcre2-8 could not be loaded."""


def _library() -> Any:
    """libpcre2-8 with its prototypes declared, loaded once."""
    global _lib
    if _lib is not None:
        return _lib
    with _lock:
        if _lib is None:
            try:
                lib = ctypes.CDLL(LIBRARY)
            except OSError as error:
                raise PcreUnavailable(f"cannot load {LIBRARY}: {error}") from None
            size_t, void_p = ctypes.c_size_t, ctypes.c_void_p
            lib.pcre2_compile_8.restype = void_p
            lib.pcre2_compile_8.argtypes = [ctypes.c_char_p, size_t, ctypes.c_uint32,
                                            ctypes.POINTER(ctypes.c_int),
                                            ctypes.POINTER(size_t), void_p]
            lib.pcre2_code_free_8.restype = None
            lib.pcre2_code_free_8.argtypes = [void_p]
            lib.pcre2_get_error_message_8.restype = ctypes.c_int
            lib.pcre2_get_error_message_8.argtypes = [ctypes.c_int, ctypes.c_char_p, size_t]
            lib.pcre2_pattern_info_8.restype = ctypes.c_int
            lib.pcre2_pattern_info_8.argtypes = [void_p, ctypes.c_uint32, void_p]
            lib.pcre2_match_data_create_from_pattern_8.restype = void_p
            lib.pcre2_match_data_create_from_pattern_8.argtypes = [void_p, void_p]
            lib.pcre2_match_data_free_8.restype = None
            lib.pcre2_match_data_free_8.argtypes = [void_p]
            lib.pcre2_match_8.restype = ctypes.c_int
            lib.pcre2_match_8.argtypes = [void_p, ctypes.c_char_p, size_t, size_t,
                                          ctypes.c_uint32, void_p, void_p]
            lib.pcre2_get_ovector_pointer_8.restype = ctypes.POINTER(size_t)
            lib.pcre2_get_ovector_pointer_8.argtypes = [void_p]
            _lib = lib
    return _lib


def _c_string(text: str | bytes) -> bytes:
    """The bytes httpd sees: config text is UTF-8 with surrogate escapes; C stops at NUL."""
    data = text if isinstance(text, bytes) else text.encode("utf-8", "surrogateescape")
    nul = data.find(b"\0")
    return data if nul < 0 else data[:nul]


def error_message(code: int) -> str:
    """pcre2_get_error_message for an error code."""
    buffer = ctypes.create_string_buffer(256)
    _library().pcre2_get_error_message_8(code, buffer, len(buffer))
    return buffer.value.decode("ascii", "replace")


class RegexMatch:
    """The capture offsets of a successful ap_regexec (byte offsets into the subject)."""

    __slots__ = ("subject", "spans")

    def __init__(self, subject: bytes, spans: list[tuple[int, int]]) -> None:
        self.subject = subject
        self.spans = spans

    def group(self, index: int = 0) -> str | None:
        """Capture `index` as text, or None when it did not take part in the match."""
        if index >= len(self.spans):
            return None
        start, end = self.spans[index]
        if start < 0:
            return None
        return self.subject[start:end].decode("utf-8", "surrogateescape")


_UNSET = (1 << (8 * ctypes.sizeof(ctypes.c_size_t))) - 1  # PCRE2_UNSET


class Regex:
    """A compiled pattern (ap_regex_t); freed with the object."""

    __slots__ = ("pattern", "flags", "_groups", "_code", "_lib")

    def __init__(self, pattern: str, flags: int, code: int, lib: Any) -> None:
        self.pattern = pattern
        self.flags = flags
        self._code = code
        self._lib = lib
        self._groups = -1

    @property
    def groups(self) -> int:
        """re_nsub, asked of PCRE2 when first needed (configuration checks never do)."""
        if self._groups < 0:
            count = ctypes.c_uint32(0)
            self._lib.pcre2_pattern_info_8(self._code, _PCRE2_INFO_CAPTURECOUNT,
                                           ctypes.byref(count))
            self._groups = count.value
        return self._groups

    def __del__(self) -> None:
        code, self._code = getattr(self, "_code", 0), 0  # NULL once freed
        if code:
            self._lib.pcre2_code_free_8(code)

    def __repr__(self) -> str:
        return f"Regex({self.pattern!r})"

    def group_names(self) -> dict[int, str]:
        """The named groups (ap_regname): {capture number: name}."""
        lib = self._lib
        count, size = ctypes.c_uint32(0), ctypes.c_uint32(0)
        lib.pcre2_pattern_info_8(self._code, _PCRE2_INFO_NAMECOUNT, ctypes.byref(count))
        if not count.value:
            return {}
        lib.pcre2_pattern_info_8(self._code, _PCRE2_INFO_NAMEENTRYSIZE, ctypes.byref(size))
        table = ctypes.c_void_p()
        lib.pcre2_pattern_info_8(self._code, _PCRE2_INFO_NAMETABLE, ctypes.byref(table))
        raw = ctypes.string_at(table.value, count.value * size.value) if table.value else b""
        names = {}
        for index in range(count.value):
            entry = raw[index * size.value:(index + 1) * size.value]
            name = entry[2:].split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
            names[(entry[0] << 8) + entry[1]] = name
        return names

    def search(self, subject: str | bytes, eflags: int = 0) -> RegexMatch | None:
        """ap_regexec: a match anywhere in the subject, or None (errors count as no match)."""
        data = _c_string(subject)
        lib = self._lib
        options = (_PCRE2_NOTBOL if eflags & NOTBOL else 0) | (
            _PCRE2_NOTEOL if eflags & NOTEOL else 0)
        match_data = lib.pcre2_match_data_create_from_pattern_8(self._code, None)
        if not match_data:
            return None
        try:
            rc = lib.pcre2_match_8(self._code, data, len(data), 0, options, match_data, None)
            if rc < 0:
                return None
            ovector = lib.pcre2_get_ovector_pointer_8(match_data)
            spans = []
            for i in range(self.groups + 1):
                start, end = ovector[2 * i], ovector[2 * i + 1]
                spans.append((-1, -1) if start == _UNSET else (start, end))
            return RegexMatch(data, spans)
        finally:
            lib.pcre2_match_data_free_8(match_data)


def default_cflags() -> int:
    """What RegexDefaultOptions set last (AP_REG_DEFAULT until it is given)."""
    return _default_cflags


def set_default_cflags(cflags: int) -> None:
    """ap_regcomp_set_default_cflags: what every later regex gets unless NO_DEFAULT."""
    global _default_cflags
    _default_cflags = cflags


def compile_regex(pattern: str | bytes, flags: int = EXTENDED) -> Regex | str:
    """ap_regcomp: the compiled regex, or PCRE2's error message when httpd would refuse it.

    `flags` are ap_regcomp's cflags; AP_REG_DEFAULT (DOTALL | DOLLAR_ENDONLY) is added
    unless NO_DEFAULT is given, as httpd does. PCRE2 bounds compilation itself (nesting
    depth 250, quantifiers up to 65535, pattern size), so this never hangs or recurses.
    """
    lib = _library()
    if not flags & NO_DEFAULT:
        flags |= _default_cflags
    options = _PCRE2_DUPNAMES
    if flags & ICASE:
        options |= _PCRE2_CASELESS
    if flags & NEWLINE:
        options |= _PCRE2_MULTILINE
    if flags & DOTALL:
        options |= _PCRE2_DOTALL
    if flags & DOLLAR_ENDONLY:
        options |= _PCRE2_DOLLAR_ENDONLY
    data = _c_string(pattern)
    errorcode = ctypes.c_int(0)
    erroroffset = ctypes.c_size_t(0)
    code = lib.pcre2_compile_8(data, len(data), options, ctypes.byref(errorcode),
                               ctypes.byref(erroroffset), None)
    if not code:
        return f"{error_message(errorcode.value)} at offset {erroroffset.value}"
    text = pattern if isinstance(pattern, str) else pattern.decode("utf-8", "surrogateescape")
    return Regex(text, flags, code, lib)
