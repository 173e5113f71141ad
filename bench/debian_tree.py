"""Debian's /etc/apache2, copied, with every module, conf and site enabled: the tree an
operator gets after `a2enmod` of everything (one MPM), `a2enconf` and `a2ensite` of all.

Used by bench/config_parse.py; `python bench/debian_tree.py DIR` builds one to look at.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

DEBIAN = "/etc/apache2"
MPM = "mpm_event"
SNAKEOIL = ("/etc/ssl/certs/ssl-cert-snakeoil.pem", "/etc/ssl/private/ssl-cert-snakeoil.key")


def missing_files(load: str) -> list[str]:
    """The files a mods-available/*.load names (LoadModule, LoadFile) that are not here."""
    missing = []
    with open(load) as handle:
        for line in handle:
            words = line.split()
            if len(words) >= 2 and words[0] in ("LoadModule", "LoadFile"):
                path = words[-1]
                if not os.path.isabs(path):
                    path = os.path.join("/usr/lib/apache2", path)
                if not os.path.exists(path):
                    missing.append(words[-1])
    return missing


def enable_all(copy: str, kind: str, skip=lambda name: False) -> list[str]:
    """Link every file of KIND-available into KIND-enabled; the names left out."""
    available, enabled = (os.path.join(copy, f"{kind}-{state}")
                          for state in ("available", "enabled"))
    for name in os.listdir(enabled):
        os.unlink(os.path.join(enabled, name))
    left_out = []
    for name in sorted(os.listdir(available)):
        if skip(name):
            left_out.append(name)
            continue
        os.symlink(os.path.join("..", f"{kind}-available", name), os.path.join(enabled, name))
    return left_out


def self_signed_certificate(copy: str) -> bool:
    """Debian's default-ssl site names the ssl-cert package's snakeoil pair; where that
    package is not installed, make a pair in the copy and point the copy's site at it."""
    if all(os.path.exists(path) for path in SNAKEOIL) or not shutil.which("openssl"):
        return False
    pem, key = os.path.join(copy, "snakeoil.pem"), os.path.join(copy, "snakeoil.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=localhost", "-keyout", key, "-out", pem],
                   check=True, capture_output=True)
    site = os.path.join(copy, "sites-available", "default-ssl.conf")
    with open(site) as handle:
        text = handle.read()
    with open(site, "w") as handle:
        handle.write(text.replace(SNAKEOIL[0], pem).replace(SNAKEOIL[1], key))
    return True


def everything_enabled(copy: str) -> list[str]:
    """Build the tree in COPY (a new directory); notes on what was left out or changed."""
    shutil.copytree(DEBIAN, copy, symlinks=True)
    notes = []
    mods = os.path.join(copy, "mods-available")
    other_mpm = {f"{name}.{ext}" for name in ("mpm_event", "mpm_prefork", "mpm_worker")
                 if name != MPM for ext in ("load", "conf")}

    def skip_module(name: str) -> bool:
        if name in other_mpm:
            return True
        stem, ext = os.path.splitext(name)
        load = os.path.join(mods, stem + ".load")
        missing = missing_files(load) if os.path.exists(load) else []
        if missing and ext == ".load":
            notes.append(f"module {stem} left out: needs {', '.join(missing)}")
        return bool(missing)

    enable_all(copy, "mods", skip_module)
    enable_all(copy, "conf")
    enable_all(copy, "sites")
    if self_signed_certificate(copy):
        notes.append("default-ssl: a self-signed pair made in the copy (no ssl-cert package)")
    return notes


def envvars(copy: str) -> dict[str, str]:
    """The environment apache2ctl runs apache2 in: the copy's envvars sourced."""
    env = dict(os.environ, APACHE_CONFDIR=copy)
    dump = subprocess.run(["sh", "-c", '. "$APACHE_CONFDIR/envvars" && env -0'], env=env,
                          check=True, capture_output=True).stdout.decode()
    return dict(item.split("=", 1) for item in dump.split("\0") if "=" in item)


if __name__ == "__main__":
    for note in everything_enabled(sys.argv[1]):
        print(note)
