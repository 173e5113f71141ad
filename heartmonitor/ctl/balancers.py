"""The heartbeat balancers of an httpd configuration, and what each member's odds are.

A balancer uses lbmethod=heartbeat when ProxySet or ProxyPass says so; its members are
the BalancerMember lines of `<Proxy balancer://NAME>` (or naming it first). The storage
is the one mod_lbmethod_heartbeat would read: mod_heartmonitor's slotmem when
mod_slotmem_shm is loaded and the segment exists in the DefaultRuntimeDir, otherwise
the HeartbeatStorage file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import TypedDict
from urllib.parse import urlsplit

from heartmonitor.config.tree import walk_tree
from heartmonitor.config.words import getword_conf, split_words
from heartmonitor.cstr import ascii_lower
from heartmonitor.modules.cluster.reader import read_file, read_slotmem
from heartmonitor.modules.cluster.slotmem import Slotmem, slotmem_filename

from .loadconf import module_config
from .pickmath import member_odds

MAX_LASTSEEN = 10  # LBM_HEARTBEAT_MAX_LASTSEEN
BALANCER_PREFIX = "balancer://"
SLOTMEM_NAME = "mod_heartmonitor"
# PROXY_WORKER_NOT_USABLE_BITMAP as BalancerMember status= letters: disabled, stopped,
# failing health checks (an error state +E is retried, so usable again).
UNUSABLE = {"D": "disabled (status=D)", "S": "stopped (status=S)",
            "C": "failing health checks (status=C)"}


@dataclass
class Member:
    url: str
    host: str
    unusable: str | None
    where: str


@dataclass
class Balancer:
    name: str
    members: list[Member] = field(default_factory=list)


@dataclass
class Storage:
    """What the balancer reads: `servers` as mod_lbmethod_heartbeat sees them, or `error`."""
    description: str
    path: str
    servers: dict[str, dict[str, int]] = field(default_factory=dict)
    error: str | None = None


class MemberRow(TypedDict):
    """One member's line of the report: its chance, its heartbeat, why it gets no picks."""
    probability: float
    ready: int | None
    busy: int | None
    lastseen: int | None
    reason: str | None


def _key(name: str) -> str:
    return ascii_lower(name).rstrip("/")


def _status_flags(params: list[str]) -> str | None:
    for param in params:
        key, _sep, value = param.partition("=")
        if ascii_lower(key) == "status":
            for letter in value.upper():
                if letter in UNUSABLE and not value.startswith("-"):
                    return UNUSABLE[letter]
    return None


def _heartbeat_names(httpd) -> set[str]:
    names: set[str] = set()
    module = httpd.module_named("proxy_module")
    if module is None:
        return names
    for server in [httpd.server_conf, *httpd.vhosts]:
        config = server.module_config.get(module)
        for key, balancer in getattr(config, "balancers", {}).items():
            if balancer.get("lbmethod") == "heartbeat":
                names.add(key)
    return names


def heartbeat_balancers(httpd) -> list[Balancer]:
    """Balancers with lbmethod=heartbeat, their members in configuration order."""
    wanted = _heartbeat_names(httpd)
    found: dict[str, Balancer] = {}
    for node in walk_tree(httpd.conftree):
        if ascii_lower(node.directive) != "balancermember":
            continue
        words = split_words(node.args)
        section = node.find_parent("<Proxy")
        if section is not None:
            name = getword_conf(section.args)[0].split(">", 1)[0]
        elif words:
            name, words = words[0], words[1:]
        else:
            continue
        if not words or _key(name) not in wanted:
            continue
        url, params = words[0], words[1:]
        host = ascii_lower(urlsplit(url).hostname or "")
        balancer = found.setdefault(_key(name), Balancer(name.rstrip("/")))
        balancer.members.append(Member(url, host, _status_flags(params),
                                       f"{node.filename}:{node.line_num}"))
    return list(found.values())


def read_storage(httpd, now: float | None = None) -> Storage:
    """The storage mod_lbmethod_heartbeat attaches to or opens, read as it reads it."""
    if httpd.lookup_provider("slotmem", "shm", "0") is not None:
        filename = slotmem_filename(httpd, SLOTMEM_NAME)
        try:
            slotmem = Slotmem.attach(filename)
        except OSError:
            slotmem = None
        if slotmem is not None:
            try:
                return Storage("slotmem", filename, read_slotmem(slotmem, now))
            finally:
                slotmem.close()
    config = module_config(httpd, "lbmethod_heartbeat_module")
    path = config.path if config is not None else httpd.runtime_dir_relative("hb.dat")
    try:
        return Storage("file", path, read_file(path))
    except OSError as error:
        return Storage("file", path, error=(
            f"AH01213: lb_heartbeat: Unable to read heartbeats at '{path}' "
            f"({error.strerror}): every request gets 503"))


def member_table(balancer: Balancer, storage: Storage) -> dict[str, MemberRow]:
    """{member URL: {probability, ready, busy, lastseen, reason}} as find_best_hb picks."""
    rows: dict[str, MemberRow] = {}
    up: list[tuple[str, int]] = []  # (host, ready) in configuration order
    owner: dict[str, str] = {}  # host -> the last usable member URL (server->worker)
    for member in balancer.members:
        entry = storage.servers.get(member.host)
        row = MemberRow(probability=0.0, ready=None, busy=None, lastseen=None, reason=None)
        rows[member.url] = row
        if storage.error is not None:
            row["reason"] = storage.error
            continue
        if entry is None:
            row["reason"] = f"no heartbeat from {member.host or member.url} in the storage"
            continue
        row["ready"], row["busy"], row["lastseen"] = entry["ready"], entry["busy"], entry["seen"]
        if member.unusable:
            row["reason"] = member.unusable
            continue
        owner[member.host] = member.url
        if entry["seen"] >= MAX_LASTSEEN:
            row["reason"] = f"stale: lastseen {entry['seen']} >= {MAX_LASTSEEN}"
            continue
        up.append((member.host, entry["ready"]))
    if storage.error is None:
        _fill_odds(rows, up, owner)
    return rows


def _fill_odds(rows: dict[str, MemberRow], up: list[tuple[str, int]],
               owner: dict[str, str]) -> None:
    odds = member_odds([ready for _host, ready in up])
    if up and not any(odds):
        for host, _ready in up:
            rows[owner[host]]["reason"] = "openslots is 0: every request gets 503"
        return
    shares: dict[str, Fraction] = {}
    for (host, _ready), chance in zip(up, odds, strict=True):
        shares[owner[host]] = shares.get(owner[host], Fraction(0)) + chance
    for url, chance in shares.items():
        rows[url]["probability"] = float(chance)
        if chance and rows[url]["ready"] == 0:  # a drained member, last of the usable ones
            rows[url]["reason"] = ("ready 0, yet the last usable member: it still wins the "
                                   "pick equal to openslots")
    for host, _ready in up:
        for url, row in rows.items():
            if url != owner[host] and row["reason"] is None and _host_of(url) == host:
                row["reason"] = f"same host as {owner[host]}, which gets its picks"


def _host_of(url: str) -> str:
    return ascii_lower(urlsplit(url).hostname or "")


def storage_label(storage: Storage) -> str:
    return f"{storage.description} {storage.path}"
