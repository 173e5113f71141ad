"""HeartbeatShare: monitors share the servers they hear through etcd.

Each monitor publishes its fresh servers under PREFIX/<monitor>/<chunk> once per storage
pass, all keys on one lease whose TTL is the expiry: a monitor that stops takes its keys
with it. It watches PREFIX (a full range first, then a watch from the next revision) and
folds what the other monitors publish into what its own storage writes: local plus
remote, the most recently heard entry of an IP wins, so a balancer next to any monitor
sees every server heard by any monitor.

Clocks are never compared between machines: a value carries each server's age (seconds
since heard when published), and the receiver dates it by its own clock on arrival.

Only servers heard here are published. hb.dat holds the whole fleet, so what a restart
restores from it is held apart (`restored`: stored, never published) until this
monitor's own keys in etcd, read once before its first put, show which of those it had
published itself: those become local again. A restored server heard again is local
anyway; the others leave storage when they expire.

etcd is reached through its v3 JSON gateway with a small HTTP/1.1 client on asyncio
streams. Everything runs in background tasks: the storage pass only hands over a
snapshot and reads what was received, so an unreachable, slow or lying etcd never delays
the listener, the HTTP side or local storage, and never removes a local server. A bad
value is ignored (logged once per key); an outage is logged once, and both tasks retry
until etcd answers again (then the full range is read again).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import re
import socket
import time
from collections.abc import AsyncIterator

from heartmonitor import log

from .publish import Publisher
from .share_url import ShareTarget
from .storage import HeartbeatStorage, StorageContents
from .table import Server, ServerTable

FORMAT_VERSION = 1
# One put per this many bytes of servers (etcd refuses requests over 1.5 MiB; base64
# makes a value 4/3 larger in the JSON request).
CHUNK_BYTES = 512 * 1024
MAX_VALUE_BYTES = 1024 * 1024  # a remote value larger than this is ignored
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
MAX_HEADER_BYTES = 64 * 1024
REQUEST_TIMEOUT = 5.0
RETRY_SECONDS = 1.0
WATCH_SECONDS = 60.0
MAX_LOGGED = 20  # ignored keys logged (each once)
IPV4 = re.compile(r"\d{1,3}(\.\d{1,3}){3}")


# What a storage pass hands to the publishing task: (time.monotonic() when taken,
# [(ip, port, busy, ready, seconds since heard)]); ages are cut to whole seconds only when
# sent, so a snapshot sent late does not lose a second to each truncation.
Snapshot = tuple[float, list[tuple[str, int, int, int, float]]]


class EtcdError(Exception):
    """etcd could not be reached or answered something that is not etcd's answer."""


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def range_end(prefix: bytes) -> bytes:
    """The key just past every key starting with prefix (etcd's prefix convention)."""
    return prefix[:-1] + bytes([prefix[-1] + 1])


