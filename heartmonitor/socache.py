"""The create() checks of the socache providers (modules/cache/mod_socache_*.c).

A directive that names a socache provider with arguments (SSLSessionCache,
SSLStaplingCache, ...) hands those arguments to the provider's create function, whose
error the directive reports; heartmonitor checks them the same way and creates nothing.
"""

from __future__ import annotations

from .cnum import strtol

SOCACHE_GROUP = "socache"
# SHMCB_MAX_SIZE: UINT_MAX on a 64-bit build.
_SHMCB_MAX_SIZE = 4294967295
_SIZE_T_MODULUS = 2**64


def _shmcb_create(httpd, arg: str | None) -> str | None:
    """socache_shmcb_create: PATH or PATH(SIZE), SIZE from 8192 bytes up."""
    if not arg:
        return None
    path = httpd.server_root_relative(arg)
    if path is None:
        return None
    opening = path.rfind("(")
    if opening >= 0:
        if not path.endswith(")"):
            return ("Invalid argument: no closing parenthesis or cache size missing after "
                    "pathname with parenthesis")
        digits = path[opening + 1:-1]
        size, end, _overflow = strtol(digits)
        if end != len(digits):
            return "Invalid argument: cache size not numerical"
        size %= _SIZE_T_MODULUS  # apr_size_t
        if size < 8192:
            return "Invalid argument: size has to be >= 8192 bytes"
        if size >= _SHMCB_MAX_SIZE:
            return (f"Invalid argument: size has to be < {_SHMCB_MAX_SIZE} bytes on this "
                    "platform")
    elif path.endswith(")"):
        return "Invalid argument: no opening parenthesis"
    return None


def _dbm_create(httpd, arg: str | None) -> str | None:
    if arg and httpd.server_root_relative(arg) is None:
        return f"Invalid cache file path {arg}"
    return None


_CREATE = {"shmcb": _shmcb_create, "default": _shmcb_create, "dbm": _dbm_create}


def create_error(httpd, name: str, arg: str | None) -> str | None:
    """The provider's create(arg) error, for a provider that is loaded."""
    create = _CREATE.get(name)
    return create(httpd, arg) if create is not None else None


def lookup(httpd, name: str) -> bool:
    """ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, name, "0") finds one."""
    if name == "default":
        name = "shmcb"  # mod_socache_shmcb registers itself under both names
    return httpd.lookup_provider(SOCACHE_GROUP, name, "0") is not None


def provider_names(httpd) -> str:
    """ap_list_provider_names for socache, comma-separated (sorted: httpd's hash order
    changes from run to run)."""
    names = {name for group, name, _version in httpd.providers if group == SOCACHE_GROUP}
    if "shmcb" in names:
        names.add("default")  # mod_socache_shmcb registers itself under both names
    return ",".join(sorted(names))
