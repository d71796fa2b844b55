"""The simulated NetOpenX kernel: what NetOpenX REST does to a Netsis company database.

An independent model of the ERP (its own JSON property <-> column map, from research/netsis.md
§1 and §3), writing with sqlite3 into the Netsis demo database:

* ARPs ``{CariTemelBilgi, CariEkBilgi}`` -> TBLCASABIT / TBLCASABITEK (id = CARI_KOD);
* Items ``{StokTemelBilgi, StokEkBilgi}`` -> TBLSTSABIT / TBLSTSABITEK (id = STOK_KODU);
* ItemSlips: order (FaturaTip 7) -> TBLSIPAMAS/TBLSIPATRA (FTIRSIP '6'), dispatch (2) ->
  TBLFATUIRS (FTIRSIP '3') + TBLSTHAR, quote (15) -> TBLTEKLIFMAS/TBLTEKLIFTRA; EKACK1..16 ->
  TBLFATUEK.ACIK1..16; 15-character numbers from ``Seri``; stock totals in TBLSTOKPH;
* property names bind case-insensitively (as the .NET server does); text is stored the way a
  Netsis database holds it (cp1254 bytes read as cp1252) and answered as proper Unicode.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from simulators.db import dec, from_netsis, money, stamp, stored_date, to_netsis, transaction

KERNEL = " | NetOpenX50.Kernel"
NUMBER_LENGTH = 15

# FaturaTip (JTFaturaTip)
FATURA_TIP = ("ftSFat", "ftAFat", "ftSIrs", "ftAIrs", "ftDepo", "ftLokalDepo", "ftASip", "ftSSip",
              "ftAmbarG", "ftAmbarC", "ftSSIrs", "ftSAIrs", "ftAlTalep", "ftAlTeklif",
              "ftSatTalep", "ftSatTeklif", "ftSPSIrs", "ftSPAIrs", "ftSProforma")


class NetsisError(Exception):
    """A business error of the kernel: HTTP 200, ``IsSuccessful: false``, this ``ErrorDesc``."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


def duplicate(table: str, value: str) -> NetsisError:
    return NetsisError(
        f"Violation of PRIMARY KEY constraint 'PK_{table}'. Cannot insert duplicate key in object "
        f"'dbo.{table}'. The duplicate key value is ({value}). (NetsisMS-23000,2627){KERNEL}")


def truncated(name: str, length: int) -> NetsisError:
    return NetsisError(f"{name}: String or binary data would be truncated (en fazla {length} "
                       f"karakter). (NetsisMS-22001,8152){KERNEL}")


# -- property <-> column maps (name as the official client spells it -> kind, length) -------------
@dataclass(frozen=True, slots=True)
class Prop:
    name: str
    kind: str = "str"  # str | int | dec | date
    length: int = 0

    @property
    def column(self) -> str:
        return self.name.upper()


def _props(spec: str) -> tuple[Prop, ...]:
    out = []
    for item in spec.split():
        name, _, rest = item.partition(":")
        kind, _, length = rest.partition("/")
        out.append(Prop(name, kind or "str", int(length or 0)))
    return tuple(out)


ARPS_PRIM = _props(
    "Sube_Kodu:int ISLETME_KODU:int CARI_KOD:str/15 CARI_ISIM:str/100 CARI_TIP:str/1 "
    "Grup_Kodu:str/8 RAPOR_KODU1:str/8 RAPOR_KODU2:str/8 RAPOR_KODU3:str/8 RAPOR_KODU4:str/8 "
    "RAPOR_KODU5:str/8 CARI_ADRES:str/100 CARI_IL:str/15 CARI_ILCE:str/15 ULKE_KODU:str/4 "
    "CARI_TEL:str/20 POSTAKODU:str/8 VERGI_DAIRESI:str/15 VERGI_NUMARASI:str/15 EMAIL:str/60 "
    "WEB:str/60 Plasiyer_Kodu:str/8 M_KOD:str/15 DOVIZ_TIPI:int DOVIZ_TURU:int VADE_GUNU:int "
    "ISKONTO_ORANI:dec LISTE_FIATI:int FIYATGRUBU:str/8 KOSULKODU:str/8 ODEMETIPI:str/1 "
    "RISK_SINIRI:dec TEMINATI:dec")
