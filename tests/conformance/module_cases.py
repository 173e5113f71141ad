# ruff: noqa: E501
"""Conformance cases for the value checks of httpd's stock modules (modules/mod_*.py),
one block per module: every error text a handler returns, each compared with apache2 -t."""

from __future__ import annotations

from heartmonitor.modules.mod_filter import OUTPUT_FILTERS
from tests.conformance.case import Case


def load(name: str, *more: str) -> str:
    """LoadModule lines for mod_<name> (and more modules), from Debian's module directory."""
    return "".join(f"LoadModule {each}_module {{moddir}}/mod_{each}.so\n" for each in (name, *more))


def block(module: str, bodies: list[str], prefix: str | None = None) -> list[Case]:
    """One case per body, named after the module, each body preceded by its LoadModule."""
    head = load(module) if prefix is None else prefix
    return [Case(f"{module}_{index:02d}", head + body + "\n") for index, body in enumerate(bodies)]


HEADERS = block("headers", [
    "Header sett X y", "Header set X", "Header always set X y", "RequestHeader echo X",
    "Header echo (", "Header echo X y z", "Header unset X y z", "Header unset X env=",
    "Header set X y env=!", "Header set X y expr=%{FOO}", "Header set X y foo",
    'Header set X "%{x}q"', 'Header set X "a %D %t %{HOST}e %% %"', 'Header set X "%{x"',
    'Header set X "%{x}"', "Header set X expr=%{FOO}", "Header edit X ( y", "Header edit X a",
    "Header set X y z w", "Header set X y z w v", "Header set X y early",
    "Header onsuccess unset X", 'Header edit* X ^a "%Z"', 'Header set X "%{HOST}s %l %i %b"',
    'Header set X y "expr=%{HTTP_HOST} =~ /(/"', "Header set X y Early", "Header set X y ENV=foo",
    "Header always echo ^X-", "RequestHeader set X \"expr=%{REQUEST_URI}'\"",
    "<Location />\nHeader merge Cache-Control no-cache \"expr=-z %{HTTP_COOKIE}\"\n</Location>",
])

SETENVIF = block("setenvif", [
    'SetEnvIf UA "(bot" x', "SetEnvIf", "SetEnvIf UA", "SetEnvIf UA x", 'SetEnvIf "(x" a b',
    'SetEnvIfNoCase "^(x" a b', "BrowserMatch", "BrowserMatch (a", "BrowserMatchNoCase a",
    "SetEnvIfExpr", 'SetEnvIfExpr "%{FOO}" x', 'SetEnvIfExpr "true"',
    'SetEnvIfExpr "true" a=b !c', 'SetEnvIf Remote_Addr "\\\\." x', 'SetEnvIf UA "a\\\\b" x',
    'SetEnvIf ^X-.*$ "^a(" x', 'SetEnvIfExpr "-R \'10.0.0.0/99\'" x',
])

REWRITE = block("rewrite", [
    "RewriteRule ^/(foo [L]", "RewriteRule ^/foo", "RewriteRule ^/foo /bar [L",
    "RewriteRule ^/foo /bar [L,X]", "RewriteRule ^/foo /bar [,L]", "RewriteRule ^/foo /bar [R=299]",
    "RewriteRule ^/foo /bar [R=301,NC,QSA,E=a:b,CO=x:y:z,BNE]",
    "RewriteRule ^/foo /bar [BNE=a, NE, DPI, END, F, G, H=x, N=3, NS, P, PT, QSD, QSL, S=2, T=a/b, UNC, UnsafeAllow3F]",
    "RewriteRule ^/foo /bar [R=permanent]", "RewriteRule ^/foo /bar [R=000]",
    "RewriteRule ^/foo /bar [R=500]", "RewriteRule ^/foo /bar [R=600]", 'RewriteRule "^/a b" /bar',
    "RewriteRule ^/a\\ b /bar [L]", "RewriteRule !^/( /bar", "RewriteRule ^/foo /bar [L] extra",
    "RewriteRule ^/foo /bar [Chain,cookie=a:b,env=x,forbidden,gone,last,next,nocase,noescape,nosubreq,proxy,passthrough,qsappend,qsdiscard,qslast,redirect=seeother,skip=1,type=x,handler=y,BackRefEscaping,discardpath,end,UnsafePrefixStat]",
    "RewriteRule ^/foo /bar [Bx]", "RewriteRule ^/foo /bar [Rx]", "RewriteRule ^/a(b /c [NC]",
    "RewriteCond %{HTTP_HOST} ^(x", "RewriteCond %{HTTP_HOST}", "RewriteCond %{HTTP_HOST} x [NC,XY]",
    'RewriteCond expr "%{FOO} == 1"', 'RewriteCond expr "%{HTTP_HOST} == 1"',
    "RewriteCond %{HTTP_HOST} -f [NC]", "RewriteCond %{HTTP_HOST} -lt5 [NC]",
    "RewriteCond %{HTTP_HOST} >x [NC]", 'RewriteCond %{HTTP_HOST} =""',
    "RewriteCond %{HTTP_HOST} !-d [OR,NV]", "RewriteCond %{HTTP_HOST} x bad",
    "RewriteBase /", "<Location />\nRewriteBase x\n</Location>",
    '<Location />\nRewriteBase ""\n</Location>', "<Location />\nRewriteBase /x\n</Location>",
    "RewriteOptions Inherit Foo", "RewriteOptions MaxRedirects=3",
    "RewriteOptions InheritBefore InheritDown InheritDownBefore IgnoreInherit AllowNoSlash AllowAnyURI MergeBase IgnoreContextInfo LegacyPrefixDocRoot UnsafePrefixStat",
    "RewriteMap m txt:{root}/nope.txt", "RewriteMap m txt:{root}/httpd.conf", "RewriteMap m int:foo",
    "RewriteMap m int:tolower", "RewriteMap m dbm:{root}/nope", "RewriteMap m dbm=xyz:{root}/nope",
    "RewriteMap m dbm=sdbm:{root}/nope", "RewriteMap m dbm=ndbm:{root}/nope", "RewriteMap m dbmx",
    "RewriteMap m dbd:SELECT", "RewriteMap m prg:/bin/nope", "RewriteMap m prg:/bin/cat",
    "RewriteMap m rnd:nope", "RewriteMap m {root}/nope", "RewriteEngine maybe",
    "RewriteMap m rnd:" + "a" * 5000, "RewriteMap m txt:" + "a" * 5000,
])

