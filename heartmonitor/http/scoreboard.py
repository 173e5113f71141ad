"""httpd's scoreboard, as mod_status and mod_heartbeat read it.

heartmonitor is one process serving from one asyncio loop; it presents itself as the
event MPM's first child with ThreadsPerChild worker slots, the other ServerLimit - 1
children being open slots ('.'). A request holds a worker slot from its first header to
the end of its response, so the counts mean what they mean in httpd: IdleWorkers are
slots ready for a request, BusyWorkers are requests in progress (the status request
itself included).
"""

from __future__ import annotations

import os
import time
from operator import attrgetter

SERVER_DEAD, SERVER_STARTING, SERVER_READY, SERVER_BUSY_READ, SERVER_BUSY_WRITE = range(5)
SERVER_BUSY_KEEPALIVE, SERVER_BUSY_LOG, SERVER_BUSY_DNS, SERVER_CLOSING = range(5, 9)
SERVER_GRACEFUL, SERVER_IDLE_KILL = 9, 10
STATUS_FLAGS = ".S_RWKLDCGI"

# The event MPM's defaults: ServerLimit 16, ThreadsPerChild 25 (MaxRequestWorkers 400).
SERVER_LIMIT = 16
THREADS_PER_CHILD = 25


class WorkerScore:
    """worker_score: one worker slot and its counters."""

    __slots__ = ("status", "access_count", "bytes_served", "my_access_count",
                 "my_bytes_served", "conn_count", "conn_bytes", "start_time", "stop_time",
                 "last_used", "duration", "client", "request", "vhost", "protocol")

    def __init__(self) -> None:
        self.status = SERVER_READY
        self.access_count = 0
        self.bytes_served = 0
        self.my_access_count = 0
        self.my_bytes_served = 0
        self.conn_count = 0
        self.conn_bytes = 0
        self.start_time = 0.0
        self.stop_time = 0.0
        self.last_used = 0.0
        self.duration = 0.0
        self.client = ""
        self.request = ""
        self.vhost = ""
        self.protocol = ""


class Scoreboard:
    """The process's worker slots and connection counters (retained across restarts)."""

    def __init__(self, threads: int = THREADS_PER_CHILD, server_limit: int = SERVER_LIMIT):
        self.threads = threads
        self.server_limit = server_limit
        self.workers = [WorkerScore() for _ in range(threads)]
        self.restart_time = time.time()
        self.pid = os.getpid()
        self.generation = 0
        self.connections = 0
        self.keep_alive = 0
        self.overflow = 0  # requests in progress beyond the worker slots
        self.next = 0

    def grab(self) -> WorkerScore | None:
        """An idle slot, taken in turn (httpd's requests also land on different workers)."""
        count = len(self.workers)
        for offset in range(count):
            index = (self.next + offset) % count
            worker = self.workers[index]
            if worker.status == SERVER_READY:
                worker.status = SERVER_BUSY_READ
                self.next = (index + 1) % count
                return worker
        self.overflow += 1
        return None

    def release(self, worker: WorkerScore | None) -> None:
        if worker is None:
            self.overflow -= 1
        else:
            worker.status = SERVER_READY

    def counts(self) -> tuple[int, int]:
        """(ready, busy) as mod_heartbeat counts them."""
        statuses = list(map(_STATUS, self.workers))
        ready = statuses.count(SERVER_READY)
        busy = len(statuses) - ready - sum(map(statuses.count, _NOT_BUSY))
        return ready, busy + self.overflow

    def flags(self) -> str:
        """The Scoreboard line: this child's slots, then the open ones."""
        mine = "".join(map(STATUS_FLAGS.__getitem__, map(_STATUS, self.workers)))
        return mine + "." * (self.threads * (self.server_limit - 1))


# A status request reads every slot: through C-level iteration, not a Python loop.
_STATUS = attrgetter("status")
_NOT_BUSY = (SERVER_DEAD, SERVER_STARTING, SERVER_IDLE_KILL)
