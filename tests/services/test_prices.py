"""Prices of a quote over HTTP on both demo sets (F33-F35): the ERP's calculation of the would-be
document, campaigns, Netsis price options, the price promise (preview = transferred document),
the CRM and SQL price sources, bad input."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from lxml import etree

from integrator.api.keys import METRICS
from integrator.config import IntegrationSet, NetsisPriceOptions
from tests.fixtures.demo import NETSIS, TIGER, Demo, MakeDemo
from tests.fixtures.quotes import ACCOUNTS, transfer_path

pytestmark = pytest.mark.odbc

BOTH = pytest.mark.parametrize("set_code", [TIGER, NETSIS])
PRICES = "/v1/prices"
CALCULATE = {TIGER: "CalculateDataObject", NETSIS: "ItemSlips.Calculate"}


def _field(name: str, value: str) -> str:
    return f'<Field name="{name}">{value}</Field>'


def quote(set_code: str, lines: list[dict[str, str]], *, account: str | None = None,
          crm_id: str = "Q-P1", day: str = "2026-11-30", warehouse: int = 2) -> str:
    """A quote whose lines are {"code": product, other CRM fields...}."""
    body = "".join(
        f'<Line crmId="{crm_id}-{n}"><Product code="{line["code"]}"/>'
        + "".join(_field(k, v) for k, v in line.items() if k != "code") + "</Line>"
        for n, line in enumerate(lines, 1))
    return (f'<Quote crmId="{crm_id}" set="{set_code}" revision="1" warehouse="{warehouse}">'
            f'<Account code="{account or ACCOUNTS[set_code]}"/>{_field("Date", day)}'
            f"<Lines>{body}</Lines></Quote>")


def priced_lines(answer: etree._Element) -> list[etree._Element]:
    assert answer.tag == "Prices", etree.tostring(answer)
    return answer.findall("Line")


def carried(line: etree._Element) -> dict[str, str]:
    return {f.get("name") or "": f.text or "" for f in line.findall("Field")}


def money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def tiger_card_price(demo: Demo, code: str) -> Decimal:
    return Decimal(str(demo.erps[TIGER].scalar(
        "SELECT P.PRICE FROM LG_001_PRCLIST P JOIN LG_001_ITEMS I ON I.LOGICALREF = P.CARDREF "
        "WHERE I.CODE = ? AND P.PTYPE = 2 AND P.CURRENCY = 160 AND P.CLIENTCODE = ''", code)))


def campaign_product(demo: Demo) -> tuple[str, str]:
    """A product of the demo's KIS2026 campaign (10 % from 10 units), and the campaign code."""
    row = demo.erps[TIGER].scalar(
        "SELECT I.CODE || '|' || C.CODE FROM LG_001_CMPGNLINE L JOIN LG_001_ITEMS I ON "
        "I.LOGICALREF = L.ITEMREF JOIN LG_001_CAMPAIGN C ON C.LOGICALREF = L.CAMPAIGNREF "
        "WHERE C.CODE = 'KIS2026' ORDER BY I.CODE LIMIT 1")
    code, campaign = str(row).split("|")
    return code, campaign


# -- the ERP prices the would-be document --------------------------------------------------------
async def test_a_campaign_product_shows_the_campaign_and_its_discounted_price_f35(
        demo: Demo) -> None:
    code, campaign = campaign_product(demo)
    card = tiger_card_price(demo, code)
    calls = demo.erps[TIGER].counters.calls
    status, answer = await demo.post(TIGER, PRICES, quote(TIGER, [
        {"code": code, "Quantity": "12", "VatRate": "10"},   # no price: the sales card's
        {"code": code, "Quantity": "2", "UnitPrice": "99", "VatRate": "10"}]))
    assert status == 200, etree.tostring(answer)
    assert calls[CALCULATE[TIGER]] == 1 and calls["AppendDataObject"] == 0  # priced, not saved
    first, second = priced_lines(answer)
    assert first.get("campaign") == campaign and Decimal(first.get("unitPrice") or "") == card
    discounts = first.findall("Discount")
    assert [d.get("rate") for d in discounts] == ["10"]
    gross = money(12 * card)
    assert Decimal(first.get("gross") or "") == gross
    assert Decimal(first.get("net") or "") == gross - money(gross / 10)
    assert carried(first) == {"UnitPrice": format(card.normalize(), "f"), "Discount": "10",
                              "VatRate": "10", "Campaign": campaign}
    # below the campaign's minimum and with its own price: no campaign, the price as sent
    assert second.get("campaign") is None and second.findall("Discount") == []
    assert second.get("unitPrice") == "99"
    assert answer.get("complete") == "true" and answer.get("as") == "order"
    total = Decimal(first.get("total") or "") + Decimal(second.get("total") or "")
    assert Decimal(answer.get("total") or "") == total