REMOTEIP = block("remoteip", [
    "RemoteIPInternalProxy not-an-ip/99", "RemoteIPInternalProxy 10.0.0.0/99",
    "RemoteIPInternalProxy 10.0.0.0/8 ::1 fe80::/999", "RemoteIPTrustedProxy 300.1.1.1",
    "RemoteIPTrustedProxy localhost", "RemoteIPTrustedProxy 10.1", "RemoteIPTrustedProxy 1..2",
    "RemoteIPInternalProxyList {root}/nope", "RemoteIPInternalProxyList {root}",
    "RemoteIPProxyProtocolExceptions", "RemoteIPProxyProtocolExceptions 10.0.0.0/99",
    "RemoteIPProxyProtocolExceptions foo", "RemoteIPProxyProtocolExceptions 10.0.0.0/8 ::1/200",
    "<VirtualHost *:80>\nRemoteIPTrustedProxyList {root}/nope\n</VirtualHost>",
    "RemoteIPHeader X-Forwarded-For\nRemoteIPInternalProxy 127.0.0.1 ::1 10.0.0.0/8",
]) + [
    Case("remoteip_list_file", load("remoteip") + "RemoteIPTrustedProxyList plist\n",
         files={"plist": "10.0.0.1 # c\n\n192.168.0.0/16 10.0.0.0/99\n"}),
    Case("remoteip_list_file_good", load("remoteip") + "RemoteIPInternalProxyList plist\n",
         files={"plist": "# proxies\n10.0.0.1 192.168.0.0/16\n::1\n"}),
] + [
    # AH03491: a server turns RemoteIPProxyProtocol the other way for an address that
    # another server (or the same one) set; the notice passes any LogLevel.
    Case(f"remoteip_proxy_protocol_{name}", load("remoteip") + body)
    for name, body in (
        ("vhosts", "<VirtualHost 127.0.0.1:8080>\nServerName a.example\nRemoteIPProxyProtocol On\n"
                   "</VirtualHost>\n<VirtualHost 127.0.0.1:8080>\nRemoteIPProxyProtocol Off\n"
                   "ServerName b.example\n</VirtualHost>\n"),
        ("main_server", "ServerName main.example\nRemoteIPProxyProtocol On\n<VirtualHost *:*>\n"
                        "RemoteIPProxyProtocol Off\n</VirtualHost>\n"),
        ("main_default_port", "LogLevel crit\nRemoteIPProxyProtocol On\n<VirtualHost *>\n"
                              "RemoteIPProxyProtocol Off\n</VirtualHost>\n"),
        ("addresses", "<VirtualHost [::1]:80 127.0.0.2:80>\nServerName x\nRemoteIPProxyProtocol On\n"
                      "</VirtualHost>\n<VirtualHost [::1]:80 127.0.0.2:80>\nRemoteIPProxyProtocol Off\n"
                      "</VirtualHost>\n<VirtualHost [::ffff:127.0.0.2]:80>\nRemoteIPProxyProtocol On\n"
                      "</VirtualHost>\n"),
        ("same_vhost", "<VirtualHost *:80>\nRemoteIPProxyProtocol On\n</VirtualHost>\n"
                       "<VirtualHost *:80>\nRemoteIPProxyProtocol On\n</VirtualHost>\n"
                       "<VirtualHost *:80>\nRemoteIPProxyProtocol Off\nRemoteIPProxyProtocol On\n"
                       "RemoteIPProxyProtocol Off\n</VirtualHost>\n"),
        # A wildcard covers 127.0.0.1:80, which is then never listed: turning it off
        # overrides nothing; a v4-mapped wildcard and port 0 are wildcards too.
        ("wildcard", "<VirtualHost *:80>\nRemoteIPProxyProtocol On\n</VirtualHost>\n"
                     "<VirtualHost 127.0.0.1:80>\nRemoteIPProxyProtocol On\n</VirtualHost>\n"
                     "<VirtualHost 127.0.0.1:80>\nRemoteIPProxyProtocol Off\n</VirtualHost>\n"
                     "<VirtualHost [::ffff:0.0.0.0]:81 10.0.0.1:*>\nRemoteIPProxyProtocol Off\n"
                     "</VirtualHost>\n<VirtualHost 10.0.0.1:82 [::ffff:0.0.0.0]:81>\n"
                     "RemoteIPProxyProtocol On\n</VirtualHost>\n"),
        ("flag_error", "RemoteIPProxyProtocol maybe\n"),
    )
]

