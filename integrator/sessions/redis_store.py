"""The Redis implementation of the shared store (``sessions.store.Store``): what replicas share
(N6). One Redis (``redis://``, ``rediss://``, ``unix://``) or the master a set of Redis Sentinels
names (``redis+sentinel://host:port,host:port/<master>/<db>``; docs/operations.md), found again
after a failover. The multi-key primitives are Lua scripts run on the server, so each is atomic
and one round trip.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import redis.asyncio as aioredis
from redis.asyncio.sentinel import Sentinel
from redis.exceptions import RedisError
from redis.maint_notifications import MaintNotificationsConfig

from integrator.config import SENTINEL_SCHEMES, parse_sentinel_url
from integrator.errors import StoreUnavailable
from integrator.sessions.freed import CHANNEL, FreedSeats
from integrator.sessions.invalidations import Invalidations
from integrator.sessions.redis_wire import Arg, Command, Script, Wire
from integrator.sessions.replica_cache import ReplicaCache

T = TypeVar("T")


# Redis: a versioned key is a hash {version, data}; its counter lives apart so it survives a delete.
_PUT_VERSIONED = Script("""
local v = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], 'version', v, 'data', ARGV[1])
return v
""")
_DELETE_IF_EQUAL = Script("""
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end
""")
_TOUCH_IF_EQUAL = Script("""
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end
""")
# a failing SET raises out of the script before the delete runs
_SET_THEN_DELETE_IF_EQUAL = Script("""
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if redis.call('GET', KEYS[2]) == ARGV[3] then return redis.call('DEL', KEYS[2]) else return 0 end
""")
# Leases: a sorted set holder -> expiry (ms, on the Redis server's clock, so replicas' clocks do
# not matter); expired holders are dropped first; the key itself expires with its last lease.
_LEASE_PRELUDE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local function hold()
  redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
  if redis.call('PTTL', KEYS[1]) < lease then redis.call('PEXPIRE', KEYS[1], lease) end
  return 1
end
"""
_LEASE_ACQUIRE = Script(_LEASE_PRELUDE + """
if redis.call('ZSCORE', KEYS[1], ARGV[1]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  return hold()
end
return 0
""")
_LEASE_RENEW = Script(_LEASE_PRELUDE + """
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return hold() end
return 0
""")
# a freed seat is announced to the other replicas' waiting writes (sessions.freed); a notice the
# Redis login may not publish (an ACL without the channel) is left out, the seat is freed all the same
_LEASE_RELEASE = Script("""
if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then redis.pcall('PUBLISH', ARGV[2], ARGV[3]) end
return 0
""")


