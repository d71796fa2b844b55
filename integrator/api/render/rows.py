"""Rows of the read-only SQL: named queries, searches, statements, stock, custom fields."""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from datetime import time as dtime
from decimal import Decimal
from typing import Any

from lxml import etree

from integrator.api.render.base import clean
from integrator.services.lookups import AccountStatement, SearchResult, StockResult
from integrator.sql.results import Column, Result


# -- rows of the read-only SQL ------------------------------------------------------------------------
def text_of(value: Any) -> str:
    """The XML text of one value (never called for NULL)."""
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


def row_element(columns: tuple[Column, ...], row: tuple[Any, ...], *, link: bool) -> etree._Element:
    """``<Row ref code><Col name type [null]>text</Col>…</Row>`` (docs/sql.md, the row format)."""
    element = etree.Element("Row")
    if link:
        names = [c.name.upper() for c in columns]
        if "REF" in names:
            element.set("ref", _link_text(row[names.index("REF")]))
        if "CODE" in names:
            element.set("code", _link_text(row[names.index("CODE")]))
    for column, value in zip(columns, row, strict=True):
        col = etree.SubElement(element, "Col", name=column.name, type=column.type)
        if value is None:
            col.set("null", "true")
        else:
            col.text = text_of(value)
    return element


def rows_element(result: Result, *, link: bool = False, tag: str = "Rows",
                 rows: Iterable[tuple[Any, ...]] | None = None,
                 truncated: bool | None = None) -> etree._Element:
    """``<Rows count truncated>`` with one ``<Row>`` per row (``rows`` overrides the result's)."""
    chosen = list(result.rows if rows is None else rows)
    element = etree.Element(tag, count=str(len(chosen)),
                            truncated="true" if (result.truncated if truncated is None
                                                 else truncated) else "false")
    for row in chosen:
        element.append(row_element(result.columns, row, link=link))
    return element


def search_element(found: SearchResult) -> etree._Element:
    element = etree.Element("Rows", count=str(len(found.rows)),
                            truncated="true" if found.truncated else "false")
    for row, how in zip(found.rows, found.matched, strict=True):
        item = row_element(found.result.columns, row, link=True)
        item.set("match", how)
        element.append(item)
    return element


def statement_element(st: AccountStatement) -> etree._Element:
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


def stock_element(found: StockResult) -> etree._Element:
    element = etree.Element("Stock")
    element.append(rows_element(found.result, link=True))
    for p in found.unknown:
        missing = etree.SubElement(element, "Unknown")
        if p.ref:
            missing.set("ref", clean(p.ref))
        if p.code:
            missing.set("code", clean(p.code))
    return element


def extensions_element(entity: str, ref: str, outcome: Sequence[tuple[str, str]]) -> etree._Element:
    element = etree.Element("ExtensionsSaved", entity=entity, ref=clean(ref))
    for table, what in outcome:
        etree.SubElement(element, "Table", name=table, result=what)
    return element