BALANCER = load("proxy", "proxy_balancer", "lbmethod_byrequests")
PROXY = block("proxy", [
    "ProxyPass /app host:8080/", "ProxyPass /app http://host:8080/ loadfactor=500",
    "ProxyPass /app http:/x", "ProxyPass /app http://[::1", "ProxyPass /app //host/",
    "ProxyPass /app http://h/ timeout=0", "ProxyPass /app http://h/\nProxyPass /b http://h/ retry=5",
    "ProxyPass /app unix:/x", "ProxyPass /app foo", "ProxyPass /app http://h/ bogus=1",
    "ProxyPass ~ /a( http://h/", "ProxyPass /app http://h:8a/", "ProxyPassMatch ^/(a http://h/",
    "ProxyPassMatch ~ x http://h/", "ProxyPass /x http://h/ min=-1 max=2", "ProxyPass /x http://h/ smax=-1",
    "ProxyPass /x http://h/ acquire=0", "ProxyPass /x http://h/ acquire=x",
    "ProxyPass /x http://h/ keepalive=maybe", "ProxyPass /x http://h/ enablereuse=2",
    "ProxyPass /x http://h/ disablereuse=2", "ProxyPass /x http://h/ ping=5ms connectiontimeout=0",
    "ProxyPass /x http://h/ ping=x", "ProxyPass /x http://h/ ping=0",
    "ProxyPass /x http://h/ connectiontimeout=x", "ProxyPass /x http://h/ status=+Q",
    "ProxyPass /x http://h/ status=+H-D", "ProxyPass /x http://h/ flushpackets=x",
    "ProxyPass /x http://h/ flushwait=2000", "ProxyPass /x http://h/ lbset=100",
    "ProxyPass /x http://h/ iobuffersize=10", "ProxyPass /x http://h/ receivebuffersize=10",
    "ProxyPass /x http://h/ addressttl=1ms", "ProxyPass /x http://h/ ttl=0",
    "ProxyPass /x http://h/ retry=-1", "ProxyPass /x http://h/ route=" + "a" * 70,
    "ProxyPass /x http://h/ redirect=" + "a" * 70, "ProxyPass /x http://h/ secret=" + "a" * 70,
    "ProxyPass /x http://h/ flusher=" + "a" * 70, "ProxyPass /x http://h/ upgrade=" + "a" * 70,
    "ProxyPass /x http://h/ responsefieldsize=-1", "ProxyPass /x http://h/ mapping=foo",
    "ProxyPass /x", "ProxyPass /x http://h/ nocanon foo",
    "<Location /x>\nProxyPass http://h/ /foo\n</Location>", "<Location /x>\nProxyPass http://h/ foo\n</Location>",
    "<Directory /x>\nProxyPass http://h/\n</Directory>", "ProxyPass /x http://" + "h" * 300 + "/",
    "ProxyPass /x http://h/ keepalive=on enablereuse=off lbset=1 ttl=60 timeout=5 retry=0 loadfactor=50 route=r1 status=+h flushpackets=auto flushwait=5 ping=500ms acquire=10 connectiontimeout=1 iobuffersize=0 addressttl=30 max=10 min=1 smax=5 nocanon interpolate noquery",
    "ProxyPassMatch ^/x(.*)$ http://h:$1/", "ProxyPass /x !",
    "ProxyVia maybe", "ProxyVia Block", "ProxyTimeout 0", "ProxyBadHeader x", "ProxyStatus x",
    "ProxyErrorOverride 404", "ProxyErrorOverride on 404 x", "ProxyErrorOverride off 404",
    "ProxyErrorOverride on 302", "ProxyErrorOverride on 404 500", "ProxyErrorOverride maybe",
    "ProxyDomain example.com", "BalancerGrowth 2000", "ProxyReceiveBufferSize 100", "ProxyIOBufferSize 100",
    "<Location />\nProxyErrorOverride on\nProxyErrorOverride 404\n</Location>",
    "<Proxy http://h/ retry=-1>\n</Proxy>", "<Proxy http://h/ foo>\n</Proxy>",
    "<Proxy http://h/ retry=5 keepalive=on>\n</Proxy>", "<Proxy * retry=5>\n</Proxy>", "<Proxy /x retry=5>\n</Proxy>",
    "<ProxyMatch ^/x retry=5>\n</ProxyMatch>", "<ProxyMatch ^(x>\n</ProxyMatch>", "<Proxy balancer://b lbmethod=nope>\n</Proxy>",
    "<Proxy balancer://b lbmethod=byrequests growth=5>\nBalancerMember http://a/\n</Proxy>",
    "<Proxy foo:bar retry=1>\n</Proxy>", "<Proxy http:// retry=1>\n</Proxy>", "<Proxy http://h/ retry=1>\nFooBar\n</Proxy>",
], prefix=BALANCER) + block("proxy_balancer", [
    "ProxyPass /x balancer://b/ lbmethod=nope", "ProxyPass /x balancer://b/ lbmethod=byrequests growth=0",
    "ProxyPass /x balancer://", "BalancerMember http://h/", "BalancerMember balancer://b",
    "BalancerMember balancer://b http://h/ loadfactor=500", "BalancerMember balancer://b http://h/ x y",
    "<Proxy balancer://b>\nBalancerMember http://h/ loadfactor=0.5\nBalancerMember http://h/ route=x\nProxySet lbmethod=byrequests stickysessionsep=ab\n</Proxy>",
    "<Proxy balancer://b>\nBalancerMember http://h/ a b\n</Proxy>", "ProxySet balancer://nope lbmethod=x",
    "ProxySet http://h/ retry=1", "ProxyPass /x http://h/\nProxySet http://h/ retry=-1",
    "<Proxy http://h/>\nProxySet keepalive=x\n</Proxy>", "<Proxy balancer://b>\nProxySet failonstatus=200,x\n</Proxy>",
    "<Proxy balancer://b>\nProxySet maxattempts=-1 timeout=0\n</Proxy>",
    "<Proxy balancer://b>\nProxySet nofailover=x\n</Proxy>", "<Proxy balancer://b>\nProxySet scolonpathdelim=x\n</Proxy>",
    "<Proxy balancer://b>\nProxySet failontimeout=x\n</Proxy>", "<Proxy balancer://b>\nProxySet forcerecovery=x\n</Proxy>",
    "<Proxy balancer://b>\nProxySet nonce=" + "a" * 50 + "\n</Proxy>", "<Proxy balancer://b>\nProxySet foo=1\n</Proxy>",
    "<Proxy balancer://b>\nProxySet foo\n</Proxy>", "<Proxy balancer://b>\nProxySet maxattempts=-1\n</Proxy>",
    "<Proxy balancer://b>\nBalancerMember http://a:8080 loadfactor=25 lbset=1\nBalancerMember http://b:8080 status=+H\nProxySet lbmethod=byrequests stickysession=JSESSIONID|jsessionid nofailover=On timeout=5 maxattempts=2 failonstatus=500,503 nonce=None growth=5 scolonpathdelim=on forcerecovery=off failontimeout=on stickysessionsep=.\n</Proxy>\nProxyPass /app balancer://b/",
], prefix=BALANCER)

