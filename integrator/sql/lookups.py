"""What the lookup endpoints do with the SQL engine (F4, F5, F7, F12-F14, F18-F21, F31).

Pure rules (Turkish search patterns and folding, warehouse permission, parameter assembly) plus
one ``SqlEngine`` call per operation. The handlers in ``integrator.api.lookups`` only parse the
request, call one of these and render the answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Literal

from lxml import etree

from integrator.config import IntegrationSet
from integrator.errors import Detail, Forbidden, NotFound, ValidationFailed
from integrator.sessions.manager import Context
from integrator.sql import tokens
from integrator.sql.defaults import statement_sql
from integrator.sql.executor import Column, Result, SqlEngine, Statement
from integrator.sql.params import MAX_LIST, ParamValue, Scalar, parse_value

Entity = Literal["account", "product"]

SEARCH_LIMIT_DEFAULT = 50
SEARCH_LIMIT_MAX = 500
SEARCH_FETCH_MAX = 2000
QUERY_MAX_CHARS = 100


# -- Turkish search (N7) -------------------------------------------------------------------------
def turkish_fold(text: str) -> str:
    """Case folding with Turkish rules: I/ı and İ/i are pairs; everything else as Unicode."""
    return text.replace("I", "ı").replace("İ", "i").lower()


def like_pattern(query: str) -> str:
    """A LIKE pattern that matches a superset of the Turkish case-insensitive matches of ``query``.

    ASCII letters and digits stay (the engine's case-insensitive LIKE handles ASCII case); every
    letter whose case differs under Turkish rules (i, I, ı, İ) and every other non-ASCII or LIKE
    special character becomes ``_`` (any one character). The exact Turkish filter runs in Python.
    """
    out = []
    for ch in query:
        if ch in "iIıİ" or not ch.isascii() or ch in "%_[]^\\'":
            out.append("_")
        else:
            out.append(ch)
    return "".join(out)


def matches(query: str, code: Any, name: Any) -> Literal["code", "name"] | None:
    folded = turkish_fold(query)
    if code is not None and turkish_fold(str(code)).startswith(folded):
        return "code"
    if name is not None and folded in turkish_fold(str(name)):
        return "name"
    return None


# -- parameters every statement may use --------------------------------------------------------
def base_values(context: Context) -> dict[str, ParamValue]:
    s = context.integration_set
    return {"firm": s.firm, "period": s.period, "branch": s.branch, "user": context.user,
            "salesman": context.salesman}


def warehouse_values(context: Context, selected: int | None) -> dict[str, ParamValue]:
    """``:all_warehouses`` and ``:warehouses`` for the user (F5), narrowed to the quote's
    selected warehouse when the set says so (``settings.stock_by_selected_warehouse``)."""
    member = context.member
    if selected is not None and context.integration_set.settings.stock_by_selected_warehouse:
        if not member.may_use_warehouse(selected):
            raise Forbidden(f"user {context.user!r} is not permitted on warehouse {selected}")
        return {"all_warehouses": 0, "warehouses": [selected]}
    if member.warehouses == "all":
        return {"all_warehouses": 1, "warehouses": []}
    return {"all_warehouses": 0, "warehouses": list(member.warehouses)}


def parse_ref(integration_set: IntegrationSet, ref: str) -> int | str:
    """Tiger/Go refs are LOGICALREF integers; Netsis refs are CARI_KOD / STOK_KODU strings."""
    if integration_set.is_logo:
        text = ref.strip()
        if not text.isdigit() or len(text) > 12:
            raise ValidationFailed(f"ref {ref!r} is not a LOGICALREF (a positive integer)",
                                   details=[Detail(ref, "input", path="ref")])
        return int(text)
    if not ref or len(ref) > 35:
        raise ValidationFailed(f"ref {ref!r} is not a Netsis code (1-35 characters)")
    return ref


# -- search (F12, F19) ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SearchResult:
    result: Result
    rows: list[tuple[Any, ...]]
    matched: Sequence[str]
    truncated: bool


async def search(engine: SqlEngine, context: Context, entity: Entity, query: str,
                 limit: int = SEARCH_LIMIT_DEFAULT) -> SearchResult:
    text = query.strip()
    if not text:
        raise ValidationFailed("q must not be empty", details=[Detail("q", "input", path="q")])
    if len(text) > QUERY_MAX_CHARS:
        raise ValidationFailed(f"q is longer than {QUERY_MAX_CHARS} characters")
    if not 1 <= limit <= SEARCH_LIMIT_MAX:
        raise ValidationFailed(f"limit must be 1-{SEARCH_LIMIT_MAX}")
    s = context.integration_set
    pattern = like_pattern(text)
    fetch = min(max(limit * 10, 200), SEARCH_FETCH_MAX, s.database.max_rows)
    values = {**base_values(context), "code_pattern": pattern + "%",
              "name_pattern": "%" + pattern + "%", "limit": fetch}
    name = f"{entity}_search"
    result = await engine.query(s, name, statement_sql(s, name), values,  # type: ignore[arg-type]
                                max_rows=fetch)
    upper = [c.name.upper() for c in result.columns]
    code_at = upper.index("CODE") if "CODE" in upper else None
    name_at = upper.index("NAME") if "NAME" in upper else None
    rows, how = [], []
    for row in result.rows:
        found = matches(text, row[code_at] if code_at is not None else None,
                        row[name_at] if name_at is not None else None)
        if found is not None:
            rows.append(row)
            how.append(found)
    truncated = len(rows) > limit or (result.truncated and len(rows) < limit)
    return SearchResult(result, rows[:limit], how[:limit], truncated or result.truncated)


def search_element(found: SearchResult) -> etree._Element:
    from integrator.sql.rows import row_element

    element = etree.Element("Rows", count=str(len(found.rows)),
                            truncated="true" if found.truncated else "false")
    for row, how in zip(found.rows, found.matched, strict=True):
        item = row_element(found.result.columns, row, link=True)
        item.set("match", how)
        element.append(item)
    return element


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
    if value is None:
        return Decimal("0")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(str(value))


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
    if date_to < date_from:
        raise ValidationFailed("'to' is before 'from'")
    if (date_to - date_from).days > 3660:
        raise ValidationFailed("a statement covers at most ten years")
    s = context.integration_set
    values = {**base_values(context), "ref": parse_ref(s, ref), "date_from": date_from,
              "date_to_next": date_to + timedelta(days=1)}
    opening_stmt = engine.prepare(s, "account_opening_balance",
                                  statement_sql(s, "account_opening_balance"), values, max_rows=1)
    lines_stmt = engine.prepare(s, "account_statement", statement_sql(s, "account_statement"),
                                values, max_rows=s.database.max_rows)
    opening_result, lines = await engine.run(s, [opening_stmt, lines_stmt])  # one hop
    head = opening_result.first()
    if head is None:
        raise NotFound(f"no account with ref {ref!r} in set {s.code}")
    head = {k.upper(): v for k, v in head.items()}
    opening = _money(head.get("BALANCE"))
    upper = [c.name.upper() for c in lines.columns]
    debit_at = upper.index("DEBIT") if "DEBIT" in upper else None
    credit_at = upper.index("CREDIT") if "CREDIT" in upper else None
    balance = opening
    total_debit = total_credit = Decimal("0")
    rows = []
    for row in lines.rows:
        debit = _money(row[debit_at]) if debit_at is not None else Decimal("0")
        credit = _money(row[credit_at]) if credit_at is not None else Decimal("0")
        total_debit += debit
        total_credit += credit
        balance += debit - credit
        rows.append((*row, balance))
    with_balance = Result((*lines.columns, Column("BALANCE", "decimal")), rows, lines.truncated,
                          lines.elapsed_s)
    return AccountStatement(head.get("REF"), head.get("CODE"), head.get("NAME"), date_from,
                            date_to, opening, balance, total_debit, total_credit, with_balance)


def statement_element(st: AccountStatement) -> etree._Element:
    from integrator.sql.rows import rows_element, text_of

    element = etree.Element("Statement", ref=text_of(st.ref) if st.ref is not None else "",
                            code=text_of(st.code) if st.code is not None else "")
    element.set("from", st.date_from.isoformat())
    element.set("to", st.date_to.isoformat())
    etree.SubElement(element, "Name").text = text_of(st.name) if st.name is not None else ""
    etree.SubElement(element, "Opening", type="decimal").text = text_of(st.opening)
    etree.SubElement(element, "Debit", type="decimal").text = text_of(st.debit)
    etree.SubElement(element, "Credit", type="decimal").text = text_of(st.credit)
    etree.SubElement(element, "Closing", type="decimal").text = text_of(st.closing)
    element.append(rows_element(st.movements))
    return element


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
    """Stock of many products in one query per 1,000 products, all in one executor hop."""
    if not products:
        raise ValidationFailed("name at least one product")
    if len(products) > 10 * MAX_LIST:
        raise ValidationFailed(f"at most {10 * MAX_LIST} products per call")
    s = context.integration_set
    refs: list[Scalar] = []
    codes: list[Scalar] = []
    for p in products:
        if p.ref:
            refs.append(parse_ref(s, p.ref))
        elif p.code:
            codes.append(p.code)
        else:
            raise ValidationFailed("every product needs a ref or a code")
    common = {**base_values(context), **warehouse_values(context, warehouse)}
    sql = statement_sql(s, "product_stock")
    statements: list[Statement] = []
    for start in range(0, max(len(refs), len(codes)), MAX_LIST):
        values = {**common, "refs": refs[start:start + MAX_LIST],
                  "codes": codes[start:start + MAX_LIST]}
        statements.append(engine.prepare(s, "product_stock", sql, values,
                                         max_rows=s.database.max_rows))
    results = await engine.run(s, statements)
    merged = Result(results[0].columns, [r for res in results for r in res.rows],
                    any(r.truncated for r in results), sum(r.elapsed_s for r in results))
    upper = [c.name.upper() for c in merged.columns]
    seen_refs: set[str] = set()
    seen_codes: set[str] = set()
    for row in merged.rows:
        if "REF" in upper and row[upper.index("REF")] is not None:
            seen_refs.add(str(row[upper.index("REF")]).strip())
        if "CODE" in upper and row[upper.index("CODE")] is not None:
            seen_codes.add(str(row[upper.index("CODE")]).strip())
    unknown = [p for p in products
               if (p.ref and str(parse_ref(s, p.ref)) not in seen_refs)
               or (not p.ref and p.code and p.code.strip() not in seen_codes)]
    return StockResult(merged, unknown)


def stock_element(found: StockResult) -> etree._Element:
    from integrator.sql.rows import rows_element

    element = etree.Element("Stock")
    element.append(rows_element(found.result, link=True))
    for p in found.unknown:
        missing = etree.SubElement(element, "Unknown")
        if p.ref:
            missing.set("ref", p.ref)
        if p.code:
            missing.set("code", p.code)
    return element


# -- lists (F5, F7) ------------------------------------------------------------------------------
async def warehouses(engine: SqlEngine, context: Context) -> Result:
    s = context.integration_set
    values = {**base_values(context), **warehouse_values(context, None)}
    return await engine.query(s, "warehouses", statement_sql(s, "warehouses"), values)


async def salesmen(engine: SqlEngine, context: Context) -> Result:
    s = context.integration_set
    return await engine.query(s, "salesmen", statement_sql(s, "salesmen"), base_values(context))


# -- named queries (F14, F21) --------------------------------------------------------------------
def _link_value(name: str, link: etree._Element | None) -> str | None:
    if link is None:
        return None
    lowered = name.lower()
    attr = "code" if lowered == "code" or lowered.endswith("_code") else "ref"
    value = link.get(attr)
    return value if value not in (None, "") else None


async def named_query(engine: SqlEngine, context: Context, name: str,
                      body: etree._Element) -> Result:
    s = context.integration_set
    query = s.sql.queries.get(name)
    if query is None:
        raise NotFound(f"set {s.code} has no query named {name!r}")
    link = body.find("Account")
    if link is None:
        link = body.find("Product")
    if link is not None and query.entity != "none" and str(link.tag).lower() != query.entity:
        raise ValidationFailed(f"query {name!r} is about an {query.entity}, "
                               f"but the body names a <{link.tag!s}>")
    given = {str(p.get("name")): (p.text or "") for p in body.findall("Param")}
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


def extension_plan(integration_set: IntegrationSet, entity: Entity,
                   body: etree._Element) -> list[tuple[str, dict[str, str]]]:
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
    for table in body.findall("Table"):
        asked = str(table.get("name"))
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
        for field_el in table.findall("Field"):
            column = str(field_el.get("name"))
            spelled = allowed[real].get(column.upper())
            if spelled is None:
                raise Forbidden(f"column {column} of {asked} is not whitelisted in set {s.code}")
            fields[spelled] = field_el.text or ""
        plan.append((real, fields))
    return plan


async def write_extensions(engine: SqlEngine, context: Context, entity: Entity, ref: str,
                           body: etree._Element) -> list[tuple[str, str]]:
    s = context.integration_set
    plan = extension_plan(s, entity, body)
    parent_ref = parse_ref(s, ref)
    assert isinstance(parent_ref, int)
    parent_table = f"LG_{s.firm_code}_{_PARENT_TABLE[entity]}"
    return await engine.write_rows(s, parent_table=parent_table, parent_ref=parent_ref,
                                   tables=plan)


def outcome_element(entity: Entity, ref: str, outcome: Sequence[tuple[str, str]]) -> etree._Element:
    element = etree.Element("ExtensionsSaved", entity=entity, ref=ref)
    for table, what in outcome:
        etree.SubElement(element, "Table", name=table, result=what)
    return element

