"""A quote line's unit, price and discounts are checked before anything reaches the ERP (F15, F22,
F23, F32, F33, N1): a product the transfer creates carries the units its CRM record declares, and
the line's unit is one of them (Netsis: its position is the order line's ``Olcubr``); a unit it
does not declare, a discount outside 0–100 % or a negative unit price is refused before any card
or document is written. Over real HTTP on both demo sets."""

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


# -- prices and discounts ----------------------------------------------------------------------
def changed_line(body: str, field: str, value: str) -> str:
    """The quote with line 1's ``field`` (UnitPrice 34.50 and Discount 5 by default) set."""
    first = body.index("</Line>")
    line = body[:first]
    if f'<Field name="{field}">' in line:
        line = re.sub(rf'<Field name="{field}">[^<]*</Field>', _field(field, value), line)
    else:
        line += _field(field, value)
    return line + body[first:]


@BOTH
@pytest.mark.parametrize(("field", "value", "says"), [
    ("Discount", "150", "must be between 0 and 100 (%), not 150"),
    ("Discount", "-5", "must be between 0 and 100 (%), not -5"),
    ("Discount2", "100,5", "must be between 0 and 100 (%), not 100,5"),
    ("Discount3", "120", "must be between 0 and 100 (%), not 120"),
    ("Discount3", "yüzde beş", "is not a number ('yüzde beş')"),
    ("UnitPrice", "-34.50", "must not be below zero, not -34.50"),
])
async def test_a_discount_outside_0_to_100_or_a_negative_price_writes_nothing_f23(
        demo: Demo, set_code: str, field: str, value: str, says: str) -> None:
    """Refused as VALIDATION naming the line and the field, before anything is written: no
    auto-created account or product, no order (a 150 % discount made a negative order total)."""
    before = _writes(demo, set_code)
    body = changed_line(quote_xml(set_code, "Q-J1", account_crm="F-J1", new_product="P-J1"),
                        field, value)
    status, error = await demo.post(set_code, transfer_path("Q-J1", "order"), body)
    assert (status, error.get("code")) == (400, "VALIDATION"), etree.tostring(error)
    assert error.findtext("Message") == "quote Q-J1: prices or discounts are invalid"
    [detail] = error.findall("Detail")
    assert detail.text == f"line 1: {field} {says}"
    assert detail.get("path") == f"Lines/Line[1]/Field[@name='{field}']"
    assert error.findall("Link") == []
    assert _writes(demo, set_code) == before
    assert documents(demo, set_code, "Q-J1") == 0


@BOTH
async def test_every_bad_price_and_discount_is_named_at_once_f23(demo: Demo,
                                                                  set_code: str) -> None:
    body = changed_line(quote_xml(set_code, "Q-J2"), "Discount", "150")
    second = body.rindex("</Line>")
    body = body[:second] + _field("UnitPrice", "-1") + body[second:]
    body = body.replace(_field("UnitPrice", "7.90"), "")
    status, error = await demo.post(set_code, transfer_path("Q-J2", "order"), body)
    assert (status, error.get("code")) == (400, "VALIDATION"), etree.tostring(error)
    assert [(d.text, d.get("path")) for d in error.findall("Detail")] == [
        ("line 1: Discount must be between 0 and 100 (%), not 150",
         "Lines/Line[1]/Field[@name='Discount']"),
        ("line 2: UnitPrice must not be below zero, not -1",
         "Lines/Line[2]/Field[@name='UnitPrice']")]
    assert documents(demo, set_code, "Q-J2") == 0


