"""The shared store behind sets, sessions and locks: one interface, two implementations.

* ``MemoryStore`` serves a single instance (and the tests of that path).
* ``RedisStore`` (``redis.asyncio``) is what replicas share (N6): one Redis (``redis://``,
  ``rediss://``, ``unix://``) or the master a set of Redis Sentinels names
  (``redis+sentinel://host:port,host:port/<master>/<db>``; docs/operations.md), found again after
  a failover.

The interface is a handful of primitives whose semantics both implementations share exactly; the
contract test suite (tests/test_store_contract.py) runs against both. Domain logic (what a set or a
session is) lives above the store, once.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Sequence
from typing import Any, Protocol, TypeVar

import redis.asyncio as aioredis
from redis.asyncio.sentinel import Sentinel
from redis.exceptions import RedisError

from integrator.config import SENTINEL_SCHEMES, parse_sentinel_url
from integrator.errors import StoreUnavailable

T = TypeVar("T")


class Store(Protocol):
    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes, *, ttl_s: float | None = None) -> None: ...

    async def set_if_absent(self, key: str, value: bytes, *, ttl_s: float | None = None) -> bool:
        """Write only when the key does not exist (an atomic claim). True when written."""
        ...

    async def set_if_absent_then_get(self, key: str, value: bytes, *, ttl_s: float,
                                     read: Sequence[str]) -> tuple[bool, list[bytes | None]]:
        """``set_if_absent(key, value, ttl_s)`` and, after it in the same round trip, ``get`` of
        each key of ``read`` (what the holder of a claim reads first)."""
        ...

    async def get_and_touch(self, key: str, ttl_s: float) -> bytes | None:
        """Read a value and restart its time to live (idle expiry)."""
        ...

    async def get_and_touch_with_version(self, key: str, ttl_s: float,
                                         versioned_key: str) -> tuple[bytes | None, int | None]:
        """``get_and_touch(key, ttl_s)`` and ``get_version(versioned_key)`` in one round trip
        (a session and the version of its set, read on every request)."""
        ...

    async def delete(self, key: str) -> bool: ...

    async def delete_if_equal(self, key: str, value: bytes) -> bool:
        """Delete only while the key still holds ``value`` (releasing a lock one owns)."""
        ...

    async def set_then_delete_if_equal(self, key: str, value: bytes, *, ttl_s: float,
                                       owned: str, token: bytes) -> bool:
        """``set(key, value, ttl_s)``, then ``delete_if_equal(owned, token)`` once the write is
        made, in one round trip (a link kept, then its claim freed); whether ``owned`` was
        deleted. When the write fails, ``owned`` is left alone."""
        ...

    async def put_versioned(self, key: str, value: bytes) -> int:
        """Store ``value`` with the next version number of ``key`` and return that version.

        Versions only grow, also across deletes: a re-created key continues the count.
        """
        ...

    async def get_versioned(self, key: str) -> tuple[int, bytes] | None: ...

    async def get_version(self, key: str) -> int | None: ...

    async def delete_versioned(self, key: str) -> bool: ...

    async def keys(self, prefix: str) -> list[str]:
        """Keys (live, without the store's own prefix) that start with ``prefix``."""
        ...

    async def lease_acquire(self, key: str, holder: str, *, limit: int, lease_s: float) -> bool:
        """Take one of ``limit`` seats of ``key`` for ``holder`` until ``lease_s`` from now (a
        counting semaphore whose seats expire: a holder that dies frees its seat when its lease
        runs out). True when taken (or already held: the lease restarts)."""
        ...

    async def lease_renew(self, key: str, holder: str, *, lease_s: float) -> bool:
        """Restart ``holder``'s lease; False when it no longer holds a seat (the lease ran out)."""
        ...

    async def lease_release(self, key: str, holder: str) -> None: ...

    async def ping(self) -> None: ...

    async def close(self) -> None: ...


class MemoryStore:
    """In-process store. Expiry is checked on access, like Redis' lazy expiry."""

    def __init__(self) -> None:
        self._values: dict[str, tuple[bytes, float | None]] = {}
        self._versions: dict[str, int] = {}
        self._versioned: dict[str, tuple[int, bytes]] = {}
        self._leases: dict[str, dict[str, float]] = {}  # key -> holder -> expiry (monotonic)

    def _live(self, key: str) -> bytes | None:
        item = self._values.get(key)
        if item is None:
            return None
        value, expires = item
        if expires is not None and expires <= time.monotonic():
            del self._values[key]
            return None
        return value

    @staticmethod
    def _expiry(ttl_s: float | None) -> float | None:
        return None if ttl_s is None else time.monotonic() + ttl_s

    async def get(self, key: str) -> bytes | None:
        return self._live(key)

    async def set(self, key: str, value: bytes, *, ttl_s: float | None = None) -> None:
        self._values[key] = (value, self._expiry(ttl_s))

    async def set_if_absent(self, key: str, value: bytes, *, ttl_s: float | None = None) -> bool:
        if self._live(key) is not None:
            return False
        self._values[key] = (value, self._expiry(ttl_s))
        return True

    async def set_if_absent_then_get(self, key: str, value: bytes, *, ttl_s: float,
                                     read: Sequence[str]) -> tuple[bool, list[bytes | None]]:
        return await self.set_if_absent(key, value, ttl_s=ttl_s), [self._live(k) for k in read]

    async def get_and_touch(self, key: str, ttl_s: float) -> bytes | None:
        value = self._live(key)
        if value is not None:
            self._values[key] = (value, self._expiry(ttl_s))
        return value

    async def get_and_touch_with_version(self, key: str, ttl_s: float,
                                         versioned_key: str) -> tuple[bytes | None, int | None]:
        return await self.get_and_touch(key, ttl_s), await self.get_version(versioned_key)

    async def delete(self, key: str) -> bool:
        existed = self._live(key) is not None
        self._values.pop(key, None)
        return existed

    async def delete_if_equal(self, key: str, value: bytes) -> bool:
        if self._live(key) == value:
            del self._values[key]
            return True
        return False

    async def set_then_delete_if_equal(self, key: str, value: bytes, *, ttl_s: float,
                                       owned: str, token: bytes) -> bool:
        await self.set(key, value, ttl_s=ttl_s)
        return await self.delete_if_equal(owned, token)

    async def put_versioned(self, key: str, value: bytes) -> int:
        version = self._versions.get(key, 0) + 1
        self._versions[key] = version
        self._versioned[key] = (version, value)
        return version

    async def get_versioned(self, key: str) -> tuple[int, bytes] | None:
        return self._versioned.get(key)

    async def get_version(self, key: str) -> int | None:
        item = self._versioned.get(key)
        return item[0] if item else None

    async def delete_versioned(self, key: str) -> bool:
        return self._versioned.pop(key, None) is not None

    async def keys(self, prefix: str) -> list[str]:
        live = [k for k in list(self._values) if k.startswith(prefix) and self._live(k) is not None]
        leased = [k for k in list(self._leases) if k.startswith(prefix) and self._seats(k)]
        return sorted(live + leased + [k for k in self._versioned if k.startswith(prefix)])

    def _seats(self, key: str) -> dict[str, float]:
        now = time.monotonic()
        seats = {h: t for h, t in self._leases.get(key, {}).items() if t > now}
        self._leases[key] = seats
        return seats

    async def lease_acquire(self, key: str, holder: str, *, limit: int, lease_s: float) -> bool:
        seats = self._seats(key)
        if holder not in seats and len(seats) >= limit:
            return False
        seats[holder] = time.monotonic() + lease_s
        return True

    async def lease_renew(self, key: str, holder: str, *, lease_s: float) -> bool:
        seats = self._seats(key)
        if holder not in seats:
            return False
        seats[holder] = time.monotonic() + lease_s
        return True

    async def lease_release(self, key: str, holder: str) -> None:
        self._seats(key).pop(holder, None)

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        return None


# Redis: a versioned key is a hash {version, data}; its counter lives apart so it survives a delete.
_PUT_VERSIONED = """
local v = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], 'version', v, 'data', ARGV[1])
return v
"""
_DELETE_IF_EQUAL = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end
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
        self._set_then_delete_if_equal = self._redis.register_script(_SET_THEN_DELETE_IF_EQUAL)
        self._lease_acquire = self._redis.register_script(_LEASE_ACQUIRE)
        self._lease_renew = self._redis.register_script(_LEASE_RENEW)

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
        await self._call(self._redis.zrem(self._k(key), holder))

    async def ping(self) -> None:
        await self._call(self._redis.ping())

    async def close(self) -> None:
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


def open_store(url: str, *, prefix: str) -> Store:
    if url == "memory":
        return MemoryStore()
    return RedisStore(url, prefix=prefix)
