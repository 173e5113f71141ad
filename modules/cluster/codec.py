"""The heartbeat message, `v=1&ready=N&busy=N`, as mod_heartbeat writes it and
mod_heartmonitor reads it (UDP datagrams and POST bodies alike).

Reading follows qs_to_table + atoi exactly: the text ends at the first NUL; tokens are
separated by runs of '&'; a token without '=' has the value "1"; keys and values are
%XX-decoded (a bad escape is kept, '+' is not a space, %00 ends the string); keys are
compared without case and the last duplicate wins; numbers are glibc atoi (leading
white space and sign, trailing junk ignored, 64-bit clamp, truncation to a 32-bit int).
"""

from __future__ import annotations

from heartmonitor.cstr import as_unsigned32, ascii_lower, atoi

MSG_VERSION = 1
MAX_MSG_LEN = 1000
DEFAULT_PORT = 80

_HEX = "0123456789abcdefABCDEF"


def unescape_url(text: str) -> str:
    """ap_unescape_url: decode %XX; a '%' without two hex digits stays; NUL ends it."""
    if "%" not in text:
        return text
    out = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "%" and i + 2 < n and text[i + 1] in _HEX and text[i + 2] in _HEX:
            decoded = chr(int(text[i + 1 : i + 3], 16))
            if decoded == "\0":
                break
            out.append(decoded)
            i += 3
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def qs_to_table(text: str) -> dict[str, str]:
    """{lowercased key: value}; the message text must already be cut at its first NUL."""
    table: dict[str, str] = {}
    for token in text.split("&"):
        if not token:
            continue
        key, sep, value = token.partition("=")
        if not sep:
            value = "1"
        table[ascii_lower(unescape_url(key))] = unescape_url(value)
    return table


def decode(payload: bytes) -> dict[str, str]:
    """The table of a datagram or body (bytes kept one to one in the text)."""
    nul = payload.find(b"\0")
    if nul >= 0:
        payload = payload[:nul]
    return qs_to_table(payload.decode("latin-1"))


def is_heartbeat(table: dict[str, str]) -> bool:
    """hm_processmsg accepts a message when v, busy and ready are all present."""
    return "v" in table and "busy" in table and "ready" in table


def port_of(table: dict[str, str]) -> int:
    return atoi(table["port"]) if "port" in table else DEFAULT_PORT


def numbers(table: dict[str, str]) -> tuple[int, int]:
    """(busy, ready) as C ints."""
    return atoi(table["busy"]), atoi(table["ready"])


def encode(ready: int, busy: int) -> bytes:
    """mod_heartbeat's datagram: "v=%u&ready=%u&busy=%u", no newline, no NUL."""
    return f"v={MSG_VERSION}&ready={as_unsigned32(ready)}&busy={as_unsigned32(busy)}".encode()


def printable(value: str) -> str:
    """A decoded value as the log shows it (the text holds one character per byte)."""
    return value.encode("latin-1").decode("utf-8", "surrogateescape")