PROXY_MORE = block("proxy_more", [
    "ProxyRemote * http", "ProxyRemote * http:/x", "ProxyRemote * http://", "ProxyRemoteMatch * http://",
    "ProxyRemote * http://h:99999", "ProxyRemote * http://h:-1", "ProxyRemote * http://h:4294967296",
    "ProxyRemote * http://h:x", "ProxyRemoteMatch . http://h:", "ProxyRemoteMatch ( http://h:8",
    "ProxyRemote http://a http://[::1]:8", "ProxyRemote ftp http://h:3128 user:secret",
    "ProxyRemoteMatch ^http://(a|b)\\. https://h",
    "ProxyPassReverse /a", "ProxyPassReverse /a interpolate", "ProxyPassReverse /a http://b/ interpolate",
    "<Location /x>\nProxyPassReverse http://b/ http://c/\n</Location>",
    "<Location /x>\nProxyPassReverse http://b/ Interpolate\n</Location>",
    "<Directory /x>\nProxyPassReverse http://b/\n</Directory>",
    "ProxyPassReverseCookiePath /a /b\nProxyPassReverseCookieDomain a b interpolate\nNoProxy .example.com 10.0.0.0/8 host 1.2.3.4 foo",
    "ProxyPass /a unix:/x|foo", "ProxyPass /a unix:/x|http://\nProxyPass /b unix:/y|http:",
    "<Proxy unix:/x|foo retry=1>\n</Proxy>", "<Proxy unix:/x|foo>\nProxySet retry=1\n</Proxy>",
    "BalancerMember balancer://b unix:/x|foo", "ProxySet unix:/x|foo retry=1",
    '<Proxy ~ "(">\n</Proxy>', '<Proxy ~ "(" retry=1>\n</Proxy>', '<Proxy "(">\n</Proxy>',
    "<Proxy http://h/ retry=1 foo>\n</Proxy>", "<Proxy http://h/>\nProxySet retry=1 foo\n</Proxy>",
    "ProxyPass /x http://h/ route=" + "a" * 64, "ProxyPass /x http://h/ upgrade=" + "a" * 16,
    "LogLevel info\nProxyPass /a http://h/\nProxyPass /b http://h/x\nBalancerMember balancer://b http://m/\nBalancerMember balancer://b http://m/ retry=1",
    "LogLevel debug\nBalancerMember balancer://B/x http://m/\nBalancerMember balancer://b http://m:99999/\nBalancerMember balancer://b http://m:065536/a\nBalancerMember balancer://b http://m:080/b\nBalancerMember balancer://b HTTP://[::1]:8080/b\nBalancerMember balancer://b gopher://h:70/b",
    "LogLevel debug\nBalancerMember balancer://b http://h:8a/",
    "LogLevel error\nProxyPass /a http://h/\nProxyPass /b http://h/x retry=1",
    "LogLevel warn proxy:info\nProxyPass /a http://h/\nProxyPass /b http://h/x retry=1",
    "<VirtualHost *:80>\nLogLevel info\nProxyPass /a http://h/\nProxyPass /b http://h/x retry=1\n</VirtualHost>",
], prefix=BALANCER) + [
    # A name is looked up as httpd looks it up: in a network namespace of its own, with no DNS.
    Case(f"proxy_source_address_{index:02d}", BALANCER + f"ProxySourceAddress {value}\n", isolated=True)
    for index, value in enumerate(("127.0.0.1", "::1", "localhost", "nonexistent.invalid", '""',
                                   "300.1.1.1", "[::1]", "10.0.0.1:80", "fe80::1%lo", "0"))
]

