"""Values of the shared store kept on this replica while Redis says they have not changed (N6, N7;
issue 15 item 2). Pure state, no I/O: ``sessions.invalidations`` feeds it what Redis sends, and
``sessions.redis_store`` asks it before a round trip.

Redis' client-side caching (``CLIENT TRACKING ... BCAST PREFIX``) sends this replica the name of
every key under the tracked prefixes that any client changes, deletes or lets expire. A value read
from Redis may be answered again from here while all of these hold:

* the invalidation listener is **serving**: subscribed with tracking on, and heard from Redis
  (a message or its heartbeat's answer) within ``stale_after_s``. A listener that broke, or a
  network that went silent, stops every answer from here at once; its values are dropped;
* no invalidation of the key arrived **while the read was in flight** (a reply sent before a
  change may arrive after that change's invalidation: ``begin`` notes, per key, how many
  invalidations were seen, and ``end`` keeps the value only when none came in between), and the
  listener was not lost and found again meanwhile (``epoch``);
* the value's **deadline** has not passed (what Redis said was left of its time to live, counted
  from before the read was sent).

A write of this replica drops the key here too when its reply comes (``invalidate``), so a replica
reads its own writes at once, without waiting for the message.

What stays: a change made on another replica is seen here once its invalidation message arrives,
which Redis sends as the change's own reply leaves (one network hop; the requests in this event
loop's turn may still be answered from here).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# values kept at most; past this the cache starts again empty (a bound, not an eviction policy)
MAX_VALUES = 8192


@dataclass(frozen=True, slots=True)
class Ticket:
    """What a read noted when it was sent: the listener's epoch and, per key, the invalidations
    seen so far."""
    epoch: int
    seen: tuple[int, ...]


class ReplicaCache:
    def __init__(self, prefixes: Sequence[str], *, stale_after_s: float) -> None:
        self.prefixes = tuple(prefixes)  # the full Redis key prefixes tracked
        self.stale_after_s = stale_after_s
        self.epoch = 0
        self._live = False
        self._heard = -math.inf
        self._values: dict[str, tuple[bytes, float]] = {}  # key -> (value, monotonic deadline)
        self._touched: dict[str, float] = {}  # key -> when this replica last restarted its TTL
        self._inflight: dict[str, int] = {}  # key -> reads in flight
        self._changes: dict[str, int] = {}  # key -> invalidations while reads were in flight

    def covers(self, key: str) -> bool:
        return key.startswith(self.prefixes)

    # the listener's side

    def up(self, now: float) -> None:
        """Tracking is on and the listener subscribed: values read from now on may be kept."""
        self.epoch += 1
        self._live = True
        self._heard = now
        self._values.clear()

    def down(self) -> None:
        """The listener is lost: nothing is answered from here until it is ``up`` again."""
        self.epoch += 1
        self._live = False
        self._values.clear()

    def heard(self, now: float) -> None:
        self._heard = now

    def invalidate(self, keys: Iterable[str]) -> None:
        """These keys changed (Redis' message, or this replica's own write answered)."""
        for key in keys:
            self._values.pop(key, None)
            if key in self._inflight:
                self._changes[key] = self._changes.get(key, 0) + 1

    def invalidate_all(self) -> None:
        """Redis flushed its database (a message without keys)."""
        self.epoch += 1
        self._values.clear()

    # the reader's side

    def serving(self, now: float) -> bool:
        return self._live and now - self._heard <= self.stale_after_s

    def get(self, key: str, now: float) -> bytes | None:
        """The kept value of ``key``, if it may be answered without Redis."""
        if not self.serving(now):
            return None
        kept = self._values.get(key)
        if kept is None or kept[1] <= now:
            return None
        return kept[0]

    def touch_due(self, key: str, now: float, every_s: float) -> bool:
        """Whether this replica last restarted ``key``'s time to live ``every_s`` or more ago."""
        return now - self._touched.get(key, -math.inf) >= every_s

    def touched(self, key: str, at: float | None) -> None:
        """This replica restarted ``key``'s time to live at ``at`` (None: the key is gone)."""
        if at is None:
            self._touched.pop(key, None)
            return
        if len(self._touched) >= MAX_VALUES and key not in self._touched:
            self._touched.clear()  # a key forgotten is only touched again a little early
        self._touched[key] = at

    def begin(self, keys: Sequence[str]) -> Ticket:
        """A read of ``keys`` is about to be sent."""
        for key in keys:
            self._inflight[key] = self._inflight.get(key, 0) + 1
        return Ticket(self.epoch, tuple(self._changes.get(key, 0) for key in keys))

    def end(self, ticket: Ticket, keys: Sequence[str],
            values: Sequence[tuple[bytes | None, float]] | None) -> None:
        """The read of ``keys`` answered ``values`` (value, deadline) — or failed (None). Every
        ``begin`` is followed by one ``end``."""
        keep = values is not None and self._live and ticket.epoch == self.epoch
        for index, key in enumerate(keys):
            if keep and values is not None and self._changes.get(key, 0) == ticket.seen[index]:
                value, deadline = values[index]
                if value is not None:
                    if len(self._values) >= MAX_VALUES and key not in self._values:
                        self._values.clear()
                    self._values[key] = (value, deadline)
            left = self._inflight[key] - 1
            if left:
                self._inflight[key] = left
            else:
                del self._inflight[key]
                self._changes.pop(key, None)

    def __len__(self) -> int:
        return len(self._values)
