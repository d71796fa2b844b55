"""ItemSlips/Calculate: KosulluHesapla, StokKartinaGoreHesapla, FiyatSistemineGoreHesapla and the
dates FiiliTarih / FIYATTARIHI / KOSULTARIHI, deterministic (simulators.netsis.pricing)."""

from __future__ import annotations

import copy
import sqlite3
from typing import Any

from tests.fixtures.sim import NETSIS_ORDER, Netsis

# 120-01-002: price list 2, discount 5 %, price group BAYI; STK001 card 120 / 115, price system
# BAYI 110 and general 118; STK002 card 95 / 92, price system 88 only in December 2026
BASE: dict[str, Any] = {**copy.deepcopy(NETSIS_ORDER), "FatUst": {
    "CariKod": "120-01-002", "Tarih": "2026-11-23", "TIPI": "ft_Acik"}, "Kalems": [
    {"StokKodu": "STK001", "DEPO_KODU": 1, "STra_GCMIK": 10, "STra_BF": 100, "STra_KDV": 20},
    {"StokKodu": "STK002", "DEPO_KODU": 1, "STra_GCMIK": 1, "STra_BF": 90, "STra_KDV": 10}]}


async def _calculate(netsis: Netsis, header: dict[str, Any] | None = None,
                     lines: list[dict[str, Any]] | None = None, **flags: Any) -> dict[str, Any]:
    body = copy.deepcopy(BASE)
    body.update(flags)
    body["FatUst"].update(header or {})
    for line, changes in zip(body["Kalems"], lines or [], strict=False):
        line.update(changes)
    data: dict[str, Any] = await netsis.ok("POST", "ItemSlips/Calculate", body)
    return data


def _prices(data: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(k["STra_BF"], k["FiyatKaynagi"]) for k in data["Kalems"]]


async def test_price_flags_f33(netsis: Netsis) -> None:
    assert _prices(await _calculate(netsis)) == [(100, "belge"), (90, "belge")]
    by_card = await _calculate(netsis, StokKartinaGoreHesapla=True)
    assert _prices(by_card) == [(115, "stok kartı (fiyat 2)"), (92, "stok kartı (fiyat 2)")]
    both = await _calculate(netsis, StokKartinaGoreHesapla=True, FiyatSistemineGoreHesapla=True)
    # the account's price group beats the general row; STK002 has no price-system price in November
    assert _prices(both) == [(110, "fiyat sistemi"), (92, "stok kartı (fiyat 2)")]


async def test_price_date_decides_the_price_system_row_f33(netsis: Netsis) -> None:
    flags = {"StokKartinaGoreHesapla": True, "FiyatSistemineGoreHesapla": True}
    december = await _calculate(netsis, {"FIYATTARIHI": "2026-12-05"}, **flags)
    assert _prices(december)[1] == (88, "fiyat sistemi")
    actual = await _calculate(netsis, {"FiiliTarih": "2026-12-10"}, **flags)  # no FIYATTARIHI
    assert _prices(actual)[1] == (88, "fiyat sistemi")
    explicit = await _calculate(netsis, {"FiiliTarih": "2026-12-10", "FIYATTARIHI": "2026-11-01"},
                                **flags)
    assert _prices(explicit)[1] == (92, "stok kartı (fiyat 2)")
    by_line = await _calculate(netsis, {"FIYATTARIHI": "2026-11-01"},
                               [{}, {"Stra_FiyatTar": "2026-12-31"}], **flags)
    assert _prices(by_line)[1] == (88, "fiyat sistemi")
    nothing_saved = netsis.one("SELECT COUNT(*) FROM TBLSIPAMAS")
    assert nothing_saved == 0


