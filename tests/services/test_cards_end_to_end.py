"""End to end on both demo sets through the simulators (F9, F10, F12, F16, F17, F19, N7, N8):
create -> search finds it -> read back equals the CRM values -> update -> read back, and on
Tiger/Go an ERP-only field survives the update."""

from __future__ import annotations

import contextlib
import sqlite3

import pytest
from structlog.testing import capture_logs

from integrator.config import IntegrationSet
from tests.fixtures.demo import NETSIS, TIGER, Demo, MakeDemo, account_xml, fields_of

pytestmark = pytest.mark.odbc

ACCOUNT = {
    TIGER: {"Code": "120.99.0001", "Title": "ÇİĞDEM ŞİŞLİ GIDA İTHALAT A.Ş.", "TaxOffice": "Şişli",
            "TaxNumber": "1234567890", "City": "İSTANBUL", "Town": "Şişli",
            "Address1": "Büyükdere Cad. No:1 Ğ", "Phone": "0212 555 44 33",
            "Email": "bilgi@cigdem.com.tr", "SpecialCode": "BAYİ"},
    NETSIS: {"Code": "120-99-0001", "Title": "ÇİĞDEM ŞİŞLİ GIDA İTHALAT A.Ş.", "TaxOffice": "Şişli",
             "TaxNumber": "1234567890", "City": "İstanbul", "Town": "Şişli",
             "Address1": "Büyükdere Cad. No:1 Ğ", "Phone": "0212 555 44 33",
             "Email": "bilgi@cigdem.com.tr", "SpecialCode": "BAYİ"},
}
PRODUCT = {
    TIGER: {"Code": "MLZ-ÇAY-0001", "Name": "ÇAYKUR RİZE TURIST ÇAYI 1 KG", "Unit": "ADET",
            "VatRate": "10", "SpecialCode": "ÇAY", "Barcode": "8690000000017"},
    NETSIS: {"Code": "MLZ-ÇAY-0001", "Name": "ÇAYKUR RİZE TURIST ÇAYI 1 KG", "Unit": "AD",
             "VatRate": "10", "SpecialCode": "ÇAY", "Barcode": "8690000000017"},
}


def subset(read: dict[str, str], sent: dict[str, str]) -> dict[str, str]:
    return {name: read.get(name, "<missing>") for name in sent}


@pytest.mark.parametrize("set_code", [TIGER, NETSIS])
async def test_account_create_search_read_update_f9_f10_f12(demo: Demo, set_code: str) -> None:
    sent = ACCOUNT[set_code]
    erp = demo.erps[set_code]
    with capture_logs() as captured:
        status, link = await demo.post(set_code, "/v1/accounts", account_xml("F-1001", sent))
    assert status == 201, link.findtext("Message")
    assert link.tag == "Link" and link.get("created") == "true"
    assert link.get("code") == sent["Code"]
    ref = str(link.get("ref"))

    # the one log line of the transfer names the record, never its values
    [line] = [e for e in captured if e["event"] == "record_transfer"]
    assert line["crm_id"] == "F-1001" and line["outcome"] == "created" and line["set"] == set_code
    assert "ŞİŞLİ" not in repr(captured) and "1234567890" not in repr(captured)

    # search (F12) finds it by a Turkish word of its title, with the same link
    status, rows = await demo.get(set_code, "/v1/accounts/search", {"q": "çiğdem şişli"})
    assert status == 200
    assert [(r.get("ref"), r.get("code")) for r in rows] == [(ref, sent["Code"])]

    # read back through the gateway (F10): the CRM values, Turkish letters included
    status, record = await demo.get(set_code, f"/v1/accounts/{ref}")
    assert status == 200
    assert (record.tag, record.get("ref"), record.get("code")) == ("Account", ref, sent["Code"])
    assert subset(fields_of(record), sent) == sent

    # an ERP-only field (no CRM mapping) set in the ERP itself
    if set_code == TIGER:
        erp.execute("UPDATE LG_001_CLCARD SET SPECODE2 = ?, TELNRS2 = ? WHERE LOGICALREF = ?",
                    "ÖZEL-2", "0216 111 22 33", int(ref))

    # update the title through the link
    changed = {"Title": "ÇİĞDEM ŞİŞLİ GIDA İTHALAT VE İHRACAT A.Ş.", "City": "İZMİR"}
    status, link2 = await demo.post(set_code, "/v1/accounts",
                                    account_xml("F-1001", changed, ref=ref, code=sent["Code"]))
    assert status == 200, link2.findtext("Message")
    assert (link2.get("ref"), link2.get("code"), link2.get("created")) == (ref, sent["Code"], "false")

    status, record = await demo.get(set_code, f"/v1/accounts/{ref}")
    read = fields_of(record)
    assert subset(read, changed) == changed
    unchanged = {k: v for k, v in sent.items() if k not in changed}
    assert subset(read, unchanged) == unchanged  # fields the update did not send stay
    if set_code == TIGER:
        assert erp.scalar("SELECT SPECODE2 FROM LG_001_CLCARD WHERE LOGICALREF = ?", int(ref)) \
            == "ÖZEL-2"
        assert erp.scalar("SELECT TELNRS2 FROM LG_001_CLCARD WHERE LOGICALREF = ?", int(ref)) \
            == "0216 111 22 33"
        assert erp.counters.calls["ReadDataObject"] >= 1  # the update started from the export
    assert demo.records_metric(set_code, "account", "crm_to_erp", "created") == 1
    assert demo.records_metric(set_code, "account", "crm_to_erp", "updated") == 1
    assert demo.records_metric(set_code, "account", "erp_to_crm", "ok") == 2


