# ruff: noqa: E501
"""The conformance corpus: configurations run through a real apache2 -t and heartmonitor -t.

Each case is a configuration body (added to BASE unless base=False), optional extra
files, and the command-line arguments. tests/test_conformance.py runs both programs and
compares exit code, standard output and standard error. DIFFERENCES lists the cases
where heartmonitor deliberately answers otherwise, with the reason; the README's
compatibility table shows the same list.
"""

from __future__ import annotations

from tests.conformance.case import Case
from tests.conformance.core_cases import CORE_CASES, CORE_DIFFERENCES
from tests.conformance.expr_cases import EXPR_CASES, EXPR_DIFFERENCES
from tests.conformance.module_cases import MODULE_CASES, MODULE_DIFFERENCES

MONITOR = "LoadModule heartmonitor_module {moddir}/mod_heartmonitor.so\n"
PROXY = "LoadModule proxy_module {moddir}/mod_proxy.so\n"
AUTHZ = "LoadModule authz_core_module {moddir}/mod_authz_core.so\n"
AUTHZ_HOST = "LoadModule authz_host_module {moddir}/mod_authz_host.so\n"
MACRO = "LoadModule macro_module {moddir}/mod_macro.so\n"


def loc(text):
    return "<Location />\n" + text + "</Location>\n"


