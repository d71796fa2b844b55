"""The test hook that ships part of an order the way the ERP does (``POST /_sim/ship`` on both
simulators, and the same as a Python function over a database path)."""

from __future__ import annotations

import copy

from simulators.logo.shipping import ship as ship_tiger
from simulators.netsis.shipping import ship as ship_netsis
from tests.fixtures.sim import NETSIS_ORDER, Logo, Netsis, order_xml

MLZ1 = {"TYPE": "0", "MASTER_CODE": "MLZ-001", "UNIT_CODE": "ADET", "VAT_RATE": "20"}
MLZ2 = {"TYPE": "0", "MASTER_CODE": "MLZ-002", "UNIT_CODE": "ADET", "VAT_RATE": "10"}


async def _tiger_order(logo: Logo) -> int:
    # 12 x MLZ-001 reserved, 10 % discount; 2 x MLZ-002; warehouse 1
    return await logo.append_ok(3, order_xml([
        {**MLZ1, "QUANTITY": "12", "PRICE": "100", "ORDER_RESERVE": "1"},
        {"TYPE": "2", "DISCOUNT_RATE": "10"}, {**MLZ2, "QUANTITY": "2", "PRICE": "50"}],
        DOC_NUMBER="Q-5001", SALESMAN_CODE="S02"))


async def test_ship_part_of_a_tiger_order_f28(logo: Logo) -> None:
    order = await _tiger_order(logo)
    line = logo.one("SELECT LOGICALREF FROM LG_001_01_ORFLINE WHERE ORDFICHEREF = ? AND "
                    "LINENO_ = 1", order)
    risk_before = logo.one("SELECT ORDRISKTOTAL FROM LG_001_01_CLRNUMS WHERE CLCARDREF = 2")
    assert risk_before == 1406  # 1080 + 216 VAT, 100 + 10 VAT
    answer = await logo.ship({"order_ref": order, "lines": [{"line": 1, "quantity": "5"}],
                              "date": "2026-11-25"})
    assert answer["dispatch_number"] == "00000001"
    assert answer["order_number"] == "00000001"
    assert answer["lines"] == [{"line": 1, "line_ref": line, "item": "MLZ-001", "shipped": "5",
                                "shipped_total": "5", "remaining": "7", "closed": False}]
    dispatch = answer["dispatch_ref"]
    header = logo.rows("SELECT TRCODE, DATE_, CLIENTREF, SOURCEINDEX, SALESMANREF, NETTOTAL FROM "
                       "LG_001_01_STFICHE WHERE LOGICALREF = ?", dispatch)[0]
    assert tuple(header) == (8, "2026-11-25 00:00:00", 2, 1, 2, 540)  # 500 - 10 % + 20 % VAT
    lines = logo.rows("SELECT LINETYPE, AMOUNT, ORDTRANSREF, ORDFICHEREF, SOURCEINDEX, DISCPER "
                      "FROM LG_001_01_STLINE WHERE STFICHEREF = ? ORDER BY STFICHELNNO", dispatch)
    assert [tuple(r) for r in lines] == [(0, 5, line, order, 1, 0), (2, 0, 0, 0, 1, 10)]
    assert tuple(logo.rows("SELECT SHIPPEDAMOUNT, CLOSED FROM LG_001_01_ORFLINE WHERE "
                           "LOGICALREF = ?", line)[0]) == (5, 0)
    for warehouse in (1, -1):
        assert [logo.stock(2, warehouse, c) for c in ("ONHAND", "SHIPPED", "ACTSORDER",
                                                       "RESERVED")] == \
            [495 if warehouse == 1 else 535, 5, 7, 7]
    # order risk keeps the open share (7/12 of 1296, + 110); the dispatch counts as dispatch risk
    risk = logo.rows("SELECT ORDRISKTOTAL, DESPRISKTOTAL FROM LG_001_01_CLRNUMS WHERE "
                     "CLCARDREF = 2")[0]
    assert tuple(risk) == (866, 540)
    exported = await logo.read(3, order)
    assert exported.findtext("TRANSACTIONS/TRANSACTION/SHIPPED_AMOUNT") == "5"

    rest = await logo.ship({"order_number": "00000001"})  # all that is left
    assert [(r["line"], r["shipped"], r["remaining"], r["closed"]) for r in rest["lines"]] == \
        [(1, "7", "0", True), (3, "2", "0", True)]
    assert [logo.stock(2, 1, c) for c in ("ACTSORDER", "RESERVED")] == [0, 0]
    assert logo.one("SELECT ORDRISKTOTAL FROM LG_001_01_CLRNUMS WHERE CLCARDREF = 2") == 0
    nothing = await logo.ship({"order_ref": order}, status=409)
    assert "kalmadı" in nothing["error"]


async def test_tiger_ship_refusals_f28(logo: Logo) -> None:
    order = await _tiger_order(logo)
    too_much = await logo.ship({"order_ref": order, "lines": [{"line": 3, "quantity": 3}]},
                               status=409)
    assert "left" in too_much["error"]
    assert (await logo.ship({"order_ref": 999}, status=404))["error"]
    assert (await logo.ship({"order_ref": order, "lines": [{"line": 2}]}, status=404))["error"]
    assert (await logo.ship({"order_ref": order, "type": 5}, status=409))["error"]
    response = await logo.client.post("/_sim/ship", data=b"[1]")
    assert response.status == 400
    assert logo.one("SELECT COUNT(*) FROM LG_001_01_STFICHE") == 0


