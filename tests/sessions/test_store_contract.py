"""One contract suite for both stores (N6): the in-process store and the Redis store."""

from __future__ import annotations

import asyncio

import pytest

from integrator.sessions.store import Store


@pytest.fixture
def store(any_store: Store) -> Store:
    return any_store


async def test_get_set_delete(store: Store) -> None:
    assert await store.get("a") is None
    await store.set("a", b"1")
    assert await store.get("a") == b"1"
    await store.set("a", "Şişli ığdır".encode())
    assert (await store.get("a") or b"").decode() == "Şişli ığdır"
    assert await store.delete("a") is True
    assert await store.delete("a") is False
    assert await store.get("a") is None


async def test_get_many_reads_each_key_in_order(store: Store) -> None:
    assert await store.get_many([]) == []
    await store.set("m1", b"1")
    await store.set("m3", "ığ".encode(), ttl_s=0.15)
    assert await store.get_many(["m1", "m2", "m3"]) == [b"1", None, "ığ".encode()]
    await asyncio.sleep(0.3)
    assert await store.get_many(["m3", "m1"]) == [None, b"1"]


async def test_ttl_expires(store: Store) -> None:
    await store.set("t", b"x", ttl_s=0.15)
    assert await store.get("t") == b"x"
    await asyncio.sleep(0.3)
    assert await store.get("t") is None


async def test_get_and_touch_restarts_the_ttl(store: Store) -> None:
    await store.set("s", b"x", ttl_s=0.4)
    for _ in range(4):  # 4 x 0.2 s = longer than the TTL, but each touch restarts it
        await asyncio.sleep(0.2)
        assert await store.get_and_touch("s", 0.4) == b"x"
    await asyncio.sleep(0.6)
    assert await store.get_and_touch("s", 0.4) is None


async def test_get_and_touch_with_defer_keeps_the_key_at_least_its_ttl_less_the_defer(
        store: Store) -> None:
    """With ``defer_s`` a store may restart the time to live late (issue 15 item 2: a replica
    answers from its copy), but never so late that the key lives less than ``ttl_s - defer_s``
    after a read; it still expires once left alone."""
    await store.set("d", b"x", ttl_s=0.5)
    for _ in range(6):  # 6 x 0.15 s = longer than the TTL, but each read keeps it alive
        await asyncio.sleep(0.15)
        assert await store.get_and_touch("d", 0.5, defer_s=0.1) == b"x"
    await asyncio.sleep(0.7)
    assert await store.get_and_touch("d", 0.5, defer_s=0.1) is None


async def test_get_and_touch_with_version_reads_both_in_one_call(store: Store) -> None:
    """The session and its set's version in one round trip (issue 15): the same answers as
    ``get_and_touch`` and ``get_version`` apart, the touch included."""
    assert await store.get_and_touch_with_version("s", 0.4, "v") == (None, None)
    await store.set("s", b"x", ttl_s=0.4)
    assert await store.get_and_touch_with_version("s", 0.4, "v") == (b"x", None)
    first = await store.put_versioned("v", b"one")
    assert await store.get_and_touch_with_version("s", 0.4, "v") == (b"x", first)
    second = await store.put_versioned("v", b"two")
    for _ in range(3):  # 3 x 0.2 s = longer than the TTL, but each read restarts it
        await asyncio.sleep(0.2)
        assert await store.get_and_touch_with_version("s", 0.4, "v") == (b"x", second)
    await store.delete_versioned("v")
    await asyncio.sleep(0.6)
    assert await store.get_and_touch_with_version("s", 0.4, "v") == (None, None)


async def test_set_if_absent_then_get_claims_and_reads_in_one_call(store: Store) -> None:
    """A claim and what its holder reads first, in one round trip (issue 15): the reads see what
    was there once the claim was taken; a claim not taken reads too."""
    await store.set("link", b"L")
    taken, values = await store.set_if_absent_then_get("claim", b"me", ttl_s=5,
                                                       read=["link", "pending"])
    assert (taken, values) == (True, [b"L", None])
    assert await store.get("claim") == b"me"
    await store.set("pending", b"P")
    taken, values = await store.set_if_absent_then_get("claim", b"other", ttl_s=5,
                                                       read=["link", "pending"])
    assert (taken, values) == (False, [b"L", b"P"])
    assert await store.get("claim") == b"me"
    assert await store.delete_if_equal("claim", b"me") is True
    taken, values = await store.set_if_absent_then_get("claim", b"other", ttl_s=0.2, read=[])
    assert (taken, values) == (True, [])
    await asyncio.sleep(0.4)  # the claim expires should its holder die
    assert await store.get("claim") is None


async def test_set_if_absent_is_a_claim(store: Store) -> None:
    assert await store.set_if_absent("lock", b"me", ttl_s=5) is True
    assert await store.set_if_absent("lock", b"you", ttl_s=5) is False
    assert await store.get("lock") == b"me"


async def test_set_if_absent_after_expiry(store: Store) -> None:
    assert await store.set_if_absent("lock", b"me", ttl_s=0.1) is True
    await asyncio.sleep(0.25)
    assert await store.set_if_absent("lock", b"you", ttl_s=5) is True


async def test_concurrent_claims_have_one_winner(store: Store) -> None:
    results = await asyncio.gather(*(store.set_if_absent("race", str(i).encode()) for i in range(50)))
    assert results.count(True) == 1


async def test_delete_if_equal_only_deletes_own_value(store: Store) -> None:
    await store.set("lock", b"me")
    assert await store.delete_if_equal("lock", b"you") is False
    assert await store.get("lock") == b"me"
    assert await store.delete_if_equal("lock", b"me") is True
    assert await store.get("lock") is None


