"""Bulk ERP -> CRM reads of accounts and products (F11, F18; docs/sync.md).

``GET /v1/accounts?code=&title=&changed_since=&special_code=&limit=&cursor=`` streams the set's
``account_list`` statement (``product_list``: ``name`` instead of ``title``) through the read-only
SQL engine in batches on one connection, turns each row into a CRM record with the set's mappings
(``translators.row_reader``) and writes it out at once: memory does not grow with the count.

Pages are keyset pages (``LOGICALREF`` / ``CARI_KOD`` / ``STOK_KODU`` greater than the last key
seen). The cursor of the next page is opaque to the CRM: the last key, the set, the entity and a
digest of the filters, with an integrity check, so a cursor that was changed, cut, or belongs to
other filters or another set is refused (``VALIDATION``).

Filters: ``code`` (prefix) and ``title``/``name`` (contains) follow the search's Turkish case rules
— a LIKE superset in SQL (``services.text.like_pattern``), then the exact Turkish comparison here;
``changed_since`` (created or changed at or after, ERP local time); ``special_code`` (equal to
SPECODE / RAPOR_KODU1 / KOD_1).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import AsyncGenerator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import structlog

from integrator.errors import Detail, IntegratorError, SqlRejected, ValidationFailed
from integrator.model import CardEntity, Context, CrmRecord
from integrator.services.cards import Cards
from integrator.services.cursor import CursorSigner
from integrator.services.statements import base_values
from integrator.services.text import like_pattern, page_filter
from integrator.sql.defaults import StatementName, statement_sql
from integrator.sql.params import ParamValue
from integrator.translators import MappingContext, RowReader, row_reader

log = structlog.get_logger("integrator.sync")

FILTER_MAX = 100
NO_DATE = datetime(1900, 1, 1)
POST_FILTER_FETCH = 10  # with a Turkish post-filter, scan up to this many rows per page record
POST_FILTER_SCAN_MIN = 10_000  # ... and at least this many
# a filtered page reads its candidates in batches from this size up (at least the page's limit),
# growing to the read batch: a page of 5 whose first candidates match reads tens of rows, not 500
POST_FILTER_FIRST_BATCH = 32

# (ERP family, entity) -> (keyset column, code column, name column) of the default statements
COLUMNS: dict[tuple[str, str], tuple[str, str, str]] = {
    ("logo", "account"): ("LOGICALREF", "CODE", "DEFINITION_"),
    ("logo", "product"): ("LOGICALREF", "CODE", "NAME"),
    ("netsis", "account"): ("CARI_KOD", "CARI_KOD", "CARI_ISIM"),
    ("netsis", "product"): ("STOK_KODU", "STOK_KODU", "STOK_ADI"),
}
NAME_PARAMETER: dict[str, str] = {"account": "title", "product": "name"}


@dataclass(frozen=True, slots=True)
class ListQuery:
    code: str | None
    name: str | None
    changed_since: datetime | None
    special_code: str | None
    limit: int
    after: int | str | None  # from the cursor; None = from the start

    def digest(self) -> str:
        """What a cursor is bound to besides its key: the filters."""
        parts = [self.code or "", self.name or "",
                 self.changed_since.isoformat() if self.changed_since else "",
                 self.special_code or ""]
        return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:16]


# -- the request ---------------------------------------------------------------------------------
def _text_filter(query: Mapping[str, str], name: str) -> str | None:
    value = query.get(name)
    if value is None or not value.strip():
        return None
    value = value.strip()
    if len(value) > FILTER_MAX:
        raise ValidationFailed(f"{name} is longer than {FILTER_MAX} characters",
                               details=[Detail(value[:40], "input", path=name)])
    return value


def _since(text: str | None) -> datetime | None:
    if text is None or not text.strip():
        return None
    raw = text.strip()
    try:
        moment = (datetime.combine(date.fromisoformat(raw), datetime.min.time()) if len(raw) == 10
                  else datetime.fromisoformat(raw))
    except ValueError:
        raise ValidationFailed("changed_since must be a date YYYY-MM-DD or a date-time "
                               "YYYY-MM-DDTHH:MM:SS", details=[Detail(raw, "input",
                                                                     path="changed_since")]) from None
    if moment.tzinfo is not None:
        raise ValidationFailed("changed_since is compared with the ERP's local time stamps; send "
                               "it without a time zone", details=[Detail(raw, "input",
                                                                        path="changed_since")])
    return moment.replace(microsecond=0)  # the ERPs stamp whole seconds (or milliseconds)


def parse_query(query: Mapping[str, str], *, context: Context, entity: CardEntity,
                default_limit: int, max_limit: int, cursors: CursorSigner) -> ListQuery:
    """The filters, page size and cursor of a bulk read request (``VALIDATION`` when wrong)."""
    name_parameter = NAME_PARAMETER[entity]
    known = {"code", name_parameter, "changed_since", "special_code", "limit", "cursor"}
    unknown = sorted(set(query) - known)
    if unknown:
        raise ValidationFailed(f"unknown parameter {', '.join(unknown)}",
                               details=[Detail(f"known: {', '.join(sorted(known))}", "input")])
    raw_limit = query.get("limit", "").strip()
    if raw_limit:
        if not (raw_limit.isascii() and raw_limit.isdigit()) or not 1 <= int(raw_limit) <= max_limit:
            raise ValidationFailed(f"limit must be an integer from 1 to {max_limit}",
                                   details=[Detail(raw_limit[:20], "input", path="limit")])
        limit = int(raw_limit)
    else:
        limit = min(default_limit, max_limit)
    draft = ListQuery(_text_filter(query, "code"), _text_filter(query, name_parameter),
                      _since(query.get("changed_since")), _text_filter(query, "special_code"),
                      limit, None)
    cursor = query.get("cursor", "").strip()
    if not cursor:
        return draft
    after = cursors.decode(cursor, set_code=context.set_code, entity=entity,
                          digest=draft.digest(), numeric=context.integration_set.is_logo)
    return ListQuery(draft.code, draft.name, draft.changed_since, draft.special_code, limit, after)


# -- the statement ---------------------------------------------------------------------------------
def statement_values(context: Context, query: ListQuery, fetch: int) -> dict[str, ParamValue]:
    logo = context.integration_set.is_logo
    engine = context.integration_set.database.engine
    after: int | str = query.after if query.after is not None else (0 if logo else "")
    return {
        **base_values(context),
        "after": after,
        "limit": fetch,
        "any_code": 0 if query.code else 1,
        "code_pattern": like_pattern(query.code, engine) + "%" if query.code else "%",
        "any_name": 0 if query.name else 1,
        "name_pattern": "%" + like_pattern(query.name, engine) + "%" if query.name else "%",
        "any_change": 0 if query.changed_since else 1,
        "changed_since": query.changed_since or NO_DATE,
        "any_special": 0 if query.special_code else 1,
        "special_code": query.special_code or "",
    }


def _position(names: Sequence[str], column: str) -> int | None:
    upper = [n.upper() for n in names]
    return upper.index(column) if column in upper else None


@dataclass(frozen=True, slots=True)
class RowFailure:
    """A listed row the mappings could not read: its key and why (the page goes on)."""

    kind: str  # Account / Product
    key: str
    error: IntegratorError


@dataclass(frozen=True, slots=True)
class Page:
    """The end of a page: how many records it held and the cursor of the next page (or None)."""

    count: int
    cursor: str | None


Listed = CrmRecord | RowFailure | Page


def _check_order(name: str, key_column: str, before: Any, key: Any, numeric: bool) -> None:
    """A keyset page ends between two keys (the next starts after the last key written), so the
    statement's rows must come one per key, in key order: a key on two rows (a set's statement
    joining a table with several rows per card) lost the rows after a page's last one, and keys
    out of order lost whatever lay behind the cursor. Tiger/Go keys are compared as numbers;
    codes only for equality (their order is the database collation's, not Python's)."""
    if numeric:
        try:
            wrong = int(key) <= int(before)
        except (TypeError, ValueError):
            wrong = False  # the cursor refuses a key that is no LOGICALREF
    else:
        wrong = key == before
    if wrong:
        raise SqlRejected(
            f"the set's {name} statement returned {key_column} {key!r} after {before!r}: a keyset "
            f"page needs one row per {key_column}, ordered by it (ORDER BY {key_column}); a row "
            "after a page's end would be lost. Return one row per card",
            details=[Detail(str(key), "sql", path=f"sql.{name}")])


async def records(cards: Cards, context: Context, entity: CardEntity, query: ListQuery, *,
                  batch_size: int, cursors: CursorSigner) -> AsyncGenerator[list[Listed], None]:
    """The page's records (or row failures), one list per batch of rows fetched, then a list
    holding the ``Page``.

    The first list is only produced once the statement runs, so a statement or database failure
    is an ordinary error answer, not a broken stream. The set's mappings are bound to the result's
    columns once (``translators.row_reader``) and run on every row.
    """
    s = context.integration_set
    logo = s.is_logo
    family = "logo" if logo else "netsis"
    key_column, code_column, name_column = COLUMNS[(family, entity)]
    filtered = bool(query.code or query.name)
    keep = page_filter(query.code, query.name)  # exact; the SQL pattern is a superset
    fetch = max(query.limit * POST_FILTER_FETCH, POST_FILTER_SCAN_MIN) if filtered else query.limit
    name: StatementName = "account_list" if entity == "account" else "product_list"
    ctx = MappingContext.from_session(context)
    kind = "Account" if entity == "account" else "Product"
    emitted = scanned = 0
    failed: dict[str, int] = {}
    last_scanned: tuple[Any, ...] | None = None
    last_emitted: tuple[Any, ...] | None = None
    full = False
    try:
        stream = cards.engine.stream(
            s, name, statement_sql(s, name), statement_values(context, query, fetch),
            batch_size=batch_size,
            first_batch=max(query.limit, POST_FILTER_FIRST_BATCH) if filtered else None)
        async with contextlib.aclosing(stream) as batches:
            reader: RowReader | None = None
            key_at = code_at = name_at = None
            async for batch in batches:
                if reader is None:
                    columns = batch.names
                    key_at = _position(columns, key_column)
                    if key_at is None:
                        raise SqlRejected(f"the set's {name} statement must return the {key_column} "
                                          "column (the keyset key)")
                    code_at, name_at = _position(columns, code_column), _position(columns, name_column)
                    reader = row_reader(entity, columns, ctx)
                assert key_at is not None
                items: list[Listed] = []
                room = query.limit - emitted
                for row in batch.rows:
                    scanned += 1
                    if last_scanned is not None:
                        _check_order(name, key_column, last_scanned[key_at], row[key_at], logo)
                    last_scanned = row
                    if filtered and not keep(row[code_at] if code_at is not None else None,
                                             row[name_at] if name_at is not None else None):
                        continue
                    try:
                        items.append(reader(row))
                    except IntegratorError as error:
                        failed[error.code.lower()] = failed.get(error.code.lower(), 0) + 1
                        items.append(RowFailure(kind, str(row[key_at]), error))
                    last_emitted = row
                    if len(items) >= room:
                        full = True
                        break
                emitted += len(items)
                if items:
                    yield items
                if full:
                    break
        if full:
            after = last_emitted
        elif scanned >= fetch:
            after = last_scanned
        else:
            after = None
        cursor = None if after is None or key_at is None else cursors.encode(
            set_code=context.set_code, entity=entity, digest=query.digest(),
            after=int(after[key_at]) if logo else str(after[key_at]))
        yield [Page(emitted, cursor)]
    finally:
        cards.count(context, entity, "erp_to_crm", "ok", emitted - sum(failed.values()))
        for code, amount in failed.items():
            cards.count(context, entity, "erp_to_crm", code, amount)
        log.info("records_listed", set=context.set_code, entity=entity, direction="erp_to_crm",
                 count=emitted, failed=sum(failed.values()), scanned=scanned)
