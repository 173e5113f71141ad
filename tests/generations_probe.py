"""Restarts a heartmonitor in this process and counts the configuration generations
still alive (tests/test_generations.py runs it in a process of its own: it changes the
collector's and the signals' global state).

    python -m tests.generations_probe httpd.conf RESTARTS

Every full collection freezes what it leaves (FREEZE_AT 0), as a server with a large
table does; each restart is a signal to this process, every third one after an edit
that breaks the configuration (the edit is then undone). At the end it prints how
many generations were created and how many are still alive after a full collection.
"""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import sys
import weakref

from heartmonitor import cli, collector, lifecycle, serve

created: list[weakref.ref] = []


def counting_new_httpd(*args, **kwargs):
    httpd = original_new_httpd(*args, **kwargs)
    created.append(weakref.ref(httpd))
    return httpd


original_new_httpd = lifecycle.new_httpd
original_main = serve.Runner.main


async def restarts(runner: serve.Runner, conf: str, count: int) -> None:
    with open(conf) as handle:
        good = handle.read()
    for number in range(count):
        broken = number % 3 == 2
        if broken:
            with open(conf, "a") as handle:
                handle.write("NoSuchDirective here\n")
        before = len(created)
        os.kill(os.getpid(), signal.SIGUSR1 if number % 2 else signal.SIGHUP)
        while len(created) == before or runner.pending or runner.new_generation:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)  # the restart's last steps
        if broken:
            with open(conf, "w") as handle:
                handle.write(good)
        gc.collect()  # as Python starts them: each one freezes what it leaves
    gc.collect()
    alive = sum(1 for ref in created if ref() is not None)
    print(f"generations {len(created)} alive {alive}", file=sys.__stdout__, flush=True)
    runner.request("stop")


def main() -> int:
    conf, count = sys.argv[1], int(sys.argv[2])
    collector.FREEZE_AT = 0
    lifecycle.new_httpd = cli.new_httpd = counting_new_httpd

    async def main_with_restarts(runner: serve.Runner) -> int:
        asyncio.get_running_loop().create_task(restarts(runner, conf, count))
        return await original_main(runner)

    serve.Runner.main = main_with_restarts  # type: ignore[method-assign, assignment]
    return cli.main(["heartmonitor", "-f", conf, "-DFOREGROUND"])


if __name__ == "__main__":
    sys.exit(main())