_SSL_FILES = {"cert.pem": "not really a certificate\n", "empty.pem": "", "certs/.keep": ""}
SSL = [Case(case.name, case.body, files=_SSL_FILES) for case in block("ssl", [
    "SSLProtocol +TLSv1.4", "SSLProtocol all -SSLv3", "SSLProtocol SSLv3",
    "SSLProtocol -SSLv2 TLSv1.2 TLSv1.3", "SSLProtocol SSLv2", "SSLProtocol TLSv1.2\nSSLProtocol TLSv1.3",
    "SSLProtocol -all +tlsv1.3 -TLSv1.1 +TLSv1.2 +all", "SSLProxyProtocol foo", "SSLCertificateFile /nope.pem",
    "SSLCertificateFile {root}/empty.pem", "SSLCertificateFile {root}", "SSLCertificateFile {root}/cert.pem",
    "SSLCertificateFile cert.pem", "SSLCertificateKeyFile pkcs11:foo", "SSLCertificateKeyFile {root}/nope.key",
    "SSLCertificateChainFile nope.pem", "SSLCACertificateFile nope.pem", "SSLCADNRequestFile nope.pem",
    "SSLCARevocationFile nope.pem", "SSLProxyCACertificateFile nope.pem", "SSLProxyMachineCertificateFile nope.pem",
    "SSLProxyMachineCertificateChainFile nope.pem", "SSLProxyCARevocationFile nope.pem",
    "SSLSessionTicketKeyFile nope.key", "SSLOCSPResponderCertificateFile nope.pem",
    "SSLCACertificatePath /nope", "SSLCACertificatePath {root}/certs", "SSLCACertificatePath {root}/cert.pem",
    "SSLCADNRequestPath /nope", "SSLCARevocationPath /nope", "SSLProxyCACertificatePath /nope",
    "SSLProxyCARevocationPath /nope", "SSLProxyMachineCertificatePath /nope",
    "SSLEngine maybe", "SSLEngine optional", "SSLEngine on", "SSLCipherSuite TLSv1.2 x",
    "SSLCipherSuite TLSv1.3 TLS_AES_256_GCM_SHA384", "<Location />\nSSLCipherSuite TLSv1.3 x\n</Location>",
    "SSLCipherSuite HIGH:!aNULL", "SSLProxyCipherSuite foo bar", "SSLVerifyClient maybe",
    "SSLVerifyClient optional_no_ca", "SSLProxyVerify foo", "SSLVerifyDepth -1", "SSLProxyVerifyDepth -1",
    "SSLCARevocationCheck foo", "SSLCARevocationCheck chain bar", "SSLCARevocationCheck leaf no_crl_for_cert_ok",
    "SSLProxyCARevocationCheck foo", "SSLOCSPEnable x", "SSLOCSPEnable leaf no_ocsp_for_cert_ok",
    "SSLOCSPEnable on foo", "SSLSessionCache shmcb:{root}/x(512000)", "SSLSessionCache none",
    "SSLSessionCache dbm:{root}/x", "SSLSessionCacheTimeout -1", "SSLOptions +StdEnvVars -Foo",
    "SSLOptions StdEnvVars ExportCertData FakeBasicAuth StrictRequire OptRenegotiate LegacyDNStringFormat",
    'SSLRequire "%{SSL_CIPHER} !~ m/^(EXP|NULL)/"', 'SSLRequire "%{FOO} == 1"', "SSLRenegBufferSize -5",
    "SSLPassPhraseDialog exec:/nope", "SSLPassPhraseDialog foo", 'SSLPassPhraseDialog "|/bin/cat"',
    "SSLPassPhraseDialog builtin", "SSLCryptoDevice foo", "SSLRandomSeed startup builtin 512",
    "SSLRandomSeed foo builtin", "SSLRandomSeed startup /nope", "SSLRandomSeed startup egd:/x",
    "SSLRandomSeed startup file:/dev/urandom -1", "SSLRandomSeed connect file:/dev/urandom 512", "SSLFIPS on",
    "SSLOCSPResponseTimeSkew -1", "SSLOCSPResponseMaxAge -1", "SSLOCSPResponderTimeout -1",
    "SSLStaplingResponseTimeSkew -1", "SSLStaplingResponseMaxAge -1", "SSLStaplingStandardCacheTimeout -1",
    "SSLStaplingErrorCacheTimeout -1", "SSLStaplingResponderTimeout -1", "SSLOCSPProxyURL http://[x",
    "<VirtualHost *:80>\nSSLSessionCache none\n</VirtualHost>", "<VirtualHost *:80>\nSSLRandomSeed startup builtin\n</VirtualHost>",
    "Define APACHE_LOG_DIR {root}\n<VirtualHost *:443>\nServerAdmin webmaster@localhost\nDocumentRoot /var/www/html\nErrorLog ${APACHE_LOG_DIR}/error.log\nSSLEngine on\nSSLCertificateFile /etc/ssl/certs/ssl-cert-snakeoil.pem\nSSLCertificateKeyFile /etc/ssl/private/ssl-cert-snakeoil.key\n<FilesMatch \"\\.(?:cgi|shtml|phtml|php)$\">\nSSLOptions +StdEnvVars\n</FilesMatch>\n</VirtualHost>",
])]

SSL_MORE = [Case(case.name, case.body, files=_SSL_FILES) for case in block("ssl_more", [
    "SSLStaplingCache shmcb:{root}/x(512000)", "SSLStaplingCache shmcb:{root}/x(abc)",
    "SSLStaplingCache shmcb", "SSLStaplingCache default",
    "SSLSessionCache shmcb:{root}/x(abc)", "SSLSessionCache shmcb:{root}/x(100)", "SSLSessionCache shmcb:{root}/x()",
    "SSLSessionCache shmcb:{root}/x(-1)", "SSLSessionCache default:{root}/x(99999999999)",
    "SSLSessionCache shmcb:{root}/x(8192", "SSLSessionCache shmcb:{root}/x)", "SSLSessionCache shmcb:",
    "SSLSessionCache default:{root}/x(8192)", "<VirtualHost *:80>\nSSLStaplingCache nope\n</VirtualHost>",
    "SSLOpenSSLConfCmd Foo bar", "SSLOpenSSLConfCmd Protocol -TLSv1", "SSLOpenSSLConfCmd Certificate {root}/nope.pem",
    "SSLOpenSSLConfCmd Certificate {root}/empty.pem", "SSLOpenSSLConfCmd ChainCAPath {root}/nope",
    "SSLOpenSSLConfCmd ChainCAPath {root}/certs", "SSLOpenSSLConfCmd cipherstring x", "SSLOpenSSLConfCmd -cipher x",
    "SSLOpenSSLConfCmd RequestCAStore x", "SSLOpenSSLConfCmd ClientCAFile {root}/cert.pem",
    "SSLOpenSSLConfCmd Curves X25519:prime256v1\nSSLOpenSSLConfCmd Options -SessionTicket,ServerPreference",
    "SSLOpenSSLConfCmd VerifyMode Peer", "<VirtualHost *:80>\nSSLOpenSSLConfCmd Nope x\n</VirtualHost>",
    "SSLFIPS on\nSSLFIPS off", "SSLFIPS on\nSSLFIPS on", "SSLFIPS off\nSSLFIPS on", "SSLCompression on",
    "SSLCompression off", "<VirtualHost *:80>\nSSLCompression on\n</VirtualHost>",
], prefix=load("ssl", "socache_shmcb"))] + [
    Case("ssl_more_dbm", load("ssl", "socache_dbm") + "SSLStaplingCache dbm:{root}/x\nSSLSessionCache dbm:\n"),
    # With one name known, httpd's list of names does not depend on its hash order.
    Case("ssl_more_stapling_unknown", load("ssl") + "SSLStaplingCache nope\n"),
    Case("ssl_more_stapling_unknown_dbm", load("ssl", "socache_dbm") + "SSLStaplingCache nope:x\n"),
]