class EtcdClient:
    """etcd's v3 JSON gateway over HTTP/1.1, one connection per request."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port

    async def _send(self, path: str, body: dict
                    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, bool, int | None]:
        """Send one request; the answer's reader, whether it is chunked, its length."""
        payload = json.dumps(body).encode()
        reader, writer = await asyncio.open_connection(self.host, self.port,
                                                       limit=MAX_HEADER_BYTES)
        writer.write(
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
            "Connection: close\r\n\r\n".encode() + payload)
        await writer.drain()
        status = await reader.readline()
        headers = {}
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if not status.startswith(b"HTTP/1.1 200"):
            writer.close()
            raise EtcdError(f"{path} answered {status.decode('latin-1').strip()!r}")
        length = headers.get("content-length")
        return (reader, writer, headers.get("transfer-encoding", "").lower() == "chunked",
                int(length) if length is not None else None)

    async def _chunks(self, reader: asyncio.StreamReader) -> AsyncIterator[bytes]:
        while True:
            size_line = await reader.readline()
            try:
                size = int(size_line.split(b";")[0], 16)
            except ValueError:
                raise EtcdError("a malformed chunked answer") from None
            if size == 0:
                return
            if size > MAX_RESPONSE_BYTES:
                raise EtcdError("an oversized answer")
            data = await reader.readexactly(size + 2)
            yield data[:-2]

    async def call(self, path: str, body: dict, timeout: float = REQUEST_TIMEOUT) -> dict:
        """One request; its JSON answer."""
        try:
            return await asyncio.wait_for(self._call(path, body), timeout)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError,
                UnicodeError) as error:
            raise EtcdError(f"{path}: {error or type(error).__name__}") from None

    async def _call(self, path: str, body: dict) -> dict:
        reader, writer, chunked, length = await self._send(path, body)
        try:
            if chunked:
                data = bytearray()
                async for chunk in self._chunks(reader):
                    data += chunk
                    if len(data) > MAX_RESPONSE_BYTES:
                        raise EtcdError("an oversized answer")
            elif length is not None:
                if length > MAX_RESPONSE_BYTES:
                    raise EtcdError("an oversized answer")
                data = bytearray(await reader.readexactly(length))
            else:  # no length: the answer ends with the connection
                data = bytearray()
                while len(data) <= MAX_RESPONSE_BYTES:
                    piece = await reader.read(65536)
                    if not piece:
                        break
                    data += piece
        finally:
            writer.close()
        if len(data) > MAX_RESPONSE_BYTES:
            raise EtcdError("an oversized answer")
        answer = await asyncio.to_thread(json.loads, bytes(data))
        if not isinstance(answer, dict):
            raise EtcdError(f"{path} answered something other than an object")
        return answer

    async def watch(self, body: dict) -> AsyncIterator[dict]:
        """The messages of a /v3/watch stream (one JSON object a line), until it ends."""
        try:
            reader, writer, chunked, _length = await asyncio.wait_for(self._send("/v3/watch", body),
                                                             REQUEST_TIMEOUT)
        except (TimeoutError, OSError, ValueError) as error:
            raise EtcdError(f"/v3/watch: {error or type(error).__name__}") from None
        try:
            if not chunked:
                raise EtcdError("/v3/watch answered without a stream")
            pending = bytearray()
            async for chunk in self._chunks(reader):
                pending += chunk
                while b"\n" in pending:
                    line, _, rest = bytes(pending).partition(b"\n")
                    pending = bytearray(rest)
                    message = await asyncio.to_thread(json.loads, line)
                    if isinstance(message, dict):
                        yield message
                if len(pending) > MAX_RESPONSE_BYTES:
                    raise EtcdError("an oversized watch message")
        except (OSError, asyncio.IncompleteReadError, ValueError, UnicodeError) as error:
            raise EtcdError(f"/v3/watch: {error or type(error).__name__}") from None
        finally:
            writer.close()


def pack(servers: list[tuple[str, int, int, int, int]]) -> list[bytes]:
    """The values to publish: JSON objects of at most about CHUNK_BYTES each."""
    values = []
    for start in range(0, max(len(servers), 1), 8192):
        part = servers[start:start + 8192]
        value = json.dumps({"v": FORMAT_VERSION, "servers": part},
                           separators=(",", ":")).encode()
        if len(value) > CHUNK_BYTES and len(part) > 1:
            half = len(part) // 2
            values += pack(part[:half]) + pack(part[half:])
        else:
            values.append(value)
    return values


def unpack(value: bytes, expire: int) -> list[tuple[str, int, int, int, int]] | str:
    """The servers of a published value, or why it is ignored."""
    if len(value) > MAX_VALUE_BYTES:
        return f"a value of {len(value)} bytes"
    try:
        data = json.loads(value)
    except (ValueError, UnicodeError):
        return "a value that is not JSON"
    if not isinstance(data, dict) or data.get("v") != FORMAT_VERSION:
        version = data.get("v") if isinstance(data, dict) else None
        return f"format version {version!r} (this monitor reads {FORMAT_VERSION})"
    servers = []
    for entry in data.get("servers") or ():
        if (isinstance(entry, list) and len(entry) == 5
                and isinstance(entry[0], str) and IPV4.fullmatch(entry[0])
                and all(type(n) is int for n in entry[1:])
                and 0 < entry[1] < 65536 and entry[2] >= 0 and entry[3] >= 0
                and 0 <= entry[4] <= expire):
            servers.append((entry[0], entry[1], entry[2], entry[3], entry[4]))
    return servers


