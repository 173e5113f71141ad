"""A restart's reading thread and the GIL: a short switch interval while it reads.

The event loop gives the GIL away at every system call; beside a thread running Python
it waits for the switch interval to get it back (5 ms by default), so a request of a few
dozen system calls waited 100 ms while a restart read the configuration.
"""

from __future__ import annotations

import asyncio
import io
import sys

from heartmonitor import log, reload


def test_the_interval_is_short_while_a_configuration_is_read():
    seen = []

    def new_httpd(options, stderr, stdout):
        class Httpd:
            layout = type("Layout", (), {"server_config_file": "x.conf"})()

            def reading_position(self):
                return (None, None)

        return Httpd()

    def read_and_check(httpd, confname):
        seen.append(sys.getswitchinterval())
        return True

    options = type("Options", (), {"confname": "x.conf"})()
    before = sys.getswitchinterval()

    async def run() -> None:
        job = reload.ConfigRead(options, 2, log.LogTarget(io.StringIO()),
                                (new_httpd, read_and_check))
        await job.start(asyncio.get_running_loop())
        assert job.error is None and job.httpd is not None

    asyncio.run(run())
    assert seen == [reload.READING_SWITCH_INTERVAL]
    assert sys.getswitchinterval() == before


def test_overlapping_reads_restore_the_interval_after_the_last():
    switching = reload.QuickSwitching()
    before = sys.getswitchinterval()
    with switching:
        with switching:
            assert sys.getswitchinterval() == reload.READING_SWITCH_INTERVAL
        assert sys.getswitchinterval() == reload.READING_SWITCH_INTERVAL
    assert sys.getswitchinterval() == before
