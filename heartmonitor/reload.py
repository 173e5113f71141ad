"""Restarts: the configuration read again off the event loop; --watch-config.

A restart (SIGHUP, SIGUSR1, `-k restart|graceful`, --watch-config) reads and checks the
whole configuration on a thread of its own, so that nothing in it (a FIFO, a huge file, a
slow handler) can stall the server. The read has a time limit: past it the read is
abandoned (a thread running Python is interrupted, one blocked in the kernel is left
behind) and the running configuration stays. Every failure, a Python exception from any
handler included, is logged in httpd's style and leaves the running configuration alone.

--watch-config watches the directories of every file the configuration read (Includes
too). An editor's save-by-rename arrives as a move whose destination is the file, so both
ends of every event are compared. One save gives several events: they are debounced.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import os
import sys
import threading
from types import TracebackType
from typing import Any

from watchdog.events import FileSystemEventHandler
from watchdog.observers import Observer

from . import log

DEBOUNCE_SECONDS = 0.5
# How long a restart may spend reading the configuration (seconds);
# HEARTMONITOR_RELOAD_TIME_LIMIT overrides it.
READ_TIME_LIMIT = 10.0
TIME_LIMIT_VARIABLE = "HEARTMONITOR_RELOAD_TIME_LIMIT"
# Deeply nested Includes recurse deeply: the reading thread gets a main thread's stack.
READER_STACK_SIZE = 64 * 1024 * 1024
MESSAGE_LIMIT = 300
# The GIL's switch interval while a configuration is read beside the event loop. The
# loop gives the GIL away at every system call (each datagram read, each send) and, with
# a thread running Python, waits for the switch interval to get it back: at the default
# 5 ms, twenty system calls beside a thread running Python took 104 ms, at 0.5 ms 7 ms.
READING_SWITCH_INTERVAL = 0.0005


class ReadAbandoned(BaseException):
    """Raised inside a reading thread that ran past its time limit (not an Exception, so
    that no handler's `except Exception` swallows it)."""


def read_time_limit() -> float:
    try:
        value = float(os.environ.get(TIME_LIMIT_VARIABLE, READ_TIME_LIMIT))
    except ValueError:
        return READ_TIME_LIMIT
    return value if value > 0 else READ_TIME_LIMIT


class GatedStream:
    """The reading thread's stderr/stdout: lines go to the error log until the read ends."""

    def __init__(self, target: log.LogTarget) -> None:
        self.target = target
        self.open = True

    def write(self, text: str) -> int:
        for line in text.splitlines():
            if self.open:
                self.target.write(line, log.ERR)
        return len(text)

    def flush(self) -> None:
        pass


def failure_position(tb: TracebackType | None) -> tuple[str | None, int | None]:
    """The configuration file and line being handled where an exception was raised."""
    found: tuple[str | None, int | None] = (None, None)
    while tb is not None:
        names = tb.tb_frame.f_locals
        node = names.get("node")
        file_name = getattr(node, "filename", None)
        line = getattr(node, "line_num", None)
        if file_name and line:
            found = (file_name, line)
        else:
            for name in ("parms", "cmd"):
                config_file = getattr(names.get(name), "config_file", None)
                file_name = getattr(config_file, "name", None)
                if file_name:
                    found = (file_name, getattr(config_file, "line_number", None))
                    break
        tb = tb.tb_next
    return found


def describe_exception(error: BaseException) -> str:
    """`ValueError: text` of an exception, cut to a log line's length."""
    text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    text = " ".join(text.split())
    if len(text) > MESSAGE_LIMIT:
        text = text[:MESSAGE_LIMIT] + "..."
    return text


class QuickSwitching:
    """The GIL's switch interval at READING_SWITCH_INTERVAL while at least one thread is
    inside (reads can overlap: an abandoned one may still be running), the interval
    found before the first one restored after the last."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.inside = 0
        self.previous = 0.0

    def __enter__(self) -> None:
        with self.lock:
            if self.inside == 0:
                self.previous = sys.getswitchinterval()
                sys.setswitchinterval(min(self.previous, READING_SWITCH_INTERVAL))
            self.inside += 1

    def __exit__(self, *exc_info) -> None:
        with self.lock:
            self.inside -= 1
            if self.inside == 0:
                sys.setswitchinterval(self.previous)


quick_switching = QuickSwitching()


class ConfigRead:
    """One reading of the configuration for a restart, on a daemon thread."""

    def __init__(self, options, generation: int, target: log.LogTarget, reader,
                 retained: dict | None = None) -> None:
        self.options = options
        self.retained = {} if retained is None else retained
        self.reader = reader  # (new_httpd, read_and_check) of heartmonitor.lifecycle
        self.generation = generation
        self.stream = GatedStream(target)
        self.httpd = None
        self.error: BaseException | None = None
        self.position: tuple[str | None, int | None] = (None, None)
        self.thread: threading.Thread | None = None
        self.done: asyncio.Future | None = None
        # While set, abandon() may interrupt the thread; cleared (under the lock) when the
        # read has ended, so that an interruption never lands outside it.
        self.reading = True
        self.lock = threading.RLock()
        self.loop: asyncio.AbstractEventLoop | None = None

    def start(self, loop: asyncio.AbstractEventLoop) -> asyncio.Future:
        self.done = loop.create_future()
        previous = threading.stack_size()
        try:
            threading.stack_size(READER_STACK_SIZE)
        except (ValueError, RuntimeError):
            pass
        try:
            self.thread = threading.Thread(target=self._run, args=(loop,),
                                           name="config-read", daemon=True)
            self.thread.start()
        finally:
            threading.stack_size(previous)
        return self.done

    def _run(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        _reads[threading.get_ident()] = self
        started = False
        while True:
            try:
                if not started:
                    started = True
                    with quick_switching:
                        self._read()
                # From here on no interruption, and none pending: one that abandon() asked
                # for just as the read ended would otherwise surface in the thread's exit.
                with self.lock:
                    self.reading = False
                    ctypes.pythonapi.PyThreadState_SetAsyncExc(
                        ctypes.c_ulong(threading.get_ident()), None)
                break
            except ReadAbandoned as error:  # it came between two steps of the read
                self.error = self.error or error
        _reads.pop(threading.get_ident(), None)
        try:
            loop.call_soon_threadsafe(self._finish)
        except RuntimeError:
            pass  # the loop is gone: the server has stopped

    def _read(self) -> None:
        new_httpd, read_and_check = self.reader
        httpd = None
        try:
            httpd = new_httpd(self.options, stderr=self.stream, stdout=self.stream)
            httpd.config_generation = self.generation
            httpd.retained = self.retained  # check_config reads what earlier reads kept
            confname = self.options.confname or httpd.layout.server_config_file
            if read_and_check(httpd, confname):
                self.httpd = httpd
        except BaseException as error:  # noqa: BLE001 - every failure keeps the server up
            self.error = error
            self.position = failure_position(error.__traceback__)
            if self.position == (None, None) and httpd is not None:
                self.position = httpd.reading_position()

    def _finish(self) -> None:
        if self.done is not None and not self.done.done():
            self.done.set_result(None)

    def abandon(self) -> None:
        """Stop logging for this read; interrupt its thread if it is running Python."""
        self.stream.open = False
        thread = self.thread
        if thread is None or not thread.is_alive() or thread.ident is None:
            return
        _catch_interruptions_in_callbacks()
        self.interrupt()

    def interrupt(self) -> None:
        """ReadAbandoned raised in the reading thread, if it is still reading."""
        thread = self.thread
        with self.lock:
            if self.reading and thread is not None and thread.ident is not None:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident),
                                                           ctypes.py_object(ReadAbandoned))

    def report_failure(self, httpd) -> None:
        """Log why this read gave no configuration (its own messages are logged already)."""
        self.stream.open = False
        error = self.error
        if error is not None:
            file_name, line = self.position
            where = f" on line {line} of {file_name}" if file_name and line else ""
            httpd.log_error("core", log.CRIT, f"internal error while reading the "
                            f"configuration{where}: {describe_exception(error)}")
        httpd.log_error("core", log.ERR, "configuration not reloaded: it has errors (see "
                        "above); the running configuration stays")


# The read running on each reading thread, by thread id.
_reads: dict[int, ConfigRead] = {}


def _catch_interruptions_in_callbacks() -> None:
    """An interruption can land in a callback the reading thread runs (a weakref's, a gc
    callback), where Python would print it on stderr as unraisable and let the read go
    on: it is dropped there and asked for again from the event loop, so that it comes
    after the callback."""
    previous = sys.unraisablehook
    if getattr(previous, "handles_read_abandoned", False):
        return

    def hook(unraisable) -> None:
        if not isinstance(unraisable.exc_value, ReadAbandoned):
            previous(unraisable)
            return
        job = _reads.get(threading.get_ident())
        if job is not None and job.loop is not None:
            try:
                job.loop.call_soon_threadsafe(job.interrupt)
            except RuntimeError:
                pass  # the loop is gone: the server has stopped

    hook.handles_read_abandoned = True  # type: ignore[attr-defined]
    sys.unraisablehook = hook


class ConfigWatcher:
    def __init__(self, runner, loop) -> None:
        self.runner = runner
        self.loop = loop
        self.files: set[str] = set()
        self.observer: Any = None  # a watchdog Observer, imported when first needed
        self.timer: asyncio.TimerHandle | None = None

    def watch(self, files: list[str]) -> None:
        """(Re)start watching the directories of these files."""
        # The library logs a race of its own when an observer stops; without a handler
        # Python would print it on stderr.
        logging.getLogger("watchdog").addHandler(logging.NullHandler())
        self.stop()
        self.files = {os.path.realpath(f) for f in files}
        watcher = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event) -> None:
                if event.event_type in ("opened", "closed_no_write"):
                    return
                paths = {event.src_path, getattr(event, "dest_path", "") or ""}
                if any(os.path.realpath(p) in watcher.files for p in paths if p):
                    watcher.loop.call_soon_threadsafe(watcher.changed)

        observer = Observer()
        for directory in sorted({os.path.dirname(f) for f in self.files}):
            if os.path.isdir(directory):
                observer.schedule(Handler(), directory, recursive=False)
        observer.daemon = True
        observer.start()
        self.observer = observer

    def changed(self) -> None:
        """Called on the event loop: (re)arm the debounce timer."""
        if self.timer is not None:
            self.timer.cancel()
        self.timer = self.loop.call_later(DEBOUNCE_SECONDS, self._fire)

    def _fire(self) -> None:
        self.timer = None
        self.runner.httpd.log_error("core", log.NOTICE,
                                    "a configuration file changed: graceful restart")
        self.runner.request("reload")

    def stop(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        if self.observer is not None:
            self.observer.stop()
            self.observer.join(timeout=2)
            self.observer = None
