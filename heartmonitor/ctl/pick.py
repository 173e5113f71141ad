"""`heartmonitorctl pick -f BALANCER.conf`: each BalancerMember's chance to be picked."""

from __future__ import annotations

import json
from typing import TypedDict

from .balancers import MemberRow, heartbeat_balancers, member_table, read_storage, storage_label
from .loadconf import ConfigError, load


class PickReport(TypedDict):
    storage: str  # what the balancer reads, as storage_label words it
    balancers: dict[str, dict[str, MemberRow]]  # {"balancer://NAME": {member URL: row}}


def pick_report(path: str, now: float | None = None) -> PickReport:
    """{"balancer://NAME": {"MEMBER URL": {...}}}; ConfigError or LookupError on failure."""
    httpd = load(path)
    balancers = heartbeat_balancers(httpd)
    if not balancers:
        raise LookupError(f"no balancer with lbmethod=heartbeat and members in {path}")
    storage = read_storage(httpd, now)
    report = {b.name: member_table(b, storage) for b in balancers}
    report_storage = storage_label(storage)
    return PickReport(storage=report_storage, balancers=report)


def format_text(result: PickReport) -> str:
    lines = [f"storage: {result['storage']}"]
    for name, members in result["balancers"].items():
        lines.append(name)
        width = max(len(url) for url in members)
        for url, row in members.items():
            numbers = " ".join(
                f"{key}={'-' if row[key] is None else row[key]}"
                for key in ("ready", "busy", "lastseen"))
            reason = f"  ({row['reason']})" if row["reason"] else ""
            lines.append(f"    {url:<{width}}  {row['probability'] * 100:7.3f}%  "
                         f"{numbers}{reason}")
    return "\n".join(lines) + "\n"


def run(args, out, err) -> int:
    try:
        result = pick_report(args.config)
    except ConfigError as error:
        err.write(error.text)
        return 1
    except LookupError as error:
        err.write(f"heartmonitorctl pick: {error}\n")
        return 1
    if args.format == "json":
        out.write(json.dumps(result["balancers"], indent=2) + "\n")
    else:
        out.write(format_text(result))
    return 0
