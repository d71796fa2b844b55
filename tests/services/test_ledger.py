"""The ledger's claims (N5, N6): a claim is freed however its holder ends, on both stores."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from integrator.errors import ErpCommitUncertain, StoreUnavailable
from integrator.model import ErpKey
from integrator.services import ledger as ledger_module
from integrator.services.claims import RecordId
from integrator.services.ledger import Ledger
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


async def test_a_claim_whose_holder_is_cancelled_is_left_to_run_out_n5_n6(store: Store) -> None:
    """A create cancelled while it holds its claim — the service stopping with the ERP write still
    in flight once its drain is over: the write's outcome is unknown and no mark says so, so the
    claim is not freed (a retry would write again while the first may land). Like a holder that
    died, it runs out one TTL after its last renewal; until then the record is not written."""
    ledger = Ledger(store, remember_ttl_s=60, claim_wait_s=0.05)
    writing = asyncio.Event()

    async def create() -> None:
        async with ledger.claim(RID, ttl_s=30):
            writing.set()
            await asyncio.Event().wait()  # the ERP write, in flight

    task = asyncio.ensure_future(create())
    await writing.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.gather(*ledger_module._RELEASING)
    assert await store.get(RID.key("claim")) is not None
    with pytest.raises(ErpCommitUncertain):
        async with ledger.claim(RID, ttl_s=30):
            pass
    await store.delete(RID.key("claim"))


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
        await ledger.mark_pending(held, "120.02")
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


class Unreachable:
    """A store whose claim renewals fail (``STORE_UNAVAILABLE``) while ``down`` is set; everything
    else is the store's own."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.down = False
        self.failed = 0

    async def touch_if_equal(self, key: str, value: bytes, *, ttl_s: float) -> bool:
        if self.down:
            self.failed += 1
            raise StoreUnavailable("the shared store is unavailable: TimeoutError")
        return await self.inner.touch_if_equal(key, value, ttl_s=ttl_s)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


async def test_a_claim_is_renewed_while_its_holder_runs_f23_n5_n6(store: Store) -> None:
    """A create that runs four times longer than its claim's TTL keeps the claim all along (the
    audit's finding C: a long quote transfer lost it, and a retry wrote a second order); the
    claim is still its holder's right before its write; freed at the end."""
    ledger = Ledger(store, remember_ttl_s=60, claim_wait_s=0.0)
    other = Ledger(store, remember_ttl_s=60, claim_wait_s=0.0)
    async with ledger.claim(RID, ttl_s=0.3) as held:
        for _ in range(6):  # 6 x 0.2 s = 1.2 s
            await asyncio.sleep(0.2)
            with pytest.raises(ErpCommitUncertain):  # a retry finds the claim taken
                async with other.claim(RID, ttl_s=0.3):
                    pass
        await held.confirm()
        assert not held.lost
    assert await store.get(RID.key("claim")) is None
    async with other.claim(RID, ttl_s=0.3):
        pass


async def test_a_dead_holders_claim_still_expires_n6(store: Store) -> None:
    """Renewal restarts the TTL, never lengthens it: a claim whose holder stops renewing (the
    replica died; here its renewal is stopped) is free one TTL later."""
    ledger = Ledger(store, remember_ttl_s=60, claim_wait_s=0.0)
    async with ledger.claim(RID, ttl_s=0.3) as held:
        await asyncio.sleep(0.25)
        assert held._renewal is not None
        held._renewal.stop()  # the holder "dies": no renewal any more
        await asyncio.sleep(0.5)
        assert await store.get(RID.key("claim")) is None
        other = Ledger(store, remember_ttl_s=60, claim_wait_s=0.0)
        async with other.claim(RID, ttl_s=30):
            pass


async def test_a_lost_claim_is_never_taken_back_and_refuses_the_write_f23_n5(store: Store) -> None:
    """The store unreachable for longer than the claim's TTL: the claim expires and another
    request takes it. Once the store is back, the first holder's renewal does not take it back,
    ``confirm`` refuses its write (retryable), and its release leaves the other's claim alone."""
    flaky = Unreachable(store)
    ledger = Ledger(flaky, remember_ttl_s=60, claim_wait_s=0.0)  # type: ignore[arg-type]
    async with ledger.claim(RID, ttl_s=0.3) as held:
        flaky.down = True
        await asyncio.sleep(0.6)  # renewals fail; the claim expires
        assert flaky.failed >= 1
        with pytest.raises(StoreUnavailable):  # the store is away: nothing is written either
            await held.confirm()
        assert await store.set_if_absent(RID.key("claim"), b"another request", ttl_s=30)
        flaky.down = False
        await asyncio.sleep(0.3)  # a renewal ran meanwhile: it found the claim another's
        assert held.lost
        assert await store.get(RID.key("claim")) == b"another request"
        with pytest.raises(ErpCommitUncertain) as refused:
            await held.confirm()
        assert refused.value.retryable and held.lost
        assert "nothing was written" in refused.value.message
    assert await store.get(RID.key("claim")) == b"another request"  # left alone on release
    await store.delete(RID.key("claim"))
