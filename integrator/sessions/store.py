"""The shared store behind sets, sessions and locks: one interface, two implementations.

* ``MemoryStore`` serves a single instance (and the tests of that path).
* ``RedisStore`` (``sessions.redis_store``) is what replicas share (N6).

The interface is a handful of primitives whose semantics both implementations share exactly; the
contract test suite (tests/sessions/test_store_contract.py) runs against both. Domain logic (what a set or a
session is) lives above the store, once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Protocol

from integrator.sessions.redis_store import RedisStore


class Store(Protocol):
    async def get(self, key: str) -> bytes | None: ...

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        """``get`` of each key, in order, in one round trip."""
        ...

    async def set(self, key: str, value: bytes, *, ttl_s: float | None = None) -> None: ...

    async def set_if_absent(self, key: str, value: bytes, *, ttl_s: float | None = None) -> bool:
        """Write only when the key does not exist (an atomic claim). True when written."""
        ...

    async def set_if_absent_then_get(self, key: str, value: bytes, *, ttl_s: float,
                                     read: Sequence[str]) -> tuple[bool, list[bytes | None]]:
        """``set_if_absent(key, value, ttl_s)`` and, after it in the same round trip, ``get`` of
        each key of ``read`` (what the holder of a claim reads first)."""
        ...

    async def get_and_touch(self, key: str, ttl_s: float, *,
                            defer_s: float = 0.0) -> bytes | None:
        """Read a value and restart its time to live (idle expiry).

        With ``defer_s``, a store may leave the time to live as it is when this process
        restarted it less than ``defer_s`` ago (the key then lives at least ``ttl_s - defer_s``
        after this read), and may answer from a copy kept in this process while the shared
        store says the key did not change (``sessions.replica_cache``)."""
        ...

    async def get_and_touch_with_version(self, key: str, ttl_s: float, versioned_key: str, *,
                                         defer_s: float = 0.0) -> tuple[bytes | None, int | None]:
        """``get_and_touch(key, ttl_s, defer_s=defer_s)`` and ``get_version(versioned_key)`` in
        one round trip (a session and the version of its set, read on every request)."""
        ...

    async def delete(self, key: str) -> bool: ...

    async def delete_if_equal(self, key: str, value: bytes) -> bool:
        """Delete only while the key still holds ``value`` (releasing a lock one owns)."""
        ...

    async def touch_if_equal(self, key: str, value: bytes, *, ttl_s: float) -> bool:
        """Restart the time to live of ``key`` (to ``ttl_s``) only while it still holds ``value``
        (renewing a lock one owns; a lock that expired or was taken by another is never taken
        back). True when renewed."""
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

    async def lease_release(self, key: str, holder: str) -> None:
        """Free ``holder``'s seat of ``key`` (nothing when it holds none)."""
        ...

    def lease_watch(self, key: str, wake: Callable[[], None]) -> Callable[[], None]:
        """Call ``wake()`` when another replica frees a seat of ``key``, until the returned
        function is called. A hint that may be lost or come late (``sessions.freed``): a waiter
        still tries again by itself. The embedded store has no other replica: never called."""
        ...

    async def ping(self) -> None: ...

    def cache_state(self) -> tuple[bool, int] | None:
        """This process's copy of the shared store (``sessions.replica_cache``): whether it
        answers now, and how many values it holds; None for a store that keeps no copy."""
        ...

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

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        return [self._live(key) for key in keys]

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

    async def get_and_touch(self, key: str, ttl_s: float, *,
                            defer_s: float = 0.0) -> bytes | None:
        value = self._live(key)
        if value is not None:
            self._values[key] = (value, self._expiry(ttl_s))
        return value

    async def get_and_touch_with_version(self, key: str, ttl_s: float, versioned_key: str, *,
                                         defer_s: float = 0.0) -> tuple[bytes | None, int | None]:
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

    async def touch_if_equal(self, key: str, value: bytes, *, ttl_s: float) -> bool:
        if self._live(key) != value:
            return False
        self._values[key] = (value, self._expiry(ttl_s))
        return True

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

    def lease_watch(self, key: str, wake: Callable[[], None]) -> Callable[[], None]:
        return _unwatched

    async def ping(self) -> None:
        return None

    def cache_state(self) -> tuple[bool, int] | None:
        return None  # the values are in this process already

    async def close(self) -> None:
        return None


def _unwatched() -> None:
    return None


def open_store(url: str, *, prefix: str, cached: Sequence[str] = ()) -> Store:
    """The store at ``url``; a Redis store keeps the keys under ``cached`` on this replica while
    Redis says they did not change (the embedded store needs no copy)."""
    if url == "memory":
        return MemoryStore()
    return RedisStore(url, prefix=prefix, cached=cached)
