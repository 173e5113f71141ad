"""Where a directive may stand, checked by the walker from its declaration's context mask
(the catalogue's for stock directives) before the handler runs: the same answers as apache2
for the directives whose handlers no longer check for themselves, and main-server-only for
heartmonitor's own."""

from __future__ import annotations

import pytest

from tests.conformance.case import Case
from tests.conformance.harness import run_case
from tests.conftest import need_apache2
from tests.helpers import heartmonitor, write

MODDIR = "/usr/lib/apache2/modules"
MONITOR = "LoadModule heartmonitor_module {moddir}/mod_heartmonitor.so\n"
AUTHZ = "LoadModule authz_core_module {moddir}/mod_authz_core.so\n"


def in_vhost(name: str, line: str, load: str = "") -> Case:
    return Case(f"{name}_in_virtualhost", f"{load}<VirtualHost *:80>\n{line}\n</VirtualHost>\n")


# Main-server-only directives (GLOBAL_ONLY) inside a <VirtualHost> (mod_unixd is compiled
# into Debian's apache2).
CASES = [
    in_vhost("ExtendedStatus", "ExtendedStatus On"),
    in_vhost("MaxRequestsPerChild", "MaxRequestsPerChild 5"),
    in_vhost("MaxMemFree", "MaxMemFree 5"),
    in_vhost("ThreadStackSize", "ThreadStackSize 65536"),
    in_vhost("Listen", "Listen 127.0.0.1:8080"),
    in_vhost("ListenBacklog", "ListenBacklog 10"),
    in_vhost("StartServers", "StartServers 2"),
    in_vhost("MaxClients", "MaxClients 2"),
    in_vhost("AsyncRequestWorkerFactor", "AsyncRequestWorkerFactor 2"),
    in_vhost("AuthzProviderAlias", "<AuthzProviderAlias ip local>\n</AuthzProviderAlias>",
             AUTHZ),
    in_vhost("Group", "Group nogroup"),
    in_vhost("ChrootDir", "ChrootDir /"),
    in_vhost("Suexec", "Suexec Off"),
    in_vhost("HeartbeatStorage", "HeartbeatStorage hb.dat", MONITOR),
    in_vhost("HeartbeatMaxServers", "HeartbeatMaxServers 0", MONITOR),
    # Checked per argument, after the arity: the arity error comes first.
    Case("ListenBacklog_arity_first", "<VirtualHost *:80>\nListenBacklog\n</VirtualHost>\n"),
    # Directory-context checks: nested sections.
    Case("Directory_in_Directory_via_IfModule",
         "<Directory /a>\n<IfModule mod_so.c>\n<Files x>\n</Files>\n</IfModule>\n"
         "</Directory>\n<Location /b>\n<Files y>\n</Files>\n</Location>\n"),
    Case("If_in_Limit", "<Directory /a>\n<Limit GET>\n<If \"true\">\n</If>\n</Limit>\n"
         "</Directory>\n"),
]


# Read-time (EXEC_ON_READ) ones run while the file is read, before the virtual host
# exists: httpd accepts them there.
READ_TIME = [
    in_vhost("ServerRoot", "ServerRoot /tmp"),
    in_vhost("DefaultRuntimeDir", "DefaultRuntimeDir /tmp"),
]


@pytest.mark.parametrize("case", CASES + READ_TIME, ids=lambda case: case.name)
def test_context_answered_as_apache2(case):
    need_apache2()
    real, ours = run_case(case)
    assert ours.as_tuple() == real.as_tuple()
    assert real.code == (0 if case in READ_TIME else 1)


LAB_DIRECTIVES = [
    "HeartbeatListenInterface 127.0.0.1", "HeartbeatAddressInterface 127.0.0.1",
    "HeartbeatSimulate 1 127.0.0.2", "HeartbeatExpire 8", "HeartbeatForget 600",
    "HeartbeatStorageInterval 2", "HeartbeatShare etcd://127.0.0.1:2379/hb",
    "HeartbeatOnStop keep", "HeartbeatListenUnicast On", "HeartbeatWarmup 10",
    "HeartbeatHysteresis 3 2",
]


@pytest.mark.parametrize("line", LAB_DIRECTIVES, ids=lambda line: line.split()[0])
def test_heartlab_directives_are_main_server_only(tmp_path, line):
    conf = write(str(tmp_path / "httpd.conf"), (
        f"ServerName x\nErrorLog {tmp_path}/e\nDefaultRuntimeDir {tmp_path}\n"
        f"LoadModule heartmonitor_module {MODDIR}/mod_heartmonitor.so\n"
        f"LoadModule heartbeat_module {MODDIR}/mod_heartbeat.so\n"
        "LoadModule heartlab_module modules/mod_heartlab.so\n"
        f"<VirtualHost *:80>\n{line}\n</VirtualHost>\n"))
    result = heartmonitor("-f", conf, "-t")
    name = line.split()[0]
    assert (result.returncode, result.stdout, result.stderr) == (1, "", (
        f"AH00526: Syntax error on line 8 of {conf}:\n"
        f"{name} cannot occur within <VirtualHost> section\n"))