@BOTH
async def test_a_whole_discount_and_a_zero_price_are_an_order_at_zero_f23(demo: Demo,
                                                                           set_code: str) -> None:
    """The bounds are allowed: 100 % off and a free line leave a net of 0, never below."""
    body = changed_line(quote_xml(set_code, "Q-J3"), "Discount", "100")
    body = body.replace(_field("UnitPrice", "7.90"), _field("UnitPrice", "0"))
    status, answer = await demo.post(set_code, transfer_path("Q-J3", "order"), body)
    assert status == 201, etree.tostring(answer, encoding="unicode")
    with demo.erps[set_code].db() as conn:
        if set_code == TIGER:
            total = conn.execute("SELECT NETTOTAL FROM LG_001_01_ORFICHE WHERE LOGICALREF = ?",
                                 (int(answer.get("ref") or 0),)).fetchone()
            nets = conn.execute("SELECT LINENET FROM LG_001_01_ORFLINE WHERE ORDFICHEREF = ? "
                                "AND LINETYPE = 0", (int(answer.get("ref") or 0),)).fetchall()
        else:
            total = conn.execute("SELECT GENELTOPLAM FROM TBLSIPAMAS WHERE FATIRS_NO = ?",
                                 (answer.get("number"),)).fetchone()
            nets = conn.execute("SELECT STHAR_NF FROM TBLSIPATRA WHERE FISNO = ?",
                                (answer.get("number"),)).fetchall()
    assert total is not None and float(total[0]) == 0
    assert [float(row[0]) for row in nets] == [0, 0]


@BOTH
@pytest.mark.parametrize("path", ["/v1/prices", "/v1/quotes/check?risk=1"])
async def test_a_price_preview_and_a_risk_check_refuse_the_same_f33_f32(
        demo: Demo, set_code: str, path: str) -> None:
    """The preview builds the order as a transfer would, and the risk check counts the quote's
    total: a 150 % discount is refused there too, and the ERP is not asked."""
    calls = sum(demo.erps[set_code].counters.calls.values())
    body = changed_line(quote_xml(set_code, "Q-J4"), "Discount", "150")
    status, error = await demo.post(set_code, path, body)
    assert (status, error.get("code")) == (400, "VALIDATION"), etree.tostring(error)
    assert [d.get("path") for d in error.findall("Detail")] == [
        "Lines/Line[1]/Field[@name='Discount']"]
    assert sum(demo.erps[set_code].counters.calls.values()) == calls


@BOTH
@pytest.mark.parametrize(("field", "value"), [
    ("Quantity", "123456789012345678"),      # Tiger stored 123456789012345680
    ("UnitPrice", "99999999999999.99"),      # Tiger stored 99999999999999.98
    ("Quantity", "1.0000000000000001"),      # 17 significant digits
])
async def test_a_number_the_erp_cannot_keep_exactly_is_refused_not_rounded_f23(
        demo: Demo, set_code: str, field: str, value: str) -> None:
    """A quantity or price with more significant digits than the ERP keeps (a double: 15) is
    refused before anything is written, on both ERPs; Tiger took it and stored another number
    (Netsis refused it only as MAPPING, after the checks)."""
    before = _writes(demo, set_code)
    body = changed_line(quote_xml(set_code, "Q-J5", account_crm="F-J5"), field, value)
    status, error = await demo.post(set_code, transfer_path("Q-J5", "order"), body)
    assert (status, error.get("code")) == (400, "VALIDATION"), etree.tostring(error)
    [detail] = error.findall("Detail")
    assert detail.text == (f"line 1: {field} {value} has more significant digits than the ERP "
                           "keeps (15)")
    assert detail.get("path") == f"Lines/Line[1]/Field[@name='{field}']"
    assert _writes(demo, set_code) == before
    assert documents(demo, set_code, "Q-J5") == 0


# -- the VAT-included flag ---------------------------------------------------------------------
# where each ERP carries "the price includes VAT": Tiger/Go on each line (VAT_INCLUDED), Netsis
# once per document (KDV_DAHILMI); the CRM's field on the other level reaches no ERP field
FLAG = "VatIncluded"


def _header_flag(body: str, value: str) -> str:
    return body.replace("<Lines>", _field(FLAG, value) + "<Lines>", 1)


def _line_flags(body: str, values: tuple[str | None, ...]) -> str:
    """The quote with its lines' flags replaced (None: no flag on that line)."""
    body = re.sub(rf'<Field name="{FLAG}">[^<]*</Field>', "", body)
    parts = body.split("</Line>")
    for index, value in enumerate(values):
        if value is not None:
            parts[index] += _field(FLAG, value)
    return "</Line>".join(parts)