ALIAS = block("alias", [
    "Alias /x", '<Location /x>\nAlias "%{FOO}"\n</Location>', '<Location /x>\nAlias "/y"\n</Location>',
    "<Directory /x>\nAlias /y\n</Directory>", "<Location /x>\nAlias /a /b\n</Location>", "AliasMatch ^/(a /b",
    "Alias /a /b\nAlias /a/c /d", "ScriptAlias /a/ /b\nAlias /a/c /d", "AliasMatch ^/a /b\nAlias /abc /d",
    "Alias //a// /b\nAlias /a/b /c", "Alias /ab /b\nAlias /a /c", "ScriptAliasMatch ^/(x /y",
    "Redirect foo /a /b", "Redirect /a b", "Redirect /a http://x/", "Redirect gone /a", "Redirect gone /a /b",
    "Redirect 301 /a", "Redirect 200 /a", "Redirect 404 /a /b", "Redirect seeother /a /b", "RedirectMatch ^(a /b",
    "RedirectMatch 301 ^/a b", "RedirectTemp /a b", "RedirectPermanent /a http://x", "<Location /x>\nRedirect /y\n</Location>",
    '<Location /x>\nRedirect 301 "%{FOO}"\n</Location>', "<Location /x>\nRedirect gone\n</Location>",
    "<Location /x>\nRedirect permanent /y /z\n</Location>", "RedirectRelative maybe",
])

EXPIRES = block("expires", [
    'ExpiresByType text "access plus 1 day"', 'ExpiresByType text/html "foo plus 1 day"',
    'ExpiresByType text/html "access plus x day"', 'ExpiresByType text/html "access plus 1"',
    'ExpiresByType text/html "access plus 1 fortnight"', 'ExpiresDefault "access plus 1 mo 2 mi 3 s"',
    'ExpiresDefault "modification 1 y"', "ExpiresDefault A3600", 'ExpiresDefault "now plus 1 m"',
    "ExpiresDefault x", "ExpiresActive maybe", 'ExpiresByType image/* "access plus 1 week 2 hours"',
])

MIME = block("mime", [
    "MultiviewsMatch Foo", "MultiviewsMatch Any Filters", "MultiviewsMatch Handlers NegotiatedOnly",
    "MultiviewsMatch Filters Handlers", "<Directory /x>\nMultiviewsMatch NegotiatedOnly Any\n</Directory>",
    "<Location /x>\nMultiviewsMatch Any\n</Location>", "AddType text/html .x .y\nRemoveType .z",
    "MultiviewsMatch Any\nMultiviewsMatch Handlers",
])

REQTIMEOUT = block("reqtimeout", [
    "RequestReadTimeout header=20-40,MinRate=500 body=20,MinRate=500", "RequestReadTimeout header",
    "RequestReadTimeout foo=1", "RequestReadTimeout header=x", "RequestReadTimeout header=5x",
    "RequestReadTimeout header=-5", "RequestReadTimeout header=5-10", "RequestReadTimeout header=5,minrate=0",
    "RequestReadTimeout header=10-5,minrate=1", "RequestReadTimeout header=5-x,minrate=1",
    "RequestReadTimeout handshake=5,MinRate=abc", "RequestReadTimeout body=0 handshake=0",
    "RequestReadTimeout header=5,minrate=-1",
])

DEFLATE = block("deflate", [
    "DeflateWindowSize 16", "DeflateBufferSize 0", "DeflateMemLevel 0", "DeflateCompressionLevel 10",
    "DeflateInflateLimitRequestBody x", "DeflateInflateLimitRequestBody 99999999999999999999",
    "DeflateInflateLimitRequestBody -1", "<Location />\nDeflateInflateRatioLimit 0\n</Location>",
    "<Location />\nDeflateInflateRatioBurst -1\n</Location>", "DeflateAlterETag foo",
    "DeflateFilterNote foo bar", "DeflateFilterNote ratio", "DeflateAlterETag AddSuffix\nDeflateCompressionLevel 9\nDeflateWindowSize 15\nDeflateMemLevel 9",
], prefix=load("filter", "deflate"))

DIR = block("dir", [
    "DirectoryIndexRedirect maybe", "DirectoryIndexRedirect 200", "DirectoryIndexRedirect 301",
    "DirectoryIndexRedirect seeother", "DirectoryIndex disabled\nDirectorySlash maybe",
])

ACCESS_COMPAT = block("access_compat", [f"<Location />\n{body}\n</Location>" for body in (
    "Order foo", "Satisfy some", "Allow to 1.2.3.4", "Allow from 10.0.0.0/99", "Deny from foo/8",
    "Deny from 300.1.1.1", "Deny from #x", "Allow from all env=x example.com 10.1 ::1\nOrder deny,allow\nSatisfy any",
    "Deny from env=!x 192.168.0.0/255.255.0.0\nOrder Mutual-failure", "Allow from 10.0.0.0/255.0.255.0x",
)])

