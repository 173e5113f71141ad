"""httpd's expression language evaluated per request, as apache2 evaluates it.

apache2 and heartmonitor run one configuration each in a private network namespace
(clients at 127.0.0.1, 10.1.2.3 and ::1) and answer the same requests: `Require expr`
over every operator family and variable group (tests/expr_cases.py), `<If>`/`<ElseIf>`/
`<Else>` choosing the handler and the access rules, nested in `<Location>`, `Require
expr` on server-status and on the heartbeat POST handler, `Require env` with SetEnvIf,
and expressions whose evaluation fails. Status, body and the error log lines that the
evaluation writes are compared.
"""

from __future__ import annotations

import re
import socket
import subprocess

import pytest

from tests.conftest import need_apache2
from tests.expr_cases import CASES
from tests.live import PrivateNetwork, apache2_and_heartmonitor, read

PORTS = (8471, 8472)
MODULES = ["authz_core", "authz_host", "authn_core", "status", "setenvif", "env"]
SIX = 100  # each server also listens on [::1]:port+SIX


def _exchange(port: int, target: str, headers: tuple[str, ...] = (), source: str = "127.0.0.1",
              method: str = "GET", body: bytes = b"") -> tuple[int, bytes, list[bytes]]:
    """(status, body, Vary lines) of one request from `source` (an address of the
    namespace)."""
    family = socket.AF_INET6 if ":" in source else socket.AF_INET
    server = "::1" if family == socket.AF_INET6 else "127.0.0.1"
    if family == socket.AF_INET6:
        port += SIX
    has_host = any(h.lower().startswith("host:") for h in headers)
    head = f"{method} {target} HTTP/1.1\r\n" + ("" if has_host else "Host: localhost\r\n")
    head += "".join(h + "\r\n" for h in headers)
    if body:
        head += f"Content-Length: {len(body)}\r\n"
    raw = (head + "Connection: close\r\n\r\n").encode("latin-1") + body
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.settimeout(10)
        sock.bind((source, 0))
        sock.connect((server, port))
        sock.sendall(raw)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    status_line, _sep, rest = data.partition(b"\r\n")
    head, _sep, payload = rest.partition(b"\r\n\r\n")
    vary = [line for line in head.split(b"\r\n") if line.lower().startswith(b"vary:")]
    return int(status_line.split()[1]), payload, vary


@pytest.fixture(scope="module")
def namespace():
    with PrivateNetwork():
        subprocess.run(["ip", "addr", "add", "10.1.2.3/8", "dev", "lo"], check=True)
        yield


def _pair(tmp_path, body: str, modules: list[str] = MODULES):
    def text(directory: str, port: int) -> str:
        return (f"Listen [::1]:{port + SIX}\n"
                + body.replace("{dir}", directory).replace("{port}", str(port)))
    return apache2_and_heartmonitor(need_apache2(), tmp_path, PORTS, text, modules)


def _log_lines(path: str, pattern: str) -> list[str]:
    """The messages of the error log lines matching `pattern`, without time, pid, client
    port and the servers' own directories."""
    out = []
    for line in read(path).splitlines():
        if re.search(pattern, line):
            message = re.sub(r"^\[[^]]*\] (\[[^]]*\]) \[pid [^]]*\] (?:\S+\.c\(\d+\): )?", r"\1 ",
                             line)
            message = re.sub(r"\[client ([^]]*):\d+\]", r"[client \1]", message)
            out.append(re.sub(r"/(real|ours)/", "/DIR/", message))
    return out


