"""The NetOpenX simulator's item slips and cards as real clients use them: enum names, orders /
dispatches / quotes end to end with EKACK -> TBLFATUEK, deletes Netsis refuses, and the
whole-record PUT of ARPs and Items."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from simulators import db
from tests.fixtures.sim import NETSIS_ORDER, Netsis


def _order(**header: Any) -> dict[str, Any]:
    body = copy.deepcopy(NETSIS_ORDER)
    body["FatUst"].update(header)
    return body


@pytest.mark.parametrize(("tipi", "stored"), [("ft_Kapali", 1), ("ft_Acik", 2), ("FT_ACIK", 2),
                                              (3, 3), ("7", 7), (None, 2)])
async def test_tipi_by_number_or_enum_name_f23(netsis: Netsis, tipi: Any, stored: int) -> None:
    data = await netsis.ok("POST", "ItemSlips", _order(TIPI=tipi))
    number = data["FatUst"]["FATIRS_NO"]
    assert data["FatUst"]["TIPI"] == stored
    assert netsis.one("SELECT TIPI FROM TBLSIPAMAS WHERE FATIRS_NO = ?", number) == stored


async def test_unknown_tipi_is_a_business_error_f23(netsis: Netsis) -> None:
    answer = await netsis.request("POST", "ItemSlips", _order(TIPI="ft_Yok"))
    assert answer["IsSuccessful"] is False
    assert "TIPI" in answer["ErrorDesc"]


async def test_order_lines_as_netsis_stores_them_f23_f28(netsis: Netsis) -> None:
    data = await netsis.ok("POST", "ItemSlips", _order(EKACK2="İŞ ORTAĞI ığüşöç"))
    number = data["FatUst"]["FATIRS_NO"]
    assert number == "S00000000000001"
    lines = netsis.rows("SELECT STHAR_GCMIK, FIRMA_DOVTUT, FIRMA_DOVMAL, STHAR_HTUR, STHAR_GCKOD, "
                        "STHAR_ACIKLAMA, STHAR_FTIRSIP FROM TBLSIPATRA WHERE FISNO = ? ORDER BY SIRA",
                        number)
    assert [tuple(r) for r in lines] == [(12, 0, 0, "H", "C", "120-01-001", "6"),
                                         (2, 0, 0, "H", "C", "120-01-001", "6")]
    assert netsis.one("SELECT KAPATILMIS FROM TBLSIPAMAS WHERE FATIRS_NO = ?", number) == "H"
    extras = netsis.rows("SELECT ACIK1, ACIK2 FROM TBLFATUEK WHERE FKOD = '6' AND FATIRSNO = ?",
                         number)[0]
    assert (extras[0], db.from_netsis(extras[1])) == ("Q-2001", "İŞ ORTAĞI ığüşöç")
    for ident in (f"7;{number};120-01-001", f"ftSSip;{number};120-01-001", f"ftSSip;{number}"):
        read = await netsis.ok("GET", f"ItemSlips/{ident}")
        assert (read["FatUst"]["EKACK1"], read["FatUst"]["EKACK2"]) == ("Q-2001", "İŞ ORTAĞI ığüşöç")
        assert [(k["StokKodu"], k["STra_GCMIK"], k["FIRMA_DOVTUT"]) for k in read["Kalems"]] == \
            [("STK001", 12, 0), ("STK002", 2, 0)]


async def test_dispatch_and_quote_end_to_end_f23(netsis: Netsis) -> None:
    dispatch = _order(EKACK1="Q-2002")
    dispatch.update(FaturaTip="ftSIrs", Seri="I")
    number = (await netsis.ok("POST", "ItemSlips", dispatch))["FatUst"]["FATIRS_NO"]
    assert netsis.one("SELECT FTIRSIP FROM TBLFATUIRS WHERE FATIRS_NO = ?", number) == "3"
    assert netsis.one("SELECT COUNT(*) FROM TBLSTHAR WHERE FISNO = ? AND STHAR_FTIRSIP = '3'",
                      number) == 2
    assert netsis.one("SELECT ACIK1 FROM TBLFATUEK WHERE FKOD = '3' AND FATIRSNO = ?", number) == \
        "Q-2002"
    assert netsis.one("SELECT TOP_CIKIS_MIK FROM TBLSTOKPH WHERE DEPO_KODU = 1 AND "
                      "STOK_KODU = 'STK001'") == 12
    assert (await netsis.ok("GET", f"ItemSlips/2;{number};120-01-001"))["FatUst"]["EKACK1"] == \
        "Q-2002"
    quote = _order(EKACK1="Q-2003")
    quote.update(FaturaTip="ftSatTeklif", Seri="T")
    number = (await netsis.ok("POST", "ItemSlips", quote))["FatUst"]["FATIRS_NO"]
    assert number == "T00000000000001"
    assert netsis.one("SELECT FTIRSIP FROM TBLTEKLIFMAS WHERE FATIRS_NO = ?", number) == "H"
    assert netsis.one("SELECT COUNT(*) FROM TBLTEKLIFTRA WHERE FISNO = ?", number) == 2
    for ident in (f"15;{number};120-01-001", f"ftSatTeklif;{number};120-01-001"):
        assert (await netsis.ok("GET", f"ItemSlips/{ident}"))["FatUst"]["EKACK1"] == "Q-2003"


async def test_delivered_order_cannot_be_deleted_or_changed_f26(netsis: Netsis) -> None:
    number = (await netsis.ok("POST", "ItemSlips", _order()))["FatUst"]["FATIRS_NO"]
    await netsis.ship({"number": number, "account": "120-01-001",
                       "lines": [{"line": 1, "quantity": 1}]})
    for method, route, body in (
            ("DELETE", f"ItemSlips/7;{number};120-01-001", None),
            ("POST", "ItemSlips/Delete", {"DocumentType": "ftSSip", "DocumentNumber": number,
                                          "CustomerCode": "120-01-001"}),
            ("PUT", f"ItemSlips/7;{number};120-01-001", _order())):
        answer = await netsis.request(method, route, body)
        assert answer["IsSuccessful"] is False
        assert "teslim edilmiş" in answer["ErrorDesc"]
        assert "delivered" in answer["ErrorDesc"]
    assert netsis.one("SELECT COUNT(*) FROM TBLSIPATRA WHERE FISNO = ?", number) == 2


async def test_undelivered_documents_are_deleted_with_their_effects_f26(netsis: Netsis) -> None:
    def ordered() -> float:
        return float(netsis.one("SELECT MUS_TOP_SIPARIS FROM TBLSTOKPH WHERE DEPO_KODU = 1 AND "
                                "STOK_KODU = 'STK001'") or 0)

    number = (await netsis.ok("POST", "ItemSlips", _order()))["FatUst"]["FATIRS_NO"]
    assert ordered() == 12
    assert await netsis.request("DELETE", f"ItemSlips/ftSSip;{number};120-01-001") == {}
    assert ordered() == 0
    for table, column in (("TBLSIPAMAS", "FATIRS_NO"), ("TBLSIPATRA", "FISNO"),
                          ("TBLFATUEK", "FATIRSNO")):
        assert netsis.rows(f"SELECT 1 FROM {table} WHERE {column} = ?", number) == []
    quote = _order()
    quote.update(FaturaTip=15, Seri="T")
    number = (await netsis.ok("POST", "ItemSlips", quote))["FatUst"]["FATIRS_NO"]
    assert await netsis.ok("POST", "ItemSlips/Delete", {
        "DocumentType": "ftSatTeklif", "DocumentNumber": number, "CustomerCode": "120-01-001"})
    assert netsis.rows("SELECT 1 FROM TBLTEKLIFTRA WHERE FISNO = ?", number) == []
    dispatch = _order()
    dispatch.update(FaturaTip=2, Seri="I")
    number = (await netsis.ok("POST", "ItemSlips", dispatch))["FatUst"]["FATIRS_NO"]
    await netsis.request("DELETE", f"ItemSlips/2;{number};120-01-001")
    assert netsis.one("SELECT TOP_CIKIS_MIK FROM TBLSTOKPH WHERE DEPO_KODU = 1 AND "
                      "STOK_KODU = 'STK001'") == 0


async def test_invoiced_dispatch_cannot_be_deleted_f26(netsis: Netsis) -> None:
    dispatch = _order()
    dispatch.update(FaturaTip=2, Seri="I")
    number = (await netsis.ok("POST", "ItemSlips", dispatch))["FatUst"]["FATIRS_NO"]
    conn = db.connect(netsis.db_path)
    try:
        conn.execute("UPDATE TBLSTHAR SET FIRMA_DOVTUT = STHAR_GCMIK WHERE FISNO = ?", (number,))
    finally:
        conn.close()
    answer = await netsis.request("DELETE", f"ItemSlips/2;{number};120-01-001")
    assert answer["IsSuccessful"] is False
    assert "faturalanmış" in answer["ErrorDesc"]


ACCOUNT = {"CariTemelBilgi": {"CARI_KOD": "120-01-900", "CARI_ISIM": "ŞİŞLİ ÇAĞDAŞ A.Ş.",
                              "CARI_TIP": "A", "VERGI_NUMARASI": "1234567891",
                              "EMAIL": "info@sisli.com.tr", "CARI_IL": "İSTANBUL",
                              "ULKE_KODU": "DE", "VADE_GUNU": 30, "RISK_SINIRI": 5000},
           "CariEkBilgi": {"CARI_KOD": "120-01-900", "TcKimlikNo": "12345678901",
                           "Kull1S": "CRM"}}


async def test_arps_put_replaces_the_whole_record_f9(netsis: Netsis) -> None:
    await netsis.ok("POST", "ARPs", ACCOUNT)
    partial = {"CariTemelBilgi": {"CARI_KOD": "120-01-900", "CARI_ISIM": "YENİ ÜNVAN A.Ş."}}
    data = await netsis.ok("PUT", "ARPs/120-01-900", partial)
    main, extra = data["CariTemelBilgi"], data["CariEkBilgi"]
    assert main["CARI_ISIM"] == "YENİ ÜNVAN A.Ş."
    # every property the body did not carry is back to its default
    assert (main["VERGI_NUMARASI"], main["EMAIL"], main["CARI_IL"], main["CARI_TIP"]) == \
        ("", "", "", "A")
    assert (main["ULKE_KODU"], main["VADE_GUNU"], main["RISK_SINIRI"]) == ("TR", 0, 0)
    assert (extra["TcKimlikNo"], extra["Kull1S"]) == ("", "")
    assert main["KAYITTARIHI"] is not None  # the kernel's own columns stay
    # GET, change, PUT the whole record: nothing is lost
    await netsis.ok("PUT", "ARPs/120-01-900", ACCOUNT)
    whole = await netsis.ok("GET", "ARPs/120-01-900")
    whole["CariTemelBilgi"]["EMAIL"] = "satis@sisli.com.tr"
    data = await netsis.ok("PUT", "ARPs/120-01-900", whole)
    assert (data["CariTemelBilgi"]["EMAIL"], data["CariTemelBilgi"]["VERGI_NUMARASI"],
            data["CariEkBilgi"]["TcKimlikNo"]) == ("satis@sisli.com.tr", "1234567891", "12345678901")


async def test_items_put_replaces_the_whole_record_f16(netsis: Netsis) -> None:
    data = await netsis.ok("PUT", "Items/STK001", {"StokTemelBilgi": {"Stok_Adi": "ÇAY 2 KG"}})
    main = data["StokTemelBilgi"]
    assert (main["Stok_Kodu"], main["Stok_Adi"], main["Satis_Fiat1"], main["KDV_Orani"],
            main["Olcu_Br1"]) == ("STK001", "ÇAY 2 KG", 0, 20, "AD")  # the schema defaults
    refused = await netsis.request("PUT", "Items/STK001", {"StokEkBilgi": {}})
    assert refused["IsSuccessful"] is False


async def test_merge_mode_keeps_what_a_put_did_not_send_f9(make_netsis: Any) -> None:
    netsis: Netsis = await make_netsis(card_put="merge")
    await netsis.ok("POST", "ARPs", ACCOUNT)
    data = await netsis.ok("PUT", "ARPs/120-01-900", {"CariTemelBilgi": {"EMAIL": "x@y.tr"}})
    assert (data["CariTemelBilgi"]["EMAIL"], data["CariTemelBilgi"]["VERGI_NUMARASI"]) == \
        ("x@y.tr", "1234567891")
