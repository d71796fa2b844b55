"""Sessions and set versions kept on the replica, kept true by Redis' invalidations (N6, N7; issue
15 item 2), on real Redis: a session read again costs no round trip; a change made elsewhere, a
replica's own write, an expiry, a lost or silent listener and a login without tracking are all
seen. (The pure rules: test_replica_cache.py.)"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import redis.asyncio as aioredis

from integrator.errors import SessionExpired, StoreUnavailable
from integrator.sessions.manager import SESSION_KEY, SessionManager
from integrator.sessions.redis_store import RedisStore
from integrator.sessions.redis_wire import Wire
from integrator.sessions.registry import SET_KEY, SetRegistry
from tests.fixtures.common import tiger_set

pytestmark = pytest.mark.redis

CACHED = ("s:", "v:")
# long enough that a busy machine (the suite runs under -n 2) never makes the copy stale between
# two reads of a test; the silent-network test uses a short one of its own
HEARTBEAT_S = 0.5
SHORT_HEARTBEAT_S = 0.1


class CountingWire:
    """The store's own command path, counting its round trips (the thing under test is the
    cache in front of it)."""

    def __init__(self, wire: Wire) -> None:
        self._wire = wire
        self.round_trips = 0

    def command(self, *args: Any) -> Awaitable[Any]:
        self.round_trips += 1
        return self._wire.command(*args)

    def pipeline(self, commands: Any) -> Awaitable[list[Any]]:
        self.round_trips += 1
        return self._wire.pipeline(commands)

    def script(self, *args: Any) -> Awaitable[Any]:
        self.round_trips += 1
        return self._wire.script(*args)

    def close(self) -> Awaitable[None]:
        return self._wire.close()


def counted(store: RedisStore) -> CountingWire:
    wire = CountingWire(store._wire)
    store._wire = wire  # type: ignore[assignment]
    return wire


async def until(check: Callable[[], Any], within_s: float = 5.0) -> None:
    deadline = time.monotonic() + within_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within_s} s")
        await asyncio.sleep(0.005)


def serving(store: RedisStore) -> bool:
    assert store._cache is not None
    return store._cache.serving(time.monotonic())


@contextlib.asynccontextmanager
async def replica(url: str, prefix: str, **options: Any) -> AsyncIterator[RedisStore]:
    options.setdefault("heartbeat_s", HEARTBEAT_S)
    store = RedisStore(url, prefix=prefix, cached=CACHED, **options)
    try:
        yield store
    finally:
        await store.close()


async def warm(store: RedisStore, key: str, *, ttl_s: float = 60, defer_s: float = 5) -> None:
    """Read ``key`` until the replica answers it from its copy (its listener up, the time to live
    restarted, the value kept)."""
    await store.get_and_touch(key, ttl_s, defer_s=defer_s)
    await until(lambda: serving(store))
    await store.get_and_touch(key, ttl_s, defer_s=defer_s)


async def test_a_session_read_again_costs_no_round_trip_until_its_touch_is_due_n6(
        redis_url: str, store_prefix: str, admin: aioredis.Redis) -> None:
    async with replica(redis_url, store_prefix) as here:
        wire = counted(here)
        await here.set("s:a", b"A", ttl_s=60)
        await warm(here, "s:a", defer_s=0.5)
        wire.round_trips = 0
        for _ in range(20):
            assert await here.get_and_touch("s:a", 60, defer_s=0.5) == b"A"
        assert wire.round_trips == 0
        # the idle time is restarted once the interval has passed: one round trip, a full TTL
        await admin.pexpire(store_prefix + "s:a", 5_000)
        await asyncio.sleep(0.5)
        assert await here.get_and_touch("s:a", 60, defer_s=0.5) == b"A"
        assert wire.round_trips == 1
        assert await admin.pttl(store_prefix + "s:a") > 55_000
        # a key outside the cached prefixes, or a read without defer_s, always goes to Redis
        await here.set("other", b"O")
        wire.round_trips = 0
        assert await here.get_and_touch("other", 60, defer_s=0.5) == b"O"
        assert await here.get_and_touch("other", 60, defer_s=0.5) == b"O"
        assert await here.get_and_touch("s:a", 60) == b"A"
        assert wire.round_trips == 3


async def test_a_session_and_its_sets_version_are_kept_together_n6(
        redis_url: str, store_prefix: str) -> None:
    async with replica(redis_url, store_prefix) as here, replica(redis_url,
                                                                 store_prefix) as there:
        wire = counted(here)
        await here.set("s:a", b"A", ttl_s=60)
        first = await there.put_versioned("v:S", b"one")
        await here.get_and_touch_with_version("s:a", 60, "v:S", defer_s=5)
        await until(lambda: serving(here))
        assert await here.get_and_touch_with_version("s:a", 60, "v:S", defer_s=5) == (b"A", first)
        wire.round_trips = 0
        assert await here.get_and_touch_with_version("s:a", 60, "v:S", defer_s=5) == (b"A", first)
        assert wire.round_trips == 0
        second = await there.put_versioned("v:S", b"two")  # another replica pushes the set
        await until(lambda: here._cache is not None and here._cache.get(
            store_prefix + "v:S", time.monotonic()) is None)
        assert await here.get_and_touch_with_version("s:a", 60, "v:S", defer_s=5) == (b"A", second)
        await there.delete_versioned("v:S")
        await until(lambda: here._cache is not None and here._cache.get(
            store_prefix + "v:S", time.monotonic()) is None)
        assert await here.get_and_touch_with_version("s:a", 60, "v:S", defer_s=5) == (b"A", None)


async def test_a_change_on_another_replica_is_seen_here_n6(
        redis_url: str, store_prefix: str) -> None:
    async with replica(redis_url, store_prefix) as here, replica(redis_url,
                                                                 store_prefix) as there:
        await there.set("s:a", b"A", ttl_s=60)
        await warm(here, "s:a")
        await there.set("s:a", b"B", ttl_s=60)  # a switch of set, say
        # the invalidation left Redis with the reply to that write
        await until(lambda: here._cache is not None and len(here._cache) == 0, within_s=1)
        assert await here.get_and_touch("s:a", 60, defer_s=5) == b"B"
        assert await here.get_and_touch("s:a", 60, defer_s=5) == b"B"
        assert await there.delete("s:a")  # closed on the other replica
        await until(lambda: here._cache is not None and len(here._cache) == 0, within_s=1)
        assert await here.get_and_touch("s:a", 60, defer_s=5) is None


async def test_a_replica_reads_its_own_writes_at_once_n6(
        proxy: Proxy, store_prefix: str) -> None:
    """No waiting for Redis' message (held back here by 50 ms): the write's own reply drops the
    copy."""
    proxy.listener_delay_s = 0.05
    async with replica(await proxy.start(), store_prefix) as here:
        await here.set("s:a", b"A", ttl_s=60)
        await warm(here, "s:a")
        await here.set("s:a", b"B", ttl_s=60)
        assert await here.get_and_touch("s:a", 60, defer_s=5) == b"B"
        await asyncio.sleep(0.1)
        await warm(here, "s:a")
        assert await here.delete("s:a")
        assert await here.get_and_touch("s:a", 60, defer_s=5) is None


async def test_a_reply_older_than_an_invalidation_already_seen_is_not_kept_n6(
        proxy: Proxy, redis_url: str, store_prefix: str) -> None:
    """Redis' replies to the replica's reads held back by 50 ms, its messages not: a read made
    before another replica's write answers after that write's invalidation arrived. Keeping the
    answer would keep the old value with no message left to drop it."""
    proxy.data_delay_s = 0.05
    async with replica(await proxy.start(), store_prefix) as here, replica(
            redis_url, store_prefix) as there:
        await there.set("s:a", b"A", ttl_s=60)
        await warm(here, "s:a")
        await asyncio.sleep(0.1)
        assert await here.get_and_touch("s:a", 60, defer_s=5) == b"A"
        assert here._cache is not None
        here._cache.invalidate([store_prefix + "s:a"])  # as if the replica's copy was dropped
        read = asyncio.create_task(here.get_and_touch("s:a", 60, defer_s=5))
        await asyncio.sleep(0.02)  # the read has reached Redis; its answer is on its way
        await there.set("s:a", b"B", ttl_s=60)
        assert await read == b"A"  # what Redis held when it read
        await asyncio.sleep(0.1)
        assert await here.get_and_touch("s:a", 60, defer_s=5) == b"B"


async def test_a_key_that_expires_in_redis_is_not_answered_after_n6(
        redis_url: str, store_prefix: str, admin: aioredis.Redis) -> None:
    """The copy lives no longer than what Redis said was left of the key's time to live, message
    or no message."""
    async with replica(redis_url, store_prefix) as here:
        await here.set("s:a", b"A", ttl_s=60)
        await warm(here, "s:a")
        await admin.pexpire(store_prefix + "s:a", 300)  # not through this replica's store
        await until(lambda: here._cache is not None and len(here._cache) == 0, within_s=1)
        assert await here.get_and_touch("s:a", 60, defer_s=5) == b"A"  # kept: 300 ms left
        await asyncio.sleep(0.35)
        assert await here.get_and_touch("s:a", 60, defer_s=5) is None


async def test_reads_converge_on_the_last_write_under_concurrent_writes_n6(
        redis_url: str, store_prefix: str) -> None:
    """Reads in flight while another replica writes: whatever interleaving the replies and the
    messages take, the replica answers the last value once the writes stop, and keeps answering
    it."""
    async with replica(redis_url, store_prefix) as here, replica(redis_url,
                                                                 store_prefix) as there:
        await there.set("s:a", b"0", ttl_s=60)
        await warm(here, "s:a")
        stop = asyncio.Event()

        async def reader() -> None:
            while not stop.is_set():
                await here.get_and_touch("s:a", 60, defer_s=0.05)
                await asyncio.sleep(0)  # an answer from the copy does not yield by itself

        readers = [asyncio.create_task(reader()) for _ in range(4)]
        for value in range(1, 301):
            await there.set("s:a", str(value).encode(), ttl_s=60)
            if value % 7 == 0:
                await asyncio.sleep(0)
        stop.set()
        await asyncio.gather(*readers)
        await until(lambda: here._cache is not None
                    and here._cache.get(store_prefix + "s:a", time.monotonic()) in (None, b"300"),
                    within_s=1)
        for _ in range(20):
            assert await here.get_and_touch("s:a", 60, defer_s=5) == b"300"


async def test_a_killed_listener_turns_the_copy_off_until_it_is_back_n6(
        redis_url: str, store_prefix: str, admin: aioredis.Redis) -> None:
    async with replica(redis_url, store_prefix) as here:
        wire = counted(here)
        await here.set("s:a", b"A", ttl_s=60)
        await warm(here, "s:a")
        assert here._invalidations is not None and here._invalidations.connection_id
        await admin.client_kill_filter(_id=str(here._invalidations.connection_id))
        await until(lambda: not serving(here), within_s=1)
        await admin.set(store_prefix + "s:a", b"B", px=60_000)  # no message can reach it now
        wire.round_trips = 0
        assert await here.get_and_touch("s:a", 60, defer_s=5) == b"B"
        assert wire.round_trips == 1
        await until(lambda: serving(here))  # the listener is back (after 0.1 s)
        await here.get_and_touch("s:a", 60, defer_s=5)
        wire.round_trips = 0
        assert await here.get_and_touch("s:a", 60, defer_s=5) == b"B"
        assert wire.round_trips == 0


class Proxy:
    """A loopback TCP proxy in front of Redis that can hold back Redis' bytes to the replica: on
    the invalidation listener's connection (``listener_delay_s``), on the others
    (``data_delay_s``), or all of them, while the connections stay open (``freeze``: a network
    gone silent)."""

    def __init__(self, port: int) -> None:
        self._port = port
        self.listener_delay_s = 0.0
        self.data_delay_s = 0.0
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: list[asyncio.StreamWriter] = []

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._connected, "127.0.0.1", 0)
        return f"redis://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    def freeze(self) -> None:
        self._flowing.clear()

    async def _connected(self, reader: asyncio.StreamReader,
                         writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", self._port)
        self._writers += [writer, upstream_writer]
        listener: list[bool] = []  # set once the replica's side asks for tracking
        for source, sink, back in ((reader, upstream_writer, False),
                                   (upstream_reader, writer, True)):
            task = asyncio.create_task(self._pump(source, sink, back, listener))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pump(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter, back: bool,
                    listener: list[bool]) -> None:
        with contextlib.suppress(OSError):
            while data := await source.read(65536):
                if not back and b"TRACKING" in data:
                    listener.append(True)
                await self._flowing.wait()
                delay = (self.listener_delay_s if listener else self.data_delay_s) if back else 0
                if delay:
                    await asyncio.sleep(delay)
                sink.write(data)
                await sink.drain()
        sink.close()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for writer in self._writers:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
        if self._server is not None:
            await self._server.wait_closed()


@pytest.fixture
async def proxy(redis_url: str) -> AsyncIterator[Proxy]:
    front = Proxy(int(redis_url.rsplit(":", 1)[1].split("/")[0]))
    try:
        yield front
    finally:
        await front.close()


async def test_a_replica_cut_off_from_redis_stops_answering_from_its_copy_n6(
        proxy: Proxy, store_prefix: str) -> None:
    """No closed connection, no message: Redis just goes silent. Within two heartbeats the
    replica stops answering from its copy (a session closed meanwhile elsewhere would otherwise
    live on here) and its reads fail like any read of an unreachable store."""
    async with replica(await proxy.start(), store_prefix, timeout_s=0.3,
                       heartbeat_s=SHORT_HEARTBEAT_S) as here:
        await here.set("s:a", b"A", ttl_s=60)
        await warm(here, "s:a")
        assert await here.get_and_touch("s:a", 60, defer_s=5) == b"A"
        proxy.freeze()
        await asyncio.sleep(2 * SHORT_HEARTBEAT_S + 0.15)
        assert not serving(here)
        with pytest.raises(StoreUnavailable):
            await here.get_and_touch("s:a", 60, defer_s=5)


@contextlib.asynccontextmanager
async def login(redis_url: str, store_prefix: str, *,
                commands: list[str]) -> AsyncIterator[str]:
    user = f"itest-{store_prefix.split(':')[1]}"
    admin = aioredis.Redis.from_url(redis_url)
    try:
        await admin.acl_setuser(user, enabled=True, passwords=["+pw"], keys=["*"],
                                commands=commands, channels=["*"])
        yield redis_url.replace("redis://", f"redis://{user}:pw@", 1)
    finally:
        await admin.acl_deluser(user)
        await admin.aclose()


async def test_a_login_that_may_not_track_reads_every_session_from_redis_n6(
        redis_url: str, store_prefix: str) -> None:
    """An ACL without ``CLIENT TRACKING``: the copy stays off, and every read still answers
    right, from Redis, restarting the time to live each time as before."""
    async with login(redis_url, store_prefix, commands=["+@all", "-client|tracking"]) as url:
        here = RedisStore(url, prefix=store_prefix, cached=CACHED, heartbeat_s=HEARTBEAT_S)
        try:
            wire = counted(here)
            await here.set("s:a", b"A", ttl_s=60)
            wire.round_trips = 0
            for _ in range(5):
                assert await here.get_and_touch("s:a", 60, defer_s=5) == b"A"
                await asyncio.sleep(0.05)
            assert not serving(here)
            assert wire.round_trips == 5
        finally:
            await here.close()


async def test_a_session_closed_on_another_replica_ends_here_n6(
        redis_url: str, store_prefix: str) -> None:
    """Through the session manager: the session is resolved from the copy, then closed by another
    replica; the next request here after the message finds it gone."""
    cached = (SESSION_KEY, SET_KEY)
    here = RedisStore(redis_url, prefix=store_prefix, cached=cached, heartbeat_s=HEARTBEAT_S)
    there = RedisStore(redis_url, prefix=store_prefix, cached=cached, heartbeat_s=HEARTBEAT_S)
    try:
        sets = [tiger_set()]
        here_sessions = SessionManager(here, SetRegistry(here, sets), idle_ttl_s=60)
        there_sessions = SessionManager(there, SetRegistry(there, sets), idle_ttl_s=60)
        session = (await there_sessions.open("ayse", None, "crm-core")).session_id
        first = await here_sessions.resolve(session, "crm-core")
        await until(lambda: serving(here))
        await here_sessions.resolve(session, "crm-core")
        wire = counted(here)
        assert await here_sessions.resolve(session, "crm-core") is first
        assert wire.round_trips == 0
        await there_sessions.close(session, "crm-core")
        await until(lambda: here._cache is not None and len(here._cache) == 0, within_s=1)
        with pytest.raises(SessionExpired):
            await here_sessions.resolve(session, "crm-core")
    finally:
        await here.close()
        await there.close()
