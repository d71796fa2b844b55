"""The Redis store's own command path (``sessions.redis_wire``, N6/N7) on real Redis: what the
store relied on redis-py's client and pool for still holds — a call's deadline, no reply read by
the wrong call, a connection the server closed replaced before use, error replies that leave the
connection in step, scripts the server forgot, many coroutines at once. (ACL logins:
``tests/erp/test_erp_resilience.py``; a sentinel failover: ``test_sentinel_failover.py``.)
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from integrator.errors import StoreUnavailable
from integrator.sessions.redis_store import RedisStore
from integrator.sessions.redis_wire import Script, Wire, pack

pytestmark = pytest.mark.redis


@pytest.fixture
async def wire(redis_url: str) -> AsyncIterator[Wire]:
    pool = aioredis.ConnectionPool.from_url(redis_url, socket_timeout=2.0)
    commands = Wire(pool, timeout_s=0.3)
    yield commands
    await commands.close()
    await pool.aclose()


def test_pack_writes_resp_arrays_of_bulk_strings() -> None:
    assert pack(("SET", b"k\r\n", 12, "ş")) == (
        b"*4\r\n$3\r\nSET\r\n$3\r\nk\r\n\r\n$2\r\n12\r\n$2\r\n\xc5\x9f\r\n")


async def test_a_call_past_its_deadline_fails_and_its_reply_is_never_read_n6(
        wire: Wire, admin: aioredis.Redis, store_prefix: str) -> None:
    """A command still unanswered at the deadline raises ``TimeoutError`` (the store's
    ``StoreUnavailable``); its connection is dropped, so the answer that comes later is nobody's
    and the next call reads its own."""
    waiting, other = store_prefix + "list", store_prefix + "other"
    await admin.set(other, b"mine")
    with pytest.raises(TimeoutError):  # BLPOP itself would answer nil after 5 s
        await wire.command("BLPOP", waiting, 5)
    await admin.rpush(waiting, b"late")  # what the BLPOP would have answered
    assert await wire.command("GET", other) == b"mine"
    assert await wire.command("GET", other) == b"mine"


async def test_a_cancelled_call_never_leaves_its_reply_to_the_next_n6(
        wire: Wire, admin: aioredis.Redis, store_prefix: str) -> None:
    waiting, other = store_prefix + "list", store_prefix + "other"
    await admin.set(other, b"mine")
    call = asyncio.ensure_future(wire.command("BLPOP", waiting, 5))
    await asyncio.sleep(0.1)  # written, waiting for the reply
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    await admin.rpush(waiting, b"late")
    assert await wire.command("GET", other) == b"mine"


async def test_an_error_reply_leaves_the_connection_in_step_n6(
        wire: Wire, admin: aioredis.Redis, store_prefix: str) -> None:
    key, other = store_prefix + "text", store_prefix + "other"
    await admin.set(key, b"not a number")
    await admin.set(other, b"mine")
    first = await wire.command("CLIENT", "ID")
    with pytest.raises(ResponseError):
        await wire.command("INCR", key)
    with pytest.raises(ResponseError):  # the first error reply, once every reply was read
        await wire.pipeline([("GET", other), ("INCR", key), ("INCR", key), ("GET", other)])
    assert await wire.pipeline([("GET", other), ("CLIENT", "ID")]) == [b"mine", first]


async def test_a_connection_the_server_closed_is_replaced_before_use_n6(
        wire: Wire, admin: aioredis.Redis) -> None:
    """An idle connection closed by the server (a restart, its timeout, a kill) is connected
    anew before a call uses it, as redis-py's pool did: the call does not fail."""
    first = await wire.command("CLIENT", "ID")
    await admin.client_kill_filter(_id=first)
    await asyncio.sleep(0.1)  # the close reaches this process
    second = await wire.command("CLIENT", "ID")
    assert second != first


async def test_a_script_the_server_forgot_is_sent_whole_n6(
        wire: Wire, admin: aioredis.Redis, store_prefix: str) -> None:
    script = Script(f"return redis.call('INCRBY', KEYS[1], ARGV[1]) -- {store_prefix}")
    key = store_prefix + "counter"
    assert await wire.script(script, [key], [2]) == 2  # unknown yet: sent whole, cached
    assert await admin.script_exists(script.sha) == [True]
    assert await wire.script(script, [key], [3]) == 5


async def test_many_coroutines_at_once_each_get_their_own_answer_n6(
        redis_url: str, store_prefix: str) -> None:
    store = RedisStore(redis_url, prefix=store_prefix)
    try:
        async def one(index: int) -> tuple[bool, list[bytes | None], bytes | None, int | None]:
            await store.set(f"value:{index}", str(index).encode(), ttl_s=60)
            taken, read = await store.set_if_absent_then_get(
                f"claim:{index}", b"t", ttl_s=60, read=[f"value:{index}"])
            value, version = await store.get_and_touch_with_version(f"value:{index}", 60, "none")
            return taken, read, value, version

        results = await asyncio.gather(*(one(index) for index in range(300)))
        assert results == [(True, [str(i).encode()], str(i).encode(), None) for i in range(300)]
    finally:
        await store.close()


async def test_a_store_that_cannot_reach_redis_is_unavailable_within_its_deadline_n6(
        store_prefix: str) -> None:
    """A server that takes the connection and never answers (a hung Redis): the handshake's
    read has its timeout too."""
    accepted: list[asyncio.StreamWriter] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    store = RedisStore(f"redis://127.0.0.1:{port}/0", prefix=store_prefix, timeout_s=0.2)
    try:
        async with asyncio.timeout(30):  # without a deadline the call would wait for ever
            with pytest.raises(StoreUnavailable):
                await store.get("a")
            with pytest.raises(StoreUnavailable):  # and again on a connection of its own
                await store.get_and_touch_with_version("a", 1, "b")
    finally:
        await store.close()
        server.close()
        for writer in accepted:
            writer.close()
            await writer.wait_closed()
        await server.wait_closed()
