"""The server's request-head limits (core_server_config), apart from the head reader so
that -t, which sets them, does not compile the reader's patterns."""

from __future__ import annotations

# Defaults of httpd's core (DEFAULT_LIMIT_REQUEST_*).
LIMIT_REQUEST_LINE = 8190
LIMIT_REQUEST_FIELDSIZE = 8190
LIMIT_REQUEST_FIELDS = 100


class Limits:
    """The server's head limits and HttpProtocolOptions (core_server_config)."""

    __slots__ = ("line", "fieldsize", "fields", "strict", "allow09", "registered_methods")

    def __init__(self, line: int = LIMIT_REQUEST_LINE, fieldsize: int = LIMIT_REQUEST_FIELDSIZE,
                 fields: int = LIMIT_REQUEST_FIELDS, strict: bool = True, allow09: bool = True,
                 registered_methods: bool = False) -> None:
        self.line = line
        self.fieldsize = fieldsize
        self.fields = fields
        self.strict = strict
        self.allow09 = allow09
        self.registered_methods = registered_methods
