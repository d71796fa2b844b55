"""Reverse mapping (F10, F17): Logo XML as ReadDataObject returns it, Netsis JSON, and database rows
(columns as in the demo schema) back into CRM records, honouring direction and converters."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from integrator.errors import MappingFailed
from integrator.model import CrmRecord
from integrator.translators import LogoDocument, NetsisDocument, read_document, read_row, translate
from simulators.demodb.schema import statements
from tests.fixtures.mapping import GOLDEN, context, record

READ_ACCOUNT = """<?xml version="1.0" encoding="ISO-8859-9"?>
<AR_APS>
  <AR_AP DBOP="INS">
    <INTERNAL_REFERENCE>4711</INTERNAL_REFERENCE>
    <ACCOUNT_TYPE>3</ACCOUNT_TYPE>
    <CODE>120.01.İST-001</CODE>
    <TITLE>ŞİŞLİ GIDA SANAYİ A.Ş.</TITLE>
    <AUXIL_CODE2>GDA</AUXIL_CODE2>
    <AUXIL_CODE4>İÇ ANADOLU</AUXIL_CODE4>
    <AUXIL_CODE5>Öncelikli müşteri</AUXIL_CODE5>
    <CITY>İstanbul</CITY>
    <TELEPHONE1>+90 212 000 00 00</TELEPHONE1>
    <E_MAIL/>
    <NOTES><NOTE><INTERNAL_REFERENCE>0</INTERNAL_REFERENCE></NOTE></NOTES>
    <CREDIT_TYPE>0</CREDIT_TYPE>
    <ACCEPT_EINV>1</ACCEPT_EINV>
    <DISCOUNT_RATE>2.50</DISCOUNT_RATE>
    <PERSCOMPANY>0</PERSCOMPANY>
    <DEFNFLDSLIST/>
  </AR_AP>
