"""The store lease behind the store gauges (issue 14 item 5): one holder at a time, kept by
asking again, taken over when it lapses or is released."""

from __future__ import annotations

import asyncio

from integrator.sessions.lease import Lease
from integrator.sessions.store import MemoryStore


async def test_one_holder_renewal_expiry_and_release() -> None:
    store = MemoryStore()
    a, b = (Lease(store, "gauges", ttl_s=0.2) for _ in range(2))
    assert await a.hold() and not await b.hold()
    for _ in range(3):  # renewed by asking within the TTL
        await asyncio.sleep(0.1)
        assert await a.hold() and not await b.hold()
    await asyncio.sleep(0.25)  # a stops asking: the lease lapses, b takes it
    assert await b.hold() and not await a.hold()
    await b.release()
    assert await a.hold()
    await b.release()  # not the holder: nothing happens
    assert not await b.hold()