async def test_netsis_prices_follow_the_sets_options_f33(make_demo: MakeDemo) -> None:
    code, account = "GDA00001", "120-00003"  # an account with the open condition K05 (5 %)
    body = quote(NETSIS, [{"code": code, "Quantity": "3"}], account=account)
    demo: Demo = await make_demo()  # the demo set: by stock card, conditional
    card = Decimal(str(demo.erps[NETSIS].scalar(
        "SELECT SATIS_FIAT1 FROM TBLSTSABIT WHERE STOK_KODU = ?", code)))
    status, answer = await demo.post(NETSIS, PRICES, body)
    assert status == 200, etree.tostring(answer)
    (line,) = priced_lines(answer)
    assert Decimal(line.get("unitPrice") or "") == card
    assert [d.get("rate") for d in line.findall("Discount")] == ["5"]
    # by price system: the system's price for the date; without conditions: no discount
    system = Decimal(str(demo.erps[NETSIS].scalar(
        "SELECT FIYAT1 FROM TBLSTOKFIAT WHERE STOKKODU = ? AND FIYATGRUBU = '' AND A_S = 'S' "
        "AND BASTAR <= '2026-11-30' AND BITTAR >= '2026-11-30' "
        "ORDER BY BASTAR DESC, FIYATNO DESC LIMIT 1", code)))
    options = NetsisPriceOptions(conditional=False, by_stock_card=True, by_price_system=True)
    other: Demo = await make_demo(settings={"netsis_price_options": options})
    status, answer = await other.post(NETSIS, PRICES, body)
    (line,) = priced_lines(answer)
    assert Decimal(line.get("unitPrice") or "") == system != card
    assert line.findall("Discount") == []
    # the date decides: a December promotion of the price system
    promoted = str(demo.erps[NETSIS].scalar(
        "SELECT STOKKODU FROM TBLSTOKFIAT WHERE BASTAR >= '2026-12-01' ORDER BY STOKKODU LIMIT 1"))
    prices = []
    for day in ("2026-11-30", "2026-12-05"):
        status, answer = await other.post(NETSIS, PRICES, quote(
            NETSIS, [{"code": promoted, "Quantity": "1"}], account=account, day=day))
        prices.append(Decimal(priced_lines(answer)[0].get("unitPrice") or ""))
    assert prices[1] < prices[0]
    # a quote whose lines carry their prices is priced as it is (the options are off)
    status, answer = await other.post(NETSIS, PRICES, quote(
        NETSIS, [{"code": code, "Quantity": "3", "UnitPrice": "1.25"}], account=account))
    (line,) = priced_lines(answer)
    assert line.get("unitPrice") == "1.25" and line.findall("Discount") == []


# -- the price promise -----------------------------------------------------------------------------
def with_carried(body: str, answer: etree._Element, crm_id: str) -> str:
    """The quote as the CRM saves it after a preview: each line with the preview's fields."""
    root = etree.fromstring(body.encode())
    root.set("crmId", crm_id)
    for line, priced in zip(root.iter("Line"), priced_lines(answer), strict=True):
        for name, value in carried(priced).items():
            found = line.find(f"Field[@name='{name}']")
            if found is None:
                found = etree.SubElement(line, "Field", name=name)
            found.text = value
    return etree.tostring(root, encoding="unicode")


