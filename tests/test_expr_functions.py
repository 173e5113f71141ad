"""ap_expr's string functions give apache2's bytes.

apache2 (mod_headers, `Header always set X-Out "expr=%{FUNC:%{HTTP:X-In}}"`) computes
each function of each input; heartmonitor's evaluator computes the same from the same
bytes. The inputs cover ASCII punctuation, bytes above 0x7f, percent escapes good and
bad, base64 good, short and broken (inputs whose outputs stay printable: apache2 refuses
to send a header with a control character).
"""

from __future__ import annotations

import socket

from tests.conftest import need_apache2
from tests.helpers import write
from tests.live import PrivateNetwork, apache2_config, apache2_server

PORT = 8475
FUNCTIONS = ("tolower", "toupper", "escape", "unescape", "base64", "unbase64", "md5", "sha1",
             "ldap")
INPUTS = [
    "Mixed Case Words", "a\\b c<d>e#f\"g=h/i;j,k+l*m(n)o", "ÀÉÎõü ÿ",
    "~!$&'()*+,-./:;<=>?@[]^_`{|}",
    "a%20b%2Fc%2fd", "100%", "%zz%4", "%C3%A9t%C3%A9", "x%00y", "aGVsbG8=", "aGVsbG8",
    "aGV!sbG8=", "YQ", "Y", "YWJjZA==YWJj", "////", "", "   padded",
]


def _apache_outputs(directory) -> dict[tuple[str, str], bytes]:
    headers = "".join(f'Header always set X-{name} "expr=%{{{name}:%{{HTTP:X-In}}}}"\n'
                      for name in FUNCTIONS)
    conf = write(str(directory / "httpd.conf"), apache2_config(
        str(directory), PORT, headers, ["headers", "authz_core"]))
    outputs = {}
    with apache2_server(need_apache2(), conf, str(directory)):
        for value in ["warm-up", *INPUTS]:
            raw = (f"GET / HTTP/1.1\r\nHost: localhost\r\nX-In: {value}\r\n"
                   "Connection: close\r\n\r\n").encode("latin-1")
            with socket.create_connection(("127.0.0.1", PORT), timeout=10) as sock:
                sock.sendall(raw)
                data = b""
                while chunk := sock.recv(65536):
                    data += chunk
            head = data.partition(b"\r\n\r\n")[0]
            for line in head.split(b"\r\n")[1:]:
                name, _sep, out = line.partition(b": ")
                if name.startswith(b"X-") and name[2:].decode() in FUNCTIONS:
                    outputs[(name[2:].decode(), value)] = out
    return outputs


def _ours(function: str, value: str) -> bytes:
    from heartmonitor.apr.tables import Table
    from heartmonitor.expr import Expression
    from heartmonitor.expr.eval import Evaluation, string_function
    from heartmonitor.expr.parser import Node

    class Request:
        headers_in: dict = {}
        headers_out: list = []
        subprocess_env = Table()
        notes = Table()

        def log_error(self, *args) -> None:
            pass

    ctx = Evaluation(Request(), Expression(Node("True"), "x.conf", 1, 0))
    return (string_function(ctx, function, value) or "").encode("latin-1")


def test_string_functions_give_apache2s_bytes(tmp_path):
    with PrivateNetwork():
        real = _apache_outputs(tmp_path)
    # mod_headers leaves out a header whose value is empty.
    expected = {(function, value): real.get((function, value), b"")
                for function in FUNCTIONS for value in INPUTS}
    # The header's value as the server reads it: without the blanks around it.
    ours = {(function, value): _ours(function, value.strip(" "))
            for function in FUNCTIONS for value in INPUTS}
    assert {key: value for key, value in ours.items() if value != expected[key]} == {}
    assert len([key for key in real if real[key]]) > 140
