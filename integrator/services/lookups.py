"""Read-only lookups in the ERP database and the one custom-field write (F4, F5, F7, F13, F14,
F20, F21, F31); the search (F12, F19) is ``integrator.services.search``.

Pure rules (warehouse permission, parameter assembly) plus one ``SqlEngine`` call per operation.
The handlers in ``integrator.api.lookups`` parse the request, call one of these and render the
answer.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from integrator.config import IntegrationSet
from integrator.errors import Detail, Forbidden, NotFound, ValidationFailed
from integrator.model import CardEntity, Context
from integrator.model.numbers import decimal_of
from integrator.services.statements import base_values, sql_ref, warehouse_values
from integrator.sql import tokens
from integrator.sql.defaults import statement_sql
from integrator.sql.engine import SqlEngine
from integrator.sql.params import MAX_LIST, ParamValue, Scalar, parse_value
from integrator.sql.results import Column, Result, Statement


# -- statement (F13) -----------------------------------------------------------------------------
def parse_day(name: str, text: str | None) -> date:
    if not text:
        raise ValidationFailed(f"{name} is required (YYYY-MM-DD)", details=[Detail(name, path=name)])
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(f"{name} must be a date YYYY-MM-DD",
                               details=[Detail(f"got {text!r}", "input", path=name)]) from None


def _money(value: Any) -> Decimal:
    return decimal_of(value) or Decimal(0)


@dataclass(frozen=True, slots=True)
class AccountStatement:
    ref: Any
    code: Any
    name: Any
    date_from: date
    date_to: date
    opening: Decimal
    closing: Decimal
    debit: Decimal
    credit: Decimal
    movements: Result


async def statement(engine: SqlEngine, context: Context, ref: str, date_from: date,
                    date_to: date) -> AccountStatement:
    """The opening balance before ``date_from``, the movements of the period with a running
    balance, and the period's debit, credit and closing balance.

    The totals always cover every movement of the period. When there are more movements than the
    set's ``max_rows``, the answer holds the first ``max_rows`` of them (``truncated``) and the
    statement is read once more, streamed, to add up all of them (rows and totals from that one
    read); before, the totals were those of the rows shown, so the closing balance was wrong.
    """
    if date_to < date_from:
        raise ValidationFailed("'to' is before 'from'")
    if (date_to - date_from).days > 3660:
        raise ValidationFailed("a statement covers at most ten years")
    s = context.integration_set
    values = {**base_values(context), "ref": sql_ref(s, ref), "date_from": date_from,
              "date_to_next": date_to + timedelta(days=1)}
    cap = s.database.max_rows
    sql = statement_sql(s, "account_statement")
    opening_stmt = engine.prepare(s, "account_opening_balance",
                                  statement_sql(s, "account_opening_balance"), values, max_rows=1)
    lines_stmt = engine.prepare(s, "account_statement", sql, values, max_rows=cap)
    opening_result, lines = await engine.run(s, [opening_stmt, lines_stmt])  # one hop
    head = opening_result.first()
    if head is None:
        raise NotFound(f"no account with ref {ref!r} in set {s.code}")
    head = {k.upper(): v for k, v in head.items()}
    opening = _money(head.get("BALANCE"))
    upper = [c.name.upper() for c in lines.columns]
    debit_at = upper.index("DEBIT") if "DEBIT" in upper else None
    credit_at = upper.index("CREDIT") if "CREDIT" in upper else None

    def amounts(row: tuple[Any, ...]) -> tuple[Decimal, Decimal]:
        return (_money(row[debit_at]) if debit_at is not None else Decimal("0"),
                _money(row[credit_at]) if credit_at is not None else Decimal("0"))

    shown = lines.rows
    total_debit = total_credit = Decimal("0")
    if lines.truncated:  # more movements than an answer holds: add up every one of them
        shown = []
        stream = engine.stream(s, "account_statement", sql, values)
        async with contextlib.aclosing(stream) as batches:
            async for batch in batches:
                room = cap - len(shown)
                if room > 0:
                    shown.extend(batch.rows[:room])
                for row in batch.rows:
                    debit, credit = amounts(row)
                    total_debit += debit
                    total_credit += credit
    balance = opening
    rows = []
    for row in shown:
        debit, credit = amounts(row)
        if not lines.truncated:
            total_debit += debit
            total_credit += credit
        balance += debit - credit
        rows.append((*row, balance))
    closing = opening + total_debit - total_credit
    with_balance = Result((*lines.columns, Column("BALANCE", "decimal")), rows, lines.truncated,
                          lines.elapsed_s)
    return AccountStatement(head.get("REF"), head.get("CODE"), head.get("NAME"), date_from,
                            date_to, opening, closing, total_debit, total_credit, with_balance)


# -- stock (F20, F31) ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ProductKey:
    ref: str | None
    code: str | None


@dataclass(frozen=True, slots=True)
class StockResult:
    result: Result
    unknown: list[ProductKey]


async def stock(engine: SqlEngine, context: Context, products: Sequence[ProductKey],
                warehouse: int | None = None) -> StockResult:
    """Stock of many products in one query per 1,000 products (fewer when the statement names
    its lists more than once: SQL Server takes 2,100 parameters), all in one executor hop.

    A product is ``unknown`` only when its query returned every row and none of them is the
    product's: when a query's rows were cut at ``max_rows`` (``truncated``), the products it did
    not reach are not called unknown (they may exist).
    """
    if not products:
        raise ValidationFailed("name at least one product")
    if len(products) > 10 * MAX_LIST:
        raise ValidationFailed(f"at most {10 * MAX_LIST} products per call")
    s = context.integration_set
    refs: list[Scalar] = []
    codes: list[Scalar] = []
    for p in products:
        if p.ref:
            refs.append(sql_ref(s, p.ref))
        elif p.code:
            codes.append(p.code)
        else:
            raise ValidationFailed("every product needs a ref or a code")
    common = {**base_values(context), **warehouse_values(context, warehouse)}
    sql = statement_sql(s, "product_stock")
    size = engine.list_chunk(s, sql, {**common, "refs": refs, "codes": codes})
    statements: list[Statement] = []
    for start in range(0, max(len(refs), len(codes)), size):
        values = {**common, "refs": refs[start:start + size], "codes": codes[start:start + size]}
        statements.append(engine.prepare(s, "product_stock", sql, values,
                                         max_rows=s.database.max_rows))
    results = await engine.run(s, statements)
    merged = Result(results[0].columns, [r for res in results for r in res.rows],
                    any(r.truncated for r in results), sum(r.elapsed_s for r in results))
    upper = [c.name.upper() for c in merged.columns]
    ref_at = upper.index("REF") if "REF" in upper else None
    code_at = upper.index("CODE") if "CODE" in upper else None
    seen_refs: set[str] = set()
    seen_codes: set[str] = set()
    cut_refs: set[str] = set()  # asked in a query whose rows were cut: not known to be absent
    cut_codes: set[str] = set()
    for index, result in enumerate(results):
        for row in result.rows:
            if ref_at is not None and row[ref_at] is not None:
                seen_refs.add(str(row[ref_at]).strip())
            if code_at is not None and row[code_at] is not None:
                seen_codes.add(str(row[code_at]).strip())
        if result.truncated:
            start = index * size
            cut_refs.update(str(r) for r in refs[start:start + size])
            cut_codes.update(str(c).strip() for c in codes[start:start + size])
    unknown = []
    for p in products:
        if p.ref:
            key = str(sql_ref(s, p.ref))
            if key not in seen_refs and key not in cut_refs:
                unknown.append(p)
        elif p.code and p.code.strip() not in seen_codes and p.code.strip() not in cut_codes:
            unknown.append(p)
    return StockResult(merged, unknown)


# -- lists (F5, F7) ------------------------------------------------------------------------------
async def warehouses(engine: SqlEngine, context: Context) -> Result:
    s = context.integration_set
    values = {**base_values(context), **warehouse_values(context, None)}
    return await engine.query(s, "warehouses", statement_sql(s, "warehouses"), values)


async def salesmen(engine: SqlEngine, context: Context) -> Result:
    s = context.integration_set
    return await engine.query(s, "salesmen", statement_sql(s, "salesmen"), base_values(context))


# -- named queries (F14, F21) --------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class QueryLink:
    """The record a named query is about: ``<Account ref code/>`` or ``<Product ref code/>``."""

    tag: str
    ref: str | None
    code: str | None


@dataclass(frozen=True, slots=True)
class QueryRequest:
    link: QueryLink | None
    params: Mapping[str, str]


def _link_value(name: str, link: QueryLink | None) -> str | None:
    if link is None:
        return None
    lowered = name.lower()
    value = link.code if lowered == "code" or lowered.endswith("_code") else link.ref
    return value if value not in (None, "") else None


async def named_query(engine: SqlEngine, context: Context, name: str,
                      request: QueryRequest) -> Result:
    s = context.integration_set
    query = s.sql.queries.get(name)
    if query is None:
        raise NotFound(f"set {s.code} has no query named {name!r}")
    link = request.link
    if link is not None and query.entity != "none" and link.tag.lower() != query.entity:
        raise ValidationFailed(f"query {name!r} is about an {query.entity}, "
                               f"but the body names a <{link.tag}>")
    given = request.params
    declared = {p.name for p in query.params}
    unknown = sorted(set(given) - declared)
    if unknown:
        raise ValidationFailed(f"query {name!r} has no parameter {', '.join(unknown)}",
                               details=[Detail(f"declared: {', '.join(sorted(declared)) or '(none)'}",
                                               "input")])
    values: dict[str, ParamValue] = dict(base_values(context))
    problems: list[Detail] = []
    for param in query.params:
        text = given.get(param.name) if param.source == "body" else _link_value(param.name, link)
        if text is None:
            if param.required:
                where = "a <Param>" if param.source == "body" else "the <Account>/<Product> link"
                problems.append(Detail(f"parameter {param.name!r} is required ({where})",
                                       "input", path=param.name))
            values[param.name] = None
            continue
        try:
            values[param.name] = parse_value(param.name, text, param.type)
        except ValidationFailed as error:
            problems.extend(error.details or [Detail(error.message, "input", path=param.name)])
    if problems:
        raise ValidationFailed(f"query {name!r}: parameters are missing or invalid",
                               details=problems)
    return await engine.query(s, f"query:{name}", query.sql, values)


# -- the one write: custom fields (F4) -----------------------------------------------------------
_PARENT_TABLE = {"account": "CLCARD", "product": "ITEMS"}


@dataclass(frozen=True, slots=True)
class ExtensionTable:
    """One ``<Table name>`` of an extensions body with its ``<Field name>value</Field>``s."""

    name: str
    fields: Sequence[tuple[str, str]]


def extension_plan(integration_set: IntegrationSet, entity: CardEntity,
                   tables: Sequence[ExtensionTable]) -> list[tuple[str, dict[str, str]]]:
    """The (real table, {column: value}) pairs of a body, every name checked against the set's
    whitelist (``extensions``); anything else is FORBIDDEN."""
    s = integration_set
    if not s.is_logo:
        raise ValidationFailed("custom-field tables (LG_XT) exist only on Tiger/Go sets; "
                               f"set {s.code} is a Netsis set")
    firm, period = s.firm_code, s.period_code
    allowed: dict[str, dict[str, str]] = {}
    for ext in s.extensions:
        if ext.entity == entity:
            real = tokens.resolve_name(ext.table, firm, period).upper()
            columns = allowed.setdefault(real, {})
            columns.update({c.upper(): c for c in ext.columns})
    plan: list[tuple[str, dict[str, str]]] = []
    seen: set[str] = set()
    for table in tables:
        asked = table.name
        try:
            real = tokens.resolve_name(asked, firm, period).upper()
        except Exception:
            real = asked.upper()
        if real not in allowed:
            raise Forbidden(f"table {asked} is not a whitelisted {entity} custom-field table of "
                            f"set {s.code}")
        if real in seen:
            raise ValidationFailed(f"table {asked} is named twice")
        seen.add(real)
        fields: dict[str, str] = {}
        for column, value in table.fields:
            spelled = allowed[real].get(column.upper())
            if spelled is None:
                raise Forbidden(f"column {column} of {asked} is not whitelisted in set {s.code}")
            fields[spelled] = value
        plan.append((real, fields))
    return plan


async def write_extensions(engine: SqlEngine, context: Context, entity: CardEntity, ref: str,
                           tables: Sequence[ExtensionTable]) -> list[tuple[str, str]]:
    s = context.integration_set
    plan = extension_plan(s, entity, tables)
    parent_ref = sql_ref(s, ref)
    assert isinstance(parent_ref, int)
    parent_table = f"LG_{s.firm_code}_{_PARENT_TABLE[entity]}"
    return await engine.write_rows(s, parent_table=parent_table, parent_ref=parent_ref,
                                   tables=plan)
