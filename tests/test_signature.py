"""ServerSignature as httpd applies it (ap_psignature): error pages end with "<hr>" and an
<address> line, the HTML server-status page with "<hr />" and the same line; the value is
per directory and a virtual host's unset value is the main server's. Compared with
Debian's apache2 on one configuration; only the banner differs, each server's own
`Server:` header."""

from __future__ import annotations

import pytest

from heartmonitor.http.signature import is_url
from tests.conftest import need_apache2
from tests.live import PrivateNetwork, apache2_and_heartmonitor, converse, request

REAL_PORT, OUR_PORT = 8571, 8572
MODULES = ["authz_core", "status"]
CONF = """ServerAdmin ops@example.com
ServerSignature On
DocumentRoot {dir}
<Location /quiet>
    ServerSignature Off
</Location>
<Location /mail>
    ServerSignature EMail
</Location>
<Location /denied>
    Require all denied
</Location>
<Location /server-status>
    SetHandler server-status
</Location>
<Location /quiet-status>
    SetHandler server-status
    ServerSignature Off
</Location>
<VirtualHost 127.0.0.1:{port}>
    ServerName localhost
</VirtualHost>
<VirtualHost 127.0.0.1:{port}>
    ServerName v.example:8000
    ServerAdmin http://admin.example/?a=1&b=<2>
    ServerSignature EMail
    <Location /plain>
        ServerSignature On
    </Location>
</VirtualHost>
<VirtualHost 127.0.0.1:{port}>
    ServerName off.example
    ServerSignature Off
</VirtualHost>
<VirtualHost 127.0.0.1:{port}>
    ServerName Canon.example:9000
    UseCanonicalName On
    ServerSignature On
    <Location /dns>
        UseCanonicalName DNS
    </Location>
    <Location /physical>
        UseCanonicalName Off
        UseCanonicalPhysicalPort On
    </Location>
    <Location /physical-canon>
        UseCanonicalPhysicalPort On
    </Location>
</VirtualHost>
"""

PAGE = ('<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN" '
        '"http://www.w3.org/TR/html4/strict.dtd">\n<html><head>\n<title>{title}</title>\n'
        '</head><body>\n<h1>{title4}</h1>\n{text}{signature}</body></html>\n')
NOT_FOUND = "<p>The requested URL was not found on this server.</p>\n"
FORBIDDEN = "<p>You don't have permission to access this resource.</p>\n"


def _page(status: int, signature: str) -> str:
    title = "404 Not Found" if status == 404 else "403 Forbidden"
    return PAGE.format(title=title, title4=title[4:], signature=signature,
                       text=NOT_FOUND if status == 404 else FORBIDDEN)


