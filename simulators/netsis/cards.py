"""Cards in the simulated NetOpenX: ARPs ``{CariTemelBilgi, CariEkBilgi}`` -> TBLCASABIT /
TBLCASABITEK (id = CARI_KOD) and Items ``{StokTemelBilgi, StokEkBilgi}`` -> TBLSTSABIT /
TBLSTSABITEK (id = STOK_KODU), with their own property <-> column map (research/netsis.md §1.11).

``PUT ARPs/{id}`` and ``PUT Items/{id}`` replace the whole record, as a model-binding ASP.NET
server does: every property of the main and the extension object that the body does not carry
(absent or null; an absent extension object counts as an empty one) is reset to its column's
default ('' or 0). The key and the kernel's own columns (balances, record dates) are kept. That is
what makes a partial PUT dangerous; real clients GET the record, change it and PUT it whole
(research/quotes.md §2: whether NetOpenX really blanks them is unverified). ``card_put="merge"``
(NetsisSimConfig) keeps the older behaviour of updating only the properties sent.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from simulators.db import from_netsis, stamp, to_netsis, transaction
from simulators.netsis.values import (
    KERNEL,
    NetsisError,
    bind,
    duplicate,
    json_day,
    num_out,
    number,
    parse_day,
    prop,
    truncated,
)


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


def _default(text: Any) -> Any:
    """A column default from ``PRAGMA table_info`` as a value ('' / 0 / NULL)."""
    if text is None:
        return None
    value = str(text)
    if value.startswith("'") and value.endswith("'"):
        return value[1:-1]
    try:
        return int(value)
    except ValueError:
        return float(value)


class CardBook:
    def __init__(self, conn: sqlite3.Connection, *, card_put: str = "replace") -> None:
        if card_put not in ("replace", "merge"):
            raise ValueError(f"card_put must be 'replace' or 'merge', not {card_put!r}")
        self.conn = conn
        self.put_mode = card_put

    def _one(self, sql: str, *params: Any) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.conn.execute(sql, params).fetchone()
        return row

    def _insert(self, table: str, values: Mapping[str, Any]) -> None:
        columns = list(values)
        self.conn.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                          f"({', '.join('?' for _ in columns)})", [bind(values[c]) for c in columns])

    def _update(self, table: str, key: str, code: str, values: Mapping[str, Any]) -> None:
        if values:
            self.conn.execute(f"UPDATE {table} SET {', '.join(f'{c} = ?' for c in values)} "
                              f"WHERE {key} = ?", [*(bind(v) for v in values.values()), code])

    def _columns(self, props: tuple[Prop, ...], data: Mapping[str, Any] | None, *,
                 reset_table: str = "") -> dict[str, Any]:
        """Column values of the properties sent; with ``reset_table`` the ones not sent get that
        table's column defaults (a whole-record replace)."""
        values: dict[str, Any] = {}
        defaults: dict[str, Any] = {}
        if reset_table:
            defaults = {str(row[1]).upper(): _default(row[4])
                        for row in self.conn.execute(f"PRAGMA table_info({reset_table})")}
        for p in props:
            raw = prop(data, p.name)
            if raw is None:
                if p.column in defaults:
                    values[p.column] = defaults[p.column]
                continue
            if p.kind == "str":
                text = str(raw)
                if p.length and len(text) > p.length:
                    raise truncated(p.name, p.length)
                values[p.column] = to_netsis(text)
            elif p.kind == "int":
                values[p.column] = int(number(raw, p.name))
            elif p.kind == "dec":
                values[p.column] = number(raw, p.name)
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
                out[p.name] = num_out(value)
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
        replace = self.put_mode == "replace"
        prim = prop(body, card.prim_name)
        if replace and not isinstance(prim, Mapping):
            raise NetsisError(f"{card.prim_name} bilgisi boş olamaz")
        with transaction(self.conn):
            if not self._one(f"SELECT 1 FROM {card.prim_table} WHERE {card.key} = ?", code):
                raise NetsisError(f"Güncellenecek kayıt bulunamadı: {code}{KERNEL}")
            values = self._columns(card.prim, prim, reset_table=card.prim_table if replace else "")
            new_code = str(values.pop(card.key, None) or code).strip()
            if new_code != code:
                raise NetsisError(f"{card.key} değiştirilemez ({code} -> {new_code})")
            values["DUZELTMETARIHI"] = stamp()
            self._update(card.prim_table, card.key, code, values)
            supp = self._columns(card.supp, prop(body, card.supp_name),
                                 reset_table=card.supp_table if replace else "")
            supp.pop(card.key, None)
            if supp:
                if self._one(f"SELECT 1 FROM {card.supp_table} WHERE {card.key} = ?", code):
                    self._update(card.supp_table, card.key, code, supp)
                else:
                    self._insert(card.supp_table, {card.key: code, **supp})
        return self.card_get(resource, code)

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