CASES = [
 Case("cont", "Server\\\nName foo\n"),
 Case("cont_comment", "# comment \\\nFooBar x\n"),
 Case("cont_eof", "ServerName a\\"),
 Case("cont_eof_nl", "Foo \\\n"),
 Case("cont_crlf", "Foo \\\r\nbar\r\n"),
 Case("trailing_comment", MONITOR + "HeartbeatListen 239.0.0.1:1 # c\n"),
 Case("var_undefined", "ServerAdmin ${NOPE_NOT_SET}\n"),
 Case("var_colon", "ServerAdmin ${A:B}\n"),
 Case("var_empty", "ServerAdmin ${}\n"),
 Case("var_env", "ServerAdmin ${HMTEST_VAR}\n", env={"HMTEST_VAR":"x@y"}),
 Case("var_define_ci", "Define Foo bar\nServerAdmin ${FOO}\nFooBar\n"),
 Case("var_unterminated", "ServerAdmin ${FOO\n"),
 Case("undefine", "Define X\nUnDefine X\n<IfDefine X>\nFooBar\n</IfDefine>\n"),
 Case("undefine_colon", "UnDefine a:b\n"),
 Case("define_noargs", "Define\n"),
 Case("define_3args", "Define a b c\n"),
 Case("ifmodule_unclosed", "<IfModule mod_so.c>\nServerAdmin x\n"),
 Case("ifmodule_false_unclosed", "<IfModule mod_nope.c>\nServerAdmin x\n"),
 Case("ifmodule_close_no_open", "</IfModule>\n"),
 Case("mismatch", "<Directory /tmp>\n</Location>\n"),
 Case("vhost_noargs", "<VirtualHost>\n</VirtualHost>\n"),
 Case("require_ip_no_authz_host", "<Location />\nRequire ip 127.0.0.1\n</Location>\n"),
 Case("include_missing", "Include {root}/nope.conf\n"),
 Case("include_optional_glob", "IncludeOptional {root}/nope/*.conf\n"),
 Case("include_glob_nomatch", "Include {root}/*.nope\n"),
 Case("include_dir", "Include {root}/d\n", files={"d/b.conf":"ServerAdmin b\n","d/a.conf":"ServerAdmin a\n", "d/.hidden":"FooHidden\n"}),
 Case("include_glob", "Include {root}/d/*.conf\n", files={"d/b.conf":"FooB\n","d/a.conf":"FooA\n"}),
 Case("include_nested_err", "Include {root}/i.conf\n", files={"i.conf":"ServerAdmin x\nDefine a:b\n"}),
 Case("include_recursion", "Include {root}/httpd.conf\n"),
 Case("unknown_in_vhost", "<VirtualHost *:80>\nFooBar\n</VirtualHost>\n"),
 Case("hb_in_vhost", MONITOR + "<VirtualHost *:80>\nHeartbeatListen 239.0.0.1:1\n</VirtualHost>\n"),
 Case("hb_in_dir", MONITOR + "<Directory /tmp>\nHeartbeatListen 239.0.0.1:1\n</Directory>\n"),
 Case("hb_in_loc", MONITOR + "<Location />\nHeartbeatListen 239.0.0.1:1\n</Location>\n"),
 Case("hb_in_files", MONITOR + "<Files x>\nHeartbeatListen 239.0.0.1:1\n</Files>\n"),
 Case("hb_in_if", MONITOR + "<If \"true\">\nHeartbeatListen 239.0.0.1:1\n</If>\n"),
 Case("hb_twice", MONITOR + "HeartbeatListen 239.0.0.1:1\nHeartbeatListen 239.0.0.1:2\n"),
 Case("module_twice", MONITOR + MONITOR),
 Case("module_wrong_id", "LoadModule hb_module {moddir}/mod_heartbeat.so\n"),
 Case("module_missing", "LoadModule foo_module {moddir}/mod_foo.so\n"),
 Case("module_builtin", "LoadModule watchdog_module {moddir}/mod_watchdog.so\n"),
 Case("unclosed_nested", "<Directory /a>\n<Location /b>\n"),
 Case("dir_missing_gt", "<Directory /a\n</Directory>\n"),
 Case("closer_missing_gt", "<Directory /a>\n</Directory\n"),
 Case("quote_words", "ServerAdmin \"a b\"\n"),
 Case("quote_two", "ServerAdmin \"a\"b\n"),
 Case("quote_empty", "ServerAdmin \"\"\n"),
 Case("quote_unterminated", "ServerAdmin \"a b\n"),
 Case("case_insensitive", "serveradmin x\nSERVERNAME y\n"),
 Case("watchdog_interval", "WatchdogInterval 0\n"),
 Case("watchdog_interval2", "WatchdogInterval 99ms\n"),
 Case("watchdog_interval3", "WatchdogInterval 0.5\n"),
 Case("watchdog_interval4", "WatchdogInterval 1mi\nWatchdogInterval 2h\nWatchdogInterval 100ms\nWatchdogInterval -1\n"),
 Case("heartbeat_address", "LoadModule heartbeat_module {moddir}/mod_heartbeat.so\nHeartbeatAddress 239.0.0.1\n"),
 Case("lb_storage_both", MONITOR + "LoadModule proxy_module {moddir}/mod_proxy.so\nLoadModule lbmethod_heartbeat_module {moddir}/mod_lbmethod_heartbeat.so\nHeartbeatStorage a b\n"),
 Case("no_mpm", "ServerName x\nErrorLog {root}/error.log\n", base=False),
 Case("no_mpm_but_listen", "ServerName x\nErrorLog {root}/error.log\nListen 127.0.0.1:8080\n", base=False),
 Case("error_directive", "Error \"Stop here\"\n"),
 Case("error_directive2", "Error\n"),
 Case("dump_modules", MONITOR, args=["-M"]),
 Case("dump_modules_t", MONITOR, args=["-t","-D","DUMP_MODULES"]),
 Case("dump_includes", "Include {root}/d/*.conf\n", files={"d/a.conf":"Include {root}/e.conf\n","e.conf":"ServerAdmin x\n", "d/b.conf": "\n"}, args=["-t","-D","DUMP_INCLUDES"]),
 Case("dump_run_cfg", "DocumentRoot {root}\nDefine FOO bar\nDefine BAZ\n", args=["-t","-D","DUMP_RUN_CFG"]),
 Case("help", "", args=["-h"]),
 Case("badopt", "", args=["-Z"]),
 Case("badopt2", "", args=["-t", "-f"], config_flag=False),
 Case("extra_arg", "", args=["-t", "foo"]),
 Case("dash_C", "", args=["-C", "Define X", "-C", "FooBar", "-t"]),
 Case("dash_c", "", args=["-c", "Define X y", "-c", "ServerAdmin ${X}", "-t"]),
 Case("dash_c_err", "", args=["-c", "Define a:b", "-t"]),
 Case("dash_D_ifdefine", "<IfDefine MYDEF>\nFooBar\n</IfDefine>\n", args=["-D", "MYDEF", "-t"]),
 Case("dash_e", "ServerAdmin ${NOPE}\n", args=["-e", "error", "-t"]),
 Case("dash_e_bad", "", args=["-e", "loud", "-t"]),
 Case("missing_conf", "", args=["-f", "{root}/nope.conf", "-t"], config_flag=False),
 Case("conf_is_dir", "", args=["-f", "{root}", "-t"], config_flag=False),
 Case("k_bad", "", args=["-k", "foo", "-t"]),
 Case("line_too_long", "ServerAdmin " + "x"*(16*1024*1024) + "\n"),
 Case("line_limit_edge", "ServerAdmin " + "x"*(16*1024*1024-13) + "\n"),
 Case("garbage", b"\x7fELF\x02\x01\x01\x00\x00\x00garbage\n\x00\x01\x02<x>\n\xff\xfe</y>\n"),
 Case("invalid_utf8", b"ServerAdmin \xff\xfe\nFoo\xc3\x28 bar\n"),
 Case("nul_line", b"ServerName a\x00" + b"y"*300 + b" zz\n</Foo>\n"),
 Case("ifversion", "<IfVersion >= 2.4>\nFooBar\n</IfVersion>\n"),
 Case("ifversion_lt", "<IfVersion < 2.4>\nFooBar\n</IfVersion>\nServerAdmin x\n"),
 Case("iffile", "<IfFile {root}/httpd.conf>\nFooBar\n</IfFile>\n"),
 Case("iffile_not", "<IfFile !{root}/nope>\nFooBar\n</IfFile>\n"),
 Case("ifdirective", "<IfDirective ServerName>\nFooBar\n</IfDirective>\n"),
 Case("ifsection", "<IfSection Directory>\nFooBar\n</IfSection>\n"),
 Case("ifmodule_id", "<IfModule so_module>\nFooBar\n</IfModule>\n"),
 Case("ifmodule_noarg", "<IfModule>\n</IfModule>\n"),
 Case("ifmodule_neg_noarg", "<IfModule !>\n</IfModule>\n"),
 Case("ifmodule_nogt", "<IfModule mod_so.c\n</IfModule>\n"),
 Case("nested_false", "<IfModule mod_nope.c>\n<Directory /x>\n</Location>\n</IfModule>\n"),
 Case("closer_space", "<IfModule mod_so.c>\nServerAdmin x\n</IfModule >\n"),
 Case("limit", "<Directory /x>\n<Limit GET POST>\nRequire all granted\n</Limit>\n</Directory>\n"),
 Case("limit_trace", "<Directory /x>\n<Limit TRACE>\n</Limit>\n</Directory>\n"),
 Case("limit_top", "<Limit GET>\n</Limit>\n"),
 Case("directory_regex_bad", "<Directory ~ \"(\">\n</Directory>\n"),
 Case("directorymatch_multi", "<DirectoryMatch a b>\n</DirectoryMatch>\n"),
 Case("location_multi", "<Location /a /b>\n</Location>\n"),
 Case("files_in_location", "<Location /a>\n<Files x>\n</Files>\n</Location>\n"),
 Case("else_arg", "<Else foo>\n</Else>\n"),
 Case("vhost_nest", "<VirtualHost *:80>\n<VirtualHost *:81>\n</VirtualHost>\n</VirtualHost>\n"),
 Case("serverroot_bad", "ServerRoot /nonexistent/dir\n"),
 Case("runtimedir_bad", "DefaultRuntimeDir /nonexistent/dir\n"),
 Case("servername_port", "ServerName foo:99999\n"),
 Case("servername_wild", "ServerName *.foo\n"),
 Case("serveralias_main", "ServerAlias foo\n"),
 Case("loglevel_bad", "LogLevel loud\n"),
 Case("loglevel_module", "LogLevel warn heartmonitor:debug\n"),
 Case("loglevel_module_ok", MONITOR + "LogLevel warn heartmonitor:debug core:info\n"),
 Case("loglevel_module_nolevel", "LogLevel core:\n"),
 Case("loglevel_module_badlevel", "LogLevel core:loud\n"),
 Case("errorlog_dir_missing", "ErrorLog {root}/nope/err.log\n"),
 Case("documentroot_missing", "DocumentRoot {root}/nope\n"),
 Case("pidfile_vhost", "<VirtualHost *:80>\nPidFile x\n</VirtualHost>\n"),
 Case("listen_bad", "Listen foo:bar:baz\n"),
 Case("listen_noport", "Listen 127.0.0.1\n"),
 Case("listen_dup", "Listen 127.0.0.1:8080\nListen 127.0.0.1:8080\n"),
 Case("listen_3args", "Listen 80 http x\n"),
 Case("options_toplevel", "AllowOverride None\n"),
 Case("takes_no_args", "<Directory /x>\nRequire\n</Directory>\n"),
 Case("hb_in_proxy", MONITOR + PROXY + "<Proxy balancer://x>\nHeartbeatListen 239.0.0.1:1\n</Proxy>\n"),
 Case("hb_in_proxymatch", MONITOR + PROXY + "<ProxyMatch ^/x>\nHeartbeatStorage x\n</ProxyMatch>\n"),
 Case("typo_in_proxy", PROXY + "<Proxy *>\nFooBar\n</Proxy>\n"),
 Case("proxy_in_dir", PROXY + "<Directory /x>\n<Proxy *>\n</Proxy>\n</Directory>\n"),
 Case("proxy_nogt", PROXY + "<Proxy *\n</Proxy>\n"),
 Case("balancer_member", PROXY + "LoadModule proxy_balancer_module {moddir}/mod_proxy_balancer.so\n<Proxy balancer://hb>\nBalancerMember http://127.0.0.1:8081\nProxySet lbmethod=heartbeat\n</Proxy>\n"),
 Case("require_in_requireall", AUTHZ + "<Directory /x>\n<RequireAll>\nFooBar\n</RequireAll>\n</Directory>\n"),
 Case("lua_block", "LoadModule lua_module {moddir}/mod_lua.so\n<LuaHookFixups>\nthis is not config\n</LuaHookFixups>\nFooBar\n"),
 Case("inert_takes_one", "LoadModule rewrite_module {moddir}/mod_rewrite.so\nRewriteEngine\n"),
 Case("inert_flag_bad", "LoadModule rewrite_module {moddir}/mod_rewrite.so\nRewriteEngine maybe\n"),
 Case("inert_global_only_vhost", "LoadModule ssl_module {moddir}/mod_ssl.so\n<VirtualHost *:443>\nSSLPassPhraseDialog builtin\n</VirtualHost>\n"),
 Case("inert_ok_config", "LoadModule rewrite_module {moddir}/mod_rewrite.so\nLoadModule alias_module {moddir}/mod_alias.so\nLoadModule mime_module {moddir}/mod_mime.so\nLoadModule dir_module {moddir}/mod_dir.so\nLoadModule status_module {moddir}/mod_status.so\n<Location /server-status>\nSetHandler server-status\n</Location>\nRewriteEngine on\nAlias /x /tmp\nDirectoryIndex index.html\nAddType text/plain .txt\nExtendedStatus On\n"),
 Case("req_unknown", AUTHZ + loc("Require ip 127.0.0.1\n")),
 Case("req_ok", AUTHZ + AUTHZ_HOST + loc("Require ip 127.0.0.1 ::1 10.0/16 192.168.1.0/255.255.255.0\n")),
 Case("req_bad_ip", AUTHZ + AUTHZ_HOST + loc("Require ip foo\n")),
 Case("req_bad_ip2", AUTHZ + AUTHZ_HOST + loc("Require ip 1.2.3.4.5\n")),
 Case("req_bad_mask", AUTHZ + AUTHZ_HOST + loc("Require ip 1.2.3.4/33\n")),
 Case("req_bad_mask6", AUTHZ + AUTHZ_HOST + loc("Require ip ::1/255.0.0.0\n")),
 Case("req_noarg", AUTHZ + AUTHZ_HOST + loc("Require ip\n")),
 Case("req_all_bad", AUTHZ + loc("Require all maybe\n")),
 Case("req_all_ok", AUTHZ + loc("Require all granted\n")),
 Case("req_not_toplevel", AUTHZ + loc("Require not ip 1.2.3.4\n")),
 Case("req_not_in_all", AUTHZ + AUTHZ_HOST + loc("<RequireAll>\nRequire all granted\nRequire not ip 1.2.3.4\n</RequireAll>\n")),
 Case("req_none_toplevel", AUTHZ + AUTHZ_HOST + loc("<RequireNone>\nRequire ip 1.2.3.4\n</RequireNone>\n")),
 Case("req_empty_all", AUTHZ + loc("<RequireAll>\n</RequireAll>\n")),
 Case("req_all_args", AUTHZ + loc("<RequireAll x>\n</RequireAll>\n")),
 Case("req_top", AUTHZ + "Require all granted\n"),
 Case("req_method_bad", AUTHZ + loc("Require method FOO\n")),
 Case("req_method", AUTHZ + loc("Require method GET POST\n")),
 Case("req_valid_user_noauthz_user", AUTHZ + loc("Require valid-user\n")),
 Case("req_valid_user", AUTHZ + "LoadModule authz_user_module {moddir}/mod_authz_user.so\n"+loc("Require valid-user\n")),
 Case("authmerging_bad", AUTHZ + loc("AuthMerging maybe\n")),
 Case("req_local", AUTHZ + AUTHZ_HOST + loc("Require local\n")),
 Case("req_host", AUTHZ + AUTHZ_HOST + loc("Require host example.com\n")),
 Case("req_in_limit", AUTHZ + AUTHZ_HOST + "<Directory /x>\n<Limit POST>\nRequire ip 1.2.3.4\n</Limit>\n</Directory>\n"),
 Case("requireall_in_limit", AUTHZ + "<Directory /x>\n<Limit POST>\n<RequireAll>\nRequire all granted\n</RequireAll>\n</Limit>\n</Directory>\n"),
 Case("proxyset_lbmethod", "LoadModule proxy_module {moddir}/mod_proxy.so\nLoadModule proxy_balancer_module {moddir}/mod_proxy_balancer.so\n<Proxy balancer://hb>\nBalancerMember http://127.0.0.1:8081\nProxySet lbmethod=heartbeat\n</Proxy>\n"),
 Case("proxyset_lbmethod_ok", "LoadModule proxy_module {moddir}/mod_proxy.so\nLoadModule proxy_balancer_module {moddir}/mod_proxy_balancer.so\nLoadModule lbmethod_heartbeat_module {moddir}/mod_lbmethod_heartbeat.so\n<Proxy balancer://hb>\nBalancerMember http://127.0.0.1:8081\nProxySet lbmethod=heartbeat\n</Proxy>\nProxyPass /x balancer://hb/\n"),
 Case("proxypass_lbmethod", "LoadModule proxy_module {moddir}/mod_proxy.so\nProxyPass /x balancer://hb/ lbmethod=heartbeat\n"),
 Case("proxyset_outside", "LoadModule proxy_module {moddir}/mod_proxy.so\nProxySet balancer://nope lbmethod=byrequests\n"),
 Case("proxyset_badparam", "LoadModule proxy_module {moddir}/mod_proxy.so\n<Proxy balancer://hb>\nProxySet foo\n</Proxy>\n"),
 Case("proxyset_unknownparam", "LoadModule proxy_module {moddir}/mod_proxy.so\n<Proxy balancer://hb>\nProxySet foo=bar\n</Proxy>\n"),
 Case("macro_ok", MACRO + "<Macro VHost $name $port>\nServerAdmin $name@x\n</Macro>\nUse VHost foo 80\nUse VHost bar 81\nUndefMacro VHost\n"),
 Case("macro_err_inside", MACRO + "<Macro Bad $x>\nFooBar $x\n</Macro>\nUse Bad 1\n"),
 Case("macro_err_inside2", MACRO + "<Macro Bad $x>\nServerAdmin a\nDefine a:b $x\n</Macro>\nUse Bad 1\nServerAdmin x\n"),
 Case("macro_undefined", MACRO + "Use Nope 1\n"),
 Case("macro_undefined2", MACRO + "<Macro a>\nServerAdmin x\n</Macro>\nUse Nope 1\n"),
 Case("macro_argcount", MACRO + "<Macro A $x>\nServerAdmin $x\n</Macro>\nUse A\n"),
 Case("macro_unused_arg", MACRO + "<Macro A $x $y>\nServerAdmin $x\n</Macro>\nUse A 1 2\n"),
 Case("macro_noprefix", MACRO + "<Macro A x>\nServerAdmin x\n</Macro>\nUse A 1\n"),
 Case("macro_empty", MACRO + "<Macro A>\n</Macro>\n"),
 Case("macro_unclosed", MACRO + "<Macro A>\nServerAdmin x\n"),
 Case("macro_recursive", MACRO + "<Macro A>\nUse A\n</Macro>\nUse A\n"),
 Case("macro_at_arg", MACRO + "<Macro A @x>\nServerAdmin @x\n</Macro>\nUse A \"a b\"\n"),
 Case("macro_empty_use_arg", MACRO + "<Macro A $x>\nServerAdmin a$x\n</Macro>\nUse A \"\"\n"),
 Case("macro_dup_arg", MACRO + "<Macro A $x $x>\nServerAdmin $x\n</Macro>\n"),
 Case("macro_prefix_conflict", MACRO + "<Macro A $x $xy>\nServerAdmin $x $xy\n</Macro>\n"),
 Case("macro_in_ifmodule", MACRO + "<IfModule mod_macro.c>\n<Macro A $x>\nServerAdmin $x\n</Macro>\nUse A y\n</IfModule>\nFooBar\n"),
 Case("macro_flag", MACRO + "<Macro A /IgnoreEmptyArgs $x>\nServerAdmin a$x\n</Macro>\nUse A \"\"\n"),
 Case("macro_flag_unknown", MACRO + "<Macro A /Bogus $x>\nServerAdmin a$x\n</Macro>\nUse A b\n"),
 Case("macro_ignore_directive", MACRO + "MacroIgnoreEmptyArgs\n<Macro A $x>\nServerAdmin a$x\n</Macro>\nUse A \"\"\n"),
 Case("macro_nested_section", MACRO + "<Macro A $p>\n<Directory $p>\nFooBar\n</Directory>\n</Macro>\nUse A /tmp\n"),
 Case("macro_multi_def", MACRO + "<Macro A>\nServerAdmin x\n</Macro>\n<Macro A>\nServerAdmin y\n</Macro>\n"),
 Case("macro_dollar_brace", MACRO + "<Macro A ${x}>\nServerAdmin ${x}\n</Macro>\n"),
]