async def test_touch_if_equal_renews_only_its_own_claim_n5_n6(store: Store) -> None:
    """A claim renewed by its holder outlives its time to live; once it expired, or another holds
    the key, a renewal takes nothing back and does not touch the other's TTL (F23: a long quote
    transfer keeps its claim, a lost claim stays lost)."""
    assert await store.touch_if_equal("claim", b"me", ttl_s=0.4) is False  # nothing to renew
    assert await store.get("claim") is None
    assert await store.set_if_absent("claim", b"me", ttl_s=0.4)
    for _ in range(4):  # 4 x 0.2 s = longer than the TTL, but each renewal restarts it
        await asyncio.sleep(0.2)
        assert await store.touch_if_equal("claim", b"me", ttl_s=0.4) is True
    assert await store.touch_if_equal("claim", b"you", ttl_s=60) is False
    assert await store.set_if_absent("claim", b"you", ttl_s=5) is False
    await asyncio.sleep(0.6)  # no renewal: it expires (a holder that died)
    assert await store.get("claim") is None
    assert await store.touch_if_equal("claim", b"me", ttl_s=0.4) is False  # never re-taken
    assert await store.get("claim") is None
    assert await store.set_if_absent("claim", b"you", ttl_s=0.3)  # another request takes it
    assert await store.touch_if_equal("claim", b"me", ttl_s=60) is False
    assert await store.get("claim") == b"you"
    await asyncio.sleep(0.45)  # the other's TTL was left as it was
    assert await store.get("claim") is None


async def test_set_then_delete_if_equal_writes_then_frees_only_its_own_n6(store: Store) -> None:
    """Issue 15: a link kept and its claim freed in one round trip."""
    await store.set("claim", b"me")
    assert await store.set_then_delete_if_equal("link", b"L1", ttl_s=0.3, owned="claim",
                                                token=b"me") is True
    assert await store.get("link") == b"L1"
    assert await store.get("claim") is None
    await store.set("claim", b"someone else")  # a newer claim: written, but left alone
    assert await store.set_then_delete_if_equal("link", b"L2", ttl_s=0.3, owned="claim",
                                                token=b"me") is False
    assert (await store.get("link"), await store.get("claim")) == (b"L2", b"someone else")
    await asyncio.sleep(0.45)  # the write carries its time to live
    assert await store.get("link") is None
    assert await store.set_then_delete_if_equal("link", b"L3", ttl_s=5, owned="nothing",
                                                token=b"me") is False
    assert await store.get("link") == b"L3"


async def test_versions_grow_and_survive_delete(store: Store) -> None:
    assert await store.get_version("v") is None
    assert await store.get_versioned("v") is None
    assert await store.put_versioned("v", b"one") == 1
    assert await store.put_versioned("v", b"two") == 2
    assert await store.get_versioned("v") == (2, b"two")
    assert await store.get_version("v") == 2
    assert await store.delete_versioned("v") is True
    assert await store.get_versioned("v") is None
    assert await store.delete_versioned("v") is False
    assert await store.put_versioned("v", b"three") == 3


async def test_concurrent_versioned_puts_get_distinct_versions(store: Store) -> None:
    versions = await asyncio.gather(*(store.put_versioned("v", str(i).encode()) for i in range(20)))
    assert sorted(versions) == list(range(1, 21))
    latest = await store.get_versioned("v")
    assert latest is not None
    assert latest[0] == 20


async def test_keys_by_prefix(store: Store) -> None:
    await store.set("sessions:a", b"1")
    await store.set("sessions:b", b"1", ttl_s=0.1)
    await store.set("other:c", b"1")
    await store.put_versioned("sets:X", b"{}")
    assert await store.keys("sessions:") == ["sessions:a", "sessions:b"]
    assert await store.keys("sets:") == ["sets:X"]
    await asyncio.sleep(0.25)
    assert await store.keys("sessions:") == ["sessions:a"]


async def test_keys_prefix_is_literal(store: Store) -> None:
    await store.set("a*b:1", b"1")
    await store.set("axb:1", b"1")
    assert await store.keys("a*b:") == ["a*b:1"]


async def test_ping(store: Store) -> None:
    await store.ping()


async def test_leases_are_a_semaphore_whose_seats_expire_n5(store: Store) -> None:
    key = "write-seats:S"
    assert await store.lease_acquire(key, "a", limit=2, lease_s=0.4)
    assert await store.lease_acquire(key, "b", limit=2, lease_s=0.4)
    assert not await store.lease_acquire(key, "c", limit=2, lease_s=0.4)  # both seats taken
    assert await store.lease_acquire(key, "a", limit=2, lease_s=0.4)  # a holder takes it again
    await store.lease_release(key, "b")
    assert await store.lease_acquire(key, "c", limit=2, lease_s=0.4)
    assert not await store.lease_acquire(key, "d", limit=3 - 1, lease_s=0.4)
    assert await store.lease_acquire(key, "d", limit=3, lease_s=0.4)  # the limit is the caller's
    # a renewed lease lives on, the others run out (their holder "died")
    for _ in range(3):
        await asyncio.sleep(0.2)
        assert await store.lease_renew(key, "a", lease_s=0.4)
    assert not await store.lease_renew(key, "c", lease_s=0.4)
    assert await store.lease_acquire(key, "e", limit=2, lease_s=0.4)
    assert not await store.lease_acquire(key, "f", limit=2, lease_s=0.4)
    await store.lease_release(key, "a")
    await store.lease_release(key, "a")  # releasing twice is harmless
    await store.lease_release(key, "e")
    assert await store.lease_acquire(key, "f", limit=1, lease_s=0.4)
    assert await store.keys("write-seats:") == [key]  # the key expires with its leases
    await asyncio.sleep(0.6)
    assert await store.keys("write-seats:") == []