@pytest.mark.parametrize(("set_code", "header", "lines", "refused"), [
    # Netsis: a line's flag that is not the document's would be dropped, and VAT added on top
    (NETSIS, None, (None, "1"), [2]),
    (NETSIS, "0", ("true", "0"), [1]),
    (NETSIS, "1", ("1", "0"), [2]),
    # Tiger/Go: a quote's flag that a line does not repeat would be dropped for that line
    (TIGER, "1", (None, "1"), [1]),
    (TIGER, "evet", ("0", "0"), [1, 2]),
])
async def test_a_vat_included_flag_the_erp_would_drop_writes_nothing_f23(
        demo: Demo, set_code: str, header: str | None, lines: tuple[str | None, ...],
        refused: list[int]) -> None:
    """A quote whose VAT-included flags disagree between the quote and its lines is refused as
    VALIDATION naming each line, before anything is written: Netsis has one flag per document, so
    a line priced with VAT included on a Netsis quote without the flag was charged the VAT on top
    (7.90 became 9.48 a piece), and Tiger has one per line, so a flag on the quote alone was lost.
    A Netsis line without a flag follows the quote's; a Tiger line without one has none."""
    before = _writes(demo, set_code)
    body = _line_flags(quote_xml(set_code, "Q-V1", account_crm="F-V1"), lines)
    if header is not None:
        body = _header_flag(body, header)
    status, error = await demo.post(set_code, transfer_path("Q-V1", "order"), body)
    assert (status, error.get("code")) == (400, "VALIDATION"), etree.tostring(error)
    assert error.findtext("Message") == "quote Q-V1: the VAT-included flags disagree"
    details = error.findall("Detail")
    assert [d.get("path") for d in details] == [
        f"Lines/Line[{n}]/Field[@name='{FLAG}']" if lines[n - 1] is not None else f"Lines/Line[{n}]"
        for n in refused]
    where = "KDV_DAHILMI, once per document" if set_code == NETSIS else "VAT_INCLUDED, on each line"
    for detail in details:
        assert where in (detail.text or ""), detail.text
    assert error.findall("Link") == []
    assert _writes(demo, set_code) == before
    assert documents(demo, set_code, "Q-V1") == 0


@pytest.mark.parametrize("set_code", [TIGER, NETSIS])
async def test_vat_included_on_the_quote_and_every_line_is_an_order_with_vat_included_f23(
        demo: Demo, set_code: str) -> None:
    """Flags that agree go through; the order's total holds the VAT inside the prices (12 x 34.50
    less 5 % and 4 x 7.90: 424.90 with VAT included, 470.55 with 10 % and 20 % on top)."""
    body = _header_flag(_line_flags(quote_xml(set_code, "Q-V2"), ("1", "1")), "1")
    status, answer = await demo.post(set_code, transfer_path("Q-V2", "order"), body)
    assert status == 201, etree.tostring(answer, encoding="unicode")
    with demo.erps[set_code].db() as conn:
        if set_code == TIGER:
            row = conn.execute("SELECT NETTOTAL FROM LG_001_01_ORFICHE WHERE LOGICALREF = ?",
                               (int(answer.get("ref") or 0),)).fetchone()
        else:
            row = conn.execute("SELECT GENELTOPLAM FROM TBLSIPAMAS WHERE FATIRS_NO = ?",
                               (answer.get("number"),)).fetchone()
    assert row is not None and round(float(row[0]), 2) == 424.90


@pytest.mark.parametrize("set_code", [TIGER, NETSIS])
@pytest.mark.parametrize("path", ["/v1/prices", "/v1/quotes/check?risk=1"])
async def test_a_price_preview_and_a_risk_check_refuse_disagreeing_vat_flags_f33_f32(
        demo: Demo, set_code: str, path: str) -> None:
    calls = sum(demo.erps[set_code].counters.calls.values())
    body = _header_flag(_line_flags(quote_xml(set_code, "Q-V3"), ("1", "0")), "1")
    status, error = await demo.post(set_code, path, body)
    assert (status, error.get("code")) == (400, "VALIDATION"), etree.tostring(error)
    assert [d.get("path") for d in error.findall("Detail")] == [
        f"Lines/Line[2]/Field[@name='{FLAG}']"]
    assert sum(demo.erps[set_code].counters.calls.values()) == calls
