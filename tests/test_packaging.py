"""A plain checkout, the editable install and the wheel (built from a copy of the checkout,
as `pip install .` does, or from the sdist) all carry heartmonitor.modules and conf/.

Wheels are built outside the source tree: a build in it would leave build/ behind, where
a test running meanwhile (mypy, the import checks) would find a second copy of every
module."""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import tarfile
import venv
import zipfile

import pytest

from tests.helpers import ROOT, shared_directory

EMULATED = sorted(n for n in os.listdir(os.path.join(ROOT, "modules"))
                  if n.startswith("mod_") and n.endswith(".py"))


def build(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", *args, "--no-deps", "--no-build-isolation",
                    "-q"], check=True, capture_output=True)


# What a fresh checkout does not have: the build's and the tools' leftovers.
NOT_IN_A_CHECKOUT = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info",
                                           "__pycache__", ".*_cache", ".hypothesis", "logs")


@pytest.fixture(scope="module", params=["from-checkout", "from-sdist"])
def wheel(request, tmp_path_factory):
    # Built once per run, by whichever worker asks first.
    with shared_directory(tmp_path_factory, "dist") as shared:
        out = shared / request.param
        built = sorted(out.glob("heartmonitor-*.whl"))
        if not built:
            out.mkdir(exist_ok=True)
            build_wheel(request.param, out)
            built = sorted(out.glob("heartmonitor-*.whl"))
    (path,) = built
    return path


def build_wheel(how: str, out) -> None:
    # The checkout as it is, copied (symbolic links kept: heartmonitor/modules), so that
    # nothing is written into the source tree.
    source = out / "checkout"
    shutil.copytree(ROOT, source, symlinks=True, ignore=NOT_IN_A_CHECKOUT)
    if how == "from-sdist":
        # The sdist unpacked elsewhere: what `python -m build` and a packager build from.
        subprocess.run([sys.executable, "-c", "import sys; from setuptools import build_meta;"
                        " build_meta.build_sdist(sys.argv[1])", str(out)],
                       check=True, capture_output=True, cwd=source)
        (sdist,) = out.glob("heartmonitor-*.tar.gz")
        with tarfile.open(sdist) as archive:
            archive.extractall(out / "src", filter="data")
        (source,) = (out / "src").iterdir()
    build("wheel", "-w", str(out), str(source))


def source_files() -> set[str]:
    """Every .py of the tree, named as the wheel names it (modules/ -> heartmonitor/modules/)."""
    found = set()
    for top, prefix in (("heartmonitor", "heartmonitor"), ("modules", "heartmonitor/modules")):
        base = os.path.join(ROOT, top)
        for directory, _dirs, files in os.walk(base):  # does not follow heartmonitor/modules
            for name in files:
                if name.endswith(".py"):
                    relative = os.path.relpath(os.path.join(directory, name), base)
                    found.add(f"{prefix}/{relative}")
    return found


def test_wheel_contains_modules_and_configuration(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert source_files() - names == set()
    for module in EMULATED:
        assert f"heartmonitor/modules/{module}" in names
    assert "heartmonitor/modules/cluster/codec.py" in names
    assert "heartmonitor/conf/httpd.conf" in names
    assert "heartmonitor/catalogue.py" in names
    assert any(n.endswith("entry_points.txt") for n in names)


def test_wheel_installs_and_loads_every_module(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    # No pip of its own (ensurepip costs seconds): this pip installs into it.
    venv.create(env_dir, system_site_packages=True)
    python = env_dir / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                    "--no-deps", str(wheel)], check=True, capture_output=True)
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


PLAIN_CHECKOUT = """
import importlib, os, pkgutil, sys
sys.path[:0] = sys.argv[1:]
import heartmonitor, heartmonitor.modules
names = [m.name for m in pkgutil.walk_packages(heartmonitor.__path__, "heartmonitor.")
         if not m.name.endswith("__main__")]
for name in names:
    importlib.import_module(name)
print(len(names), sorted({os.path.dirname(sys.modules[n].__file__) for n in names}))
"""


def test_plain_checkout_imports_every_module_under_its_installed_name():
    # -S: no site initialisation, so no editable-install finder; the checkout is on sys.path,
    # then the dependencies' directories (which hold no heartmonitor).
    result = subprocess.run([sys.executable, "-S", "-c", PLAIN_CHECKOUT, ROOT,
                             *site.getsitepackages()],
                            capture_output=True, text=True, cwd="/")
    assert result.returncode == 0, result.stderr
    count, directories = result.stdout.split(" ", 1)
    assert int(count) > 60
    # Every directory of the tree, reached through the name the wheel installs.
    assert eval(directories) == sorted({os.path.dirname(os.path.join(ROOT, name))
                                        for name in source_files()})