def tiger_document(demo: Demo, quote_id: str) -> tuple[Decimal, list[tuple[Any, ...]]]:
    """The order's NETTOTAL and its lines: (type, price, discount %, campaign code)."""
    with demo.erps[TIGER].db() as conn:
        ref, total = conn.execute("SELECT LOGICALREF, NETTOTAL FROM LG_001_01_ORFICHE WHERE "
                                  "DOCODE = ?", (quote_id,)).fetchone()
        rows = conn.execute(
            "SELECT L.LINETYPE, L.PRICE, L.DISCPER, COALESCE(C.CODE, '') FROM LG_001_01_ORFLINE L "
            "LEFT JOIN LG_001_CAMPAIGN C ON C.LOGICALREF = L.CAMPAIGNREF WHERE L.ORDFICHEREF = ? "
            "ORDER BY L.LINENO_", (ref,)).fetchall()
    return Decimal(str(total)), [tuple(row) for row in rows]


async def test_the_transferred_order_carries_the_previewed_prices_on_tiger_f33_f35(
        demo: Demo) -> None:
    code, campaign = campaign_product(demo)
    account = str(demo.erps[TIGER].scalar(
        "SELECT CODE FROM LG_001_CLCARD WHERE DISCRATE > 0 AND CODE LIKE '120.%' ORDER BY CODE"))
    other = "GDA.00002"
    body = quote(TIGER, [{"code": code, "Quantity": "12"},
                         {"code": other, "Quantity": "60", "UnitPrice": "10.25"}],
                 account=account, crm_id="Q-PP1")
    status, preview = await demo.post(TIGER, PRICES, body)
    assert status == 200, etree.tostring(preview)
    first, second = priced_lines(preview)
    rates = [[d.get("rate") for d in line.findall("Discount")] for line in (first, second)]
    assert rates == [["3", "10"], ["3", "5"]]  # the account's condition, then a campaign
    assert (first.get("campaign"), second.get("campaign")) == (campaign, "TOPTAN50")
    # the ERP's data changes before the quote is sold: the transfer keeps the previewed prices
    erp = demo.erps[TIGER]
    erp.execute("UPDATE LG_001_CLCARD SET DISCRATE = 7 WHERE CODE = ?", account)
    erp.execute("UPDATE LG_001_CMPGNLINE SET DISCRATE = 20")
    erp.execute("UPDATE LG_001_PRCLIST SET PRICE = PRICE * 2")
    transfer = with_carried(body, preview, "Q-PP1")
    status, answer = await demo.post(TIGER, transfer_path("Q-PP1", "order"), transfer)
    assert status == 201, etree.tostring(answer)
    total, rows = tiger_document(demo, "Q-PP1")
    expected: list[tuple[Any, ...]] = []
    for line in (first, second):
        expected.append((0, float(line.get("unitPrice") or ""), 0.0, line.get("campaign") or ""))
        expected += [(2, 0.0, float(d.get("rate") or ""), "") for d in line.findall("Discount")]
    assert rows == expected
    assert total == Decimal(preview.get("total") or "")


