"""`heartmonitorctl record`: sample a running monitor into a JSON-lines file.

One line per sample: {"t": seconds since the start, "time": Unix time, "servers":
{ip: [ready, busy, lastseen, fresh]}, "pick": {ip: chance}} (pick only with -f), or
{"t", "time", "error"} while the monitor does not answer. `plot` draws such a file.
"""

from __future__ import annotations

import json
import time

from .loadconf import ConfigError
from .top import balancer_config_refused, fetch, pick_shares


def sample(url: str, balancer_conf: str | None) -> dict:
    try:
        rows = fetch(url)
    except (OSError, ValueError, KeyError, TypeError) as error:
        reason = getattr(error, "reason", None) or getattr(error, "strerror", None) or error
        return {"error": str(reason)}
    line: dict = {"servers": {row.ip: [row.ready, row.busy, row.lastseen, row.fresh]
                              for row in rows}}
    if balancer_conf is not None:
        try:
            line["pick"] = pick_shares(balancer_conf)
        except (ConfigError, LookupError, OSError) as error:
            line["pick_error"] = str(error).strip()
    return line


def record(url: str, path: str, interval: float, duration: float,
           balancer_conf: str | None) -> int:
    """Sample until duration (0: until interrupted); the number of samples written."""
    start = time.monotonic()
    count = 0
    with open(path, "w", encoding="utf-8") as out:
        while True:
            now = time.monotonic() - start
            if duration and now >= duration:
                break
            line = {"t": round(now, 3), "time": round(time.time(), 3)}
            line.update(sample(url, balancer_conf))
            out.write(json.dumps(line, sort_keys=True) + "\n")
            out.flush()
            count += 1
            time.sleep(max(0.0, start + count * interval - time.monotonic()))
    return count


def run(args, out, err) -> int:
    if balancer_config_refused(args.config, "record", err):
        return 1
    try:
        count = record(args.url, args.output, args.interval, args.duration, args.config)
    except OSError as error:
        err.write(f"heartmonitorctl record: {args.output}: {error.strerror}\n")
        return 1
    except KeyboardInterrupt:
        return 0
    out.write(f"{count} samples written to {args.output}\n")
    return 0
