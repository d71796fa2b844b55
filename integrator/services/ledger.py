"""What the service keeps about CRM -> ERP creates, in the shared store (N5, N6; docs/sync.md).

Five kinds of entries per (set, entity, crmId), all with a time to live:

* **claim** — a lock (``set_if_absent``) held while a create of that CRM record runs, so two
  concurrent calls for the same record, on any replica, cannot both create it. The second waits
  (bounded by ``sync.claim_wait_s``), then goes on or answers a retryable error. Its holder
  renews it every third of its time to live (``touch_if_equal``, compared with its token: a claim
  that was lost is never taken back), so a long create keeps it; a holder that dies stops renewing
  and the claim expires after one TTL. ``Claimed.confirm`` checks in the store, right before a
  write that must happen once, that the claim is still the holder's;
* **link** — the ERP key of a record this service created for the CRM record (``sync.remember_ttl_s``,
  default 7 days): a later create of the same crmId without a link becomes an update, so a repeated
  bulk (whose answers a dropped client never saw) creates nothing twice;
* **pending** — the ERP code of a create whose outcome was unknown (``ERP_COMMIT_UNCERTAIN``) and
  not found in the ERP database right away: the next create of that crmId looks the code up again
  before it writes, and creates with that code, not another. A create whose code is not the CRM
  record's own (a template number) writes it before its write (``intend``), so a retry never
  takes another number, whatever the store fails to keep afterwards;
* **settle** — next to a pending mark, for as long as the unknown write may still land in the ERP
  (``settle_window``): meanwhile a retry that does not find the record writes nothing;
* **deleting** — the ERP document a delete was sent for whose outcome was unknown and which the ERP
  database still showed right after (a quote's cancel, F26): as long as the delete may still land
  (its settle window), the document is not answered as the record's — the delete may yet remove it.

A pending or deleting mark the store cannot take (it failed just then) is not only logged: the
holder's claim is then held, not freed, for the write's settle window (``Claimed.hold``), so no
request of the record writes while the write may land, even with the store back a moment later.

Per ERP card (set, entity, ref), one more: the **update lock** (``update_lock``), held while an
update reads the card and writes it whole, so two updates of one card never interleave.

The store is the only shared state; the ERP database stays the authority (reconciliation reads it).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import time
from collections.abc import AsyncIterator

import structlog

from integrator.errors import ErpCommitUncertain, IntegratorError
from integrator.model import ErpKey
from integrator.services.claims import (
    Claimed,
    RecordId,
    Renewal,
)
from integrator.sessions.store import Store

log = structlog.get_logger("integrator.sync")

POLL_FIRST_S = 0.02
POLL_MAX_S = 0.5
# releases of claims finished in the background (a reference keeps each task alive until done)
_RELEASING: set[asyncio.Future[None]] = set()


class Ledger:
    """Claims, remembered links and pending reconciliations of CRM -> ERP creates."""

    def __init__(self, store: Store, *, remember_ttl_s: float, claim_wait_s: float) -> None:
        self._store = store
        self._remember_ttl_s = remember_ttl_s
        self._claim_wait_s = claim_wait_s

    @contextlib.asynccontextmanager
    async def claim(self, rid: RecordId, *, ttl_s: float, kind: str = "claim",
                    busy: str | None = None) -> AsyncIterator[Claimed]:
        """Hold the claim of one CRM record while its create runs (across replicas); what the
        ledger holds for the record (its link, a pending and a deleting mark) as read once the
        claim was taken, in the same store round trip.

        Waits up to ``claim_wait_s`` for a concurrent holder; then refuses with a retryable
        ``ERP_COMMIT_UNCERTAIN`` (the other call's write is in flight and its outcome unknown here;
        a retry finds its result). The holder renews the claim every third of ``ttl_s`` while
        it runs (``Renewal``); should the holder die — or be cancelled while it holds the claim
        (the service stopping), which leaves what it was writing as unknown as a death does — the
        claim expires ``ttl_s`` after its last renewal.

        ``kind`` other than ``"claim"`` holds another lock of the same kind (``update_lock``):
        nothing is read with it, and ``busy`` is the refusal's message.
        """
        key = rid.key(kind)
        token = secrets.token_hex(16).encode()
        deadline = time.monotonic() + self._claim_wait_s
        delay = POLL_FIRST_S
        read = (rid.key("link"), rid.key("pending"), rid.key("deleting")) if kind == "claim" \
            else ()
        while True:
            taken, values = await self._store.set_if_absent_then_get(key, token, ttl_s=ttl_s,
                                                                      read=read)
            if taken:
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ErpCommitUncertain(busy or (
                    f"another request is creating {rid.entity} {rid.crm_id!r} in set "
                    f"{rid.set_code} right now; its outcome is not known yet. Retry: the retry "
                    "links the record that request created"))
            await asyncio.sleep(min(delay, remaining))
            delay = min(delay * 2, POLL_MAX_S)
        link, pending, deleting = values if values else (None, None, None)
        held = Claimed(rid, _key_from(link), _code_from(pending), _code_from(deleting))
        renewal = held._renewal = Renewal(self._store, held, key, token, ttl_s)
        cancelled = False
        try:
            yield held
        except asyncio.CancelledError:
            # the holder is cancelled mid-way (the service stops after its drain): an ERP write
            # it sent has an unknown outcome and no mark says so, so the claim is not freed — it
            # runs out one TTL after its last renewal, as a dead holder's does
            cancelled = True
            log.warning("sync_claim_left", set=rid.set_code, entity=rid.entity,
                        crm_id=rid.crm_id, ttl_s=ttl_s,
                        hint="cancelled while it held the record; it runs out by itself")
            raise
        finally:
            renewal.stop()
            if not cancelled:
                await self._release(held, key, token)

    def update_lock(self, card: RecordId, *, ttl_s: float
                    ) -> contextlib.AbstractAsyncContextManager[Claimed]:
        """Hold the update lock of one ERP card (``card.crm_id``: the card's ref) while an update
        reads it and writes it whole, so two updates of one card — from two requests, on any
        replica — never both read it before either writes (the second would put back what the
        first changed). A claim in all but name and key (``sync:update:…``): renewed, freed after,
        left to run out when its holder is cancelled; a concurrent update waits up to
        ``claim_wait_s``, then answers a retryable ``ERP_COMMIT_UNCERTAIN``."""
        return self.claim(card, ttl_s=ttl_s, kind="update", busy=(
            f"another request is updating {card.entity} {card.crm_id!r} in set {card.set_code} "
            "right now; nothing was written by this request. Retry: the retry updates it after "
            "that request"))

    async def _release(self, held: Claimed, key: str, token: bytes) -> None:
        """Free a claim: write the link its holder kept, then compare-and-delete the claim with
        its token, in one round trip, so running it twice is harmless.

        Awaited directly rather than through a shielded task (three turns of the event loop
        fewer on every create, issue 15); a release cancelled on its way (the request is being
        cancelled) is run again in the background, so the next create of the record does not
        wait for the claim to expire."""
        kept, held_s, intent = held.kept, held.held_s, held.intent
        try:
            await self._free(held.rid, key, token, kept, held_s, intent)
        except asyncio.CancelledError:
            task = asyncio.ensure_future(self._free(held.rid, key, token, kept, held_s, intent))
            _RELEASING.add(task)
            task.add_done_callback(_RELEASING.discard)
            raise

    async def _free(self, rid: RecordId, key: str, token: bytes, kept: ErpKey | None,
                    held_s: float | None = None, intent: str | None = None) -> None:
        try:
            if held_s is not None:  # a mark was not taken: the claim stands in for it
                if kept is not None:
                    await self._store.set(rid.key("link"), _link_value(kept),
                                          ttl_s=self._remember_ttl_s)
                await self._store.touch_if_equal(key, token, ttl_s=held_s)
                log.warning("sync_claim_held", set=rid.set_code, entity=rid.entity,
                            crm_id=rid.crm_id, seconds=held_s,
                            hint="a write with an unknown outcome could not be marked; its "
                                 "record is held until the write has settled")
            elif kept is None:
                await self._store.delete_if_equal(key, token)
            else:
                await self._store.set_then_delete_if_equal(
                    rid.key("link"), _link_value(kept), ttl_s=self._remember_ttl_s, owned=key,
                    token=token)
        except IntegratorError as error:  # the claim expires by itself
            if kept is not None:
                log.warning("sync_link_not_remembered", set=rid.set_code, entity=rid.entity,
                            crm_id=rid.crm_id, code=error.code)
            log.warning("sync_claim_not_released", set=rid.set_code, entity=rid.entity,
                        code=error.code)
            return
        if intent is not None and kept is not None and held_s is None:
            # the link names the card now; a mark left behind (the store failed) names the same
            with contextlib.suppress(IntegratorError):
                await self._store.delete(rid.key("pending"))

    async def remembered(self, rid: RecordId) -> ErpKey | None:
        raw = await self._store.get(rid.key("link"))
        return _key_from(raw)

    async def forget(self, rid: RecordId) -> None:
        await self._store.delete(rid.key("link"))

    async def pending(self, rid: RecordId) -> str | None:
        return _code_from(await self._store.get(rid.key("pending")))

    async def unsettled(self, rid: RecordId) -> tuple[str | None, bool]:
        """What a reader must not take as "never written", in one store round trip: the pending
        mark of an earlier write whose outcome is unknown, and whether a request holds the
        record's claim right now (a write may be on its way, or held for its settle window)."""
        pending, claim = await self._store.get_many([rid.key("pending"), rid.key("claim")])
        return _code_from(pending), claim is not None

    async def intend(self, held: Claimed, code: str) -> None:
        """Right before the write of a create whose code is not the CRM record's own (a template
        number: a retry would take the next one, and the ERP's unique code would not stop a
        second card): confirm the claim (``Claimed.confirm``) and mark the code pending, so that
        whatever the store fails to keep after the write — the link, the mark of an unknown
        outcome — the record is looked for under that code before anything is written again. A
        claim lost raises ``ERP_COMMIT_UNCERTAIN``, a store that cannot be reached
        ``STORE_UNAVAILABLE``; nothing is written either way. Dropped once the link is written
        (or by ``drop_intent`` when the write failed for sure)."""
        await held.confirm()
        await self._store.set(held.rid.key("pending"), code.encode(), ttl_s=self._remember_ttl_s)
        held.intent = code

    async def drop_intent(self, held: Claimed) -> None:
        """The write of an ``intend`` failed for sure (refused, never sent): the code is not the
        record's. A store that cannot take it leaves the mark, which then makes a retry use that
        code again (harmless: it is looked for first)."""
        if held.intent is None:
            return
        held.intent = None
        with contextlib.suppress(IntegratorError):
            await self._store.delete(held.rid.key("pending"))

    async def mark_pending(self, held: Claimed, code: str, *, ttl_s: float | None = None,
                           settle_s: float | None = None) -> None:
        """Remember that a write of this record ended with an unknown outcome (``code``: what to
        look for), for ``ttl_s`` (default: as long as links are remembered); with ``settle_s``,
        that the write may still land in the ERP for that long (``settling``).

        A store that cannot take the mark is logged (``sync_pending_not_marked``) and the claim
        is held for as long as the write may land (``settle_s``, else ``ttl_s``: a mark that
        lives only that long), so that no retry writes meanwhile."""
        rid = held.rid
        try:
            await self._store.set(rid.key("pending"), code.encode(),
                                  ttl_s=ttl_s if ttl_s is not None else self._remember_ttl_s)
            if settle_s is not None:
                await self._store.set(rid.key("settle"), code.encode(), ttl_s=settle_s)
        except IntegratorError as error:
            log.warning("sync_pending_not_marked", set=rid.set_code, entity=rid.entity,
                        crm_id=rid.crm_id, code=error.code)
            window = settle_s if settle_s is not None else ttl_s
            if window is not None:
                held.hold(window)

    async def settling(self, rid: RecordId) -> bool:
        """Whether the unknown write of a pending mark may still land in the ERP."""
        return await self._store.get(rid.key("settle")) is not None

    async def clear_pending(self, rid: RecordId) -> None:
        await self._store.delete(rid.key("pending"))
        await self._store.delete(rid.key("settle"))

    async def deleting(self, rid: RecordId) -> str | None:
        return _code_from(await self._store.get(rid.key("deleting")))

    async def mark_deleting(self, held: Claimed, document: str, *, ttl_s: float) -> None:
        """Remember that a delete of ``document`` (what to look for) ended with an unknown outcome
        while the ERP still showed it, for ``ttl_s`` (the delete's settle window). A store that
        cannot take it is logged (``sync_deleting_not_marked``) and the claim is held for that
        window instead, as for a pending mark."""
        rid = held.rid
        try:
            await self._store.set(rid.key("deleting"), document.encode(), ttl_s=ttl_s)
        except IntegratorError as error:
            log.warning("sync_deleting_not_marked", set=rid.set_code, entity=rid.entity,
                        crm_id=rid.crm_id, code=error.code)
            held.hold(ttl_s)

    async def clear_deleting(self, rid: RecordId) -> None:
        await self._store.delete(rid.key("deleting"))


def _code_from(raw: bytes | None) -> str | None:
    """The ERP code of a pending mark."""
    return raw.decode() if raw else None


def _link_value(key: ErpKey) -> bytes:
    return json.dumps({"ref": key.ref, "code": key.code}).encode()


def _key_from(raw: bytes | None) -> ErpKey | None:
    if not raw:
        return None
    try:
        data = json.loads(raw)
        ref = str(data["ref"])
    except (ValueError, KeyError, TypeError):
        return None
    return ErpKey(ref, code=str(data.get("code") or "")) if ref else None
