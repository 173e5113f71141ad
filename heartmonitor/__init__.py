"""heartmonitor: httpd's heartbeat family in Python, driven by httpd configuration files."""

__version__ = "0.1.0"

# The httpd release whose behaviour heartmonitor reproduces (Debian's apache2 2.4.x build).
HTTPD_VERSION = "2.4.71"
# AP_SERVER_BASEVERSION and PLATFORM of Debian's build: ServerTokens chooses how much of
# them the Server header and the signature show (heartmonitor.http.signature).
SERVER_BASEVERSION = f"Apache/{HTTPD_VERSION}"
PLATFORM = "Debian"
# heartmonitor's own version component, added as a module adds one
# (ap_add_version_component): in the Server header only with ServerTokens Full.
VERSION_COMPONENT = f"heartmonitor/{__version__}"
# ap_get_server_description() before any module adds a component: what -V and AH00489 say.
SERVER_BANNER = f"{SERVER_BASEVERSION} ({PLATFORM}) {VERSION_COMPONENT}"
# What `-v` and server-status report as the build date ("Server built").
SERVER_BUILT = "2026-11-25T00:00:00"
