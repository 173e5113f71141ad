"""The HTTP side: Listen sockets, one h11 connection per client, httpd's responses.

Every read has a deadline (Timeout for a request, KeepAliveTimeout between requests), a
request head is bounded, and a body is read only as far as a handler asks plus a bounded
discard; a client that stalls or floods only ever holds its own connection.
"""

from __future__ import annotations

import asyncio
import errno
import socket
import time
from email.utils import formatdate

import h11

from heartmonitor import SERVER_BANNER, log
from heartmonitor.listen import bind_order, covered_by_dual_stack, falls_back_to_ipv4

from .errors import REASONS, error_page
from .request import Request
from .scoreboard import SERVER_BUSY_WRITE, Scoreboard

DEFAULT_TIMEOUT = 60.0
KEEPALIVE_TIMEOUT = 5.0
MAX_KEEPALIVE_REQUESTS = 100
MAX_HEAD = 8190 * 2
DISCARD_LIMIT = 1 << 20
LINGER_SECONDS = 2.0
LISTEN_BACKLOG = 511
CLOSING_STATUSES = (400, 408, 413)


class BindError(Exception):
    def __init__(self, address: str, errno_value: int) -> None:
        super().__init__(address)
        self.address = address
        self.errno = errno_value


def show_address(ip: str, port: int) -> str:
    """%pI: ip:port, with brackets around an IPv6 address."""
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def listener_key(listener) -> tuple:
    family = socket.AF_INET6 if listener.family == socket.AF_INET6 else socket.AF_INET
    return (family, listener.ip, listener.port, listener.host is not None)


def open_listeners(listeners, existing: dict, warn=None) -> dict:
    """ap_setup_listeners: {key: listening socket}, reusing sockets already open.

    IPv6 sockets are dual-stack (IPV6_V6ONLY off, as httpd built with v4-mapped addresses),
    so `Listen 80` is one [::] socket (heartmonitor.listen decides the order and skips).
    Raises BindError for the first address that cannot be bound (new sockets closed).
    """
    sockets: dict = {}
    opened = []
    bound: list = []
    ordered = bind_order(listeners)
    try:
        for index, listener in enumerate(ordered):
            key = listener_key(listener)
            if key in sockets or covered_by_dual_stack(listener, bound):
                continue
            if key in existing:
                sockets[key] = existing[key]
                bound.append(listener)
                continue
            family, ip, port, _specific = key
            try:
                sock = socket.socket(family, socket.SOCK_STREAM)
            except OSError as error:
                if family == socket.AF_INET6 and listener.host is None:
                    continue  # alloc_listener: no IPv6 on this host
                raise BindError(show_address(ip, port), error.errno or errno.EAFNOSUPPORT
                                ) from None
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if family == socket.AF_INET6:
                    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
                sock.bind((ip, port))
                sock.listen(LISTEN_BACKLOG)
            except OSError as error:
                sock.close()
                failure = BindError(show_address(ip, port), error.errno or errno.EADDRNOTAVAIL)
                following = ordered[index + 1] if index + 1 < len(ordered) else None
                if falls_back_to_ipv4(listener, following):
                    if warn is not None:
                        warn(failure)
                    continue
                raise failure from None
            sock.setblocking(False)
            opened.append(sock)
            sockets[key] = sock
            bound.append(listener)
    except BindError:
        for sock in opened:
            sock.close()
        raise
    return sockets


class HttpServer:
    """Accepts on the Listen sockets and hands each request to the dispatcher."""

    def __init__(self, httpd, scoreboard: Scoreboard) -> None:
        self.httpd = httpd
        self.scoreboard = scoreboard
        self.servers: dict[tuple, asyncio.AbstractServer] = {}
        self.connections: set[HttpConnection] = set()
        self.timeout = DEFAULT_TIMEOUT
        self.keepalive_timeout = KEEPALIVE_TIMEOUT
        self.reconfigure(httpd)

    def reconfigure(self, httpd) -> None:
        """A (graceful) restart: new requests see the new configuration."""
        self.httpd = httpd
        self.timeout = httpd.extensions.get("timeout", DEFAULT_TIMEOUT) or DEFAULT_TIMEOUT

    async def listen(self, sockets: dict) -> None:
        """Serve exactly these sockets: start the new ones, close those left out."""
        for key in [k for k in self.servers if k not in sockets]:
            self.servers.pop(key).close()
        for key, sock in sockets.items():
            if key not in self.servers:
                self.servers[key] = await asyncio.start_server(self._accept, sock=sock,
                                                               limit=1 << 16)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        connection = HttpConnection(self, reader, writer)
        self.connections.add(connection)
        try:
            await connection.serve()
        finally:
            self.connections.discard(connection)

    async def drop_connections(self, graceful: bool) -> None:
        """Close idle connections; others now (restart) or after their request (graceful)."""
        for connection in list(self.connections):
            connection.closing = True
            if not graceful or connection.idle:
                connection.abort()
        if graceful:
            deadline = time.monotonic() + self.timeout
            while self.connections and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
        for connection in list(self.connections):
            connection.abort()

    async def close(self, graceful: bool = False) -> None:
        """Stop accepting, then end the connections."""
        for server in self.servers.values():
            server.close()
        await self.drop_connections(graceful)
        self.servers = {}


