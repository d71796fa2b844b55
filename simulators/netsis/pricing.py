"""How the simulated NetOpenX checks and prices an item slip: what ``ItemSlips/Calculate`` answers
and ``POST ItemSlips`` saves. Deterministic rules, ``Decimal`` arithmetic:

* dates: the price date of a line is its ``Stra_FiyatTar``, else the header's ``FIYATTARIHI``,
  else ``FiiliTarih``, else ``Tarih``; the condition date is ``Stra_KosTar``, else
  ``KOSULTARIHI``, else ``FiiliTarih``, else ``Tarih``;
* gross unit price ``STra_BF``: the one sent; with ``StokKartinaGoreHesapla`` the item card's
  SATIS_FIAT<n> (n = the account's LISTE_FIATI, 1-4) when it is not 0; with
  ``FiyatSistemineGoreHesapla`` the price system (TBLSTOKFIAT, sales rows valid on the price date:
  a row of the account's FIYATGRUBU before a general one, then the later BASTAR, then the higher
  FIYATNO) when it has a price — it wins over the card;
* currency ``STra_DOVTIP`` (research/netsis.md: Kalems ``STra_DOVTIP, STra_DOVFIAT``, item master
  ``SAT_DOV_TIP``): the price's own — the one sent with a price of the document, the card's
  SAT_DOV_TIP for a stock-card price, the row's FIYATDOVIZTIPI for a price-system price; 0 is TL.
  ``STra_DOVFIAT`` is the price in that currency (0 for TL). Exchange rates are not simulated: a
  foreign price is answered as it is, unconverted, in ``STra_BF`` too (what a real NetOpenX puts
  in STra_BF for it is unverified);
* discount ``STra_SatIsk``: the one sent; with ``KosulluHesapla`` and none sent, the condition
  (TBLKOSULMAS, simplified: one discount % per condition) named by the line's ``Stra_KosulK``, else
  the header's ``KOSULKODU``, else the account's KOSULKODU, when it is open (KAPATILMIS <> 'E') and
  valid on the condition date; without such a condition the account's ISKONTO_ORANI;
* net unit price ``STra_NF = STra_BF * (1 - STra_SatIsk / 100)``, then ``* (1 - STra_SatIsk<n> /
  100)`` for each of ``STra_SatIsk2..6`` sent (each on what the one above leaves, as the service
  computes it), to 4 decimals (a sent STra_NF is kept when no discount applies and the price is
  the document's own); the rates sent are answered back;
* line amounts: gross ``money(q * BF)``, net ``money(q * NF)``; with ``KDV_DAHILMI`` the prices
  include VAT: ``base = money(net / (1 + r/100))``, ``vat = net - base`` and the gross counts
  ``money(gross / (1 + r/100))``; otherwise ``base = net``, ``vat = money(net * r / 100)``;
  ``STra_Tutar`` = base;
* header: BRUTTUTAR = sum of gross, SAT_ISKT = sum of (gross - base), KDV = sum of vat,
  GENELTOPLAM = BRUTTUTAR - SAT_ISKT + KDV.

Each line tells where its price came from (``FiyatKaynagi``: belge, stok kartı (fiyat n), fiyat
sistemi) and which discount applied (``IskontoKaynagi``: belge, koşul KOD, cari iskontosu).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from simulators.db import dec, from_netsis, money, stored_date
from simulators.netsis.values import (
    FATURA_TIP,
    KERNEL,
    NetsisError,
    fatura_tip,
    fatura_tipi,
    flag,
    number,
    optional_day,
    parse_day,
    prop,
    truncated,
)

HUNDRED = Decimal(100)
SLIP_TYPES = frozenset({2, 7, 15})


class SlipCalculator:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def _one(self, sql: str, *params: Any) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.conn.execute(sql, params).fetchone()
        return row

    def account(self, code: str) -> sqlite3.Row:
        row = self._one("SELECT * FROM TBLCASABIT WHERE CARI_KOD = ?", code)
        if row is None:
            raise NetsisError(f"Cari bulunamadı: {code}{KERNEL}")
        return row

    def price_system(self, item: str, group: str, on: date) -> tuple[Decimal, int] | None:
        """The price-system price of ``item`` on ``on`` and its currency (FIYATDOVIZTIPI)."""
        best: tuple[tuple[int, int, int], tuple[Decimal, int]] | None = None
        for row in self.conn.execute(
                "SELECT FIYATNO, FIYATGRUBU, FIYAT1, FIYATDOVIZTIPI, BASTAR, BITTAR FROM "
                "TBLSTOKFIAT WHERE "
                "STOKKODU = ? AND COALESCE(A_S, 'S') = 'S'", (item,)):
            begins, ends = stored_date(row["BASTAR"]), stored_date(row["BITTAR"])
            if (begins and on < begins) or (ends and on > ends):
                continue
            row_group = row["FIYATGRUBU"] or ""
            if row_group and row_group != group:
                continue
            rank = (0 if row_group else 1, -(begins or date.min).toordinal(), -int(row["FIYATNO"]))
            if best is None or rank < best[0]:
                best = (rank, (dec(row["FIYAT1"]), int(row["FIYATDOVIZTIPI"] or 0)))
        return best[1] if best else None

    def condition(self, code: str, on: date) -> Decimal | None:
        row = self._one("SELECT * FROM TBLKOSULMAS WHERE KOSUL_KOD = ? AND "
                        "COALESCE(KAPATILMIS, 'H') <> 'E'", code)
        if row is None:
            return None
        begins, ends = stored_date(row["BASTAR"]), stored_date(row["BITTAR"])
        if (begins and on < begins) or (ends and on > ends):
            return None
        return dec(row["ISKONTO1"])

    def compute(self, body: Mapping[str, Any], branch: int) -> dict[str, Any]:
        """Check and price a document (what ``Calculate`` answers and ``POST`` saves)."""
        tip = fatura_tip(prop(body, "FaturaTip"))
        if tip not in SLIP_TYPES:
            raise NetsisError(f"{FATURA_TIP[tip]} belge tipi simülatörde desteklenmiyor")
        header_in = prop(body, "FatUst")
        if not isinstance(header_in, Mapping):
            raise NetsisError("FatUst (belge başlığı) boş olamaz")
        account_code = str(prop(header_in, "CariKod") or "").strip()
        if not account_code:
            raise NetsisError("FatUst.CariKod boş olamaz")
        account = self.account(account_code)
        on = parse_day(prop(header_in, "Tarih"), "Tarih")
        actual = optional_day(prop(header_in, "FiiliTarih"), "FiiliTarih") or on
        dates = (optional_day(prop(header_in, "FIYATTARIHI"), "FIYATTARIHI") or actual,
                 optional_day(prop(header_in, "KOSULTARIHI"), "KOSULTARIHI") or actual)
        salesman = str(prop(header_in, "PLA_KODU") or "").strip()
        if salesman and not self._one("SELECT 1 FROM TBLCARIPLASIYER WHERE PLASIYER_KODU = ?",
                                      salesman):
            raise NetsisError(f"Plasiyer bulunamadı: {salesman}")
        lines_in = prop(body, "Kalems")
        if not isinstance(lines_in, list) or not lines_in:
            raise NetsisError("Kalems: belgede en az bir kalem olmalı")
        options = {name: flag(body, name) for name in
                   ("KosulluHesapla", "StokKartinaGoreHesapla", "FiyatSistemineGoreHesapla")}
        vat_included = flag(header_in, "KDV_DAHILMI")
        condition_code = str(prop(header_in, "KOSULKODU") or account["KOSULKODU"] or "").strip()
        totals = dict.fromkeys(("BRUTTUTAR", "SAT_ISKT", "KDV"), Decimal(0))
        lines = []
        for index, line in enumerate(lines_in, start=1):
            if not isinstance(line, Mapping):
                raise NetsisError(f"Kalems[{index}] geçersiz")
            priced = self._line(index, line, account, dates, options, condition_code)
            gross, base, vat = _amounts(priced, vat_included)
            totals["BRUTTUTAR"] += gross
            totals["SAT_ISKT"] += gross - base
            totals["KDV"] += vat
            priced["_TUTAR"] = base
            lines.append(priced)
        header = {
            "Sube_Kodu": branch, "CariKod": account_code, "Tarih": on, "Tip": tip,
            "TIPI": fatura_tipi(prop(header_in, "TIPI")),
            "FATIRS_NO": str(prop(header_in, "FATIRS_NO") or "").strip(),
            "Aciklama": str(prop(header_in, "Aciklama") or ""), "PLA_KODU": salesman,
            "SIPARIS_TEST": optional_day(prop(header_in, "SIPARIS_TEST"), "SIPARIS_TEST"),
            "KDV_DAHILMI": vat_included, **totals,
            "GENELTOPLAM": totals["BRUTTUTAR"] - totals["SAT_ISKT"] + totals["KDV"],
        }
        if len(str(header["Aciklama"])) > 50:
            raise truncated("Aciklama", 50)
        for n in range(1, 17):
            value = prop(header_in, f"EKACK{n}")
            if value not in (None, ""):
                if len(str(value)) > 100:
                    raise truncated(f"EKACK{n}", 100)
                header[f"EKACK{n}"] = str(value)
        return {"FaturaTip": tip, "Seri": str(prop(body, "Seri") or ""), "FatUst": header,
                "Kalems": lines}

    def _line(self, index: int, line: Mapping[str, Any], account: sqlite3.Row,
              dates: tuple[date, date], options: Mapping[str, bool], condition_code: str) \
            -> dict[str, Any]:
        code = str(prop(line, "StokKodu") or "").strip()
        item = self._one("SELECT * FROM TBLSTSABIT WHERE STOK_KODU = ?", code)
        if item is None:
            raise NetsisError(f"Stok kodu bulunamadı: {code}{KERNEL}")
        quantity = number(prop(line, "STra_GCMIK"), "STra_GCMIK")
        if quantity <= 0:
            raise NetsisError(f"Kalems[{index}].STra_GCMIK sıfırdan büyük olmalı")
        depot = int(number(prop(line, "DEPO_KODU"), "DEPO_KODU")) or int(item["DEPO_KODU"] or 0)
        if depot and not self._one("SELECT 1 FROM TBLSTOKDP WHERE DEPO_KODU = ?", depot):
            raise NetsisError(f"Depo bulunamadı: {depot}")
        price_day = optional_day(prop(line, "Stra_FiyatTar"), "Stra_FiyatTar") or dates[0]
        condition_day = optional_day(prop(line, "Stra_KosTar"), "Stra_KosTar") or dates[1]
        price, source = number(prop(line, "STra_BF"), "STra_BF"), "belge"
        currency = int(number(prop(line, "STra_DOVTIP"), "STra_DOVTIP"))
        list_no = int(account["LISTE_FIATI"] or 1)
        list_no = list_no if 1 <= list_no <= 4 else 1
        if options["StokKartinaGoreHesapla"] and dec(item[f"SATIS_FIAT{list_no}"]) > 0:
            price, source = dec(item[f"SATIS_FIAT{list_no}"]), f"stok kartı (fiyat {list_no})"
            currency = int(item["SAT_DOV_TIP"] or 0)
        if options["FiyatSistemineGoreHesapla"]:
            system = self.price_system(code, str(account["FIYATGRUBU"] or ""), price_day)
            if system is not None:
                (price, currency), source = system, "fiyat sistemi"
        rate, discount_source = number(prop(line, "STra_SatIsk"), "STra_SatIsk"), "belge"
        if options["KosulluHesapla"] and not rate:
            named = str(prop(line, "Stra_KosulK") or condition_code).strip()
            found = self.condition(named, condition_day) if named else None
            if found:
                rate, discount_source = found, f"koşul {named}"
            elif dec(account["ISKONTO_ORANI"]) > 0:
                rate, discount_source = dec(account["ISKONTO_ORANI"]), "cari iskontosu"
        # STra_SatIsk2..6 as sent, each on what the one above leaves
        more = {f"STra_SatIsk{n}": number(prop(line, f"STra_SatIsk{n}"), f"STra_SatIsk{n}")
                for n in range(2, 7)}
        more = {key: value for key, value in more.items() if value}
        sent_nf = prop(line, "STra_NF")
        if not rate and not more and sent_nf not in (None, "") and source == "belge":
            net = number(sent_nf, "STra_NF")
        else:
            net = price * (1 - rate / HUNDRED)
            for step in more.values():
                net = net * (1 - step / HUNDRED)
            net = net.quantize(Decimal("0.0001"))
        vat_rate = number(prop(line, "STra_KDV"), "STra_KDV") if prop(line, "STra_KDV") \
            is not None else dec(item["KDV_ORANI"])
        return {
            "StokKodu": code, "Sira": index, "STra_GCMIK": quantity, "STra_BF": price,
            "STra_NF": net, "STra_SatIsk": rate, **more, "STra_KDV": vat_rate, "DEPO_KODU": depot,
            "STra_DOVTIP": currency, "STra_DOVFIAT": price if currency else Decimal(0),
            "Olcubr": int(number(prop(line, "Olcubr"), "Olcubr") or 1),
            "STra_SIPNUM": str(prop(line, "STra_SIPNUM") or ""),
            "STra_SIPKONT": int(number(prop(line, "STra_SIPKONT"), "STra_SIPKONT")),
            "STra_ACIK": str(prop(line, "STra_ACIK") or ""),
            "_FIYAT_KAYNAGI": source,
            "_ISKONTO_KAYNAGI": discount_source if rate or more else "",
            "_ADI": from_netsis(item["STOK_ADI"] or ""),
        }


def _amounts(line: Mapping[str, Any], vat_included: bool) -> tuple[Decimal, Decimal, Decimal]:
    """(gross, base, vat) of a line: base is the net amount without VAT."""
    quantity, rate = line["STra_GCMIK"], line["STra_KDV"]
    gross, net = money(quantity * line["STra_BF"]), money(quantity * line["STra_NF"])
    if not vat_included:
        return gross, net, money(net * rate / HUNDRED)
    divisor = 1 + rate / HUNDRED
    base = money(net / divisor)
    return money(gross / divisor), base, net - base
