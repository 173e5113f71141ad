"""The real APR library (installed with apache2), called through ctypes for comparisons."""

from __future__ import annotations

import ctypes
import ctypes.util

import pytest

from tests.conftest import need_apache2


class _Apr:
    def __init__(self, lib) -> None:
        self.lib = lib
        lib.apr_initialize()
        self.pool = ctypes.c_void_p()
        lib.apr_pool_create_ex(ctypes.byref(self.pool), None, None, None)
        lib.apr_fnmatch.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int]
        lib.apr_fnmatch_test.argtypes = [ctypes.c_char_p]
        lib.apr_parse_addr_port.argtypes = [
            ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_char_p),
            ctypes.POINTER(ctypes.c_uint16), ctypes.c_char_p, ctypes.c_void_p,
        ]
        lib.apr_filepath_merge.argtypes = [
            ctypes.POINTER(ctypes.c_char_p), ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int,
            ctypes.c_void_p,
        ]

    def fnmatch(self, pattern: bytes, string: bytes) -> bool:
        return self.lib.apr_fnmatch(pattern, string, 1 << 2) == 0  # APR_FNM_PERIOD

    def fnmatch_test(self, pattern: bytes) -> bool:
        return self.lib.apr_fnmatch_test(pattern) != 0

    def parse_addr_port(self, text: bytes):
        addr, scope, port = ctypes.c_char_p(), ctypes.c_char_p(), ctypes.c_uint16()
        rv = self.lib.apr_parse_addr_port(ctypes.byref(addr), ctypes.byref(scope),
                                          ctypes.byref(port), text, self.pool)
        if rv:
            return None
        return addr.value, scope.value, port.value

    def format_g(self, value: float, precision: int) -> str:
        """apr_snprintf(buf, n, "%.<precision>g", value)."""
        buffer = ctypes.create_string_buffer(128)
        self.lib.apr_snprintf(buffer, 128, f"%.{precision}g".encode(), ctypes.c_double(value))
        return buffer.value.decode()

    def filepath_merge(self, root: bytes, add: bytes) -> bytes | None:
        out = ctypes.c_char_p()
        rv = self.lib.apr_filepath_merge(ctypes.byref(out), root, add, 0x20, self.pool)
        return None if rv else out.value


_instance: _Apr | None = None


def apr() -> _Apr:
    """The loaded library; without it the test fails in CI and skips elsewhere."""
    global _instance
    if _instance is None:
        name = ctypes.util.find_library("apr-1") or "libapr-1.so.0"
        try:
            _instance = _Apr(ctypes.CDLL(name))
        except OSError:
            need_apache2()
            pytest.fail("apache2 is installed but libapr-1 could not be loaded")
    return _instance
