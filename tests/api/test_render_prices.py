"""The prices answer (F33-F35) written as text is, character for character, what lxml wrote for
the same elements before (the reference below is that code), on generated prices with text that
needs escaping or cleaning."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from integrator.api import render
from integrator.api.render.base import clean
from integrator.model.numbers import decimal_text, money
from integrator.model.prices import Discount, PricedLine
from integrator.services.prices import PriceLine, QuotePrices


def _money(value: Decimal) -> str:
    return format(money(value), "f")


# -- the reference: the lxml elements the service answered with before ---------------------------
def _line(line: PriceLine) -> etree._Element:
    element = etree.Element("Line", index=str(line.index))
    if line.crm_id:
        element.set("crmId", clean(line.crm_id))
    found = line.priced
    if found is not None:
        element.set("product", clean(found.product))
        element.set("quantity", decimal_text(found.quantity))
        element.set("unitPrice", decimal_text(found.unit_price))
        for name, amount in (("gross", found.gross), ("net", found.net), ("vat", found.vat)):
            if amount is not None:
                element.set(name, _money(amount))
        if found.net is not None and found.vat is not None:
            element.set("total", _money(found.net + found.vat))
        if found.vat_rate is not None:
            element.set("vatRate", decimal_text(found.vat_rate))
        element.set("vatIncluded", "true" if found.vat_included else "false")
        for name, text in (("currency", found.currency), ("campaign", found.campaign),
                           ("priceList", found.price_list)):
            if text:
                element.set(name, clean(text))
        for discount in found.discounts:
            item = etree.SubElement(element, "Discount")
            if discount.rate is not None:
                item.set("rate", decimal_text(discount.rate))
            if discount.amount is not None:
                item.set("amount", _money(discount.amount))
        for product, quantity in found.free:
            etree.SubElement(element, "Free", product=clean(product),
                             quantity=decimal_text(quantity))
    for name, value in line.fields:
        etree.SubElement(element, "Field", name=clean(name)).text = clean(value)
    for problem in line.problems:
        etree.SubElement(element, "Problem").text = clean(problem)
    return element


def _reference(prices: QuotePrices) -> str:
    element = etree.Element("Prices", set=prices.set_code, source=prices.source)
    if prices.quote_id:
        element.set("quote", clean(prices.quote_id))
    if prices.source == "crm":
        element.text = (f"set {prices.set_code} takes prices from the CRM "
                        "(settings.price_source: crm); the ERP was not asked")
        return etree.tostring(element, encoding="unicode")
    if prices.type is not None:
        element.set("as", prices.type)
    element.set("complete", "true" if prices.complete else "false")
    for name, amount in (("gross", prices.gross), ("discounts", prices.discounts),
                         ("vat", prices.vat), ("total", prices.total)):
        if amount is not None:
            element.set(name, _money(amount))
    for line in prices.lines:
        element.append(_line(line))
    return etree.tostring(element, encoding="unicode")


# -- generated prices ------------------------------------------------------------------------------
TEXT = st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from(
    ["&", "<", ">", '"', "\r", "\n", "\t", "\x01", "\ufffe", " ", "Ş", "İ"]), max_size=10)
AMOUNT = st.decimals(min_value=-10**9, max_value=10**9, allow_nan=False, places=4)
MAYBE = st.none() | AMOUNT
PRICED = st.builds(
    PricedLine, TEXT, AMOUNT, AMOUNT,
    st.lists(st.builds(Discount, MAYBE, MAYBE), max_size=3).map(tuple), MAYBE, MAYBE, MAYBE,
    MAYBE, st.booleans(), st.none() | TEXT, st.none() | TEXT, st.none() | TEXT,
    st.lists(st.tuples(TEXT, AMOUNT), max_size=2).map(tuple))
LINES = st.builds(PriceLine, st.integers(1, 500), st.none() | TEXT, st.none() | PRICED,
                  st.lists(st.tuples(TEXT, TEXT), max_size=3).map(tuple),
                  st.lists(TEXT, max_size=2).map(tuple))
PRICES = st.builds(QuotePrices, st.none() | TEXT, st.sampled_from(["DEMO-TIGER", "A&B"]),
                   st.sampled_from(["erp", "crm", "sql"]),
                   st.none() | st.sampled_from(["order", "dispatch", "quote"]),
                   st.lists(LINES, max_size=4).map(tuple), MAYBE, MAYBE, MAYBE, MAYBE)


@settings(max_examples=300, deadline=None)
@given(prices=PRICES)
def test_prices_are_the_text_of_their_elements_f33(prices: QuotePrices) -> None:
    assert render.prices_text(prices) == _reference(prices)
