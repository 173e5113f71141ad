"""Running the server: httpd's start-up after the configuration is read, and its signals.

    -k handling (ap_signal_server) -> open logs -> Listen sockets -> post_config ->
    detach (unless -X, -DFOREGROUND, -DNO_DETACH, -DONE_PROCESS) -> PidFile ->
    child_init (watchdogs) -> serve until a signal.

SIGTERM/SIGINT stop, SIGWINCH stops gracefully, SIGHUP restarts and SIGUSR1 restarts
gracefully, as in httpd. A restart reads the configuration again on a thread of its own
with a time limit (heartmonitor.reload); if it fails to read or to start, or a hook raises,
heartmonitor logs why and keeps the running configuration (httpd would exit). What
modules keep across restarts (the heartbeat table, the multicast socket, the slotmem)
lives in `retained`, and the Listen sockets stay open throughout.

Unlike httpd, post_config runs before detaching, so `heartmonitor -k start` exits 1
with the reason on the terminal when start-up fails.
"""

from __future__ import annotations

import asyncio
import gc
import os
import queue
import signal
import sys
import threading
import time

from . import SERVER_BUILT, log, mpm, second_reading
from .collector import collect_released, freeze_long_lived, hold_freezing, release_freezing
from .errorlog import LogOpenError, open_error_log
from .http.scoreboard import Scoreboard
from .http.server import BindError, HttpServer, open_listeners, run
from .http.signature import server_description
from .instancelock import StorageLock, pid_path, running_instances, storage_paths
from .pidfile import PidFile
from .reload import ConfigRead, ConfigWatcher, describe_exception, failure_position, read_time_limit
from .signalling import signal_server

FOREGROUND_DEFINES = ("DEBUG", "FOREGROUND", "NO_DETACH", "ONE_PROCESS")
SIGNAL_ACTIONS = {
    signal.SIGTERM: "stop", signal.SIGINT: "stop", signal.SIGWINCH: "graceful-stop",
    signal.SIGHUP: "restart", signal.SIGUSR1: "graceful",
}


class Console:
    """What the terminal shows in the foreground: where it listens, servers coming and going.

    Lines are written by a thread of their own, so a terminal or pipe that does not keep
    up never stalls the server; at most LINES_PER_SECOND lines a second are shown and
    the rest are counted in one summary line.
    """

    LINES_PER_SECOND = 20
    QUEUE_LIMIT = 1000

    def __init__(self, stream) -> None:
        self.stream = stream
        self.queue: queue.Queue = queue.Queue(self.QUEUE_LIMIT)
        self.window = 0.0
        self.shown = 0
        self.held_back = 0
        threading.Thread(target=self._write, name="console", daemon=True).start()

    def say(self, text: str) -> None:
        now = time.monotonic()
        if now - self.window >= 1.0:
            if self.held_back:
                self._put(f"({self.held_back} more lines like these left out)")
            self.window, self.shown, self.held_back = now, 0, 0
        if self.shown >= self.LINES_PER_SECOND:
            self.held_back += 1
            return
        self.shown += 1
        self._put(text)

    def _put(self, text: str) -> None:
        try:
            self.queue.put_nowait(f"heartmonitor: {text}\n")
        except queue.Full:
            pass

    def _write(self) -> None:
        while True:
            line = self.queue.get()
            try:
                self.stream.write(line)
                self.stream.flush()
            except (OSError, ValueError):
                return


