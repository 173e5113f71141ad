"""No import cycles among heartmonitor's modules, imports inside functions included
(tools/import_cycles.py)."""

from __future__ import annotations

import subprocess
import sys

from tests.helpers import ROOT

TOOL = f"{ROOT}/tools/import_cycles.py"


def run(root) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, TOOL, str(root)], capture_output=True, text=True,
                          timeout=60)


def test_the_source_has_no_import_cycle():
    result = run(ROOT)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.startswith("0 import cycles among ") and \
        result.stdout.endswith(" modules (all imports)\n")


def test_a_cycle_through_a_function_local_import_is_found(tmp_path):
    package = tmp_path / "heartmonitor"
    (tmp_path / "modules" / "cluster").mkdir(parents=True)
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from heartmonitor import b\n")
    (package / "b.py").write_text("def later():\n    from .c import x\n")
    (package / "c.py").write_text("import heartmonitor.a\nx = 1\n")
    (tmp_path / "modules" / "cluster" / "codec.py").write_text("from ..mod_x import y\n")
    (tmp_path / "modules" / "mod_x.py").write_text(
        "from heartmonitor.modules.cluster import codec\ny = 2\n")
    result = run(tmp_path)
    assert result.returncode == 1
    assert result.stdout == (
        "cycle: heartmonitor.a <-> heartmonitor.b <-> heartmonitor.c\n"
        "cycle: heartmonitor.modules.cluster.codec <-> heartmonitor.modules.mod_x\n"
        "2 import cycles among 6 modules (all imports)\n")
