"""Checks while a quote is edited, and before it is transferred (F30 stock, F32 risk, F5).

**Stock (F30).** The set's ``stock_check`` statement (defaults per ERP in ``sql.defaults``: the
same stock definition as the product picker, F31) gives, for every product of the quote, its real
and available stock per permitted warehouse — the quote's own warehouse alone when
``settings.stock_by_selected_warehouse`` says so — and its units with their factors, in **one**
statement whatever the line count (one per 1,000 products). A line's quantity is converted to the
product's main unit; lines of the same product count together, in line order. A line above what
is available is ``warn`` or ``block`` per ``settings.stock_check_action``; a product the ERP does
not have yet (to be auto-created by the transfer) is ``new`` and not counted.

**Risk (F32).** The set's ``risk_check`` statement gives the account's limit and current risk
(Tiger ``CLRNUMS`` with MobileSales' RISKTYPES sums, plus the DBS limits of the account card when
``settings.risk_dbs``; Netsis ``TBLCARISK.RISKLIMITI`` with ``CARISKBUL``, or with
``settings.risk_source: erp`` the ERP's ``ARPs/Risk``). The quote's total (its lines as the CRM
priced them, VAT included) is added; what remains below zero is ``warn`` or ``block`` per
``settings.risk_check_action``. No limit (no risk row, or 0) never blocks.

The statements are prepared apart (``statements``) so a transfer runs them in the same round trip
as its other lookups; ``evaluate`` turns the results into a ``QuoteCheck``; ``blocking`` is the
error a blocked check raises (it carries the check for the answer body).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from integrator.config import CheckAction, CheckName
from integrator.erp.gateway import ErpCall
from integrator.erp.hub import ErpGateways
from integrator.errors import (
    Detail,
    Forbidden,
    IntegratorError,
    RiskBlocked,
    StockBlocked,
    ValidationFailed,
)
from integrator.model import Context, CrmRecord
from integrator.model.numbers import decimal_text
from integrator.services.quote_values import LineFields, line_path, product_key, quote_total
from integrator.services.statements import base_values, by_products, sql_ref, warehouse_values
from integrator.services.stock_rows import (
    WarehouseStock,
    decimal_column,
    rows_by_product,
    stock_rows,
    text_of,
)
from integrator.sql.defaults import default_sql, statement_sql
from integrator.sql.engine import SqlEngine
from integrator.sql.params import Scalar
from integrator.sql.results import Result, Statement

LineStatus = Literal["ok", "warn", "block", "new"]
RiskStatus = Literal["ok", "warn", "block", "no_limit", "new"]
ZERO = Decimal(0)


# -- results -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class StockLine:
    index: int                 # the line's position in the quote (1, 2, ...)
    crm_id: str | None
    product: str               # the product's code ("" for a product the ERP does not have yet)
    unit: str | None
    quantity: Decimal          # as asked, in the line's unit
    needed: Decimal            # the same in the product's main unit
    real: Decimal              # over the warehouses counted, main unit
    available: Decimal
    warehouses: tuple[WarehouseStock, ...]
    status: LineStatus


@dataclass(frozen=True, slots=True)
class StockCheck:
    action: CheckAction
    warehouse: int | None      # the quote's warehouse when it alone is counted
    lines: tuple[StockLine, ...]

    @property
    def short(self) -> list[StockLine]:
        return [line for line in self.lines if line.status in ("warn", "block")]

    @property
    def blocked(self) -> bool:
        return any(line.status == "block" for line in self.lines)


@dataclass(frozen=True, slots=True)
class RiskCheck:
    action: CheckAction
    source: Literal["sql", "erp"]
    account_ref: str
    account_code: str
    account_name: str
    limit: Decimal | None      # None: no limit is set
    current: Decimal           # the account's risk now
    quote_total: Decimal       # this quote, VAT included
    remaining: Decimal | None  # limit - current - quote_total (with DBS when the set counts it)
    status: RiskStatus
    dbs_limit: Decimal | None = None
    dbs_total: Decimal | None = None
    erp_control: str | None = None
    uncounted: tuple[int, ...] = ()  # lines without a price: not in quote_total
    no_vat: tuple[int, ...] = ()     # lines whose VAT rate is unknown: their VAT not in it


@dataclass(frozen=True, slots=True)
class QuoteCheck:
    quote_id: str | None
    set_code: str
    stock: StockCheck | None = None
    risk: RiskCheck | None = None

    @property
    def warnings(self) -> bool:
        return bool(self.stock and self.stock.short) or bool(
            self.risk and self.risk.status in ("warn", "block"))

    def blocking(self) -> IntegratorError | None:
        """The error of the first blocked check (stock, then risk), carrying this check."""
        if self.stock is not None and self.stock.blocked:
            lines = ", ".join(str(line.index) for line in self.stock.short)
            error: IntegratorError = StockBlocked(
                f"quote {self.quote_id}: line {lines} asks for more than the stock available",
                details=[Detail(f"line {line.index} {line.product}: {_num(line.needed)} needed, "
                                f"{_num(line.available)} available", "sql",
                                path=line_path(line.index)) for line in self.stock.short])
            error.payload = self
            return error
        if self.risk is not None and self.risk.status == "block":
            risk = self.risk
            error = RiskBlocked(
                f"quote {self.quote_id}: account {risk.account_code} would exceed its risk limit "
                f"by {_num(-(risk.remaining or ZERO))}",
                details=[Detail(f"limit {_num(risk.limit or ZERO)}, current risk "
                                f"{_num(risk.current)}, this quote {_num(risk.quote_total)}",
                                risk.source if risk.source == "erp" else "sql", path="Account")])
            error.payload = self
            return error
        return None


_num = decimal_text


# -- the service ---------------------------------------------------------------------------------
@dataclass
class _Plan:
    """Which statements ``statements`` prepared, to read their results back in order."""

    stock: int = 0             # how many stock statements
    risk: bool = False
    vat: int = 0               # how many product_vat statements (after the risk statement)
    refs: list[Scalar] = field(default_factory=list)
    codes: list[Scalar] = field(default_factory=list)


class QuoteChecks:
    def __init__(self, engine: SqlEngine, gateways: ErpGateways) -> None:
        self.engine = engine
        self.gateways = gateways

    # -- statements ------------------------------------------------------------------------------
    def statements(self, context: Context, quote: CrmRecord,
                   which: Sequence[CheckName]) -> tuple[list[Statement], _Plan]:
        """The prepared statements of the checks named (run them in one hop, with others)."""
        s = context.integration_set
        plan = _Plan()
        out: list[Statement] = []
        if "stock" in which:
            common = {**base_values(context), **self._warehouses(context, quote)}
            for line in quote.lines:
                product = line.product
                if product is None or not product.has_link:
                    continue
                if product.code:
                    plan.codes.append(product.code)
                else:
                    plan.refs.append(sql_ref(context.integration_set, product.ref or ""))
            # every row: a decision, not an answer (a row cap would drop warehouses and units,
            # or call a product absent); bounded by the quote's products
            stock = by_products(self.engine, s, "stock_check", statement_sql(s, "stock_check"),
                                common, plan.refs, plan.codes, at_least_one=True)
            out += stock
            plan.stock = len(stock)
        if "risk" in which:
            account = quote.account
            if account is not None and account.has_link:
                source = s.settings.risk_source
                sql = s.sql.risk_check or default_sql(
                    s.erp, "risk_limit" if source == "erp" else "risk_check")
                ref: Scalar = sql_ref(context.integration_set, account.ref) if account.ref else None
                values = {**base_values(context), "ref": ref, "code": account.code or None,
                          "date": date.today()}
                out.append(self.engine.prepare(s, "risk_check", sql, values, max_rows=2))
                plan.risk = True
                out += self._vat_statements(context, quote, plan)
        return out, plan

    def _vat_statements(self, context: Context, quote: CrmRecord, plan: _Plan) -> list[Statement]:
        """``product_vat`` for the linked products of the priced lines sent without a VAT rate:
        the ERP gives such a line its product's rate, and the quote total must count it."""
        s = context.integration_set
        values = LineFields(s)
        refs: list[Scalar] = []
        codes: list[Scalar] = []
        for index, line in enumerate(quote.lines, 1):
            product = line.product
            if (product is None or not product.has_link or values.text(line, "price") is None
                    or values.text(line, "vat") is not None):
                continue
            if product.code:
                codes.append(product.code)
            else:
                refs.append(sql_ref(s, product.ref or "", path=f"{line_path(index)}/Product"))
        out = by_products(self.engine, s, "product_vat", default_sql(s.erp, "product_vat"),
                          base_values(context), refs, codes)
        plan.vat = len(out)
        return out

    @staticmethod
    def _warehouses(context: Context, quote: CrmRecord) -> dict[str, Any]:
        selected = quote.warehouse
        if selected is not None and not context.member.may_use_warehouse(selected):
            raise Forbidden(f"user {context.user!r} is not permitted on warehouse {selected} of "
                            f"set {context.set_code}",
                            details=[Detail(str(selected), "input", path="@warehouse")])
        return warehouse_values(context, selected)

    # -- running ---------------------------------------------------------------------------------
    async def check(self, context: Context, quote: CrmRecord,
                    which: Sequence[CheckName]) -> QuoteCheck:
        """Run the checks named, in one round trip (plus ``ARPs/Risk`` on sets that use it)."""
        if not which:
            raise ValidationFailed("name a check: ?stock=1, ?risk=1 or both")
        self.validate(context, quote, which)
        account = quote.account
        if "risk" in which and account is not None and not account.has_link:
            raise ValidationFailed(
                f"the risk check needs the account's ERP link (ref or code); account "
                f"{account.crm_id or ''} has none yet", details=[
                    Detail(account.crm_id or "", "input", path="Account")])
        statements, plan = self.statements(context, quote, which)
        results = await self.engine.run(context.integration_set, statements) if statements else []
        return await self.evaluate(context, quote, which, plan, results)

    @staticmethod
    def validate(context: Context, quote: CrmRecord, which: Sequence[CheckName]) -> None:
        if quote.kind != "Quote":
            raise ValidationFailed(f"a check takes a <Quote>, not <{quote.kind}>")
        if "stock" in which:
            if not quote.lines:
                raise ValidationFailed("the quote has no lines to check",
                                       details=[Detail("<Lines>", "input", path="Lines")])
            LineFields(context.integration_set).quantities(quote)
            for index, line in enumerate(quote.lines, 1):
                if line.product is None:
                    raise ValidationFailed(f"line {index} names no product", details=[
                        Detail("<Product>", "input", path=f"{line_path(index)}/Product")])
        if "risk" in which:
            if quote.account is None:
                raise ValidationFailed("the risk check needs the quote's <Account>",
                                       details=[Detail("<Account>", "input", path="Account")])
            LineFields(context.integration_set).prices(quote)  # the quote total counts them

    async def evaluate(self, context: Context, quote: CrmRecord, which: Sequence[CheckName],
                       plan: _Plan, results: Sequence[Result]) -> QuoteCheck:
        rest = list(results)
        stock = risk = None
        if "stock" in which:
            taken, rest = rest[:plan.stock], rest[plan.stock:]
            stock = self._stock(context, quote, taken)
        if "risk" in which:
            vat = _vat_rows(rest[1:1 + plan.vat] if plan.risk else [])
            risk = await self._risk(context, quote, rest[0] if plan.risk else None, vat)
        return QuoteCheck(quote.crm_id, context.set_code, stock, risk)

    # -- stock -----------------------------------------------------------------------------------
    def _stock(self, context: Context, quote: CrmRecord, results: Sequence[Result]) -> StockCheck:
        s = context.integration_set
        action = s.settings.stock_check_action
        products = stock_rows(results)
        values = LineFields(s)
        quantities = values.quantities(quote)
        used: dict[str, Decimal] = {}
        lines: list[StockLine] = []
        missing: list[Detail] = []
        for index, (line, quantity) in enumerate(zip(quote.lines, quantities, strict=True), 1):
            product = line.product
            assert product is not None
            unit = values.text(line, "unit")
            if not product.has_link:
                lines.append(StockLine(index, line.crm_id, "", unit, quantity, quantity, ZERO, ZERO,
                                       (), "new"))
                continue
            found = products.get(product_key(s, line) or "")
            if found is None:
                missing.append(Detail(f"line {index}: product {product.code or product.ref} is "
                                      "not in the ERP", "input", path=f"{line_path(index)}/Product"))
                continue
            factor = found.factor(unit, index, values.name("unit"))
            needed = quantity * factor
            counted = used.get(found.code, ZERO) + needed
            used[found.code] = counted
            available = sum((w.available for w in found.warehouses), ZERO)
            real = sum((w.real for w in found.warehouses), ZERO)
            status: LineStatus = "ok" if counted <= available else action
            lines.append(StockLine(index, line.crm_id, found.code, unit, quantity, needed, real,
                                   available, tuple(found.warehouses), status))
        if missing:
            raise ValidationFailed(f"quote {quote.crm_id}: products the ERP does not have",
                                   details=missing)
        selected = quote.warehouse if s.settings.stock_by_selected_warehouse else None
        return StockCheck(action, selected, tuple(lines))

    # -- risk ------------------------------------------------------------------------------------
    async def _risk(self, context: Context, quote: CrmRecord, result: Result | None,
                    product_vat: dict[str, Decimal]) -> RiskCheck:
        s = context.integration_set
        action = s.settings.risk_check_action
        account = quote.account
        assert account is not None
        total, uncounted, no_vat = quote_total(context.integration_set, quote, product_vat)
        source = s.settings.risk_source
        if result is None:  # an account the ERP does not have yet (auto-create): nothing to check
            return RiskCheck(action, source, "", "", "", None, ZERO, total, None, "new",
                             uncounted=uncounted, no_vat=no_vat)
        row = result.first()
        if row is None:
            raise ValidationFailed(f"the quote's account {account.code or account.ref} is not in "
                                   "the ERP", details=[Detail(account.code or account.ref or "",
                                                              "input", path="Account")])
        folded = {k.upper(): v for k, v in row.items()}
        code = text_of(folded.get("CODE"))
        limit = decimal_column(folded.get("RISK_LIMIT"), "RISK_LIMIT")
        if source == "erp":
            gateway = self.gateways.netsis_for(s)
            current = await gateway.risk(ErpCall.of(context), code)
        else:
            current = decimal_column(folded.get("RISK_TOTAL"), "RISK_TOTAL") or ZERO
        dbs_limit = dbs_total = None
        if s.settings.risk_dbs:
            dbs_limit = decimal_column(folded.get("DBS_LIMIT"), "DBS_LIMIT") or ZERO
            dbs_total = decimal_column(folded.get("DBS_TOTAL"), "DBS_TOTAL") or ZERO
        control = folded.get("ERP_CONTROL")
        ref, name = text_of(folded.get("REF")), text_of(folded.get("NAME"))
        remaining = None
        status: RiskStatus = "no_limit"
        if limit:
            remaining = limit - current - total + ((dbs_limit or ZERO) - (dbs_total or ZERO))
            status = "ok" if remaining >= 0 else action
        return RiskCheck(action, source, ref, code, name, limit or None, current, total,
                         remaining, status, dbs_limit, dbs_total,
                         None if control is None else text_of(control), uncounted, no_vat)


def _vat_rows(results: Sequence[Result]) -> dict[str, Decimal]:
    """``product_vat`` rows: each product's VAT rate by ``product_key``."""
    rates = {key: decimal_column(row.get("VAT"), "VAT")
             for key, row in rows_by_product(results).items()}
    return {key: rate for key, rate in rates.items() if rate is not None}