class Runner:
    """The server across generations (restarts)."""

    def __init__(self, httpd, options, reader) -> None:
        self.httpd = httpd
        self.reader = reader
        self.options = options
        self.retained: dict = httpd.retained  # what the first read's check_config kept
        self.scoreboard = Scoreboard()
        self.sockets: dict = {}
        self.http: HttpServer | None = None
        self.terminal = sys.stderr
        self.foreground = any(name in httpd.defines for name in FOREGROUND_DEFINES)
        self.console = Console(sys.stdout) if self.foreground else None
        self.pid_file: PidFile | None = None
        self.former_pid_files: list[PidFile] = []  # PidFiles of earlier generations
        self.storage_locks: dict[str, StorageLock] = {}
        self.pending: list[str] = []
        self.wakeup: asyncio.Event | None = None
        self.stop_requested = asyncio.Event()
        self.watcher: ConfigWatcher | None = None
        self.new_generation = None  # what a restart in progress has read

    # -- one generation ---------------------------------------------------------------

    def prepare(self, httpd, first: bool) -> bool:
        """open_logs, the Listen sockets and post_config for this configuration."""
        httpd.retained = self.retained
        httpd.extensions["scoreboard"] = self.scoreboard
        listeners = httpd.extensions.get("listeners", [])
        try:
            # A [::] that cannot be bound before 0.0.0.0 on its port is not fatal; httpd says so
            # once, when it starts (a restart finds the IPv4 socket among the old listeners).
            sockets = open_listeners(listeners, self.sockets, warn=lambda failure: httpd.startup(
                f"AH00072: make_sock: could not bind to address {failure.address}",
                failure.errno, log.CRIT) if first else None)
        except BindError as error:
            httpd.startup(f"AH00072: make_sock: could not bind to address {error.address}",
                          error.errno, log.CRIT)
            httpd.startup("no listening sockets available, shutting down")
            httpd.startup("AH00015: Unable to open logs")
            return False
        # The MPM's open_logs (the listeners) runs before core's: a start that cannot bind
        # leaves no error log behind, as httpd's.
        try:
            error_log = open_error_log(httpd)
        except LogOpenError:
            httpd.startup("AH00015: Unable to open logs")
            for key, sock in sockets.items():
                if key not in self.sockets:
                    sock.close()
            return False
        if first:
            error_log.target.echo = self.terminal
        httpd.error_log = error_log
        if not self._post_config(httpd):
            for key, sock in sockets.items():
                if key not in self.sockets:
                    sock.close()
            error_log.target.close()
            return False
        for key, sock in self.sockets.items():
            if key not in sockets:
                sock.close()
        self.sockets = sockets
        return True

    def _post_config(self, httpd) -> bool:
        """httpd's two passes: the preflight one, then the one that creates things."""
        httpd.main_state = "create-pre-config"
        if not httpd.run_hook_all("post_config"):
            httpd.startup("AH00016: Configuration Failed")
            target = httpd.error_log.target
            if target.stream is not httpd.startup_log.target.stream:
                echo, target.echo = target.echo, None  # the terminal has it already
                target.write("AH00016: Configuration Failed", log.EMERG)
                target.echo = echo
            return False
        second_reading.replay(httpd)
        httpd.main_state = "create-config"
        if not httpd.run_hook_all("post_config"):
            httpd.log_error("", log.EMERG, "AH00020: Configuration Failed, exiting")
            return False
        return True

    async def start_generation(self, httpd) -> None:
        self.httpd = httpd
        httpd.loop = asyncio.get_running_loop()
        httpd.background_tasks = set()
        httpd.stopping = httpd.restarting = False
        httpd.error_log.target.echo = None
        if self.http is None:
            self.http = HttpServer(httpd, self.scoreboard)
        self.http.reconfigure(httpd)
        await self.http.listen(self.sockets)
        httpd.run_hook_all("child_init")
        if self.console is not None:
            self._console_notices(httpd)
        mpm.log_notice(httpd, "configured", banner=server_description(httpd))
        mpm.log_notice(httpd, "built", log.INFO, built=SERVER_BUILT)
        httpd.log_error("core", log.NOTICE,
                        f"AH00094: Command line: '{' '.join(self.options.command_line)}'")

    def _console_notices(self, httpd) -> None:
        assert self.console is not None
        say = self.console.say
        for (_family, ip, port, _specific) in self.sockets:
            shown = f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"
            say(f"serving HTTP on {shown}")
        if not self.sockets:
            say("no Listen directive: HTTP is off")
        for hook in httpd.hooks("console"):
            hook.function(httpd, say)

    async def stop_generation(self, graceful: bool, final: bool) -> None:
        httpd = self.httpd
        httpd.restarting = not final
        httpd.stopping = True
        tasks = list(getattr(httpd, "background_tasks", ()))
        if tasks:
            await asyncio.wait(tasks, timeout=5.0)
            for task in tasks:
                task.cancel()
        if self.http is not None:
            if final:
                await self.http.close(graceful)
            elif not graceful:
                await self.http.drop_connections(False)
        httpd.run_hook_all("shutdown", final)

    # -- restarts -------------------------------------------------------------------

    async def read_again(self):
        """The configuration read afresh off the loop, or None (the reason is logged).

        A stop requested meanwhile, or a read past its time limit, abandons the read.
        """
        old = self.httpd
        job = ConfigRead(self.options, old.config_generation + 1, old.error_log.target,
                         self.reader, self.retained)
        done = job.start(asyncio.get_running_loop())
        limit = read_time_limit()
        stop = asyncio.ensure_future(self.stop_requested.wait())
        try:
            await asyncio.wait([done, stop], timeout=limit,
                               return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
        if not done.done():
            job.abandon()
            if self.stop_requested.is_set():
                old.log_error("core", log.NOTICE, "configuration reading abandoned: the "
                              "server is stopping")
            else:
                old.log_error("core", log.ERR, "configuration not reloaded: reading it took "
                              f"longer than {limit:g} seconds; the running configuration stays")
            return None
        if job.httpd is None:
            job.report_failure(old)
            return None
        job.stream.open = False
        return job.httpd

    def _lock_new_storage(self, httpd) -> list[StorageLock] | None:
        """Locks on the storage a new configuration adds; None after logging that another
        server uses it."""
        taken: list[StorageLock] = []
        for path in storage_paths(httpd):
            if path in self.storage_locks:
                continue
            lock = StorageLock(path)
            holder = lock.acquire()
            if holder is not None:
                for other in taken:
                    other.release()
                self.httpd.log_error("core", log.ERR, "configuration not reloaded: another "
                                     f"server{_pid_note(holder)} uses the heartbeat storage "
                                     f"{path}; the running configuration stays")
                return None
            lock.note_pid()
            taken.append(lock)
        return taken

    def _keep_storage_locks(self, paths: list[str], taken: list[StorageLock]) -> None:
        """After a restart: hold the locks of the storage in use, and only those."""
        for path in list(self.storage_locks):
            if path not in paths:
                self.storage_locks.pop(path).release()
        for lock in taken:
            self.storage_locks[lock.path] = lock

    def _prepare_safely(self, httpd) -> bool:
        """prepare() for a restart: a Python exception from any hook is a logged failure."""
        try:
            return self.prepare(httpd, first=False)
        except Exception as error:  # noqa: BLE001 - a restart must survive any hook
            file_name, line = failure_position(error.__traceback__)
            where = f" on line {line} of {file_name}" if file_name and line else ""
            self.httpd.log_error("core", log.CRIT, "internal error while starting the "
                                 f"configuration{where}: {describe_exception(error)}")
            return False

    async def restart(self, graceful: bool, signalled: bool = True) -> bool:
        hold_freezing()
        try:
            return await self._restart(graceful, signalled)
        finally:
            # The replaced generation (or a new one that failed to start) is cyclic
            # garbage: it must not stay frozen. It is collected in a callback of its
            # own, once this coroutine no longer holds it, rather than by whichever
            # callback happens to allocate next (a status page's slice, the listener).
            release_freezing()
            self.new_generation = None
            asyncio.get_running_loop().call_soon(collect_released)

    async def _restart(self, graceful: bool, signalled: bool) -> bool:
        old = self.httpd
        if signalled:  # --watch-config logged why
            mpm.log_notice(old, "graceful" if graceful else "restart")
        new = self.new_generation = await self.read_again()
        if new is None:
            return True
        taken = self._lock_new_storage(new)
        if taken is None:
            return True
        await self.stop_generation(graceful, final=False)
        old_target = old.error_log.target
        if self._prepare_safely(new):
            self.scoreboard.generation += 1
            if await self._start_safely(new):
                old_target.close()
                self._keep_storage_locks(storage_paths(new), taken)
                self._follow_pid_file(new)
                return True
            self.scoreboard.generation -= 1
            await self._stop_after_failure(new)
            self.httpd = old
        for lock in taken:
            lock.release()
        old.log_error("core", log.ERR, "restart failed (see above); the running configuration "
                                       "stays")
        old.stopping = old.restarting = False
        if self._prepare_safely(old) and await self._start_safely(old):
            if old.error_log.target is not old_target:
                old_target.close()
            return True
        return False

    def _follow_pid_file(self, httpd) -> None:
        """A restart that names another PidFile: ap_log_pid writes it, and locks it here.
        As in httpd the former file stays where it is (and so does its lock: `-k` with the
        former configuration still finds this server, as apache2's does); only the
        current one is removed when the server stops."""
        path = pid_path(httpd)
        current = self.pid_file
        if path is None or current is None or path == current.path:
            return
        moved = PidFile(path)

        def refuse(held: int) -> None:
            httpd.log_error("core", log.ERR, f"PidFile {path} not written: another server "
                            f"(pid {held}) holds it; the PidFile stays {current.path}")

        if moved.create(httpd, first=False) and moved.claim() and moved.publish(httpd, refuse):
            self.former_pid_files.append(current)
            self.pid_file = moved
        else:
            moved.discard()

    async def _start_safely(self, httpd, first: bool = False) -> bool:
        """start_generation(); a Python exception from any hook is a logged failure."""
        try:
            await self.start_generation(httpd)
        except Exception as error:  # noqa: BLE001 - a restart must survive any hook
            if first:  # the terminal sees why start-up failed, as with post_config
                httpd.error_log.target.echo = self.terminal
            httpd.log_error("core", log.CRIT, "internal error while starting the "
                            f"configuration: {describe_exception(error)}")
            return False
        return True

    async def _stop_after_failure(self, httpd) -> None:
        """Stop what a generation that failed to start had started; its log closes."""
        try:
            await self.stop_generation(graceful=False, final=False)
        except Exception as error:  # noqa: BLE001 - going back to the running one anyway
            httpd.log_error("core", log.CRIT, "internal error while stopping the "
                            f"configuration: {describe_exception(error)}")
        httpd.error_log.target.close()

    # -- the loop -------------------------------------------------------------------

    def _next_action(self) -> str | None:
        """The oldest request; a stop goes before the restarts queued ahead of it."""
        if not self.pending:
            return None
        if self.stop_requested.is_set():
            for action in self.pending:
                if action in ("stop", "graceful-stop"):
                    self.pending.remove(action)
                    return action
        return self.pending.pop(0)

    def request(self, action: str) -> None:
        self.pending.append(action)
        if action in ("stop", "graceful-stop"):
            self.stop_requested.set()
        if self.wakeup is not None:
            self.wakeup.set()

    async def main(self) -> int:
        loop = asyncio.get_running_loop()
        self.wakeup = asyncio.Event()
        for sig, wanted in SIGNAL_ACTIONS.items():
            loop.add_signal_handler(sig, self.request, wanted)
        if self.options.watch_config:  # watching before the "resuming" line

            self.watcher = ConfigWatcher(self, loop)
            self.watcher.watch(self.httpd.files_read)
        running = await self._start_safely(self.httpd, first=True)
        code = 0 if running else 1
        if not running:  # close what did start before its sockets go
            try:
                await self.stop_generation(graceful=False, final=True)
            except Exception:  # noqa: BLE001 - exiting 1 anyway
                pass
        while running:
            await self.wakeup.wait()
            self.wakeup.clear()
            action = self._next_action()
            if action in ("stop", "graceful-stop"):
                mpm.log_notice(self.httpd, action)
                await self.stop_generation(graceful=action == "graceful-stop", final=True)
                break
            if action in ("restart", "graceful", "reload"):
                try:
                    restarted = await self.restart(graceful=action != "restart",
                                                   signalled=action != "reload")
                except Exception as error:  # noqa: BLE001 - the server goes on
                    self.httpd.log_error("core", log.CRIT, "internal error while restarting: "
                                         + describe_exception(error))
                    restarted = True
                if not restarted:
                    code = 1
                    break
                if self.watcher is not None:
                    self.watcher.watch(self.httpd.files_read)
            if self.pending:
                self.wakeup.set()
        if self.watcher is not None:
            self.watcher.stop()
        for sock in self.sockets.values():
            sock.close()
        if self.pid_file is not None:
            self.pid_file.remove(self.httpd)
        for former in self.former_pid_files:
            former.close()
        self.httpd.error_log.target.close()
        return code


def _detach(runner: Runner, pid_file: PidFile | None) -> None:
    """apr_proc_detach(APR_PROC_DETACH_DAEMONIZE): the parent exits, the child goes on.

    The child writes its pid in the pid file and locks it; the parent then puts the file
    in place and exits 0, or exits 1 (and the child with it) when that failed, so that
    nothing runs that `-k stop` cannot find.
    """
    httpd = runner.httpd
    sys.stdout.flush()
    sys.stderr.flush()
    claimed_r, claimed_w = os.pipe()
    verdict_r, verdict_w = os.pipe()
    child = os.fork()
    if child > 0:
        os.close(claimed_w)
        os.close(verdict_r)
        claimed = os.read(claimed_r, 1) == b"1"
        if not claimed and pid_file is not None:
            httpd.log_error("core", log.ERR, f"AH00100: {httpd.argv0}: could not log pid to "
                            f"file {pid_file.path}")
        published = claimed and (pid_file is None or pid_file.publish(httpd))
        os.write(verdict_w, b"1" if published else b"0")
        if not published and pid_file is not None:
            pid_file.discard()
        os._exit(0 if published else 1)
    os.close(claimed_r)
    os.close(verdict_w)
    os.setsid()
    claimed = pid_file is None or pid_file.claim()
    os.write(claimed_w, b"1" if claimed else b"0")
    os.close(claimed_w)
    if os.read(verdict_r, 1) != b"1":
        os._exit(1)
    os.close(verdict_r)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    runner.terminal = None


def refuse_second_instance(httpd) -> list[StorageLock] | None:
    """The locks on this server's storage; None after saying that another server holds
    its pid file or its storage."""
    running = running_instances(httpd)
    locks: list[StorageLock] = []
    for path in storage_paths(httpd) if not running else []:
        lock = StorageLock(path)
        holder = lock.acquire()
        if holder is not None:
            running.append(f"another server{_pid_note(holder)} uses the heartbeat storage "
                           f"{path}")
            break
        locks.append(lock)
    if running:
        for lock in locks:
            lock.release()
        httpd.startup(f"{httpd.argv0}: {running[0]}: not starting a second one")
        return None
    return locks


def _pid_note(pid: int) -> str:
    return f" (pid {pid})" if pid > 0 else ""


def serve(httpd, options, reader) -> int:
    """Start serving; returns the exit code once the server stops.

    reader: (new_httpd, read_and_check), what a restart reads the configuration with.
    """
    code = signal_server(httpd, options.dash_k)
    if code is not None:
        return code
    path = pid_path(httpd)
    locks = refuse_second_instance(httpd)
    if locks is None:
        return 1
    gc.enable()
    runner = Runner(httpd, options, reader)
    runner.storage_locks = {lock.path: lock for lock in locks}
    try:
        prepared = runner.prepare(httpd, first=True)
    except Exception as error:  # noqa: BLE001 - a hook's bug is reported, not a traceback
        httpd.log_error("core", log.CRIT, "internal error while starting the configuration: "
                        + describe_exception(error))
        return 1
    if not prepared:
        return 1
    pid_file = PidFile(path) if path is not None else None
    if pid_file is not None and not pid_file.create(httpd):
        _abandon_start(httpd)
        return 1
    if "NO_DETACH" in httpd.defines and "DEBUG" not in httpd.defines:
        try:
            os.setsid()
        except OSError:
            pass
    if runner.foreground:
        if pid_file is not None and not (pid_file.claim() and pid_file.publish(httpd)):
            pid_file.discard()
            _abandon_start(httpd)
            return 1
    else:
        _detach(runner, pid_file)
        httpd.error_log.target.echo = None
    for lock in locks:
        lock.note_pid()
    runner.pid_file = pid_file
    freeze_long_lived()  # the restored table and the configuration
    started = time.time()
    runner.scoreboard.restart_time = started
    try:
        return run(runner.main())
    except KeyboardInterrupt:
        return 0


def _abandon_start(httpd) -> None:
    """Start-up stops after post_config: release what it created (the slotmem)."""
    try:
        httpd.run_hook_all("shutdown", True)
    except Exception:  # noqa: BLE001 - exiting anyway
        pass
