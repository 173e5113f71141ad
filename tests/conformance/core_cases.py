# ruff: noqa: E501
"""The corpus of core, http_core, the MPMs, mod_so and mod_unixd: their value checks and
start-up warnings, the Mutex settings and the dumps (-S, DUMP_CONFIG, DUMP_CERTS)."""

from __future__ import annotations

from tests.conformance.case import Case

M = "LoadModule {0}_module {{moddir}}/mod_{0}.so\n".format
SSL = M("ssl")
INFO = M("info")
REWRITE = M("rewrite")
PROXY = M("proxy")


def loc(text):
    return "<Location />\n" + text + "</Location>\n"


def prefork(text):
    """A configuration that loads prefork instead of BASE's event MPM."""
    return ("ServerRoot {root}\nLoadModule mpm_prefork_module {moddir}/mod_mpm_prefork.so\n"
            "PidFile {root}/httpd.pid\nErrorLog {root}/error.log\nServerName localhost\n"
            "DefaultRuntimeDir {root}\n" + text)


def worker(text):
    return ("ServerRoot {root}\nLoadModule mpm_worker_module {moddir}/mod_mpm_worker.so\n"
            "PidFile {root}/httpd.pid\nErrorLog {root}/error.log\nServerName localhost\n"
            "DefaultRuntimeDir {root}\n" + text)


CORE_CASES = [
    # Mutex (server/util_mutex.c) and what -S shows of it and of the types modules register.
    Case("mutex_noargs", "Mutex\n"),
    Case("mutex_bad_mechanism", "Mutex foo:bar\n"),
    Case("mutex_bad_dir", "Mutex file:{root}/nope\n"),
    Case("mutex_posixsem_name", "Mutex posixsem:foo\n"),
    Case("mutex_unknown_type", "Mutex default nope-type\n"),
    Case("mutex_none_default", "Mutex none\n"),
    Case("mutex_none_rewrite", REWRITE + "Mutex none rewrite-map\n"),
    Case("mutex_in_vhost", "<VirtualHost *:80>\nMutex default\n</VirtualHost>\n"),
    Case("mutex_dump", SSL + REWRITE + PROXY + M("proxy_balancer") + M("auth_digest") + M("socache_shmcb") + M("authn_socache") + M("cache") + M("cache_socache") + M("ldap") + M("lua")
         + "Mutex file:{root} ssl-cache omitpid\nMutex sem\nMutex flock rewrite-map\nMutex posixsem:{root} ssl-stapling\nMutex pthread proxy OmitPID\n",
         args=["-t", "-D", "DUMP_RUN_CFG"]),
    Case("mutex_dump_default_dir", REWRITE + "Mutex fcntl:{root}\nMutex sysvsem rewrite-map\n", args=["-S"]),
    Case("mutex_dump_prefork", prefork("Mutex yes mpm-accept\n"), args=["-S"], base=False),
    Case("mutex_dump_worker", worker(""), args=["-S"], base=False),
    # -D DUMP_CONFIG (mod_info) and -D DUMP_CERTS (mod_ssl)
    Case("dump_config", INFO + "<IfModule info_module>\n<Location /x>\n  <If \"true\">\n  </If>\n  SetHandler server-info\n</Location>\n</IfModule>\n<Directory /tmp>\n</Directory>\nInclude {root}/inc.conf\n<VirtualHost *:80>\nServerName a\n<Location /y>\n</Location>\n</VirtualHost>\nServerAdmin a@b\n",
         files={"inc.conf": "ServerAdmin x@y\n"}, args=["-t", "-D", "DUMP_CONFIG"]),
    Case("dump_config_without_mod_info", "ServerAdmin a@b\n", args=["-t", "-D", "DUMP_CONFIG"]),
    Case("dump_certs", SSL + "SSLCertificateFile {root}/c.pem\n<VirtualHost *:443>\nSSLCertificateFile {root}/d.pem\n</VirtualHost>\n<VirtualHost *:8443>\n</VirtualHost>\n<VirtualHost *:9443>\nSSLCertificateFile c.pem\nSSLCertificateFile {root}/d.pem\n</VirtualHost>\n",
         files={"c.pem": "x\n", "d.pem": "y\n"}, args=["-t", "-D", "DUMP_CERTS"]),
    Case("ssl_cert_missing", SSL + "SSLCertificateFile nope.pem\n"),
    Case("ssl_cert_empty", SSL + "SSLCertificateFile {root}/e.pem\n", files={"e.pem": ""}),
    Case("ssl_cert_engine", SSL + "SSLCertificateFile pkcs11:token=x\n", args=["-t", "-D", "DUMP_CERTS"]),
    Case("ssl_cert_dump_mode", SSL + "SSLCertificateFile nope.pem\n", args=["-S"]),
]

CORE_DIFFERENCES: dict = {}
