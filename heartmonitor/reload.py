"""--watch-config: a graceful restart when a configuration file changes.

The directories of every file the configuration read (Includes too) are watched. An
editor's save-by-rename arrives as a move whose destination is the file, so both ends
of every event are compared. One save gives several events: they are debounced, and
the restart reads and checks the whole configuration first; when it has errors they
are logged and the running configuration stays.
"""

from __future__ import annotations

import os

DEBOUNCE_SECONDS = 0.5


class ConfigWatcher:
    def __init__(self, runner, loop) -> None:
        self.runner = runner
        self.loop = loop
        self.files: set[str] = set()
        self.observer = None
        self.timer = None

    def watch(self, files: list[str]) -> None:
        """(Re)start watching the directories of these files."""
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer

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
        from . import log

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