ARPS_READONLY = _props("CM_BORCT:dec CM_ALACT:dec KAYITTARIHI:date DUZELTMETARIHI:date")
ARPS_SUPP = _props(
    "CARI_KOD:str/15 TcKimlikNo:str/11 Kull1S:str/50 Kull2S:str/50 Kull3S:str/50 Kull4S:str/50 "
    "Kull5S:str/50 Kull6S:str/50 Kull7S:str/50 Kull8S:str/50 Kull1N:dec Kull2N:dec Kull3N:dec "
    "Kull4N:dec Kull5N:dec Kull6N:dec Kull7N:dec Kull8N:dec CariAlias:str/50")
ITEMS_PRIM = _props(
    "Sube_Kodu:int Isletme_Kodu:int Stok_Kodu:str/35 Stok_Adi:str/50 Grup_Kodu:str/8 "
    "Kod_1:str/8 Kod_2:str/8 Kod_3:str/8 Kod_4:str/8 Kod_5:str/8 Olcu_Br1:str/3 Olcu_Br2:str/3 "
    "Olcu_Br3:str/3 Pay_1:dec Payda_1:dec Pay2:dec Payda2:dec Satis_Fiat1:dec Satis_Fiat2:dec "
    "Satis_Fiat3:dec Satis_Fiat4:dec Sat_Dov_Tip:int Alis_Fiat1:dec KDV_Orani:dec Depo_Kodu:int "
    "Barkod1:str/35 Barkod2:str/35 Barkod3:str/35 Satici_Kodu:str/15 FiyatKodu:str/8")
ITEMS_READONLY = _props("KAYITTARIHI:date DUZELTMETARIHI:date")
ITEMS_SUPP = _props(
    "Stok_Kodu:str/35 Ingisim:str/50 Kull1S:str/50 Kull2S:str/50 Kull3S:str/50 Kull4S:str/50 "
    "Kull5S:str/50 Kull6S:str/50 Kull7S:str/50 Kull8S:str/50")


@dataclass(frozen=True, slots=True)
class Card:
    resource: str
    prim_name: str
    supp_name: str
    prim_table: str
    supp_table: str
    key: str  # key column
    prim: tuple[Prop, ...]
    readonly: tuple[Prop, ...]
    supp: tuple[Prop, ...]
    used_in: tuple[tuple[str, str], ...]  # (table, column) that block a delete


CARDS: dict[str, Card] = {
    "ARPs": Card("ARPs", "CariTemelBilgi", "CariEkBilgi", "TBLCASABIT", "TBLCASABITEK", "CARI_KOD",
                 ARPS_PRIM, ARPS_READONLY, ARPS_SUPP,
                 (("TBLCAHAR", "CARI_KOD"), ("TBLSIPAMAS", "CARI_KODU"),
                  ("TBLFATUIRS", "CARI_KODU"), ("TBLTEKLIFMAS", "CARI_KODU"))),
    "Items": Card("Items", "StokTemelBilgi", "StokEkBilgi", "TBLSTSABIT", "TBLSTSABITEK",
                  "STOK_KODU", ITEMS_PRIM, ITEMS_READONLY, ITEMS_SUPP,
                  (("TBLSTHAR", "STOK_KODU"), ("TBLSIPATRA", "STOK_KODU"),
                   ("TBLTEKLIFTRA", "STOK_KODU"))),
}


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


def prop(data: Mapping[str, Any] | None, name: str) -> Any:
    if not data:
        return None
    if name in data:
        return data[name]
    lowered = name.lower()
    for key, value in data.items():
        if key.lower() == lowered:
            return value
    return None


def flag(data: Mapping[str, Any], name: str) -> bool:
    value = prop(data, name)
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "evet")
    return bool(value)


