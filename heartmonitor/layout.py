"""The compiled-in settings of heartmonitor's "build" (httpd's HTTPD_ROOT and friends).

heartmonitor is built like Debian's apache2: ServerRoot defaults to /etc/apache2, the
configuration file to apache2.conf in it, and every other compiled-in path is Debian's
(what `apache2 -V` prints). The modules compiled in are those of Debian's apache2 (core,
mod_so, mod_watchdog, http_core, mod_log_config, mod_logio, mod_version, mod_unixd), or
with --build upstream those of a default upstream build (core, mod_so, http_core), where
mod_watchdog has to be loaded like any other module.

One deliberate difference: with neither -f nor -d, heartmonitor reads Debian's
/etc/apache2/apache2.conf only when Debian's environment is there (APACHE_RUN_DIR, set by
/etc/apache2/envvars, which apache2ctl and apache2.service source; that tree cannot be
read without it). Otherwise it runs its embedded conf/httpd.conf, with ServerRoot the
directory that holds it, so that `heartmonitor -DFOREGROUND` works anywhere, as any user.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (-t start-up)
if TYPE_CHECKING:
    from collections.abc import Mapping

HTTPD_ROOT = "/etc/apache2"
SERVER_CONFIG_FILE = "apache2.conf"
DEFAULT_PIDLOG = "/run/apache2.pid"
DEFAULT_SCOREBOARD = "logs/apache_runtime_status"
DEFAULT_ERRORLOG = "logs/error_log"
DEFAULT_REL_RUNTIMEDIR = "/var/run/apache2"
DOCUMENT_LOCATION = "/var/www/html"
AP_TYPES_CONFIG_FILE = "mime.types"
SUEXEC_BIN = "/usr/lib/apache2/suexec"
DYNAMIC_MODULE_LIMIT = 256

# The variable Debian's envvars exports and apache2.conf needs (DefaultRuntimeDir).
DEBIAN_ENVIRONMENT = "APACHE_RUN_DIR"
EMBEDDED_CONFIG_FILE = "conf/httpd.conf"


def embedded_root() -> str:
    """The directory holding the embedded conf/httpd.conf: the package, or the source tree."""
    package = os.path.dirname(os.path.abspath(__file__))
    for candidate in (package, os.path.dirname(package)):
        if os.path.isfile(os.path.join(candidate, EMBEDDED_CONFIG_FILE)):
            return candidate
    return package


def choose_configuration(
    confname: str | None, server_root: str | None, environ: Mapping[str, str]
) -> tuple[str | None, str | None]:
    """(server_root, confname) to read: the command line's, or the embedded default.

    httpd's rule (ServerRoot -d or HTTPD_ROOT, then -f or SERVER_CONFIG_FILE relative to
    it) applies whenever -f or -d is given or Debian's environment is set; otherwise the
    embedded configuration is read.
    """
    if confname is not None or server_root is not None or environ.get(DEBIAN_ENVIRONMENT):
        return server_root, confname
    root = embedded_root()
    return root, os.path.join(root, EMBEDDED_CONFIG_FILE)


class Layout:
    """Defaults an httpd binary has compiled in (see `httpd -V`)."""

    def __init__(self, httpd_root: str | None = None, build: str = "debian") -> None:
        self.httpd_root = httpd_root or HTTPD_ROOT
        self.server_config_file = SERVER_CONFIG_FILE
        self.default_rel_runtimedir = DEFAULT_REL_RUNTIMEDIR
        self.default_errorlog = DEFAULT_ERRORLOG
        self.default_pidlog = DEFAULT_PIDLOG
        self.default_scoreboard = DEFAULT_SCOREBOARD
        self.document_location = DOCUMENT_LOCATION
        self.suexec_bin = SUEXEC_BIN
        self.types_config_file = AP_TYPES_CONFIG_FILE
        self.dynamic_module_limit = DYNAMIC_MODULE_LIMIT
        # Source names of the modules compiled into Debian's apache2, in `httpd -l` order.
        self.static_modules = [
            "core", "mod_so", "mod_watchdog", "http_core", "mod_log_config", "mod_logio",
            "mod_version", "mod_unixd",
        ]
        if build == "upstream":
            # ./configure's default: everything else is a shared module (LoadModule).
            self.static_modules = ["core", "mod_so", "http_core"]
        # The MPM used when the configuration loads none (an upstream build's default).
        self.default_mpm = "mod_mpm_event"
