"""`heartmonitorctl lint SENDER.conf MONITOR.conf [BALANCER.conf ...]`: checks across files.

httpd checks each configuration alone; a heartbeat lab fails between them: a sender
beating to another group than the monitor joined, a balancer reading another file than
the monitor writes, members written as host names (never matched: the lbmethod
compares the host text with the IPs in the storage), storage the balancer's user cannot
read (AH01213 and a 503 for every request), a sender so slow that its servers go stale.
"""

from __future__ import annotations

import ipaddress
import json
import os
import pwd
import stat
from dataclasses import dataclass

from heartmonitor.config.tree import walk_tree
from heartmonitor.cstr import ascii_lower
from heartmonitor.diagnostics import code_of, entry
from heartmonitor.modules.cluster.checks import is_multicast
from heartmonitor.modules.cluster.slotmem import slotmem_filename

from .balancers import MAX_LASTSEEN, SLOTMEM_NAME, heartbeat_balancers
from .loadconf import ConfigError, load, module_config

ERROR, WARNING = "error", "warn"
DEFAULT_USER = "#-1"
WILDCARDS = ("0.0.0.0", "::")


@dataclass
class Finding:
    severity: str
    message: str
    file: str | None = None
    line: int | None = None

    def text(self) -> str:
        where = ""
        if self.file:
            where = f" (line {self.line} of {self.file})" if self.line else f" ({self.file})"
        return f"heartmonitorctl lint: {self.severity}: {self.message}{where}"

    def as_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "severity": self.severity,
                "code": None, "message": self.message}


def where(httpd, name: str) -> tuple[str | None, int | None]:
    """The file and line of the first directive of this name (sections included)."""
    lower = ascii_lower(name)
    for node in walk_tree(httpd.conftree):
        if ascii_lower(node.directive) == lower:
            return node.filename, node.line_num
    return None, None


def finding(severity: str, message: str, httpd=None, directive: str | None = None,
            fallback: str | None = None) -> Finding:
    file_name, line = where(httpd, directive) if httpd is not None and directive else (None,
                                                                                         None)
    return Finding(severity, message, file_name or fallback, line)


# -- what each side does -------------------------------------------------------------------

@dataclass
class MonitorStorage:
    kind: str  # "slotmem" or "file"
    path: str


def monitor_storage(monitor) -> MonitorStorage | None:
    config = module_config(monitor, "heartmonitor_module")
    if config is None:
        return None
    if config.maxworkers:
        return MonitorStorage("slotmem", slotmem_filename(monitor, SLOTMEM_NAME))
    return MonitorStorage("file", config.storage_path)


def balancer_storage(balancer, monitor: MonitorStorage) -> MonitorStorage:
    """What mod_lbmethod_heartbeat will read once the monitor runs."""
    if monitor.kind == "slotmem" and balancer.lookup_provider("slotmem", "shm", "0"):
        # It attaches to the segment of its own DefaultRuntimeDir, if there is one.
        return MonitorStorage("slotmem", slotmem_filename(balancer, SLOTMEM_NAME))
    config = module_config(balancer, "lbmethod_heartbeat_module")
    path = config.path if config is not None else balancer.runtime_dir_relative("hb.dat")
    return MonitorStorage("file", path)


# -- the checks --------------------------------------------------------------------------

def check_sender(sender, monitor, sender_path: str) -> list[Finding]:
    config = module_config(sender, "heartbeat_module")
    if config is None or not config.active:
        return [Finding(ERROR, "the sender has no HeartbeatAddress (mod_heartbeat not loaded "
                        "or not configured): it sends no heartbeats", sender_path)]
    findings = []
    listen = module_config(monitor, "heartmonitor_module")
    if listen is not None and listen.active:
        sent = f"{config.address[0]}:{config.address[1]}"
        heard = f"{listen.listen_ip}:{listen.listen_port}"
        if not hears(listen, config.address[0], config.address[1]):
            file_name, line = where(monitor, "HeartbeatListen")
            findings.append(finding(
                ERROR, f"HeartbeatAddress {sent} is not the monitor's HeartbeatListen {heard} "
                f"(line {line} of {file_name}): the monitor never hears this sender",
                sender, "HeartbeatAddress"))
    findings.extend(check_interval(sender, sender_path))
    return findings


