"""The listener that keeps this replica's ``ReplicaCache`` true (N6, N7; issue 15 item 2).

One connection, made like the store's pool makes its own (so the URL's address, TLS, login and
db, or the master its sentinels name) but speaking RESP2, asks Redis for its client id, turns
tracking on in broadcast mode for the cached prefixes with its invalidations sent **to itself**
(``CLIENT TRACKING ON REDIRECT <own id> BCAST PREFIX ...``), and subscribes to
``__redis__:invalidate``. Tracking and the messages live and die with this one connection: when
it breaks, nothing can be silently lost, and the cache is off until a new connection is tracking
again.

Every ``heartbeat_s`` the listener sends a ``PING``; the cache answers only while Redis was heard
within ``2 × heartbeat_s`` (``ReplicaCache.stale_after_s``), so a replica cut off from Redis
without a closed connection stops answering from its cache within that time. Behind sentinels,
a listener still on an earlier master is replaced once the pool has found the new one.

A Redis login that may not use ``CLIENT TRACKING`` or subscribe to the channel, or a Redis older
than 6, leaves the cache off (logged; tried again every 30 s): every read then goes to Redis, as
before.
"""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any

import structlog
from redis.asyncio.connection import AbstractConnection, ConnectionPool
from redis.exceptions import RedisError, ResponseError

from integrator.sessions.redis_wire import connect, on_current_master, pack
from integrator.sessions.replica_cache import ReplicaCache

log = structlog.get_logger("integrator.store")

CHANNEL = b"__redis__:invalidate"
RETRY_S = (0.1, 30.0)  # first and longest pause before the listener connects again


class Invalidations:
    def __init__(self, pool: ConnectionPool, cache: ReplicaCache, *, heartbeat_s: float,
                 timeout_s: float) -> None:
        self._pool = pool
        self._cache = cache
        self._heartbeat_s = heartbeat_s
        self._timeout_s = timeout_s
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self.connection_id: int | None = None  # the listener's Redis client id while it listens

    def start(self) -> None:
        """Start listening (in the running loop) unless it already does or was closed."""
        if self._closed or (self._task is not None and not self._task.done()):
            return
        self._task = asyncio.get_running_loop().create_task(self._run(),
                                                            name="store-invalidations")

    async def close(self) -> None:
        """Stop listening. The listener also stops by itself at its next step once closed: a
        cancellation that lands inside redis-py's connect can be lost (seen with redis-py 8.1 on
        Python 3.11), so the loops check ``_closed`` too and the wait here is bounded."""
        self._closed = True
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.wait({task}, timeout=2 * self._timeout_s + self._heartbeat_s)
            if not task.done():
                log.warning("store_cache_listener_not_stopped")
        self._cache.down()

    async def _run(self) -> None:
        pause = RETRY_S[0]
        while not self._closed:
            conn: AbstractConnection | None = None
            try:
                conn = await self._subscribe()
                if self._closed:
                    return
                pause = RETRY_S[0]
                log.info("store_cache_on", prefixes=len(self._cache.prefixes))
                await self._serve(conn)
                if self._closed:
                    return
                log.warning("store_cache_off", reason="the sentinels name another master")
            except ResponseError as exc:  # not permitted, or a Redis without tracking
                pause = RETRY_S[1]
                log.warning("store_cache_unavailable", error=type(exc).__name__,
                            retry_s=pause,
                            hint="the Redis login needs CLIENT TRACKING and to subscribe to "
                                 "__redis__:invalidate (Redis 6 or later; docs/operations.md); "
                                 "every session read goes to Redis meanwhile")
            except (RedisError, OSError, TimeoutError) as exc:
                log.warning("store_cache_off", error=type(exc).__name__, retry_s=pause)
            finally:
                self._cache.down()
                self.connection_id = None
                if conn is not None:
                    await conn.disconnect(nowait=True)
            if not self._closed:
                await asyncio.sleep(pause)
            pause = min(pause * 2, RETRY_S[1])

    async def _subscribe(self) -> AbstractConnection:
        # RESP2 (redis-py's default is RESP3, whose parser hands invalidation pushes to handlers
        # of its own): the messages come as the channel's, read as replies
        conn: AbstractConnection = self._pool.connection_class(
            **{**self._pool.connection_kwargs, "protocol": 2})
        await connect(conn, self._timeout_s)
        try:
            async with asyncio.timeout(self._timeout_s):
                await conn.send_packed_command(pack(("CLIENT", "ID")), check_health=False)
                own = int(await conn.read_response())
                prefixes: list[str] = []
                for prefix in self._cache.prefixes:
                    prefixes += ["PREFIX", prefix]
                await conn.send_packed_command(pack(
                    ("CLIENT", "TRACKING", "ON", "REDIRECT", own, "BCAST", *prefixes)),
                    check_health=False)
                await conn.read_response()
                await conn.send_packed_command(pack(("SUBSCRIBE", CHANNEL)), check_health=False)
                await conn.read_response()  # [subscribe, channel, 1]
        except BaseException:
            await conn.disconnect(nowait=True)
            raise
        self.connection_id = own
        self._cache.up(time.monotonic())
        return conn

    async def _serve(self, conn: AbstractConnection) -> None:
        """Read the messages until the connection breaks, Redis stays silent past the cache's
        limit (raises), or the sentinels name another master (returns)."""
        reader = asyncio.get_running_loop().create_task(self._read(conn))
        try:
            while not self._closed:
                await asyncio.wait({reader}, timeout=self._heartbeat_s)
                if reader.done():
                    reader.result()  # its error
                    raise ConnectionError("the invalidation connection was closed")
                if not self._cache.serving(time.monotonic()):
                    raise TimeoutError("Redis did not answer the invalidation heartbeat")
                if not on_current_master(self._pool, conn):
                    return
                async with asyncio.timeout(self._timeout_s):
                    await conn.send_packed_command(pack(("PING",)), check_health=False)
        finally:
            reader.cancel()
            await conn.disconnect(nowait=True)  # its read ends even if the cancel is lost
            await asyncio.wait({reader}, timeout=self._timeout_s)

    async def _read(self, conn: AbstractConnection) -> None:
        while True:
            message = await conn.read_response(timeout=math.inf)
            self._cache.heard(time.monotonic())
            self.dispatch(message)

    def dispatch(self, message: Any) -> None:
        """One message of the subscribed connection: an invalidation (keys, or none for a flush),
        a heartbeat's answer, or the subscription's confirmation."""
        if not isinstance(message, list) or len(message) != 3 or _text(message[0]) != "message":
            return
        keys = message[2]
        if keys is None:
            self._cache.invalidate_all()
        elif isinstance(keys, list):
            self._cache.invalidate(_text(key) for key in keys)


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="surrogateescape")
    return str(value)