def test_require_expr_table(namespace, tmp_path):
    """Every case answers as apache2 answers it, and apache2 answers what the table says."""
    sections = "".join(f'<Location /e{i}>\n    Require expr "{case[0]}"\n</Location>\n'
                       for i, case in enumerate(CASES))
    real, ours = _pair(tmp_path, "ServerAdmin ops@example.test\nLogLevel info\n" + sections)
    results = []
    with real, ours:
        for i, (_expr, query, headers, source, _expected) in enumerate(CASES):
            target = f"/e{i}" + (f"?{query}" if query else "")
            results.append((_exchange(PORTS[0], target, headers, source),
                            _exchange(PORTS[1], target, headers, source)))
    differences = [(case[0], case[1], real_answer, our_answer)
                   for case, (real_answer, our_answer) in zip(CASES, results, strict=True)
                   if real_answer != our_answer]
    assert differences == []
    assert [real_answer[0] for real_answer, _ours in results] == [case[4] for case in CASES]
    # What a failed evaluation logs, in the order apache2 logs it.
    pattern = r"AH02320|Evaluation of expression|AH00027"
    assert (_log_lines(str(tmp_path / "ours" / "error_log"), pattern)
            == _log_lines(str(tmp_path / "real" / "error_log"), pattern))
    assert len(_log_lines(str(tmp_path / "real" / "error_log"), pattern)) == 5


IF_CONF = """LogLevel info
SetEnvIf X-Role ^admin$ role_admin
SetEnvIfNoCase User-Agent "^probe/(\\d+)" probe_version=v$1
BrowserMatch "^legacy" legacy !probe_version
<If "%{QUERY_STRING} == 'status'">
    SetHandler server-status
</If>
<ElseIf "%{QUERY_STRING} =~ /^hb/">
    SetHandler heartbeat
</ElseIf>
<Else>
    <If "reqenv('role_admin') == '1'">
        Require all granted
    </If>
</Else>
<Directory /var/www/html>
    <If "%{QUERY_STRING} == 'dirfail' && unbase64(file('/no/such/dir/file')) == ''">
        Require all denied
    </If>
    <ElseIf "%{QUERY_STRING} == 'dirdeny'">
        Require all denied
    </ElseIf>
</Directory>
<Location /guarded>
    Require all denied
    <If "-R '10.0.0.0/8'">
        Require all granted
    </If>
</Location>
<Location /env>
    Require env role_admin probe_version
</Location>
<Location /envset>
    SetEnv role_admin 1
    Require env role_admin
</Location>
<Location /exprenv>
    SetEnvIfExpr "%{HTTP:X-Level} -gt 3" high
    Require expr "reqenv('high') == '1' && %{ENV:probe_version} =~ /^v\\d+$/"
</Location>
<Location /legacy>
    Require env legacy
    <If "-n reqenv('probe_version')">
        Require all denied
    </If>
</Location>
<Location /broken>
    <If "file('/no/such/file') == ''">
        Require all denied
    </If>
</Location>
<Location /deep>
    Require expr "DEEP"
</Location>
<Location /anyof>
    Require ip 192.0.2.1
    <If "%{QUERY_STRING} =~ /^merge/">
        AuthMerging Or
        <RequireAll>
            Require expr "%{QUERY_STRING} == 'merge-ok'"
            Require not ip 10.0.0.0/8
        </RequireAll>
    </If>
    <ElseIf "-n %{QUERY_STRING}">
        <RequireAny>
            Require ip 10.0.0.0/8
            Require expr "%{QUERY_STRING} -in {'one', 'two'}"
        </RequireAny>
    </ElseIf>
</Location>
<Location /dyn>
    SetHandler "%{QUERY_STRING}"
</Location>
<Location /dynfail>
    SetHandler "%{file:/no/such/handler}"
</Location>
<If "%{QUERY_STRING} == 'inner'">
    SetEnvIf Request_URI ^/(\\w+) first=$1
    <If "%{REQUEST_URI} == '/in'">
        Require env first
    </If>
</If>
<Location /in>
    Require all denied
    AuthMerging Or
</Location>
<LocationMatch "^/u/(?<user>[^/]+)(?:/(?<Item>\\w+))?">
    Require expr "%{ENV:MATCH_USER} == 'bob' && -z reqenv('MATCH_ITEM')"
</LocationMatch>
<DirectoryMatch "^/var/(?<top>www)/">
    <If "reqenv('MATCH_TOP') == 'www' && %{QUERY_STRING} == 'no'">
        Require all denied
    </If>
</DirectoryMatch>
<FilesMatch "^(?<stem>[a-z]+)\\.txt$">
    Require expr "env('MATCH_STEM') != 'secret'"
</FilesMatch>
<Location /nested>
    Require expr "NESTED"
</Location>
HeartbeatListen 239.0.0.1:27999
HeartbeatMaxServers 0
HeartbeatStorage {dir}/hb.dat
<Location /hbpost>
    SetHandler heartbeat
    Require expr "%{REMOTE_ADDR} -ipmatch '10.0.0.0/8' && %{REQUEST_METHOD} == 'POST'"
</Location>
<Location /server-status>
    SetHandler server-status
    Require expr "%{HTTP:X-Scrape} == 'yes' || -R '10.0.0.0/8'"
</Location>
"""
# A chain of 24 conjunctions evaluates within httpd's recursion limit (a loop); 21
# disjunctions nested on their left-hand side reach it (AH02320, 500).
DEEP = "(" * 12 + "true" + ")" * 12 + " && " + " && ".join(["true"] * 24)


