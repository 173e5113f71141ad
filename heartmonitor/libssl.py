"""What the system's OpenSSL answers to mod_ssl's configuration-time questions (ctypes).

mod_ssl asks libssl, not a table of its own, which SSLOpenSSLConfCmd names exist and
whether compression methods are compiled in; heartmonitor asks the same library. The
library is opened only when a configuration uses one of those directives.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from typing import Any

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


# pem_password_cb: int (*)(char *buf, int size, int rwflag, void *userdata)
PASSWORD_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_int,
                                     ctypes.c_void_p)
SSL_FILETYPE_PEM = 1
ERR_TXT_STRING = 0x02
ERR_LIB_PEM = 9
ERR_LIB_X509 = 11
PEM_R_NO_START_LINE = 108
PEM_R_PROBLEMS_GETTING_PASSWORD = 109
X509_R_KEY_TYPE_MISMATCH = 115
X509_R_KEY_VALUES_MISMATCH = 116
X509_R_UNKNOWN_KEY_TYPE = 117
_SYSTEM_FLAG = 1 << 31
_P = ctypes.c_void_p
_S = ctypes.c_char_p
_I = ctypes.c_int
_UL = ctypes.c_ulong
# name: (restype, argtypes) of what mod_ssl's start-up calls.
_START_UP: dict[str, tuple[Any, list[Any]]] = {
    "TLS_server_method": (_P, []), "SSL_CTX_new": (_P, [_P]), "SSL_CTX_free": (None, [_P]),
    "SSL_CTX_set_default_passwd_cb": (None, [_P, PASSWORD_CALLBACK]),
    "SSL_CTX_use_certificate_chain_file": (_I, [_P, _S]),
    "SSL_CTX_use_certificate_file": (_I, [_P, _S, _I]),
    "SSL_CTX_use_PrivateKey_file": (_I, [_P, _S, _I]),
    "SSL_CTX_use_PrivateKey": (_I, [_P, _P]), "SSL_CTX_check_private_key": (_I, [_P]),
    "SSL_CTX_get0_certificate": (_P, [_P]),
    "SSL_CTX_set_cipher_list": (_I, [_P, _S]), "SSL_CTX_set_ciphersuites": (_I, [_P, _S]),
    "PEM_read_bio_X509": (_P, [_P, _P, _P, _P]), "X509_free": (None, [_P]),
    "ERR_peek_error": (_UL, []),
    "i2d_PrivateKey": (_I, [_P, ctypes.POINTER(ctypes.c_void_p)]),
    "d2i_AutoPrivateKey": (_P, [_P, ctypes.POINTER(ctypes.c_void_p), ctypes.c_long]),
    "ERR_clear_error": (None, []), "ERR_peek_last_error": (_UL, []),
    "ERR_peek_error_data": (_UL, [ctypes.POINTER(_S), ctypes.POINTER(_I)]),
    "ERR_get_error": (_UL, []), "ERR_error_string_n": (None, [_UL, _P, ctypes.c_size_t]),
    "ERR_new": (None, []), "ERR_set_debug": (None, [_S, _I, _S]),
    "ERR_set_error": (None, [_I, _I, _S]),
    "BIO_new_file": (_P, [_S, _S]), "BIO_free": (_I, [_P]), "BIO_free_all": (None, [_P]),
    "BIO_new": (_P, [_P]), "BIO_f_base64": (_P, []), "BIO_push": (_P, [_P, _P]),
    "PEM_read_bio_PrivateKey": (_P, [_P, _P, PASSWORD_CALLBACK, _P]),
    "d2i_PrivateKey_bio": (_P, [_P, _P]), "EVP_PKEY_free": (None, [_P]),
    "EVP_read_pw_string": (_I, [_P, _I, _S, _I]),
    "i2d_X509": (_I, [_P, ctypes.POINTER(ctypes.c_void_p)]),
}


@functools.cache
def start_up_library() -> ctypes.CDLL | None:
    """libssl (and through it libcrypto) with the prototypes mod_ssl's start-up uses."""
    library = _library()
    if library is None:
        return None
    for name, (restype, argtypes) in _START_UP.items():
        function = getattr(library, name)
        function.restype = restype
        function.argtypes = argtypes
    return library


