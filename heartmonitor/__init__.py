"""heartmonitor: httpd's heartbeat family in Python, driven by httpd configuration files."""

__version__ = "0.1.0"

# The httpd release whose behaviour heartmonitor reproduces (Debian's apache2 2.4.x build).
HTTPD_VERSION = "2.4.71"
SERVER_BANNER = f"Apache/{HTTPD_VERSION} (Unix) heartmonitor/{__version__}"
# What `-v` and server-status report as the build date ("Server built").
SERVER_BUILT = "2026-11-25T00:00:00"
