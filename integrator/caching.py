"""The one cache policy of the service for values derived from immutable objects (a set's compiled
mapping plans, a plan's compiled translator program, its row keys): keyed by the object's
identity plus a small key, holding the object so its id cannot be reused while cached, bounded
with least-recently-used eviction, safe to share between threads.

Integration sets and everything compiled from them are immutable; a changed set is a new object,
so an identity match is exact and a stale entry simply ages out.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class DerivedCache(Generic[V]):
    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._items: OrderedDict[tuple[int, Hashable], tuple[object, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, owner: object, key: Hashable, build: Callable[[], V]) -> V:
        """The value derived from ``owner`` under ``key``; ``build()`` makes it on a miss.

        ``build`` runs outside the lock: two threads may build the same value once each, and the
        later one wins (values are pure functions of the owner).
        """
        slot = (id(owner), key)
        with self._lock:
            hit = self._items.get(slot)
            if hit is not None and hit[0] is owner:
                self._items.move_to_end(slot)
                return hit[1]
        value = build()
        self.put(owner, key, value)
        return value

    def peek(self, owner: object, key: Hashable) -> V | None:
        """The cached value, without building or refreshing it."""
        hit = self._items.get((id(owner), key))
        return hit[1] if hit is not None and hit[0] is owner else None

    def put(self, owner: object, key: Hashable, value: V) -> None:
        slot = (id(owner), key)
        with self._lock:
            self._items[slot] = (owner, value)
            self._items.move_to_end(slot)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)
