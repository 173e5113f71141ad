"""The HTTP side: Listen sockets, one asyncio.Protocol per client, httpd's responses.

A request head is read as httpd reads it (head.py); every read has a deadline (the
header and body timeouts of mod_reqtimeout when it is loaded, else Timeout;
KeepAliveTimeout between requests), a head is bounded by the LimitRequest* limits,
and a body is read only as far as a handler asks plus a bounded discard; a client that
stalls or floods only ever holds its own connection.
"""

from __future__ import annotations

import asyncio
import errno
import math
import os
import resource
import socket
import time
from email.utils import formatdate

from heartmonitor import log
from heartmonitor.apr.sockaddr import show_address
from heartmonitor.core import method_number
from heartmonitor.listen import bind_order, covered_by_dual_stack, falls_back_to_ipv4
from heartmonitor.server_rec import ServerRec
from heartmonitor.vhost import base_server, select_server

from . import dispatch
from .dispatch import process_request
from .errors import REASONS, error_page
from .head import Head, HeadCache, Limits, read_head
from .keepalive import DROPS_CONNECTION, keep_alive_wait, resolved, set_keepalive
from .request import BodyError, Request
from .scoreboard import SERVER_BUSY_WRITE, Scoreboard
from .signature import psignature, server_banner

DEFAULT_TIMEOUT = 60.0
DISCARD_LIMIT = 1 << 20
LINGER_SECONDS = 2.0
LISTEN_BACKLOG = 511
ACCEPT_PAUSE = 0.5  # after EMFILE/ENFILE on accept, as httpd's listener backs off
ACCEPT_BATCH = 64  # connections accepted per wake-up
FD_RESERVE = 32  # descriptors kept for storage writes, logs and restarts
# ap_status_drops_connection
WRITE_PER_TURN = 1 << 20  # body bytes handed to the transport per turn of the loop
# A handler's output of this many bytes is sent before it ends (no Content-Length then):
# httpd does the same past its first buffer.
STREAM_AT = 1 << 16
# Timeout 0 does not limit the wait for a new connection's first byte: httpd never sees
# such a connection before then (the kernel holds it back, TCP_DEFER_ACCEPT).
FIRST_BYTE_WAIT = DEFAULT_TIMEOUT
# mod_reqtimeout's defaults: header=20-40,MinRate=500 body=20,MinRate=500
HEADER_TIMEOUT, HEADER_MAX_TIMEOUT, BODY_TIMEOUT, MIN_RATE = 20.0, 40.0, 20.0, 500.0
class BindError(Exception):
    def __init__(self, address: str, errno_value: int) -> None:
        super().__init__(address)
        self.address = address
        self.errno = errno_value


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
        self.servers: dict[tuple, Acceptor] = {}
        self.opening: set[asyncio.Task] = set()
        self.connections: set[HttpConnection] = set()
        self.timeout = DEFAULT_TIMEOUT
        self.limits = Limits()
        self.heads = HeadCache()
        self.reqtimeout = False
        self.accept_logged = -60.0
        self.fd_budget = _descriptor_budget(0)
        self.held_back: set[Acceptor] = set()
        self.reconfigure(httpd)

    def reconfigure(self, httpd) -> None:
        """A (graceful) restart: new requests see the new configuration."""
        self.httpd = httpd
        self.timeout = socket_timeout(httpd.extensions.get("timeout"))
        self.limits = _limits(httpd)
        self.heads = HeadCache()  # read with this configuration's limits and methods
        self.reqtimeout = httpd.module_named("reqtimeout_module") is not None
        self.stages = httpd.extensions.get("reqtimeout") or {}

        dispatch.forget_cached(httpd)

    def _stage(self, name: str, default: tuple) -> tuple[float, float, float]:
        """(first wait, longest wait or 0, MinRate or 0) of a mod_reqtimeout stage."""
        if not self.reqtimeout:
            return self.timeout, 0.0, 0.0
        first, longest, rate = self.stages.get(name, default)
        if not first:  # the stage is off: the socket's Timeout
            return self.timeout, 0.0, 0.0
        return float(first), float(longest), float(rate)

    def header_timeouts(self) -> tuple[float, float, float]:
        """(first wait, longest total, MinRate) for reading a request head."""
        return self._stage("header", (HEADER_TIMEOUT, HEADER_MAX_TIMEOUT, MIN_RATE))

    def body_timeouts(self) -> tuple[float, float, float]:
        return self._stage("body", (BODY_TIMEOUT, 0.0, MIN_RATE))

    async def listen(self, sockets: dict) -> None:
        """Serve exactly these sockets: start the new ones, close those left out."""
        self.fd_budget = _descriptor_budget(len(self.connections))
        for key in [k for k in self.servers if k not in sockets]:
            self.servers.pop(key).close()
        for key, sock in sockets.items():
            if key not in self.servers:
                self.servers[key] = Acceptor(self, sock)

    def accept_failed(self, error: OSError) -> None:
        """httpd's line for an accept that failed for lack of resources, once a minute."""
        now = time.monotonic()
        if now - self.accept_logged >= 60.0:
            self.accept_logged = now
            self.httpd.log_error("core", log.ERR, f"({error.errno}){error.strerror}: "
                                 "AH02179: apr_socket_accept: (client socket)")

    def opened(self, task: asyncio.Task) -> None:
        """A transport is made (or the client left first: nothing to serve, no traceback)."""
        self.opening.discard(task)
        if not task.cancelled():
            task.exception()
        self.connection_closed()

    def connection_closed(self) -> None:
        """A descriptor may have come free: acceptors held back by the budget resume."""
        if self.held_back and len(self.connections) + len(self.opening) < self.fd_budget:
            for acceptor in self.held_back:
                acceptor.resume()
            self.held_back.clear()

    async def drop_connections(self, graceful: bool) -> None:
        """Close idle connections; others now (restart) or after their request (graceful)."""
        for connection in list(self.connections):
            connection.closing = True
            if not graceful or connection.idle:
                connection.abort()
        if graceful:  # a restart never waits without limit, whatever Timeout says
            wait = self.timeout if 0 < self.timeout < math.inf else DEFAULT_TIMEOUT
            deadline = time.monotonic() + wait
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