def _nested(depth: int) -> str:
    text = "false"
    for _ in range(depth):
        text = f"({text} || false)"
    return text + " || true"


NESTED = _nested(21)

IF_REQUESTS = [
    # (target, headers, source, method, body)
    ("/anything", (), "127.0.0.1", "GET", b""),
    ("/anything?status", (), "127.0.0.1", "GET", b""),
    ("/anything?hb", (), "127.0.0.1", "GET", b""),
    ("/anything?hb", (), "127.0.0.1", "POST", b"v=1&ready=5&busy=2"),
    ("/guarded", (), "127.0.0.1", "GET", b""),
    ("/guarded", (), "10.1.2.3", "GET", b""),
    ("/guarded?status", (), "127.0.0.1", "GET", b""),
    ("/env", (), "127.0.0.1", "GET", b""),
    ("/env", ("X-Role: admin",), "127.0.0.1", "GET", b""),
    ("/env", ("X-Role: admins",), "127.0.0.1", "GET", b""),
    ("/env", ("User-Agent: PROBE/7",), "127.0.0.1", "GET", b""),
    ("/envset", (), "127.0.0.1", "GET", b""),
    ("/exprenv", ("X-Level: 5", "User-Agent: probe/12"), "127.0.0.1", "GET", b""),
    ("/exprenv", ("X-Level: 2", "User-Agent: probe/12"), "127.0.0.1", "GET", b""),
    ("/exprenv", ("X-Level: 5",), "127.0.0.1", "GET", b""),
    ("/legacy", ("User-Agent: legacy/1",), "127.0.0.1", "GET", b""),
    ("/legacy", ("User-Agent: probe/1",), "127.0.0.1", "GET", b""),
    ("/broken", (), "127.0.0.1", "GET", b""),
    ("/deep", (), "127.0.0.1", "GET", b""),
    ("/nested", (), "127.0.0.1", "GET", b""),
    ("/anyof", (), "127.0.0.1", "GET", b""),
    ("/anyof?two", (), "127.0.0.1", "GET", b""),
    ("/anyof?three", (), "127.0.0.1", "GET", b""),
    ("/anyof?three", (), "10.1.2.3", "GET", b""),
    ("/anyof?merge-ok", (), "127.0.0.1", "GET", b""),
    ("/anyof?merge-ok", (), "10.1.2.3", "GET", b""),
    ("/anyof?merge-no", (), "127.0.0.1", "GET", b""),
    ("/u/bob", (), "127.0.0.1", "GET", b""),
    ("/u/eve", (), "127.0.0.1", "GET", b""),
    ("/u/bob/thing", (), "127.0.0.1", "GET", b""),
    ("/x?no", (), "127.0.0.1", "GET", b""),
    ("/secret.txt", (), "127.0.0.1", "GET", b""),
    ("/public.txt", (), "127.0.0.1", "GET", b""),
    ("/dynfail", (), "127.0.0.1", "GET", b""),
    ("/in?inner", (), "127.0.0.1", "GET", b""),
    ("/in", (), "127.0.0.1", "GET", b""),
    ("/dyn?Server-Status", (), "127.0.0.1", "GET", b""),
    ("/plain?dirfail", (), "127.0.0.1", "GET", b""),
    ("/plain?dirdeny", (), "127.0.0.1", "GET", b""),
    ("/dyn?none", (), "127.0.0.1", "GET", b""),
    ("/hbpost", (), "10.1.2.3", "POST", b"v=1&ready=5&busy=2"),
    ("/hbpost", (), "127.0.0.1", "POST", b"v=1&ready=5&busy=2"),
    ("/hbpost", (), "10.1.2.3", "GET", b""),
    ("/server-status?auto", (), "127.0.0.1", "GET", b""),
    ("/server-status?auto", ("X-Scrape: yes",), "127.0.0.1", "GET", b""),
    ("/server-status?auto", (), "10.1.2.3", "GET", b""),
]
# What apache2 answers (checked below, so that the comparison is about something).
IF_STATUSES = [404, 200, 405, 200, 403, 404, 403, 403, 404, 403, 404, 403, 404, 403, 403,
               404, 403, 404, 404, 500, 403, 404, 403, 404, 404, 403, 403,
               404, 403, 403, 403, 403, 404, 500, 404, 403,
               200, 404, 403, 404, 200, 403, 403, 403, 200, 200]


