"""The wheel and the editable install both carry heartmonitor.modules and conf/."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile

import pytest

from tests.helpers import ROOT

EMULATED = sorted(n for n in os.listdir(os.path.join(ROOT, "modules"))
                  if n.startswith("mod_") and n.endswith(".py"))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), ROOT],
        check=True, capture_output=True,
    )
    (path,) = out.glob("heartmonitor-*.whl")
    return path


def test_wheel_contains_modules_and_configuration(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for module in EMULATED:
        assert f"heartmonitor/modules/{module}" in names
    assert "heartmonitor/modules/cluster/codec.py" in names
    assert "heartmonitor/conf/httpd.conf" in names
    assert "heartmonitor/catalogue.py" in names
    assert any(n.endswith("entry_points.txt") for n in names)


def test_wheel_installs_and_loads_every_module(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, system_site_packages=True, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True,
                   capture_output=True)
    conf = tmp_path / "all.conf"
    loads = "".join(f"LoadModule {m[4:-3]}_module modules/{m[:-3]}.so\n" for m in EMULATED
                    if m != "mod_so.py" and not m.startswith("mod_mpm_prefork")
                    and not m.startswith("mod_mpm_worker"))
    conf.write_text(f"ServerName x\nErrorLog {tmp_path}/error_log\n{loads}"
                    "HeartbeatMaxServers 0\n")
    # Run from a directory without a source tree, so only the installed copy can answer.
    result = subprocess.run([env_dir / "bin" / "heartmonitor", "-f", str(conf), "-M"],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for module in EMULATED:
        if module in ("mod_so.py", "mod_mpm_prefork.py", "mod_mpm_worker.py"):
            continue
        assert f" {module[4:-3]}_module (" in result.stdout
    default = subprocess.run([env_dir / "bin" / "heartmonitor", "-t"], capture_output=True,
                             text=True, cwd=tmp_path)
    assert (default.returncode, default.stderr) == (0, "Syntax OK\n")


def test_editable_checkout_resolves_every_module():
    from heartmonitor import registry

    for module in EMULATED:
        found = registry.find(module[:-3])
        assert found is not None and not found.inert, module
