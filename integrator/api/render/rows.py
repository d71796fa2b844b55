"""Rows of the read-only SQL: named queries, searches, statements, stock, custom fields."""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from datetime import time as dtime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from lxml import etree

from integrator.api.render.base import attr_xml, clean, needs_escaping, text_xml
from integrator.services.lookups import AccountStatement, StockResult
from integrator.services.search import SearchResult
from integrator.sql.results import Column, Result


# -- rows of the read-only SQL ------------------------------------------------------------------------
def text_of(value: Any) -> str:
    """The XML text of one value (never called for NULL)."""
    kind = type(value)
    if kind is str:  # most columns: text that needs no cleaning is printable (``clean``)
        return value if value.isprintable() else clean(value)
    if kind is int:
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds" if value.microsecond else "seconds")
    if isinstance(value, date | dtime):
        return value.isoformat()
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    return clean(str(value))


def _link_text(value: Any) -> str:
    return text_of(value).strip() if value is not None else ""


def _text(value: Any) -> str:
    """``value`` as XML content (escaped as lxml escapes it)."""
    text = text_of(value)
    return text_xml(text) if needs_escaping(text) else text


def _text_or_empty(value: Any) -> str:
    return text_of(value) if value is not None else ""


@lru_cache(maxsize=256)
def _col_heads(columns: tuple[Column, ...]) -> tuple[str, ...]:
    """``<Col name="…" type="…"`` of each column (a result's rows share them)."""
    return tuple([f'<Col name="{attr_xml(c.name)}" type="{attr_xml(c.type)}"' for c in columns])


def _link_at(columns: tuple[Column, ...]) -> tuple[int | None, int | None]:
    names = [c.name.upper() for c in columns]
    return (names.index("REF") if "REF" in names else None,
            names.index("CODE") if "CODE" in names else None)


def rows_text(result: Result, *, link: bool = False, tag: str = "Rows",
              rows: Iterable[tuple[Any, ...]] | None = None, truncated: bool | None = None,
              matched: Sequence[str] | None = None) -> str:
    """``<Rows count truncated>`` with one ``<Row [ref code] [match]>`` per row and in it one
    ``<Col name type [null="true"]>text</Col>`` per column (docs/sql.md, the row format); ``rows``
    overrides the result's. A row's ref and code are its REF and CODE columns when ``link``;
    ``matched`` gives each row's ``match`` (searches).

    Written as text, character for character what lxml writes for the same elements (tested
    against it): these are the answers of every lookup, and building an element per column cost
    more than the rest of a one-row query's own work."""
    chosen = list(result.rows if rows is None else rows)
    flag = "true" if (result.truncated if truncated is None else truncated) else "false"
    if not chosen:
        return f'<{tag} count="0" truncated="{flag}"/>'
    heads = _col_heads(result.columns)
    ref_at, code_at = _link_at(result.columns) if link else (None, None)
    parts = [f'<{tag} count="{len(chosen)}" truncated="{flag}">']
    for index, row in enumerate(chosen):
        parts.append("<Row")
        if ref_at is not None:
            parts.append(f' ref="{attr_xml(_link_text(row[ref_at]))}"')
        if code_at is not None:
            parts.append(f' code="{attr_xml(_link_text(row[code_at]))}"')
        if matched is not None:
            parts.append(f' match="{attr_xml(matched[index])}"')
        parts.append(">")
        parts += [f'{head} null="true"/>' if value is None else f"{head}>{_text(value)}</Col>"
                  for head, value in zip(heads, row, strict=True)]
        parts.append("</Row>")
    parts.append(f"</{tag}>")
    return "".join(parts)


def search_text(found: SearchResult) -> str:
    return rows_text(found.result, link=True, rows=found.rows, truncated=found.truncated,
                     matched=found.matched)


def statement_text(st: AccountStatement) -> str:
    name = _text(st.name) if st.name is not None else ""
    return (f'<Statement ref="{attr_xml(_text_or_empty(st.ref))}" '
            f'code="{attr_xml(_text_or_empty(st.code))}" from="{st.date_from.isoformat()}" '
            f'to="{st.date_to.isoformat()}"><Name>{name}</Name>'
            f'<Opening type="decimal">{_text(st.opening)}</Opening>'
            f'<Debit type="decimal">{_text(st.debit)}</Debit>'
            f'<Credit type="decimal">{_text(st.credit)}</Credit>'
            f'<Closing type="decimal">{_text(st.closing)}</Closing>'
            f"{rows_text(st.movements)}</Statement>")


def stock_text(found: StockResult) -> str:
    unknown = "".join(
        "<Unknown" + (f' ref="{attr_xml(p.ref)}"' if p.ref else "")
        + (f' code="{attr_xml(p.code)}"' if p.code else "") + "/>" for p in found.unknown)
    return f"<Stock>{rows_text(found.result, link=True)}{unknown}</Stock>"


def extensions_element(entity: str, ref: str, outcome: Sequence[tuple[str, str]]) -> etree._Element:
    element = etree.Element("ExtensionsSaved", entity=entity, ref=clean(ref))
    for table, what in outcome:
        etree.SubElement(element, "Table", name=table, result=what)
    return element