def test_if_sections_setenvif_and_handlers(namespace, tmp_path):
    conf = IF_CONF.replace("DEEP", DEEP).replace("NESTED", NESTED)
    real, ours = _pair(tmp_path, conf, [*MODULES, "heartmonitor"])
    answers = []
    with real, ours:
        for target, headers, source, method, body in IF_REQUESTS:
            real_answer = _exchange(PORTS[0], target, headers, source, method, body)
            our_answer = _exchange(PORTS[1], target, headers, source, method, body)
            answers.append((target, headers, source, method, real_answer, our_answer))
    statuses = [(a[0], a[1], a[4][0], a[5][0]) for a in answers]
    assert [(t, h, o) for t, h, _r, o in statuses] == [(t, h, r) for t, h, r, _o in statuses]
    assert [r for _t, _h, r, _o in statuses] == IF_STATUSES
    # Bodies that are heartmonitor's own: error pages and the heartbeat handler's answers.
    for target, headers, _source, method, real_answer, our_answer in answers:
        if real_answer[0] != 200 or method == "POST":
            assert (target, headers, our_answer[1]) == (target, headers, real_answer[1])
    # Headers that conditions read are named in Vary (a successful response's only).
    varies = [(a[0], a[1], a[4][2], a[5][2]) for a in answers]
    assert [(t, h, o) for t, h, _r, o in varies] == [(t, h, r) for t, h, r, _o in varies]
    assert (b"Vary: X-Scrape" in answers[-2][4][2]) is True
    pattern = r"AH00039|Evaluation of expression|AH02320|AH03154"
    real_lines = _log_lines(str(tmp_path / "real" / "error_log"), pattern)
    assert _log_lines(str(tmp_path / "ours" / "error_log"), pattern) == real_lines
    assert any("Cannot open file /no/such/file" in line for line in real_lines)
    assert any("Recursion limit reached" in line for line in real_lines)
    assert any("AH03154: Can't evaluate handler expression: Cannot open file /no/such/handler"
               in line for line in real_lines)
    # A <Directory>'s condition is evaluated once, a top-level or <Location>'s three times.
    assert sum("/no/such/dir/file" in line for line in real_lines) == 2
    assert sum("/no/such/file" in line for line in real_lines) == 6