# -- more: addresses, vhosts and dumps ----------------------------------------------------
CASES += [
    Case("listen_ipv6_literal", MONITOR + "HeartbeatListen [::1]:27999\n"),
    Case("listen_ipv6_scope", MONITOR + "HeartbeatListen [fe80::1%lo]:27999\n"),
    Case("listen_bracket_bad", MONITOR + "HeartbeatListen [::1:27999\n"),
    Case("listen_port_overflow", MONITOR + "HeartbeatListen 239.0.0.1:99999999999999999999\n"),
    Case("listen_port_negative", MONITOR + "HeartbeatListen 239.0.0.1:-1\n"),
    Case("listen_unresolvable", MONITOR + "HeartbeatListen no-such-host.invalid:27999\n",
         isolated=True),
    Case("address_unresolvable", "LoadModule heartbeat_module {moddir}/mod_heartbeat.so\n"
         "HeartbeatAddress no-such-host.invalid:27999\n", isolated=True),
    Case("address_twice", "LoadModule heartbeat_module {moddir}/mod_heartbeat.so\n"
         "HeartbeatAddress 239.0.0.1:27999\nHeartbeatAddress 239.0.0.1:27998\n"),
    Case("address_parse", "LoadModule heartbeat_module {moddir}/mod_heartbeat.so\n"
         "HeartbeatAddress :27999\n"),
    Case("address_nohost", "LoadModule heartbeat_module {moddir}/mod_heartbeat.so\n"
         "HeartbeatAddress 27999\n"),
    Case("address_ok_in_vhost", "LoadModule heartbeat_module {moddir}/mod_heartbeat.so\n"
         "<VirtualHost 127.0.0.1:80>\nHeartbeatAddress 239.0.0.1:27999\n</VirtualHost>\n"),
    Case("storage_relative", MONITOR + "HeartbeatStorage logs/hb.dat\n"),
    Case("maxservers_ten", MONITOR + "HeartbeatMaxServers 10\n"),
    Case("maxservers_zero", MONITOR + "HeartbeatMaxServers 0\n"),
    Case("maxservers_space", MONITOR + "HeartbeatMaxServers \" 12\"\n"),
    Case("watchdog_suffixes", "WatchdogInterval 2s\nWatchdogInterval 1mi\nWatchdogInterval 1h\n"
         "WatchdogInterval 250ms\nWatchdogInterval 5sec\n"),
    Case("watchdog_minutes_m", "WatchdogInterval 1m\n"),
    Case("watchdog_huge", "WatchdogInterval 99999999999999999999\n"),
    Case("watchdog_in_vhost", "<VirtualHost *:80>\nWatchdogInterval 1\n</VirtualHost>\n"),
    Case("vhosts_dump", "Listen 127.0.0.1:8080\n<VirtualHost 127.0.0.1:8080>\n"
         "ServerName foo.example\nServerAlias bar.example *.wild.example\n</VirtualHost>\n"
         "<VirtualHost 127.0.0.1:8080>\nServerName second.example\n</VirtualHost>\n"
         "<VirtualHost *:8080 [::1]:8081>\nServerName baz.example\n</VirtualHost>\n"
         "<VirtualHost _default_:8082>\nServerName dflt.example\n</VirtualHost>\n"
         "DocumentRoot {root}\n", args=["-S"]),
    Case("vhost_port_wild", "<VirtualHost 127.0.0.2:*>\nServerName w.example\n</VirtualHost>\n"
         "DocumentRoot {root}\n", args=["-S"]),
    Case("vhost_bad_addr", "<VirtualHost 127.0.0.1:99999>\n</VirtualHost>\n"),
    Case("vhost_missing_addr", "<VirtualHost :80>\n</VirtualHost>\n"),
    Case("includes_dump_nested", "Include {root}/a.conf\nInclude {root}/d\n",
         files={"a.conf": "ServerAdmin a\nInclude {root}/b.conf\n", "b.conf": "ServerAdmin b\n",
                "d/x.conf": "ServerAdmin x\n", "d/sub/y.conf": "ServerAdmin y\n"},
         args=["-t", "-D", "DUMP_INCLUDES"]),
    Case("include_glob_dirs", "Include {root}/sites/*/conf/*.conf\n",
         files={"sites/a/conf/1.conf": "ServerAdmin a\n", "sites/b/conf/2.conf": "FooB\n",
                "sites/c/other.conf": "FooC\n"}),
    Case("include_glob_period", "Include {root}/d/*\n",
         files={"d/.hidden.conf": "FooHidden\n", "d/v.conf": "ServerAdmin v\n"}),
    Case("include_bracket_glob", "Include {root}/d/[ab].conf\n",
         files={"d/a.conf": "ServerAdmin a\n", "d/b.conf": "FooB\n", "d/c.conf": "FooC\n"}),
    Case("includeoptional_missing_dir", "IncludeOptional {root}/nope/x.conf\n"),
    Case("include_relative", "Include d/a.conf\n", files={"d/a.conf": "FooRel\n"}),
    Case("include_not_regular", "Include /dev/zero\n"),
    Case("define_dash_D_value", "<IfDefine X>\nFooX\n</IfDefine>\n", args=["-D", "X", "-t"]),
    Case("define_var_in_include", "Define SUB {root}/i.conf\nInclude ${SUB}\n",
         files={"i.conf": "FooI\n"}),
    Case("undefine_then_var", "Define X y\nUnDefine X\nServerAdmin ${X}\n"),
    Case("var_in_directive_name", "Define D ServerAdmin\n${D} x\n${D}x y\n"),
    Case("var_with_spaces", "Define V \"a b\"\nServerAdmin ${V}\n"),
    Case("ifdefine_negated", "<IfDefine !NOPE>\nFooNeg\n</IfDefine>\n"),
    Case("ifmodule_by_file", "<IfModule mod_mpm_event.c>\nFooEvent\n</IfModule>\n"),
    Case("ifmodule_event_c", "<IfModule event.c>\nFooEventC\n</IfModule>\n"),
    Case("ifmodule_nested_closer", "<IfModule mod_so.c>\n<IfModule mod_so.c>\nFooInner\n"
         "</IfModule>\n</IfModule>\n"),
    Case("ifmodule_static_watchdog", "<IfModule watchdog_module>\nFooWd\n</IfModule>\n"),
    Case("ifversion_regex", "<IfVersion ~ ^2\\.4>\nFooRe\n</IfVersion>\n"),
    Case("ifversion_slash", "<IfVersion = /^2\\.4\\./>\nFooSlash\n</IfVersion>\n"),
    Case("ifversion_bad", "<IfVersion >= 2.x>\n</IfVersion>\n"),
    Case("ifversion_op", "<IfVersion !> 2.2>\nFooOp\n</IfVersion>\nServerAdmin x\n"),
    Case("ifversion_unknown_op", "<IfVersion <> 2.4>\n</IfVersion>\n"),
    Case("section_close_case", "<directory /x>\n</DIRECTORY>\nFooAfter\n"),
    Case("unknown_section", "<Foo bar>\n</Foo>\n"),
    Case("unknown_section_unclosed", "<Foo bar>\n"),
    Case("closer_args", "<Directory /x>\n</Directory extra>\nFooArgs\n"),
    Case("directive_gt_stripped", "ServerAdmin> x\n"),
    Case("lone_gt", ">\n"),
    Case("lone_lt", "<\n"),
    Case("files_tilde", "<Files ~ \"\\.conf$\">\nFooFiles\n</Files>\n"),
    Case("location_in_vhost", "<VirtualHost *:80>\n<Location /x>\nFooLoc\n</Location>\n"
         "</VirtualHost>\n"),
    Case("directory_in_location", "<Location /x>\n<Directory /y>\n</Directory>\n</Location>\n"),
    Case("if_expression", "<If \"%{REQUEST_URI} =~ m#^/x#\">\nFooIf\n</If>\n"),
    Case("limitexcept", "<Directory /x>\n<LimitExcept GET>\nFooLe\n</LimitExcept>\n"
         "</Directory>\n"),
    Case("limit_nested_excludes", "<Directory /x>\n<Limit GET>\n<Limit GET>\n</Limit>\n"
         "</Limit>\n</Directory>\n"),
    Case("loadmodule_relative", "LoadModule status_module mod_status.so\n"),
    Case("loadmodule_args", "LoadModule status_module\n"),
    Case("loadfile_missing", "LoadFile {root}/nope.so\n"),
    Case("loadfile_existing", "LoadFile /usr/lib/apache2/modules/mod_status.so\n"),
    Case("dash_C_directive_error", "", args=["-C", "HeartbeatListen 1", "-t"]),
    Case("dash_c_define_use", "ServerAdmin ${LATE}\n", args=["-c", "Define LATE x", "-t"]),
    Case("syntax_ok_warning_order", "ServerAdmin ${NOPE1}\nServerAdmin ${NOPE2}\n"),
    Case("crlf_file", "ServerAdmin x\r\nFooCRLF\r\n"),
    Case("tab_separated", "ServerAdmin\tx\nFooTab\ty\n"),
    Case("vertical_tab", "ServerAdmin\vx\nFoo\x1cBar y\n"),
    Case("nonascii_name", "Sérveradmin x\n"),
    Case("nonascii_value", "ServerAdmin ünïcödé@example\nFooÜ\n"),
    Case("double_backslash_join", "ServerAdmin a\\\\\n\nFooAfterJoin\n"),
    Case("heartbeat_post_handler_config", MONITOR + AUTHZ + AUTHZ_HOST
         + "HeartbeatMaxServers 0\n<Location /hb>\nSetHandler heartbeat\nRequire ip 127.0.0.1\n"
         "</Location>\n"),
]


