"""The Redis implementation of the shared store (``sessions.store.Store``): what replicas share
(N6). One Redis (``redis://``, ``rediss://``, ``unix://``) or the master a set of Redis Sentinels
names (``redis+sentinel://host:port,host:port/<master>/<db>``; docs/operations.md), found again
after a failover. The multi-key primitives are Lua scripts run on the server, so each is atomic
and one round trip.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import redis.asyncio as aioredis
from redis.asyncio.sentinel import Sentinel
from redis.exceptions import RedisError

from integrator.config import SENTINEL_SCHEMES, parse_sentinel_url
from integrator.errors import StoreUnavailable
from integrator.sessions.freed import CHANNEL, FreedSeats

T = TypeVar("T")


# Redis: a versioned key is a hash {version, data}; its counter lives apart so it survives a delete.
_PUT_VERSIONED = """
local v = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], 'version', v, 'data', ARGV[1])
return v
"""
_DELETE_IF_EQUAL = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end
"""
_TOUCH_IF_EQUAL = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end
"""
# a failing SET raises out of the script before the delete runs
_SET_THEN_DELETE_IF_EQUAL = """
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if redis.call('GET', KEYS[2]) == ARGV[3] then return redis.call('DEL', KEYS[2]) else return 0 end
"""
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
_LEASE_ACQUIRE = _LEASE_PRELUDE + """
if redis.call('ZSCORE', KEYS[1], ARGV[1]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  return hold()
end
return 0
"""
_LEASE_RENEW = _LEASE_PRELUDE + """
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return hold() end
return 0
"""
# a freed seat is announced to the other replicas' waiting writes (sessions.freed); a notice the
# Redis login may not publish (an ACL without the channel) is left out, the seat is freed all the same
_LEASE_RELEASE = """
if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then redis.pcall('PUBLISH', ARGV[2], ARGV[3]) end
return 0
"""


class RedisStore:
    """Store on Redis. Every call has a socket timeout; failures become ``StoreUnavailable``."""

    def __init__(self, url: str, *, prefix: str = "integrator:", timeout_s: float = 2.0) -> None:
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
            self._redis = aioredis.Redis.from_url(url, health_check_interval=30, **timeouts)
        self._put_versioned = self._redis.register_script(_PUT_VERSIONED)
        self._delete_if_equal = self._redis.register_script(_DELETE_IF_EQUAL)
        self._touch_if_equal = self._redis.register_script(_TOUCH_IF_EQUAL)
        self._set_then_delete_if_equal = self._redis.register_script(_SET_THEN_DELETE_IF_EQUAL)
        self._lease_acquire = self._redis.register_script(_LEASE_ACQUIRE)
        self._lease_renew = self._redis.register_script(_LEASE_RENEW)
        self._lease_release = self._redis.register_script(_LEASE_RELEASE)
        self._freed = FreedSeats(self._redis, self._k(CHANNEL))

    def _k(self, key: str) -> str:
        return self._prefix + key

    async def _call(self, awaitable: Awaitable[T]) -> T:
        try:
            return await awaitable
        except (RedisError, OSError, TimeoutError) as exc:
            raise StoreUnavailable(f"the shared store is unavailable: {type(exc).__name__}") from exc

    async def get(self, key: str) -> bytes | None:
        return _as_bytes(await self._call(self._redis.get(self._k(key))))

    async def set(self, key: str, value: bytes, *, ttl_s: float | None = None) -> None:
        px = None if ttl_s is None else _ms(ttl_s)
        await self._call(self._redis.set(self._k(key), value, px=px))

    async def set_if_absent(self, key: str, value: bytes, *, ttl_s: float | None = None) -> bool:
        px = None if ttl_s is None else _ms(ttl_s)
        result = await self._call(self._redis.set(self._k(key), value, px=px, nx=True))
        return bool(result)

    async def set_if_absent_then_get(self, key: str, value: bytes, *, ttl_s: float,
                                     read: Sequence[str]) -> tuple[bool, list[bytes | None]]:
        # a pipeline runs its commands in order: the reads see what was there once the claim was
        # taken, as reads in round trips of their own would
        pipe = self._redis.pipeline(transaction=False)
        pipe.set(self._k(key), value, px=_ms(ttl_s), nx=True)
        for other in read:
            pipe.get(self._k(other))
        taken, *values = await self._call(pipe.execute())
        return bool(taken), [_as_bytes(v) for v in values]

    async def get_and_touch(self, key: str, ttl_s: float) -> bytes | None:
        return _as_bytes(await self._call(
            self._redis.getex(self._k(key), px=_ms(ttl_s))))

    async def get_and_touch_with_version(self, key: str, ttl_s: float,
                                         versioned_key: str) -> tuple[bytes | None, int | None]:
        pipe = self._redis.pipeline(transaction=False)
        pipe.getex(self._k(key), px=_ms(ttl_s))
        pipe.hget(self._k(versioned_key), "version")
        value, version = await self._call(pipe.execute())
        return _as_bytes(value), _as_version(version)

    async def delete(self, key: str) -> bool:
        return bool(await self._call(self._redis.delete(self._k(key))))

    async def delete_if_equal(self, key: str, value: bytes) -> bool:
        return bool(await self._call(self._delete_if_equal(keys=[self._k(key)], args=[value])))

    async def touch_if_equal(self, key: str, value: bytes, *, ttl_s: float) -> bool:
        return bool(await self._call(self._touch_if_equal(keys=[self._k(key)],
                                                          args=[value, _ms(ttl_s)])))

    async def set_then_delete_if_equal(self, key: str, value: bytes, *, ttl_s: float,
                                       owned: str, token: bytes) -> bool:
        return bool(await self._call(self._set_then_delete_if_equal(
            keys=[self._k(key), self._k(owned)], args=[value, _ms(ttl_s), token])))

    async def put_versioned(self, key: str, value: bytes) -> int:
        result = await self._call(self._put_versioned(
            keys=[self._k(key), self._k("version-counter:" + key)], args=[value]))
        return int(result)

    async def get_versioned(self, key: str) -> tuple[int, bytes] | None:
        version, data = await self._call(self._redis.hmget(self._k(key), ["version", "data"]))
        if version is None or data is None:
            return None
        return int(version), _as_bytes(data) or b""

    async def get_version(self, key: str) -> int | None:
        return _as_version(await self._call(self._redis.hget(self._k(key), "version")))

    async def delete_versioned(self, key: str) -> bool:
        return bool(await self._call(self._redis.delete(self._k(key))))

    async def keys(self, prefix: str) -> list[str]:
        found: list[str] = []
        cut = len(self._prefix)

        async def scan() -> None:
            async for raw in self._redis.scan_iter(match=self._k(_glob_escape(prefix)) + "*",
                                                   count=500):
                name = raw.decode() if isinstance(raw, bytes) else str(raw)
                if not name[cut:].startswith("version-counter:"):
                    found.append(name[cut:])

        await self._call(scan())
        return sorted(found)

    async def lease_acquire(self, key: str, holder: str, *, limit: int, lease_s: float) -> bool:
        return bool(await self._call(self._lease_acquire(
            keys=[self._k(key)], args=[holder, _ms(lease_s), limit])))

    async def lease_renew(self, key: str, holder: str, *, lease_s: float) -> bool:
        return bool(await self._call(self._lease_renew(keys=[self._k(key)],
                                                       args=[holder, _ms(lease_s)])))

    async def lease_release(self, key: str, holder: str) -> None:
        await self._call(self._lease_release(
            keys=[self._k(key)], args=[holder, self._freed.channel, self._freed.notice(key)]))

    def lease_watch(self, key: str, wake: Callable[[], None]) -> Callable[[], None]:
        return self._freed.watch(key, wake)

    async def ping(self) -> None:
        await self._call(self._redis.ping())

    async def close(self) -> None:
        await self._freed.close()
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
