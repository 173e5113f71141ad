"""The catalogue of stock directives, and the modules heartmonitor emulates, against httpd."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

import pytest

from heartmonitor import registry
from heartmonitor.catalogue import MODULES, PROVIDERS
from heartmonitor.directives import allowed_in
from tests.conftest import need_apache2

MODDIR = "/usr/lib/apache2/modules"
STATIC = ["core", "mod_so", "mod_watchdog", "http_core", "mod_log_config", "mod_logio",
          "mod_version", "mod_unixd"]
# heartlab_module is heartmonitor's own: httpd has no such module.
EMULATED = sorted(
    name[:-3] for name in os.listdir(os.path.dirname(registry.modules_dir() + "/x"))
    if name.startswith("mod_") and name.endswith(".py") and name != "mod_heartlab.py"
)


def debian_modules(mpm: str) -> list[str]:
    names = sorted(n[:-3] for n in os.listdir(MODDIR) if n.endswith(".so"))
    drop = "mod_cgid" if mpm == "mod_mpm_prefork" else "mod_cgi"
    return [n for n in names if (not n.startswith("mod_mpm_") or n == mpm) and n != drop]


def dash_L(command: list[str], modules: list[str]) -> str:
    with tempfile.TemporaryDirectory() as root:
        conf = os.path.join(root, "all.conf")
        with open(conf, "w") as handle:
            handle.write(f"ServerRoot {root}\nPidFile {root}/pid\nErrorLog {root}/err\n"
                         "ServerName x\n")
            for name in modules:
                handle.write(f"LoadModule {name[4:]}_module {MODDIR}/{name}.so\n")
        return subprocess.run(command + ["-f", conf, "-L"], capture_output=True,
                              text=True, check=True).stdout


@pytest.mark.parametrize("mpm", ["mod_mpm_event", "mod_mpm_prefork", "mod_mpm_worker"])
def test_catalogue_renders_httpd_dash_L(mpm):
    """Rendered from the catalogue alone, -L is byte for byte Debian's apache2 -L."""
    apache2 = need_apache2()
    loaded = debian_modules(mpm)
    expected = dash_L([apache2], loaded)
    rendered = []
    for stem in STATIC + loaded:
        _identifier, source, has_dir, entries = MODULES[stem]
        for name, _how, override, _mask, help_text in entries:
            rendered.append(f"{name} ({source})\n")
            if help_text is not None:
                rendered.append(f"\t{help_text}\n")
            rendered.append(allowed_in(override, has_dir))
    assert "".join(rendered) == expected


def test_heartmonitor_dash_L_matches_httpd():
    """heartmonitor -L with every Debian module loaded is byte for byte apache2's."""
    apache2 = need_apache2()
    loaded = debian_modules("mod_mpm_event")
    assert dash_L([sys.executable, "-m", "heartmonitor"], loaded) == dash_L([apache2], loaded)


@pytest.mark.parametrize("stem", EMULATED)
def test_emulated_module_declares_stock_directives_exactly(stem):
    """What an emulated module declares is httpd's declaration: name, arguments, context."""
    module = registry.find(stem)
    identifier, source, _has_dir, entries = MODULES[stem]
    assert (module.identifier, module.source) == (identifier, source)
    stock = {name.lower(): (name, how, override, help_text)
             for name, how, override, _mask, help_text in entries}
    corrected = getattr(module, "corrected_overrides", {})
    for command in module.commands:
        name, how, override, help_text = stock[command.name.lower()]
        # Where Debian's apache2 behaves otherwise than the source, the module says so.
        override = corrected.get(command.name, override)
        assert (command.name, command.how, command.override, command.help) == (
            name, how, override, help_text), command.name
    assert [c.name for c in module.commands] == [e[0] for e in entries]


def test_heartlab_holds_only_heartmonitors_own_directives():
    module = registry.find("mod_heartlab")
    assert (module.identifier, module.source) == ("heartlab_module", "mod_heartlab.c")
    assert "mod_heartlab" not in MODULES
    stock = {e[0].lower() for entry in MODULES.values() for e in entry[3]}
    for command in module.commands:
        assert command.extension and command.name.lower() not in stock, command.name
        assert command.help.endswith("(heartmonitor)")


def test_core_declarations_match():
    module = registry.find("core")
    entries = {e[0]: e for e in MODULES["core"][3]}
    for command in module.commands:
        name, how, override, _mask, help_text = entries[command.name]
        assert (command.how, command.override, command.help) == (how, override, help_text)


def test_stock_providers_are_registered():
    assert ("authz", "ip", "0") in PROVIDERS["mod_authz_host"]
    assert ("proxylbmethod", "heartbeat", "0") in PROVIDERS["mod_lbmethod_heartbeat"]
    assert ("slotmem", "shm", "0") in PROVIDERS["mod_slotmem_shm"]
    module = registry.find("mod_lbmethod_byrequests")
    assert ("proxylbmethod", "byrequests", "0") in module.providers


def test_unknown_module_name_is_not_found():
    assert registry.find("mod_does_not_exist") is None
    assert registry.stem_of("/usr/lib/apache2/modules/mod_status.so") == "mod_status"