def socket_timeout(configured: float | None) -> float:
    """Timeout as APR applies it to httpd's sockets: a negative value (as Timeout -1 or a
    number too long for atoi, which saturates to -1) waits without limit, and 0 not at
    all (a read finding no data fails at once)."""
    if configured is None:
        return DEFAULT_TIMEOUT
    return math.inf if configured < 0 else configured


def _limits(httpd) -> Limits:
    """The main server's LimitRequest* values and HttpProtocolOptions."""
    configured = httpd.extensions.get("http_limits") or Limits()
    options = httpd.extensions.get("http_protocol_options", {}).get(id(httpd.server_conf), ())
    return Limits(configured.line, configured.fieldsize, configured.fields,
                  strict=("conformance", "unsafe") not in options,
                  allow09=("http09", "require1.0") not in options,
                  registered_methods=("methods", "registeredmethods") in options)


def _descriptor_budget(connections: int) -> int:
    """How many connections may be open: RLIMIT_NOFILE less what is open besides them
    and a reserve, so that storage writes and logs always find a descriptor."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return 1 << 30
    try:
        in_use = len(os.listdir("/proc/self/fd")) - connections
    except OSError:
        in_use = 64
    return max(soft - in_use - FD_RESERVE, 1)


class Acceptor:
    """Accepts on one Listen socket; held back while the descriptor budget is spent,
    paused briefly after an accept fails for lack of resources (as httpd's listener)."""

    def __init__(self, server: HttpServer, sock: socket.socket) -> None:
        self.server = server
        self.sock = sock
        self.loop = asyncio.get_running_loop()
        self.active = False
        self.closed = False
        self.resume()

    def resume(self) -> None:
        if not self.active and not self.closed:
            self.loop.add_reader(self.sock.fileno(), self._accept)
            self.active = True

    def pause(self) -> None:
        if self.active:
            self.loop.remove_reader(self.sock.fileno())
            self.active = False

    def _accept(self) -> None:
        server = self.server
        for _ in range(ACCEPT_BATCH):
            if len(server.connections) + len(server.opening) >= server.fd_budget:
                self.pause()
                server.held_back.add(self)
                server.accept_failed(OSError(errno.EMFILE, os.strerror(errno.EMFILE)))
                return
            try:
                conn, _address = self.sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as error:
                if error.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    server.accept_failed(error)
                    self.pause()
                    self.loop.call_later(ACCEPT_PAUSE, self.resume)
                    return
                if error.errno in _ACCEPT_TRANSIENT:
                    continue
                server.accept_failed(error)
                return
            conn.setblocking(False)
            task = self.loop.create_task(self.loop.connect_accepted_socket(
                lambda: HttpConnection(server), conn))
            server.opening.add(task)
            task.add_done_callback(server.opened)

    def close(self) -> None:
        self.pause()
        self.closed = True
        self.server.held_back.discard(self)
        self.sock.close()


# Errors of one connection that accept(2) reports: the next one may be fine (unixd.c).
_ACCEPT_TRANSIENT = frozenset((errno.ECONNABORTED, errno.EPROTO, errno.ECONNRESET,
                               errno.ETIMEDOUT, errno.EHOSTUNREACH, errno.ENETUNREACH,
                               errno.EPERM))
_HEAD, _REQUEST, _LINGER, _CLOSED = range(4)
_date_cache: list = [0, ""]


def http_date() -> str:
    """The Date header, formatted once a second."""
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache[0] = now
        _date_cache[1] = formatdate(now, usegmt=True)
    return _date_cache[1]


class HttpConnection(asyncio.Protocol):
    """conn_rec: one client connection, requests read and answered one after another."""

    def __init__(self, server: HttpServer) -> None:
        self.server = server
        self.loop = asyncio.get_running_loop()
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.state = _HEAD
        self.requests = 0
        self.idle = True
        self.closing = False
        self.eof = False
        self.head_started = False
        self.waiter: asyncio.Future | None = None
        self.drain_waiter: asyncio.Future | None = None
        self.paused = False
        self.write_paused = False
        self.timer: asyncio.TimerHandle | None = None
        self.deadline = 0.0
        self.max_deadline = 0.0
        self.rate = 0.0
        self.lingered = 0
        self.client_ip, self.client_port = "", 0
        self.local_ip, self.local_port = "", 0
        self.local_host: str | None = None  # the local address's name (UseCanonicalName DNS)
        # The request body being read: bytes left (Content-Length) or chunked state.
        self.body_done = True
        self.body_left = 0
        self.chunked = False
        self.chunk_left = 0
        self.body_bytes = 0
        self.expect_100 = False  # r->expecting_100: the client waits for a 100 Continue
        self.proto_num = 1001
        self.body_broken = False  # a chunk could not be parsed, or the body is too large
        self.waited = False
        self.sent = 0
        self.task: asyncio.Task | None = None  # serving the current request
        self.keepalive_wait = 0.0  # seconds, set by the last response that kept the connection
        # c->base_server: the first server on the address, found once per configuration.
        self.base_server: ServerRec | None = None
        self.trace_head = b""  # the head of a TRACE request, as read
        self.base_httpd = None

    @property
    def httpd(self):
        return self.server.httpd

    @property
    def live_transport(self) -> asyncio.Transport:
        """The connection's transport, for the steps that run only after connection_made."""
        transport = self.transport
        if transport is None:
            raise ConnectionError("no transport before connection_made")
        return transport

    # -- asyncio.Protocol ---------------------------------------------------------------

    # A stream server hands its protocol a Transport, narrower than the BaseTransport
    # asyncio.Protocol declares.
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self.transport = transport
        peer = transport.get_extra_info("peername") or ("", 0)
        local = transport.get_extra_info("sockname") or ("", 0)
        self.client_ip, self.client_port = _plain_ip(peer[0]), peer[1]
        self.local_ip, self.local_port = _plain_ip(local[0]), local[1]
        self.server.connections.add(self)
        self.server.scoreboard.connections += 1
        first, longest, rate = self.server.header_timeouts()
        self._arm(first or FIRST_BYTE_WAIT, longest, rate)

    def data_received(self, data: bytes) -> None:
        if self.state == _LINGER:
            self.lingered += len(data)
            if self.lingered > DISCARD_LIMIT:
                self._finish()
            return
        self.buffer += data
        if self.rate:
            # mod_reqtimeout's MinRate: each byte buys time, up to the longest wait.
            self.deadline = min(self.deadline + len(data) / self.rate, self.max_deadline)
        if self.state == _HEAD:
            if not self.head_started:
                self.head_started = True
                if self.requests:  # the keep-alive wait is over: the head's own deadline
                    self._arm(*self.server.header_timeouts())
            self._try_head()
            if self.state == _HEAD and self.server.header_timeouts()[0] == 0:
                self._head_timeout()  # Timeout 0: the rest of the head is not there
        else:
            waiter = self.waiter
            if waiter is not None and not waiter.done():
                waiter.set_result(None)
            if len(self.buffer) > DISCARD_LIMIT:
                self.live_transport.pause_reading()
                self.paused = True

    def eof_received(self) -> bool:
        self.eof = True
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        if self.state == _HEAD:
            if b"\n" in self.buffer.lstrip(b"\r\n"):  # a request line, then no blank line
                self._eof_in_head()
            else:
                self._finish()
        elif self.state == _LINGER:
            self._finish()
        return True

    def connection_lost(self, exc) -> None:
        task = self.task
        if task is not None and not task.done() and not self.idle:
            # Nobody will read the answer: a handler still working (a large status page
            # when a restart closed the connection) stops at its next turn.
            task.cancel()
        if self.state != _CLOSED:
            self.state = _CLOSED
            self.server.connections.discard(self)
            self.server.scoreboard.connections -= 1
            self.server.connection_closed()
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        for waiter in (self.waiter, self.drain_waiter):  # each one has someone awaiting it
            if waiter is not None and not waiter.done():
                waiter.set_exception(ConnectionResetError())

    def pause_writing(self) -> None:
        self.write_paused = True

    def resume_writing(self) -> None:
        self.write_paused = False
        waiter, self.drain_waiter = self.drain_waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # -- deadlines ----------------------------------------------------------------------

    def _arm(self, seconds: float, longest: float = 0.0, rate: float = 0.0) -> None:
        """A new deadline; with a rate, data extends it (up to `longest`, when given)."""
        now = self.loop.time()
        self.deadline = now + seconds
        self.rate = rate
        self.max_deadline = now + longest if longest else math.inf
        timer = self.timer
        if seconds == math.inf:  # Timeout without limit
            if timer is not None:
                timer.cancel()
                self.timer = None
            return
        if timer is None or timer.when() > self.deadline:
            if timer is not None:
                timer.cancel()
            self.timer = self.loop.call_at(self.deadline, self._expired)

    def _expired(self) -> None:
        self.timer = None
        if self.state == _CLOSED:
            return
        if self.loop.time() < self.deadline:
            self.timer = self.loop.call_at(self.deadline, self._expired)
            return
        if self.state == _HEAD:
            self._head_timeout()
        elif self.state == _LINGER:
            self._finish()
        else:
            waiter = self.waiter or self.drain_waiter
            if waiter is not None and not waiter.done():
                waiter.set_exception(TimeoutError())

    def _head_timeout(self) -> None:
        """httpd: a timeout in the request line closes; among the header fields, 408.
        With Timeout 0 the read fails rather than times out: 400 after a request line."""
        if self.server.header_timeouts()[0] == 0:
            if self.head_started and b"\n" in self.buffer.lstrip(b"\r\n"):
                self._eof_in_head()
            else:
                self._close()
            return
        if self.server.reqtimeout and self.head_started:
            self._log(log.INFO, "AH01382: Request header read timeout", "reqtimeout")
        if self.head_started and b"\n" in self.buffer.lstrip(b"\r\n"):
            self.state = _REQUEST
            self._send_simple(408)
        self._close()

    # -- requests -----------------------------------------------------------------------

    def _try_head(self) -> None:
        server = self.server
        used, head = read_head(self.buffer, server.limits, self._method_number, server.heads)
        if head is None:
            return
        if head.method == "TRACE":  # its echo spells the field names as the client did
            self.trace_head = bytes(self.buffer[:used])
        del self.buffer[:used]
        self.state = _REQUEST
        self.idle = False
        self.requests += 1
        self.task = self.loop.create_task(self._serve(head))

    def _eof_in_head(self) -> None:
        """The client stopped sending within the header fields: httpd answers 400."""
        head = Head()
        head.close = True
        head.fail(400, log.DEBUG, "AH00567: request failed: error reading the headers")
        self.buffer.clear()
        self.state = _REQUEST
        self.requests += 1
        self.task = self.loop.create_task(self._serve(head))

    def _method_number(self, method: str) -> int:
        return method_number(self.httpd, method, register=False)

    def _log(self, level: int, message: str, module: str = "core") -> None:
        self.httpd.log_error(module, level, message, client=_show(self.client_ip,
                                                                    self.client_port))

    async def _serve(self, head: Head) -> None:
        try:
            keep = await self._handle(head)
        except (ConnectionError, OSError, TimeoutError):
            keep = False
        if self.state == _CLOSED:
            return
        if keep and not self.closing:
            self.state = _HEAD
            self.idle = True
            self.head_started = bool(self.buffer)
            if self.paused:
                self.paused = False
                self.live_transport.resume_reading()
            if self.buffer:
                self._arm(*self.server.header_timeouts())
            else:
                self._arm(self.keepalive_wait)
            if self.buffer:
                self._try_head()
            elif self.eof:
                self._finish()
        else:
            self._close()

    async def _handle(self, head: Head) -> bool:
        """One request, answered; True when the connection stays open for the next."""
        for module, level, message in head.logs:
            self._log(level, message, module)
        request = Request(self, head)
        self.body_done = head.length == 0 and not head.chunked
        self.body_left = head.length
        self.chunked = head.chunked
        self.chunk_left = -1
        self.body_bytes = 0
        self.body_broken = False
        self.waited = False
        self.expect_100 = head.expect_100
        self.proto_num = head.proto_num
        if head.status != 200:
            # The Host's server answers (its KeepAlive settings), as ap_read_request has
            # updated r->server before it checks Expect.
            request.server = select_server(self.httpd, self.local_ip, self.local_port,
                                           request.hostname)
            if head.status == 501:  # RegisteredMethods: no method allowed yet but TRACE
                request.headers_out.append(("Allow", dispatch.allow(self.httpd,
                                                                    request.server, "")))
            # ap_read_request failed: httpd ends the connection after the error, whatever
            # its Connection header said.
            await self._respond(request, head.status, head.close, head.notes)
            return False
        httpd = request.httpd
        scoreboard = self.server.scoreboard
        worker = scoreboard.grab()
        started = time.time()
        if worker is not None:
            worker.start_time = started
            worker.client = self.client_ip
            worker.request = request.the_request[:63]
            worker.protocol = "http/1.1"  # the connection's protocol, as httpd names it
            worker.vhost = f"{httpd.server_conf.server_hostname or ''}:{self.local_port}"
            worker.conn_count = self.requests - 1 if self.requests > 1 else 0
            worker.status = SERVER_BUSY_WRITE

        try:
            status = await process_request(httpd, request)
        except (TimeoutError, ConnectionError, asyncio.CancelledError):
            scoreboard.release(worker)  # cancelled: the connection is gone
            return False
        except Exception as error:  # a handler's bug costs one request, not the server
            httpd.log_error("core", log.ERR, f"AH00524: Handler for {request.handler} "
                                 f"failed: {error!r}", client=request.client)
            status = 500
        try:
            keep = await self._respond(request, status, head.close)
        except (ConnectionError, OSError, TimeoutError):
            scoreboard.release(worker)
            return False
        stopped = time.time()
        if worker is not None:
            sent = self.sent
            worker.access_count += 1
            worker.my_access_count += 1
            worker.bytes_served += sent
            worker.my_bytes_served += sent
            worker.conn_bytes += sent
            worker.stop_time = stopped
            worker.last_used = stopped
            worker.duration += stopped - started
        scoreboard.release(worker)
        return keep

    # -- the body -----------------------------------------------------------------------

    async def _wait_data(self) -> None:
        """Until more bytes (or EOF) arrive; TimeoutError after the body timeout."""
        if self.eof:
            raise BodyError(400)
        if self.paused:
            self.paused = False
            self.live_transport.resume_reading()
        if not self.waited:  # the body's deadline runs from its first wait
            self.waited = True
            self._arm(*self.server.body_timeouts())
        elif not self.rate:
            self._arm(self.server.timeout)  # Timeout: each wait on its own
        self.waiter = self.loop.create_future()
        try:
            await self.waiter
        finally:
            self.waiter = None

    def _take_body(self, want: int) -> bytes | None:
        """Body bytes from the buffer (b"" at the end), None when more must arrive."""
        buffer = self.buffer
        if not self.chunked:
            count = min(self.body_left, len(buffer), want)
            if count == 0:
                return None
            data = bytes(buffer[:count])
            del buffer[:count]
            self.body_left -= count
            self.body_done = self.body_left == 0
            return data
        while True:
            if self.chunk_left > 0:
                count = min(self.chunk_left, len(buffer), want)
                if count == 0:
                    return None
                data = bytes(buffer[:count])
                del buffer[:count]
                self.chunk_left -= count
                if self.chunk_left == 0:
                    self.chunk_left = -2  # the CRLF after the data
                return data
            newline = buffer.find(b"\n")
            if newline < 0:
                if len(buffer) > 8192:
                    raise self._chunk_error()
                return None
            line = bytes(buffer[:newline]).rstrip(b"\r")
            del buffer[: newline + 1]
            if self.chunk_left == -2:
                if line:
                    raise self._chunk_error()
                self.chunk_left = -1
                continue
            if self.chunk_left == -3:  # trailer fields, up to the blank line
                if not line:
                    self.body_done = True
                    return b""
                continue
            size = line.split(b";", 1)[0].strip(b" \t")
            if not size or len(size) > 16 or size.strip(b"0123456789abcdefABCDEF"):
                raise self._chunk_error()
            self.chunk_left = int(size, 16)
            if self.chunk_left == 0:
                self.chunk_left = -3

    def _chunk_error(self) -> BodyError:
        self._log(log.INFO, "(22)Invalid argument: AH01590: Error reading/parsing chunk  ",
                  "http")
        self.body_done = True
        self.body_broken = True
        return BodyError(400)

    async def read_body(self, limit: int) -> bytes:
        """Body bytes up to limit; each wait bounded by the body timeout.

        The first read sends the 100 Continue an HTTP/1.1 client waits for, when a body
        is to come (httpd's HTTP_IN filter); an HTTP/1.0 client gets none."""
        if self.expect_100 and not self.body_done and self.proto_num >= 1001:
            self.expect_100 = False
            if not self._write(b"HTTP/1.1 100 Continue\r\n\r\n"):
                raise ConnectionResetError()
        chunks = []
        have = 0
        while have < limit and not self.body_done:
            data = self._take_body(limit - have)
            if data is None:
                await self._wait_data()
                continue
            self.body_bytes += len(data)
            chunks.append(data)
            have += len(data)
        return b"".join(chunks)

    async def _discard_body(self) -> bool:
        """ap_discard_request_body, bounded: True when the body was read to its end."""
        while not self.body_done:
            if self.body_bytes > DISCARD_LIMIT:
                return False
            try:
                data = self._take_body(DISCARD_LIMIT)
                if data is None:
                    await self._wait_data()
                    continue
            except (TimeoutError, BodyError, ConnectionError):
                return False
            self.body_bytes += len(data)
        return True

    # -- responses ----------------------------------------------------------------------

    async def _respond(self, request: Request, status: int, close: bool,
                       notes: str = "") -> bool:
        """The response (the handler's, or httpd's page for an error status); True to keep
        the connection open."""
        if request.streamed:
            return await self._end_stream(request, status)
        method = request.method
        if status == 0:
            status = request.status
            pieces = request.body
            content_type = request.content_type
            headers = request.headers_out
        else:
            pieces = [error_page(status, method, notes,
                                 request.headers_in.get("expect") if status == 417 else None,
                                 request.server.server_admin
                                 or self.httpd.server_conf.server_admin,
                                 psignature("<hr>\n", request))]
            content_type = "text/html; charset=iso-8859-1"
            headers = [h for h in request.headers_out if h[0] == "Allow"]
        length = sum(map(len, pieces)) + request.withheld
        if request.http09:
            self.sent = length
            await self._write_body(pieces)
            return False
        head, keep = await self._head(request, status, close, length, content_type, headers)
        self.sent = length
        if request.header_only:
            written = self._write(head)
        elif length <= WRITE_PER_TURN:
            written = self._write(b"".join((head, *pieces)))  # one write, one segment
        else:
            written = self._write(head)
            if written:
                await self._write_body(pieces)
        if not written:
            return False
        if self.write_paused:
            await self._drained()
        return keep

    async def _head(self, request: Request, status: int, close: bool, length: int | None,
                    content_type: str | None, headers: list[tuple[str, str]]
                    ) -> tuple[bytes, bool]:
        """The response's status line and headers, and whether the connection stays open.
        length None: the body is streamed, chunked to an HTTP/1.1 client and ended by
        closing the connection for HTTP/1.0, as httpd does when a handler's output does not
        fit the first buffer."""
        # After a body error httpd reads no more of it and closes the connection; a body
        # the client holds back for a 100 Continue never sent is not read either.
        errored = close or status in DROPS_CONNECTION or self.closing
        if not errored and not self.expect_100 and not self.body_done:
            errored = not await self._discard_body()
        chunked = length is None and request.proto_num >= 1001
        httpd = self.httpd
        settings = resolved(httpd.server_conf, request.server)
        decision = set_keepalive(request, settings, self.requests - 1, status,
                                 errored=errored, expecting_100=self.expect_100,
                                 framed=not self.body_broken and (length is not None
                                                                  or chunked),
                                 running=not self.closing)
        keep = decision.keep
        if keep:
            if self.base_server is None or self.base_httpd is not httpd:
                self.base_server = base_server(httpd, self.local_ip, self.local_port)
                self.base_httpd = httpd
            self.keepalive_wait = keep_alive_wait(httpd.server_conf, request.server,
                                                  self.base_server)
        out = [f"HTTP/1.1 {status} {REASONS.get(status, '')}\r\nDate: {http_date()}\r\n"
               f"Server: {server_banner(httpd)}\r\n"]
        for name, value in headers:
            out.append(f"{name}: {value}\r\n")
        if length is not None and not (request.header_only and status >= 400) \
                and not self.body_broken:
            # httpd sends no body, and so no length, for a HEAD request's error (and no
            # length after a chunk it could not parse: the connection's end marks the end).
            out.append(f"Content-Length: {length}\r\n")
        for name, value in decision.headers:
            out.append(f"{name}: {value}\r\n")
        if chunked:  # after Connection, as ap_http_header_filter adds it
            out.append("Transfer-Encoding: chunked\r\n")
        if content_type:
            out.append(f"Content-Type: {content_type}\r\n")
        out.append("\r\n")
        return "".join(out).encode("latin-1", "replace"), keep

    # -- streamed responses -------------------------------------------------------------

    async def flush_body(self, request: Request, force: bool = False) -> None:
        """What a handler has written so far goes to the client once it is STREAM_AT bytes
        or more (the head first, without a length), then waits while the client has more
        than the transport's high-water mark left to read: a large status page is never
        held whole, and a slow reader holds back its writer only. Raises ConnectionError
        when the connection has ended."""
        if request.http09:
            return
        size = sum(map(len, request.body))
        if request.header_only:  # counted for the length, never sent
            request.withheld += size
            request.body.clear()
            return
        if not request.streamed:
            if size < STREAM_AT and not force:  # force: sent without a length (TRACE)
                return
            head, request.keep = await self._head(request, request.status,
                                                  request.close_after, None,
                                                  request.content_type, request.headers_out)
            request.streamed = True
            request.chunked = request.proto_num >= 1001
            self.sent = 0
            if not self._write(head):
                raise ConnectionResetError()
        self._send_part(request)
        await self._drained()

    def _send_part(self, request: Request, last: bool = False) -> None:
        data = b"".join(request.body)
        request.body.clear()
        self.sent += len(data)
        if request.chunked:
            data = (b"%x\r\n%b\r\n" % (len(data), data) if data else b"") \
                + (b"0\r\n\r\n" if last else b"")
        if data and not self._write(data):
            raise ConnectionResetError()

    async def _end_stream(self, request: Request, status: int) -> bool:
        """The rest of a streamed body and its end; a handler that failed once the head
        was sent can only cut the connection (httpd aborts it too)."""
        if status != 0:
            self.abort()
            return False
        self._send_part(request, last=True)
        await self._drained()
        return request.keep

    async def _drained(self) -> None:
        """Until the transport's buffer is below its low-water mark (at most Timeout)."""
        if self.write_paused:
            self._arm(self.server.timeout)
            self.drain_waiter = self.loop.create_future()
            try:
                await self.drain_waiter
            finally:
                self.drain_waiter = None

    async def _write_body(self, pieces: list[bytes]) -> None:
        """The body onto the transport as it was produced, in pieces: a large status page
        is neither copied whole nor written in one turn of the loop, and each piece is let
        go once the transport has it (freeing 40 MB at the end would hold the loop)."""
        written = 0
        for index, piece in enumerate(pieces):
            if written >= WRITE_PER_TURN:
                await asyncio.sleep(0)
                written = 0
            if self.transport is None or self.transport.is_closing():
                return
            self.transport.write(piece)
            pieces[index] = b""
            written += len(piece)

    def _write(self, data: bytes) -> bool:
        """data onto the transport; False, and nothing written, once the connection is
        closing: a restart or the client ended it while a handler was still working."""
        transport = self.transport
        if transport is None or transport.is_closing():
            return False
        transport.write(data)
        return True

    def _send_simple(self, status: int) -> None:
        """An error with no request to answer (a head that timed out): then close. The
        page is signed as the connection's base server signs it: no Host read yet."""
        unread = Request(self, Head())
        unread.server = base_server(self.httpd, self.local_ip, self.local_port)
        body = error_page(status, "GET", signature=psignature("<hr>\n", unread))
        self._write(
            (f"HTTP/1.1 {status} {REASONS.get(status, '')}\r\nDate: {http_date()}\r\n"
             f"Server: {server_banner(self.httpd)}\r\nContent-Length: {len(body)}\r\n"
             "Connection: close\r\n"
             "Content-Type: text/html; charset=iso-8859-1\r\n\r\n").encode() + body)

    # -- closing ------------------------------------------------------------------------

    def abort(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.abort()

    def _close(self) -> None:
        """Lingering close: stop writing, read what the client still sends, then close."""
        transport = self.transport
        if transport is None or transport.is_closing() or self.state == _CLOSED:
            return
        if self.write_paused:  # the client reads nothing: no lingering on a full buffer
            self.abort()
            return
        self.state = _LINGER
        self.buffer = bytearray()
        if self.paused:
            self.paused = False
            transport.resume_reading()
        if self.eof:
            self._finish()
            return
        try:
            if transport.can_write_eof():
                transport.write_eof()
        except OSError:
            self._finish()
            return
        self._arm(LINGER_SECONDS)

    def _finish(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()


def _show(ip: str, port: int) -> str:
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def _plain_ip(ip: str) -> str:
    """APR prints an IPv4-mapped IPv6 peer as plain IPv4."""
    if ip.startswith("::ffff:") and "." in ip:
        return ip[7:]
    return ip.split("%", 1)[0]


def run(main) -> int:
    """Run the server's coroutine on uvloop when it is installed, else asyncio's loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)