async def test_the_transferred_order_carries_the_previewed_prices_on_netsis_f33(
        demo: Demo) -> None:
    body = quote(NETSIS, [{"code": "GDA00001", "Quantity": "12"},
                          {"code": "GDA00002", "Quantity": "5", "UnitPrice": "8.75"}],
                 account="120-00003", crm_id="Q-PP2")
    status, preview = await demo.post(NETSIS, PRICES + "?as=order", body)
    assert status == 200, etree.tostring(preview)
    assert [len(line.findall("Discount")) for line in priced_lines(preview)] == [1, 1]  # K05
    # the ERP's data changes before the quote is sold: the transfer keeps the previewed prices
    erp = demo.erps[NETSIS]
    erp.execute("UPDATE TBLSTSABIT SET SATIS_FIAT1 = SATIS_FIAT1 * 2, SATIS_FIAT2 = SATIS_FIAT2 * 2")
    erp.execute("UPDATE TBLKOSULMAS SET ISKONTO1 = 15")
    status, answer = await demo.post(NETSIS, transfer_path("Q-PP2", "order"),
                                     with_carried(body, preview, "Q-PP2"))
    assert status == 201, etree.tostring(answer)
    number = answer.get("number")
    with demo.erps[NETSIS].db() as conn:
        rows = conn.execute("SELECT STHAR_BF, STHAR_NF FROM TBLSIPATRA WHERE FISNO = ? ORDER BY "
                            "SIRA", (number,)).fetchall()
        total = conn.execute("SELECT GENELTOPLAM FROM TBLSIPAMAS WHERE FATIRS_NO = ?",
                             (number,)).fetchone()[0]
    for (bf, nf), line in zip(rows, priced_lines(preview), strict=True):
        price = Decimal(line.get("unitPrice") or "")
        net = price
        for discount in line.findall("Discount"):
            net = net * (100 - Decimal(discount.get("rate") or "")) / 100
        assert Decimal(str(bf)) == price
        assert Decimal(str(nf)) == net.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    assert Decimal(str(total)) == Decimal(preview.get("total") or "")


# -- the CRM and SQL price sources ---------------------------------------------------------------
@BOTH
async def test_price_source_crm_asks_nobody_f34(make_demo: MakeDemo, set_code: str) -> None:
    demo: Demo = await make_demo(settings={"price_source": "crm"})
    status, answer = await demo.post(set_code, PRICES, quote(
        set_code, [{"code": "GDA.00001" if set_code == TIGER else "GDA00001", "Quantity": "1"}]))
    assert status == 200 and answer.get("source") == "crm" and answer.findall("Line") == []
    assert demo.erps[set_code].counters.calls[CALCULATE[set_code]] == 0


PRICE_SQL = {
    TIGER: """SELECT I.LOGICALREF AS REF, I.CODE AS CODE,
       CASE WHEN I.CODE = 'GDA.00003' THEN 'yok' ELSE P.PRICE END AS PRICE,
       5 AS DISCOUNT1, 2.5 AS DISCOUNT2, 'TRY' AS CURRENCY
FROM LG_FFF_ITEMS I WITH (NOLOCK)
JOIN LG_FFF_PRCLIST P WITH (NOLOCK) ON P.CARDREF = I.LOGICALREF AND P.PTYPE = 2 AND P.CURRENCY = 160
WHERE (I.CODE IN (:codes) OR I.LOGICALREF IN (:refs)) AND I.CODE <> 'GDA.00004'""",
    NETSIS: """SELECT S.STOK_KODU AS REF, S.STOK_KODU AS CODE,
       CASE WHEN S.STOK_KODU = 'GDA00003' THEN 'yok' ELSE S.SATIS_FIAT2 END AS PRICE,
       5 AS DISCOUNT1, 2.5 AS DISCOUNT2, 'TRY' AS CURRENCY
FROM TBLSTSABIT S WITH (NOLOCK)
WHERE (S.STOK_KODU IN (:codes) OR S.STOK_KODU IN (:refs)) AND S.STOK_KODU <> 'GDA00004'""",
}


def _sql_source(set_code: str, sql: str | None = None) -> Callable[[IntegrationSet], IntegrationSet]:
    def modify(s: IntegrationSet) -> IntegrationSet:
        if s.code != set_code:
            return s
        return s.model_copy(update={
            "sql": s.sql.model_copy(update={"price": sql or PRICE_SQL[set_code]}),
            "settings": s.settings.model_copy(update={"price_source": "sql"})})
    return modify