class HttpConnection:
    """conn_rec: one client connection, requests read and answered one after another."""

    def __init__(self, server: HttpServer, reader, writer) -> None:
        self.server = server
        self.reader = reader
        self.writer = writer
        self.h11 = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEAD)
        peer = writer.get_extra_info("peername") or ("", 0)
        local = writer.get_extra_info("sockname") or ("", 0)
        self.client_ip, self.client_port = _plain_ip(peer[0]), peer[1]
        self.local_ip, self.local_port = _plain_ip(local[0]), local[1]
        self.requests = 0
        self.idle = True
        self.closing = False
        self.body_done = True
        self.body_bytes = 0

    @property
    def httpd(self):
        return self.server.httpd

    def abort(self) -> None:
        transport = self.writer.transport
        if not transport.is_closing():
            transport.abort()

    async def _next_event(self, timeout: float):
        while True:
            event = self.h11.next_event()
            if event is not h11.NEED_DATA:
                return event
            data = await asyncio.wait_for(self.reader.read(65536), timeout)
            self.h11.receive_data(data)

    async def serve(self) -> None:
        scoreboard = self.server.scoreboard
        scoreboard.connections += 1
        try:
            while not self.closing:
                timeout = self.server.keepalive_timeout if self.requests else self.server.timeout
                self.idle = True
                try:
                    event = await self._next_event(timeout)
                except TimeoutError:
                    if self.h11.trailing_data[0] and self.h11.our_state is h11.SEND_RESPONSE:
                        await self._send_error(408)
                    break
                except h11.RemoteProtocolError as error:
                    if self.h11.our_state is h11.SEND_RESPONSE:
                        await self._send_error(error.error_status_hint or 400)
                    break
                except (ConnectionError, OSError):
                    break
                if not isinstance(event, h11.Request):
                    break
                self.idle = False
                self.requests += 1
                keep = await self._handle(event)
                if not keep or self.h11.our_state is not h11.DONE:
                    break
                try:
                    self.h11.start_next_cycle()
                except h11.LocalProtocolError:
                    break
        finally:
            scoreboard.connections -= 1
            await self._close()

    async def _handle(self, event: h11.Request) -> bool:
        from .dispatch import process_request

        request = Request(self, event.method.decode("latin-1"),
                          event.target.decode("latin-1"), event.http_version.decode(),
                          event.headers)
        self.body_done = False
        self.body_bytes = 0
        scoreboard = self.server.scoreboard
        worker = scoreboard.grab()
        started = time.time()
        if worker is not None:
            worker.start_time = started
            worker.client = self.client_ip
            worker.request = request.the_request[:63]
            worker.protocol = "http/1.1"  # the connection's protocol, as httpd names it
            worker.vhost = f"{self.httpd.server_conf.server_hostname or ''}:{self.local_port}"
            worker.conn_count = self.requests - 1 if self.requests > 1 else 0
            worker.status = SERVER_BUSY_WRITE
        try:
            status = await process_request(self.httpd, request)
        except (TimeoutError, ConnectionError, h11.RemoteProtocolError):
            scoreboard.release(worker)
            return False
        except Exception as error:  # a handler's bug costs one request, not the server
            self.httpd.log_error("core", log.ERR, f"AH00524: Handler for {request.handler} "
                                 f"failed: {error!r}", client=request.client)
            status = 500
        try:
            sent = await self._respond(request, status)
        except (ConnectionError, OSError, h11.LocalProtocolError):
            scoreboard.release(worker)
            return False
        stopped = time.time()
        if worker is not None:
            worker.access_count += 1
            worker.my_access_count += 1
            worker.bytes_served += sent
            worker.my_bytes_served += sent
            worker.conn_bytes += sent
            worker.stop_time = stopped
            worker.last_used = stopped
            worker.duration += stopped - started
        scoreboard.release(worker)
        return self.h11.our_state is h11.DONE and self.h11.their_state is h11.DONE

    async def read_body(self, limit: int) -> bytes:
        """Body bytes up to limit; each wait bounded by Timeout."""
        chunks = []
        have = 0
        while have < limit and not self.body_done:
            event = await self._next_event(self.server.timeout)
            if isinstance(event, h11.Data):
                data = bytes(event.data)
                self.body_bytes += len(data)
                data = data[: limit - have]  # the rest of this piece is discarded
                chunks.append(data)
                have += len(data)
            elif isinstance(event, h11.EndOfMessage):
                self.body_done = True
            else:
                break
        return b"".join(chunks)

    async def _discard_body(self) -> bool:
        """ap_discard_request_body, bounded: True when the body was read to its end."""
        while not self.body_done:
            if self.body_bytes > DISCARD_LIMIT:
                return False
            try:
                event = await self._next_event(self.server.timeout)
            except (TimeoutError, h11.RemoteProtocolError, ConnectionError):
                return False
            if isinstance(event, h11.Data):
                self.body_bytes += len(event.data)
            elif isinstance(event, h11.EndOfMessage):
                self.body_done = True
            else:
                return False
        return True

    async def _respond(self, request: Request, status: int) -> int:
        method = request.method
        if status == 0:
            status = request.status
            body = b"".join(request.body)
            content_type = request.content_type
            headers = list(request.headers_out)
        else:
            body = error_page(status, method)
            content_type = "text/html; charset=iso-8859-1"
            headers = [h for h in request.headers_out if h[0] == "Allow"]
        # After a body error httpd reads no more of it and closes the connection.
        close = (status in CLOSING_STATUSES or self.closing or not await self._discard_body()
                 or self.requests >= MAX_KEEPALIVE_REQUESTS)
        return await self._send(request, status, headers, body, content_type, close)

    async def _send(self, request, status, headers, body, content_type, close) -> int:
        out = [("Date", formatdate(usegmt=True)), ("Server", SERVER_BANNER)]
        out.extend(headers)
        if not (request.header_only and status >= 400):
            # httpd sends no body, and so no length, for a HEAD request's error.
            out.append(("Content-Length", str(len(body))))
        wants_keepalive = "keep-alive" in request.headers_in.get("connection", "").lower()
        if close:
            out.append(("Connection", "close"))
        elif wants_keepalive and request.protocol == "HTTP/1.1":
            left = MAX_KEEPALIVE_REQUESTS - self.requests + 1
            out.append(("Keep-Alive", f"timeout={int(self.server.keepalive_timeout)}, "
                                      f"max={left}"))
            out.append(("Connection", "Keep-Alive"))
        if content_type:
            out.append(("Content-Type", content_type))
        await self._write(status, out, body, request.header_only, self.server.timeout)
        return len(body)

    async def _write(self, status: int, headers: list, body: bytes, header_only: bool,
                     timeout: float) -> None:
        """The response through h11, onto the wire."""
        data = self.h11.send(h11.Response(status_code=status, headers=headers,
                                          reason=REASONS.get(status, "").encode()))
        if header_only and status >= 400:
            # h11 would announce a chunked body; httpd sends neither length nor framing.
            data = data.replace(b"Transfer-Encoding: chunked\r\n", b"", 1)
        if not header_only and body:
            data += self.h11.send(h11.Data(data=body))
        data += self.h11.send(h11.EndOfMessage())
        self.writer.write(data)
        await asyncio.wait_for(self.writer.drain(), timeout)

    async def _send_error(self, status: int) -> None:
        """An error before there is a request to answer (bad head, timeout): then close."""
        body = error_page(status, "GET")
        headers = [("Date", formatdate(usegmt=True)), ("Server", SERVER_BANNER),
                   ("Content-Length", str(len(body))), ("Connection", "close"),
                   ("Content-Type", "text/html; charset=iso-8859-1")]
        try:
            await self._write(status, headers, body, False, 5.0)
        except (TimeoutError, h11.LocalProtocolError, ConnectionError, OSError):
            pass

    async def _close(self) -> None:
        """Lingering close: stop writing, read what the client still sends, then close."""
        transport = self.writer.transport
        if transport.is_closing():
            return
        try:
            if self.writer.can_write_eof():
                self.writer.write_eof()
            deadline = time.monotonic() + LINGER_SECONDS
            received = 0
            while received < DISCARD_LIMIT:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                data = await asyncio.wait_for(self.reader.read(65536), left)
                if not data:
                    break
                received += len(data)
        except (TimeoutError, ConnectionError, OSError):
            pass
        finally:
            transport.close()


def _plain_ip(ip: str) -> str:
    """APR prints an IPv4-mapped IPv6 peer as plain IPv4."""
    if ip.startswith("::ffff:") and "." in ip:
        return ip[7:]
    return ip.split("%", 1)[0]
