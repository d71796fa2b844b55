"""The LogoObjectService simulator's orders and dispatches as real clients send them: dates, VAT
included prices, salesmen and warehouses, DOC_NUMBER, and deletes that Logo refuses."""

from __future__ import annotations

import pytest

from tests.fixtures.sim import Logo, order_xml, slip_xml

MLZ1 = {"TYPE": "0", "MASTER_CODE": "MLZ-001", "UNIT_CODE": "ADET", "VAT_RATE": "20"}
MLZ2 = {"TYPE": "0", "MASTER_CODE": "MLZ-002", "UNIT_CODE": "ADET", "VAT_RATE": "10"}


@pytest.mark.parametrize("text", ["05.01.2026", "5.1.2026", "5/1/2026", "05/01/2026",
                                  "05-01-2026", "5-1-2026"])
async def test_dates_as_real_clients_send_them_f23(logo: Logo, text: str) -> None:
    ref = await logo.append_ok(3, order_xml(DATE=text))
    assert logo.one("SELECT DATE_ FROM LG_001_01_ORFICHE WHERE LOGICALREF = ?", ref) == \
        "2026-01-05 00:00:00"
    assert (await logo.read(3, ref)).findtext("DATE") == "05.01.2026"


@pytest.mark.parametrize("text", ["2026-01-05", "31.02.2026", "5/13/2026", "05.01.26"])
async def test_other_dates_are_refused_f23(logo: Logo, text: str) -> None:
    answer = await logo.append(3, order_xml(DATE=text))
    assert answer["status"] == "4"
    assert "tarih" in answer["errorString"]


async def test_vat_included_prices_give_right_totals_f23_f33(logo: Logo) -> None:
    # line 1: 3 x 120 with 20 % VAT included, 10 % discount; line 2: 2 x 95 plus 10 % VAT
    document = order_xml([{**MLZ1, "QUANTITY": "3", "PRICE": "120", "VAT_INCLUDED": "1"},
                          {"TYPE": "2", "DISCOUNT_RATE": "10"},
                          {**MLZ2, "QUANTITY": "2", "PRICE": "95", "VAT_INCLUDED": "0"}])
    computed = await logo.calculated(document)
    # 360 incl. - 36 = 324 paid: VAT 324*20/120 = 54, net 270; VAT-free gross 300, discount 30
    assert [computed.findtext(t) for t in ("TOTAL_GROSS", "TOTAL_DISCOUNTS", "TOTAL_VAT",
                                           "TOTAL_NET")] == ["490", "30", "73", "533"]
    first = computed.findall("TRANSACTIONS/TRANSACTION")[0]
    assert [first.findtext(t) for t in ("VAT_INCLUDED", "TOTAL", "VAT_AMOUNT", "TOTAL_NET")] == \
        ["1", "360", "54", "270"]
    ref = await logo.append_ok(3, document)
    header = logo.rows("SELECT GROSSTOTAL, TOTALDISCOUNTS, TOTALVAT, NETTOTAL FROM "
                       "LG_001_01_ORFICHE WHERE LOGICALREF = ?", ref)[0]
    assert tuple(header) == (490, 30, 73, 533)
    lines = logo.rows("SELECT VATINC, TOTAL, VATAMNT, LINENET FROM LG_001_01_ORFLINE WHERE "
                      "ORDFICHEREF = ? ORDER BY LINENO_", ref)
    assert [tuple(r) for r in lines] == [(1, 360, 54, 270), (0, 36, 0, 0), (0, 190, 19, 190)]


async def test_vat_included_rounding_is_per_line_and_exact_f33(logo: Logo) -> None:
    # 3 x 10 with 18 % included: VAT money(30*18/118) = 4.58, net 25.42; the customer pays 30
    computed = await logo.calculated(order_xml(
        [{**MLZ1, "QUANTITY": "3", "PRICE": "10", "VAT_RATE": "18", "VAT_INCLUDED": "1"}]))
    assert [computed.findtext(t) for t in ("TOTAL_GROSS", "TOTAL_DISCOUNTS", "TOTAL_VAT",
                                           "TOTAL_NET")] == ["25.42", "0", "4.58", "30"]


