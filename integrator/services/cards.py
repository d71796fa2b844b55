"""Accounts and products between the CRM and the ERP, one record at a time (F9, F10, F16, F17,
F27, N5; docs/sync.md).

``Cards`` composes the building blocks — the set's mappings (``integrator.translators``), the ERP
gateway (``integrator.erp``), the read-only SQL engine (``integrator.sql``) and the shared store
(``integrator.services.ledger``) — into the rules of a transfer:

* a CRM record without a link is created; with a link it is updated (Tiger/Go: read, change the
  mapped fields, ``DBOP="UPD"``; Netsis: ``PUT``), and the answer is the ERP's link and code;
* never a duplicate: a per-record claim while a create runs, every create remembered per
  (set, entity, crmId) so a repeat becomes an update, a write with an unknown outcome reconciled by
  looking its code up in the ERP database, never sent blindly again: while it may still land (its
  settle window) a retry writes nothing, and afterwards creates with the same code;
* a duplicate ERP code is refused (``ERP_REJECTED``) or, with ``settings.on_duplicate: link``, the
  existing record is linked and updated;
* reads go through the gateway (authoritative) and back through the reverse mapping.

Every record transfer is counted (``integrator_records_total``) and logged once (set, entity,
crmId, outcome; never field values).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

import structlog

from integrator.config import IntegrationSet, SyncSettings
from integrator.erp.gateway import ErpCall, Gateway
from integrator.erp.hub import ErpGateways
from integrator.errors import (
    Detail,
    ErpCommitUncertain,
    ErpDuplicate,
    ErpRejected,
    IntegratorError,
    Internal,
    NotFound,
    SetMismatch,
)
from integrator.metrics import Metrics
from integrator.model import CardEntity, Context, CrmRecord, ErpData, ErpKey, parse_ref
from integrator.services.claims import Claimed, RecordId, settle_window
from integrator.services.ledger import Ledger
from integrator.services.statements import base_values
from integrator.sql.defaults import StatementName, statement_sql
from integrator.sql.engine import SqlEngine
from integrator.translators import (
    MappingContext,
    read_document,
    translate,
    translate_update,
)

Direction = Literal["crm_to_erp", "erp_to_crm"]
How = Literal["created", "updated", "linked", "reconciled"]

log = structlog.get_logger("integrator.sync")

@dataclass(frozen=True, slots=True)
class Saved:
    """The outcome of one CRM -> ERP transfer: the ERP's link, and how it came about.

    ``created`` is true when the ERP record was created for this CRM record by this request (or
    by an earlier attempt of it whose answer was lost and which reconciliation found)."""

    key: ErpKey
    created: bool
    how: How


def check_set(context: Context, record: CrmRecord, entity: str) -> None:
    """F27 groundwork: a record that names the set it was linked under may only be written or read
    through a session on that set."""
    if record.set_code and record.set_code != context.set_code:
        name = " ".join(part for part in (entity, record.crm_id or record.code) if part)
        raise SetMismatch(f"{name} belongs to set {record.set_code}; this session works on set "
                          f"{context.set_code}",
                          details=[Detail(record.set_code, "input", path="@set")])


class Cards:
    """Account and product transfers of one application (cheap: build one per request)."""

    def __init__(self, gateways: ErpGateways, engine: SqlEngine, ledger: Ledger, metrics: Metrics,
                 settings: SyncSettings) -> None:
        self.gateways = gateways
        self.engine = engine
        self.ledger = ledger
        self.metrics = metrics
        self.settings = settings

    # -- bookkeeping ----------------------------------------------------------------------------
    def count(self, context: Context, entity: str, direction: Direction, result: str,
              amount: int = 1) -> None:
        if amount:
            self.metrics.records.labels(context.set_code, entity, direction, result).inc(amount)

    def _done(self, context: Context, entity: str, direction: Direction, record: CrmRecord | None,
              outcome: str, started: float, ref: str | None = None) -> None:
        self.count(context, entity, direction, outcome)
        log.info("record_transfer", set=context.set_code, entity=entity, direction=direction,
                 crm_id=record.crm_id if record is not None else None, ref=ref, outcome=outcome,
                 duration_ms=round((time.perf_counter() - started) * 1000, 2))

    # -- CRM -> ERP -----------------------------------------------------------------------------
    async def save(self, context: Context, entity: CardEntity, record: CrmRecord, *,
                   handed_out: bool = False) -> Saved:
        """Create or update the ERP record of one CRM record (F9, F16); the ERP's link.

        ``handed_out``: the record's code was handed out for this create (a code template's next
        number, ``services.codes``), not taken from the CRM record — a retry would get another,
        so the ERP's unique code guards nothing and the create confirms its claim and marks the
        code pending before it writes (``Ledger.intend``)."""
        started = time.perf_counter()
        try:
            check_set(context, record, entity)
            saved = await self._save(context, entity, record, handed_out)
        except IntegratorError as error:
            self._done(context, entity, "crm_to_erp", record, error.code.lower(), started,
                       ref=record.ref)
            raise
        self._done(context, entity, "crm_to_erp", record, saved.how, started, ref=saved.key.ref)
        return saved

    async def _save(self, context: Context, entity: CardEntity, record: CrmRecord,
                    handed_out: bool = False) -> Saved:
        if record.has_link:
            key = await self._link_key(context, entity, record)
            return Saved(await self._update(context, entity, key, record), False, "updated")
        if not record.crm_id:  # nothing to remember it by: the ERP's unique code is the guard
            return await self._create(context, entity, record, None)
        rid = RecordId(context.set_code, entity, record.crm_id)
        async with self.ledger.claim(rid, ttl_s=self._claim_ttl(context.integration_set)) as held:
            remembered = held.remembered  # read with the claim, in the same store round trip
            if remembered is not None:
                try:
                    key = await self._update(context, entity, remembered, record)
                except NotFound:  # deleted in the ERP since: create it again
                    await self.ledger.forget(rid)
                else:
                    held.remember(key)  # written as the claim is freed
                    return Saved(key, False, "updated")
            pending = held.pending
            if pending is not None:  # an earlier create of this record ended uncertain
                found = await self.by_code(context, entity, pending)
                if found is not None:
                    await self.ledger.clear_pending(rid)
                    held.remember(found)
                    return Saved(found, True, "reconciled")
                if await self.ledger.settling(rid):  # that write may still land: write nothing
                    raise ErpCommitUncertain(
                        f"an earlier create of {entity} {rid.crm_id!r} in set {rid.set_code} "
                        f"(code {pending!r}) ended with an unknown outcome and the ERP does not "
                        "show it yet; nothing was written. Retry: once the ERP has settled, the "
                        "retry links that record, or creates it with the same code")
                await self.ledger.clear_pending(rid)  # settled and absent: it did not land
                return await self._create(context, entity, record, held, pending=pending,
                                          handed_out=handed_out)
            return await self._create(context, entity, record, held, handed_out=handed_out)

    async def pending(self, context: Context, entity: CardEntity,
                      record: CrmRecord) -> str | None:
        """The ERP code of an earlier create of the record's CRM id whose outcome is unknown (a
        retry creates with that code, never another: the earlier write may yet land)."""
        if not record.crm_id:
            return None
        return await self.ledger.pending(RecordId(context.set_code, entity, record.crm_id))

    async def remembered(self, context: Context, entity: CardEntity,
                         record: CrmRecord) -> ErpKey | None:
        """The link this service made earlier for the record's CRM id, if it remembers one."""
        if not record.crm_id:
            return None
        return await self.ledger.remembered(RecordId(context.set_code, entity, record.crm_id))

    def _claim_ttl(self, integration_set: IntegrationSet) -> float:
        """A little above the longest a create can hold its claim: a write seat, a read and a write
        (each bounded by the ERP timeout) and two database lookups."""
        endpoint = self.gateways.for_set(integration_set).endpoint(integration_set)
        return 3 * endpoint.timeout_s + 2 * integration_set.database.query_timeout_s + 5.0

    def _settle_s(self, integration_set: IntegrationSet) -> float:
        """How long a create with an unknown outcome may still land in the ERP."""
        endpoint = self.gateways.for_set(integration_set).endpoint(integration_set)
        return settle_window(endpoint)

    async def _create(self, context: Context, entity: CardEntity, record: CrmRecord,
                      held: Claimed | None, *, pending: str | None = None,
                      handed_out: bool = False) -> Saved:
        """Create the record (``pending``: the code of an earlier create of it whose outcome was
        unknown and which, its settle window over, the ERP did not show; ``handed_out``: see
        ``save``)."""
        ctx = MappingContext.from_session(context)
        document = translate(entity, record, ctx)
        code = document.code
        gateway, call = self._gateway(context)
        if held is not None and handed_out:  # only the store knows this code is the record's
            await self.ledger.intend(held, code)
        try:
            key = await gateway.create(call, document)
        except ErpDuplicate as duplicate:
            if pending is not None and code == pending:  # the earlier write landed after all
                found = await self._quiet_by_code(context, entity, code)
                if found is not None:
                    if held is not None:
                        held.remember(found)
                    return Saved(found, True, "reconciled")
            if held is not None:
                await self.ledger.drop_intent(held)  # the code is another record's
            return await self._duplicate(context, entity, record, held, code, duplicate)
        except ErpCommitUncertain as uncertain:
            found = await self._quiet_by_code(context, entity, code)
            if found is not None:  # it was committed: link it, never write it again
                if held is not None:
                    held.remember(found)
                return Saved(found, True, "reconciled")
            if held is not None:  # the retry looks again before it writes, and waits while the
                # write may still land (no answer came: the ERP may still be working on it)
                settle_s = (self._settle_s(context.integration_set) if uncertain.in_flight
                            else None)
                await self.ledger.mark_pending(held, code, settle_s=settle_s)
            raise
        except IntegratorError:  # refused, or never sent: this code was not written
            if held is not None:
                await self.ledger.drop_intent(held)
            raise
        key = ErpKey(key.ref, code=key.code or code)
        if held is not None:
            held.remember(key)
        return Saved(key, True, "created")

    async def _duplicate(self, context: Context, entity: CardEntity, record: CrmRecord,
                         held: Claimed | None, code: str, duplicate: ErpDuplicate) -> Saved:
        s = context.integration_set
        if s.settings.on_duplicate != "link":
            raise ErpRejected(
                f"an ERP {entity} with code {code!r} already exists in set {s.code}; send its "
                f"link (ref/code) to update it, or set settings.on_duplicate: link",
                details=list(duplicate.details))
        existing = await self.by_code(context, entity, code)
        if existing is None:  # the ERP says it exists, the database does not show it (yet)
            raise duplicate
        key = await self._update(context, entity, existing, record)
        if held is not None:
            held.remember(key)
        return Saved(key, False, "linked")

    async def _link_key(self, context: Context, entity: CardEntity, record: CrmRecord) -> ErpKey:
        """The ERP key of a record's link: Tiger/Go by ref (LOGICALREF), or by code when only the
        code is sent; Netsis by code (the code wins over ref)."""
        s = context.integration_set
        if s.is_logo:
            if record.ref:
                key = parse_ref(s, record.ref)
                return ErpKey(key.ref, code=record.code or "")
            assert record.code is not None
            found = await self.by_code(context, entity, record.code)
            if found is None:
                raise NotFound(f"no {entity} with code {record.code!r} in set {s.code}",
                               details=[Detail(record.code, "input", path="@code")])
            return found
        return parse_ref(s, record.code or record.ref or "")

    async def _update(self, context: Context, entity: CardEntity, key: ErpKey,
                      record: CrmRecord) -> ErpKey:
        """Read the whole record, change the mapped fields, write it whole (every other field
        stays as it is). Tiger/Go: ReadDataObject -> ``DBOP="UPD"`` -> AppendDataObject. Netsis:
        ``GET`` -> ``PUT`` of the whole record (research/quotes.md §2). Under the card's update
        lock: a concurrent update of the same card (another request, another replica) waits, so
        it reads what this one wrote instead of putting back what it changed."""
        s = context.integration_set
        card = RecordId(s.code, entity, key.ref)
        async with self.ledger.update_lock(card, ttl_s=self._claim_ttl(s)):
            return await self._read_and_write(context, entity, key, record)

    async def _read_and_write(self, context: Context, entity: CardEntity, key: ErpKey,
                              record: CrmRecord) -> ErpKey:
        s = context.integration_set
        ctx = MappingContext.from_session(context)
        linked = record._replace(ref=key.ref, code=key.code or record.code)
        gateway, call = self._gateway(context)
        if s.is_logo:
            current = await self._read_raw(context, entity, key)
            if not isinstance(current, str):
                raise Internal("the Logo gateway did not return the exported XML")
            document = translate_update(entity, linked, ctx, current)
            updated = await gateway.update(call, key, document)
            return ErpKey(updated.ref or key.ref, code=updated.code or key.code)
        existing = await self._read_raw(context, entity, key)
        if not isinstance(existing, dict):
            raise Internal("the Netsis gateway did not return the record's Data")
        document = translate_update(entity, linked, ctx, existing)
        try:
            updated = await gateway.update(call, key, document)
        except ErpRejected as error:
            if not isinstance(error, ErpDuplicate):
                await self._raise_if_missing(context, entity, key, error)
            raise
        return ErpKey(updated.ref or key.ref, code=updated.code or key.code or key.ref)

    # -- ERP -> CRM -----------------------------------------------------------------------------
    async def read(self, context: Context, entity: CardEntity, ref: str) -> CrmRecord:
        """One ERP record through the gateway, back in CRM fields (F10, F17)."""
        started = time.perf_counter()
        try:
            key = parse_ref(context.integration_set, ref)
            payload = await self._read_raw(context, entity, key)
            record = read_document(entity, payload, MappingContext.from_session(context))
        except IntegratorError as error:
            self._done(context, entity, "erp_to_crm", None, error.code.lower(), started, ref=ref)
            raise
        self._done(context, entity, "erp_to_crm", None, "ok", started, ref=record.ref)
        return record

    async def _read_raw(self, context: Context, entity: CardEntity, key: ErpKey) -> ErpData:
        gateway, call = self._gateway(context)
        try:
            return await gateway.read(call, entity, key)
        except ErpRejected as error:
            await self._raise_if_missing(context, entity, key, error)
            raise

    async def _raise_if_missing(self, context: Context, entity: CardEntity, key: ErpKey,
                                error: ErpRejected) -> None:
        """The ERPs answer "not found" as a business refusal (Logo status 4, Netsis
        ``IsSuccessful: false``) in their own words; the database says for sure."""
        try:
            found = await self.by_ref(context, entity, key.ref)
        except IntegratorError:  # the database cannot tell: the ERP's refusal stands
            return
        if found is None:
            raise NotFound(f"no {entity} with ref {key.ref!r} in set {context.set_code}",
                           details=list(error.details)) from None

    # -- the ERP database (read-only) ------------------------------------------------------------
    async def by_code(self, context: Context, entity: CardEntity, code: str) -> ErpKey | None:
        """The link of the card with this code (Tiger/Go: its LOGICALREF), or None."""
        return await self._lookup(context, f"{entity}_by_code", {"code": code})  # type: ignore[arg-type]

    async def by_ref(self, context: Context, entity: CardEntity, ref: str) -> ErpKey | None:
        value: int | str = int(ref) if context.integration_set.is_logo else ref
        return await self._lookup(context, f"{entity}_by_ref", {"ref": value})  # type: ignore[arg-type]

    async def _quiet_by_code(self, context: Context, entity: CardEntity,
                             code: str) -> ErpKey | None:
        """``by_code`` for reconciliation: a database that cannot answer means "not known"."""
        try:
            return await self.by_code(context, entity, code)
        except IntegratorError as error:
            log.warning("sync_reconcile_failed", set=context.set_code, entity=entity,
                        code=error.code)
            return None

    async def _lookup(self, context: Context, name: StatementName,
                      values: dict[str, int | str]) -> ErpKey | None:
        s = context.integration_set
        result = await self.engine.query(s, name, statement_sql(s, name),
                                         {**base_values(context), **values}, max_rows=2)
        row = result.first()
        if row is None:
            return None
        folded = {k.upper(): v for k, v in row.items()}
        ref = str(folded.get("REF", "")).strip()
        code = str(folded.get("CODE") or "").strip()
        return ErpKey(ref, code=code) if ref else None

    def _gateway(self, context: Context) -> tuple[Gateway, ErpCall]:
        return self.gateways.for_set(context.integration_set), ErpCall.of(context)
