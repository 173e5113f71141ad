"""mod_lbmethod_heartbeat's side: what a balancer reads from hb.dat or the slotmem.

read_heartbeats() returns what readfile_heartbeats / readslot_heartbeats would see:
{ip: {"busy", "ready", "seen", "port"}}, the 'busy == 0 makes ready / 4' penalty
applied, seen in whole seconds (as written in the file, or computed now from the slot).
It works from any process: `heartmonitor -S` uses it to show a running monitor's table.
"""

from __future__ import annotations

import time

from heartmonitor import log

from . import hbfile
from .slotmem import Slotmem, unpack_slot
from .storage import SLOTMEM_NAME, storage_for


def post_config(httpd, module) -> bool:
    """lb_hb_init: attach to mod_heartmonitor's slotmem when there is one."""
    if httpd.main_state != "create-config":
        return True
    ctx = httpd.server_conf.module_config[module]
    provider = httpd.lookup_provider("slotmem", "shm", "0")
    if provider is None:
        httpd.log_error("lbmethod_heartbeat", log.NOTICE,
                        "AH02281: Failed to lookup provider 'shm' for 'slotmem'. Maybe you need "
                        "to load mod_slotmem_shm?")
        return True
    try:
        ctx.slotmem = provider.attach(httpd, SLOTMEM_NAME)
    except OSError:
        ctx.slotmem = None
    if ctx.slotmem is None:
        httpd.log_error("lbmethod_heartbeat", log.NOTICE,
                        "AH02282: No slotmem from mod_heartmonitor")
    else:
        httpd.log_error("lbmethod_heartbeat", log.NOTICE,
                        "AH02283: Using slotmem from mod_heartmonitor")
        ctx.path = "(slotmem)"
    return True


def read_file(path: str) -> dict[str, dict[str, int]]:
    """readfile_heartbeats; OSError when the file cannot be read (the balancer's 503)."""
    with open(path, "rb") as handle:
        return hbfile.parse_entries(handle.read())


def read_slotmem(slotmem: Slotmem, now: float | None = None) -> dict[str, dict[str, int]]:
    """readslot_heartbeats: seen is computed at read time."""
    now_us = int((time.time() if now is None else now) * 1_000_000)
    servers = {}
    for _index, data in slotmem.doall():
        ip, busy, ready, seen, _slot_id = unpack_slot(data)
        if busy == 0 and ready != 0:
            ready = int(ready / 4)
        servers[ip] = {"busy": busy, "ready": ready, "seen": (now_us - seen) // 1_000_000
                       if now_us >= seen else -((seen - now_us) // 1_000_000), "port": 0}
    return servers


def dump_storage(httpd, config, out) -> None:
    """The heartbeat table a balancer would read now, for -S."""
    storage = storage_for(httpd, config)
    if storage is None:
        return
    contents = storage.read()
    out.write(f"Heartbeat storage: {contents.where}\n")
    if contents.error is not None:
        out.write(f"Heartbeat servers: none ({contents.error})\n")
        return
    out.write(f"Heartbeat servers: {len(contents.servers)}\n")
    for ip, entry in contents.servers.items():
        port = f":{entry['port']}" if entry["port"] else ""
        out.write(f"    {ip}{port} ready={entry['ready']} busy={entry['busy']} "
                  f"lastseen={entry['seen']}\n")