async def test_order_carries_salesman_and_warehouses_f23(logo: Logo) -> None:
    ref = await logo.append_ok(3, order_xml(
        [{**MLZ1, "QUANTITY": "4", "PRICE": "100", "SOURCE_WH": "2"},
         {**MLZ2, "QUANTITY": "2", "PRICE": "95"}], SALESMAN_CODE="S02", DOC_NUMBER="Q-3000"))
    assert logo.one("SELECT SALESMANREF FROM LG_001_01_ORFICHE WHERE LOGICALREF = ?", ref) == 2
    assert [r[0] for r in logo.rows("SELECT SOURCEINDEX FROM LG_001_01_ORFLINE WHERE "
                                    "ORDFICHEREF = ? ORDER BY LINENO_", ref)] == [2, 1]
    assert logo.stock(2, 2, "ACTSORDER") == 4  # the line's own warehouse
    exported = await logo.read(3, ref)
    assert (exported.findtext("SALESMAN_CODE"), exported.findtext("SOURCE_WH")) == ("S02", "1")
    assert [t.findtext("SOURCE_WH") for t in exported.findall("TRANSACTIONS/TRANSACTION")] == \
        ["2", "1"]


async def test_dispatch_salesmancode_and_line_sourceindex_f23(logo: Logo) -> None:
    document = slip_xml("dispatch", {
        "TYPE": "8", "NUMBER": "~", "DATE": "23.11.2026", "ARP_CODE": "120.01.001",
        "SOURCE_WH": "1", "SALESMANCODE": "S02", "DOC_NUMBER": "Q-3001"}, [
        {**MLZ1, "QUANTITY": "4", "PRICE": "100", "SOURCEINDEX": "2", "SALEMANCODE": "S01"},
        {**MLZ1, "QUANTITY": "1", "PRICE": "100"}])
    ref = await logo.append_ok(17, document)
    assert logo.one("SELECT SALESMANREF FROM LG_001_01_STFICHE WHERE LOGICALREF = ?", ref) == 2
    lines = logo.rows("SELECT SOURCEINDEX, SALESMANREF FROM LG_001_01_STLINE WHERE "
                      "STFICHEREF = ? ORDER BY STFICHELNNO", ref)
    assert [tuple(r) for r in lines] == [(2, 1), (1, 0)]
    # stock leaves each line's own warehouse
    assert (logo.stock(2, 2, "ONHAND"), logo.stock(2, 1, "ONHAND"), logo.stock(2, -1, "ONHAND")) \
        == (36, 499, 535)
    assert (logo.stock(2, 2, "SHIPPED"), logo.stock(2, -1, "SHIPPED")) == (4, 5)
    exported = await logo.read(17, ref)
    assert (exported.findtext("SALESMANCODE"), exported.findtext("DOC_NUMBER")) == \
        ("S02", "Q-3001")
    assert exported.find("SALESMAN_CODE") is None
    assert [(t.findtext("SOURCEINDEX"), t.findtext("SALEMANCODE"))
            for t in exported.findall("TRANSACTIONS/TRANSACTION")] == [("2", "S01"), ("1", None)]


async def test_dispatch_ignores_the_order_salesman_tag_and_takes_header_sourceindex_f23(
        logo: Logo) -> None:
    document = slip_xml("dispatch", {
        "TYPE": "7", "NUMBER": "~", "DATE": "23.11.2026", "ARP_CODE": "120.01.001",
        "SOURCEINDEX": "2", "SALESMAN_CODE": "S02"}, [{**MLZ1, "QUANTITY": "1", "PRICE": "100"}])
    ref = await logo.append_ok(17, document)
    header = logo.rows("SELECT TRCODE, SOURCEINDEX, SALESMANREF FROM LG_001_01_STFICHE WHERE "
                       "LOGICALREF = ?", ref)[0]
    assert tuple(header) == (7, 2, 0)  # retail; SALESMAN_CODE is an order tag
    assert logo.one("SELECT SOURCEINDEX FROM LG_001_01_STLINE WHERE STFICHEREF = ?", ref) == 2


async def test_doc_number_is_kept_and_numbers_follow_f25_f29(logo: Logo) -> None:
    first = await logo.append_ok(3, order_xml(DOC_NUMBER="Q-77"))
    second = await logo.append_ok(3, order_xml(DOC_NUMBER="Q-78"))
    numbers = logo.rows("SELECT FICHENO, DOCODE FROM LG_001_01_ORFICHE ORDER BY LOGICALREF")
    assert [tuple(r) for r in numbers] == [("00000001", "Q-77"), ("00000002", "Q-78")]
    assert (await logo.read(3, second)).findtext("DOC_NUMBER") == "Q-78"
    assert (await logo.read(3, first)).findtext("NUMBER") == "00000001"