class RedisStore:
    """Store on Redis. Every call has a deadline; failures become ``StoreUnavailable``. The calls
    go to redis-py's connections directly (``sessions.redis_wire``); the client itself serves
    the seat notices' pub/sub (``sessions.freed``).

    Keys under ``cached`` (prefixes, without the store's own) read with ``get_and_touch`` and a
    ``defer_s`` are kept on this replica while Redis' invalidations say they did not change
    (``sessions.replica_cache``, ``sessions.invalidations``); ``heartbeat_s`` bounds how long a
    replica cut off from Redis may still answer from them (twice that)."""

    def __init__(self, url: str, *, prefix: str = "integrator:", timeout_s: float = 2.0,
                 cached: Sequence[str] = (), heartbeat_s: float = 1.0) -> None:
        self._prefix = prefix
        timeouts: dict[str, Any] = {"socket_timeout": timeout_s,
                                    "socket_connect_timeout": timeout_s}
        self._redis: aioredis.Redis
        if url.startswith(tuple(f"{scheme}://" for scheme in SENTINEL_SCHEMES)):
            target = parse_sentinel_url(url)
            sentinel = Sentinel(  # type: ignore[no-untyped-call]
                list(target.sentinels), ssl=target.tls,
                sentinel_kwargs={**timeouts, "password": target.sentinel_password,
                                 "ssl": target.tls},
                **timeouts)
            # a master found through the sentinels: asked again when a connection fails, so the
            # client follows a failover; a demoted master's read-only answer drops the connection
            self._redis = sentinel.master_for(
                target.service, redis_class=aioredis.Redis, db=target.db,
                username=target.username, password=target.password, health_check_interval=30)
        else:
            # no maintenance notifications (Redis Enterprise's): their handling is in the pool,
            # which the store's calls do not go through
            self._redis = aioredis.Redis.from_url(
                url, health_check_interval=30,
                maint_notifications_config=MaintNotificationsConfig(enabled=False), **timeouts)
        self._wire = Wire(self._redis.connection_pool, timeout_s=timeout_s)
        self._freed = FreedSeats(self._redis, self._k(CHANNEL))
        self._cache: ReplicaCache | None = None
        self._invalidations: Invalidations | None = None
        if cached:
            self._cache = ReplicaCache([self._k(p) for p in cached],
                                       stale_after_s=2 * heartbeat_s)
            self._invalidations = Invalidations(self._redis.connection_pool, self._cache,
                                                heartbeat_s=heartbeat_s, timeout_s=timeout_s)

    def _k(self, key: str) -> str:
        return self._prefix + key

    async def _call(self, awaitable: Awaitable[T]) -> T:
        try:
            return await awaitable
        except (RedisError, OSError, TimeoutError) as exc:
            raise StoreUnavailable(f"the shared store is unavailable: {type(exc).__name__}") from exc

    def _command(self, *args: Arg) -> Awaitable[Any]:
        return self._call(self._wire.command(*args))

    def _script(self, script: Script, keys: Sequence[str],
                args: Sequence[Arg]) -> Awaitable[Any]:
        return self._call(self._wire.script(script, keys, args))

    async def _write(self, keys: Sequence[str], awaitable: Awaitable[T]) -> T:
        """A write of ``keys`` (full names): this replica's cache forgets them once it is
        answered (or failed), so the replica reads its own writes before Redis' message comes."""
        try:
            return await awaitable
        finally:
            if self._cache is not None:
                self._cache.invalidate(keys)

    async def get(self, key: str) -> bytes | None:
        return _as_bytes(await self._command("GET", self._k(key)))

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        if not keys:
            return []
        values = await self._command("MGET", *[self._k(key) for key in keys])
        return [_as_bytes(value) for value in values]

    async def set(self, key: str, value: bytes, *, ttl_s: float | None = None) -> None:
        name = self._k(key)
        if ttl_s is None:
            await self._write([name], self._command("SET", name, value))
        else:
            await self._write([name], self._command("SET", name, value, "PX", _ms(ttl_s)))

    async def set_if_absent(self, key: str, value: bytes, *, ttl_s: float | None = None) -> bool:
        name = self._k(key)
        if ttl_s is None:
            reply = await self._write([name], self._command("SET", name, value, "NX"))
        else:
            reply = await self._write([name], self._command("SET", name, value, "PX",
                                                            _ms(ttl_s), "NX"))
        return reply is not None

    async def set_if_absent_then_get(self, key: str, value: bytes, *, ttl_s: float,
                                     read: Sequence[str]) -> tuple[bool, list[bytes | None]]:
        # a pipeline runs its commands in order: the reads see what was there once the claim was
        # taken, as reads in round trips of their own would
        name = self._k(key)
        taken, *values = await self._write([name], self._call(self._wire.pipeline(
            [("SET", name, value, "PX", _ms(ttl_s), "NX"),
             *(("GET", self._k(other)) for other in read)])))
        return taken is not None, [_as_bytes(v) for v in values]

    async def get_and_touch(self, key: str, ttl_s: float, *,
                            defer_s: float = 0.0) -> bytes | None:
        name = self._k(key)
        if defer_s > 0 and self._cache is not None and self._cache.covers(name):
            return (await self._cached_read(name, ttl_s, defer_s, None))[0]
        return _as_bytes(await self._command("GETEX", name, "PX", _ms(ttl_s)))

    async def get_and_touch_with_version(self, key: str, ttl_s: float, versioned_key: str, *,
                                         defer_s: float = 0.0) -> tuple[bytes | None, int | None]:
        name, versioned = self._k(key), self._k(versioned_key)
        if (defer_s > 0 and self._cache is not None and self._cache.covers(name)
                and self._cache.covers(versioned)):
            return await self._cached_read(name, ttl_s, defer_s, versioned)
        value, version = await self._call(self._wire.pipeline(
            [("GETEX", name, "PX", _ms(ttl_s)), ("HGET", versioned, "version")]))
        return _as_bytes(value), _as_version(version)

    async def _cached_read(self, name: str, ttl_s: float, defer_s: float,
                           versioned: str | None) -> tuple[bytes | None, int | None]:
        """``get_and_touch(_with_version)`` through this replica's cache: the time to live is
        restarted when this replica last did so ``defer_s`` or more ago; the values come from the
        cache while it may answer them, else from one round trip, which the cache keeps."""
        cache, invalidations = self._cache, self._invalidations
        assert cache is not None and invalidations is not None
        invalidations.start()
        now = time.monotonic()
        serving = cache.serving(now)
        touch = not serving or cache.touch_due(name, now, defer_s)
        if not touch:
            value = cache.get(name, now)
            version = cache.get(versioned, now) if versioned is not None else None
            if value is not None and (versioned is None or version is not None):
                return value, _as_version(version)
        commands: list[Command] = (
            [("GETEX", name, "PX", _ms(ttl_s))] if touch else [("GET", name), ("PTTL", name)])
        if versioned is not None:
            commands.append(("HGET", versioned, "version"))
        keys = [name] if versioned is None else [name, versioned]
        ticket = cache.begin(keys)
        try:
            replies = await self._call(self._wire.pipeline(commands))
        except BaseException:
            cache.end(ticket, keys, None)
            raise
        value = _as_bytes(replies[0])
        if touch:
            cache.touched(name, now if value is not None else None)
            deadline = now + ttl_s
        else:
            left_ms = replies[1]  # -1: no time to live; -2: no key
            deadline = now + left_ms / 1000 if left_ms >= 0 else float("inf")
        read = [(value, deadline)]
        version = None
        if versioned is not None:
            version = _as_bytes(replies[-1])
            read.append((version, float("inf")))  # a set's version lives until it is changed
        cache.end(ticket, keys, read)
        return value, _as_version(version)

    async def delete(self, key: str) -> bool:
        name = self._k(key)
        return bool(await self._write([name], self._command("DEL", name)))

    async def delete_if_equal(self, key: str, value: bytes) -> bool:
        name = self._k(key)
        return bool(await self._write([name], self._script(_DELETE_IF_EQUAL, [name], [value])))

    async def touch_if_equal(self, key: str, value: bytes, *, ttl_s: float) -> bool:
        name = self._k(key)
        return bool(await self._write([name], self._script(_TOUCH_IF_EQUAL, [name],
                                                           [value, _ms(ttl_s)])))

    async def set_then_delete_if_equal(self, key: str, value: bytes, *, ttl_s: float,
                                       owned: str, token: bytes) -> bool:
        names = [self._k(key), self._k(owned)]
        return bool(await self._write(names, self._script(_SET_THEN_DELETE_IF_EQUAL, names,
                                                          [value, _ms(ttl_s), token])))

    async def put_versioned(self, key: str, value: bytes) -> int:
        name = self._k(key)
        result = await self._write([name], self._script(
            _PUT_VERSIONED, [name, self._k("version-counter:" + key)], [value]))
        return int(result)

    async def get_versioned(self, key: str) -> tuple[int, bytes] | None:
        version, data = await self._command("HMGET", self._k(key), "version", "data")
        if version is None or data is None:
            return None
        return int(version), _as_bytes(data) or b""

    async def get_version(self, key: str) -> int | None:
        return _as_version(await self._command("HGET", self._k(key), "version"))

    async def delete_versioned(self, key: str) -> bool:
        name = self._k(key)
        return bool(await self._write([name], self._command("DEL", name)))

    async def keys(self, prefix: str) -> list[str]:
        found: list[str] = []
        cut = len(self._prefix)
        match = self._k(_glob_escape(prefix)) + "*"
        cursor: bytes | int = 0
        while True:
            cursor, names = await self._command("SCAN", cursor, "MATCH", match, "COUNT", 500)
            for raw in names:
                name = raw.decode() if isinstance(raw, bytes) else str(raw)
                if not name[cut:].startswith("version-counter:"):
                    found.append(name[cut:])
            if int(cursor) == 0:
                return sorted(found)

    async def lease_acquire(self, key: str, holder: str, *, limit: int, lease_s: float) -> bool:
        return bool(await self._script(_LEASE_ACQUIRE, [self._k(key)],
                                       [holder, _ms(lease_s), limit]))

    async def lease_renew(self, key: str, holder: str, *, lease_s: float) -> bool:
        return bool(await self._script(_LEASE_RENEW, [self._k(key)], [holder, _ms(lease_s)]))

    async def lease_release(self, key: str, holder: str) -> None:
        await self._script(_LEASE_RELEASE, [self._k(key)],
                           [holder, self._freed.channel, self._freed.notice(key)])

    def lease_watch(self, key: str, wake: Callable[[], None]) -> Callable[[], None]:
        return self._freed.watch(key, wake)

    async def ping(self) -> None:
        await self._command("PING")

    def cache_state(self) -> tuple[bool, int] | None:
        if self._cache is None:
            return None
        return self._cache.serving(time.monotonic()), len(self._cache)

    async def close(self) -> None:
        if self._invalidations is not None:
            await self._invalidations.close()
        await self._freed.close()
        await self._wire.close()
        await self._redis.aclose()


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))


def _as_bytes(value: bytes | str | None) -> bytes | None:
    return value.encode() if isinstance(value, str) else value


def _as_version(value: bytes | str | None) -> int | None:
    """A version field as Redis answers it."""
    return int(value) if value is not None else None


def _glob_escape(text: str) -> str:
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)
