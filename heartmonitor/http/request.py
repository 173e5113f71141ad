"""request_rec: what a handler sees of one HTTP request, and what it answers."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import unquote_to_bytes

from heartmonitor.apr.tables import Table
from heartmonitor.constants import OK
from heartmonitor.core import method_number

# LimitRequestBody's default since httpd 2.4.54.
LIMIT_REQUEST_BODY = 1 << 30
DISCARD_PIECE = 65536


class BodyError(Exception):
    """Reading the body failed with this HTTP status (ap_map_http_request_error)."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class Request:
    """One request: the parsed request line and headers, the body, the response."""

    # Fixed fields: one is made for every request.
    __slots__ = ("connection", "httpd", "server", "method", "method_number", "header_only",
                 "protocol", "proto_num", "http09", "the_request", "unparsed_uri",
                 "raw_path", "args", "uri", "filename", "headers_in", "hostname",
                 "client_ip", "client_port", "local_ip", "local_port", "per_dir_config",
                 "handler", "document_root", "_subprocess_env", "_notes", "user", "status",
                 "content_type", "headers_out", "body", "allowed", "streamed", "chunked",
                 "keep", "withheld", "close_after")

    def __init__(self, connection, head) -> None:
        self.connection = connection
        httpd = self.httpd = connection.httpd
        self.server = httpd.server_conf
        method = head.method
        self.method = method
        self.method_number = method_number(httpd, method, register=False)
        self.header_only = method == "HEAD"
        self.protocol = head.protocol
        self.proto_num = head.proto_num
        self.http09 = head.http09
        self.the_request = head.the_request
        self.unparsed_uri = head.target
        self.raw_path = head.uri
        self.args: str | None = head.args
        self.uri = head.uri
        self.filename: str | None = None
        self.headers_in: dict[str, str] = head.headers
        self.hostname = head.hostname or ""
        self.client_ip = connection.client_ip
        self.client_port = connection.client_port
        self.local_ip = connection.local_ip
        self.local_port = connection.local_port
        self.per_dir_config: dict = {}
        self.handler: str | None = None
        self.document_root = ""
        # r->subprocess_env (SetEnvIf ...), r->notes: made when first used (most requests
        # never use them); r->user stays unset: no module of heartmonitor authenticates.
        self._subprocess_env: Table | None = None
        self._notes: Table | None = None
        self.user: str | None = None
        self.status = 200
        self.content_type: str | None = None
        self.headers_out: list[tuple[str, str]] = []
        self.body: list[bytes] = []
        self.allowed = 0
        # A large body goes out as it is written (flush): the head is sent then, chunked
        # or not, and whether the connection stays open is settled.
        self.streamed = False
        self.chunked = False
        self.keep = False
        self.withheld = 0  # bytes of a HEAD request's body, counted and let go
        self.close_after = head.close  # the head says the connection ends after this one

    @property
    def subprocess_env(self) -> Table:
        env = self._subprocess_env
        if env is None:
            env = self._subprocess_env = Table()
        return env

    @property
    def notes(self) -> Table:
        notes = self._notes
        if notes is None:
            notes = self._notes = Table()
        return notes

    @property
    def client(self) -> str:
        """The %pI of the client, as error_log lines show it."""
        if ":" in self.client_ip:
            return f"[{self.client_ip}]:{self.client_port}"
        return f"{self.client_ip}:{self.client_port}"

    async def read_body(self, limit: int) -> bytes:
        """Up to `limit` bytes of the request body (less when the body is shorter).

        Raises BodyError: 413 for a Content-Length over LimitRequestBody, 408 when the
        client stops sending, 400 for a malformed body.
        """
        length = self.headers_in.get("content-length", "")
        if length.isdigit() and int(length) > LIMIT_REQUEST_BODY:
            self.log_error("http", 6, f"AH01588: Requested content-length of {int(length)} is "
                           f"larger than the configured limit of {LIMIT_REQUEST_BODY}")
            # httpd's input filter bails out with an error bucket: its 413 page goes out
            # without a Content-Length.
            self.connection.body_broken = True
            raise BodyError(413)
        try:
            return await self.connection.read_body(limit)
        except TimeoutError:
            raise BodyError(408) from None

    def body_pending(self) -> bool:
        """Whether some of the body is still to be read (else read_body answers b"")."""
        return not self.connection.body_done

    async def discard_body(self) -> int:
        """ap_discard_request_body as core's default handler calls it: the body read and
        dropped (after a 100 Continue, if the client waits for one); OK or the error."""
        try:
            while await self.read_body(DISCARD_PIECE):
                pass
        except BodyError as error:
            return error.status
        return OK

    def set_content_type(self, value: str) -> None:
        self.content_type = value

    def write(self, data: bytes | str) -> None:
        if isinstance(data, str):
            data = data.encode("latin-1", "replace")
        self.body.append(data)

    async def flush(self) -> None:
        """Send what was written so far when it is large, waiting while the client is
        behind (see HttpConnection.flush_body); ConnectionError once the client is gone."""
        await self.connection.flush_body(self)

    def log_error(self, module: str, level: int, message: str, status=None,
                  source: str | None = None) -> None:
        """ap_log_rerror: the message with the client's address."""
        self.httpd.log_error(module, level, message, status, source, client=self.client)


# Clients ask for the same few paths: each is worked out once.
@lru_cache(maxsize=256)
def normalise_path(raw: str) -> str | None:
    """The decoded, dot-segment-free path httpd matches sections against; None is 400.

    ap_unescape_url (a bad escape or an encoded NUL is an error; %2F is refused as httpd
    does without AllowEncodedSlashes: None), then ap_getparents and merged slashes.
    """
    if not raw.startswith("/"):
        return None
    if "%" in raw:
        i = raw.find("%")
        while i >= 0:
            pair = raw[i + 1 : i + 3]
            if len(pair) < 2 or not all(c in "0123456789abcdefABCDEF" for c in pair):
                return None
            if pair in ("00", "2f", "2F"):
                return None
            i = raw.find("%", i + 3)
        path = unquote_to_bytes(raw).decode("latin-1")
    else:
        path = raw
    segments: list[str] = []
    for segment in path.split("/")[1:]:
        if segment == ".":
            continue
        if segment == "..":
            if not segments:
                return None
            segments.pop()
            continue
        segments.append(segment)
    trailing = path.endswith("/") or path.endswith("/.") or path.endswith("/..")
    merged = "/" + "/".join(s for s in segments if s)
    if trailing and merged != "/":
        merged += "/"
    return merged