@pytest.mark.parametrize("set_code", [TIGER, NETSIS])
async def test_product_create_search_read_update_f16_f17_f19(demo: Demo, set_code: str) -> None:
    sent = PRODUCT[set_code]
    erp = demo.erps[set_code]
    status, link = await demo.post(set_code, "/v1/products",
                                   account_xml("P-2001", sent, root="Product"))
    assert status == 201, link.findtext("Message")
    ref = str(link.get("ref"))
    assert link.get("code") == sent["Code"]

    status, rows = await demo.get(set_code, "/v1/products/search", {"q": "çaykur rize"})
    assert [(r.get("ref"), r.get("code")) for r in rows] == [(ref, sent["Code"])]

    status, record = await demo.get(set_code, f"/v1/products/{ref}")
    assert status == 200
    assert (record.tag, record.get("code")) == ("Product", sent["Code"])
    assert subset(fields_of(record), sent) == sent
    if set_code == TIGER:  # the unit set defaults to the main unit's code, which the demo has
        assert fields_of(record)["UnitSet"] == "ADET"
        assert erp.scalar("SELECT COUNT(*) FROM LG_001_ITMUNITA WHERE ITEMREF = ?", int(ref)) == 1
        erp.execute("UPDATE LG_001_ITEMS SET SPECODE3 = ?, PRODUCERCODE = ? WHERE LOGICALREF = ?",
                    "ÜRT", "ÜRETİCİ-9", int(ref))

    changed = {"Name": "ÇAYKUR RİZE TURİST ÇAYI 1000 GR"}
    status, link2 = await demo.post(set_code, "/v1/products",
                                    account_xml("P-2001", changed, ref=ref, root="Product"))
    assert status == 200, link2.findtext("Message")
    assert link2.get("created") == "false" and link2.get("code") == sent["Code"]
    status, record = await demo.get(set_code, f"/v1/products/{ref}")
    read = fields_of(record)
    assert read["Name"] == changed["Name"]
    assert read["Unit"] == sent["Unit"] and read["VatRate"] == sent["VatRate"]
    if set_code == TIGER:
        assert erp.scalar("SELECT SPECODE3 || '|' || PRODUCERCODE FROM LG_001_ITEMS "
                          "WHERE LOGICALREF = ?", int(ref)) == "ÜRT|ÜRETİCİ-9"
        assert erp.scalar("SELECT COUNT(*) FROM LG_001_ITMUNITA WHERE ITEMREF = ?", int(ref)) == 1


async def test_tiger_product_unit_sets_of_the_demo(demo: Demo) -> None:
    """Each demo unit set is named after its main unit, so a product naming only its Unit finds
    its set; an explicit UnitSet picks another set (KOLI: ADET/PAKET/KOLİ)."""
    for crm_id, fields in (
        ("P-KG", {"Code": "MLZ-KG-01", "Name": "ŞEKER TOZ", "Unit": "KG"}),
        ("P-LT", {"Code": "MLZ-LT-01", "Name": "SIVI SABUN", "Unit": "LT"}),
        ("P-KOLI", {"Code": "MLZ-KL-01", "Name": "PEÇETE", "Unit": "PAKET", "UnitSet": "KOLI"}),
    ):
        status, link = await demo.post(TIGER, "/v1/products",
                                       account_xml(crm_id, fields, root="Product"))
        assert status == 201, (crm_id, link.findtext("Message"), link.findtext("Detail"))
        status, record = await demo.get(TIGER, f"/v1/products/{link.get('ref')}")
        assert fields_of(record)["Unit"] == fields["Unit"]
    # a unit with no unit set of that name: the ERP's refusal names it
    status, error = await demo.post(TIGER, "/v1/products", account_xml(
        "P-X", {"Code": "MLZ-X-01", "Name": "X", "Unit": "PAKET"}, root="Product"))
    assert status == 422 and error.get("code") == "ERP_REJECTED"
    assert "PAKET" in (error.findtext("Detail") or "")


