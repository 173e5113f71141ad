"""What mod_heartmonitor's start-up would fail on, found without starting anything.

Used by post_config (which then logs httpd's messages and stops) and by
`heartmonitor -t --strict`. Nothing here sends a packet: whether a group can be joined
is judged from the routing table, so a check never announces a membership.
"""

from __future__ import annotations

import errno
import os
import socket

from heartmonitor import log
from heartmonitor.strict import Finding

from .storage import storage_for


def is_multicast(ip: str) -> bool:
    """A multicast group (224.0.0.0/4, ff00::/8), which httpd's listener joins."""
    if ":" in ip:
        return socket.inet_pton(socket.AF_INET6, ip)[0] == 0xFF
    return 224 <= int(ip.split(".", 1)[0]) <= 239


def join_failure(ip: str, port: int, unicast: bool = False) -> tuple[int, str] | None:
    """(errno, AH code) that bind or IP_ADD_MEMBERSHIP would fail with, or None.

    With `unicast` (HeartbeatListenUnicast On) a unicast address is only bound.
    """
    probe = socket.socket(socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((ip, port))
        except OSError as error:
            return error.errno or errno.EINVAL, "AH02071"
        if unicast and not is_multicast(ip):
            return None
        if not is_multicast(ip):
            return errno.EINVAL, "AH02072"
        try:
            probe.connect((ip, port))  # a route lookup; UDP connect sends nothing
        except OSError:
            return errno.ENODEV, "AH02072"
    finally:
        probe.close()
    return None


LISTEN_MESSAGES = {
    "AH02071": "AH02071: Failed to bind on socket.",
    "AH02072": "AH02072: Failed to join multicast group",
}


def writable_directory(path: str) -> int | None:
    """The errno a temp file in this file's directory would fail with, or None."""
    directory = os.path.dirname(path) or "."
    if not os.path.isdir(directory):
        return errno.ENOENT if not os.path.exists(directory) else errno.ENOTDIR
    if not os.access(directory, os.W_OK | os.X_OK):
        return errno.EACCES
    return None


def startup_findings(httpd, module) -> list[Finding]:
    config = httpd.server_conf.module_config[module]
    findings: list[Finding] = []
    if "ap_watchdog_get_instance" not in httpd.optional_functions:
        findings.append(Finding("heartmonitor", log.CRIT, "AH02093: mod_watchdog is required",
                                hint="load mod_watchdog: 'LoadModule watchdog_module "
                                     "modules/mod_watchdog.so'"))
        return findings
    storage = storage_for(httpd, config)
    if storage is not None:
        findings.extend(storage.findings())
        if any(finding.level == log.EMERG for finding in findings):
            return findings
    if config.active and config.listen_ip:
        failure = join_failure(config.listen_ip, config.listen_port, config.listen_unicast)
        if failure:
            code, ah = failure
            where = config.listen_where or (None, None)
            reason = ("is not a multicast group (heartlab_module's 'HeartbeatListenUnicast On' "
                      "binds a unicast address instead)"
                      if code == errno.EINVAL and ah == "AH02072" else "cannot be listened on here")
            findings.append(Finding(
                "heartmonitor", log.CRIT, LISTEN_MESSAGES[ah], status=code,
                file_name=where[0], line=where[1],
                hint=f"HeartbeatListen {config.listen_ip}:{config.listen_port} {reason}"))
            findings.append(Finding("heartmonitor", log.CRIT,
                                    "AH02090: Unable to listen for connections!", status=code,
                                    file_name=where[0], line=where[1]))
    return findings
