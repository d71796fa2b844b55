"""A held claim and its renewal (N5, N6; ``services.ledger``): the record a claim is for
(``RecordId``), what its holder read and keeps (``Claimed``), the timer that renews it while it
is held (``Renewal``), and how long a write with an unknown outcome may still land
(``settle_window``)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import structlog

from integrator.erp.gateway import Endpoint
from integrator.errors import ErpCommitUncertain, IntegratorError
from integrator.model import ErpKey
from integrator.sessions.store import Store

log = structlog.get_logger("integrator.sync")

PREFIX = "sync:"


def settle_window(endpoint: Endpoint) -> float:
    """How long a write with an unknown outcome may still land in the ERP: the set's
    ``settle_s``, else twice the ERP's timeout and a margin (a call the ERP goes on with after
    the service gave up, or one that waited for a lock, commits after the timeout)."""
    if endpoint.settle_s is not None:
        return endpoint.settle_s
    return 2 * endpoint.timeout_s + 30.0


@dataclass(frozen=True, slots=True)
class RecordId:
    """One CRM record within one set: what claims, links and pending marks are kept for."""

    set_code: str
    entity: str
    crm_id: str

    def key(self, kind: str) -> str:
        return f"{PREFIX}{kind}:{self.set_code}:{self.entity}:{self.crm_id}"


@dataclass(slots=True)
class Claimed:
    """A claim held: the record, what the ledger held for it when the claim was taken (the link
    this service made for it, the ERP code of an earlier create whose outcome was unknown, the
    document of an earlier delete whose outcome was unknown), and the link its holder keeps
    (``remember``)."""

    rid: RecordId
    remembered: ErpKey | None
    pending: str | None
    deleting: str | None = None
    kept: ErpKey | None = None
    lost: bool = False  # the claim was found expired or another's (set by renewal and confirm)
    held_s: float | None = None  # hold the claim this long instead of freeing it (``hold``)
    intent: str | None = None  # the code marked pending before the write (``Ledger.intend``)
    _renewal: Renewal | None = None

    def remember(self, key: ErpKey) -> None:
        """Keep ``key`` as the record's link. It is written as the claim is freed, before the
        claim is (one store round trip for both, and a release cancelled on its way is run again
        whole), so a request that takes the claim next finds the link. A failed write is logged,
        never raised: the ERP record exists and the caller gets its link either way."""
        self.kept = key

    def hold(self, seconds: float) -> None:
        """Keep the claim ``seconds`` from its release on instead of freeing it: a write's mark
        was not taken, and the claim stands in for it — no request of the record writes while the
        write may still land. Its holder's link, if any, is still written."""
        self.held_s = max(self.held_s or 0.0, seconds)

    async def confirm(self) -> None:
        """Right before a write that must happen once: check in the store that the claim is still
        this holder's, restarting its time to live (one round trip). A claim that was lost (it
        expired while the store could not be reached, or was taken by another request since)
        raises a retryable ``ERP_COMMIT_UNCERTAIN``: write nothing, another request may be writing
        the record now; the retry finds its result. A store that cannot be reached raises
        ``STORE_UNAVAILABLE`` (retryable): nothing is written either."""
        renewal = self._renewal
        if renewal is not None and not self.lost and await renewal.touch():
            return
        self.lost = True
        raise ErpCommitUncertain(
            f"the claim of {self.rid.entity} {self.rid.crm_id!r} in set {self.rid.set_code} ran "
            "out before its write (the shared store was unreachable for longer than the claim "
            "lives, or another request holds it now); nothing was written by this request. Retry: "
            "the retry finds the record another request created, or creates it")


class Renewal:
    """Restarts the time to live of a held claim every third of it, comparing the claim's token
    (``Store.touch_if_equal``), until ``stop``. A timer, not a task, while nothing is due (most
    creates end long before the first renewal). A store that cannot be reached is tried again a
    third of a TTL later (the claim expires by itself if it stays away); a claim found expired or
    another's is marked lost and never renewed again."""

    def __init__(self, store: Store, held: Claimed, key: str, token: bytes, ttl_s: float) -> None:
        self._store = store
        self._held = held
        self._key = key
        self._token = token
        self._ttl_s = ttl_s
        self._loop = asyncio.get_running_loop()
        self._task: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = self._loop.call_later(ttl_s / 3, self._due)

    async def touch(self) -> bool:
        """Restart the claim's TTL; whether it is still this holder's."""
        return await self._store.touch_if_equal(self._key, self._token, ttl_s=self._ttl_s)

    def _due(self) -> None:
        self._timer = None
        self._task = self._loop.create_task(self._renew())

    async def _renew(self) -> None:
        rid = self._held.rid
        try:
            held = await self.touch()
        except IntegratorError as error:  # the store is away: try again in a third of a TTL
            log.warning("sync_claim_not_renewed", set=rid.set_code, entity=rid.entity,
                        crm_id=rid.crm_id, code=error.code)
            held = True
        if not held:
            self._held.lost = True
            log.warning("sync_claim_lost", set=rid.set_code, entity=rid.entity, crm_id=rid.crm_id,
                        hint="the claim ran out while its create ran (store unreachable for "
                             "longer than its TTL?); its write is refused")
            return
        self._timer = self._loop.call_later(self._ttl_s / 3, self._due)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._task is not None:
            self._task.cancel()
            self._task = None
