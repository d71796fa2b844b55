"""Search of ERP accounts and products by code prefix or name, Turkish case rules (F12, F19, N7;
docs/sql.md §8).

The set's ``account_search`` / ``product_search`` statement returns a superset of the matches (a
``LIKE`` pattern in which every letter whose case the engine may not fold is ``_``); its rows are
streamed and the exact Turkish rule (``text.matches``) keeps the matches.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from integrator.errors import Detail, ValidationFailed
from integrator.model import CardEntity, Context
from integrator.services.statements import base_values
from integrator.services.text import like_pattern, matcher
from integrator.sql.defaults import statement_sql
from integrator.sql.engine import SqlEngine
from integrator.sql.results import Column, Result

SEARCH_LIMIT_DEFAULT = 50
SEARCH_LIMIT_MAX = 500
# The SQL superset is read in batches growing from this size (at least the limit + 1) ...
SEARCH_FIRST_BATCH = 32
SEARCH_BATCH_MAX = 500
# ... until the limit + 1 rows matched or this many candidates were read (then the answer says
# truncated: more may exist). Bulk reads scan as far (listing.POST_FILTER_SCAN_MIN).
SEARCH_SCAN_MAX = 10_000
QUERY_MAX_CHARS = 100


@dataclass(frozen=True, slots=True)
class SearchResult:
    result: Result
    rows: list[tuple[Any, ...]]
    matched: Sequence[str]
    truncated: bool


async def search(engine: SqlEngine, context: Context, entity: CardEntity, query: str,
                 limit: int = SEARCH_LIMIT_DEFAULT) -> SearchResult:
    """Up to ``limit`` rows whose code starts with, or whose name contains, ``query`` under
    Turkish case rules, in code order (docs/sql.md §8).

    The SQL statement returns a superset (``like_pattern``); its rows are streamed in growing
    batches and filtered exactly here, until one match more than the limit was seen (then
    ``truncated``: more exist) or ``SEARCH_SCAN_MAX`` candidates were read with more to come (then
    ``truncated``: more may exist). A query whose candidates mostly match reads about
    ``limit + 1`` rows; a query made of non-ASCII letters, whose pattern matches almost every
    row, reads on until it has its matches instead of answering from the first candidates.
    """
    text = query.strip()
    if not text:
        raise ValidationFailed("q must not be empty", details=[Detail("q", "input", path="q")])
    if len(text) > QUERY_MAX_CHARS:
        raise ValidationFailed(f"q is longer than {QUERY_MAX_CHARS} characters")
    if not 1 <= limit <= SEARCH_LIMIT_MAX:
        raise ValidationFailed(f"limit must be 1-{SEARCH_LIMIT_MAX}")
    s = context.integration_set
    pattern = like_pattern(text, s.database.engine)
    values = {**base_values(context), "code_pattern": pattern + "%",
              "name_pattern": "%" + pattern + "%", "limit": SEARCH_SCAN_MAX + 1}
    name = f"{entity}_search"
    columns: tuple[Column, ...] = ()
    rows: list[tuple[Any, ...]] = []
    how: list[str] = []
    code_at = name_at = None
    match = matcher(text)
    scanned = 0
    truncated = False
    stream = engine.stream(s, name, statement_sql(s, name), values,  # type: ignore[arg-type]
                           batch_size=SEARCH_BATCH_MAX,
                           first_batch=max(limit + 1, SEARCH_FIRST_BATCH))
    async with contextlib.aclosing(stream) as batches:
        async for batch in batches:
            if not columns:
                columns = batch.columns
                upper = [c.name.upper() for c in columns]
                code_at = upper.index("CODE") if "CODE" in upper else None
                name_at = upper.index("NAME") if "NAME" in upper else None
            for row in batch.rows:
                if scanned == SEARCH_SCAN_MAX:  # the statement has a row beyond the scan
                    truncated = True
                    break
                scanned += 1
                found = match(row[code_at] if code_at is not None else None,
                              row[name_at] if name_at is not None else None)
                if found is not None:
                    if len(rows) == limit:  # one match more than asked for
                        truncated = True
                        break
                    rows.append(row)
                    how.append(found)
            if truncated:
                break
    return SearchResult(Result(columns, rows, truncated), rows, how, truncated)
