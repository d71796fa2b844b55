"""A quote line's unit, price and discounts are checked before anything reaches the ERP (F15, F22,
F23, N1): a product the transfer creates carries the units its CRM record declares, and the line's
unit is one of them (Netsis: its position is the order line's ``Olcubr``); a unit it does not
declare is refused before any card or document is written. Over real HTTP on both demo sets."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from lxml import etree

from tests.fixtures.demo import NETSIS, TIGER, Demo
from tests.fixtures.quotes import ACCOUNTS, ORDER_ROUTES, documents, quote_xml, transfer_path

pytestmark = pytest.mark.odbc

BOTH = pytest.mark.parametrize("set_code", [TIGER, NETSIS])
# every simulator route that writes a card or a document
WRITE_ROUTES = {TIGER: ("AppendDataObject",), NETSIS: ("ARPs.post", "Items.post", "ItemSlips.post")}
MAIN = {TIGER: "ADET", NETSIS: "AD"}


@contextmanager
def sent_documents(demo: Demo, set_code: str) -> Iterator[list[str]]:
    """The bodies of the document writes the simulator receives (read from its fault hook; no
    fault is set that selects one)."""
    route = ORDER_ROUTES[set_code]
    faults = demo.erps[set_code].faults
    taken = faults.take
    bodies: list[str] = []

    def take(name: str, *, call: int = 0, body: bytes | None = None) -> object:
        if name == route and body is not None:
            bodies.append(body.decode("utf-8"))
        return taken(name, call=call, body=body)

    faults.set(route, "latency", match="(?!)")  # never selects: makes the hook read the body
    faults.take = take  # type: ignore[method-assign]
    try:
        yield bodies
    finally:
        faults.take = taken  # type: ignore[method-assign]
        faults.clear(route)


def _field(name: str, value: str) -> str:
    return f'<Field name="{name}">{value}</Field>'


def new_product_quote(set_code: str, quote: str, line_unit: str, *, units: tuple[str, ...] = (),
                      account_crm: str | None = None) -> str:
    """A quote of one line, 10 of a product the ERP does not have, declaring ``units`` (main
    first; by default the demo's main unit)."""
    declared = "".join(_field("Unit" if n == 1 else f"Unit{n}", unit)
                       for n, unit in enumerate(units or (MAIN[set_code],), 1))
    account = (f'<Account crmId="{account_crm}">{_field("Title", f"YENİ FİRMA {account_crm}")}'
               "</Account>" if account_crm else
               f'<Account crmId="F-DEMO" code="{ACCOUNTS[set_code]}"/>')
    return (f'<Quote crmId="{quote}" set="{set_code}" warehouse="2" revision="1">{account}'
            f'{_field("Date", "2026-11-30")}<Lines><Line crmId="{quote}-L1">'
            f'<Product crmId="P-{quote}">{_field("Name", f"SU 12Lİ KOLİ {quote}")}{declared}'
            f'{_field("VatRate", "20")}</Product>{_field("Quantity", "10")}'
            f'{_field("UnitPrice", "120")}{_field("Unit", line_unit)}{_field("VatRate", "20")}'
            "</Line></Lines></Quote>")


def _writes(demo: Demo, set_code: str) -> int:
    return sum(demo.erps[set_code].counters.calls[route] for route in WRITE_ROUTES[set_code])


def _product_cards(demo: Demo, set_code: str, name: str) -> int:
    if set_code == TIGER:
        return int(demo.erps[set_code].scalar("SELECT COUNT(*) FROM LG_001_ITEMS WHERE NAME = ?",
                                              name))
    return int(demo.erps[set_code].scalar("SELECT COUNT(*) FROM TBLSTSABIT WHERE STOK_ADI = ?",
                                          name))


async def test_a_new_products_second_unit_is_the_netsis_lines_olcubr_f22_f15(demo: Demo) -> None:
    """10 KUT of a new product with units AD / KUT is 10 boxes: Olcubr 2, not the first unit."""
    body = new_product_quote(NETSIS, "Q-U1", "kut", units=("AD", "KUT"))
    with sent_documents(demo, NETSIS) as sent:
        status, answer = await demo.post(NETSIS, transfer_path("Q-U1", "order"), body)
    assert status == 201, etree.tostring(answer, encoding="unicode")
    assert [link.get("created") for link in answer.findall("Link")] == ["true"]
    [kalem] = json.loads(sent[-1])["Kalems"]
    assert (kalem["Olcubr"], kalem["STra_GCMIK"]) == (2, 10)


async def test_a_new_products_main_unit_is_the_tiger_lines_unit_f22_f15(demo: Demo) -> None:
    body = new_product_quote(TIGER, "Q-U2", "ADET")
    with sent_documents(demo, TIGER) as sent:
        status, answer = await demo.post(TIGER, transfer_path("Q-U2", "order"), body)
    assert status == 201, etree.tostring(answer, encoding="unicode")
    assert re.findall(r"<UNIT_CODE>([^<]*)</UNIT_CODE>", sent[-1]) == ["ADET"]


@BOTH
@pytest.mark.parametrize(("line_unit", "units", "declared"), [
    ("KOLİ", (), "declares {main}"),          # a unit the new product's record does not declare
    ("KOLİ", ("",), "declares no unit"),      # a record that declares none
])
async def test_a_unit_the_new_product_does_not_declare_writes_nothing_f22_f15(
        demo: Demo, set_code: str, line_unit: str, units: tuple[str, ...], declared: str) -> None:
    """Refused as VALIDATION naming the line and its unit field, before anything is written:
    neither the auto-created account nor the product card nor the document."""
    quote = "Q-U3"
    before = _writes(demo, set_code)
    body = new_product_quote(set_code, quote, line_unit, units=units, account_crm="F-U3")
    status, error = await demo.post(set_code, transfer_path(quote, "order"), body)
    assert (status, error.get("code")) == (400, "VALIDATION"), etree.tostring(error)
    message = error.findtext("Message") or ""
    assert message.startswith(f"line 1: unit '{line_unit}' is not a unit of new product P-{quote}")
    assert declared.format(main=MAIN[set_code]) in message
    [detail] = error.findall("Detail")
    assert detail.get("path") == "Lines/Line[1]/Field[@name='Unit']"
    assert error.findall("Link") == []
    assert _writes(demo, set_code) == before  # no account, no product, no document
    assert _product_cards(demo, set_code, f"SU 12Lİ KOLİ {quote}") == 0
    assert documents(demo, set_code, quote) == 0


@BOTH
async def test_a_refused_unit_of_a_known_product_creates_no_account_first_f22_f15(
        demo: Demo, set_code: str) -> None:
    """Every line is checked before the quote's new account is created."""
    before = _writes(demo, set_code)
    status, error = await demo.post(set_code, transfer_path("Q-U4", "order"), quote_xml(
        set_code, "Q-U4", account_crm="F-U4", unit="VARİL"))
    assert (status, error.get("code")) == (400, "VALIDATION"), etree.tostring(error)
    assert "line 1: unit 'VARİL' is not a unit of product" in (error.findtext("Message") or "")
    assert error.findall("Link") == []
    assert _writes(demo, set_code) == before
