"""A lease in the shared store: among the replicas that ask for it, one holds it at a time.

The holder keeps it by asking again within ``ttl_s``; a holder that stops asking (it ended, or
nobody asks it any more) loses it when the TTL runs out, and the next replica that asks takes it;
a replica that stops releases it at once. In the memory store (one process) the one replica
always holds it.

Used for the gauges read from the store at scrape time (``integrator_sessions``,
``integrator_sets``): every replica would read the same numbers, so only the holder reports them
and a sum over the replicas stays the true count (docs/operations.md).
"""

from __future__ import annotations

import secrets

from integrator.sessions.store import Store


class Lease:
    def __init__(self, store: Store, name: str, *, ttl_s: float) -> None:
        self._store = store
        self._key = f"lease:{name}"
        self._ttl_s = ttl_s
        self.holder = secrets.token_hex(8).encode()  # this replica

    async def hold(self) -> bool:
        """Take or renew the lease; whether this replica holds it now. A renewal races only with
        an expiry (the holder did not ask for ``ttl_s``): then two replicas may both hold it until
        the next ask of either."""
        current = await self._store.get(self._key)
        if current == self.holder:
            await self._store.set(self._key, self.holder, ttl_s=self._ttl_s)
            return True
        if current is None:
            return await self._store.set_if_absent(self._key, self.holder, ttl_s=self._ttl_s)
        return False

    async def release(self) -> None:
        await self._store.delete_if_equal(self._key, self.holder)
