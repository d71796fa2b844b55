"""The generated demo databases carry what stock, risk and price checks need, consistent with
what the simulators compute: Tiger risk rows (CLRNUMS) and DBS limits, order reservations and
stock totals, campaigns; Netsis risk (TBLCARISK vs ARPs/Risk), reserved stock (STOK_DAGITIM),
price-system prices and conditions. Deterministic, versioned, and readable by older databases."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from simulators import db
from simulators.demodb import generate
from tests.fixtures.sim import Logo, Netsis, one, order_xml, params_xml, rows

RISK = {"120.02.0001": "under", "120.03.0002": "near", "120.04.0003": "over"}
NETSIS_RISK = {"120-00001": "under", "120-00002": "near", "120-00003": "over"}
# MobileSales' risk formula (research/quotes.md §1): sum of column x RISKTYPESn, customer cheques
# subtracted
LIMIT = ("ACCRISKLIMIT*RISKTYPES1 + MYCSRISKLIMIT*RISKTYPES2 - CSTCSRISKLIMIT*RISKTYPES3 "
         "- CSTCSCIRORISKLIMIT*RISKTYPES7 + DESPRISKLIMIT*RISKTYPES4 + DESPRISKLIMITSUG*RISKTYPES8 "
         "+ ORDRISKLIMIT*RISKTYPES5 + ORDRISKLIMITSUGG*RISKTYPES6")
TOTAL = LIMIT.replace("LIMIT", "TOTAL")


def _position(total: float, limit: float) -> str:
    if total > limit:
        return "over"
    return "near" if total > limit * 0.95 else "under" if total < limit * 0.5 else "between"


def test_generator_is_versioned_and_deterministic(demo_files: Path) -> None:
    assert generate.GENERATOR_VERSION == "6"
    for kind in generate.KINDS:
        assert generate.stored_version(demo_files / f"{kind}.db") == "6"
    first, second = generate.build("tiger", 0.05), generate.build("tiger", 0.05)
    for table in ("LG_001_01_CLRNUMS", "LG_001_CLCARD", "LG_001_01_GNTOTST", "LG_001_01_ORFLINE"):
        assert first[table] == second[table]
    first, second = generate.build("netsis", 0.05), generate.build("netsis", 0.05)
    for table in ("TBLCARISK", "TBLSTOKPH", "TBLSTOKFIAT", "TBLKOSULMAS", "TBLCASABIT"):
        assert first[table] == second[table]


def test_tiger_demo_risk_rows_under_near_over_f32(demo_files: Path) -> None:
    path = demo_files / "tiger.db"
    found = rows(path, f"SELECT C.CODE, {LIMIT} AS LIM, {TOTAL} AS TOT, R.RISKLIMIT, R.RISKTOTAL, "
                       "R.RISKBALANCED FROM LG_001_01_CLRNUMS R JOIN LG_001_CLCARD C ON "
                       "C.LOGICALREF = R.CLCARDREF")
    positions = {r["CODE"]: _position(r["TOT"], r["LIM"]) for r in found}
    assert {code: positions[code] for code in RISK} == RISK
    assert [code for code, p in positions.items() if p in ("near", "over")] == \
        ["120.03.0002", "120.04.0003"]
    for r in found:  # the older single-column figures agree
        assert (r["RISKLIMIT"], r["RISKTOTAL"], r["RISKBALANCED"]) == \
            (pytest.approx(r["LIM"]), pytest.approx(r["TOT"]), 0)
    # the account part is the balance of the account's (not cancelled) transactions
    balance = one(path, "SELECT SUM(CASE SIGN WHEN 0 THEN AMOUNT ELSE -AMOUNT END) FROM "
                        "LG_001_01_CLFLINE WHERE CLIENTREF = 2 AND CANCELLED = 0")
    assert one(path, "SELECT ACCRISKTOTAL FROM LG_001_01_CLRNUMS WHERE CLCARDREF = 2") == \
        pytest.approx(balance)


def test_tiger_demo_dbs_and_discount_rates_f32(demo_files: Path) -> None:
    path = demo_files / "tiger.db"
    dbs = rows(path, "SELECT CODE, DBSLIMIT1, DBSTOTAL1, DBSRISKCNTRL1, DBSLIMIT7, DBSTOTAL7, "
                     "DBSRISKCNTRL7 FROM LG_001_CLCARD WHERE DBSLIMIT1 > 0")
    assert dbs
    assert all(r["DBSRISKCNTRL1"] == 1 and r["DBSLIMIT7"] == 0 for r in dbs)
    assert any(r["DBSTOTAL1"] > r["DBSLIMIT1"] for r in dbs)  # one over its DBS limit
    assert any(r["DBSTOTAL1"] < r["DBSLIMIT1"] for r in dbs)
    assert one(path, "SELECT COUNT(*) FROM LG_001_CLCARD WHERE DISCRATE > 0") > 0


def test_tiger_demo_stock_totals_agree_with_orders_and_moves_f30(demo_files: Path) -> None:
    path = demo_files / "tiger.db"
    expected: dict[tuple[int, int], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for line in rows(path, "SELECT STOCKREF, SOURCEINDEX, AMOUNT, SHIPPEDAMOUNT, CLOSED, "
                           "RESERVEAMOUNT FROM LG_001_01_ORFLINE"):
        still = 0.0 if line["CLOSED"] else max(0.0, line["AMOUNT"] - line["SHIPPEDAMOUNT"])
        for warehouse in (line["SOURCEINDEX"], -1):
            expected[(line["STOCKREF"], warehouse)][0] += still
            expected[(line["STOCKREF"], warehouse)][1] += min(still, line["RESERVEAMOUNT"])
    for line in rows(path, "SELECT STOCKREF, SOURCEINDEX, AMOUNT FROM LG_001_01_STLINE WHERE "
                           "TRCODE = 8"):
        for warehouse in (line["SOURCEINDEX"], -1):
            expected[(line["STOCKREF"], warehouse)][2] += line["AMOUNT"]
    totals = {(r[0], r[1]): [r[2], r[3], r[4]] for r in rows(
        path, "SELECT STOCKREF, INVENNO, ACTSORDER, RESERVED, SHIPPED FROM LG_001_01_GNTOTST")}
    assert {k: v for k, v in totals.items() if any(v)} == \
        {k: pytest.approx(v) for k, v in expected.items() if any(v)}
    daily = {(r[0], r[1]): [r[2], r[3], r[4], r[5]] for r in rows(
        path, "SELECT STOCKREF, INVENNO, SUM(ONHAND), SUM(ACTSORDER), SUM(RESERVED), SUM(SHIPPED) "
              "FROM LG_001_01_STINVTOT GROUP BY STOCKREF, INVENNO")}
    cumulative = {(r[0], r[1]): [r[2], r[3], r[4], r[5]] for r in rows(
        path, "SELECT STOCKREF, INVENNO, ONHAND, ACTSORDER, RESERVED, SHIPPED FROM "
              "LG_001_01_GNTOTST")}
    assert daily == {k: pytest.approx(v) for k, v in cumulative.items()}
    assert one(path, "SELECT COUNT(*) FROM LG_001_01_GNTOTST WHERE RESERVED > 0") > 0
    # remaining = AMOUNT - (SHIPPEDAMOUNT + ONVEHICLE + DISTRESERVED); some lines are on a vehicle
    assert one(path, "SELECT COUNT(*) FROM LG_001_01_ORFLINE WHERE ONVEHICLE > 0 AND "
                     "AMOUNT - (SHIPPEDAMOUNT + ONVEHICLE + DISTRESERVED) > 0") > 0
    assert one(path, "SELECT COUNT(*) FROM LG_001_01_STFICHE WHERE TRCODE = 8 AND BILLED = 0") == 0


async def test_demo_campaign_gives_a_visible_discount_f35(logo_demo: Logo) -> None:
    document = order_xml([{"TYPE": "0", "MASTER_CODE": "GDA.00001", "QUANTITY": "10",
                           "PRICE": "40"}], ARP_CODE="120.02.0001", SOURCE_WH="1")
    record = await logo_demo.calculated(document, params_xml(ApplyCampaign="1"))
    lines = record.findall("TRANSACTIONS/TRANSACTION")
    assert lines[0].findtext("CAMPAIGN_INFOS/CAMPAIGN_INFO/CAMPCODE1") == "KIS2026"
    assert (lines[1].findtext("DISCOUNT_RATE"), record.findtext("TOTAL_DISCOUNTS")) == ("10", "40")


async def test_shipping_a_demo_order_keeps_its_books_f28(logo_demo: Logo) -> None:
    order = logo_demo.rows(
        "SELECT H.LOGICALREF, H.CLIENTREF FROM LG_001_01_ORFICHE H JOIN LG_001_01_ORFLINE L ON "
        "L.ORDFICHEREF = H.LOGICALREF WHERE L.SHIPPEDAMOUNT = 0 AND L.ONVEHICLE = 0 AND "
        "L.RESERVEAMOUNT > 0 ORDER BY H.LOGICALREF LIMIT 1")[0]
    line = logo_demo.rows("SELECT * FROM LG_001_01_ORFLINE WHERE ORDFICHEREF = ? AND "
                          "SHIPPEDAMOUNT = 0 AND ONVEHICLE = 0 ORDER BY LINENO_ LIMIT 1",
                          order["LOGICALREF"])[0]
    before = [logo_demo.stock(line["STOCKREF"], line["SOURCEINDEX"], c)
              for c in ("ONHAND", "ACTSORDER", "RESERVED")]
    risk = logo_demo.one("SELECT ORDRISKTOTAL FROM LG_001_01_CLRNUMS WHERE CLCARDREF = ?",
                         order["CLIENTREF"])
    await logo_demo.ship({"order_ref": order["LOGICALREF"], "lines": [{"line": line["LINENO_"]}]})
    quantity = line["AMOUNT"]
    assert [logo_demo.stock(line["STOCKREF"], line["SOURCEINDEX"], c)
            for c in ("ONHAND", "ACTSORDER", "RESERVED")] == \
        [before[0] - quantity, before[1] - quantity, before[2] - quantity]
    value = Decimal(str(line["LINENET"])) + Decimal(str(line["VATAMNT"]))
    assert logo_demo.one("SELECT ORDRISKTOTAL FROM LG_001_01_CLRNUMS WHERE CLCARDREF = ?",
                         order["CLIENTREF"]) == pytest.approx(risk - float(value))


async def test_netsis_demo_risk_matches_arps_risk_f32(netsis_demo: Netsis) -> None:
    positions = {}
    for row in netsis_demo.rows("SELECT CARIKOD, RISKLIMITI FROM TBLCARISK"):
        figure = await netsis_demo.ok("POST", "ARPs/Risk", {"CariKodu": row["CARIKOD"]})
        positions[row["CARIKOD"]] = _position(float(figure.replace(",", ".")), row["RISKLIMITI"])
    assert {code: positions[code] for code in NETSIS_RISK} == NETSIS_RISK
    assert [code for code, p in positions.items() if p in ("near", "over")] == \
        ["120-00002", "120-00003"]
    assert netsis_demo.one("SELECT RISK_SINIRI FROM TBLCASABIT WHERE CARI_KOD = '120-00002'") == \
        netsis_demo.one("SELECT RISKLIMITI FROM TBLCARISK WHERE CARIKOD = '120-00002'")
    behaviour = netsis_demo.rows("SELECT SIPRISKDAVRAN FROM TBLCARISK WHERE CARIKOD IN "
                                 "('120-00002', '120-00003') ORDER BY CARIKOD")
    assert [r[0] for r in behaviour] == [1, 2]  # warn, stop


def test_netsis_demo_reserved_stock_prices_and_conditions_f30_f33(demo_files: Path) -> None:
    path = demo_files / "netsis.db"
    reserved = rows(path, "SELECT STOK_KODU, DEPO_KODU, TOP_GIRIS_MIK - TOP_CIKIS_MIK AS HELD, "
                          "STOK_DAGITIM FROM TBLSTOKPH WHERE STOK_DAGITIM > 0")
    assert reserved
    per_product: dict[str, float] = defaultdict(float)
    for r in reserved:
        if r["DEPO_KODU"]:
            assert r["STOK_DAGITIM"] <= r["HELD"] / 10
            per_product[r["STOK_KODU"]] += r["STOK_DAGITIM"]
    for code, total in per_product.items():
        assert one(path, "SELECT STOK_DAGITIM FROM TBLSTOKPH WHERE DEPO_KODU = 0 AND "
                         "STOK_KODU = ?", code) == total
    groups = {r[0] for r in rows(path, "SELECT DISTINCT FIYATGRUBU FROM TBLSTOKFIAT")}
    assert groups == {"", "BAYI"}
    assert one(path, "SELECT COUNT(*) FROM TBLSTOKFIAT WHERE BASTAR >= '2026-12-01'") > 0
    assert {r[0] for r in rows(path, "SELECT KOSUL_KOD FROM TBLKOSULMAS")} == {"K05", "YIL10",
                                                                                "ESKI"}
    assert one(path, "SELECT COUNT(*) FROM TBLCASABIT WHERE KOSULKODU <> ''") > 0
    assert one(path, "SELECT COUNT(*) FROM TBLCASABIT WHERE FIYATGRUBU = 'BAYI'") > 0
    assert one(path, "SELECT COUNT(*) FROM TBLSIPATRA WHERE STHAR_HTUR <> 'H'") == 0
    assert one(path, "SELECT COUNT(*) FROM TBLSTHAR WHERE STHAR_FTIRSIP = '3' AND "
                     "FIRMA_DOVTUT <> STHAR_GCMIK") == 0  # the demo's dispatches are invoiced


async def test_netsis_demo_price_system_changes_the_price_f33(netsis_demo: Netsis) -> None:
    card = netsis_demo.one("SELECT SATIS_FIAT1 FROM TBLSTSABIT WHERE STOK_KODU = 'GDA00001'")
    body = {"FaturaTip": 7, "FatUst": {"CariKod": "120-00004", "Tarih": "2026-11-23"},
            "Kalems": [{"StokKodu": "GDA00001", "STra_GCMIK": 1, "DEPO_KODU": 1}],
            "StokKartinaGoreHesapla": True}
    prices = []
    for flags in ({}, {"FiyatSistemineGoreHesapla": True}):
        data = await netsis_demo.ok("POST", "ItemSlips/Calculate", {**body, **flags})
        prices.append(data["Kalems"][0]["STra_BF"])
    body["FatUst"]["FIYATTARIHI"] = "2026-12-10"
    data = await netsis_demo.ok("POST", "ItemSlips/Calculate",
                                {**body, "FiyatSistemineGoreHesapla": True})
    prices.append(data["Kalems"][0]["STra_BF"])
    assert prices == [card, round(card * 0.95, 2), round(card * 0.90, 2)]


def test_an_older_database_gains_the_new_tables_and_columns(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE LG_001_01_ORFLINE (LOGICALREF INTEGER PRIMARY KEY, ORDFICHEREF "
                 "INTEGER NOT NULL, AMOUNT DECIMAL(18,4) DEFAULT 0, CLOSED SMALLINT DEFAULT 0)")
    conn.execute("INSERT INTO LG_001_01_ORFLINE (LOGICALREF, ORDFICHEREF, AMOUNT) VALUES (1, 1, 3)")
    conn.commit()
    db.ensure_additions(conn, "tiger")
    columns = {r[1] for r in conn.execute("PRAGMA table_info(LG_001_01_ORFLINE)")}
    assert {"SHIPPEDAMOUNT", "ONVEHICLE", "DISTRESERVED", "RESERVEAMOUNT", "VATINC"} <= columns
    assert conn.execute("SELECT ONVEHICLE, CLOSED FROM LG_001_01_ORFLINE").fetchone() == (0, 0)
    assert conn.execute("SELECT COUNT(*) FROM LG_001_01_CLRNUMS").fetchone() == (0,)
    conn.close()