def hears(listen, address: str, port: int) -> bool:
    """Whether a monitor's listener gets datagrams sent to address:port."""
    if port != listen.listen_port:
        return False
    if address == listen.listen_ip:
        return True
    # A unicast listener bound to the wildcard address hears every local unicast address.
    return (listen.listen_unicast and listen.listen_ip in WILDCARDS
            and not is_multicast(address))


def check_interval(sender, sender_path: str) -> list[Finding]:
    watchdog = module_config(sender, "watchdog_module")
    if watchdog is None:
        return []
    seconds = watchdog.interval / 1_000_000
    shown = f"{seconds:g}"
    if seconds >= MAX_LASTSEEN:
        return [finding(ERROR, f"WatchdogInterval {shown}: the sender beats every {shown} s, "
                        f"so a balancer finds each of its servers stale (lastseen >= "
                        f"{MAX_LASTSEEN}) before the next heartbeat", sender, "WatchdogInterval",
                        sender_path)]
    if 2 * seconds >= MAX_LASTSEEN:
        return [finding(WARNING, f"WatchdogInterval {shown}: one lost heartbeat makes a server "
                        f"stale for the balancer (lastseen >= {MAX_LASTSEEN})", sender,
                        "WatchdogInterval", sender_path)]
    return []


def check_monitor(monitor, monitor_path: str) -> list[Finding]:
    config = module_config(monitor, "heartmonitor_module")
    if config is None or not config.active:
        return [Finding(ERROR, "the monitor has no HeartbeatListen (mod_heartmonitor not "
                        "loaded or not configured): it hears no heartbeats", monitor_path)]
    findings = []
    if not is_multicast(config.listen_ip) and not config.listen_unicast:
        listen = f"{config.listen_ip}:{config.listen_port}"
        findings.append(finding(ERROR, f"HeartbeatListen {listen} is not a multicast group: "
                        "mod_heartmonitor fails to join it at start-up (AH02072) and hears "
                        "nothing; heartlab_module's 'HeartbeatListenUnicast On' binds it as a "
                        "unicast address", monitor, "HeartbeatListen", monitor_path))
    storage = monitor_storage(monitor)
    lab = module_config(monitor, "heartlab_module")
    if storage is not None and storage.kind == "file" and (
            lab is None or lab.on_stop == "keep"):
        findings.append(finding(WARNING, f"when the monitor stops, {storage.path} keeps its last "
                        "lastseen values and a balancer reading it keeps picking those "
                        "servers (the reader does not add the file's age); heartlab_module's "
                        "'HeartbeatOnStop expire' empties it", monitor, "HeartbeatStorage",
                        monitor_path))
    return findings


def check_balancer(balancer, path: str, monitor, storage: MonitorStorage | None
                   ) -> list[Finding]:
    balancers = heartbeat_balancers(balancer)
    if not balancers:
        return [Finding(ERROR, "no balancer with lbmethod=heartbeat and members", path)]
    findings = []
    for group in balancers:
        seen: dict[str, str] = {}
        for member in group.members:
            file_name, _sep, line = member.where.rpartition(":")
            if not is_ip(member.host):
                findings.append(Finding(
                    ERROR, f"BalancerMember {member.url}: '{member.host}' is not an IP "
                    "address; mod_lbmethod_heartbeat compares the member's host text with "
                    "the IPs in the storage (no DNS), so it never gets a request",
                    file_name, int(line)))
            elif member.host in seen:
                findings.append(Finding(
                    WARNING, f"BalancerMember {member.url} has the IP of {seen[member.host]}: "
                    "the lbmethod ignores ports, so one heartbeat stands for both and the "
                    "later member gets every pick", file_name, int(line)))
            seen[member.host] = member.url
    if storage is not None:
        findings.extend(check_storage(balancer, path, storage))
    return findings


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def check_storage(balancer, path: str, written: MonitorStorage) -> list[Finding]:
    read = balancer_storage(balancer, written)
    if (read.kind, read.path) != (written.kind, written.path):
        hint = {
            ("file", "slotmem"): "load mod_slotmem_shm in the balancer and give it the "
                                 "monitor's DefaultRuntimeDir",
            ("slotmem", "slotmem"): "give the balancer the monitor's DefaultRuntimeDir",
        }.get((read.kind, written.kind), "give the balancer the monitor's HeartbeatStorage")
        return [finding(ERROR, f"the balancer reads {read.kind} {read.path} but the monitor "
                        f"writes {written.kind} {written.path}: {hint}", balancer,
                        "HeartbeatStorage", path)]
    if read.kind == "file":
        return check_reader_access(balancer, path, read.path)
    return []


