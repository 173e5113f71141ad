"""The HTTP status codes httpd knows (status_lines in modules/http/http_protocol.c)."""

from __future__ import annotations

KNOWN = frozenset(
    [100, 101, 102, *range(200, 209), 226, *range(300, 306), 307, 308, *range(400, 418),
     421, 422, 423, 424, 426, 428, 429, 431, 451, *range(500, 509), 510, 511]
)


def is_known(status: int) -> bool:
    """ap_index_of_response(status) names a status line of its own (not 500's fallback)."""
    return status in KNOWN