async def test_conditions_and_their_date_f33(netsis: Netsis) -> None:
    def discounts(data: dict[str, Any]) -> list[tuple[Any, ...]]:
        return [(k["STra_SatIsk"], k["IskontoKaynagi"], k["STra_NF"]) for k in data["Kalems"]]

    assert discounts(await _calculate(netsis))[0] == (0, "", 100)
    # no condition code: the account's discount
    assert discounts(await _calculate(netsis, KosulluHesapla=True))[0] == \
        (5, "cari iskontosu", 95)
    assert discounts(await _calculate(netsis, {"KOSULKODU": "K07"}, KosulluHesapla=True))[0] == \
        (7, "koşul K07", 93)
    # YIL10 holds in December only: by KOSULTARIHI, else FiiliTarih, else Tarih
    november = await _calculate(netsis, {"KOSULKODU": "YIL10"}, KosulluHesapla=True)
    assert discounts(november)[0] == (5, "cari iskontosu", 95)
    december = await _calculate(netsis, {"KOSULKODU": "YIL10", "KOSULTARIHI": "2026-12-15"},
                                KosulluHesapla=True)
    assert discounts(december)[0] == (10, "koşul YIL10", 90)
    by_line = await _calculate(netsis, {"KOSULKODU": "YIL10"},
                               [{"Stra_KosTar": "2026-12-02"}, {"STra_SatIsk": 2}],
                               KosulluHesapla=True)
    assert discounts(by_line) == [(10, "koşul YIL10", 90), (2, "belge", 88.2)]


async def test_totals_with_and_without_vat_included_f33(netsis: Netsis) -> None:
    data = await _calculate(netsis, {"KOSULKODU": "K07"}, KosulluHesapla=True)
    # STK001 10 x 100 - 7 % = 930 + VAT 186; STK002 90 - 7 % = 83.7 + VAT 8.37
    header = data["FatUst"]
    assert (header["BRUTTUTAR"], header["SAT_ISKT"], header["KDV"], header["GENELTOPLAM"]) == \
        (1090, 76.3, 194.37, 1208.07)
    included = await _calculate(netsis, {"KDV_DAHILMI": True},
                                [{"STra_GCMIK": 1, "STra_BF": 120}, {"STra_BF": 110}])
    header = included["FatUst"]
    # 120 with 20 % VAT included = 100 + 20; 110 with 10 % included = 100 + 10: paid 230
    assert (header["BRUTTUTAR"], header["SAT_ISKT"], header["KDV"], header["GENELTOPLAM"]) == \
        (200, 0, 30, 230)
    assert [k["STra_Tutar"] for k in included["Kalems"]] == [100, 100]


async def test_the_price_says_its_currency_f33(netsis: Netsis) -> None:
    """STra_DOVTIP is the price's own currency (0 TL): the card's SAT_DOV_TIP, the price-system
    row's FIYATDOVIZTIPI, the one sent with a price of the document; STra_DOVFIAT the price in it.
    Exchange rates are not simulated: STra_BF is that same foreign price."""
    def currencies(data: dict[str, Any]) -> list[tuple[Any, ...]]:
        return [(k["STra_BF"], k["STra_DOVTIP"], k["STra_DOVFIAT"]) for k in data["Kalems"]]

    assert currencies(await _calculate(netsis)) == [(100, 0, 0), (90, 0, 0)]
    with sqlite3.connect(netsis.db_path) as conn:
        conn.execute("UPDATE TBLSTSABIT SET SAT_DOV_TIP = 2 WHERE STOK_KODU = 'STK002'")
        conn.execute("UPDATE TBLSTOKFIAT SET FIYATDOVIZTIPI = 1 WHERE FIYATNO = 1")
    by_card = await _calculate(netsis, StokKartinaGoreHesapla=True)
    assert currencies(by_card) == [(115, 0, 0), (92, 2, 92)]
    both = await _calculate(netsis, StokKartinaGoreHesapla=True, FiyatSistemineGoreHesapla=True)
    assert currencies(both) == [(110, 1, 110), (92, 2, 92)]
    sent = await _calculate(netsis, lines=[{"STra_DOVTIP": 1}])
    assert currencies(sent) == [(100, 1, 100), (90, 0, 0)]


async def test_a_lines_discounts_apply_one_after_another_f33(netsis: Netsis) -> None:
    """STra_SatIsk, then STra_SatIsk2..6, each on what the one above leaves (the service's net
    price rule): 100 less 10 % less 5 % is 85.5; each rate is answered back. The simulator applied
    the first discount only, so a quote with three discounts was booked above what it sent."""
    data = await _calculate(netsis, lines=[{"STra_SatIsk": 10, "STra_SatIsk2": 5},
                                           {"STra_SatIsk2": 50, "STra_SatIsk3": 10}])
    first, second = data["Kalems"]
    assert (first["STra_SatIsk"], first["STra_SatIsk2"], first["STra_NF"]) == (10, 5, 85.5)
    assert (second["STra_SatIsk"], second["STra_SatIsk2"], second["STra_SatIsk3"],
            second["STra_NF"]) == (0, 50, 10, 40.5)
    assert second["IskontoKaynagi"] == "belge"
