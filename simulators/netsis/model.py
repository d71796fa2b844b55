"""The simulated NetOpenX kernel: what NetOpenX REST does to a Netsis company database.

An independent model of the ERP (its own JSON property <-> column map, from research/netsis.md
§1 and §3 and research/quotes.md §2), writing with sqlite3 into the Netsis demo database:

* cards (ARPs, Items): simulators.netsis.cards; pricing: simulators.netsis.pricing;
* ItemSlips: order (FaturaTip 7 ftSSip) -> TBLSIPAMAS/TBLSIPATRA (FTIRSIP '6'; lines with the
  ordered STHAR_GCMIK, delivered FIRMA_DOVTUT and free goods FIRMA_DOVMAL, STHAR_HTUR 'H',
  STHAR_GCKOD 'C', STHAR_ACIKLAMA = the customer), dispatch (2 ftSIrs) -> TBLFATUIRS (FTIRSIP '3')
  + TBLSTHAR, quote (15 ftSatTeklif) -> TBLTEKLIFMAS/TBLTEKLIFTRA (FTIRSIP 'H'); EKACK1..16 ->
  TBLFATUEK.ACIK1..16 (FKOD = FTIRSIP, FATIRSNO); 15-character numbers from ``Seri``; the type by
  number or enum name in the body, in ``{tip};{no};{cari}`` ids and ``TIPI`` (``ft_Acik``);
* stock (TBLSTOKPH per branch, warehouse and item, and warehouse 0 = all): an order adds its
  quantities to MUS_TOP_SIPARIS; a dispatch adds to TOP_CIKIS_MIK/TUT, and a dispatch line naming
  an order line (``STra_SIPNUM`` + ``STra_SIPKONT`` = its INCKEYNO) delivers it: FIRMA_DOVTUT and
  MUS_TOP_TESLIM grow; more than is left on the order line is refused. STOK_DAGITIM (reserved)
  is the ERP's own and not changed here;
* an order with anything delivered and an invoiced dispatch (TBLSTHAR.FIRMA_DOVTUT > 0) can be
  neither changed nor deleted; deleting removes header, lines and TBLFATUEK row and undoes the
  stock;
* ``ARPs/Risk``: see ``risk``. Property names bind case-insensitively (as the .NET server
  does); text is stored the way a Netsis database holds it (cp1254 bytes read as cp1252) and
  answered as proper Unicode.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from simulators.db import dec, from_netsis, money, stamp, stored_date, to_netsis, transaction
from simulators.netsis.cards import CardBook
from simulators.netsis.pricing import SlipCalculator
from simulators.netsis.values import (
    FATURA_TIP,
    KERNEL,
    NUMBER_LENGTH,
    NetsisError,
    duplicate,
    fatura_tip,
    json_day,
    num_out,
    number,
    prop,
    truncated,
)

__all__ = ["NetsisError", "NetsisModel", "fatura_tip", "prop"]

# JTCariRiskTipi (research/netsis.md §1.10)
RISK_TIPI = ("crtBorcToplam", "crtAlacakToplam", "crtBorcBakiye", "crtTeminat", "crtSenetAsil",
             "crtSenetCiro", "crtCekAsil", "crtCekCiro", "crtSiparis", "crtSevk", "crtYukleme",
             "crtIrsaliye", "crtToplam")


@dataclass(frozen=True, slots=True)
class SlipKind:
    tip: int
    ftirsip: str
    header: str
    lines: str
    stock: str  # "" | "order" | "dispatch"


SLIPS: dict[int, SlipKind] = {
    7: SlipKind(7, "6", "TBLSIPAMAS", "TBLSIPATRA", "order"),
    2: SlipKind(2, "3", "TBLFATUIRS", "TBLSTHAR", "dispatch"),
    15: SlipKind(15, "H", "TBLTEKLIFMAS", "TBLTEKLIFTRA", ""),
}
ORDER, DISPATCH = SLIPS[7], SLIPS[2]
ORDER_LINE_OPEN = "STHAR_GCMIK - COALESCE(FIRMA_DOVTUT, 0) - COALESCE(FIRMA_DOVMAL, 0)"


class NetsisModel(CardBook):
    """NetOpenX over one Netsis company database."""

    def __init__(self, conn: sqlite3.Connection, *, card_put: str = "replace") -> None:
        super().__init__(conn, card_put=card_put)
        self.calculator = SlipCalculator(conn)

    # -- numbers -------------------------------------------------------------------------------
    def next_number(self, kind: SlipKind, series: str, branch: int) -> str:
        if not series or len(series) >= NUMBER_LENGTH:
            raise NetsisError(f"Seri '{series}' geçersiz (1-14 karakter)")
        width = NUMBER_LENGTH - len(series)
        best = 0
        for row in self.conn.execute(
                f"SELECT FATIRS_NO FROM {kind.header} WHERE FTIRSIP = ? AND SUBE_KODU = ? "
                f"AND FATIRS_NO LIKE ?", (kind.ftirsip, branch, series + "%")):
            rest = str(row[0])[len(series):]
            if len(rest) == width and rest.isdigit():
                best = max(best, int(rest))
        return series + str(best + 1).zfill(width)

    def new_number(self, body: Mapping[str, Any], branch: int) -> str:
        kind = self._kind(fatura_tip(prop(body, "DocumentType")))
        return self.next_number(kind, str(prop(body, "Code") or ""), branch)

    def _kind(self, tip: int) -> SlipKind:
        kind = SLIPS.get(tip)
        if kind is None:
            raise NetsisError(f"{FATURA_TIP[tip]} belge tipi simülatörde desteklenmiyor")
        return kind

    # -- documents -----------------------------------------------------------------------------
    def calculate(self, body: Mapping[str, Any], branch: int) -> dict[str, Any]:
        return self._document_json(self.calculator.compute(body, branch))

    def slip_post(self, body: Mapping[str, Any], branch: int) -> dict[str, Any]:
        document = self.calculator.compute(body, branch)
        with transaction(self.conn):
            number_ = self.save_new(document, branch)
        return self.slip_get(document["FaturaTip"], number_, document["FatUst"]["CariKod"], branch)

    def save_new(self, document: dict[str, Any], branch: int) -> str:
        """Save a computed document under its number or the next one of its series (inside the
        caller's transaction); its number."""
        kind = SLIPS[document["FaturaTip"]]
        header = document["FatUst"]
        number_ = header["FATIRS_NO"]
        if not number_:
            if not document["Seri"]:
                raise NetsisError("Belge numarası (FATIRS_NO) veya Seri verilmeli")
            number_ = self.next_number(kind, document["Seri"], branch)
        if len(number_) > NUMBER_LENGTH:
            raise truncated("FATIRS_NO", NUMBER_LENGTH)
        if self._one(f"SELECT 1 FROM {kind.header} WHERE SUBE_KODU = ? AND FTIRSIP = ? AND "
                     f"FATIRS_NO = ?", branch, kind.ftirsip, number_):
            raise duplicate(kind.header, f"{branch}, {kind.ftirsip}, {number_}")
        header["FATIRS_NO"] = number_
        self._save(kind, document, branch)
        return str(number_)

    def slip_put(self, tip: int, number_: str, account: str, body: Mapping[str, Any],
                 branch: int) -> dict[str, Any]:
        kind = self._kind(tip)
        document = self.calculator.compute(body, branch)
        if document["FaturaTip"] != tip:
            raise NetsisError("Belge tipi değiştirilemez")
        with transaction(self.conn):
            existing = self.document_header(kind, number_, account, branch)
            self._refuse_if_used(kind, existing, branch, "değiştirilemez")
            document["FatUst"]["FATIRS_NO"] = number_
            self._remove(kind, existing, branch)
            self._save(kind, document, branch)
        return self.slip_get(tip, number_, document["FatUst"]["CariKod"], branch)

    def slip_delete(self, tip: int, number_: str, account: str, branch: int) -> None:
        kind = self._kind(tip)
        with transaction(self.conn):
            header = self.document_header(kind, number_, account, branch)
            self._refuse_if_used(kind, header, branch, "silinemez")
            self._remove(kind, header, branch)

    def _refuse_if_used(self, kind: SlipKind, header: sqlite3.Row, branch: int, action: str) -> None:
        number_ = header["FATIRS_NO"]
        if kind.stock == "order" and (
                self._one(f"SELECT 1 FROM TBLSIPATRA WHERE FISNO = ? AND SUBE_KODU = ? AND "
                          f"STHAR_ACIKLAMA = ? AND STHAR_GCMIK <> {ORDER_LINE_OPEN} LIMIT 1",
                          number_, branch, header["CARI_KODU"])
                or self._one("SELECT 1 FROM TBLSTHAR WHERE STHAR_SIPNUM = ? AND SUBE_KODU = ? "
                             "LIMIT 1", number_, branch)):
            raise NetsisError(f"Sipariş {number_} kısmen veya tamamen teslim edilmiş (irsaliyeye "
                              f"aktarılmış), {action}. (The order has delivered quantities.)"
                              f"{KERNEL}")
        if kind.stock == "dispatch" and self._one(
                "SELECT 1 FROM TBLSTHAR WHERE FISNO = ? AND SUBE_KODU = ? AND STHAR_FTIRSIP = ? "
                "AND COALESCE(FIRMA_DOVTUT, 0) > 0 LIMIT 1", number_, branch, kind.ftirsip):
            raise NetsisError(f"İrsaliye {number_} faturalanmış, {action}. (The dispatch has been "
                              f"invoiced.){KERNEL}")

    def document_header(self, kind: SlipKind, number_: str, account: str, branch: int) -> sqlite3.Row:
        row = self._one(f"SELECT * FROM {kind.header} WHERE SUBE_KODU = ? AND FTIRSIP = ? AND "
                        f"FATIRS_NO = ?", branch, kind.ftirsip, number_)
        if row is None or (account and row["CARI_KODU"] != account):
            raise NetsisError(f"Belge bulunamadı: {FATURA_TIP[kind.tip]};{number_};{account}"
                              f"{KERNEL}")
        return row

    def _save(self, kind: SlipKind, document: dict[str, Any], branch: int) -> None:
        header = document["FatUst"]
        number_, account = header["FATIRS_NO"], header["CariKod"]
        values: dict[str, Any] = {
            "SUBE_KODU": branch, "FTIRSIP": kind.ftirsip, "FATIRS_NO": number_,
            "CARI_KODU": account, "TARIH": stamp(header["Tarih"]),
            "BRUTTUTAR": money(header["BRUTTUTAR"]), "SAT_ISKT": money(header["SAT_ISKT"]),
            "KDV": money(header["KDV"]), "GENELTOPLAM": money(header["GENELTOPLAM"]),
            "ACIKLAMA": to_netsis(header["Aciklama"]), "PLA_KODU": header["PLA_KODU"],
            "KAYITTARIHI": stamp(), "KAYITYAPANKUL": "NETOPENX",
        }
        if kind.header != "TBLTEKLIFMAS":
            values["TIPI"] = header["TIPI"]
        if kind.header == "TBLSIPAMAS":
            values["KAPATILMIS"] = "H"
            if header.get("SIPARIS_TEST"):
                values["SIPARIS_TEST"] = stamp(header["SIPARIS_TEST"])
        if kind.header == "TBLFATUIRS":
            values["FATKALEM_ADEDI"] = len(document["Kalems"])
        self._insert(kind.header, values)
        extras = {f"ACIK{n}": to_netsis(header[f"EKACK{n}"]) for n in range(1, 17)
                  if f"EKACK{n}" in header}
        self._insert("TBLFATUEK", {"SUBE_KODU": branch, "FKOD": kind.ftirsip, "FATIRSNO": number_,
                                   "CKOD": account, **extras})
        day = stamp(header["Tarih"])
        for line in document["Kalems"]:
            row: dict[str, Any] = {
                "SUBE_KODU": branch, "FISNO": number_, "STOK_KODU": line["StokKodu"],
                "STHAR_GCMIK": line["STra_GCMIK"], "STHAR_BF": line["STra_BF"],
                "STHAR_NF": line["STra_NF"], "STHAR_KDV": line["STra_KDV"],
                "DEPO_KODU": line["DEPO_KODU"], "STHAR_TARIH": day, "STHAR_ACIKLAMA": account,
                "INCKEYNO": self._next_key(kind.lines),
            }
            if kind.lines == "TBLTEKLIFTRA":
                row["SIRA"] = line["Sira"]
            elif kind.lines == "TBLSIPATRA":
                row.update({"SIRA": line["Sira"], "STHAR_FTIRSIP": kind.ftirsip,
                            "STHAR_GCKOD": "C", "STHAR_HTUR": "H", "STHAR_CARIKOD": account})
            else:
                row.update({"STHAR_GCKOD": "C", "STHAR_FTIRSIP": kind.ftirsip, "STHAR_HTUR": "H",
                            "STHAR_CARIKOD": account, "STHAR_SIPNUM": line["STra_SIPNUM"],
                            "STHAR_SIPKONT": line["STra_SIPKONT"]})
            self._insert(kind.lines, row)
        self._stock(kind, document["Kalems"], branch, sign=1, account=account)

    def _next_key(self, table: str) -> int:
        row = self._one(f"SELECT COALESCE(MAX(INCKEYNO), 0) + 1 FROM {table}")
        return int(row[0]) if row is not None else 1

    # -- stock ---------------------------------------------------------------------------------
    def _stock(self, kind: SlipKind, lines: list[dict[str, Any]], branch: int, *, sign: int,
               account: str) -> None:
        if not kind.stock:
            return
        for line in lines:
            quantity = dec(line["STra_GCMIK"]) * sign
            amount = money(dec(line["STra_GCMIK"]) * dec(line["STra_NF"])) * sign
            if kind.stock == "order":
                changes = {"MUS_TOP_SIPARIS": quantity}
            else:
                changes = {"TOP_CIKIS_MIK": quantity, "TOP_CIKIS_TUT": amount}
                if line.get("STra_SIPNUM") and line.get("STra_SIPKONT"):
                    self._deliver(line, quantity, branch, account)
                    changes["MUS_TOP_TESLIM"] = quantity
            for depot in (int(line["DEPO_KODU"] or 0), 0):
                assignments = ", ".join(f"{c} = COALESCE({c}, 0) + ?" for c in changes)
                updated = self.conn.execute(
                    f"UPDATE TBLSTOKPH SET {assignments} WHERE SUBE_KODU = ? AND DEPO_KODU = ? "
                    f"AND STOK_KODU = ? AND YAPKOD = ''",
                    [*(float(v) for v in changes.values()), branch, depot, line["StokKodu"]]
                ).rowcount
                if not updated:
                    self._insert("TBLSTOKPH", {"SUBE_KODU": branch, "DEPO_KODU": depot,
                                               "STOK_KODU": line["StokKodu"], "YAPKOD": "",
                                               **changes})

    def _deliver(self, line: Mapping[str, Any], quantity: Decimal, branch: int,
                 account: str) -> None:
        """A dispatch line delivers (or, negative, takes back) part of the order line it names."""
        key, order = int(line["STra_SIPKONT"]), str(line["STra_SIPNUM"])
        row = self._one(f"SELECT STOK_KODU, STHAR_ACIKLAMA, {ORDER_LINE_OPEN} AS LEFT_ FROM "
                        "TBLSIPATRA WHERE INCKEYNO = ? AND FISNO = ? AND SUBE_KODU = ?",
                        key, order, branch)
        if row is None or row["STHAR_ACIKLAMA"] != account or row["STOK_KODU"] != line["StokKodu"]:
            raise NetsisError(f"Sipariş kalemi bulunamadı: {order} / {key} ({line['StokKodu']}, "
                              f"{account}){KERNEL}")
        if quantity > dec(row["LEFT_"]):
            raise NetsisError(f"Sipariş {order} kalemi {key}: kalan miktar "
                              f"{num_out(row['LEFT_'])}, teslim edilmek istenen "
                              f"{num_out(quantity)}{KERNEL}")
        self.conn.execute("UPDATE TBLSIPATRA SET FIRMA_DOVTUT = COALESCE(FIRMA_DOVTUT, 0) + ? "
                          "WHERE INCKEYNO = ?", (float(quantity), key))

    def stored_lines(self, kind: SlipKind, number_: str, branch: int) -> list[dict[str, Any]]:
        order = "SIRA, INCKEYNO" if kind.lines != "TBLSTHAR" else "INCKEYNO"
        rows = self.conn.execute(
            f"SELECT * FROM {kind.lines} WHERE FISNO = ? AND SUBE_KODU = ? ORDER BY {order}",
            (number_, branch)).fetchall()
        if kind.lines == "TBLSTHAR":
            rows = [r for r in rows if r["STHAR_FTIRSIP"] == kind.ftirsip]
        lines = []
        for index, row in enumerate(rows, start=1):
            keys = set(row.keys())
            bf, nf = dec(row["STHAR_BF"]), dec(row["STHAR_NF"])
            rate = ((1 - nf / bf) * 100).quantize(Decimal("0.01")) if bf else Decimal(0)
            line = {"StokKodu": row["STOK_KODU"],
                    "Sira": int(row["SIRA"]) if "SIRA" in keys and row["SIRA"] else index,
                    "STra_GCMIK": dec(row["STHAR_GCMIK"]), "STra_BF": bf, "STra_NF": nf,
                    "STra_SatIsk": rate, "STra_KDV": dec(row["STHAR_KDV"]),
                    "DEPO_KODU": int(row["DEPO_KODU"] or 0), "INCKEYNO": int(row["INCKEYNO"]),
                    "STra_SIPNUM": row["STHAR_SIPNUM"] if "STHAR_SIPNUM" in keys else "",
                    "STra_SIPKONT": int(row["STHAR_SIPKONT"] or 0) if "STHAR_SIPKONT" in keys
                    else 0}
            if kind.lines == "TBLSIPATRA":
                line["FIRMA_DOVTUT"] = dec(row["FIRMA_DOVTUT"])
                line["FIRMA_DOVMAL"] = dec(row["FIRMA_DOVMAL"])
            lines.append(line)
        return lines

    def _remove(self, kind: SlipKind, header: sqlite3.Row, branch: int) -> None:
        number_ = header["FATIRS_NO"]
        self._stock(kind, self.stored_lines(kind, number_, branch), branch, sign=-1,
                    account=header["CARI_KODU"])
        if kind.lines == "TBLSTHAR":
            self.conn.execute("DELETE FROM TBLSTHAR WHERE FISNO = ? AND SUBE_KODU = ? AND "
                              "STHAR_FTIRSIP = ?", (number_, branch, kind.ftirsip))
        else:
            self.conn.execute(f"DELETE FROM {kind.lines} WHERE FISNO = ? AND SUBE_KODU = ?",
                              (number_, branch))
        self.conn.execute("DELETE FROM TBLFATUEK WHERE SUBE_KODU = ? AND FKOD = ? AND FATIRSNO = ?",
                          (branch, kind.ftirsip, number_))
        self.conn.execute(f"DELETE FROM {kind.header} WHERE SUBE_KODU = ? AND FTIRSIP = ? AND "
                          f"FATIRS_NO = ?", (branch, kind.ftirsip, number_))

    # -- reading -------------------------------------------------------------------------------
    def slip_get(self, tip: int, number_: str, account: str, branch: int) -> dict[str, Any]:
        kind = self._kind(tip)
        row = self.document_header(kind, number_, account, branch)
        extras = self._one("SELECT * FROM TBLFATUEK WHERE SUBE_KODU = ? AND FKOD = ? AND "
                           "FATIRSNO = ?", branch, kind.ftirsip, number_)
        keys = set(row.keys())
        header: dict[str, Any] = {
            "Sube_Kodu": int(row["SUBE_KODU"]), "CariKod": row["CARI_KODU"],
            "FATIRS_NO": row["FATIRS_NO"], "Tarih": stored_date(row["TARIH"]), "Tip": tip,
            "TIPI": int(row["TIPI"] or 0) if "TIPI" in keys else 0,
            "Aciklama": from_netsis(row["ACIKLAMA"] or ""), "PLA_KODU": row["PLA_KODU"] or "",
            "SIPARIS_TEST": stored_date(row["SIPARIS_TEST"]) if "SIPARIS_TEST" in keys else None,
            "BRUTTUTAR": dec(row["BRUTTUTAR"]), "SAT_ISKT": dec(row["SAT_ISKT"]),
            "KDV": dec(row["KDV"]), "GENELTOPLAM": dec(row["GENELTOPLAM"]),
        }
        if "KAPATILMIS" in keys:
            header["KAPATILMIS"] = row["KAPATILMIS"] or ""
        if extras is not None:
            for n in range(1, 17):
                value = extras[f"ACIK{n}"]
                if value:
                    header[f"EKACK{n}"] = from_netsis(value)
        lines = self.stored_lines(kind, number_, branch)
        return self._document_json({"FaturaTip": tip, "Seri": "", "FatUst": header,
                                    "Kalems": lines})

    def _document_json(self, document: dict[str, Any]) -> dict[str, Any]:
        header = {}
        for key, value in document["FatUst"].items():
            if key in ("Tarih", "SIPARIS_TEST"):
                value = json_day(value) if not isinstance(value, str) else value
            elif isinstance(value, Decimal):
                value = num_out(money(value))
            header[key] = value
        renamed = {"_TUTAR": "STra_Tutar", "_FIYAT_KAYNAGI": "FiyatKaynagi",
                   "_ISKONTO_KAYNAGI": "IskontoKaynagi", "_ADI": "StokAdi"}
        lines = []
        for line in document["Kalems"]:
            out: dict[str, Any] = {}
            for key, value in line.items():
                if key == "_TUTAR":
                    value = money(value)
                out[renamed.get(key, key)] = num_out(value) if isinstance(value, Decimal) else value
            lines.append(out)
        result = {"FaturaTip": document["FaturaTip"], "FatUst": header, "Kalems": lines,
                  "KalemAdedi": len(lines)}
        if document.get("Seri"):
            result["Seri"] = document["Seri"]
        return result

    # -- risk ----------------------------------------------------------------------------------
    def risk(self, body: Mapping[str, Any], branch: int) -> Decimal:
        """``ARPs/Risk`` for ``RiskTipi`` (JTCariRiskTipi, by number or name; default 12
        crtToplam): 0 debit total, 1 credit total, 2 balance (TBLCAHAR BORC - ALACAK), 3 guarantee
        (TEMINATI), 4-7 note/cheque risks (TBLCASABIT SARISK, SCRISK, CARISK, CCRISK), 8 open
        orders (sum over open order lines of (STHAR_GCMIK - FIRMA_DOVTUT - FIRMA_DOVMAL) * STHAR_NF
        * (1 + STHAR_KDV / 100), as MobileSales computes it), 9 shipping orders and 10 loadings (0:
        not modelled), 11 dispatches not yet invoiced (the same formula over TBLSTHAR with its
        FIRMA_DOVTUT = invoiced quantity), 12 total = 2 + 4 + 5 + 6 + 7 + 8 + 11. The limit to
        compare it with is TBLCARISK.RISKLIMITI."""
        code = str(prop(body, "CariKodu") or "").strip()
        account = self.calculator.account(code)
        raw = prop(body, "RiskTipi")
        names = [n.lower() for n in RISK_TIPI]
        if isinstance(raw, str) and raw.strip().lower() in names:
            kind = names.index(raw.strip().lower())
        else:
            kind = int(number(raw, "RiskTipi")) if raw not in (None, "") else 12
        debit, credit = (dec(v) for v in self._one(
            "SELECT COALESCE(SUM(BORC), 0), COALESCE(SUM(ALACAK), 0) FROM TBLCAHAR WHERE "
            "CARI_KOD = ?", code) or (0, 0))
        figures = {0: debit, 1: credit, 2: debit - credit, 3: dec(account["TEMINATI"]),
                   4: dec(account["SARISK"]), 5: dec(account["SCRISK"]),
                   6: dec(account["CARISK"]), 7: dec(account["CCRISK"]),
                   8: self._open_value(
                       f"SELECT {ORDER_LINE_OPEN} AS Q, T.STHAR_NF, "
                       "T.STHAR_KDV FROM TBLSIPATRA T JOIN TBLSIPAMAS M ON M.FATIRS_NO = T.FISNO "
                       "AND M.SUBE_KODU = T.SUBE_KODU AND M.FTIRSIP = T.STHAR_FTIRSIP AND "
                       "M.CARI_KODU = T.STHAR_ACIKLAMA WHERE M.CARI_KODU = ? AND M.FTIRSIP = '6' "
                       "AND M.SUBE_KODU = ? AND COALESCE(M.KAPATILMIS, 'H') <> 'K' AND "
                       "COALESCE(T.STHAR_HTUR, '') <> 'K'", code, branch),
                   9: Decimal(0), 10: Decimal(0),
                   11: self._open_value(
                       "SELECT H.STHAR_GCMIK - COALESCE(H.FIRMA_DOVTUT, 0) AS Q, H.STHAR_NF, "
                       "H.STHAR_KDV FROM TBLSTHAR H JOIN TBLFATUIRS F ON F.FATIRS_NO = H.FISNO AND "
                       "F.SUBE_KODU = H.SUBE_KODU AND F.FTIRSIP = H.STHAR_FTIRSIP WHERE "
                       "F.CARI_KODU = ? AND F.FTIRSIP = '3' AND H.STHAR_GCKOD = 'C' AND "
                       "F.SUBE_KODU = ?", code, branch)}
        if kind == 12:
            return money(sum((figures[k] for k in (2, 4, 5, 6, 7, 8, 11)), Decimal(0)))
        if kind not in figures:
            raise NetsisError(f"Geçersiz risk tipi: {kind}")
        return money(figures[kind])

    def _open_value(self, sql: str, *params: Any) -> Decimal:
        total = Decimal(0)
        for row in self.conn.execute(sql, params):
            quantity = dec(row["Q"])
            if quantity > 0:
                total += quantity * dec(row["STHAR_NF"]) * (1 + dec(row["STHAR_KDV"]) / 100)
        return total
