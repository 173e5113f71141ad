"""The compiled-in settings of heartmonitor's "build" (httpd's HTTPD_ROOT and friends).

heartmonitor follows the layout of an upstream httpd build: ServerRoot defaults to the
directory that holds the embedded conf/httpd.conf, the runtime directory to logs/ under
ServerRoot. The modules compiled in are those of Debian's apache2 (core, mod_so,
mod_watchdog, http_core, mod_log_config, mod_logio, mod_version, mod_unixd), or with
--build upstream those of a default upstream build (core, mod_so, http_core), where
mod_watchdog has to be loaded like any other module.
"""

from __future__ import annotations

import os


def _httpd_root() -> str:
    """The directory holding conf/httpd.conf: the package itself, or the source tree."""
    package = os.path.dirname(os.path.abspath(__file__))
    for candidate in (package, os.path.dirname(package)):
        if os.path.isfile(os.path.join(candidate, "conf", "httpd.conf")):
            return candidate
    return package


class Layout:
    """Defaults an httpd binary has compiled in (see `httpd -V`)."""

    def __init__(self, httpd_root: str | None = None, build: str = "debian") -> None:
        self.httpd_root = httpd_root or _httpd_root()
        self.server_config_file = "conf/httpd.conf"
        self.default_rel_runtimedir = "logs"
        self.default_errorlog = "logs/error_log"
        self.default_pidlog = "logs/httpd.pid"
        self.default_scoreboard = "logs/apache_runtime_status"
        self.document_location = os.path.join(self.httpd_root, "htdocs")
        self.suexec_bin = "/usr/lib/apache2/suexec"
        self.types_config_file = "conf/mime.types"
        self.dynamic_module_limit = 256
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
