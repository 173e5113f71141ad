"""What the system's OpenSSL answers to mod_ssl's configuration-time questions (ctypes).

mod_ssl asks libssl, not a table of its own, which SSLOpenSSLConfCmd names exist and
whether compression methods are compiled in; heartmonitor asks the same library. The
library is opened only when a configuration uses one of those directives.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

SSL_CONF_FLAG_FILE = 0x2
SSL_CONF_FLAG_SERVER = 0x8
SSL_CONF_FLAG_CERTIFICATE = 0x20
SSL_CONF_TYPE_UNKNOWN = 0x0
SSL_CONF_TYPE_STRING = 0x1
SSL_CONF_TYPE_FILE = 0x2
SSL_CONF_TYPE_DIR = 0x3


@functools.cache
def _library() -> ctypes.CDLL | None:
    for name in ("libssl.so.3", ctypes.util.find_library("ssl")):
        if name:
            try:
                library = ctypes.CDLL(name)
            except OSError:
                continue
            library.SSL_CONF_CTX_new.restype = ctypes.c_void_p
            library.SSL_CONF_CTX_set_flags.argtypes = [ctypes.c_void_p, ctypes.c_uint]
            library.SSL_CONF_cmd_value_type.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
            library.SSL_COMP_get_compression_methods.restype = ctypes.c_void_p
            library.OPENSSL_sk_num.argtypes = [ctypes.c_void_p]
            return library
    return None


@functools.cache
def _server_conf_ctx() -> int | None:
    """mod_ssl's SSL_CONF_CTX for a server: file names, server and certificate commands."""
    library = _library()
    if library is None:
        return None
    context = library.SSL_CONF_CTX_new()
    for flag in (SSL_CONF_FLAG_FILE, SSL_CONF_FLAG_SERVER, SSL_CONF_FLAG_CERTIFICATE):
        library.SSL_CONF_CTX_set_flags(context, flag)
    return context


def conf_value_type(name: str) -> int:
    """SSL_CONF_cmd_value_type for a server's context; without libssl every name is a
    plain string, so nothing is refused that OpenSSL might accept."""
    library, context = _library(), _server_conf_ctx()
    if library is None or context is None:
        return SSL_CONF_TYPE_STRING
    return int(library.SSL_CONF_cmd_value_type(
        context, name.encode("utf-8", "surrogateescape")))


def has_compression_methods() -> bool:
    """sk_SSL_COMP_num(SSL_COMP_get_compression_methods()) > 0."""
    library = _library()
    if library is None:
        return True
    methods = library.SSL_COMP_get_compression_methods()
    return bool(methods) and library.OPENSSL_sk_num(methods) > 0


def library_version() -> str | None:
    """mod_ssl's SSL_VERSION_LIBRARY: OpenSSL_version(OPENSSL_VERSION) up to its second
    space, the first one made a '/' ("OpenSSL/3.0.19"); None without libssl."""
    library = _library()
    if library is None:
        return None
    library.OpenSSL_version.restype = ctypes.c_char_p
    library.OpenSSL_version.argtypes = [ctypes.c_int]
    text = (library.OpenSSL_version(0) or b"").decode("latin-1")
    name, space, rest = text.partition(" ")
    return f"{name}/{rest.split(' ', 1)[0]}" if space else name
