"""ServerTokens as httpd applies it (ap_get_server_banner): the Server header, the error
page's signature and the 408 of a header timeout (mod_reqtimeout), compared with Debian's
apache2 on one configuration. heartmonitor's own version component is added as a
module adds one: only ServerTokens Full shows it, as it shows modules' components."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from heartmonitor import VERSION_COMPONENT
from tests.conftest import need_apache2
from tests.live import PrivateNetwork, apache2_and_heartmonitor, converse

REAL_PORT, OUR_PORT = 8581, 8582
MODULES = ["authz_core", "reqtimeout"]
CONF = """ServerTokens {tokens}
ServerSignature On
RequestReadTimeout header=1 body=2
<VirtualHost 127.0.0.1:{port}>
    ServerName first.example
</VirtualHost>
<VirtualHost 127.0.0.1:{port}>
    ServerName second.example
    ServerSignature Off
</VirtualHost>
"""
# ServerTokens -> the banner apache2 2.4.71 (Debian's build) sends.
BANNERS = {
    "Prod": "Apache", "ProductOnly": "Apache", "Major": "Apache/2", "Minor": "Apache/2.4",
    "Min": "Apache/2.4.71", "Minimal": "Apache/2.4.71", "OS": "Apache/2.4.71 (Debian)",
    "Full": "Apache/2.4.71 (Debian)",
}
PAGE = ('<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN" '
        '"http://www.w3.org/TR/html4/strict.dtd">\n<html><head>\n<title>{title}</title>\n'
        '</head><body>\n<h1>{title4}</h1>\n{text}{signature}</body></html>\n')


def _exchange(port: int, data: bytes) -> tuple[dict[str, str], str]:
    """(headers without Date, body) of the one response to data."""
    answer = converse(port, data)
    head, _, body = answer.decode("latin-1").partition("\r\n\r\n")
    lines = head.split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if not line.startswith("Date: "))
    return {"status": lines[0], **headers}, body


def _answers(port: int) -> list:
    return [
        _exchange(port, b"GET /missing HTTP/1.1\r\nHost: first.example\r\nConnection: "
                        b"close\r\n\r\n"),
        _exchange(port, b"GET /missing HTTP/1.1\r\nHost: second.example\r\nConnection: "
                        b"close\r\n\r\n"),
    ]


# The header fields stop coming: 408, signed by the connection's base server (the first
# virtual host of the address: the Host header was never read).
TIMED_OUT = b"GET / HTTP/1.1\r\nHost: second.example\r\n"


def _expected(banner: str) -> list:
    signature = f"<hr>\n<address>{banner} Server at first.example Port 80</address>\n"
    not_found = "<p>The requested URL was not found on this server.</p>\n"
    timeout = "<p>Server timeout waiting for the HTTP request from the client.</p>\n"
    page_404 = PAGE.format(title="404 Not Found", title4="Not Found", text=not_found,
                           signature=signature)
    page_404_quiet = PAGE.format(title="404 Not Found", title4="Not Found", text=not_found,
                                 signature="")
    page_408 = PAGE.format(title="408 Request Timeout", title4="Request Timeout",
                           text=timeout, signature=signature)
    head = {"Server": banner, "Connection": "close",
            "Content-Type": "text/html; charset=iso-8859-1"}
    return [
        ({"status": "HTTP/1.1 404 Not Found", **head,
          "Content-Length": str(len(page_404))}, page_404),
        ({"status": "HTTP/1.1 404 Not Found", **head,
          "Content-Length": str(len(page_404_quiet))}, page_404_quiet),
        ({"status": "HTTP/1.1 408 Request Timeout", **head,
          "Content-Length": str(len(page_408))}, page_408),
    ]


# Every keyword; the 408 (a second's wait) with one of them.
@pytest.mark.parametrize(("tokens", "timeout"), [
    ("Prod", False), ("Major", False), ("Minor", False), ("Minimal", False), ("OS", True),
    ("Full", False)])
def test_server_tokens_as_apache2(tmp_path, tokens, timeout):
    apache2 = need_apache2()
    with PrivateNetwork():
        real, ours = apache2_and_heartmonitor(
            apache2, tmp_path, (REAL_PORT, OUR_PORT),
            lambda directory, port: CONF.format(tokens=tokens, port=port), MODULES)
        with real, ours, ThreadPoolExecutor(2) as pool:
            answers = {"real": _answers(REAL_PORT), "ours": _answers(OUR_PORT)}
            if timeout:
                both = [pool.submit(_exchange, port, TIMED_OUT) for port in (REAL_PORT, OUR_PORT)]
                answers["real"].append(both[0].result())
                answers["ours"].append(both[1].result())
    banner = BANNERS[tokens]
    expected = _expected(banner)[: len(answers["real"])]
    assert answers["real"] == expected
    # heartmonitor's version component, as a module's, shows with Full only.
    ours_banner = f"{banner} {VERSION_COMPONENT}" if tokens == "Full" else banner
    assert answers["ours"] == _expected(ours_banner)[: len(answers["ours"])]
