# ruff: noqa: E501
"""The corpus of core, http_core, the MPMs, mod_so and mod_unixd: their value checks and
start-up warnings, the Mutex settings and the dumps (-S, DUMP_CONFIG, DUMP_CERTS)."""

from __future__ import annotations

from heartmonitor.dso_symbols import NEEDS
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
    # core.c's value checks and start-up warnings
    Case("limit_request_body_suffix", "LimitRequestBody 10M\n"),
    Case("limit_request_body_negative", "LimitRequestBody -1\n"),
    Case("limit_request_body_huge", "LimitRequestBody 99999999999999999999\n"),
    Case("limit_request_body_ok", loc("LimitRequestBody 0\n") + "LimitRequestBody 1024\n"),
    Case("limit_xml_negative", "LimitXMLRequestBody -5\n"),
    Case("limit_xml_huge", "LimitXMLRequestBody 9999999999999999999\n"),
    Case("max_ranges_bad", "MaxRanges 0\n"),
    Case("max_range_overlaps_bad", "MaxRangeOverlaps x\n"),
    Case("max_range_reversals_bad", "MaxRangeReversals -3\n"),
    Case("max_ranges_ok", "MaxRanges unlimited\nMaxRangeOverlaps NONE\nMaxRangeReversals 5\n"),
    Case("read_buffer_size_bad", "ReadBufferSize 4294967296\n"),
    Case("flush_max_threshold_bad", "FlushMaxThreshold 1k\n"),
    Case("flush_max_pipelined_bad", "FlushMaxPipelined -2\n"),
    Case("recursion_limit_zero", "LimitInternalRecursion 0\n"),
    Case("recursion_limit_low", "LimitInternalRecursion 2 3\n"),
    Case("recursion_limit_second_zero", "LimitInternalRecursion 10 0\n"),
    Case("allow_override_bogus", "<Directory />\nAllowOverride Bogus\n</Directory>\n"),
    Case("allow_override_nonfatal", "<Directory />\nAllowOverride Nonfatal\n</Directory>\n"),
    Case("allow_override_options_bad", "<Directory />\nAllowOverride Options=Indexes,Bogus\n</Directory>\n"),
    Case("allow_override_ok", "<Directory />\nAllowOverride AuthConfig FileInfo Indexes Limit Options=Indexes,MultiViews Nonfatal=All\n</Directory>\n"),
    Case("allow_override_useless", loc("AllowOverride None\n") + "<Files x>\nAllowOverride All\n</Files>\n"),
    Case("allow_override_in_server", "AllowOverride None\n"),
    Case("allow_override_list", "<Directory />\nAllowOverrideList Foo ServerName Options\n</Directory>\n"),
    Case("allow_override_list_none", "<Directory />\nAllowOverrideList None Options\n</Directory>\n"),
    Case("allow_override_list_useless", loc("AllowOverrideList Options\n")),
    Case("file_etag_hash", "FileETag Hash\n"),
    Case("file_etag_plus_all", "FileETag +All\n"),
    Case("file_etag_ok", "FileETag MTime Size\nFileETag -INode +Digest\nFileETag None\n"),
    Case("default_type", "DefaultType text/plain\nDefaultType none\n"),
    Case("cgivar_unknown", "CGIVar PATH_INFO x\n"),
    Case("cgivar_rule", "CGIVar REQUEST_URI bogus\n"),
    Case("error_document_999", "ErrorDocument 999 \"x\"\n"),
    Case("error_document_abc", "ErrorDocument abc /x.html\n"),
    Case("error_document_codes", "ErrorDocument 103 /x\nErrorDocument 418 /x\n"),
    Case("error_document_425", "ErrorDocument 425 /x\n"),
    Case("error_document_401_url", "ErrorDocument 401 http://example.com/\nErrorDocument 500 /x\n"),
    Case("server_tokens_everything", "ServerTokens Everything\n"),
    Case("server_tokens_ok", "ServerTokens ProductOnly\n"),
    Case("server_tokens_in_vhost", "<VirtualHost *:80>\nServerTokens Full\n</VirtualHost>\n"),
    Case("server_signature_bad", "ServerSignature maybe\n"),
    Case("hostname_lookups_bad", "HostnameLookups yes\n"),
    Case("use_canonical_name_bad", "UseCanonicalName yes\n"),
    Case("use_canonical_physical_port_bad", "UseCanonicalPhysicalPort dns\n"),
    Case("accept_path_info_bad", "AcceptPathInfo yes\n"),
    Case("enable_mmap_bad", "EnableMMAP yes\n"),
    Case("enable_sendfile_bad", "EnableSendfile yes\n"),
    Case("allow_encoded_slashes_bad", "AllowEncodedSlashes yes\n"),
    Case("trace_enable_bad", "TraceEnable yes\n"),
    Case("protocols_honor_order_bad", "ProtocolsHonorOrder yes\n"),
    Case("http_protocol_options_bad", "HttpProtocolOptions Bogus\n"),
    Case("http_protocol_options_conflict", "HttpProtocolOptions Strict Unsafe\n"),
    Case("http_protocol_options_conflict2", "HttpProtocolOptions Allow0.9\nHttpProtocolOptions Require1.0\n"),
    Case("http_protocol_options_conflict3", "HttpProtocolOptions RegisteredMethods LenientMethods\n"),
    Case("http_protocol_options_vhost", "HttpProtocolOptions Strict\n<VirtualHost *:80>\nHttpProtocolOptions Unsafe\n</VirtualHost>\n"),
    # The MPMs' start-up checks (check_config: also printed by -t)
    Case("event_threads_over_limit", "ThreadsPerChild 100\n"),
    Case("event_threads_zero", "ThreadsPerChild 0\nThreadLimit 0\nServerLimit 0\n"),
    Case("event_limits_over_max", "ServerLimit 30000\nThreadLimit 200000\nThreadsPerChild 200000\nMaxRequestWorkers 1\n"),
    Case("event_workers_multiple", "ThreadsPerChild 25\nMaxRequestWorkers 130\nServerLimit 2\n"),
    Case("event_start_spare", "StartServers 0\nMinSpareThreads -1\n"),
    Case("event_max_clients_info", "MaxClients 150\n", args=["-t", "-e", "info"]),
    Case("event_worker_factor", "AsyncRequestWorkerFactor 0\n"),
    Case("event_worker_factor_bad", "AsyncRequestWorkerFactor 2x\n"),
    Case("event_worker_factor_ok", "AsyncRequestWorkerFactor 1.5\nAsyncRequestWorkerFactor\t3\n"),
    Case("event_in_vhost", "<VirtualHost *:80>\nThreadsPerChild 10\n</VirtualHost>\n"),
    Case("worker_checks", worker("ServerLimit 30000\nThreadLimit 30000\nThreadsPerChild 99\nMaxRequestWorkers 50\nStartServers 0\nMinSpareThreads 0\n"), base=False),
    Case("worker_threads_zero", worker("ThreadsPerChild 0\nThreadLimit 0\nServerLimit -1\nMaxClients 7\n"), base=False, args=["-t", "-e", "info"]),
    Case("prefork_checks", prefork("ServerLimit 300000\nMaxRequestWorkers 400000\nStartServers 0\nMinSpareServers 0\n"), base=False),
    Case("prefork_workers_low", prefork("ServerLimit 0\nMaxRequestWorkers 0\n"), base=False),
    Case("prefork_workers_over_limit", prefork("ServerLimit 10\nMaxClients 20\n"), base=False, args=["-t", "-e", "info"]),
    # mod_unixd
    Case("user_unknown", "User no-such-user\n"),
    Case("group_unknown", "Group no-such-group\n"),
    Case("user_root", "User #0\n"),
    Case("user_root_name", "User root\n"),
    Case("user_ok", "User nobody\nGroup #65534\n", args=["-t", "-D", "DUMP_RUN_CFG"]),
    Case("chroot_missing", "ChrootDir {root}/nope\n"),
    Case("suexec_on", "Suexec On\n"),
    Case("suexec_off", "Suexec Off\n"),
    Case("user_in_vhost", "<VirtualHost *:80>\nUser nobody\n</VirtualHost>\n"),
    # More of core: Options, LogLevel, the MPM-common directives; http_core; mod_so
    Case("options_none_not_first", "<Directory />\nOptions Indexes None\n</Directory>\n"),
    Case("options_plus_all", "<Directory />\nOptions +All\n</Directory>\n"),
    Case("options_all_not_first", "<Directory />\nOptions Indexes All\n</Directory>\n"),
    Case("options_minus_none", "<Directory />\nOptions -None\n</Directory>\n"),
    Case("loglevel_empty", "LogLevel \"\"\n"),
    Case("max_requests_per_child", "MaxRequestsPerChild 10\nMaxConnectionsPerChild 5\n", args=["-t", "-e", "info"]),
    Case("coredump_missing", "CoreDumpDirectory {root}/nope\n"),
    Case("coredump_file", "CoreDumpDirectory {root}/f\n", files={"f": "x"}),
    Case("coredump_vhost", "<VirtualHost *:80>\nCoreDumpDirectory /tmp\n</VirtualHost>\n"),
    Case("max_mem_free_bad", "MaxMemFree -1\n"),
    Case("max_mem_free_huge", "MaxMemFree 99999999999999999999\n"),
    Case("thread_stack_size_bad", "ThreadStackSize -4\n"),
    Case("thread_stack_size_ok", "ThreadStackSize 1m\nMaxMemFree abc\n"),
    Case("keepalive_timeout_bad", "KeepAliveTimeout 5x\n"),
    Case("keepalive_timeout_negative", "KeepAliveTimeout -5\n"),
    Case("keepalive_timeout_ok", "KeepAliveTimeout 100ms\nKeepAliveTimeout 2\n"),
    Case("keepalive_timeout_dir", loc("KeepAliveTimeout 5\n")),
    # Expressions in ErrorDocument and SetHandler (string expressions)
    Case("error_document_expr_bad", "ErrorDocument 404 \"%{FOO\"\n"),
    Case("error_document_expr_path_bad", "ErrorDocument 404 /x/%{REQUEST_URI\n"),
    Case("error_document_expr_unknown_var", "ErrorDocument 404 /x/%{NOPE_VAR}\n"),
    Case("error_document_expr_ok", "ErrorDocument 404 /x/%{REQUEST_URI}\nErrorDocument 403 \"Go away %{REMOTE_ADDR}\"\nErrorDocument 500 default\n"),
    Case("sethandler_expr_bad", loc("SetHandler %{FOO\n")),
    Case("sethandler_expr_ok", loc("SetHandler server-%{tolower:STATUS}\n")),
    # RegexDefaultOptions: EXTENDED is 0 in 2.4's ap_regex.h, so httpd calls it unknown
    # write_logline: a line is cut at MAX_STRING_LEN less "\n" and the terminator (8190)
    Case("log_line_cut_ascii", "X" + "a" * 9000 + "\n"),
    Case("log_line_cut_utf8", "X" + "a" * 8100 + "\u00e9" * 60 + "\n"),
    Case("log_line_cut_expr", "LoadModule rewrite_module {moddir}/mod_rewrite.so\n"
         "RewriteCond expr \"" + "true && " * 12000 + "true\"\nRewriteRule ^ -\n"),
    Case("regex_default_options_ok", "RegexDefaultOptions ICASE\nRegexDefaultOptions none "
         "+dotall -Dollar_EndOnly 'icase'\n<LocationMatch ^/x>\n</LocationMatch>\n"),
    Case("regex_default_options_unknown", "RegexDefaultOptions +BOGUS\n"),
    Case("regex_default_options_extended", "RegexDefaultOptions -EXTENDED\n"),
    Case("regex_default_options_sign_only", "RegexDefaultOptions ICASE +\n"),
    Case("regex_default_options_vhost", "<VirtualHost *:80>\nRegexDefaultOptions none\n"
         "</VirtualHost>\n"),
] + [
    Case(f"errorlog_format_{index:02d}", f"ErrorLogFormat {args}\n") for index, args in enumerate((
        '"%Z"', '"x %"', '"%{foo"', '"%t"', '"%M"', '"%+M"', 'connection "%M"', 'request "%7a"',
        'request "%+a %-{x}e"', '"%16M"', '"%15M"', '"%4294967297M"', 'foo "%a"', 'Request ""',
        '"\\\\%M"', '"a\\\\"', '"%% %M"', '"% % %M"', '"% "', '"%{x}"',
        'connection "[%{uc}L] %a"',
        '"[%{u}t] [%-m:%l] [pid %P:tid %T] %7F: %E: [client\\ %a] %M% ,\\ referer\\ %{Referer}i"',
    ))
] + [
    Case("errorlog_format_applied", "ErrorLogFormat \"[%l] %M\"\n"
         "LoadModule env_module {moddir}/mod_env.so\nPassEnv NOPE_NOT_SET_X\n"),
] + [
    # mod_so: a .so linked against another module's symbols fails to load without it
    Case(f"so_needs_{module}", M(module[:-len("_module")])) for module in NEEDS
] + [
    Case("so_needs_provider_after", M("proxy_http") + PROXY),
    Case("so_needs_provider_before", PROXY + M("proxy_http") + M("proxy_balancer")),
]

CORE_DIFFERENCES: dict = {
    "errorlog_format_applied": (
        "ErrorLogFormat is checked as httpd checks it but not applied: heartmonitor writes "
        "every error log line in httpd's default format.",
        (0, "", "[TIME] [env:warn] [pid N:tid N] AH01506: PassEnv variable NOPE_NOT_SET_X was "
                "undefined\nSyntax OK\n"),
    ),
}