@BOTH
async def test_price_source_sql_prices_every_line_in_one_round_trip_f34(
        make_demo: MakeDemo, set_code: str) -> None:
    demo: Demo = await make_demo(modify=_sql_source(set_code))
    dot = "." if set_code == TIGER else ""
    codes = [f"GDA{dot}0000{n}" for n in (1, 2, 3, 4)]
    counter = demo.client.app[METRICS].registry.get_sample_value
    body = quote(set_code, [{"code": c, "Quantity": "4", "VatRate": "20"} for c in codes])
    await demo.post(set_code, PRICES, body)  # warm the pool
    before = counter("integrator_sql_round_trips_total", {"set": set_code}) or 0.0
    status, answer = await demo.post(set_code, PRICES, body)
    assert status == 200, etree.tostring(answer)
    assert (counter("integrator_sql_round_trips_total", {"set": set_code}) or 0.0) - before == 1
    assert demo.erps[set_code].counters.calls[CALCULATE[set_code]] == 0
    assert answer.get("source") == "sql" and answer.get("complete") == "false"
    first, second, bad, missing = priced_lines(answer)
    price = Decimal(first.get("unitPrice") or "")
    gross = money(4 * price)
    after = gross - money(gross * 5 / 100)
    after -= money(after * Decimal("2.5") / 100)
    assert Decimal(first.get("net") or "") == after
    assert Decimal(first.get("total") or "") == after + money(after * 20 / 100)
    assert [d.get("rate") for d in first.findall("Discount")] == ["5", "2.5"]
    assert first.get("currency") == "TRY" and first.find("Problem") is None
    assert carried(first) == {"UnitPrice": format(price.normalize(), "f"), "Discount": "5",
                              "Discount2": "2.5", "VatRate": "20"}
    assert second.find("Problem") is None
    # never a silent zero: a non-numeric price and a missing row name their line
    assert bad.get("unitPrice") is None and "not a number" in (bad.findtext("Problem") or "")
    assert missing.get("unitPrice") is None and "no row" in (missing.findtext("Problem") or "")


@BOTH
async def test_a_small_row_cap_drops_no_sql_price_f34(make_demo: MakeDemo, set_code: str) -> None:
    """``database.max_rows`` caps answers, not the price rows of a quote: with a cap of 1 row,
    the three products the SQL prices still get their price (the cap left them "no row")."""
    def modify(s: IntegrationSet) -> IntegrationSet:
        s = _sql_source(set_code)(s)
        return s.model_copy(update={"database": s.database.model_copy(update={"max_rows": 1})})

    demo: Demo = await make_demo(modify=modify)
    dot = "." if set_code == TIGER else ""
    codes = [f"GDA{dot}0000{n}" for n in (1, 2, 5, 4)]
    status, answer = await demo.post(set_code, PRICES, quote(
        set_code, [{"code": c, "Quantity": "4", "VatRate": "20"} for c in codes]))
    assert status == 200, etree.tostring(answer)
    *priced, missing = priced_lines(answer)
    assert all(line.get("unitPrice") and line.find("Problem") is None for line in priced)
    assert missing.get("unitPrice") is None and "no row" in (missing.findtext("Problem") or "")


# -- a price in another currency (F33, F34) --------------------------------------------------------
LOCAL_PRODUCT = {TIGER: "GDA.00002", NETSIS: "GDA00002"}


def foreign_priced(demo: Demo, set_code: str) -> tuple[str, str]:
    """A product the ERP now prices in US dollars, and the ERP's code for them: on Tiger one of the
    demo's products with an export sales card in USD (CURRENCY 1) whose TL card is made inactive;
    on Netsis a stock card whose sales prices are made USD (SAT_DOV_TIP 1)."""
    erp = demo.erps[set_code]
    if set_code == NETSIS:
        code = "GDA00010"
        erp.execute("UPDATE TBLSTSABIT SET SAT_DOV_TIP = 1 WHERE STOK_KODU = ?", code)
        return code, "1"
    code = str(erp.scalar(
        "SELECT I.CODE FROM LG_001_PRCLIST P JOIN LG_001_ITEMS I ON I.LOGICALREF = P.CARDREF "
        "WHERE P.PTYPE = 2 AND P.CURRENCY = 1 AND I.ACTIVE = 0 ORDER BY I.CODE LIMIT 1"))
    erp.execute("UPDATE LG_001_PRCLIST SET ACTIVE = 1 WHERE PTYPE = 2 AND CURRENCY = 160 AND "
                "CARDREF = (SELECT LOGICALREF FROM LG_001_ITEMS WHERE CODE = ?)", code)
    return code, "1"