AUTHZ_EXPR = block("authz_user", [f"<Location />\n{body}\n</Location>" for body in (
    'Require expr "%{FOO} == 1"', 'Require expr %{REMOTE_USER} == "x"', "Require expr \"-R '10.0.0.0/8'\"",
    'Require expr "true', "Require user %{FOO}", "Require user alice bob", "Require valid-user",
    "Require not expr false", "<RequireAll>\nRequire expr \"%{TIME_HOUR} -lt 12\"\nRequire not user bob\n</RequireAll>",
)], prefix=load("authz_core", "authz_user"))

AUTHZ_ALIAS = block("authz_alias", [
    "<AuthzProviderAlias ip lan 10.0.0.0/8>\n</AuthzProviderAlias>\n<Location />\nRequire lan\n</Location>",
    "<AuthzProviderAlias ip lan 10.0.0.0/99>\n</AuthzProviderAlias>",
    "<AuthzProviderAlias ip lan 10.0.0.0/8 192.168.0.0/16>\n</AuthzProviderAlias>",
    "<AuthzProviderAlias nope lan x>\n</AuthzProviderAlias>", "<AuthzProviderAlias ip lan>\n</AuthzProviderAlias>",
    "<AuthzProviderAlias ip>\n</AuthzProviderAlias>", "<AuthzProviderAlias ip lan 10.0.0.0/8>\nFooBar\n</AuthzProviderAlias>",
    "<AuthzProviderAlias nope lan x>\nRequire all granted\n</AuthzProviderAlias>",
    "<AuthzProviderAlias all lan granted>\n</AuthzProviderAlias>\n<AuthzProviderAlias all lan2 nope>\n</AuthzProviderAlias>",
    "<AuthzProviderAlias ip lan 10.0.0.0/8>\nRequire not ip 10.1.0.0/16\n</AuthzProviderAlias>",
    '<AuthzProviderAlias ip lan "10.0.0.0/8 ::1">\n</AuthzProviderAlias>\n<Location />\n<RequireAll>\nRequire lan x y\nRequire not lan\n</RequireAll>\n</Location>',
    "<VirtualHost *:80>\n<AuthzProviderAlias ip lan 10.0.0.0/8 x>\n</AuthzProviderAlias>\n</VirtualHost>",
], prefix=load("authz_core", "authz_host"))

AUTH_BASIC = block("auth_basic", [
    "<Location />\nAuthBasicProvider nope\n</Location>", "<Location />\nAuthBasicProvider file on\n</Location>",
    "<Location />\nAuthBasicFake %{FOO}\n</Location>", "<Location />\nAuthBasicFake x %{FOO}\n</Location>",
    "<Location />\nAuthBasicFake off\n</Location>", "<Location />\nAuthBasicUseDigestAlgorithm sha\n</Location>",
    "<Location />\nAuthType %{FOO}\n</Location>", '<Location />\nAuthName "%{FOO"\n</Location>',
    "<Location />\nAuthType Basic\nAuthName \"Private %{SERVER_NAME}\"\nAuthBasicProvider file\n</Location>",
    "<AuthnProviderAlias file f2>\n</AuthnProviderAlias>\n<Location />\nAuthBasicProvider f2\n</Location>",
    "<AuthnProviderAlias nope f2>\n</AuthnProviderAlias>", "<AuthnProviderAlias file file>\n</AuthnProviderAlias>",
    "<AuthnProviderAlias file f2>\n</AuthnProviderAlias>\n<AuthnProviderAlias file f2>\n</AuthnProviderAlias>",
    "<AuthnProviderAlias dbm f3>\n</AuthnProviderAlias>", "<AuthnProviderAlias file f2>\nAuthUserFile /x\nFooBar\n</AuthnProviderAlias>",
    "<VirtualHost *:80>\n<AuthnProviderAlias file f2>\n</AuthnProviderAlias>\n</VirtualHost>",
], prefix=load("authn_core", "authn_file", "auth_basic"))

ENV = block("env", [
    "PassEnv NOPE_NOT_SET_X", "PassEnv PATH", "SetEnv A=B", "SetEnv A=B=C d", "SetEnv =A",
    "<VirtualHost *:80>\nSetEnv A=B\nPassEnv NOPE_NOT_SET_X\n</VirtualHost>", "UnsetEnv A B",
])

NEGOTIATION = block("negotiation", [
    "ForceLanguagePriority None Prefer", "ForceLanguagePriority Prefer None",
    "ForceLanguagePriority None Fallback", "ForceLanguagePriority foo",
    "ForceLanguagePriority Prefer Fallback", "ForceLanguagePriority None\nForceLanguagePriority Fallback",
])