async def test_turkish_text_end_to_end_with_compressed_data_xml_n7(make_demo: MakeDemo) -> None:
    """A Tiger set with ``logo.compress``: dataXML travels as gzip of UTF-8 text both ways (the
    simulator reads it the way real clients compress, research/quotes.md §1)."""

    def compressed(s: IntegrationSet) -> IntegrationSet:
        if s.logo is None:
            return s
        return s.model_copy(update={"logo": s.logo.model_copy(update={"compress": True})})

    demo: Demo = await make_demo(modify=compressed)
    sent = ACCOUNT[TIGER]
    status, link = await demo.post(TIGER, "/v1/accounts", account_xml("F-7001", sent))
    assert status == 201, link.findtext("Message")
    ref = str(link.get("ref"))
    erp = demo.erps[TIGER]
    assert erp.scalar("SELECT DEFINITION_ FROM LG_001_CLCARD WHERE LOGICALREF = ?",
                      int(ref)) == sent["Title"]
    assert erp.scalar("SELECT SPECODE FROM LG_001_CLCARD WHERE LOGICALREF = ?", int(ref)) == "BAYİ"
    changed = {"Title": "ĞÜŞİÖÇ ığüşiöç GIDA A.Ş."}
    status, link = await demo.post(TIGER, "/v1/accounts",
                                   account_xml("F-7001", changed, ref=ref, code=sent["Code"]))
    assert status == 200, link.findtext("Message")
    status, record = await demo.get(TIGER, f"/v1/accounts/{ref}")
    assert status == 200
    assert fields_of(record)["Title"] == changed["Title"]
    assert erp.scalar("SELECT DEFINITION_ FROM LG_001_CLCARD WHERE LOGICALREF = ?",
                      int(ref)) == changed["Title"]


def netsis_row(demo: Demo, table: str, key: str, code: str) -> dict[str, object]:
    with contextlib.closing(demo.erps[NETSIS].db()) as conn:
        conn.row_factory = sqlite3.Row
        row = conn.execute(f"SELECT * FROM {table} WHERE {key} = ?", (code,)).fetchone()
    return dict(row)


@pytest.mark.parametrize(("path", "root", "fields", "tables", "key", "column"), [
    ("/v1/accounts", "Account", ACCOUNT[NETSIS], ("TBLCASABIT", "TBLCASABITEK"), "CARI_KOD",
     "CARI_ISIM"),
    ("/v1/products", "Product", PRODUCT[NETSIS], ("TBLSTSABIT", "TBLSTSABITEK"), "STOK_KODU",
     "STOK_ADI"),
])
async def test_a_netsis_update_of_one_property_changes_nothing_else_f9_f16(
        demo: Demo, path: str, root: str, fields: dict[str, str], tables: tuple[str, str],
        key: str, column: str) -> None:
    """NetOpenX replaces the whole card on PUT (the simulator does, as a model-binding server);
    the update GETs the record, changes the mapped property and PUTs it whole."""
    status, link = await demo.post(NETSIS, path, account_xml(f"X-{root}", fields, root=root))
    assert status == 201, link.findtext("Message")
    code = str(link.get("code"))
    erp = demo.erps[NETSIS]
    # properties only the ERP knows (no mapping), in both tables of the card
    for table in tables:
        text_columns = [name for name, kind in ((r[1], r[2]) for r in erp.db().execute(
            f"PRAGMA table_info({table})")) if "CHAR" in kind.upper() and name != key][:6]
        assignments = ", ".join(f"{name} = COALESCE(NULLIF({name}, ''), 'ERP-{i}')"
                                for i, name in enumerate(text_columns))
        erp.execute(f"UPDATE {table} SET {assignments} WHERE {key} = ?", code)
    before = [netsis_row(demo, table, key, code) for table in tables]
    puts = erp.counters.calls[f"{'ARPs' if root == 'Account' else 'Items'}.put"]
    new_name = "ĞÜŞİÖÇ YENİ AD"
    status, link = await demo.post(NETSIS, path, account_xml(
        f"X-{root}", {"Title" if root == "Account" else "Name": new_name}, ref=code, code=code,
        root=root))
    assert status == 200, link.findtext("Message")
    assert erp.counters.calls[f"{'ARPs' if root == 'Account' else 'Items'}.put"] == puts + 1
    after = [netsis_row(demo, table, key, code) for table in tables]
    changed = {(i, name) for i, (old, new) in enumerate(zip(before, after, strict=True))
               for name in old if old[name] != new[name]}
    assert changed == {(0, column), (0, "DUZELTMETARIHI")}, changed
    status, record = await demo.get(NETSIS, f"{path}/{code}")
    assert fields_of(record)["Title" if root == "Account" else "Name"] == new_name