def assert_not_promised(answer: etree._Element, currency: str) -> None:
    """The first line is priced in ``currency`` and promises nothing; the second (local) does."""
    assert answer.get("complete") == "false", etree.tostring(answer)
    foreign, local = priced_lines(answer)
    assert foreign.get("currency") == currency and Decimal(foreign.get("unitPrice") or "0") > 0
    problems = [p.text or "" for p in foreign.findall("Problem")]
    assert any(f"currency {currency}" in p and "cannot be carried" in p for p in problems), problems
    # no UnitPrice the CRM would send on as a local-currency price (nor discounts, VAT or campaign
    # that belong to that price)
    assert carried(foreign) == {}
    assert local.find("Problem") is None and "UnitPrice" in carried(local)


@BOTH
async def test_a_price_in_a_foreign_currency_is_not_promised_f33(demo: Demo, set_code: str) -> None:
    """A transfer sends a line's price without a currency, so the ERP books it as local currency:
    a line the ERP priced in USD must not promise that amount (it would become TL 0.38 for a
    USD 0.38 price) — it is a problem of its line and the answer is incomplete."""
    code, currency = foreign_priced(demo, set_code)
    status, answer = await demo.post(set_code, PRICES, quote(set_code, [
        {"code": code, "Quantity": "10", "VatRate": "20"},
        {"code": LOCAL_PRODUCT[set_code], "Quantity": "1", "VatRate": "20"}]))
    assert status == 200, etree.tostring(answer)
    assert_not_promised(answer, currency)


FOREIGN_PRICE_SQL = {
    TIGER: """SELECT I.LOGICALREF AS REF, I.CODE AS CODE, P.PRICE AS PRICE, 0 AS DISCOUNT1,
       0 AS DISCOUNT2, P.CURRENCY AS CURRENCY
FROM LG_FFF_ITEMS I WITH (NOLOCK)
JOIN LG_FFF_PRCLIST P WITH (NOLOCK) ON P.CARDREF = I.LOGICALREF AND P.PTYPE = 2 AND P.ACTIVE = 0
  AND P.CLIENTCODE = ''
WHERE I.CODE IN (:codes) OR I.LOGICALREF IN (:refs)""",
    NETSIS: """SELECT S.STOK_KODU AS REF, S.STOK_KODU AS CODE, S.SATIS_FIAT1 AS PRICE, 0 AS DISCOUNT1,
       0 AS DISCOUNT2, S.SAT_DOV_TIP AS CURRENCY
FROM TBLSTSABIT S WITH (NOLOCK)
WHERE S.STOK_KODU IN (:codes) OR S.STOK_KODU IN (:refs)""",
}


@BOTH
async def test_a_sql_price_in_a_foreign_currency_is_not_promised_f34(
        make_demo: MakeDemo, set_code: str) -> None:
    """The price SQL's CURRENCY in the ERP's own codes (Tiger PRCLIST.CURRENCY, 160 TL; Netsis
    SAT_DOV_TIP, 0 TL): a foreign one is a problem of its line, the local one is promised."""
    demo: Demo = await make_demo(modify=_sql_source(set_code, FOREIGN_PRICE_SQL[set_code]))
    code, currency = foreign_priced(demo, set_code)
    status, answer = await demo.post(set_code, PRICES, quote(set_code, [
        {"code": code, "Quantity": "10", "VatRate": "20"},
        {"code": LOCAL_PRODUCT[set_code], "Quantity": "1", "VatRate": "20"}]))
    assert status == 200 and answer.get("source") == "sql", etree.tostring(answer)
    assert_not_promised(answer, currency)