# (path, Host header, status, the signature with BANNER for the server's banner)
CASES = [
    ("/missing", "localhost", 404, "<hr>\n<address>BANNER Server at localhost Port 80</address>\n"),
    ("/missing", "LocalHost:8123", 404,
     "<hr>\n<address>BANNER Server at localhost Port 8123</address>\n"),
    ("/denied", "localhost", 403, "<hr>\n<address>BANNER Server at localhost Port 80</address>\n"),
    ("/quiet/x", "localhost", 404, ""),
    ("/mail/x", "localhost", 404, '<hr>\n<address>BANNER Server at <a href="mailto:'
     'ops@example.com">localhost</a> Port 80</address>\n'),
    ("/denied", "v.example", 403, '<hr>\n<address>BANNER Server at <a href="http://'
     'admin.example/?a=1&amp;b=&lt;2&gt;">v.example</a> Port 8000</address>\n'),
    ("/plain/x", "v.example:81", 404,
     "<hr>\n<address>BANNER Server at v.example Port 81</address>\n"),
    ("/missing", "off.example", 404, ""),
    ("/mail/x", "off.example", 404, '<hr>\n<address>BANNER Server at <a href="mailto:'
     'ops@example.com">off.example</a> Port 80</address>\n'),
    ("/x", "canon.example:81", 404,
     "<hr>\n<address>BANNER Server at Canon.example Port 9000</address>\n"),
    ("/dns/x", "canon.example:81", 404,
     "<hr>\n<address>BANNER Server at localhost Port 81</address>\n"),
    ("/physical/x", "canon.example", 404,
     "<hr>\n<address>BANNER Server at canon.example Port PORT</address>\n"),
    ("/physical/x", "canon.example:81", 404,
     "<hr>\n<address>BANNER Server at canon.example Port 81</address>\n"),
    ("/physical-canon/x", "canon.example:81", 404,
     "<hr>\n<address>BANNER Server at Canon.example Port 9000</address>\n"),
]
# The status page's end: its last table row, then the signature.
STATUS_CASES = [
    ("/server-status", "localhost",
     "<hr />\n<address>BANNER Server at localhost Port 80</address>\n"),
    ("/server-status", "v.example", '<hr />\n<address>BANNER Server at <a href="http://'
     'admin.example/?a=1&amp;b=&lt;2&gt;">v.example</a> Port 8000</address>\n'),
    ("/quiet-status", "localhost", ""),
]
# Errors found while reading the request (before any section is walked: the server's
# defaults sign them) and core's 501, as raw requests; the page from its <h1> line's end.
RAW_CASES = [
    (b"GET / HTTP/1.1\r\n\r\n", "<p>Your browser sent a request that this server could not "
     "understand.<br />\n</p>\n<hr>\n<address>BANNER Server at localhost Port 80</address>\n"),
    (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: v.example\r\n\r\n",
     "<p>The requested URL's length exceeds the capacity\nlimit for this server.<br />\n</p>\n"
     "<hr>\n<address>BANNER Server at localhost Port 80</address>\n"),
    (b"BREW /missing HTTP/1.1\r\nHost: v.example\r\n\r\n",
     '<p>BREW not supported for current URL.<br />\n</p>\n<hr>\n<address>BANNER Server at '
     '<a href="http://admin.example/?a=1&amp;b=&lt;2&gt;">v.example</a> Port 8000</address>\n'),
]
STATUS_END = "</tr>\n </table>\n{signature}</body></html>\n"


def _fetch(port: int, path: str, host: str) -> tuple[int, str]:
    """The status and body, the server's banner and its own port (the two differ between
    the servers) written BANNER and PORT."""
    status, headers, body = request(port, path=path, headers={"Host": host})
    banner = dict(headers)["Server"]
    return status, body.decode("latin-1").replace(banner, "BANNER").replace(
        f"Port {port}</address>", "Port PORT</address>")


def _fetch_raw(port: int, data: bytes) -> str:
    """The page after its <h1> line, the banner written BANNER."""
    answer = converse(port, data)
    head, _, body = answer.decode("latin-1").partition("\r\n\r\n")
    banner = next(line[8:] for line in head.split("\r\n") if line.startswith("Server: "))
    return body[body.find("</h1>\n") + 6:].replace(banner, "BANNER")


def test_signature_as_apache2(tmp_path):
    apache2 = need_apache2()
    results: dict[str, list] = {"real": [], "ours": []}
    with PrivateNetwork():
        real, mine = apache2_and_heartmonitor(
            apache2, tmp_path, (REAL_PORT, OUR_PORT),
            lambda directory, port: CONF.format(dir=directory, port=port), MODULES)
        with real, mine:
            for name, port in (("real", REAL_PORT), ("ours", OUR_PORT)):
                for path, host, _status, _signature in CASES:
                    results[name].append(_fetch(port, path, host))
                for path, host, _signature in STATUS_CASES:
                    status, body = _fetch(port, path, host)
                    results[name].append((status, body[body.rfind("</tr>"):]))
                for data, _text in RAW_CASES:
                    results[name].append(_fetch_raw(port, data))
    expected = [(status, _page(status, signature)) for _p, _h, status, signature in CASES]
    expected += [(200, STATUS_END.format(signature=signature))
                 for _p, _h, signature in STATUS_CASES]
    expected += [text + "</body></html>\n" for _data, text in RAW_CASES]
    assert results["real"] == expected
    assert results["ours"] == expected


@pytest.mark.parametrize(("text", "url"), [
    ("http://x/", True), ("mailto:a@b", True), ("a+b-c.d:x", True), ("webmaster@x", False),
    (":x", False), ("a b:x", False), ("", False), ("ops", False),
])
def test_is_url_as_ap_is_url(text, url):
    assert is_url(text) is url