def test_deep_expression_is_bounded(tmp_path):
    """A deeply nested expression is refused at parse time or evaluated within httpd's
    recursion limit: no Python recursion error, in bounded time."""
    from heartmonitor.expr import Expression
    from heartmonitor.expr.eval import evaluate
    from heartmonitor.expr.lookup import make_lookup
    from heartmonitor.expr.parser import parse_tree
    from heartmonitor.regex import pregcomp

    class Request:
        headers_out: list = []
        logged: list = []

        def log_error(self, module, level, message):
            self.logged.append(message)

    nested = "!" * 5000 + "true"
    error, root = parse_tree(nested, make_lookup(False), lambda p, i: pregcomp(p))
    assert error is None
    request = Request()
    result = evaluate(request, Expression(root, "x.conf", 3, 0))
    assert result == (1, None)  # an even number of negations: a loop, not recursion
    chain = " || ".join(["false"] * 3000)
    error, root = parse_tree(chain, make_lookup(False), lambda p, i: pregcomp(p))
    assert error is None
    assert evaluate(request, Expression(root, "x.conf", 2, 0)) == (0, None)
    error, root = parse_tree(_nested(3000), make_lookup(False), lambda p, i: pregcomp(p))
    assert error is None
    assert evaluate(request, Expression(root, "x.conf", 3, 0)) == (-1, "Recursion limit reached")
    assert request.logged == [
        "Evaluation of expression from x.conf:3 failed: Recursion limit reached"]


VHOST_CONF = """LogLevel info
SetEnvIf Remote_Addr ^10\\. from_ten
SetEnvIf Request_URI ^/special/(\\w+) item=$1
SetEnvIf Request_Method ^POST$ posting
SetEnvIf Request_Protocol ^HTTP/1\\.0$ old_client
SetEnvIf Server_Addr ^127\\.0\\.0\\.1$ on_loopback
SetEnvIf ^X-Tag-.*$ ^(a|b)$ tagged=yes
SetEnvIfNoCase X-Case "^MiXeD$" nocase
SetEnvIf X-Unset . !from_ten
<Location /special>
    Require expr "reqenv('item') == 'widget' || -n reqenv('from_ten')"
</Location>
<Location /flags>
    Require env tagged nocase old_client
</Location>
<Location /loopback>
    Require env on_loopback
    <If "-n reqenv('from_ten')">
        Require all denied
    </If>
</Location>
<VirtualHost *:{port}>
    ServerName first.test
</VirtualHost>
<VirtualHost *:{port}>
    ServerName second.test
    SetEnvIf X-Key ^k$ key_ok
    <If "%{QUERY_STRING} == 'deny'">
        Require all denied
    </If>
    <If "%{QUERY_STRING} == 'status'">
        SetHandler server-status
    </If>
    <Location /key>
        Require env key_ok
    </Location>
</VirtualHost>
"""
VHOST_REQUESTS = [
    ("/special/widget", ("Host: first.test",), "127.0.0.1"),
    ("/special/gadget", ("Host: first.test",), "127.0.0.1"),
    ("/special/gadget", ("Host: first.test",), "10.1.2.3"),
    ("/special/gadget", ("Host: first.test", "X-Unset: 1"), "10.1.2.3"),
    ("/flags", ("Host: first.test",), "127.0.0.1"),
    ("/flags", ("Host: first.test", "X-Tag-One: a"), "127.0.0.1"),
    ("/flags", ("Host: first.test", "X-Tag-One: c"), "127.0.0.1"),
    ("/flags", ("Host: first.test", "X-Case: mixed"), "127.0.0.1"),
    ("/loopback", ("Host: first.test",), "127.0.0.1"),
    ("/loopback", ("Host: first.test",), "10.1.2.3"),
    ("/key", ("Host: second.test", "X-Key: k"), "127.0.0.1"),
    ("/key", ("Host: first.test", "X-Key: k"), "127.0.0.1"),
    ("/key", ("Host: second.test",), "127.0.0.1"),
    ("/x?deny", ("Host: second.test",), "127.0.0.1"),
    ("/x?deny", ("Host: first.test",), "127.0.0.1"),
    ("/x?status", ("Host: second.test",), "127.0.0.1"),
]
VHOST_STATUSES = [404, 403, 404, 403, 403, 404, 403, 404, 404, 403, 404, 404, 403, 403, 404,
                  200]


