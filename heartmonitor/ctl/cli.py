"""heartmonitorctl's command line: one subcommand per lab tool."""

from __future__ import annotations

import argparse
import sys

from . import lint, pick


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="heartmonitorctl",
        description="Test-lab tools for heartmonitor and httpd's heartbeat balancing.")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    pick = commands.add_parser(
        "pick", help="each BalancerMember's chance to be picked, as mod_lbmethod_heartbeat "
        "computes it from the storage it reads")
    pick.add_argument("-f", dest="config", required=True, metavar="BALANCER.conf",
                      help="the balancer's httpd configuration")
    pick.add_argument("--format", choices=("text", "json"), default="text")
    lint = commands.add_parser(
        "lint", help="checks across a sender's, a monitor's and balancers' configurations "
        "that httpd never makes")
    lint.add_argument("sender", metavar="SENDER.conf")
    lint.add_argument("monitor", metavar="MONITOR.conf")
    lint.add_argument("balancers", metavar="BALANCER.conf", nargs="*")
    lint.add_argument("--format", choices=("text", "json"), default="text")
    simulate = commands.add_parser(
        "simulate", help="a fleet of backends beating as a scenario file says")
    simulate.add_argument("scenario", metavar="SCENARIO.toml")
    simulate.add_argument("--duration", type=float, default=None, metavar="SECONDS",
                          help="stop after this long (default: the scenario's duration)")
    live = commands.add_parser(
        "top", help="a live view of a running monitor's servers (and a balancer's odds)")
    live.add_argument("url", nargs="?", default="http://127.0.0.1:8080/server-status",
                      metavar="URL", help="the monitor's server-status "
                      "(default: http://127.0.0.1:8080/server-status)")
    live.add_argument("-f", dest="config", default=None, metavar="BALANCER.conf",
                      help="show each server's chance under this balancer")
    live.add_argument("--interval", type=float, default=1.0, metavar="SECONDS")
    rec = commands.add_parser(
        "record", help="sample a running monitor (and a balancer's odds) into a file")
    rec.add_argument("url", nargs="?", default="http://127.0.0.1:8080/server-status",
                     metavar="URL")
    rec.add_argument("-o", dest="output", required=True, metavar="RECORD.jsonl")
    rec.add_argument("-f", dest="config", default=None, metavar="BALANCER.conf")
    rec.add_argument("--interval", type=float, default=1.0, metavar="SECONDS")
    rec.add_argument("--duration", type=float, default=0.0, metavar="SECONDS",
                     help="stop after this long (default: until interrupted)")
    for name, what in (("drain", "publish servers with ready 0 (kept, busy as heard)"),
                       ("undrain", "publish drained servers as heard again")):
        drain = commands.add_parser(name, help=f"{what}, through a running monitor's "
                                    "heartbeat-admin handler")
        drain.add_argument("ips", nargs="*", metavar="IP")
        if name == "drain":
            drain.add_argument("--list", action="store_true",
                               help="list the drained servers")
        else:
            drain.set_defaults(list=False)
        where = drain.add_mutually_exclusive_group()
        where.add_argument("--url", default=None, metavar="URL",
                           help="the monitor's heartbeat-admin URL (default: "
                           "http://127.0.0.1:8080/heartbeat-admin)")
        where.add_argument("-f", dest="config", default=None, metavar="MONITOR.conf",
                           help="find that URL in the monitor's configuration")
    plot = commands.add_parser("plot", help="draw a recording as SVG or PNG charts")
    plot.add_argument("record", metavar="RECORD.jsonl")
    plot.add_argument("-o", dest="output", required=True, metavar="OUT.svg|OUT.png")
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "pick":
        return pick.run(args, sys.stdout, sys.stderr)
    if args.command == "lint":
        return lint.run(args, sys.stdout, sys.stderr)
    if args.command == "simulate":
        from . import simulate

        return simulate.run(args, sys.stdout, sys.stderr)
    if args.command == "top":
        from . import top

        return top.run(args, sys.stdout, sys.stderr)
    if args.command == "record":
        from . import record

        return record.run(args, sys.stdout, sys.stderr)
    if args.command in ("drain", "undrain"):
        from . import drain

        return drain.run(args, sys.stdout, sys.stderr)
    if args.command == "plot":
        from . import plot

        return plot.run(args, sys.stdout, sys.stderr)
    return 2  # pragma: no cover - argparse requires a known command
