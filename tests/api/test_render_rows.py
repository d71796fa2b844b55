"""The rows of the read-only SQL written as text (issue 15 item 2) are character for character what
lxml wrote for the same elements before: the reference below is the element code they replace."""

from __future__ import annotations

from datetime import UTC, date
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from integrator.api import render
from integrator.api.render.base import clean
from integrator.api.render.rows import text_of  # unchanged: the value text both write
from integrator.services.lookups import AccountStatement, ProductKey, StockResult
from integrator.services.search import SearchResult
from integrator.sql.results import Column, Result


# -- the reference: the lxml elements the service answered with before ---------------------------
def _row(columns: tuple[Column, ...], row: tuple[Any, ...], *, link: bool) -> etree._Element:
    element = etree.Element("Row")
    if link:
        names = [c.name.upper() for c in columns]
        for name in ("REF", "CODE"):
            if name in names:
                value = row[names.index(name)]
                element.set(name.lower(), text_of(value).strip() if value is not None else "")
    for column, value in zip(columns, row, strict=True):
        col = etree.SubElement(element, "Col", name=clean(column.name), type=column.type)
        if value is None:
            col.set("null", "true")
        else:
            col.text = text_of(value)
    return element


def _rows(result: Result, *, link: bool = False, rows: list[tuple[Any, ...]] | None = None,
          truncated: bool | None = None) -> etree._Element:
    chosen = list(result.rows if rows is None else rows)
    element = etree.Element("Rows", count=str(len(chosen)), truncated="true" if (
        result.truncated if truncated is None else truncated) else "false")
    for row in chosen:
        element.append(_row(result.columns, row, link=link))
    return element


def _text(element: etree._Element) -> str:
    return etree.tostring(element, encoding="unicode")


# -- generated results -----------------------------------------------------------------------------
TEXT = st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from(
    ["&", "<", ">", '"', "\r", "\n", "\t", "\x01", "\ufffe", " ", "Ş", "%"]), max_size=12)
VALUE = st.one_of(
    st.none(), TEXT, st.integers(-10**12, 10**12), st.booleans(),
    st.decimals(allow_nan=False, allow_infinity=False, places=4),
    st.floats(allow_nan=False, allow_infinity=False),
    st.datetimes(timezones=st.just(UTC) | st.none()), st.dates(), st.times(), st.binary(max_size=6))
NAMES = st.lists(st.sampled_from(["REF", "CODE", "Name", "ref", "A&B", 'q"t', "Ş", "x\ty"]) | TEXT
                 .filter(bool), min_size=1, max_size=5)


@st.composite
def results(draw: st.DrawFn) -> Result:
    names = draw(NAMES)
    columns = tuple(Column(name, draw(st.sampled_from(["string", "int", "decimal", "binary"])))
                    for name in names)
    rows = draw(st.lists(st.tuples(*[VALUE for _ in columns]), max_size=4))
    return Result(columns, rows, draw(st.booleans()))


@settings(max_examples=300, deadline=None)
@given(result=results(), link=st.booleans())
def test_rows_are_the_text_of_their_elements(result: Result, link: bool) -> None:
    assert render.rows_text(result, link=link) == _text(_rows(result, link=link))


@settings(max_examples=100, deadline=None)
@given(result=results(), matched=st.data())
def test_search_rows_are_the_text_of_their_elements(result: Result, matched: st.DataObject) -> None:
    how = matched.draw(st.lists(st.sampled_from(["code", "title", "a&b"]),
                                min_size=len(result.rows), max_size=len(result.rows)))
    found = SearchResult(result, result.rows[:3], how[:3], bool(len(result.rows) > 3))
    element = _rows(result, link=True, rows=found.rows, truncated=found.truncated)
    for row, value in zip(element, found.matched, strict=True):
        row.set("match", value)
    assert render.search_text(found) == _text(element)


def test_a_statement_and_a_stock_answer_are_the_text_of_their_elements() -> None:
    movements = Result((Column("DATE", "date"), Column("AMOUNT", "decimal")),
                       [(date(2026, 1, 2), Decimal("10.50")), (None, Decimal("-1E+2"))])
    st_ = AccountStatement(4711, "120.01&<", "Ş\x01 Ltd.", date(2026, 1, 1), date(2026, 2, 1),
                           Decimal("1.5"), Decimal("2"), Decimal("0.5"), Decimal("0"), movements)
    element = etree.Element("Statement", ref="4711", code="120.01&<")
    element.set("from", "2026-01-01")
    element.set("to", "2026-02-01")
    etree.SubElement(element, "Name").text = "Ş\ufffd Ltd."
    for tag, value in (("Opening", "1.5"), ("Debit", "0.5"), ("Credit", "0"), ("Closing", "2")):
        etree.SubElement(element, tag, type="decimal").text = value
    element.append(_rows(movements))
    assert render.statement_text(st_) == _text(element)
    nameless = AccountStatement(None, None, None, date(2026, 1, 1), date(2026, 2, 1),
                                Decimal(0), Decimal(0), Decimal(0), Decimal(0), Result((), []))
    assert render.statement_text(nameless).startswith('<Statement ref="" code="" ')

    stock = Result((Column("REF", "int"), Column("CODE", "string"), Column("ONHAND", "decimal")),
                   [(1, " MLZ-1 ", Decimal("5"))])
    found = StockResult(stock, [ProductKey("9", None), ProductKey(None, 'X"&'),
                                ProductKey("7", "Y")])
    element = etree.Element("Stock")
    element.append(_rows(stock, link=True))
    for key in found.unknown:
        missing = etree.SubElement(element, "Unknown")
        if key.ref:
            missing.set("ref", key.ref)
        if key.code:
            missing.set("code", key.code)
    assert render.stock_text(found) == _text(element)
    assert render.rows_text(Result((Column("A", "int"),), []), truncated=True) == \
        '<Rows count="0" truncated="true"/>'