</AR_APS>
"""


def test_logo_xml_account_read_back_f10() -> None:
    crm = read_document("account", READ_ACCOUNT.encode("iso-8859-9"), context("tiger"))
    assert (crm.kind, crm.ref, crm.code) == ("Account", "4711", "120.01.İST-001")
    assert crm.fields["Title"] == "ŞİŞLİ GIDA SANAYİ A.Ş."
    assert crm.fields["City"] == "İstanbul"
    assert crm.fields["Email"] == ""                       # empty in the ERP: sent empty
    assert "Web" not in crm.fields                         # not in the ERP record: not sent
    assert crm.fields["Sector_Custom"] == "Gıda"           # value table, reversed
    assert crm.fields["Region_Custom"] == "İÇ ANADOLU"     # upper_tr/truncate: not reversible
    assert crm.fields["ErpNote_Custom"] == "Öncelikli müşteri"  # erp_to_crm only
    assert crm.fields["EInvoice_Custom"] == "true"          # bool, reversed
    assert crm.fields["Discount_Custom"] == "2.5"
    assert crm.fields["AccountType"] == "3"
    assert crm.fields["Phone"] == crm.fields["Mobile"] == "+90 212 000 00 00"


def test_logo_xml_text_with_declaration_is_read_too_f10() -> None:
    crm = read_document("account", READ_ACCOUNT, context("go"))
    assert crm.fields["Title"] == "ŞİŞLİ GIDA SANAYİ A.Ş."


def test_crm_to_erp_mappings_are_not_read_back_f8() -> None:
    exported = (GOLDEN / "tiger" / "product-update.current.xml").read_bytes()
    crm = read_document("product", exported, context("tiger"))
    assert crm.fields["VatRate"] == "10"                  # from SELVAT (both); VAT etc. are one-way
    assert crm.fields["Unit"] == "ADET"                    # UNITS/UNIT
    assert crm.fields["Barcode"] == "8690000000017"        # UNITS/UNIT/BARCODE_LIST/BARCODE
    assert crm.fields["UnitSet"] == "05"
    assert crm.fields["Category_Custom"] == "Süt Ürünleri"
    assert crm.fields["Origin_Custom"] == "Kars"
    assert (crm.ref, crm.code) == ("912", "MLZ-ÇİĞ-001")


def test_if_target_empty_reads_only_into_empty_crm_fields_f8() -> None:
    current = CrmRecord("Account", crm_id="F-1024", fields={"Contact": "Ayşe", "Phone": ""})
    exported = READ_ACCOUNT.replace("<E_MAIL/>", "<E_MAIL/><CONTACT>Mehmet</CONTACT>")
    crm = read_document("account", exported, context("tiger"), current=current)
    assert "Contact" not in crm.fields                     # the CRM has one: kept
    assert crm.fields["Phone"] == "+90 212 000 00 00"      # the CRM's is empty: filled
    assert crm.crm_id == "F-1024"


def test_an_unknown_erp_code_in_a_value_table_is_an_error_f8() -> None:
    with pytest.raises(MappingFailed) as caught:
        read_document("account", READ_ACCOUNT.replace(">GDA<", ">XYZ<"), context("tiger"))
    detail = caught.value.details[0]
    assert (detail.source, detail.path) == ("erp", "AR_AP/AUXIL_CODE2")


def _round_trip(erp: str, entity: str, case: str) -> tuple[CrmRecord, CrmRecord]:
    folder = GOLDEN / ("netsis" if erp == "netsis" else "tiger")
    original = record((folder / f"{case}.in.xml").read_bytes(), entity)
    ctx = context(erp)
    document = translate(entity, original, ctx)  # type: ignore[arg-type]
    if isinstance(document, LogoDocument):
        back = read_document(entity, document.encoded(), ctx)  # type: ignore[arg-type]
    else:
        assert isinstance(document, NetsisDocument)
        back = read_document(entity, json.loads(document.to_json()), ctx)  # type: ignore[arg-type]
    return original, back


def test_logo_order_round_trip_f8() -> None:
    _original, back = _round_trip("tiger", "order", "order-lines")
    assert back.crm_id == "Q-77"
    assert back.account is not None
    assert back.account.code == "120.01.İST-001"
    assert back.warehouse == 1
    assert back.fields["Date"] == "2026-11-23"
    assert back.fields["Time"] == "14:30:05"
    assert back.fields["PaymentTerm_Custom"] == "30 gün"
    assert len(back.lines) == 3                            # the discount line is folded back
    first = back.lines[0]
    assert first.product is not None
    assert first.product.code == "MLZ-ÇİĞ-001"
    assert (first.fields["Quantity"], first.fields["UnitPrice"], first.fields["Discount"]) == (
        "5", "120.5", "7.5")
    assert first.fields["DeliveryDate"] == "2026-11-30"
    assert back.lines[1].fields["Quantity"] == "0.125"
    assert back.lines[2].fields["LineType"] == "4"


def test_netsis_order_round_trip_f8() -> None:
    _original, back = _round_trip("netsis", "order", "order-lines")
    assert back.crm_id == "Q-77"
    assert back.account is not None
    assert back.account.code == "120-01-İST1"
    assert back.fields["Date"] == "2026-11-23"
    assert back.fields["Sector_Custom"] == "Gıda"
    assert back.lines[0].fields["Unit"] == "KOLİ"          # Olcubr 2 through the value table
    assert back.lines[0].fields["Discount"] == "7.5"
    assert back.lines[1].fields["Quantity"] == "0.125"


ROUND_TRIPS = {
    # what the CRM gets back after its golden record went to the ERP (canonical forms: trimmed,
    # "." decimals, booleans as true/false through the bool converter, value tables reversed)
    ("tiger", "account-full"): {
        "Code": "120.01.İST-001", "Title": "ŞİŞLİ GIDA SANAYİ VE TİCARET A.Ş.",
        "TaxOffice": "Şişli", "Address1": "Büyükdere Cad. No:1 Kat:3 & 4 <Blok A>",
        "City": "İstanbul", "Email": "", "Contact": "Ömer Çağlar Güneş",
        "SpecialCode": "ığüşöç", "Sector_Custom": "Gıda", "Segment_Custom": "Büyük",
        "EInvoice_Custom": "true", "Discount_Custom": "2.5", "Phone": "+90 532 000 00 00",
    },
    ("netsis", "account-full"): {
        "Code": "120-01-İST1", "Title": "ŞİŞLİ GIDA SANAYİ VE TİCARET A.Ş.",
        "IdentityNumber": "10000000146", "Email": "satış@şişligıda.com.tr", "Web": "",
        "DiscountRate": "2.5", "PaymentDays": "30", "Sector_Custom": "Gıda",
        "Score_Custom": "1234.5", "Phone": "+90 532 000 00 00",
    },
    ("tiger", "product-full"): {
        "Code": "MLZ-ÇİĞ-001", "Name": "Çiğ Süt (Günlük) 1 L", "Unit": "ADET",
        "Barcode": "8690000000017", "VatRate": "10", "UnitSet": "05",
        "Category_Custom": "Süt Ürünleri", "ProducerCode": "",
    },
    ("netsis", "product-full"): {
        "Code": "MLZ-ÇİĞ-001", "Name": "Çiğ Süt (Günlük) 1 L", "Unit": "AD", "VatRate": "10",
        "SalesPrice": "24.9", "Category_Custom": "Süt Ürünleri", "EnglishName": "Raw milk",
        "GroupCode": "",
    },
}


@pytest.mark.parametrize(("erp", "case"), list(ROUND_TRIPS), ids=[f"{e}-{c}" for e, c in ROUND_TRIPS])
def test_card_round_trip_f8(erp: str, case: str) -> None:
    entity = case.split("-")[0]
    _, back = _round_trip(erp, entity, case)
    expected = ROUND_TRIPS[(erp, case)]
    assert {name: back.fields.get(name) for name in expected} == expected


def test_netsis_json_is_read_case_insensitively_f10() -> None:
    data = {"cariTemelBilgi": {"cari_kod": "120-01-İST1", "CARI_ISIM": "Gülşen Işık",
                               "cari_il": "Iğdır", "ISKONTO_ORANI": 2.5, "RAPOR_KODU2": "SGL",
                               "RAPOR_KODU5": "VIP", "VADE_GUNU": 30},
            "CariEkBilgi": {"TcKimlikNo": "10000000146", "Kull1N": 1234.5}}
    crm = read_document("account", data, context("netsis"))
    assert (crm.ref, crm.code) == ("120-01-İST1", "120-01-İST1")
    assert crm.fields["Title"] == "Gülşen Işık"
    assert crm.fields["City"] == "Iğdır"
    assert crm.fields["DiscountRate"] == "2.5"
    assert crm.fields["PaymentDays"] == "30"
    assert crm.fields["IdentityNumber"] == "10000000146"
    assert crm.fields["Score_Custom"] == "1234.5"
    assert crm.fields["Sector_Custom"] == "Sağlık"
    assert crm.fields["ErpNote_Custom"] == "VIP"


def test_netsis_item_slip_is_read_with_its_lines_f28() -> None:
    data = {"FaturaTip": 7, "FatUst": {"FATIRS_NO": "W00000000000124", "CariKod": "120-01-İST1",
                                       "Tarih": "2026-11-23T00:00:00", "EKACK1": "Q-77",
                                       "GENELTOPLAM": 720.0, "KDV": 60.0},
            "Kalems": [{"StokKodu": "MLZ-1", "STra_GCMIK": 5.0, "STra_BF": 120.0, "Olcubr": 1}]}
    crm = read_document("order", data, context("netsis"))
    assert (crm.crm_id, crm.code) == ("Q-77", "W00000000000124")
    assert crm.fields["Date"] == "2026-11-23"
    assert crm.fields["TotalNet"] == "720"
    assert crm.lines[0].product is not None
    assert crm.lines[0].product.code == "MLZ-1"
    assert crm.lines[0].fields["Quantity"] == "5"
    assert crm.lines[0].fields["Unit"] == "ADET"


# -- SQL rows, from the demo schema on a real SQLite database ---------------------------------------
@pytest.fixture
def tiger_db() -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(":memory:")
    for statement in statements("tiger"):
        connection.execute(statement)
    connection.row_factory = sqlite3.Row
    yield connection
    connection.close()


@pytest.fixture
def netsis_db() -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(":memory:")
    for statement in statements("netsis"):
        connection.execute(statement)
    connection.row_factory = sqlite3.Row
    yield connection
    connection.close()


def _row(cursor: sqlite3.Cursor) -> dict[str, Any]:
    found = cursor.fetchone()
    assert found is not None
    return dict(found)


def test_tiger_account_row_f10(tiger_db: sqlite3.Connection) -> None:
    tiger_db.execute(
        "INSERT INTO LG_001_CLCARD (LOGICALREF, CODE, DEFINITION_, SPECODE2, CITY, TAXNR, TAXOFFICE,"
        " EMAILADDR, DISCRATE, ACCEPTEINV, CARDTYPE) VALUES (7, '120.01.İST-001', 'ŞİŞLİ GIDA A.Ş.',"
        " 'TKS', 'İstanbul', '1234567890', 'Şişli', '', 2.5, 1, 1)")
    tiger_db.execute("INSERT INTO LG_001_PAYPLANS (LOGICALREF, CODE) VALUES (3, 'P030')")
    row = _row(tiger_db.execute(
        "SELECT C.*, P.CODE AS PAYMENT_CODE FROM LG_001_CLCARD C "
        "LEFT JOIN LG_001_PAYPLANS P ON P.LOGICALREF = 3 WHERE C.LOGICALREF = 7"))
    crm = read_row("account", row, context("tiger"))
    assert (crm.ref, crm.code) == ("7", "120.01.İST-001")
    assert crm.fields["Title"] == "ŞİŞLİ GIDA A.Ş."
    assert crm.fields["TaxNumber"] == "1234567890"
    assert crm.fields["City"] == "İstanbul"
    assert crm.fields["Email"] == ""
    assert crm.fields["Sector_Custom"] == "Tekstil"
    assert crm.fields["Discount_Custom"] == "2.5"
    assert crm.fields["EInvoice_Custom"] == "true"
    assert crm.fields["PaymentCode"] == "P030"              # a joined column under the field's name
    assert crm.fields["Phone"] == ""                        # TELNRS1 DEFAULT ''


def test_column_names_in_lower_case_are_matched_f10() -> None:
    row = {"logicalref": 5, "code": "X1", "definition_": "Ürün", "sellvat": Decimal("20.00"),
           "unitset_code": "05"}
    crm = read_row("product", row, context("tiger"))
    assert (crm.ref, crm.code) == ("5", "X1")
    assert crm.fields["VatRate"] == "20"
    assert crm.fields["UnitSet"] == "05"


def test_tiger_order_rows_with_lines_f28(tiger_db: sqlite3.Connection) -> None:
    tiger_db.execute("INSERT INTO LG_001_CLCARD (LOGICALREF, CODE) VALUES (7, '120.01.001')")
    tiger_db.execute("INSERT INTO LG_001_ITEMS (LOGICALREF, CODE, NAME) VALUES (9, 'MLZ-Ç1', 'Çay')")
    tiger_db.execute(
        "INSERT INTO LG_001_01_ORFICHE (LOGICALREF, TRCODE, FICHENO, DATE_, TIME_, DOCODE, "
        "CLIENTREF, SOURCEINDEX, NETTOTAL, GENEXP1) VALUES (31, 1, 'SS000123', '2026-11-23 00:00:00',"
        " 202116096, 'Q-77', 7, 2, 118.8, 'Kapıda teslim')")
    tiger_db.execute(
        "INSERT INTO LG_001_01_ORFLINE (LOGICALREF, ORDFICHEREF, STOCKREF, AMOUNT, PRICE, VAT, "
        "DISCPER, DUEDATE, LINEEXP) VALUES (41, 31, 9, 5, 24, 10, 0, '2026-11-30 00:00:00', 'ş')")
    header = _row(tiger_db.execute(
        "SELECT O.*, C.CODE AS ARP_CODE FROM LG_001_01_ORFICHE O "
        "JOIN LG_001_CLCARD C ON C.LOGICALREF = O.CLIENTREF WHERE O.LOGICALREF = 31"))
    lines = [dict(r) for r in tiger_db.execute(
        "SELECT L.*, I.CODE AS MASTER_CODE FROM LG_001_01_ORFLINE L "
        "JOIN LG_001_ITEMS I ON I.LOGICALREF = L.STOCKREF WHERE L.ORDFICHEREF = 31")]
    crm = read_row("order", header, context("tiger"), lines=lines)
    assert (crm.crm_id, crm.ref, crm.code) == ("Q-77", "31", "SS000123")
    assert crm.account is not None
    assert crm.account.code == "120.01.001"
    assert crm.warehouse == 2
    assert crm.fields["Date"] == "2026-11-23"
    assert crm.fields["Time"] == "12:12:12"
    assert crm.fields["TotalNet"] == "118.8"
    assert crm.lines[0].product is not None
    assert crm.lines[0].product.code == "MLZ-Ç1"
    assert crm.lines[0].fields["Quantity"] == "5"
    assert crm.lines[0].fields["DeliveryDate"] == "2026-11-30"


def test_netsis_account_row_with_its_extension_f10(netsis_db: sqlite3.Connection) -> None:
    netsis_db.execute(
        "INSERT INTO TBLCASABIT (CARI_KOD, CARI_ISIM, CARI_IL, RAPOR_KODU2, ISKONTO_ORANI, VADE_GUNU)"
        " VALUES ('120-01-İST1', 'Gülşen Işık', 'Iğdır', 'GDA', 2.5, 30)")
    netsis_db.execute("INSERT INTO TBLCASABITEK (CARI_KOD, TCKIMLIKNO, KULL1S, KULL1N) "
                      "VALUES ('120-01-İST1', '10000000146', 'İÇ ANADOLU', 1234.5)")
    row = _row(netsis_db.execute(
        "SELECT C.*, E.TCKIMLIKNO, E.KULL1S, E.KULL1N FROM TBLCASABIT C "
        "LEFT JOIN TBLCASABITEK E ON E.CARI_KOD = C.CARI_KOD"))
    crm = read_row("account", row, context("netsis"))
    assert (crm.ref, crm.code) == ("120-01-İST1", "120-01-İST1")
    assert crm.fields["Title"] == "Gülşen Işık"
    assert crm.fields["City"] == "Iğdır"
    assert crm.fields["Sector_Custom"] == "Gıda"
    assert crm.fields["IdentityNumber"] == "10000000146"
    assert crm.fields["Score_Custom"] == "1234.5"
    assert crm.fields["DiscountRate"] == "2.5"


def test_netsis_order_rows_with_the_quote_id_f28(netsis_db: sqlite3.Connection) -> None:
    netsis_db.execute(
        "INSERT INTO TBLSIPAMAS (FTIRSIP, FATIRS_NO, CARI_KODU, TARIH, ACIKLAMA, GENELTOPLAM) VALUES "
        "('6', 'W00000000000124', '120-01-İST1', '2026-11-23 00:00:00', 'Şoför arasın', 720)")
    netsis_db.execute("INSERT INTO TBLFATUEK (FKOD, FATIRSNO, CKOD, ACIK1, ACIK2, ACIK4) VALUES "
                      "('6', 'W00000000000124', '120-01-İST1', 'Q-77', 'r1-0123456789', 'SİP-1')")
    netsis_db.execute("INSERT INTO TBLSIPATRA (INCKEYNO, FISNO, SIRA, STOK_KODU, STHAR_GCMIK, "
                      "STHAR_BF, STHAR_KDV) VALUES (1, 'W00000000000124', 1, 'MLZ-1', 5, 120, 10)")
    header = _row(netsis_db.execute(
        "SELECT M.*, E.ACIK1, E.ACIK2, E.ACIK4 FROM TBLSIPAMAS M JOIN TBLFATUEK E ON E.FATIRSNO = M.FATIRS_NO"
        " AND E.FKOD = M.FTIRSIP AND E.CKOD = M.CARI_KODU"))
    lines = [dict(r) for r in netsis_db.execute("SELECT * FROM TBLSIPATRA")]
    crm = read_row("order", header, context("netsis"), lines=lines)
    assert (crm.crm_id, crm.code) == ("Q-77", "W00000000000124")
    assert crm.account is not None
    assert crm.account.code == "120-01-İST1"
    assert crm.fields["Notes"] == "Şoför arasın"
    assert crm.fields["CustomerOrderNo_Custom"] == "SİP-1"
    assert crm.fields["TotalNet"] == "720"
    assert crm.lines[0].product is not None
    assert crm.lines[0].product.code == "MLZ-1"
    assert crm.lines[0].fields["Quantity"] == "5"
    assert crm.lines[0].fields["VatRate"] == "10"