async def test_unshipped_order_is_deleted_with_its_reservations_f26(logo: Logo) -> None:
    ref = await logo.append_ok(3, order_xml([
        {**MLZ1, "QUANTITY": "5", "PRICE": "100", "ORDER_RESERVE": "1"},
        {**MLZ2, "QUANTITY": "2", "PRICE": "95"}]))
    assert (logo.stock(2, 1, "ACTSORDER"), logo.stock(2, 1, "RESERVED")) == (5, 5)
    assert (logo.stock(2, -1, "ACTSORDER"), logo.stock(2, -1, "RESERVED")) == (5, 5)
    assert (logo.stock(3, 1, "ACTSORDER"), logo.stock(3, 1, "RESERVED")) == (2, 0)
    # the order's net + VAT counts in the account's order risk: 600 + 209
    assert logo.one("SELECT ORDRISKTOTAL FROM LG_001_01_CLRNUMS WHERE CLCARDREF = 2") == 809
    assert (await logo.read(3, ref)).findtext("TRANSACTIONS/TRANSACTION/ORDER_RESERVE") == "1"
    answer = await logo.delete(3, ref)
    assert answer["status"] == "3", answer["errorString"]
    assert logo.rows("SELECT 1 FROM LG_001_01_ORFLINE WHERE ORDFICHEREF = ?", ref) == []
    assert logo.rows("SELECT 1 FROM LG_001_01_ORFICHE WHERE LOGICALREF = ?", ref) == []
    assert [logo.stock(2, w, c) for w in (1, -1) for c in ("ACTSORDER", "RESERVED")] == [0] * 4
    assert logo.stock(3, 1, "ACTSORDER") == 0
    assert logo.one("SELECT ORDRISKTOTAL FROM LG_001_01_CLRNUMS WHERE CLCARDREF = 2") == 0
    # daily totals follow too
    assert logo.one("SELECT SUM(ACTSORDER) FROM LG_001_01_STINVTOT WHERE STOCKREF = 2") == 0


async def test_shipped_order_cannot_be_deleted_f26(logo: Logo) -> None:
    ref = await logo.append_ok(3, order_xml([{**MLZ1, "QUANTITY": "5", "PRICE": "100"}]))
    line = logo.one("SELECT LOGICALREF FROM LG_001_01_ORFLINE WHERE ORDFICHEREF = ?", ref)
    dispatch = await logo.append_ok(17, slip_xml("dispatch", {
        "TYPE": "8", "NUMBER": "~", "DATE": "24.11.2026", "ARP_CODE": "120.01.001",
        "SOURCE_WH": "1"}, [{**MLZ1, "QUANTITY": "2", "PRICE": "100",
                             "ORDER_REFERENCE": str(line)}]))
    assert logo.one("SELECT ORDFICHEREF FROM LG_001_01_STLINE WHERE STFICHEREF = ?", dispatch) == ref
    answer = await logo.delete(3, ref)
    assert answer["status"] == "4"
    assert "sevk edilmiş" in answer["errorString"]
    assert "has dispatched lines" in answer["errorString"]
    assert logo.one("SELECT COUNT(*) FROM LG_001_01_ORFLINE WHERE ORDFICHEREF = ?", ref) == 1
    changed = await logo.append(3, order_xml([{**MLZ1, "QUANTITY": "9", "PRICE": "100"}]),
                                reference=ref)
    assert changed["status"] == "4"
    assert "changed" in changed["errorString"]
    # once the dispatch is gone the order is unshipped again, and can go
    assert (await logo.delete(17, dispatch))["status"] == "3"
    assert logo.one("SELECT SHIPPEDAMOUNT FROM LG_001_01_ORFLINE WHERE LOGICALREF = ?", line) == 0
    assert (await logo.delete(3, ref))["status"] == "3"


async def test_invoiced_dispatch_cannot_be_deleted_f26(logo: Logo) -> None:
    ref = await logo.append_ok(17, slip_xml("dispatch", {
        "TYPE": "8", "NUMBER": "~", "DATE": "24.11.2026", "ARP_CODE": "120.01.001",
        "SOURCE_WH": "1"}, [{**MLZ1, "QUANTITY": "2", "PRICE": "100"}]))
    from simulators import db

    conn = db.connect(logo.db_path)
    try:
        conn.execute("UPDATE LG_001_01_STFICHE SET BILLED = 1 WHERE LOGICALREF = ?", (ref,))
    finally:
        conn.close()
    answer = await logo.delete(17, ref)
    assert answer["status"] == "4"
    assert "faturalanmış" in answer["errorString"]
    assert "invoiced" in answer["errorString"]
    assert logo.stock(2, 1, "ONHAND") == 498  # nothing was undone