def default_name(config) -> str:
    """This host plus a digest of what tells its monitors apart (storage, listen address)."""
    host = re.sub(r"[^A-Za-z0-9._-]", "_", socket.gethostname())[:40] or "host"
    what = f"{config.storage_path}|{config.listen_ip}:{config.listen_port}"
    return f"{host}-{hashlib.sha1(what.encode()).hexdigest()[:8]}"


class Share:
    """The two background tasks (publish, watch) and what they received."""

    def __init__(self, httpd, target: ShareTarget, name: str, settings) -> None:
        self.httpd = httpd
        self.target = target
        self.name = name
        self.settings = settings
        self.client = EtcdClient(target.host, target.port)
        self.root = (target.prefix + "/").encode()
        self.own = self.root + name.encode() + b"/"
        # key -> the servers of its value, dated on arrival: {ip: Server}
        self.remote: dict[bytes, dict[str, Server]] = {}
        self.refused: set[bytes] = set()
        self.lease = 0
        self.chunks = 0
        self.puts = 0
        self.up: bool | None = None
        # Restored from storage at start and not known to have been heard here: {ip: Server}
        self.restored: dict[str, Server] = {}
        self.table: ServerTable | None = None  # the local table, as the last pass gave it
        self.publisher: Publisher | None = None  # how the last pass published it
        self.own_read = False  # this monitor's keys read back before its first put
        self._snapshot: Snapshot | None = None
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task] = []

    # -- state and logging --------------------------------------------------------------

    def _log(self, level: int, message: str) -> None:
        self.httpd.log_error("heartmonitor", level,
                             f"HeartbeatShare {self.target.url()}: {message}")

    def _reachable(self) -> None:
        if self.up is not True:
            self._log(log.NOTICE, f"sharing as {self.name}" if self.up is None
                      else "etcd answers again, sharing resumed")
            self.up = True

    def _unreachable(self, error: Exception) -> None:
        if self.up is not False:
            self._log(log.WARNING, f"etcd unreachable ({error}); local heartbeats are "
                      "still stored, sharing resumes when etcd answers")
            self.up = False

    # -- the storage pass's side: never awaits etcd ----------------------------------------

    def start(self) -> None:
        if not self._tasks:
            loop = asyncio.get_running_loop()
            self._tasks = [loop.create_task(self._publish_loop()),
                           loop.create_task(self._watch_loop())]

    def publish(self, table: ServerTable, now: float, publisher: Publisher | None = None
                ) -> None:
        """Hand the table's fresh servers, as published, to the publishing task (the
        newest replaces any snapshot not yet sent)."""
        self.table = table
        self.publisher = publisher
        self._snapshot = self._take(table, now)
        self._wake.set()

    def _take(self, table: ServerTable, now: float) -> Snapshot:
        fresh = [s for s in table.servers.values() if s.age(now) <= table.expire]
        publish = self.publisher
        if publish is None:
            return (time.monotonic(), [(s.ip, s.port, s.busy, s.ready, now - s.seen)
                                       for s in fresh])
        return (time.monotonic(), [(s.ip, s.port, p.busy, p.ready, max(now - p.seen, 0.0))
                                   for s in fresh for p in (publish(s, now),)])

    def fold(self, table: ServerTable, now: float) -> ServerTable:
        """A table of the local servers plus the remote and restored ones; per IP, the
        freshest."""
        restored = self.restored
        for ip in [ip for ip, server in restored.items()
                   if ip in table.servers or server.age(now) > table.expire]:
            del restored[ip]  # heard here since, or expired: no longer worth storing
        if not self.remote and not restored:
            return table
        merged = ServerTable(table.expire)
        merged.hysteresis = table.hysteresis
        servers = merged.servers = dict(table.servers)
        for received in (restored, *self.remote.values()):
            for ip, server in received.items():
                mine = servers.get(ip)
                if mine is None or server.seen > mine.seen:
                    servers[ip] = server
        return merged

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except asyncio.CancelledError:
                pass
        self._tasks = []

    # -- publishing ---------------------------------------------------------------------

    def _key(self, index: int) -> bytes:
        return self.own + b"%05d" % index

    async def _lease(self) -> int:
        """The lease of this monitor's keys, granted again when etcd has lost it."""
        ttl = max(int(self.settings.expire), int(2 * self.settings.storage_interval) + 1, 5)
        if self.lease:
            answer = await self.client.call("/v3/lease/keepalive", {"ID": self.lease})
            if int((answer.get("result") or {}).get("TTL", 0) or 0) > 0:
                return self.lease
        answer = await self.client.call("/v3/lease/grant", {"TTL": ttl})
        try:
            self.lease = int(answer["ID"])
        except (KeyError, TypeError, ValueError):
            raise EtcdError("/v3/lease/grant answered without a lease ID") from None
        self.chunks = 0  # the keys of an old lease may be gone: rewrite them all
        return self.lease

    async def _publish_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            snapshot = self._snapshot
            if snapshot is None:
                continue
            try:
                if not self.own_read:
                    snapshot = await self._adopt_own() or snapshot
                await self._publish(snapshot)
            except EtcdError as error:
                self._unreachable(error)
                await asyncio.sleep(RETRY_SECONDS)
                if self._snapshot is snapshot:
                    self._wake.set()  # nothing newer yet: try this one again

    async def _adopt_own(self) -> Snapshot | None:
        """Before this monitor's first put: the restored servers that its keys in etcd
        list were heard here, and go back into the local table. A new snapshot when some
        did (None otherwise)."""
        answer = await self.client.call("/v3/kv/range", {
            "key": b64(self.own), "range_end": b64(range_end(self.own))})
        kvs = answer.get("kvs") or []
        if not isinstance(kvs, list):
            raise EtcdError("/v3/kv/range answered without a list of keys")
        self.own_read = True
        table = self.table
        if table is None or not self.restored:
            return None
        adopted = []
        for kv in kvs:
            try:
                _key, value = self._kv(kv)
            except EtcdError:
                continue
            servers = unpack(value, self.settings.expire)
            for ip, *_fields in servers if not isinstance(servers, str) else ():
                server = self.restored.pop(ip, None)
                if server is not None and ip not in table.servers:
                    table.adopt(server)
                    adopted.append(server)
        if not adopted:
            return None
        self._snapshot = self._take(table, time.time())
        return self._snapshot

    async def _publish(self, snapshot: Snapshot) -> None:
        taken, taken_servers = snapshot
        # a snapshot sent late (etcd was slow or away) is sent with its ages grown
        late = time.monotonic() - taken
        expire = self.settings.expire
        servers = [(ip, port, busy, ready, int(age + late))
                   for ip, port, busy, ready, age in taken_servers if int(age + late) <= expire]
        values = await asyncio.to_thread(pack, servers)
        lease = await self._lease()
        for index, value in enumerate(values):
            await self.client.call("/v3/kv/put", {"key": b64(self._key(index)),
                                                  "value": b64(value), "lease": lease})
            self.puts += 1
        if len(values) < self.chunks or not self.chunks:
            # fewer chunks than last time: the keys past the new last one go
            await self.client.call("/v3/kv/deleterange", {
                "key": b64(self._key(len(values))), "range_end": b64(range_end(self.own))})
        self.chunks = len(values)
        self._reachable()

    # -- receiving ----------------------------------------------------------------------

    def _received(self, key: bytes, value: bytes | None, now: float) -> None:
        """A key under the prefix changed (value None: deleted)."""
        if key.startswith(self.own) or not key.startswith(self.root):
            return
        if value is None:
            self.remote.pop(key, None)
            return
        servers = unpack(value, self.settings.expire)
        if isinstance(servers, str):
            self.remote.pop(key, None)
            self._refuse(key, servers)
            return
        self.refused.discard(key)
        self.remote[key] = {ip: Server(ip, port, busy, ready, now - age)
                            for ip, port, busy, ready, age in servers}

    def _refuse(self, key: bytes, why: str) -> None:
        """Log an ignored key once (and at most MAX_LOGGED keys: etcd may hold thousands)."""
        if key not in self.refused and len(self.refused) < MAX_LOGGED:
            self.refused.add(key)
            self._log(log.WARNING, f"ignoring {key.decode('utf-8', 'replace')!r}: {why}")

    def _kv(self, kv: object) -> tuple[bytes, bytes]:
        if not isinstance(kv, dict):
            raise EtcdError("an event without a key")
        try:
            return (base64.b64decode(kv.get("key", ""), validate=True),
                    base64.b64decode(kv.get("value", ""), validate=True))
        except (ValueError, TypeError):
            raise EtcdError("a key or value that is not base64") from None

    async def _resync(self) -> int:
        """Everything under the prefix now; the revision it was read at."""
        answer = await self.client.call("/v3/kv/range", {
            "key": b64(self.root), "range_end": b64(range_end(self.root))})
        now = time.time()
        kvs = answer.get("kvs") or []
        if not isinstance(kvs, list):
            raise EtcdError("/v3/kv/range answered without a list of keys")
        self.remote.clear()
        for kv in kvs:
            try:
                key, value = self._kv(kv)
            except EtcdError as error:
                self._refuse(b"", str(error))  # one bad key spoils none of the others
                continue
            self._received(key, value, now)
        try:
            return int(answer["header"]["revision"])
        except (KeyError, TypeError, ValueError):
            raise EtcdError("/v3/kv/range answered without a revision") from None

    async def _watch_loop(self) -> None:
        while True:
            try:
                revision = await self._resync()
                self._reachable()
                # read everything again now and then: a connection that died silently
                # would otherwise leave the watch waiting for ever
                await asyncio.wait_for(self._watch(revision + 1), WATCH_SECONDS)
            except TimeoutError:
                continue
            except EtcdError as error:
                self._unreachable(error)
            await asyncio.sleep(RETRY_SECONDS)

    async def _watch(self, start: int) -> None:
        request = {"create_request": {"key": b64(self.root),
                                      "range_end": b64(range_end(self.root)),
                                      "start_revision": start}}
        async for message in self.client.watch(request):
            result = message.get("result")
            if not isinstance(result, dict) or result.get("canceled"):
                return  # compacted, cancelled or an error: read everything again
            now = time.time()
            for event in result.get("events") or []:
                try:
                    key, value = self._kv(event.get("kv") if isinstance(event, dict) else None)
                except EtcdError as error:
                    self._refuse(b"", str(error))
                    continue
                deleted = event.get("type") == "DELETE"
                self._received(key, None if deleted else value, now)


