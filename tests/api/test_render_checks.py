"""The check answer (F30, F32) written as text is, character for character, what lxml wrote for
the same elements before (the reference below is that code), on generated checks with text that
needs escaping or cleaning; and the element form (inside a transfer's or an error's answer) is the
same XML."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from integrator.api import render
from integrator.api.render.base import clean
from integrator.api.render.quotes import _risk_element, quote_check_element
from integrator.model.numbers import decimal_text
from integrator.services.checks import QuoteCheck, RiskCheck, StockCheck, StockLine
from integrator.services.stock_rows import WarehouseStock


# -- the reference: the lxml elements the service answered with before ---------------------------
def _reference(check: QuoteCheck) -> str:
    element = etree.Element("Check", set=check.set_code, ok="false" if check.warnings else "true")
    if check.quote_id:
        element.set("quote", clean(check.quote_id))
    if check.stock is not None:
        stock = etree.SubElement(element, "Stock", action=check.stock.action)
        if check.stock.warehouse is not None:
            stock.set("warehouse", str(check.stock.warehouse))
        for line in check.stock.lines:
            item = etree.SubElement(
                stock, "Line", index=str(line.index), status=line.status,
                product=clean(line.product), quantity=decimal_text(line.quantity),
                needed=decimal_text(line.needed), real=decimal_text(line.real),
                available=decimal_text(line.available))
            if line.crm_id:
                item.set("crmId", clean(line.crm_id))
            if line.unit:
                item.set("unit", clean(line.unit))
            for w in line.warehouses:
                etree.SubElement(item, "Warehouse", nr=str(w.warehouse), name=clean(w.name),
                                 real=decimal_text(w.real), available=decimal_text(w.available))
    if check.risk is not None:
        element.append(_risk_element(check.risk))
    return etree.tostring(element, encoding="unicode")


# -- generated checks ------------------------------------------------------------------------------
TEXT = st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from(
    ["&", "<", ">", '"', "\r", "\n", "\t", "\x01", "\ufffe", " ", "Ş", "İ"]), max_size=10)
AMOUNT = st.decimals(min_value=-10**9, max_value=10**9, allow_nan=False, places=4)
WAREHOUSES = st.builds(WarehouseStock, st.integers(0, 999), TEXT, AMOUNT, AMOUNT)
LINES = st.builds(StockLine, st.integers(1, 500), st.none() | TEXT, TEXT, st.none() | TEXT, AMOUNT,
                  AMOUNT, AMOUNT, AMOUNT, st.tuples() | st.lists(WAREHOUSES, max_size=3).map(tuple),
                  st.sampled_from(["ok", "warn", "block", "new"]))
STOCK = st.builds(StockCheck, st.sampled_from(["warn", "block"]), st.none() | st.integers(0, 99),
                  st.lists(LINES, max_size=4).map(tuple))
RISK = st.builds(RiskCheck, st.sampled_from(["warn", "block"]), st.sampled_from(["sql", "erp"]),
                 TEXT, TEXT, TEXT, st.none() | AMOUNT, AMOUNT, AMOUNT, st.none() | AMOUNT,
                 st.sampled_from(["ok", "warn", "block"]), st.none() | AMOUNT, st.none() | AMOUNT,
                 st.none() | TEXT, st.lists(st.integers(1, 9), max_size=2).map(tuple))
CHECKS = st.builds(QuoteCheck, st.none() | TEXT, st.sampled_from(["DEMO-TIGER", "A&B"]),
                   st.none() | STOCK, st.none() | RISK)


@settings(max_examples=300, deadline=None)
@given(check=CHECKS)
def test_a_check_is_the_text_of_its_elements_f30_f32(check: QuoteCheck) -> None:
    text = render.quote_check_text(check)
    assert text == _reference(check)
    assert etree.tostring(quote_check_element(check), encoding="unicode") == text


def test_an_empty_check_and_a_line_without_warehouses() -> None:
    line = StockLine(1, None, "GDA.00001", None, Decimal(2), Decimal(2), Decimal(0), Decimal(0),
                     (), "warn")
    check = QuoteCheck("Q-1", "DEMO-TIGER", StockCheck("warn", 2, (line,)))
    assert render.quote_check_text(check) == (
        '<Check set="DEMO-TIGER" ok="false" quote="Q-1"><Stock action="warn" warehouse="2">'
        '<Line index="1" status="warn" product="GDA.00001" quantity="2" needed="2" real="0" '
        'available="0"/></Stock></Check>')
    assert render.quote_check_text(QuoteCheck(None, "S")) == '<Check set="S" ok="true"/>'
