"""The ERP documents a quote transfer made, read back with read-only SQL (F28, F29, N5).

The ERP is the record of truth: a document carries the CRM quote id and the quote's stamp
(``model.quotes``). ``quote_document`` finds every document that carries a quote id; the
``order_lines`` / ``dispatch_lines`` / ``quote_lines`` statements give its lines with the ordered,
shipped and remaining quantities. Every statement is overridable per set (docs/sql.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from integrator.config import TransferType
from integrator.errors import SqlRejected
from integrator.model import Context, ErpKey
from integrator.model.numbers import decimal_of
from integrator.services.statements import base_values
from integrator.sql.defaults import StatementName, statement_sql
from integrator.sql.engine import SqlEngine
from integrator.sql.results import Result, Statement

DOCUMENT_TYPES: frozenset[str] = frozenset({"order", "dispatch", "quote"})
LINE_STATEMENTS: dict[TransferType, StatementName] = {
    "order": "order_lines", "dispatch": "dispatch_lines", "quote": "quote_lines"}


@dataclass(frozen=True, slots=True)
class TransferredDocument:
    """An ERP document made from a CRM quote."""

    type: TransferType
    ref: str        # Tiger LOGICALREF; Netsis FATIRS_NO
    number: str     # FICHENO / FATIRS_NO
    date: date | None
    stamp: str      # the quote's stamp it was made from ("" when it carries none)
    status: str     # the ERP's own status (Tiger STATUS/BILLED, Netsis KAPATILMIS)
    account: str    # the account's code

    def key(self) -> ErpKey:
        """How the gateway addresses it (Netsis: type;number;account)."""
        return ErpKey(self.ref, number=self.number, account=self.account)


@dataclass(frozen=True, slots=True)
class DocumentLine:
    line: int       # the position among the document's item lines (1, 2, ...), as the quote's
    erp_line: int   # the ERP's own line number (Tiger counts discount lines too)
    product: str
    ordered: Decimal
    shipped: Decimal
    remaining: Decimal
    closed: bool


def find_statement(engine: SqlEngine, context: Context, quote_id: str) -> Statement:
    """The prepared ``quote_document`` statement (to run alone or with others in one hop)."""
    s = context.integration_set
    return engine.prepare(s, "quote_document", statement_sql(s, "quote_document"),
                          {**base_values(context), "quote": quote_id}, max_rows=50)


def documents_of(result: Result) -> list[TransferredDocument]:
    """The rows of ``quote_document`` as documents."""
    out = []
    for row in result.dicts():
        folded = {k.upper(): v for k, v in row.items()}
        kind = str(folded.get("DOCTYPE") or "").strip().lower()
        if kind not in DOCUMENT_TYPES:
            raise SqlRejected(f"the quote_document statement returned DOCTYPE {kind!r}; it must be "
                              "order, dispatch or quote")
        out.append(TransferredDocument(
            kind,  # type: ignore[arg-type]
            _text(folded.get("REF")), _text(folded.get("NUMBER")), _day(folded.get("DATE")),
            _text(folded.get("STAMP")), _text(folded.get("STATUS")), _text(folded.get("ACCOUNT"))))
    return out


async def find(engine: SqlEngine, context: Context, quote_id: str) -> list[TransferredDocument]:
    (result,) = await engine.run(context.integration_set,
                                 [find_statement(engine, context, quote_id)])
    return documents_of(result)


async def lines(engine: SqlEngine, context: Context,
                document: TransferredDocument) -> list[DocumentLine]:
    """The document's lines with ordered, shipped and remaining quantities (one round trip)."""
    s = context.integration_set
    name = LINE_STATEMENTS[document.type]
    values: dict[str, Any] = {**base_values(context)}
    if s.is_logo:
        values["ref"] = int(document.ref)
    else:
        values.update(number=document.number, account=document.account)
    # every line: the status and the shipped/remaining figures are decided on them, so the
    # answer cap (max_rows) does not apply; bounded by the document's lines
    statement = engine.prepare(s, name, statement_sql(s, name), values, max_rows=None)
    (result,) = await engine.run(s, [statement])
    out = []
    for position, row in enumerate(result.dicts(), 1):
        folded = {k.upper(): v for k, v in row.items()}
        out.append(DocumentLine(
            position, int(folded.get("LINE") or 0), _text(folded.get("PRODUCT")),
            _number(folded.get("ORDERED")), _number(folded.get("SHIPPED")),
            _number(folded.get("REMAINING")), _flag(folded.get("CLOSED"))))
    return out


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _number(value: Any) -> Decimal:
    number = decimal_of(value) or Decimal(0)
    return number.normalize() if number == number.to_integral_value() else number


def _flag(value: Any) -> bool:
    return str(value).strip() in ("1", "True", "true", "K")


def _day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) >= 10:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None