def error_lib(code: int) -> int:
    """ERR_GET_LIB (OpenSSL 3): a system error's library is ERR_LIB_SYS (2)."""
    return 2 if code & _SYSTEM_FLAG else (code >> 23) & 0xFF


def error_reason(code: int) -> int:
    """ERR_GET_REASON (OpenSSL 3)."""
    return code & (0x7FFFFFFF if code & _SYSTEM_FLAG else 0x7FFFFF)


class _BasicConstraints(ctypes.Structure):
    _fields_ = [("ca", ctypes.c_int), ("pathlen", ctypes.c_void_p)]


class _GeneralName(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("value", ctypes.c_void_p)]


NID_COMMON_NAME = 13
NID_SUBJECT_ALT_NAME = 85
NID_BASIC_CONSTRAINTS = 87
GEN_DNS = 2
_START_UP.update({
    "X509_get_ext_d2i": (_P, [_P, _I, _P, _P]),
    "BASIC_CONSTRAINTS_free": (None, [_P]), "GENERAL_NAMES_free": (None, [_P]),
    "ASN1_INTEGER_get": (ctypes.c_long, [_P]),
    "OPENSSL_sk_num": (_I, [_P]), "OPENSSL_sk_value": (_P, [_P, _I]),
    "ASN1_STRING_get0_data": (_P, [_P]), "ASN1_STRING_length": (_I, [_P]),
    "X509_get_subject_name": (_P, [_P]),
    "X509_NAME_get_index_by_NID": (_I, [_P, _I, _I]),
    "X509_NAME_get_entry": (_P, [_P, _I]), "X509_NAME_ENTRY_get_data": (_P, [_P]),
    "ASN1_STRING_to_UTF8": (_I, [ctypes.POINTER(ctypes.c_void_p), _P]),
    "CRYPTO_free": (None, [_P, _S, _I]),
})


def basic_constraints(library: ctypes.CDLL, certificate: int) -> tuple[bool, int] | None:
    """modssl_X509_getBC: (CA, pathlen; -1 for none) or None without the extension."""
    found = library.X509_get_ext_d2i(certificate, NID_BASIC_CONSTRAINTS, None, None)
    if not found:
        return None
    constraints = _BasicConstraints.from_address(found)
    pathlen = (int(library.ASN1_INTEGER_get(constraints.pathlen))
               if constraints.pathlen else -1)
    result = bool(constraints.ca), pathlen
    library.BASIC_CONSTRAINTS_free(found)
    return result


def _asn1_text(library: ctypes.CDLL, string: int) -> str:
    data = library.ASN1_STRING_get0_data(string)
    return ctypes.string_at(data, library.ASN1_STRING_length(string)).decode("latin-1")


def certificate_names(library: ctypes.CDLL, certificate: int) -> list[str]:
    """getIDs: the subjectAltName's DNS names, then the subject's commonNames (UTF-8)."""
    names: list[str] = []
    alt = library.X509_get_ext_d2i(certificate, NID_SUBJECT_ALT_NAME, None, None)
    if alt:
        for index in range(library.OPENSSL_sk_num(alt)):
            name = _GeneralName.from_address(library.OPENSSL_sk_value(alt, index))
            if name.type == GEN_DNS and name.value:
                names.append(_asn1_text(library, name.value))
        library.GENERAL_NAMES_free(alt)
    subject = library.X509_get_subject_name(certificate)
    position = -1
    while subject:
        position = library.X509_NAME_get_index_by_NID(subject, NID_COMMON_NAME, position)
        if position == -1:
            break
        data = library.X509_NAME_ENTRY_get_data(library.X509_NAME_get_entry(subject, position))
        out = ctypes.c_void_p()
        length = library.ASN1_STRING_to_UTF8(ctypes.byref(out), data)
        if length >= 0 and out.value:
            names.append(ctypes.string_at(out.value, length).decode("utf-8", "replace"))
            library.CRYPTO_free(out, b"libssl.py", 0)
    return names
