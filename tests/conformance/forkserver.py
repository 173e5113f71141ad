"""heartmonitor for the conformance corpus without a Python start-up per case.

`python -m tests.conformance.forkserver` imports heartmonitor once, then for each JSON
request on standard input ({"argv", "cwd", "env", "out", "err"}) forks a child that runs
heartmonitor.cli.main(argv) in that directory and environment, its file descriptors 1
and 2 on the two given files, and answers with the child's exit status. The child is a
fresh process as far as heartmonitor can tell; only the imports are shared.
"""

from __future__ import annotations

import json
import os
import sys
import traceback


def _child(request: dict) -> int:
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    for fd, name in ((1, request["out"]), (2, request["err"])):
        target = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(target, fd)
        os.close(target)
    from heartmonitor.cli import main

    try:
        code = main(list(request["argv"]))
    except SystemExit as leaving:
        code = leaving.code if isinstance(leaving.code, int) else 1
    except BaseException:
        traceback.print_exc()
        code = 1
    return code or 0


def serve() -> None:
    # Imported before any fork, so that children share them.
    import heartmonitor.catalogue  # noqa: F401
    import heartmonitor.cli  # noqa: F401
    import heartmonitor.lifecycle  # noqa: F401

    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                code = _child(request)
            finally:
                try:
                    sys.stdout.flush()
                    sys.stderr.flush()
                finally:
                    os._exit(code)
        _pid, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        sys.stdout.write(json.dumps({"code": code}) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    serve()