# -- bad input -----------------------------------------------------------------------------------
@BOTH
async def test_products_and_accounts_without_a_link_are_refused_and_nothing_is_created(
        demo: Demo, set_code: str) -> None:
    code = "GDA.00001" if set_code == TIGER else "GDA00001"
    body = quote(set_code, [{"code": code, "Quantity": "1"}, {"code": code, "Quantity": "1"}])
    unlinked = re.sub(r'<Product code="[^"]*"/>(?=<Field name="Quantity">1</Field></Line></Lines>)',
                      '<Product crmId="P-NEW"><Field name="Name">YENİ</Field></Product>', body)
    status, error = await demo.post(set_code, PRICES, unlinked)
    assert status == 400 and error.get("code") == "VALIDATION", etree.tostring(error)
    assert "line 2" in (error.findtext("Message") or "")
    no_account = body.replace(f'<Account code="{ACCOUNTS[set_code]}"/>',
                              '<Account crmId="F-NEW"><Field name="Title">YENİ</Field></Account>')
    status, error = await demo.post(set_code, PRICES, no_account)
    assert status == 400 and "account" in (error.findtext("Message") or "")
    status, error = await demo.post(set_code, PRICES, quote(set_code, [{"code": code}]))
    assert status == 400 and "Quantity" in (error.findtext("Detail") or "")
    calls = demo.erps[set_code].counters.calls
    assert calls[CALCULATE[set_code]] == 0
    assert sum(calls.values()) - calls.get("token", 0) == 0


async def test_a_line_previewed_without_discount_is_transferred_without_one_f33(
        demo: Demo) -> None:
    """The transfer saves the quote's prices as they are: a condition the ERP gains after the
    preview is not applied to a line that carries its price (Tiger: AppendDataObject with
    campaigns and conditions off for a priced slip)."""
    body = quote(TIGER, [{"code": "GDA.00002", "Quantity": "3"}], crm_id="Q-PP3")
    status, preview = await demo.post(TIGER, PRICES, body)
    (line,) = priced_lines(preview)
    assert status == 200 and line.findall("Discount") == []
    demo.erps[TIGER].execute("UPDATE LG_001_CLCARD SET DISCRATE = 7 WHERE CODE = ?",
                             ACCOUNTS[TIGER])
    status, answer = await demo.post(TIGER, transfer_path("Q-PP3", "order"),
                                     with_carried(body, preview, "Q-PP3"))
    assert status == 201, etree.tostring(answer)
    total, rows = tiger_document(demo, "Q-PP3")
    assert rows == [(0, float(line.get("unitPrice") or ""), 0.0, "")]
    assert total == Decimal(preview.get("total") or "")


async def test_a_vat_included_card_price_is_transferred_vat_included_on_tiger_f33(
        demo: Demo) -> None:
    """A Tiger sales price card with VAT included (INCVAT 1) prices the line VAT-included; the
    preview's fields carry that, so the transferred order totals what the preview showed — not
    the same price with VAT added on top."""
    code = "GDA.00003"
    demo.erps[TIGER].execute(
        "UPDATE LG_001_PRCLIST SET INCVAT = 1 WHERE PTYPE = 2 AND CARDREF = "
        "(SELECT LOGICALREF FROM LG_001_ITEMS WHERE CODE = ?)", code)
    body = quote(TIGER, [{"code": code, "Quantity": "10"}], crm_id="Q-PV1")
    status, preview = await demo.post(TIGER, PRICES, body)
    assert status == 200, etree.tostring(preview)
    [line] = priced_lines(preview)
    price = Decimal(line.get("unitPrice") or "")
    assert price > 0
    assert Decimal(line.get("total") or "") == money(10 * price)  # the card's price holds the VAT
    status, answer = await demo.post(TIGER, transfer_path("Q-PV1", "order"),
                                     with_carried(body, preview, "Q-PV1"))
    assert status == 201, etree.tostring(answer)
    total, _ = tiger_document(demo, "Q-PV1")
    assert total == Decimal(preview.get("total") or "")