FILTER = block("filter", [
    "FilterProvider f nope true", "FilterProvider f DEFLATE true", "FilterProtocol f change=yes",
    "FilterProtocol f deflate change=yes", "FilterTrace f 1", "FilterTrace f", "FilterDeclare f a b",
    "AddOutputFilterByType", "AddOutputFilterByType DEFLATE", "AddOutputFilterByType ;; text/html",
    "AddOutputFilterByType byterange;DEFLATE text/html", "AddOutputFilterByType chunk text/html text/plain",
    "FilterChain +a -b =c !d @e f", 'FilterProvider f CORE "%{CONTENT_TYPE} = "',
    'FilterProvider f CORE "%{NOPE} = 1"', "FilterProvider f CORE %{CONTENT_TYPE} == 'text/html'",
    "FilterDeclare f\nFilterTrace f 1\nFilterProtocol f change=yes\n<Location />\nFilterTrace f 2\n</Location>",
    "FilterDeclare f\n<Directory /x>\nFilterProtocol f proxy=no\n</Directory>",
    "FilterProvider f byterange true\nFilterProtocol f BYTERANGE change=yes\nFilterProtocol f chunk cache=no",
    "FilterProvider f byterange true\nFilterTrace BYTYPE:f 1",
    "AddOutputFilterByType CHUNK text/html\nFilterTrace BYTYPE:CHUNK 1\nFilterProtocol BYTYPE:CHUNK chunk change=1:1",
    "<Location />\nFilterDeclare f CONTENT_SET\nFilterProvider f http_header true\nFilterChain f\n</Location>",
    "FilterDeclare f\nFilterTrace f 0\n<VirtualHost *:80>\nFilterTrace f 0\n</VirtualHost>",
]) + block("filter_deflate", [
    # Debian's mods-available/deflate.conf.
    "AddOutputFilterByType DEFLATE text/html text/plain text/xml text/css text/javascript\n"
    "AddOutputFilterByType DEFLATE application/x-javascript application/javascript application/ecmascript\n"
    "AddOutputFilterByType DEFLATE application/rss+xml application/wasm application/xml",
    "FilterDeclare gz CONTENT_SET\nFilterProvider gz DEFLATE \"%{CONTENT_TYPE} =~ m#^text/#\"\nFilterProtocol gz deflate change=yes;byteranges=no\nFilterChain gz",
    "FilterProvider gz inflate \"%{CONTENT_TYPE} =~ m#^text/(#\"",
], prefix=load("deflate", "filter")) + [
    # Every output filter OUTPUT_FILTERS names is known to apache2 with its module loaded.
    Case("filter_every_provider", load("proxy") + "".join(
        f"LoadModule {ident} {{moddir}}/mod_{ident[:-len('_module')]}.so\n"
        for ident in OUTPUT_FILTERS if ident not in ("core_module", "http_module", "logio_module"))
        + load("filter") + "".join(
        f'FilterProvider f{index} "{name}" true\n'
        for index, name in enumerate(name for names in OUTPUT_FILTERS.values() for name in names))),
    Case("filter_module_not_loaded", load("filter", "headers") + "FilterProvider f FIXUP_HEADERS_OUT true\nFilterProvider f MOD_EXPIRES true\n"),
]

VHOST_WARNINGS = [
    Case("warning_in_vhost_rewrite", load("rewrite") + "<VirtualHost *:80>\nRewriteOptions MaxRedirects=3\n</VirtualHost>\n"),
    Case("warning_in_vhost_alias", load("alias") + "<VirtualHost *:80>\nAlias /a /b\nAlias /a/c /d\n</VirtualHost>\n"),
    Case("warning_in_vhost_ssl", load("ssl") + "<VirtualHost *:80>\nSSLEngine optional\nSSLProtocol TLSv1.2 TLSv1.3\n</VirtualHost>\n"),
    Case("warning_in_vhost_proxy", load("proxy") + "<VirtualHost *:80>\nProxyPass /a http://h/\nProxyPass /b http://h/ retry=5\n</VirtualHost>\n"),
]

LOG_CONFIG = block("log_config", [
    'LogFormat "%h %l %u %t \\"%r\\" %>s %O \\"%{Referer}i\\" \\"%{User-Agent}i\\"" combined',
    'LogFormat "%Z" x', 'LogFormat "%{foo" x', 'LogFormat "abc %" x', 'LogFormat "%!200,304{x}i %400e %^FB %^ti %^xx" x',
    'LogFormat "%c"', 'LoadModule ssl_module {moddir}/mod_ssl.so\nLogFormat "%c %x" x', 'CustomLog {root}/a.log "%Q"',
    "CustomLog {root}/a.log combined env=", "CustomLog {root}/a.log combined env=!", "CustomLog {root}/a.log combined expr=",
    "CustomLog {root}/a.log combined expr=%{FOO}", "CustomLog {root}/a.log combined foo",
    "GlobalLog {root}/a.log combined env=x", "<VirtualHost *:80>\nGlobalLog {root}/a.log combined\n</VirtualHost>",
    "TransferLog {root}/a.log", 'LogFormat "%{%Y}t %^ %I %O %S" x', 'LogFormat "%<s %>s %%"',
    "CustomLog {root}/a.log \"%h %{X}C\" \"expr=%{REQUEST_STATUS} -ge 400\"",
], prefix="")

AUTOINDEX = block("autoindex", [
    "IndexOptions Foo", "IndexOptions +None", "IndexOptions None FancyIndexing", "IndexOptions None +FancyIndexing",
    "IndexOptions -IconWidth=5", "IndexOptions -IconHeight=5", "IndexOptions NameWidth", "IndexOptions -NameWidth",
    "IndexOptions NameWidth=3", "IndexOptions NameWidth=* DescriptionWidth=* -NameWidth=5",
    "IndexOptions DescriptionWidth", "IndexOptions DescriptionWidth=11", "IndexOptions -DescriptionWidth=20",
    "IndexOptions None\nIndexOptions HTMLTable",
    "IndexOptions FancyIndexing HTMLTable VersionSort Charset=UTF-8 Type=text/html IconHeight=16 IconWidth",
    "IndexOrderDefault Up Name", "IndexOrderDefault Ascending Color", "AddIcon (IMG,/icons/image.gif .gif",
    "AddIcon (IMG,/icons/image.gif) .gif .jpg", "FancyIndexing on", "FancyIndexing x",
    "<Directory /x>\nIndexOptions None\n</Directory>\nIndexOptions HTMLTable",
])

MODULE_CASES = (AUTOINDEX + LOG_CONFIG + ENV + NEGOTIATION + VHOST_WARNINGS + ACCESS_COMPAT + AUTHZ_EXPR + AUTH_BASIC + HEADERS + SETENVIF + REWRITE + REMOTEIP + PROXY + SSL + ALIAS + EXPIRES + MIME
                + REQTIMEOUT + DEFLATE + DIR + FILTER + PROXY_MORE + SSL_MORE + AUTHZ_ALIAS)
MODULE_DIFFERENCES: dict = {}