def test_setenvif_and_if_in_virtual_hosts(namespace, tmp_path):
    real, ours = _pair(tmp_path, VHOST_CONF)
    with real, ours:
        answers = [(target, headers, source,
                    _exchange(PORTS[0], target, headers, source)[:2],
                    _exchange(PORTS[1], target, headers, source)[:2])
                   for target, headers, source in VHOST_REQUESTS]
    # Status everywhere; the body where the page is heartmonitor's own (error pages).
    def seen(answer):
        return answer if answer[0] != 200 else (200, b"")

    assert [(t, h, s, seen(o)) for t, h, s, _r, o in answers] == [
        (t, h, s, seen(r)) for t, h, s, r, _o in answers]
    assert [r[0] for _t, _h, _s, r, _o in answers] == VHOST_STATUSES


def test_heartbeat_admin_behind_if_and_require_expr(namespace, tmp_path):
    """heartbeat-admin (heartlab_module's, which httpd lacks) chosen by <If> and guarded by
    Require expr like any other handler."""
    from tests.live import heartmonitor_server
    from tests.test_monitor import monitor_conf

    admin = ("<Location /admin>\n"
             "    <If \"-R '10.0.0.0/8'\">\n        SetHandler heartbeat-admin\n    </If>\n"
             "    Require expr \"%{REMOTE_ADDR} -ipmatch '10.0.0.0/8' || "
             "%{HTTP:X-Admin} == 'yes'\"\n"
             "</Location>\n")
    directory = str(tmp_path)
    conf = monitor_conf(directory, admin, port=PORTS[1])
    with heartmonitor_server(conf, directory):
        answers = [_exchange(PORTS[1], "/admin", headers, source)[:2] for headers, source in (
            ((), "10.1.2.3"), ((), "127.0.0.1"), (("X-Admin: yes",), "127.0.0.1"))]
    assert [status for status, _body in answers] == [200, 403, 404]
    assert answers[0][1] == b""
    assert b"<title>403 Forbidden</title>" in answers[1][1]


SSL_CONF = """LogLevel info
<Location /a>
    Require expr "-z %{SSL_PROTOCOL} && %{HTTPS} == 'off' && SSL('HTTPS') == 'off'"
</Location>
<Location /b>
    Require expr "SSL('HTTP_HOST') == 'localhost' && SSL('HTTP:X-A') == 'q' && -z SSL('NOPE')"
</Location>
<Location /c>
    Require expr "'x' -in PeerExtList('1.2.3')"
</Location>
<Location /d>
    Require expr "SSL('ENV:PATH') == osenv('PATH') && SSL('REQUEST_METHOD') == 'GET'"
</Location>
"""


def test_mod_ssl_variables_on_a_plain_connection(namespace, tmp_path):
    """With mod_ssl loaded, its variables and functions evaluate as on a connection
    without TLS (heartmonitor serves none)."""
    real, ours = _pair(tmp_path, SSL_CONF, [*MODULES, "ssl", "socache_shmcb"])
    requests = [("/a", ()), ("/b", ("X-A: q",)), ("/b", ()), ("/c", ()), ("/d", ())]
    with real, ours:
        answers = [(_exchange(PORTS[0], target, headers)[:2],
                    _exchange(PORTS[1], target, headers)[:2]) for target, headers in requests]
    assert [our for _real, our in answers] == [real for real, _our in answers]
    assert [real[0] for real, _our in answers] == [404, 404, 403, 403, 404]
