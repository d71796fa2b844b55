"""Prices for a quote (F33-F35, F5; docs/prices.md).

``settings.price_source`` decides where prices come from:

* ``erp`` (default): the would-be document is built exactly as a transfer would build it — the same
  lookups (account and products linked, units checked; nothing is created: a price preview writes
  nothing), the same translator and mappings — and the ERP calculates it without saving: Tiger/Go
  ``CalculateDataObject`` with the set's ``logo.price_params`` (GetStockLinePrice, campaigns,
  conditions), Netsis ``ItemSlips/Calculate`` with the set's price options and the price and
  condition dates. One SQL round trip and one ERP call for the whole quote.
* ``crm``: the CRM owns prices; the answer says so and the ERP is not asked.
* ``sql``: the set's ``sql.price`` statement returns PRICE, DISCOUNT1, DISCOUNT2 and CURRENCY per
  product, from any product field; one round trip for all lines.

Each priced line also names the CRM fields that carry its price into the transfer (``fields``):
a quote transferred with them becomes a document with exactly the previewed prices, discounts and
campaign (the price promise; the ERP keeps prices and discounts it is sent). A line that cannot be
priced — no price row, a non-numeric or zero price, a discount that is not a rate — says so in
``problems``: never a silent zero. A price in a currency other than the local one is a problem
too, and its line promises nothing: a transfer sends prices without a currency, so the ERP would
book the foreign amount as local (``model.prices.is_local_currency``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from integrator.config import TransferType
from integrator.erp.gateway import ErpCall
from integrator.erp.hub import ErpGateways
from integrator.errors import Detail, ValidationFailed
from integrator.model import Context, CrmRecord
from integrator.model.numbers import decimal_of, decimal_text, money
from integrator.model.prices import (
    Discount,
    PricedDocument,
    PricedLine,
    completed,
    is_local_currency,
)
from integrator.model.quotes import quote_stamp
from integrator.services.cards import check_set
from integrator.services.quote_parts import QuoteParts
from integrator.services.quote_values import (
    LineFields,
    line_path,
    quote_warehouse,
    transfer_type,
)
from integrator.services.statements import base_values, by_products, sql_ref
from integrator.services.stock_rows import rows_by_product
from integrator.sql.engine import SqlEngine
from integrator.sql.params import Scalar
from integrator.translators import MappingContext, translate
from integrator.translators.prices import logo_priced, netsis_priced

Source = Literal["erp", "crm", "sql"]
ZERO = Decimal(0)
MAX_CARRIED_DISCOUNTS = 3  # Discount, Discount2, Discount3 on a CRM line


@dataclass(frozen=True, slots=True)
class PriceLine:
    index: int
    crm_id: str | None
    priced: PricedLine | None             # None: the line could not be priced (see problems)
    fields: tuple[tuple[str, str], ...]   # CRM field -> value that carry this price into a transfer
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class QuotePrices:
    quote_id: str | None
    set_code: str
    source: Source
    type: TransferType | None
    lines: tuple[PriceLine, ...] = ()
    gross: Decimal | None = None
    discounts: Decimal | None = None
    vat: Decimal | None = None
    total: Decimal | None = None

    @property
    def complete(self) -> bool:
        return all(line.priced is not None and not line.problems for line in self.lines)


class Prices:
    def __init__(self, gateways: ErpGateways, engine: SqlEngine, parts: QuoteParts) -> None:
        self.gateways = gateways
        self.engine = engine
        self.parts = parts

    async def price(self, context: Context, quote: CrmRecord,
                    requested: str | None = None) -> QuotePrices:
        s = context.integration_set
        source = s.settings.price_source
        if quote.kind != "Quote":
            raise ValidationFailed(f"prices are asked with a <Quote>, not <{quote.kind}>")
        check_set(context, quote, "quote")
        if source == "crm":
            return QuotePrices(quote.crm_id, context.set_code, "crm", None)
        if not quote.lines:
            raise ValidationFailed("the quote has no lines to price",
                                   details=[Detail("<Lines>", "input", path="Lines")])
        values = LineFields(s)
        values.quantities(quote)
        values.prices(quote)  # the would-be order is built as a transfer would: same refusals
        if source == "sql":
            return await self._sql(context, quote)
        return await self._erp(context, quote, transfer_type(context, requested))

    # -- erp -------------------------------------------------------------------------------------
    async def _erp(self, context: Context, quote: CrmRecord, kind: TransferType) -> QuotePrices:
        s = context.integration_set
        quote = quote._replace(warehouse=quote_warehouse(context, quote))
        statements = self.parts.link_statements(context, quote)
        results = await self.engine.run(s, statements) if statements else []
        linked = await self.parts.link(context, quote, statements, results, create=False)
        record = linked.record
        ctx = MappingContext.from_session(context, quote_stamp=quote_stamp(quote))
        document = translate(kind, record, ctx)
        data = await self.gateways.for_set(s).calculate(ErpCall.of(context), document)
        codes = [line.product.code or "" if line.product else "" for line in record.lines]
        priced = (logo_priced(str(data), codes) if s.is_logo
                  else netsis_priced(data if isinstance(data, Mapping) else {}, len(codes)))
        return self._answer(context, quote, "erp", kind, priced)

    def _answer(self, context: Context, quote: CrmRecord, source: Source,
                kind: TransferType | None, priced: PricedDocument) -> QuotePrices:
        fields = LineFields(context.integration_set)
        lines = []
        for index, (line, found) in enumerate(zip(quote.lines, priced.lines, strict=True), 1):
            carried, problems = _carried(context, fields, line, found)
            if found.unit_price == 0:
                problems.append("the ERP found no price for the product (0)")
            lines.append(PriceLine(index, line.crm_id, found, tuple(carried), tuple(problems)))
        gross, discounts, vat, total = _totals(priced.lines)
        return QuotePrices(quote.crm_id, context.set_code, source, kind, tuple(lines),
                           priced.gross if priced.gross is not None else gross,
                           priced.discounts if priced.discounts is not None else discounts,
                           priced.vat if priced.vat is not None else vat,
                           priced.total if priced.total is not None else total)

    # -- sql -------------------------------------------------------------------------------------
    async def _sql(self, context: Context, quote: CrmRecord) -> QuotePrices:
        s = context.integration_set
        sql = s.sql.price
        assert sql is not None  # the set model refuses price_source sql without it
        refs: list[Scalar] = []
        codes: list[Scalar] = []
        for index, line in enumerate(quote.lines, 1):
            product = line.product
            if product is None or not product.has_link:
                raise ValidationFailed(
                    f"line {index}: the product has no ERP link (ref/code); the price SQL looks "
                    "products up by their link",
                    details=[Detail("<Product>", "input", path=f"{line_path(index)}/Product")])
            if product.code:
                codes.append(product.code)
            else:
                refs.append(sql_ref(s, product.ref or "", path=f"{line_path(index)}/Product/@ref"))
        account = quote.account
        common = {**base_values(context), "account": account.code if account else None,
                  "date": _quote_date(context, quote)}
        statements = by_products(self.engine, s, "price", sql, common, refs, codes,
                                 at_least_one=True)
        results = await self.engine.run(s, statements)  # one round trip
        rows = rows_by_product(results)
        values = LineFields(s)
        lines: list[PriceLine] = []
        priced_lines: list[PricedLine] = []
        for index, line in enumerate(quote.lines, 1):
            product = line.product
            assert product is not None
            key = (product.code.upper() if product.code
                   else f"#{sql_ref(s, product.ref or '')}")
            row = rows.get(key)
            name = product.code or product.ref or ""
            if row is None:
                lines.append(PriceLine(index, line.crm_id, None, (),
                                       (f"the price SQL returned no row for product {name}",)))
                continue
            price, problem = _row_number(row, "PRICE")
            if price is None:
                lines.append(PriceLine(index, line.crm_id, None, (),
                                       (problem or f"the price SQL returned no PRICE for {name}",)))
                continue
            rates: list[Decimal] = []
            problems: list[str] = []
            for column in ("DISCOUNT1", "DISCOUNT2"):
                rate, problem = _row_number(row, column)
                if problem:
                    problems.append(problem)
                elif rate:
                    rates.append(rate)
            quantity = values.number(line, "quantity", index) or ZERO
            vat_rate, problem = _row_number(row, "VAT_RATE")
            if vat_rate is None:
                vat_rate = values.number(line, "vat", index) or ZERO
            currency = row.get("CURRENCY")
            found = completed(PricedLine(
                str(row.get("CODE") or name).strip(), quantity, price,
                tuple(Discount(rate, None) for rate in rates), vat_rate,
                vat_included=values.vat_included(quote, line),
                currency=str(currency).strip() if currency not in (None, "") else None))
            carried, more = _carried(context, values, line, found)
            if price == 0:
                problems.append(f"the price SQL returned 0 for product {name}")
            priced_lines.append(found)
            lines.append(PriceLine(index, line.crm_id, found, tuple(carried),
                                   tuple(problems + more)))
        gross_total, discounts, vat, total = _totals(priced_lines)
        return QuotePrices(quote.crm_id, context.set_code, "sql", None, tuple(lines),
                           gross_total, discounts, vat, total)


# -- helpers -------------------------------------------------------------------------------------
def _quote_date(context: Context, quote: CrmRecord) -> date:
    name = "Date"
    text = (quote.fields.get(name) or "").strip()[:10]
    try:
        return date.fromisoformat(text) if text else date.today()
    except ValueError:
        raise ValidationFailed(f"the quote's {name} {text!r} is not a date (YYYY-MM-DD)",
                               details=[Detail(text, "input",
                                               path=f"Field[@name='{name}']")]) from None


def _carried(context: Context, fields: LineFields, line: CrmRecord,
             found: PricedLine) -> tuple[list[tuple[str, str]], list[str]]:
    """The CRM fields (and values) that make a transfer carry this price; what cannot be carried."""
    problems: list[str] = []
    if not is_local_currency(found.currency, logo=context.integration_set.is_logo):
        # a transfer sends the price without a currency: the ERP would book the foreign amount
        # as local currency. No field of this line is promised (its discounts, VAT and campaign
        # belong to that price).
        return [], [f"the price is in currency {found.currency} (the ERP's code), not the local "
                    "currency, and cannot be carried: a transfer sends no currency, so the ERP "
                    f"would book {decimal_text(found.unit_price)} in the local currency"]
    out = [(fields.name("price"), decimal_text(found.unit_price))]
    rates = [d.rate for d in found.discounts]
    if any(rate is None for rate in rates):
        problems.append("a discount by amount cannot be carried as a rate; the transfer lets the "
                        "ERP apply it again")
    carried = [rate for rate in rates if rate is not None]
    if len(carried) > MAX_CARRIED_DISCOUNTS:
        problems.append(f"{len(carried)} discounts; a quote line carries "
                        f"{MAX_CARRIED_DISCOUNTS}")
    names = fields.discount_names
    for position, name in enumerate(names):
        value = carried[position] if position < len(carried) else None
        if value is not None or line.fields.get(name):
            out.append((name, decimal_text(value) if value is not None else "0"))
    if found.vat_rate is not None:
        out.append((fields.name("vat"), decimal_text(found.vat_rate)))
    if context.integration_set.is_logo and (found.vat_included
                                            or line.fields.get(fields.name("vat_included"))):
        # a price card with VAT included prices the line so; the transfer must say it, or the
        # ERP adds the VAT on top of a price that holds it
        out.append((fields.name("vat_included"), "1" if found.vat_included else "0"))
    if context.integration_set.is_logo and (found.campaign or line.fields.get(fields.name("campaign"))):
        out.append((fields.name("campaign"), found.campaign or ""))
    return out, problems


def _totals(lines: Sequence[PricedLine]) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """Gross (without VAT), discounts, VAT and total of priced lines, as the ERPs total them."""
    gross = net = vat = ZERO
    for line in lines:
        line_gross = line.gross or ZERO
        if line.vat_included and line.vat_rate:
            line_gross = money(line_gross * 100 / (100 + line.vat_rate))
        gross += line_gross
        net += line.net or ZERO
        vat += line.vat or ZERO
    return gross, gross - net, vat, net + vat


def _row_number(row: Mapping[str, Any], column: str) -> tuple[Decimal | None, str | None]:
    value = row.get(column)
    try:
        return decimal_of(value), None
    except InvalidOperation:
        return None, f"the price SQL returned {column} {value!r}, which is not a number"