def check_reader_access(balancer, path: str, storage_path: str) -> list[Finding]:
    """The balancer's children run as its User: can that user open the file?"""
    unixd = module_config(balancer, "unixd_module")
    user = unixd.user_name if unixd is not None else DEFAULT_USER
    if user == DEFAULT_USER or os.geteuid() != 0:
        return []  # the children keep the user that starts httpd
    try:
        account = pwd.getpwuid(int(user[1:])) if user.startswith("#") else pwd.getpwnam(user)
    except (KeyError, ValueError):
        return []  # -t and start-up report an unknown user themselves
    groups = set(os.getgrouplist(account.pw_name, account.pw_gid))
    blocked = first_denial(storage_path, account.pw_uid, groups)
    if blocked is None:
        return []
    return [finding(ERROR, f"User {user} cannot read {storage_path} ({blocked}): every "
                    "balancer request fails with AH01213 and a 503", balancer, "User", path)]


def first_denial(path: str, uid: int, gids: set[int]) -> str | None:
    """Why this user cannot open path for reading (None when it can, or when the file
    does not exist yet and its directories are searchable)."""
    if uid == 0:
        return None
    parts = os.path.abspath(path).split(os.sep)
    for depth in range(1, len(parts)):
        directory = os.sep.join(parts[:depth]) or os.sep
        if not allowed(directory, uid, gids, stat.S_IXUSR, stat.S_IXGRP, stat.S_IXOTH):
            return f"{directory} is not searchable for it"
    if os.path.exists(path) and not allowed(path, uid, gids, stat.S_IRUSR, stat.S_IRGRP,
                                            stat.S_IROTH):
        return f"{path} is not readable for it"
    return None


def allowed(path: str, uid: int, gids: set[int], user_bit: int, group_bit: int,
            other_bit: int) -> bool:
    try:
        info = os.stat(path)
    except OSError:
        return True  # nothing there yet: the monitor creates it
    if info.st_uid == uid:
        return bool(info.st_mode & user_bit)
    if info.st_gid in gids:
        return bool(info.st_mode & group_bit)
    return bool(info.st_mode & other_bit)


# -- the command ---------------------------------------------------------------------------

def lint(sender_path: str, monitor_path: str, balancer_paths: list[str]) -> list[Finding]:
    """Every finding; ConfigError when a file does not even pass `heartmonitor -t`."""
    sender = load(sender_path)
    monitor = sender if os.path.abspath(monitor_path) == os.path.abspath(sender_path) \
        else load(monitor_path)
    findings = check_sender(sender, monitor, sender_path)
    findings.extend(check_monitor(monitor, monitor_path))
    storage = monitor_storage(monitor)
    for path in balancer_paths:
        findings.extend(check_balancer(load(path), path, monitor, storage))
    return findings


def config_error_entries(text: str) -> list[dict]:
    """`heartmonitor -t`'s failure as diagnostics, as `-t --format json` gives them."""
    message = text.replace(":\n", ": ").strip()
    code = code_of(message)
    found = entry("error", message[9:] if code else message)
    found["code"] = found["code"] or code
    return [found]


def run(args, out, err) -> int:
    try:
        findings = lint(args.sender, args.monitor, args.balancers)
    except ConfigError as error:
        if args.format == "json":
            document = {"ok": False, "exit_code": 1,
                        "diagnostics": config_error_entries(error.text)}
            out.write(json.dumps(document, indent=2) + "\n")
        else:
            err.write(error.text)
        return 1
    code = 1 if any(f.severity == ERROR for f in findings) else 0
    if args.format == "json":
        document = {"ok": code == 0, "exit_code": code,
                    "diagnostics": [f.as_dict() for f in findings]}
        out.write(json.dumps(document, indent=2) + "\n")
        return code
    for item in findings:
        err.write(item.text() + "\n")
    err.write("Lint OK\n" if code == 0 else "Lint failed\n")
    return code
