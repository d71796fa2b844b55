"""The ledger's claims (N5, N6): a claim is freed however its holder ends, on both stores."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from integrator.model import ErpKey
from integrator.services import ledger as ledger_module
from integrator.services.ledger import Ledger, RecordId
from integrator.sessions.store import Store


class Gated:
    """A store whose compare-and-deletes (with or without a write first) wait for ``gate``
    first (a slow round trip), counting the calls; everything else is the store's own."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.gate = asyncio.Event()
        self.waiting = asyncio.Event()  # a compare-and-delete is waiting for the gate
        self.deletes = 0
        self.calls: list[str] = []  # every store method called, in order

    async def _wait(self) -> None:
        self.deletes += 1
        self.waiting.set()
        await self.gate.wait()

    async def delete_if_equal(self, key: str, value: bytes) -> bool:
        await self._wait()
        return await self.inner.delete_if_equal(key, value)

    async def set_then_delete_if_equal(self, key: str, value: bytes, *, ttl_s: float,
                                       owned: str, token: bytes) -> bool:
        await self._wait()
        return await self.inner.set_then_delete_if_equal(key, value, ttl_s=ttl_s, owned=owned,
                                                         token=token)

    def __getattr__(self, name: str) -> Any:
        self.calls.append(name)
        return getattr(self.inner, name)


@pytest.fixture
def store(any_store: Store) -> Store:
    return any_store


RID = RecordId("S1", "account", "CRM-LEDGER-1")


async def cancelled_while_releasing(store: Store) -> Gated:
    """A create of ``RID`` whose request is cancelled while its claim's release waits for the
    store (the gate of the returned store is still shut)."""
    gated = Gated(store)
    ledger = Ledger(gated, remember_ttl_s=60, claim_wait_s=0.1)  # type: ignore[arg-type]

    async def create() -> None:
        async with ledger.claim(RID, ttl_s=30):
            pass

    task = asyncio.ensure_future(create())
    await gated.waiting.wait()  # the release is waiting for the store
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    return gated


async def test_a_claim_is_freed_when_its_create_ends(store: Store) -> None:
    ledger = Ledger(store, remember_ttl_s=60, claim_wait_s=0.1)
    async with ledger.claim(RID, ttl_s=30):
        assert await store.get(RID.key("claim")) is not None
    assert await store.get(RID.key("claim")) is None
    with pytest.raises(RuntimeError):
        async with ledger.claim(RID, ttl_s=30):
            raise RuntimeError("the create failed")
    assert await store.get(RID.key("claim")) is None


async def test_a_release_cancelled_on_its_way_is_finished_in_the_background_n6(
        store: Store) -> None:
    """Issue 15: the claim is released without a shielded task; a request cancelled while its
    release waits for the store still frees the claim (the compare-and-delete runs again), so the
    next create of the record does not wait for the claim to expire."""
    gated = await cancelled_while_releasing(store)
    assert await store.get(RID.key("claim")) is not None  # not released yet: the gate is shut
    gated.gate.set()
    await asyncio.gather(*ledger_module._RELEASING)
    assert gated.deletes == 2  # the cancelled release and the one run again
    assert await store.get(RID.key("claim")) is None
    other = Ledger(store, remember_ttl_s=60, claim_wait_s=0.0)
    async with other.claim(RID, ttl_s=30):  # taken at once, not after the 30 s
        pass


async def test_a_release_run_again_leaves_a_newer_claim_alone(store: Store) -> None:
    """The release compares the claim's token: run again after another request took the record,
    it frees nothing of that request's claim."""
    gated = await cancelled_while_releasing(store)
    await store.delete(RID.key("claim"))  # say the claim expired meanwhile
    assert await store.set_if_absent(RID.key("claim"), b"another request", ttl_s=30)
    gated.gate.set()
    await asyncio.gather(*ledger_module._RELEASING)
    assert await store.get(RID.key("claim")) == b"another request"
    await store.delete(RID.key("claim"))


async def test_a_claim_hands_over_the_link_and_the_pending_mark_read_with_it(store: Store) -> None:
    """Issue 15: the record's link and pending mark are read in the claim's own round trip."""
    ledger = Ledger(store, remember_ttl_s=60, claim_wait_s=0.1)
    async with ledger.claim(RID, ttl_s=30) as held:
        assert (held.remembered, held.pending) == (None, None)
        held.remember(ErpKey("42", code="120.01"))
        await ledger.mark_pending(RID, "120.02")
    async with ledger.claim(RID, ttl_s=30) as held:
        assert held.remembered == ErpKey("42", code="120.01")
        assert held.pending == "120.02"
    await ledger.forget(RID)
    await ledger.clear_pending(RID)


async def test_the_kept_link_is_written_as_the_claim_is_freed_in_one_call_n6(store: Store) -> None:
    """Issue 15: a create's link and its claim's release are one store round trip, the link
    written first: whoever takes the claim next finds the link."""
    gated = Gated(store)
    gated.gate.set()
    ledger = Ledger(gated, remember_ttl_s=60, claim_wait_s=0.1)  # type: ignore[arg-type]
    async with ledger.claim(RID, ttl_s=30) as held:
        held.remember(ErpKey("42", code="120.01"))
        assert await store.get(RID.key("link")) is None  # not before the claim is freed
        gated.calls.clear()
    assert gated.calls == [] and gated.deletes == 1  # the release alone, one call
    assert await store.get(RID.key("claim")) is None
    async with ledger.claim(RID, ttl_s=30) as held:
        assert held.remembered == ErpKey("42", code="120.01")
    await ledger.forget(RID)


async def test_a_cancelled_release_still_writes_the_kept_link_n6(store: Store) -> None:
    """A request cancelled while its release (the link and the claim) waits for the store: the
    release run again in the background writes the link and frees the claim."""
    gated = Gated(store)
    ledger = Ledger(gated, remember_ttl_s=60, claim_wait_s=0.1)  # type: ignore[arg-type]

    async def create() -> None:
        async with ledger.claim(RID, ttl_s=30) as held:
            held.remember(ErpKey("43", code="120.02"))

    task = asyncio.ensure_future(create())
    await gated.waiting.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    gated.gate.set()
    await asyncio.gather(*ledger_module._RELEASING)
    assert await store.get(RID.key("claim")) is None
    assert await ledger.remembered(RID) == ErpKey("43", code="120.02")
    await ledger.forget(RID)