class SharedStorage(HeartbeatStorage):
    """A storage that writes the shared fleet: the local storage, fed local plus remote."""

    def __init__(self, inner: HeartbeatStorage, share: Share) -> None:
        super().__init__(inner.httpd, inner.config)
        self.inner = inner
        self.share = share
        self.kind = inner.kind

    def open(self, kept: dict) -> bool:
        # restored servers not yet confirmed stay apart across graceful restarts too
        self.share.restored = kept.setdefault("share_restored", {})
        return self.inner.open(kept)

    def publish_with(self, publisher: Publisher) -> None:
        self.publisher = publisher
        self.inner.publish_with(publisher)

    def restore(self, table: ServerTable, now: float) -> None:
        """What storage held goes back into storage, not into the table: hb.dat lists the
        whole fleet, and only what this monitor heard may be published (Share.restored)."""
        found = ServerTable(table.expire)
        self.inner.restore(found, now)
        self.share.restored.update(found.servers)

    async def write_table(self, table: ServerTable, now: float) -> None:
        self.share.start()
        self.share.publish(table, now, self.active_publisher())
        await self.inner.write_table(self.share.fold(table, now), now)
        self.writes = self.inner.writes

    async def merge(self, table: ServerTable, server: Server, now: float) -> None:
        await self.inner.merge(table, server, now)

    def read(self) -> StorageContents:
        return self.inner.read()

    def findings(self) -> list:
        return self.inner.findings()

    @property
    def location(self) -> str:
        return self.inner.location

    def describe(self) -> str:
        return f"{self.inner.describe()}, shared through {self.share.target.url()}"

    async def close(self) -> None:
        await self.share.close()
        await self.inner.close()

    def release(self) -> None:
        self.inner.release()


def shared(httpd, config, storage: HeartbeatStorage) -> HeartbeatStorage:
    """The storage itself, or the storage shared as HeartbeatShare says."""
    target: ShareTarget | None = getattr(config, "share", None)
    if target is None:
        return storage
    share = Share(httpd, target, target.name or default_name(config), config.settings)
    return SharedStorage(storage, share)
