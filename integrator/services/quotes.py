"""A CRM quote becomes an ERP order, dispatch or (Netsis) quote: transfer, cancel, status (F15,
F22-F29, F5, F7; docs/quotes.md).

Exactly once (F29, N5): the ERP document is the record of truth. It carries the CRM quote id and
the quote's stamp (``model.quotes``); every transfer first looks for a document with the quote id
(read-only SQL), under a claim of the quote in the shared store (one transfer of a quote at a time,
on any replica; renewed while the transfer runs, however long its auto-creates take, and checked
again right before the document is written; it expires should its holder die):

* a document with the same stamp and type: the transfer happened — the same answer again,
  ``created="false"``;
* a document with another stamp (another revision, other lines) or type: ``QUOTE_LOCKED``;
* none, but an earlier write of this quote ended with an unknown outcome a moment ago (a pending
  mark, as long as the ERP may still be working on it): ``ERP_COMMIT_UNCERTAIN`` again, nothing
  written — the ERP may yet show the document;
* none: link the account and products (auto-create, ``quote_parts``), build the document with the
  set's mappings, write it. A write with an unknown outcome is looked up again at once; found, it is
  the answer; not found, the quote is marked pending and the error says so.

Cancelling (F26) deletes the document unless a line is shipped (``ERP_REJECTED`` with the reason;
the ERP's own refusal passes through too); a cancel with nothing to cancel says so — unless a
transfer of the quote is pending (then ``ERP_COMMIT_UNCERTAIN``, the mark kept); more than one
document for the quote is refused, naming them, and nothing is deleted. A delete with an unknown
outcome whose document the ERP still shows marks it deleting: until the delete has settled, the
document is answered by no transfer, status or cancel (``ERP_COMMIT_UNCERTAIN``). The status
(F28) reads the document and its lines' ordered, shipped and remaining quantities live.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import structlog

from integrator.config import TransferType
from integrator.erp.gateway import ErpCall
from integrator.erp.hub import ErpGateways
from integrator.errors import (
    CreatedLink,
    Detail,
    ErpCommitUncertain,
    ErpRejected,
    IntegratorError,
    NotFound,
    QuoteLocked,
    SetMismatch,
    ValidationFailed,
)
from integrator.metrics import Metrics
from integrator.model import Context, CrmRecord, ErpKey
from integrator.model.quotes import quote_stamp, stamp_revision
from integrator.services import erp_documents
from integrator.services.cards import check_set
from integrator.services.checks import QuoteCheck, QuoteChecks
from integrator.services.claims import Claimed, RecordId, settle_window
from integrator.services.erp_documents import DocumentLine, TransferredDocument
from integrator.services.ledger import Ledger
from integrator.services.quote_parts import QuoteParts
from integrator.services.quote_values import LineFields, quote_warehouse, transfer_type
from integrator.sql.engine import SqlEngine
from integrator.translators import MappingContext, translate

log = structlog.get_logger("integrator.quotes")

How = Literal["created", "existing", "reconciled"]


@dataclass(frozen=True, slots=True)
class TransferResult:
    quote_id: str
    revision: int
    set_code: str
    type: TransferType
    ref: str
    number: str
    created: bool
    how: How
    links: tuple[CreatedLink, ...] = ()
    date: date | None = None
    checks: QuoteCheck | None = None  # the checks the set runs at transfer (warnings, if any)


@dataclass(frozen=True, slots=True)
class TransferStatus:
    quote_id: str
    set_code: str
    document: TransferredDocument
    revision: int | None
    lines: list[DocumentLine] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Cancellation:
    quote_id: str
    set_code: str
    document: TransferredDocument | None  # None: there was nothing to cancel


def _describe(document: TransferredDocument) -> str:
    return f"{document.type} {document.number or document.ref}"


def _identity(document: TransferredDocument) -> str:
    """What a deleting mark holds of the document a delete was sent for."""
    return f"{document.type}:{document.ref}"


class QuoteTransfers:
    """Quote transfers of one application (cheap: build one per request)."""

    def __init__(self, gateways: ErpGateways, engine: SqlEngine, ledger: Ledger, parts: QuoteParts,
                 checks: QuoteChecks, metrics: Metrics) -> None:
        self.gateways = gateways
        self.engine = engine
        self.ledger = ledger
        self.parts = parts
        self.checks = checks
        self.metrics = metrics

    # -- the request -----------------------------------------------------------------------------
    def _check(self, context: Context, quote_id: str, record: CrmRecord) -> CrmRecord:
        if record.kind != "Quote":
            raise ValidationFailed(f"a transfer takes a <Quote>, not <{record.kind}>")
        if record.crm_id != quote_id:
            raise ValidationFailed(
                f"the quote in the body is {record.crm_id!r}, the URL names {quote_id!r}",
                details=[Detail(record.crm_id or "", "input", path="@crmId")])
        check_set(context, record, "quote")
        if record.revision is None:
            raise ValidationFailed(f"quote {quote_id} has no revision; a transfer names the "
                                   "revision it makes final",
                                   details=[Detail("revision", path="@revision")])
        values = LineFields(context.integration_set)
        values.quantities(record)
        values.prices(record)  # a discount outside 0-100 % or a negative price: nothing written
        self.checks.validate(context, record, context.integration_set.settings.transfer_checks)
        return record._replace(warehouse=quote_warehouse(context, record))

    def _rid(self, context: Context, quote_id: str) -> RecordId:
        return RecordId(context.set_code, "quote", quote_id)

    def _settle_s(self, context: Context) -> float:
        """How long a write with an unknown outcome may still land in the ERP (``settle_window``)."""
        s = context.integration_set
        return settle_window(self.gateways.for_set(s).endpoint(s))

    def _claim_ttl(self, context: Context) -> float:
        s = context.integration_set
        timeout = self.gateways.for_set(s).endpoint(s).timeout_s
        return 8 * timeout + 6 * s.database.query_timeout_s + 10.0

    # -- transfer --------------------------------------------------------------------------------
    async def transfer(self, context: Context, quote_id: str, record: CrmRecord,
                       requested: str | None) -> TransferResult:
        started = time.perf_counter()
        outcome = "internal"
        try:
            kind = transfer_type(context, requested)
            quote = self._check(context, quote_id, record)
            async with self.ledger.claim(self._rid(context, quote_id),
                                         ttl_s=self._claim_ttl(context)) as held:
                result = await self._transfer(context, quote, kind, held)
            outcome = result.how
            return result
        except IntegratorError as error:
            outcome = error.code.lower()
            raise
        finally:
            self.metrics.records.labels(context.set_code, "quote", "crm_to_erp", outcome).inc()
            log.info("quote_transfer", set=context.set_code, quote=quote_id, as_=requested,
                     outcome=outcome, duration_ms=round((time.perf_counter() - started) * 1000, 2))

    async def _transfer(self, context: Context, quote: CrmRecord, kind: TransferType,
                        held: Claimed) -> TransferResult:
        s = context.integration_set
        quote_id = quote.crm_id or ""
        stamp = quote_stamp(quote)
        which = s.settings.transfer_checks
        lookups = self.parts.link_statements(context, quote)
        checks, plan = self.checks.statements(context, quote, which)
        statements = [erp_documents.find_statement(self.engine, context, quote_id), *lookups,
                      *checks]
        results = await self.engine.run(s, statements)  # one round trip for every lookup
        existing = erp_documents.documents_of(results[0])
        rid = self._rid(context, quote_id)
        await self._check_deleting(rid, held.deleting, existing, "transfer")
        if existing:
            return self._existing(context, quote, kind, stamp, existing)
        if await self.ledger.pending(rid) is not None:
            raise ErpCommitUncertain(
                f"an earlier transfer of quote {quote_id} ended with an unknown outcome and the ERP "
                "shows no document for it yet; nothing was written. Retry: once the ERP has "
                "settled, the retry answers the document or transfers the quote")
        checked = None
        if which:  # before anything is written (auto-created cards included): a block stops here
            checked = await self.checks.evaluate(context, quote, which, plan,
                                                 results[1 + len(lookups):])
            blocked = checked.blocking()
            if blocked is not None:
                raise blocked
        linked = await self.parts.link(context, quote, lookups, results[1:1 + len(lookups)])
        links = tuple(linked.links)
        try:
            ctx = MappingContext.from_session(context, quote_stamp=stamp)
            document = translate(kind, linked.record, ctx)
            gateway, call = self.gateways.for_set(s), ErpCall.of(context)
            await held.confirm()  # the claim is still this transfer's: else nothing is written
            try:
                key = await gateway.create(call, document)
            except ErpCommitUncertain:
                found = await self._quiet_find(context, quote_id)
                mine = [d for d in found if d.stamp == stamp and d.type == kind]
                if mine:
                    return self._result(context, quote, mine[0], True, "reconciled", links)
                await self.ledger.mark_pending(held, stamp, ttl_s=self._settle_s(context))
                raise
        except IntegratorError as error:
            raise error.with_links(links) from None
        return TransferResult(quote_id, quote.revision or 0, context.set_code, kind,
                              key.ref, key.number, True, "created", links, checks=checked)

    def _existing(self, context: Context, quote: CrmRecord, kind: TransferType, stamp: str,
                  found: list[TransferredDocument]) -> TransferResult:
        for document in found:
            if document.stamp == stamp and document.type == kind:
                return self._result(context, quote, document, False, "existing", ())
        document = found[0]
        revision = stamp_revision(document.stamp)
        if document.stamp == stamp:
            why = f"it cannot be transferred again as a {kind}"
        elif revision is not None and revision != quote.revision:
            why = f"from revision {revision}; revision {quote.revision} is refused"
        else:
            why = "from other lines than these; a changed quote is refused"
        raise QuoteLocked(
            f"quote {quote.crm_id} is transferred as {_describe(document)} ({why}) until that "
            "transfer is cancelled (DELETE .../transfer)",
            details=[Detail(f"{document.type} {document.number}", "erp", path="@revision")])

    @staticmethod
    def _result(context: Context, quote: CrmRecord, document: TransferredDocument, created: bool,
                how: How, links: tuple[CreatedLink, ...]) -> TransferResult:
        return TransferResult(quote.crm_id or "", quote.revision or 0, context.set_code,
                              document.type, document.ref, document.number, created, how, links,
                              document.date)

    async def _still_there(self, context: Context, quote_id: str,
                           document: TransferredDocument) -> bool:
        """After a delete with an unknown outcome: does the ERP database still show the document?
        A database that cannot answer means "maybe": it counts as there (the safe side)."""
        try:
            found = await erp_documents.find(self.engine, context, quote_id)
        except IntegratorError as error:
            log.warning("quote_cancel_reconcile_failed", set=context.set_code, quote=quote_id,
                        code=error.code)
            return True
        return any(_identity(d) == _identity(document) for d in found)

    async def _quiet_find(self, context: Context, quote_id: str) -> list[TransferredDocument]:
        """The lookup for reconciliation: a database that cannot answer means "not known"."""
        try:
            return await erp_documents.find(self.engine, context, quote_id)
        except IntegratorError as error:
            log.warning("quote_reconcile_failed", set=context.set_code, quote=quote_id,
                        code=error.code)
            return []

    async def _check_deleting(self, rid: RecordId, mark: str | None,
                              found: list[TransferredDocument], doing: str) -> None:
        """An earlier cancel's delete of a document of this quote ended with an unknown outcome
        (``mark``): while the ERP still shows that document the delete may yet land, so it is
        answered as nobody's — ``ERP_COMMIT_UNCERTAIN``; seen gone, the mark is dropped. Once the
        mark expires (the delete's settle window) a document still there is the quote's again."""
        if mark is None:
            return
        document = next((d for d in found if _identity(d) == mark), None)
        if document is None:
            await self.ledger.clear_deleting(rid)  # the delete has landed
            return
        raise ErpCommitUncertain(
            f"a cancel of quote {rid.crm_id} sent the delete of {_describe(document)} moments ago "
            "and its outcome is not known; the ERP still shows the document and the delete may "
            f"yet remove it, so no {doing} answers it now. Retry once the ERP has settled: the "
            "document is then gone or, the delete not having landed, the quote's again")

    # -- status and cancel -----------------------------------------------------------------------
    def _origin(self, context: Context, set_code: str | None) -> None:
        if set_code and set_code != context.set_code:
            raise SetMismatch(f"the quote belongs to set {set_code}; this session works on set "
                              f"{context.set_code}", details=[Detail(set_code, "input", path="set")])

    async def status(self, context: Context, quote_id: str, set_code: str | None = None
                     ) -> TransferStatus:
        self._origin(context, set_code)
        found = await erp_documents.find(self.engine, context, quote_id)
        rid = self._rid(context, quote_id)
        if not found:
            # a transfer that ended with an unknown outcome moments ago, or one running (or held
            # for its settle window) right now, may still land: "no document" would invite the
            # CRM to call the quote untransferred
            pending, claimed = await self.ledger.unsettled(rid)
            if pending is not None:
                raise ErpCommitUncertain(
                    f"a transfer of quote {quote_id} ended with an unknown outcome moments ago and "
                    "may still be landing in the ERP, which shows no document for it yet. Ask "
                    "again: once the ERP has settled, the answer is the document or NOT_FOUND")
            if claimed:
                raise ErpCommitUncertain(
                    f"a transfer or cancel of quote {quote_id} is running right now (or its outcome "
                    "is being waited out) and the ERP shows no document for it yet. Ask again: "
                    "once it has ended, the answer is the document or NOT_FOUND")
            raise NotFound(f"quote {quote_id} has no ERP document in set {context.set_code}")
        await self._check_deleting(rid, await self.ledger.deleting(rid), found, "status")
        document = found[0]
        lines = await erp_documents.lines(self.engine, context, document)
        return TransferStatus(quote_id, context.set_code, document,
                              stamp_revision(document.stamp), lines)

    async def cancel(self, context: Context, quote_id: str, set_code: str | None = None
                     ) -> Cancellation:
        """Delete the ERP document of a quote (F26), exactly as N5 asks of a write.

        * no document, but a transfer of the quote ended with an unknown outcome moments ago (its
          pending mark): ``ERP_COMMIT_UNCERTAIN`` (retryable), and the mark is kept — the ERP may
          still commit that transfer; "nothing to delete" then would leave an order for a
          cancelled sale, and dropping the mark would let a new transfer make a second one;
        * no document and no pending mark: nothing to delete;
        * more than one document (something already went wrong: a duplicate): ``ERP_REJECTED``
          naming every one, and nothing is deleted. The safer of the two choices: deleting all of
          them would be several irreversible writes on documents this service cannot tell apart
          from one an ERP user made or changed (an extra may already be shipped, invoiced or
          edited), each with its own chance of an unknown outcome halfway through; refusing
          writes nothing, says exactly what is there, and an operator who removed the extras in
          the ERP retries the cancel, which then deletes the one left;
        * one document: deleted unless an order line is shipped. Found with the stamp of a
          pending transfer, that transfer has landed: its mark is dropped. A delete with an
          unknown outcome is looked up again at once: gone, it is the answer; still there (or the
          database cannot say), the document is marked deleting for the delete's settle window
          and the error passes on. While that mark holds and the ERP still shows the document,
          transfer, status and cancel answer ``ERP_COMMIT_UNCERTAIN`` (the delete is never sent
          again blindly); seen gone, the mark is dropped.
        """
        self._origin(context, set_code)
        rid = self._rid(context, quote_id)
        async with self.ledger.claim(rid, ttl_s=self._claim_ttl(context)) as held:
            found = await erp_documents.find(self.engine, context, quote_id)
            await self._check_deleting(rid, held.deleting, found, "cancel")
            if not found:
                if held.pending is not None:
                    raise ErpCommitUncertain(
                        f"a transfer of quote {quote_id} ended with an unknown outcome moments ago "
                        "and may still be landing in the ERP, which shows no document for it yet; "
                        "nothing was deleted. Retry the cancel: once the ERP has settled, it "
                        "deletes the document or answers that there is none")
                return Cancellation(quote_id, context.set_code, None)
            if len(found) > 1:
                raise ErpRejected(
                    f"the ERP holds {len(found)} documents for quote {quote_id} "
                    f"({', '.join(_describe(d) for d in found)}); a cancel deletes one and never "
                    "chooses among several, so nothing was deleted. An operator decides which to "
                    "remove in the ERP; then retry the cancel",
                    details=[Detail(f"{d.type} {d.number or d.ref} ({d.stamp or 'no stamp'})",
                                    "erp") for d in found])
            document = found[0]
            if stamp_revision(document.stamp) is None:
                # the quote id is also a document number ERP users type (Tiger DOCODE): a
                # document without this service's stamp was not made by a transfer, and a cancel
                # never deletes what it did not make
                raise ErpRejected(
                    f"{_describe(document)} carries the id of quote {quote_id} but not the stamp "
                    "of a transfer by this service: it was made or changed in the ERP, so the "
                    "cancel deleted nothing. Remove it in the ERP if it belongs to this sale",
                    details=[Detail(f"{document.type} {document.number or document.ref} "
                                    f"({document.stamp or 'no stamp'})", "erp")])
            if held.pending is not None and held.pending == document.stamp:
                await self.ledger.clear_pending(rid)  # the uncertain transfer has landed
            if document.type == "order":
                shipped = [line for line in await erp_documents.lines(self.engine, context, document)
                           if line.shipped > 0]
                if shipped:
                    raise ErpRejected(
                        f"{_describe(document)} of quote {quote_id} is shipped in part; a shipped "
                        "order is never deleted", details=[
                            Detail(f"line {line.line} {line.product}: {line.shipped} shipped", "erp")
                            for line in shipped])
            gateway, call = self.gateways.for_set(context.integration_set), ErpCall.of(context)
            key = document.key() if not context.integration_set.is_logo else ErpKey(document.ref)
            try:
                await gateway.delete(call, document.type, key)
            except ErpCommitUncertain:
                if await self._still_there(context, quote_id, document):
                    await self.ledger.mark_deleting(held, _identity(document),
                                                    ttl_s=self._settle_s(context))
                    raise
                log.info("quote_transfer_cancel_reconciled", set=context.set_code,
                         quote=quote_id, document=_describe(document))
            log.info("quote_transfer_cancelled", set=context.set_code, quote=quote_id,
                     document=_describe(document))
            return Cancellation(quote_id, context.set_code, document)
