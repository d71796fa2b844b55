"""Stock and risk checks of a quote over HTTP on both demo sets (F30, F32, F31, F5), and the checks
a transfer runs before it writes anything."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from lxml import etree

from integrator.api.keys import METRICS
from integrator.config import IntegrationSet
from tests.fixtures.demo import NETSIS, TIGER, Demo, MakeDemo
from tests.fixtures.quotes import ACCOUNTS, ORDER_ROUTES, documents, quote_xml, transfer_path

pytestmark = pytest.mark.odbc

BOTH = pytest.mark.parametrize("set_code", [TIGER, NETSIS])
CHECK = "/v1/quotes/check"
# the demo's risk accounts (simulators/demodb/commerce.py): near and over their limits
NEAR = {TIGER: "120.03.0002", NETSIS: "120-00002"}
OVER = {TIGER: "120.04.0003", NETSIS: "120-00003"}
PERMITTED = {TIGER: {0, 1, 2, 3}, NETSIS: {1, 2, 3}}  # the demo user's warehouses


def _field(name: str, value: str) -> str:
    return f'<Field name="{name}">{value}</Field>'


def quote(set_code: str, lines: list[tuple[str, str, str | None]], *, account: str | None = None,
          warehouse: int | None = 2, crm_id: str = "Q-C1", price: str = "10",
          new_account: str | None = None) -> str:
    """A quote of (product code, quantity, unit) lines; ``new_account``: an account the ERP does
    not have yet (a CRM id with fields)."""
    body = "".join(
        f'<Line crmId="{crm_id}-{n}"><Product code="{code}"/>{_field("Quantity", quantity)}'
        f'{_field("UnitPrice", price)}{_field("VatRate", "20")}'
        + (_field("Unit", unit) if unit else "") + "</Line>"
        for n, (code, quantity, unit) in enumerate(lines, 1))
    where = f' warehouse="{warehouse}"' if warehouse is not None else ""
    party = (f'<Account crmId="{new_account}">{_field("Title", f"YENİ FİRMA {new_account}")}'
             "</Account>" if new_account else f'<Account code="{account or ACCOUNTS[set_code]}"/>')
    return (f'<Quote crmId="{crm_id}" set="{set_code}" revision="1"{where}>{party}'
            f'{_field("Date", "2026-11-30")}<Lines>{body}</Lines></Quote>')


def stock_rows(demo: Demo, set_code: str, code: str) -> dict[int, tuple[Decimal, Decimal]]:
    """Per warehouse of a product: (real stock, open orders) read straight from the demo database."""
    with demo.erps[set_code].db() as conn:
        if set_code == TIGER:
            rows = conn.execute(
                "SELECT T.INVENNO, T.ONHAND - T.RESERVED - T.TEMPIN + T.TEMPOUT FROM "
                "LG_001_01_GNTOTST T JOIN LG_001_ITEMS I ON I.LOGICALREF = T.STOCKREF "
                "WHERE I.CODE = ? AND T.INVENNO >= 0", (code,)).fetchall()
        else:
            rows = conn.execute(
                "SELECT DEPO_KODU, TOP_GIRIS_MIK - TOP_CIKIS_MIK - STOK_DAGITIM FROM TBLSTOKPH "
                "WHERE STOK_KODU = ? AND DEPO_KODU <> 0", (code,)).fetchall()
    return {int(w): (Decimal(str(real)), Decimal(0)) for w, real in rows}


def spread_product(demo: Demo, set_code: str) -> str:
    """A product with stock in a permitted warehouse and in one the demo user may not use."""
    permitted = PERMITTED[set_code]
    with demo.erps[set_code].db() as conn:
        if set_code == TIGER:
            rows = conn.execute("SELECT I.CODE, T.INVENNO FROM LG_001_01_GNTOTST T JOIN "
                                "LG_001_ITEMS I ON I.LOGICALREF = T.STOCKREF WHERE T.INVENNO >= 0 "
                                "AND T.ONHAND > 0 ORDER BY I.CODE").fetchall()
        else:
            rows = conn.execute("SELECT STOK_KODU, DEPO_KODU FROM TBLSTOKPH WHERE DEPO_KODU <> 0 "
                                "AND TOP_GIRIS_MIK > TOP_CIKIS_MIK ORDER BY STOK_KODU").fetchall()
    where: dict[str, set[int]] = {}
    for code, warehouse in rows:
        where.setdefault(str(code), set()).add(int(warehouse))
    return next(code for code, found in where.items()
                if found & permitted and found - permitted)


def lines_of(answer: etree._Element) -> list[etree._Element]:
    stock = answer.find("Stock")
    assert stock is not None, etree.tostring(answer)
    return stock.findall("Line")


def round_trips(demo: Demo, set_code: str) -> float:
    value = demo.client.app[METRICS].registry.get_sample_value(
        "integrator_sql_round_trips_total", {"set": set_code})
    return value or 0.0


# -- stock ---------------------------------------------------------------------------------------
@BOTH
async def test_stock_counts_only_permitted_warehouses_with_the_erps_real_stock_f30_f5(
        demo: Demo, set_code: str) -> None:
    code = spread_product(demo, set_code)
    status, answer = await demo.post(set_code, CHECK + "?stock=1", quote(set_code, [(code, "1", None)]))
    assert status == 200, etree.tostring(answer)
    (line,) = lines_of(answer)
    shown = {int(w.get("nr") or -1) for w in line.findall("Warehouse")}
    assert shown and shown <= PERMITTED[set_code]
    expected = stock_rows(demo, set_code, code)
    assert Decimal(line.get("real") or "") == sum(expected[w][0] for w in shown)
    for warehouse in line.findall("Warehouse"):
        assert Decimal(warehouse.get("real") or "") == expected[int(warehouse.get("nr") or 0)][0]
        assert Decimal(warehouse.get("available") or "") <= Decimal(warehouse.get("real") or "")
    # the product picker (F31) gives the same figures for the same warehouses
    status, picker = await demo.post(set_code, "/v1/products/stock",
                                     f'<Products><Product code="{code}"/></Products>')
    assert status == 200
    rows = {int(r.findtext("Col[@name='WAREHOUSE']") or -1): r for r in picker.iter("Row")}
    assert set(rows) == shown
    for warehouse in line.findall("Warehouse"):
        row = rows[int(warehouse.get("nr") or 0)]
        assert Decimal(row.findtext("Col[@name='AVAILABLE']") or "") == Decimal(
            warehouse.get("available") or "")
        assert Decimal(row.findtext("Col[@name='REAL_STOCK']") or "") == Decimal(
            warehouse.get("real") or "")


@BOTH
async def test_a_line_above_available_stock_warns_then_blocks_f30(make_demo: MakeDemo,
                                                                   set_code: str) -> None:
    demo: Demo = await make_demo()
    code = spread_product(demo, set_code)
    status, answer = await demo.post(set_code, CHECK + "?stock=1",
                                     quote(set_code, [(code, "1", None)]))
    available = Decimal(lines_of(answer)[0].get("available") or "")
    too_much = str(available + 1)
    status, answer = await demo.post(set_code, CHECK + "?stock=1",
                                     quote(set_code, [(code, too_much, None)]))
    assert status == 200 and answer.get("ok") == "false"
    assert [line.get("status") for line in lines_of(answer)] == ["warn"]
    # two lines of one product count together
    half = str(available / 2 + 1)
    status, answer = await demo.post(set_code, CHECK + "?stock=1",
                                     quote(set_code, [(code, half, None), (code, half, None)]))
    assert [line.get("status") for line in lines_of(answer)] == ["ok", "warn"]

    blocking: Demo = await make_demo(settings={"stock_check_action": "block"})
    status, error = await blocking.post(set_code, CHECK + "?stock=1",
                                        quote(set_code, [(code, too_much, None)]))
    assert status == 409 and error.get("code") == "STOCK_BLOCKED", etree.tostring(error)
    check = error.find("Check")
    assert check is not None and [line.get("status") for line in lines_of(check)] == ["block"]
    assert error.find("Detail") is not None and code in (error.findtext("Detail") or "")


@BOTH
async def test_two_hundred_lines_cost_one_sql_round_trip_f30(demo: Demo, set_code: str) -> None:
    with demo.erps[set_code].db() as conn:
        table, column = (("LG_001_ITEMS", "CODE") if set_code == TIGER
                         else ("TBLSTSABIT", "STOK_KODU"))
        codes = [str(r[0]) for r in conn.execute(
            f"SELECT {column} FROM {table} WHERE {column} <> 'ÿ' ORDER BY {column} LIMIT 200")]
    body = quote(set_code, [(code, "1", None) for code in codes])
    await demo.post(set_code, CHECK + "?stock=1", body)  # warm the pool
    before = round_trips(demo, set_code)
    status, answer = await demo.post(set_code, CHECK + "?stock=1", body)
    assert status == 200, etree.tostring(answer)[:500]
    assert round_trips(demo, set_code) - before == 1
    assert [line.get("product") for line in lines_of(answer)] == codes


async def test_a_600_line_netsis_check_reads_its_products_in_slices_f30(demo: Demo) -> None:
    """The Netsis stock check names its product lists four times (the unit branches): 600 lines
    go in three statements of at most 2,100 parameters (SQL Server's limit), one round trip
    each, and every line is answered."""
    with demo.erps[NETSIS].db() as conn:
        codes = [str(r[0]) for r in conn.execute(
            "SELECT STOK_KODU FROM TBLSTSABIT ORDER BY STOK_KODU LIMIT 600")]
    body = quote(NETSIS, [(code, "1", None) for code in codes])
    before = round_trips(demo, NETSIS)
    status, answer = await demo.post(NETSIS, CHECK + "?stock=1", body)
    assert status == 200, etree.tostring(answer)[:500]
    assert round_trips(demo, NETSIS) - before == 3
    assert [line.get("product") for line in lines_of(answer)] == codes


@BOTH
async def test_a_small_row_cap_changes_no_stock_check_f30(make_demo: MakeDemo,
                                                          set_code: str) -> None:
    """``database.max_rows`` caps answers, not the rows a check decides on: a 60-line check on a
    set capped at 20 rows gives every line its full stock (it was refused, "products the ERP does
    not have", for the products whose rows the cap dropped)."""
    def capped(s: IntegrationSet) -> IntegrationSet:
        return s.model_copy(update={"database": s.database.model_copy(update={"max_rows": 20})})

    demo: Demo = await make_demo(modify=capped)
    with demo.erps[set_code].db() as conn:
        table, column = (("LG_001_ITEMS", "CODE") if set_code == TIGER
                         else ("TBLSTSABIT", "STOK_KODU"))
        codes = [str(r[0]) for r in conn.execute(
            f"SELECT {column} FROM {table} WHERE {column} <> 'ÿ' ORDER BY {column} LIMIT 60")]
    status, answer = await demo.post(set_code, CHECK + "?stock=1",
                                     quote(set_code, [(code, "1", None) for code in codes]))
    assert status == 200, etree.tostring(answer)[:500]
    lines = lines_of(answer)
    assert [line.get("product") for line in lines] == codes
    for code, line in zip(codes, lines, strict=True):
        expected = stock_rows(demo, set_code, code)
        shown = {int(w.get("nr") or -1) for w in line.findall("Warehouse")}
        assert shown == set(expected) & PERMITTED[set_code], code
        assert Decimal(line.get("real") or "") == sum(expected[w][0] for w in shown), code


@BOTH
async def test_the_selected_warehouse_alone_counts_when_the_set_says_so_f30(
        make_demo: MakeDemo, set_code: str) -> None:
    demo: Demo = await make_demo(settings={"stock_by_selected_warehouse": True})
    code = spread_product(demo, set_code)
    permitted = sorted(stock_rows(demo, set_code, code).keys() & PERMITTED[set_code])
    status, answer = await demo.post(set_code, CHECK + "?stock=1",
                                     quote(set_code, [(code, "1", None)], warehouse=permitted[0]))
    assert status == 200
    stock = answer.find("Stock")
    assert stock is not None and stock.get("warehouse") == str(permitted[0])
    assert [w.get("nr") for w in lines_of(answer)[0].findall("Warehouse")] == [str(permitted[0])]


@BOTH
async def test_a_warehouse_the_user_may_not_use_is_forbidden_f5(demo: Demo, set_code: str) -> None:
    code = spread_product(demo, set_code)
    status, error = await demo.post(set_code, CHECK + "?stock=1",
                                    quote(set_code, [(code, "1", None)], warehouse=7))
    assert status == 403 and error.get("code") == "FORBIDDEN"


async def test_quantities_in_another_unit_are_converted_to_the_main_unit_f30(demo: Demo) -> None:
    with demo.erps[TIGER].db() as conn:
        code, unit, factor = conn.execute(
            "SELECT I.CODE, U.CODE, A.CONVFACT2 / A.CONVFACT1 FROM LG_001_ITMUNITA A JOIN "
            "LG_001_ITEMS I ON I.LOGICALREF = A.ITEMREF JOIN LG_001_UNITSETL U ON U.LOGICALREF = "
            "A.UNITLINEREF WHERE A.CONVFACT2 > A.CONVFACT1 ORDER BY I.CODE LIMIT 1").fetchone()
    status, answer = await demo.post(TIGER, CHECK + "?stock=1",
                                     quote(TIGER, [(code, "2", unit.replace("İ", "i").lower())]))
    assert status == 200, etree.tostring(answer)
    (line,) = lines_of(answer)
    assert Decimal(line.get("needed") or "") == 2 * Decimal(str(factor))
    status, error = await demo.post(TIGER, CHECK + "?stock=1", quote(TIGER, [(code, "1", "VARIL")]))
    assert status == 400 and "VARIL" in (error.findtext("Message") or "")


@BOTH
async def test_bad_input_is_refused_naming_the_line(demo: Demo, set_code: str) -> None:
    code = spread_product(demo, set_code)
    status, error = await demo.post(set_code, CHECK + "?stock=1",
                                    quote(set_code, [(code, "1", None), ("YOK-BOYLE-BIR-URUN", "1", None)]))
    assert status == 400 and error.get("code") == "VALIDATION"
    assert "line 2" in (error.findtext("Detail") or "")
    status, error = await demo.post(set_code, CHECK + "?stock=1",
                                    quote(set_code, [(code, "-1", None)]))
    assert status == 400 and "line 1" in (error.findtext("Detail") or "")
    status, error = await demo.post(set_code, CHECK, quote(set_code, [(code, "1", None)]))
    assert status == 400 and "stock=1" in (error.findtext("Message") or "")


# -- risk ----------------------------------------------------------------------------------------
@BOTH
async def test_risk_of_an_account_under_near_and_over_its_limit_f32(make_demo: MakeDemo,
                                                                   set_code: str) -> None:
    demo: Demo = await make_demo()
    code = spread_product(demo, set_code)
    status, answer = await demo.post(set_code, CHECK + "?risk=1", quote(set_code, [(code, "1", None)]))
    risk = answer.find("Risk")
    assert status == 200 and risk is not None and risk.get("status") == "ok"
    assert risk.get("source") == ("erp" if set_code == NETSIS else "sql")
    limit, current = Decimal(risk.get("limit") or ""), Decimal(risk.get("current") or "")
    assert Decimal(risk.get("quote") or "") == Decimal("12.00")  # 1 x 10 + 20 % VAT
    assert Decimal(risk.get("remaining") or "") == limit - current - Decimal("12.00")
    # near its limit: a large quote goes over it and warns
    status, answer = await demo.post(set_code, CHECK + "?risk=1",
                                     quote(set_code, [(code, "1", None)], account=NEAR[set_code],
                                           price="100000"))
    risk = answer.find("Risk")
    assert risk is not None and risk.get("status") == "warn" and answer.get("ok") == "false"
    assert Decimal(risk.get("remaining") or "") < 0

    blocking: Demo = await make_demo(settings={"risk_check_action": "block"})
    status, error = await blocking.post(set_code, CHECK + "?risk=1&stock=1",
                                        quote(set_code, [(code, "1", None)], account=OVER[set_code]))
    assert status == 409 and error.get("code") == "RISK_BLOCKED", etree.tostring(error)
    check = error.find("Check")
    assert check is not None and check.find("Risk").get("status") == "block"  # type: ignore[union-attr]
    assert check.find("Stock") is not None


async def test_dbs_limits_count_when_the_set_enables_them_f32(make_demo: MakeDemo) -> None:
    demo: Demo = await make_demo(settings={"risk_dbs": True})
    with demo.erps[TIGER].db() as conn:
        account, limit, used = conn.execute(
            "SELECT CODE, DBSLIMIT1, DBSTOTAL1 FROM LG_001_CLCARD WHERE DBSLIMIT1 > 0 "
            "ORDER BY CODE LIMIT 1").fetchone()
    code = spread_product(demo, TIGER)
    status, answer = await demo.post(TIGER, CHECK + "?risk=1",
                                     quote(TIGER, [(code, "1", None)], account=account))
    risk = answer.find("Risk")
    assert status == 200 and risk is not None, etree.tostring(answer)
    assert Decimal(risk.get("dbsLimit") or "") == Decimal(str(limit)).quantize(Decimal("0.01"))
    assert Decimal(risk.get("dbsTotal") or "") == Decimal(str(used)).quantize(Decimal("0.01"))
    expected = (Decimal(risk.get("limit") or "") - Decimal(risk.get("current") or "")
                - Decimal(risk.get("quote") or "") + Decimal(risk.get("dbsLimit") or "")
                - Decimal(risk.get("dbsTotal") or ""))
    assert Decimal(risk.get("remaining") or "") == expected


async def test_netsis_risk_comes_from_arps_risk_when_the_set_says_so_f32(demo: Demo) -> None:
    counters = demo.erps[NETSIS].counters
    before = counters.calls["ARPs.Risk"]
    code = spread_product(demo, NETSIS)
    status, answer = await demo.post(NETSIS, CHECK + "?risk=1", quote(NETSIS, [(code, "1", None)]))
    assert status == 200 and counters.calls["ARPs.Risk"] == before + 1
    risk = answer.find("Risk")
    assert risk is not None and risk.get("source") == "erp" and Decimal(risk.get("current") or "") > 0


@BOTH
async def test_risk_needs_a_linked_account(demo: Demo, set_code: str) -> None:
    body = quote_xml(set_code, "Q-R9", account_crm="F-R9")
    status, error = await demo.post(set_code, CHECK + "?risk=1", body)
    assert status == 400 and error.get("code") == "VALIDATION"
    assert "link" in (error.findtext("Message") or "")


# -- checks gate the transfer --------------------------------------------------------------------
def _erp_rows(demo: Demo, set_code: str) -> tuple[Any, ...]:
    if set_code == TIGER:
        tables = ("LG_001_01_ORFICHE", "LG_001_01_ORFLINE", "LG_001_CLCARD", "LG_001_ITEMS")
    else:
        tables = ("TBLSIPAMAS", "TBLSIPATRA", "TBLTEKLIFMAS", "TBLCASABIT", "TBLSTSABIT")
    return tuple(demo.erps[set_code].scalar(f"SELECT COUNT(*) FROM {table}") for table in tables)


@BOTH
async def test_a_blocked_risk_refuses_the_transfer_and_writes_nothing_f32(
        make_demo: MakeDemo, set_code: str) -> None:
    demo: Demo = await make_demo(settings={"risk_check_action": "block",
                                           "transfer_checks": ["stock", "risk"]})
    code = spread_product(demo, set_code)
    body = quote(set_code, [(code, "1", None)], account=OVER[set_code], crm_id="Q-RB1")
    before = _erp_rows(demo, set_code)
    status, error = await demo.post(set_code, transfer_path("Q-RB1", "order"), body)
    assert status == 409 and error.get("code") == "RISK_BLOCKED", etree.tostring(error)
    assert error.find("Check/Risk") is not None
    assert _erp_rows(demo, set_code) == before
    assert demo.erps[set_code].counters.calls[ORDER_ROUTES[set_code]] == 0
    assert documents(demo, set_code, "Q-RB1") == 0
    # an account under its limit: the same transfer goes through, with what the checks found
    body = quote(set_code, [(code, "1", None)], crm_id="Q-RB2")
    status, answer = await demo.post(set_code, transfer_path("Q-RB2", "order"), body)
    assert status == 201, etree.tostring(answer)
    assert answer.find("Check/Risk").get("status") == "ok"  # type: ignore[union-attr]
    assert documents(demo, set_code, "Q-RB2") == 1


@BOTH
async def test_a_blocked_stock_refuses_the_transfer_before_any_auto_create_f30(
        make_demo: MakeDemo, set_code: str) -> None:
    demo: Demo = await make_demo(settings={"stock_check_action": "block",
                                           "transfer_checks": ["stock"]})
    code = spread_product(demo, set_code)
    body = quote(set_code, [(code, "999999", None)], new_account="F-SB1", crm_id="Q-SB1")
    before = _erp_rows(demo, set_code)
    status, error = await demo.post(set_code, transfer_path("Q-SB1", "order"), body)
    assert status == 409 and error.get("code") == "STOCK_BLOCKED", etree.tostring(error)
    assert _erp_rows(demo, set_code) == before  # not even the new account was created
    assert error.find("Link") is None


@BOTH
async def test_warnings_travel_with_the_transfer_f30(make_demo: MakeDemo, set_code: str) -> None:
    demo: Demo = await make_demo(settings={"transfer_checks": ["stock", "risk"]})
    code = spread_product(demo, set_code)
    body = quote(set_code, [(code, "999999", None)], crm_id="Q-W1")
    status, answer = await demo.post(set_code, transfer_path("Q-W1", "order"), body)
    assert status == 201, etree.tostring(answer)
    check = answer.find("Check")
    assert check is not None and check.get("ok") == "false"
    assert [line.get("status") for line in lines_of(check)] == ["warn"]


# -- the quote total is what the transfer books -------------------------------------------------
def _priced_quote(set_code: str, crm_id: str, code: str, fields: dict[str, str],
                  header: dict[str, str] | None = None) -> str:
    line = "".join(_field(k, v) for k, v in {"Quantity": "3", "UnitPrice": "99.99",
                                              **fields}.items())
    head = "".join(_field(k, v) for k, v in (header or {}).items())
    return (f'<Quote crmId="{crm_id}" set="{set_code}" revision="1" warehouse="2">'
            f'<Account code="{ACCOUNTS[set_code]}"/>{_field("Date", "2026-11-30")}{head}'
            f'<Lines><Line crmId="{crm_id}-1"><Product code="{code}"/>{line}</Line></Lines></Quote>')


def _document_total(demo: Demo, set_code: str, crm_id: str) -> Decimal:
    """What the ERP booked for the transferred quote, VAT included."""
    if set_code == TIGER:
        total = demo.erps[TIGER].scalar(
            "SELECT NETTOTAL FROM LG_001_01_ORFICHE WHERE DOCODE = ?", crm_id)
    else:
        total = demo.erps[NETSIS].scalar(
            "SELECT M.GENELTOPLAM FROM TBLSIPAMAS M JOIN TBLFATUEK E ON E.FATIRSNO = M.FATIRS_NO "
            "AND E.FKOD = M.FTIRSIP WHERE E.ACIK1 = ?", crm_id)
    return Decimal(str(total)).quantize(Decimal("0.01"))


def _fourth_discount(s: IntegrationSet) -> IntegrationSet:
    if s.code != NETSIS:
        return s
    line = [*s.mappings.line, {"crm": "Discount4", "erp": "STra_SatIsk4"}]
    return IntegrationSet.model_validate(
        {**dict(s), "mappings": s.mappings.model_validate({**dict(s.mappings), "line": line})})


# (set, what the line carries): a line without a VAT rate gets the product's VAT from the ERP
# (20 % for the demo product), a Netsis set that maps a fourth discount sends it too
TOTALS = [
    (TIGER, {}, None), (NETSIS, {}, None),
    (TIGER, {"VatRate": "20", "Discount": "10", "Discount2": "7", "Discount3": "3",
             "VatIncluded": "1"}, None),
    (TIGER, {"Discount": "10", "VatIncluded": "1"}, None),
    (NETSIS, {"VatRate": "20"}, {"VatIncluded": "1"}),
    (NETSIS, {"VatRate": "20", "Discount4": "10"}, None),
    (NETSIS, {"VatRate": "20", "Discount": "10", "Discount2": "7", "Discount3": "3",
              "Discount4": "2"}, None),
]


@pytest.mark.parametrize(("set_code", "fields", "header"), TOTALS)
async def test_the_risk_checks_quote_total_is_what_the_transfer_books_f32(
        make_demo: MakeDemo, set_code: str, fields: dict[str, str],
        header: dict[str, str] | None) -> None:
    """The quote's total in the risk check is the total of the order the transfer writes: a line
    without a VAT rate was counted without VAT (the ERP takes the product's: 299.97 counted,
    359.96 booked), and a Netsis set's mapped STra_SatIsk4..6 were left out."""
    demo: Demo = await make_demo(modify=_fourth_discount)
    code = spread_product(demo, set_code)
    body = _priced_quote(set_code, "Q-T1", code, fields, header)
    status, answer = await demo.post(set_code, CHECK + "?risk=1", body)
    assert status == 200, etree.tostring(answer)
    risk = answer.find("Risk")
    assert risk is not None and risk.find("Uncounted") is None
    status, transferred = await demo.post(set_code, transfer_path("Q-T1", "order"), body)
    assert status == 201, etree.tostring(transferred)
    assert Decimal(risk.get("quote") or "") == _document_total(demo, set_code, "Q-T1")


@BOTH
async def test_a_new_products_line_without_a_vat_rate_is_reported_not_counted_silently_f32(
        demo: Demo, set_code: str) -> None:
    """A product the transfer would create has no VAT rate in the ERP yet: a line of it without
    one is listed as uncounted VAT, beside a priced line without a price listed as uncounted."""
    code = spread_product(demo, set_code)
    body = (f'<Quote crmId="Q-NV" set="{set_code}" revision="1" warehouse="2">'
            f'<Account code="{ACCOUNTS[set_code]}"/><Lines>'
            f'<Line><Product crmId="P-NEW">{_field("Name", "YENİ ÜRÜN")}</Product>'
            f'{_field("Quantity", "2")}{_field("UnitPrice", "50")}</Line>'
            f'<Line><Product code="{code}"/>{_field("Quantity", "1")}</Line>'
            f'<Line><Product code="{code}"/>{_field("Quantity", "1")}{_field("UnitPrice", "10")}'
            f'</Line></Lines></Quote>')
    status, answer = await demo.post(set_code, CHECK + "?risk=1", body)
    assert status == 200, etree.tostring(answer)
    risk = answer.find("Risk")
    assert risk is not None
    assert [(u.get("line"), u.get("vat")) for u in risk.findall("Uncounted")] == [
        ("2", None), ("1", "true")]
    assert Decimal(risk.get("quote") or "") == Decimal("112.00")  # 2 x 50, and 10 + 20 % VAT