# Cases where heartmonitor deliberately answers otherwise: the reason, then heartmonitor's
# exact answer (exit code, stdout, stderr after normalisation). The README's
# compatibility table lists these.
DIFFERENCES = {
    "module_builtin": (
        "Debian's apache2 has mod_watchdog (and mod_log_config, mod_logio, mod_version, "
        "mod_unixd) compiled in and refuses to LoadModule them; upstream builds and their "
        "configurations load them as shared modules, so heartmonitor accepts both.",
        (0, "", "Syntax OK\n"),
    ),
    "no_mpm": (
        "heartmonitor serves from its own event loop, so a configuration that loads no MPM "
        "is complete (an upstream build has one compiled in); Debian's apache2 requires one.",
        (0, "", "Syntax OK\n"),
    ),
    "no_mpm_but_listen": (
        "As no_mpm: with no MPM loaded, Listen comes from heartmonitor's built-in event MPM.",
        (0, "", "Syntax OK\n"),
    ),
    "lua_block": (
        "heartmonitor does not compile mod_lua's Lua code: a <LuaHook...> block is skipped to "
        "its closing line, so only the configuration after it is checked.",
        (1, "", "AH00526: Syntax error on line 11 of {root}/httpd.conf:\nInvalid command "
                "'FooBar', perhaps misspelled or defined by a module not included in the server "
                "configuration\n"),
    ),
    "loadmodule_relative": (
        "heartmonitor finds a module by its file name, so `LoadModule x modules/mod_x.so` works "
        "without the .so on disk (httpd needs the shared object).",
        (0, "", "Syntax OK\n"),
    ),
}
# The value-check corpus of the non-core modules and of expressions lives in its own files.
CASES += EXPR_CASES + MODULE_CASES
DIFFERENCES.update(EXPR_DIFFERENCES)
DIFFERENCES.update(MODULE_DIFFERENCES)
# The corpus of core, http_core, the MPMs, mod_so and mod_unixd.
CASES += CORE_CASES
DIFFERENCES.update(CORE_DIFFERENCES)
