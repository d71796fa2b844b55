"""Notices of freed lease seats between replicas (N5, N6; issue 15 item 5).

A write that waits for one of a set's ERP write seats (``erp.resilience.SharedWriteLimiter``) is
woken at once when a write of its own replica ends; a seat freed by another replica used to wait
for the waiter's next poll (20-250 ms), while the seat stood empty. Now the store's release of a
seat publishes a notice (in the same Lua script as the release: no extra round trip), and every
replica that has had waiting writes listens on one pub/sub connection and wakes the first write in
line for that key.

A notice is a hint. It may be lost (the pub/sub connection broke, a replica subscribed a moment
late, a lease ran out instead of being released) and the waiters still poll, so nothing depends
on it but the wait. A replica ignores its own notices: its writes wake their own line directly.

The message: ``<replica id> <key>`` on the channel ``<store prefix>seats-freed``.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import Callable
from typing import Any

import structlog
from redis.exceptions import NoPermissionError, RedisError

log = structlog.get_logger("integrator.store")

CHANNEL = "seats-freed"
RETRY_S = (0.1, 30.0)  # first and longest pause before the listener subscribes again
READ_TIMEOUT_S = 1.0  # one wait for a message; the loop then waits again


def notice(replica: bytes, key: str) -> bytes:
    return replica + b" " + key.encode()


def parse_notice(message: bytes) -> tuple[bytes, str] | None:
    """(replica, key) of a notice; None for anything else on the channel."""
    replica, space, key = message.partition(b" ")
    if not space or not replica or not key:
        return None
    try:
        return replica, key.decode()
    except UnicodeDecodeError:
        return None


class FreedSeats:
    """The watchers of one store: ``watch(key, wake)`` calls ``wake()`` for every notice of
    ``key`` from another replica. The listener (one pub/sub connection) starts with the first
    watcher and runs until ``close``; it subscribes again after a broken connection."""

    def __init__(self, redis: Any, channel: str) -> None:
        self._redis = redis
        self.channel = channel
        self.replica = secrets.token_hex(8).encode()  # this store: its own notices are skipped
        self._watchers: dict[str, list[Callable[[], None]]] = {}
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    def notice(self, key: str) -> bytes:
        return notice(self.replica, key)

    def watch(self, key: str, wake: Callable[[], None]) -> Callable[[], None]:
        """Call ``wake`` on notices of ``key`` until the returned function is called."""
        self._watchers.setdefault(key, []).append(wake)
        if not self._closed and (self._task is None or self._task.done()):
            self._task = asyncio.get_running_loop().create_task(self._listen())

        def stop() -> None:
            watchers = self._watchers.get(key)
            if watchers is not None and wake in watchers:
                watchers.remove(wake)
                if not watchers:
                    del self._watchers[key]

        return stop

    def dispatch(self, message: bytes) -> int:
        """Wake the watchers a notice concerns; how many were called."""
        parsed = parse_notice(message)
        if parsed is None or parsed[0] == self.replica:
            return 0
        watchers = list(self._watchers.get(parsed[1], ()))
        for wake in watchers:
            wake()
        return len(watchers)

    async def _listen(self) -> None:
        pause = RETRY_S[0]
        while not self._closed:  # (also checked: a cancel lost inside redis-py's connect)
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                pause = RETRY_S[0]
                while not self._closed:
                    message = await pubsub.get_message(ignore_subscribe_messages=True,
                                                       timeout=READ_TIMEOUT_S)
                    if message is not None and message.get("type") == "message":
                        data = message.get("data")
                        if isinstance(data, bytes):
                            self.dispatch(data)
            except NoPermissionError:
                pause = RETRY_S[1]
                log.warning("seat_notices_not_permitted", channel=self.channel, retry_s=pause,
                            hint="the Redis login may not subscribe to the channel: allow it "
                                 "in its ACL (docs/operations.md); waiting writes poll instead")
            except (RedisError, OSError, TimeoutError) as exc:
                # the waiters poll meanwhile; listen again after a pause
                log.warning("seat_notices_interrupted", error=type(exc).__name__,
                            retry_s=pause)
            finally:
                await _close_quietly(pubsub)
            if self._closed:
                return
            await asyncio.sleep(pause)
            pause = min(pause * 2, RETRY_S[1])

    async def close(self) -> None:
        self._closed = True
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            # bounded: a cancel lost inside redis-py (sessions.invalidations) ends the loop at its
            # next message wait instead
            await asyncio.wait({task}, timeout=2 * READ_TIMEOUT_S)
            if not task.done():
                log.warning("seat_notices_listener_not_stopped")
        self._watchers.clear()


async def _close_quietly(pubsub: Any) -> None:
    with contextlib.suppress(RedisError, OSError, TimeoutError):
        await pubsub.aclose()