async def test_ship_tiger_by_database_path_f28(logo: Logo) -> None:
    order = await _tiger_order(logo)
    line = logo.one("SELECT LOGICALREF FROM LG_001_01_ORFLINE WHERE ORDFICHEREF = ? AND "
                    "LINENO_ = 3", order)
    answer = ship_tiger(logo.db_path, order_ref=order, lines=[{"line_ref": line, "quantity": "1"}])
    assert answer["lines"][0]["remaining"] == "1"
    exported = await logo.read(3, order)  # the simulator sees what the function booked
    assert [t.findtext("SHIPPED_AMOUNT") for t in exported.findall("TRANSACTIONS/TRANSACTION")] \
        == ["0", "0", "1"]
    refused = await logo.delete(3, order)
    assert refused["status"] == "4"


async def _netsis_order(netsis: Netsis) -> str:
    number: str = (await netsis.ok("POST", "ItemSlips", copy.deepcopy(NETSIS_ORDER)))[
        "FatUst"]["FATIRS_NO"]
    return number


def _stock(netsis: Netsis) -> tuple[float, ...]:
    return tuple(netsis.rows("SELECT TOP_CIKIS_MIK, MUS_TOP_SIPARIS, MUS_TOP_TESLIM FROM "
                             "TBLSTOKPH WHERE DEPO_KODU = 1 AND STOK_KODU = 'STK001'")[0])


async def test_ship_part_of_a_netsis_order_f28(netsis: Netsis) -> None:
    number = await _netsis_order(netsis)
    risk = {"CariKodu": "120-01-001", "RiskTipi": "crtSiparis"}
    assert await netsis.ok("POST", "ARPs/Risk", risk) == "1944,20"
    answer = await netsis.ship({"number": number, "account": "120-01-001",
                                "lines": [{"line": 1, "quantity": "5"}], "date": "2026-11-25"})
    assert answer["dispatch_number"] == "I00000000000001"
    key = netsis.one("SELECT INCKEYNO FROM TBLSIPATRA WHERE FISNO = ? AND SIRA = 1", number)
    assert answer["lines"] == [{"line": 1, "key": key, "item": "STK001", "shipped": "5",
                                "delivered_total": "5", "remaining": "7"}]
    dispatch = netsis.rows("SELECT STOK_KODU, STHAR_GCMIK, STHAR_SIPNUM, STHAR_SIPKONT, DEPO_KODU, "
                           "STHAR_TARIH FROM TBLSTHAR WHERE FISNO = 'I00000000000001'")
    assert [tuple(r) for r in dispatch] == [("STK001", 5, number, key, 1, "2026-11-25 00:00:00")]
    assert netsis.one("SELECT FTIRSIP FROM TBLFATUIRS WHERE FATIRS_NO = 'I00000000000001'") == "3"
    assert _stock(netsis) == (5, 12, 5)
    read = await netsis.ok("GET", f"ItemSlips/ftSSip;{number};120-01-001")
    assert [k["FIRMA_DOVTUT"] for k in read["Kalems"]] == [5, 0]
    assert await netsis.ok("POST", "ARPs/Risk", risk) == "1221,20"  # 7 x 120.5 x 1.2 + 209
    assert await netsis.ok("POST", "ARPs/Risk", {**risk, "RiskTipi": 11}) == "723,00"
    rest = await netsis.ship({"number": number, "account": "120-01-001"})
    assert [(r["line"], r["shipped"], r["remaining"]) for r in rest["lines"]] == \
        [(1, "7", "0"), (2, "2", "0")]
    assert _stock(netsis) == (12, 12, 12)


async def test_netsis_ship_refusals_f28(netsis: Netsis) -> None:
    number = await _netsis_order(netsis)
    refused = await netsis.ship({"number": number, "account": "120-01-001",
                                 "lines": [{"line": 2, "quantity": 3}]}, status=409)
    assert "left" in refused["error"]
    await netsis.ship({"number": number, "account": "120-01-002"}, status=404)
    await netsis.ship({"number": number, "account": "120-01-001", "lines": [{"line": 9}]},
                      status=404)
    assert netsis.one("SELECT COUNT(*) FROM TBLFATUIRS") == 0


async def test_ship_netsis_by_database_path_f28(netsis: Netsis) -> None:
    number = await _netsis_order(netsis)
    answer = ship_netsis(netsis.db_path, number=number, account="120-01-001", series="SEV",
                         lines=[{"line": 2}])
    assert answer["dispatch_number"] == "SEV000000000001"
    assert answer["lines"][0]["delivered_total"] == "2"
    read = await netsis.ok("GET", f"ItemSlips/7;{number};120-01-001")
    assert [k["FIRMA_DOVTUT"] for k in read["Kalems"]] == [0, 2]