def fatura_tip(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(FATURA_TIP):
        return value
    if isinstance(value, str):
        if value.isdigit():
            return fatura_tip(int(value))
        names = [n.lower() for n in FATURA_TIP]
        if value.lower() in names:
            return names.index(value.lower())
    raise NetsisError(f"Geçersiz belge tipi (FaturaTip): {value!r}")


def parse_day(value: Any, name: str) -> date:
    text = str(value or "").strip()
    for pattern in ("%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%d.%m.%Y"):
        try:
            return datetime.strptime(text[:19] if "T" in text or " " in text else text,
                                     pattern).date()
        except ValueError:
            continue
    raise NetsisError(f"{name}: '{text}' geçerli bir tarih değil")


def json_day(value: Any) -> str | None:
    day = stored_date(value)
    return f"{day.isoformat()}T00:00:00" if day else None


def _number(value: Any, name: str) -> Decimal:
    if value is None or value == "":
        return Decimal(0)
    if isinstance(value, bool):
        raise NetsisError(f"{name}: sayı bekleniyor")
    try:
        return Decimal(str(value))
    except Exception:
        raise NetsisError(f"{name}: '{value}' geçerli bir sayı değil") from None


def _num_out(value: Any) -> float | int:
    amount = dec(value)
    return int(amount) if amount == amount.to_integral_value() else float(amount)


class NetsisModel:
    """NetOpenX over one Netsis company database."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def _one(self, sql: str, *params: Any) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.conn.execute(sql, params).fetchone()
        return row

    def _insert(self, table: str, values: Mapping[str, Any]) -> None:
        columns = list(values)
        self.conn.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                          f"({', '.join('?' for _ in columns)})", [_bind(values[c]) for c in columns])

    # -- cards ---------------------------------------------------------------------------------
    def _columns(self, props: tuple[Prop, ...], data: Mapping[str, Any] | None) -> dict[str, Any]:
        values: dict[str, Any] = {}
        if not data:
            return values
        for p in props:
            raw = prop(data, p.name)
            if raw is None:
                continue
            if p.kind == "str":
                text = str(raw)
                if p.length and len(text) > p.length:
                    raise truncated(p.name, p.length)
                values[p.column] = to_netsis(text)
            elif p.kind == "int":
                values[p.column] = int(_number(raw, p.name))
            elif p.kind == "dec":
                values[p.column] = _number(raw, p.name)
            else:
                values[p.column] = stamp(parse_day(raw, p.name))
        return values

    def _render(self, props: tuple[Prop, ...], row: sqlite3.Row | None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if row is None:
            return out
        keys = set(row.keys())
        for p in props:
            if p.column not in keys:
                continue
            value = row[p.column]
            if p.kind == "str":
                out[p.name] = from_netsis(value) if value is not None else None
            elif p.kind == "int":
                out[p.name] = int(value or 0)
            elif p.kind == "dec":
                out[p.name] = _num_out(value)
            else:
                out[p.name] = json_day(value)
        return out

    def card_get(self, resource: str, code: str) -> dict[str, Any]:
        card = CARDS[resource]
        row = self._one(f"SELECT * FROM {card.prim_table} WHERE {card.key} = ?", code)
        if row is None:
            what = "Cari" if resource == "ARPs" else "Stok"
            raise NetsisError(f"{what} kaydı bulunamadı: {code}{KERNEL}")
        supp = self._one(f"SELECT * FROM {card.supp_table} WHERE {card.key} = ?", code)
        return {card.prim_name: self._render(card.prim + card.readonly, row),
                card.supp_name: self._render(card.supp, supp) or None}

    def card_post(self, resource: str, body: Mapping[str, Any], branch: int) -> dict[str, Any]:
        card = CARDS[resource]
        prim = prop(body, card.prim_name)
        if not isinstance(prim, Mapping):
            raise NetsisError(f"{card.prim_name} bilgisi boş olamaz")
        values = self._columns(card.prim, prim)
        code = str(values.get(card.key, "")).strip()
        if not code:
            raise NetsisError(f"{card.key} boş olamaz")
        with transaction(self.conn):
            if self._one(f"SELECT 1 FROM {card.prim_table} WHERE {card.key} = ?", code):
                raise duplicate(card.prim_table, code)
            values.setdefault("SUBE_KODU", branch)
            values["KAYITTARIHI"] = stamp()
            self._insert(card.prim_table, values)
            supp = self._columns(card.supp, prop(body, card.supp_name))
            supp[card.key] = code
            self._insert(card.supp_table, supp)
        return self.card_get(resource, code)

    def card_put(self, resource: str, code: str, body: Mapping[str, Any]) -> dict[str, Any]:
        card = CARDS[resource]
        with transaction(self.conn):
            if not self._one(f"SELECT 1 FROM {card.prim_table} WHERE {card.key} = ?", code):
                raise NetsisError(f"Güncellenecek kayıt bulunamadı: {code}{KERNEL}")
            values = self._columns(card.prim, prop(body, card.prim_name))
            new_code = str(values.pop(card.key, code)).strip()
            if new_code != code:
                raise NetsisError(f"{card.key} değiştirilemez ({code} -> {new_code})")
            values["DUZELTMETARIHI"] = stamp()
            self._update(card.prim_table, card.key, code, values)
            supp = self._columns(card.supp, prop(body, card.supp_name))
            supp.pop(card.key, None)
            if supp:
                if self._one(f"SELECT 1 FROM {card.supp_table} WHERE {card.key} = ?", code):
                    self._update(card.supp_table, card.key, code, supp)
                else:
                    self._insert(card.supp_table, {card.key: code, **supp})
        return self.card_get(resource, code)

    def _update(self, table: str, key: str, code: str, values: Mapping[str, Any]) -> None:
        if values:
            self.conn.execute(f"UPDATE {table} SET {', '.join(f'{c} = ?' for c in values)} "
                              f"WHERE {key} = ?", [*(_bind(v) for v in values.values()), code])

    def card_delete(self, resource: str, code: str) -> None:
        card = CARDS[resource]
        with transaction(self.conn):
            if not self._one(f"SELECT 1 FROM {card.prim_table} WHERE {card.key} = ?", code):
                raise NetsisError(f"Silinecek kayıt bulunamadı: {code}{KERNEL}")
            for table, column in card.used_in:
                if self._one(f"SELECT 1 FROM {table} WHERE {column} = ? LIMIT 1", code):
                    raise NetsisError(f"{code} kodlu kart hareket görmüş ({table}), silinemez"
                                      f"{KERNEL}")
            self.conn.execute(f"DELETE FROM {card.supp_table} WHERE {card.key} = ?", (code,))
            self.conn.execute(f"DELETE FROM {card.prim_table} WHERE {card.key} = ?", (code,))

    # -- documents -----------------------------------------------------------------------------
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
        tip = fatura_tip(prop(body, "DocumentType"))
        kind = SLIPS.get(tip)
        if kind is None:
            raise NetsisError(f"{FATURA_TIP[tip]} belge tipi simülatörde desteklenmiyor")
        return self.next_number(kind, str(prop(body, "Code") or ""), branch)

    def _account(self, code: str) -> sqlite3.Row:
        row = self._one("SELECT * FROM TBLCASABIT WHERE CARI_KOD = ?", code)
        if row is None:
            raise NetsisError(f"Cari bulunamadı: {code}{KERNEL}")
        return row

    def _price_system(self, item: str, group: str, on: date) -> Decimal | None:
        rows = self.conn.execute(
            "SELECT FIYATGRUBU, FIYAT1, BASTAR, BITTAR FROM TBLSTOKFIAT WHERE STOKKODU = ? AND "
            "COALESCE(A_S, 'S') = 'S'", (item,)).fetchall()
        best: tuple[int, Decimal] | None = None
        for row in rows:
            begins, ends = stored_date(row["BASTAR"]), stored_date(row["BITTAR"])
            if (begins and on < begins) or (ends and on > ends):
                continue
            row_group = row["FIYATGRUBU"] or ""
            if row_group and row_group != group:
                continue
            rank = 0 if row_group else 1
            if best is None or rank < best[0]:
                best = (rank, dec(row["FIYAT1"]))
        return best[1] if best else None

    def compute(self, body: Mapping[str, Any], branch: int) -> dict[str, Any]:
        """Check and price a document (what ``Calculate`` answers and ``POST`` saves)."""
        tip = fatura_tip(prop(body, "FaturaTip"))
        if tip not in SLIPS:
            raise NetsisError(f"{FATURA_TIP[tip]} belge tipi simülatörde desteklenmiyor")
        header_in = prop(body, "FatUst")
        if not isinstance(header_in, Mapping):
            raise NetsisError("FatUst (belge başlığı) boş olamaz")
        account_code = str(prop(header_in, "CariKod") or "").strip()
        if not account_code:
            raise NetsisError("FatUst.CariKod boş olamaz")
        account = self._account(account_code)
        on = parse_day(prop(header_in, "Tarih"), "Tarih")
        salesman = str(prop(header_in, "PLA_KODU") or "").strip()
        if salesman and not self._one("SELECT 1 FROM TBLCARIPLASIYER WHERE PLASIYER_KODU = ?",
                                      salesman):
            raise NetsisError(f"Plasiyer bulunamadı: {salesman}")
        lines_in = prop(body, "Kalems")
        if not isinstance(lines_in, list) or not lines_in:
            raise NetsisError("Kalems: belgede en az bir kalem olmalı")
        conditional = flag(body, "KosulluHesapla")
        by_card = flag(body, "StokKartinaGoreHesapla")
        by_system = flag(body, "FiyatSistemineGoreHesapla")
        vat_included = flag(header_in, "KDV_DAHILMI")
        list_no = int(account["LISTE_FIATI"] or 1)
        list_no = list_no if 1 <= list_no <= 4 else 1
        gross = discount = vat_total = Decimal(0)
        lines: list[dict[str, Any]] = []
        for index, line in enumerate(lines_in, start=1):
            if not isinstance(line, Mapping):
                raise NetsisError(f"Kalems[{index}] geçersiz")
            code = str(prop(line, "StokKodu") or "").strip()
            item = self._one("SELECT * FROM TBLSTSABIT WHERE STOK_KODU = ?", code)
            if item is None:
                raise NetsisError(f"Stok kodu bulunamadı: {code}{KERNEL}")
            quantity = _number(prop(line, "STra_GCMIK"), "STra_GCMIK")
            if quantity <= 0:
                raise NetsisError(f"Kalems[{index}].STra_GCMIK sıfırdan büyük olmalı")
            depot = int(_number(prop(line, "DEPO_KODU"), "DEPO_KODU")) or int(item["DEPO_KODU"] or 0)
            if depot and not self._one("SELECT 1 FROM TBLSTOKDP WHERE DEPO_KODU = ?", depot):
                raise NetsisError(f"Depo bulunamadı: {depot}")
            sent_bf = prop(line, "STra_BF")
            price = _number(sent_bf, "STra_BF")
            source = "belge"
            if by_card and dec(item[f"SATIS_FIAT{list_no}"]) > 0:
                price, source = dec(item[f"SATIS_FIAT{list_no}"]), f"stok kartı (fiyat {list_no})"
            if by_system:
                system = self._price_system(code, str(account["FIYATGRUBU"] or ""), on)
                if system is not None:
                    price, source = system, "fiyat sistemi"
            rate = _number(prop(line, "STra_SatIsk"), "STra_SatIsk")
            if conditional and not rate and dec(account["ISKONTO_ORANI"]) > 0:
                rate = dec(account["ISKONTO_ORANI"])
            sent_nf = prop(line, "STra_NF")
            if not rate and sent_nf not in (None, "") and source == "belge":
                net = _number(sent_nf, "STra_NF")
            else:
                net = (price * (1 - rate / 100)).quantize(Decimal("0.0001"))
            vat_rate = _number(prop(line, "STra_KDV"), "STra_KDV") if prop(line, "STra_KDV") \
                is not None else dec(item["KDV_ORANI"])
            line_gross = money(quantity * price)
            line_net = money(quantity * net)
            if vat_included:
                base = money(line_net / (1 + vat_rate / 100))
                line_vat = line_net - base
            else:
                base = line_net
                line_vat = money(line_net * vat_rate / 100)
            gross += line_gross
            discount += line_gross - line_net
            vat_total += line_vat
            lines.append({
                "StokKodu": code, "Sira": index, "STra_GCMIK": quantity, "STra_BF": price,
                "STra_NF": net, "STra_SatIsk": rate, "STra_KDV": vat_rate, "DEPO_KODU": depot,
                "Olcubr": int(_number(prop(line, "Olcubr"), "Olcubr") or 1),
                "STra_SIPNUM": str(prop(line, "STra_SIPNUM") or ""),
                "STra_SIPKONT": int(_number(prop(line, "STra_SIPKONT"), "STra_SIPKONT")),
                "STra_ACIK": str(prop(line, "STra_ACIK") or ""),
                "_TUTAR": base, "_FIYAT_KAYNAGI": source, "_ADI": from_netsis(item["STOK_ADI"] or ""),
            })
        header = {
            "Sube_Kodu": branch, "CariKod": account_code, "Tarih": on, "Tip": tip,
            "TIPI": int(_number(prop(header_in, "TIPI"), "TIPI") or 2),
            "FATIRS_NO": str(prop(header_in, "FATIRS_NO") or "").strip(),
            "Aciklama": str(prop(header_in, "Aciklama") or ""), "PLA_KODU": salesman,
            "SIPARIS_TEST": parse_day(prop(header_in, "SIPARIS_TEST"), "SIPARIS_TEST")
            if prop(header_in, "SIPARIS_TEST") else None,
            "KDV_DAHILMI": vat_included,
            "BRUTTUTAR": gross, "SAT_ISKT": discount, "KDV": vat_total,
            "GENELTOPLAM": gross - discount + vat_total,
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

    def calculate(self, body: Mapping[str, Any], branch: int) -> dict[str, Any]:
        return self._document_json(self.compute(body, branch))

    def slip_post(self, body: Mapping[str, Any], branch: int) -> dict[str, Any]:
        document = self.compute(body, branch)
        kind = SLIPS[document["FaturaTip"]]
        header = document["FatUst"]
        with transaction(self.conn):
            number = header["FATIRS_NO"]
            if not number:
                if not document["Seri"]:
                    raise NetsisError("Belge numarası (FATIRS_NO) veya Seri verilmeli")
                number = self.next_number(kind, document["Seri"], branch)
            if len(number) > NUMBER_LENGTH:
                raise truncated("FATIRS_NO", NUMBER_LENGTH)
            if self._one(f"SELECT 1 FROM {kind.header} WHERE SUBE_KODU = ? AND FTIRSIP = ? AND "
                         f"FATIRS_NO = ?", branch, kind.ftirsip, number):
                raise duplicate(kind.header, f"{branch}, {kind.ftirsip}, {number}")
            header["FATIRS_NO"] = number
            self._save(kind, document, branch)
        return self.slip_get(kind.tip, number, header["CariKod"], branch)

    def slip_put(self, tip: int, number: str, account: str, body: Mapping[str, Any],
                 branch: int) -> dict[str, Any]:
        kind = self._kind(tip)
        document = self.compute(body, branch)
        if document["FaturaTip"] != tip:
            raise NetsisError("Belge tipi değiştirilemez")
        with transaction(self.conn):
            existing = self._header(kind, number, account, branch)
            document["FatUst"]["FATIRS_NO"] = number
            self._remove(kind, existing, branch)
            self._save(kind, document, branch)
        return self.slip_get(tip, number, document["FatUst"]["CariKod"], branch)

    def _kind(self, tip: int) -> SlipKind:
        kind = SLIPS.get(tip)
        if kind is None:
            raise NetsisError(f"{FATURA_TIP[tip]} belge tipi simülatörde desteklenmiyor")
        return kind

    def _header(self, kind: SlipKind, number: str, account: str, branch: int) -> sqlite3.Row:
        row = self._one(f"SELECT * FROM {kind.header} WHERE SUBE_KODU = ? AND FTIRSIP = ? AND "
                        f"FATIRS_NO = ?", branch, kind.ftirsip, number)
        if row is None or (account and row["CARI_KODU"] != account):
            raise NetsisError(f"Belge bulunamadı: {FATURA_TIP[kind.tip]};{number};{account}"
                              f"{KERNEL}")
        return row

    def _save(self, kind: SlipKind, document: dict[str, Any], branch: int) -> None:
        header = document["FatUst"]
        number, account = header["FATIRS_NO"], header["CariKod"]
        values: dict[str, Any] = {
            "SUBE_KODU": branch, "FTIRSIP": kind.ftirsip, "FATIRS_NO": number,
            "CARI_KODU": account, "TARIH": stamp(header["Tarih"]),
            "BRUTTUTAR": money(header["BRUTTUTAR"]), "SAT_ISKT": money(header["SAT_ISKT"]),
            "KDV": money(header["KDV"]), "GENELTOPLAM": money(header["GENELTOPLAM"]),
            "ACIKLAMA": to_netsis(header["Aciklama"]), "PLA_KODU": header["PLA_KODU"],
            "KAYITTARIHI": stamp(), "KAYITYAPANKUL": "NETOPENX",
        }
        if kind.header != "TBLTEKLIFMAS":
            values["TIPI"] = header["TIPI"]
        if kind.header == "TBLSIPAMAS" and header.get("SIPARIS_TEST"):
            values["SIPARIS_TEST"] = stamp(header["SIPARIS_TEST"])
        if kind.header == "TBLFATUIRS":
            values["FATKALEM_ADEDI"] = len(document["Kalems"])
        self._insert(kind.header, values)
        extras = {f"ACIK{n}": to_netsis(header[f"EKACK{n}"]) for n in range(1, 17)
                  if f"EKACK{n}" in header}
        self._insert("TBLFATUEK", {"SUBE_KODU": branch, "FKOD": kind.ftirsip, "FATIRSNO": number,
                                   "CKOD": account, **extras})
        day = stamp(header["Tarih"])
        for line in document["Kalems"]:
            row: dict[str, Any] = {
                "SUBE_KODU": branch, "FISNO": number, "STOK_KODU": line["StokKodu"],
                "STHAR_GCMIK": line["STra_GCMIK"], "STHAR_BF": line["STra_BF"],
                "STHAR_NF": line["STra_NF"], "STHAR_KDV": line["STra_KDV"],
                "DEPO_KODU": line["DEPO_KODU"], "STHAR_TARIH": day,
                "INCKEYNO": self._next_key(kind.lines),
            }
            if kind.lines == "TBLTEKLIFTRA":
                row["SIRA"] = line["Sira"]
                row["STHAR_ACIKLAMA"] = account
            elif kind.lines == "TBLSIPATRA":
                row.update({"SIRA": line["Sira"], "STHAR_FTIRSIP": kind.ftirsip,
                            "STHAR_GCKOD": "C", "STHAR_ACIKLAMA": account,
                            "STHAR_CARIKOD": account})
            else:
                row.update({"STHAR_GCKOD": "C", "STHAR_FTIRSIP": kind.ftirsip,
                            "STHAR_CARIKOD": account, "STHAR_ACIKLAMA": account,
                            "STHAR_SIPNUM": line["STra_SIPNUM"],
                            "STHAR_SIPKONT": line["STra_SIPKONT"]})
            self._insert(kind.lines, row)
        self._stock(kind, document["Kalems"], branch, sign=1)

    def _next_key(self, table: str) -> int:
        row = self._one(f"SELECT COALESCE(MAX(INCKEYNO), 0) + 1 FROM {table}")
        return int(row[0]) if row is not None else 1

    def _stock(self, kind: SlipKind, lines: list[dict[str, Any]], branch: int, *, sign: int) -> None:
        if not kind.stock:
            return
        for line in lines:
            quantity = dec(line["STra_GCMIK"]) * sign
            amount = money(dec(line["STra_GCMIK"]) * dec(line["STra_NF"])) * sign
            if kind.stock == "order":
                changes = {"MUS_TOP_SIPARIS": quantity}
            else:
                changes = {"TOP_CIKIS_MIK": quantity, "TOP_CIKIS_TUT": amount}
            for depot in (int(line["DEPO_KODU"] or 0), 0):
                assignments = ", ".join(f"{c} = COALESCE({c}, 0) + ?" for c in changes)
                updated = self.conn.execute(
                    f"UPDATE TBLSTOKPH SET {assignments} WHERE SUBE_KODU = ? AND DEPO_KODU = ? "
                    f"AND STOK_KODU = ? AND YAPKOD = ''",
                    [*(float(v) for v in changes.values()), branch, depot, line["StokKodu"]]
                ).rowcount
                if not updated and depot:
                    self._insert("TBLSTOKPH", {"SUBE_KODU": branch, "DEPO_KODU": depot,
                                               "STOK_KODU": line["StokKodu"], "YAPKOD": "",
                                               **changes})
            if kind.stock == "dispatch" and line.get("STra_SIPNUM") and line.get("STra_SIPKONT"):
                self.conn.execute("UPDATE TBLSIPATRA SET FIRMA_DOVTUT = COALESCE(FIRMA_DOVTUT, 0) "
                                  "+ ? WHERE INCKEYNO = ? AND FISNO = ?",
                                  (float(quantity), int(line["STra_SIPKONT"]), line["STra_SIPNUM"]))
                self.conn.execute("UPDATE TBLSTOKPH SET MUS_TOP_TESLIM = COALESCE(MUS_TOP_TESLIM, 0) "
                                  "+ ? WHERE SUBE_KODU = ? AND DEPO_KODU = ? AND STOK_KODU = ? AND "
                                  "YAPKOD = ''", (float(quantity), branch,
                                                  int(line["DEPO_KODU"] or 0), line["StokKodu"]))

    def _stored_lines(self, kind: SlipKind, number: str, branch: int) -> list[dict[str, Any]]:
        order = "SIRA, INCKEYNO" if kind.lines != "TBLSTHAR" else "INCKEYNO"
        rows = self.conn.execute(
            f"SELECT * FROM {kind.lines} WHERE FISNO = ? AND SUBE_KODU = ? ORDER BY {order}",
            (number, branch)).fetchall()
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
            lines.append(line)
        return lines

    def _remove(self, kind: SlipKind, header: sqlite3.Row, branch: int) -> None:
        number = header["FATIRS_NO"]
        self._stock(kind, self._stored_lines(kind, number, branch), branch, sign=-1)
        if kind.lines == "TBLSTHAR":
            self.conn.execute("DELETE FROM TBLSTHAR WHERE FISNO = ? AND SUBE_KODU = ? AND "
                              "STHAR_FTIRSIP = ?", (number, branch, kind.ftirsip))
        else:
            self.conn.execute(f"DELETE FROM {kind.lines} WHERE FISNO = ? AND SUBE_KODU = ?",
                              (number, branch))
        self.conn.execute("DELETE FROM TBLFATUEK WHERE SUBE_KODU = ? AND FKOD = ? AND FATIRSNO = ?",
                          (branch, kind.ftirsip, number))
        self.conn.execute(f"DELETE FROM {kind.header} WHERE SUBE_KODU = ? AND FTIRSIP = ? AND "
                          f"FATIRS_NO = ?", (branch, kind.ftirsip, number))

    def slip_delete(self, tip: int, number: str, account: str, branch: int) -> None:
        kind = self._kind(tip)
        with transaction(self.conn):
            header = self._header(kind, number, account, branch)
            if kind.tip == 7 and self._one("SELECT 1 FROM TBLSTHAR WHERE STHAR_SIPNUM = ? AND "
                                           "SUBE_KODU = ? LIMIT 1", number, branch):
                raise NetsisError(f"Sipariş {number} irsaliyeye aktarılmış, silinemez{KERNEL}")
            self._remove(kind, header, branch)

    def slip_get(self, tip: int, number: str, account: str, branch: int) -> dict[str, Any]:
        kind = self._kind(tip)
        row = self._header(kind, number, account, branch)
        extras = self._one("SELECT * FROM TBLFATUEK WHERE SUBE_KODU = ? AND FKOD = ? AND "
                           "FATIRSNO = ?", branch, kind.ftirsip, number)
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
        if extras is not None:
            for n in range(1, 17):
                value = extras[f"ACIK{n}"]
                if value:
                    header[f"EKACK{n}"] = from_netsis(value)
        lines = self._stored_lines(kind, number, branch)
        return self._document_json({"FaturaTip": tip, "Seri": "", "FatUst": header,
                                    "Kalems": lines})

    def _document_json(self, document: dict[str, Any]) -> dict[str, Any]:
        header = {}
        for key, value in document["FatUst"].items():
            if key in ("Tarih", "SIPARIS_TEST"):
                value = json_day(value) if not isinstance(value, str) else value
            elif isinstance(value, Decimal):
                value = _num_out(money(value))
            header[key] = value
        lines = []
        for line in document["Kalems"]:
            out: dict[str, Any] = {}
            for key, value in line.items():
                if key == "_TUTAR":
                    out["STra_Tutar"] = _num_out(money(value))
                elif key == "_FIYAT_KAYNAGI":
                    out["FiyatKaynagi"] = value
                elif key == "_ADI":
                    out["StokAdi"] = value
                else:
                    out[key] = _num_out(value) if isinstance(value, Decimal) else value
            lines.append(out)
        result = {"FaturaTip": document["FaturaTip"], "FatUst": header, "Kalems": lines,
                  "KalemAdedi": len(lines)}
        if document.get("Seri"):
            result["Seri"] = document["Seri"]
        return result

    # -- risk ----------------------------------------------------------------------------------
    def risk(self, body: Mapping[str, Any], branch: int) -> Decimal:
        code = str(prop(body, "CariKodu") or "").strip()
        account = self._account(code)
        kind = int(_number(prop(body, "RiskTipi"), "RiskTipi") or 12)
        balance_row = self._one("SELECT COALESCE(SUM(BORC), 0) - COALESCE(SUM(ALACAK), 0) FROM "
                                "TBLCAHAR WHERE CARI_KOD = ?", code)
        balance = dec(balance_row[0] if balance_row else 0)
        orders_row = self._one("SELECT COALESCE(SUM(GENELTOPLAM), 0) FROM TBLSIPAMAS WHERE "
                               "CARI_KODU = ? AND FTIRSIP = '6' AND SUBE_KODU = ?", code, branch)
        orders = dec(orders_row[0] if orders_row else 0)
        dispatches_row = self._one("SELECT COALESCE(SUM(GENELTOPLAM), 0) FROM TBLFATUIRS WHERE "
                                   "CARI_KODU = ? AND FTIRSIP = '3' AND SUBE_KODU = ?", code, branch)
        dispatches = dec(dispatches_row[0] if dispatches_row else 0)
        figures = {
            0: dec(self._scalar("SELECT COALESCE(SUM(BORC), 0) FROM TBLCAHAR WHERE CARI_KOD = ?",
                                code)),
            1: dec(self._scalar("SELECT COALESCE(SUM(ALACAK), 0) FROM TBLCAHAR WHERE CARI_KOD = ?",
                                code)),
            2: balance, 3: dec(account["TEMINATI"]), 4: dec(account["SARISK"]),
            5: dec(account["SCRISK"]), 6: dec(account["CARISK"]), 7: dec(account["CCRISK"]),
            8: orders, 9: dispatches, 10: Decimal(0), 11: dispatches,
        }
        if kind == 12:
            return money(balance + orders + dispatches + dec(account["CARISK"])
                         + dec(account["CCRISK"]) + dec(account["SARISK"]) + dec(account["SCRISK"]))
        if kind not in figures:
            raise NetsisError(f"Geçersiz risk tipi: {kind}")
        return money(figures[kind])

    def _scalar(self, sql: str, *params: Any) -> Any:
        row = self._one(sql, *params)
        return row[0] if row is not None else None


def _bind(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return value

