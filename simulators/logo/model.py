"""The simulated Logo Objects: what LogoObjectService does to a Tiger company database.

This is an independent model of the ERP (its own tag <-> column map, from research/logo-tiger.md
§3-§4), not a mirror of the integrator's translators. It writes with sqlite3 into the Tiger demo
database (firm 001, period 01):

* AR_AP (30) -> LG_001_CLCARD, ITEM (0) with UNITS -> LG_001_ITEMS + LG_001_ITMUNITA,
  ORDER_SLIP (3) -> LG_001_01_ORFICHE/ORFLINE, DISPATCH (17) -> LG_001_01_STFICHE/STLINE;
* new LOGICALREFs, ``NUMBER ~`` = next number, ``DATE`` dd.mm.yyyy, ``TIME`` packed, ``.``
  decimals, codes resolved to references (ARP_CODE, MASTER_CODE, UNIT_CODE, UNITSET_CODE,
  SALESMAN_CODE, PAYMENT_CODE, SOURCE_WH);
* a duplicate CODE / number fails with SQLSTATE 23000 in the error text;
* slips are priced from LG_001_PRCLIST when a line has no price, and with ApplyCampaign=1 the
  campaign table adds discount lines; stock totals (GNTOTST, STINVTOT) follow orders/dispatches.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from lxml import etree

from simulators.db import dec, money, number_text, stamp, stored_date, transaction

DECLARATION = '<?xml version="1.0" encoding="ISO-8859-9"?>'


class LogoError(Exception):
    """A refusal of Logo Objects: answered as ``status 4`` with this ``errorString``."""


def duplicate_error(table: str, index: str, value: str) -> LogoError:
    return LogoError(
        "DB Error: [23000] [Microsoft][SQL Server Native Client 11.0][SQL Server]Cannot insert "
        f"duplicate key row in object 'dbo.{table}' with unique index '{index}'. The duplicate "
        f"key value is ({value}). (SQLSTATE 23000)")


# -- the tag <-> column map ---------------------------------------------------------------------
# kinds: str, int, dec, date, time, and references resolved by code
@dataclass(frozen=True, slots=True)
class Tag:
    tag: str
    column: str
    kind: str = "str"
    length: int = 0


def _tags(*items: tuple[str, ...]) -> tuple[Tag, ...]:
    out = []
    for item in items:
        tag, column, *rest = item
        kind = rest[0] if rest else "str"
        length = int(rest[1]) if len(rest) > 1 else 0
        out.append(Tag(tag, column, kind, length))
    return tuple(out)


CLCARD = _tags(
    ("ACCOUNT_TYPE", "CARDTYPE", "int"), ("CODE", "CODE", "str", "17"),
    ("TITLE", "DEFINITION_", "str", "201"), ("TITLE2", "DEFINITION2", "str", "201"),
    ("AUXIL_CODE", "SPECODE"), ("AUXIL_CODE2", "SPECODE2"), ("AUXIL_CODE3", "SPECODE3"),
    ("AUXIL_CODE4", "SPECODE4"), ("AUXIL_CODE5", "SPECODE5"), ("AUTH_CODE", "CYPHCODE"),
    ("ADDRESS1", "ADDR1"), ("ADDRESS2", "ADDR2"), ("DISTRICT", "DISTRICT"), ("TOWN", "TOWN"),
    ("CITY", "CITY"), ("COUNTRY", "COUNTRY"), ("COUNTRY_CODE", "COUNTRYCODE"),
    ("POSTAL_CODE", "POSTCODE"), ("TELEPHONE1", "TELNRS1"), ("TELEPHONE2", "TELNRS2"),
    ("FAX", "FAXNR"), ("E_MAIL", "EMAILADDR"), ("WEB_URL", "WEBADDR"), ("CONTACT", "INCHARGE"),
    ("TAX_ID", "TAXNR", "str", "16"), ("TAX_OFFICE", "TAXOFFICE"),
    ("TAX_OFFICE_CODE", "TAXOFFCODE"), ("PERSCOMPANY", "ISPERSCOMP", "int"),
    ("TCKNO", "TCKNO", "str", "16"), ("NAME", "NAME"), ("SURNAME", "SURNAME"),
    ("PAYMENT_CODE", "PAYMENTREF", "payplan"), ("TRADING_GRP", "TRADINGGRP"),
    ("DISCOUNT_RATE", "DISCRATE", "dec"), ("CURRENCY", "CCURRENCY", "int"),
    ("SALESMAN_CODE", "SALESMANREF", "salesman"), ("ACCEPT_EINV", "ACCEPTEINV", "int"),
    ("PROFILE_ID", "PROFILEID", "int"), ("PURCHBRWS", "PURCHBRWS", "int"),
    ("SALESBRWS", "SALESBRWS", "int"), ("IMPBRWS", "IMPBRWS", "int"),
    ("EXPBRWS", "EXPBRWS", "int"), ("FINBRWS", "FINBRWS", "int"),
    ("RECORD_STATUS", "ACTIVE", "int"), ("BLOCKED", "BLOCKED", "int"), ("GUID", "GUID"),
)
ITEMS = _tags(
    ("CARD_TYPE", "CARDTYPE", "int"), ("CODE", "CODE", "str", "25"),
    ("NAME", "NAME", "str", "51"), ("NAME2", "NAME2"), ("NAME3", "NAME3"), ("NAME4", "NAME4"),
    ("GROUP_CODE", "STGRPCODE"), ("PRODUCER_CODE", "PRODUCERCODE"),
    ("AUXIL_CODE", "SPECODE"), ("AUXIL_CODE2", "SPECODE2"), ("AUXIL_CODE3", "SPECODE3"),
    ("AUXIL_CODE4", "SPECODE4"), ("AUXIL_CODE5", "SPECODE5"), ("AUTH_CODE", "CYPHCODE"),
    ("VAT", "VAT", "dec"), ("SELVAT", "SELLVAT", "dec"), ("RETURNVAT", "RETURNVAT", "dec"),
    ("SELPRVAT", "SELLPRVAT", "dec"), ("RETURNPRVAT", "RETURNPRVAT", "dec"),
    ("UNITSET_CODE", "UNITSETREF", "unitset"), ("TRACK_TYPE", "TRACKTYPE", "int"),
    ("GTIPCODE", "GTIPCODE"), ("USEF_PURCHASING", "USEF_PURCHASING", "int"),
    ("USEF_SALES", "USEF_SALES", "int"), ("USEF_MM", "USEF_MM", "int"),
    ("RECORD_STATUS", "ACTIVE", "int"), ("GUID", "GUID"),
)
ORFICHE = _tags(
    ("NUMBER", "FICHENO", "number", "17"), ("DATE", "DATE_", "date"), ("TIME", "TIME_", "int"),
    ("DOC_NUMBER", "DOCODE", "str", "33"), ("AUXIL_CODE", "SPECODE"), ("AUTH_CODE", "CYPHCODE"),
    ("ARP_CODE", "CLIENTREF", "account"), ("SOURCE_WH", "SOURCEINDEX", "warehouse"),
    ("SALESMAN_CODE", "SALESMANREF", "salesman"), ("PAYMENT_CODE", "PAYDEFREF", "payplan"),
    ("ORDER_STATUS", "STATUS", "int"), ("NOTES1", "GENEXP1"), ("NOTES2", "GENEXP2"),
    ("NOTES3", "GENEXP3"), ("NOTES4", "GENEXP4"), ("GUID", "GUID"),
)
ORFLINE = _tags(
    ("TYPE", "LINETYPE", "int"), ("MASTER_CODE", "STOCKREF", "item"),
    ("QUANTITY", "AMOUNT", "dec"), ("PRICE", "PRICE", "dec"), ("DISCOUNT_RATE", "DISCPER", "dec"),
    ("VAT_RATE", "VAT", "dec"), ("UNIT_CODE", "UOMREF", "unit"),
    ("SOURCE_WH", "SOURCEINDEX", "warehouse"), ("DUE_DATE", "DUEDATE", "date"),
    ("DESCRIPTION", "LINEEXP"),
)
STFICHE = _tags(
    ("TYPE", "TRCODE", "int"), ("NUMBER", "FICHENO", "number", "17"), ("DATE", "DATE_", "date"),
    ("TIME", "FTIME", "int"), ("DOC_NUMBER", "DOCODE", "str", "33"), ("AUXIL_CODE", "SPECODE"),
    ("ARP_CODE", "CLIENTREF", "account"), ("SOURCE_WH", "SOURCEINDEX", "warehouse"),
    ("SALESMAN_CODE", "SALESMANREF", "salesman"), ("NOTES1", "GENEXP1"), ("GUID", "GUID"),
)
STLINE = _tags(
    ("TYPE", "LINETYPE", "int"), ("MASTER_CODE", "STOCKREF", "item"),
    ("QUANTITY", "AMOUNT", "dec"), ("PRICE", "PRICE", "dec"), ("VAT_RATE", "VAT", "dec"),
    ("UNIT_CODE", "UOMREF", "unit"), ("SOURCE_WH", "SOURCEINDEX", "warehouse"),
    ("DESCRIPTION", "LINEEXP"), ("ORDER_REFERENCE", "ORDTRANSREF", "int"),
)


@dataclass(frozen=True, slots=True)
class DataType:
    number: int
    root: str
    record: str
    table: str
    tags: tuple[Tag, ...]
    line_table: str = ""
    line_tags: tuple[Tag, ...] = ()
    line_parent: str = ""
    line_no: str = ""
    trcode: int = 0


DATA_TYPES: dict[int, DataType] = {
    30: DataType(30, "AR_APS", "AR_AP", "LG_001_CLCARD", CLCARD),
    0: DataType(0, "ITEMS", "ITEM", "LG_001_ITEMS", ITEMS),
    3: DataType(3, "SALES_ORDERS", "ORDER_SLIP", "LG_001_01_ORFICHE", ORFICHE,
                "LG_001_01_ORFLINE", ORFLINE, "ORDFICHEREF", "LINENO_", trcode=1),
    17: DataType(17, "SALES_DISPATCHES", "DISPATCH", "LG_001_01_STFICHE", STFICHE,
                 "LG_001_01_STLINE", STLINE, "STFICHEREF", "STFICHELNNO", trcode=8),
}

_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


def parse_date(text: str, tag: str) -> date:
    match = _DATE.match(text.strip())
    if match is None:
        raise LogoError(f"{tag}: '{text}' geçerli bir tarih değil (gg.aa.yyyy bekleniyor)")
    day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise LogoError(f"{tag}: '{text}' geçerli bir tarih değil") from None


def parse_number(text: str, tag: str) -> Decimal:
    value = text.strip()
    if not _NUMBER.match(value):
        raise LogoError(f"{tag}: '{text}' geçerli bir sayı değil (ondalık ayırıcı '.')")
    return Decimal(value)


def pack_time(moment: datetime) -> int:
    return (moment.hour << 24) + (moment.minute << 16) + (moment.second << 8)


@dataclass(slots=True)
class Line:
    values: dict[str, Any]
    tags: set[str] = field(default_factory=set)


class TigerModel:
    """Logo Objects over one Tiger company database (firm 001, period 01)."""

    def __init__(self, conn: sqlite3.Connection, *, firm: int = 1) -> None:
        self.conn = conn
        self.firm = firm
        self._known: dict[str, set[str]] = {}

    # -- lookups ----------------------------------------------------------------------------
    def _one(self, sql: str, *params: Any) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.conn.execute(sql, params).fetchone()
        return row

    def _ref(self, kind: str, code: str, tag: str, *, unitset: int = 0) -> int:
        code = code.strip()
        if kind == "account":
            row = self._one("SELECT LOGICALREF FROM LG_001_CLCARD WHERE CODE = ?", code)
            what = "cari hesap"
        elif kind == "item":
            row = self._one("SELECT LOGICALREF FROM LG_001_ITEMS WHERE CODE = ?", code)
            what = "malzeme"
        elif kind == "unitset":
            row = self._one("SELECT LOGICALREF FROM LG_001_UNITSETF WHERE CODE = ?", code)
            what = "birim seti"
        elif kind == "unit":
            row = self._one("SELECT LOGICALREF FROM LG_001_UNITSETL WHERE UNITSETREF = ? AND "
                            "CODE = ?", unitset, code)
            what = "birim"
        elif kind == "salesman":
            row = self._one("SELECT LOGICALREF FROM LG_SLSMAN WHERE FIRMNR = ? AND CODE = ?",
                            self.firm, code)
            what = "satış elemanı"
        elif kind == "payplan":
            row = self._one("SELECT LOGICALREF FROM LG_001_PAYPLANS WHERE CODE = ?", code)
            what = "ödeme planı"
        else:  # pragma: no cover - the map only names the kinds above
            raise LogoError(f"{tag}: unknown reference kind {kind}")
        if row is None:
            raise LogoError(f"{tag}: '{code}' kodlu {what} bulunamadı")
        return int(row[0])

    def _code(self, kind: str, ref: Any) -> str:
        if not ref:
            return ""
        table = {"account": "LG_001_CLCARD", "item": "LG_001_ITEMS", "unitset": "LG_001_UNITSETF",
                 "unit": "LG_001_UNITSETL", "salesman": "LG_SLSMAN", "payplan": "LG_001_PAYPLANS",
                 "campaign": "LG_001_CAMPAIGN"}[kind]
        row = self._one(f"SELECT CODE FROM {table} WHERE LOGICALREF = ?", int(ref))
        return str(row[0]) if row is not None else ""

    def _warehouse(self, text: str, tag: str) -> int:
        number = int(parse_number(text, tag))
        if self._one("SELECT 1 FROM L_CAPIWHOUSE WHERE FIRMNR = ? AND NR = ?",
                     self.firm, number) is None:
            raise LogoError(f"{tag}: {number} numaralı ambar tanımlı değil")
        return number

    def _new_ref(self, table: str) -> int:
        row = self._one(f"SELECT COALESCE(MAX(LOGICALREF), 0) + 1 FROM {table}")
        return int(row[0]) if row is not None else 1

    # -- reading a record element into column values ----------------------------------------------
    def _values(self, element: etree._Element, tags: tuple[Tag, ...], *,
                unitset: int = 0) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for tag in tags:
            child = element.find(tag.tag)
            if child is None:
                continue
            text = child.text or ""
            if tag.kind == "str":
                if tag.length and len(text) > tag.length:
                    raise LogoError(f"{tag.tag}: String or binary data would be truncated "
                                    f"(en fazla {tag.length} karakter) (SQLSTATE 22001)")
                values[tag.column] = text
            elif tag.kind == "number":
                values[tag.column] = text.strip()
            elif tag.kind == "int":
                values[tag.column] = int(parse_number(text, tag.tag)) if text.strip() else 0
            elif tag.kind == "dec":
                values[tag.column] = parse_number(text, tag.tag) if text.strip() else Decimal(0)
            elif tag.kind == "date":
                values[tag.column] = stamp(parse_date(text, tag.tag)) if text.strip() else None
            elif tag.kind == "warehouse":
                values[tag.column] = self._warehouse(text, tag.tag) if text.strip() else 0
            elif tag.kind == "unit":
                values[tag.column] = text.strip()  # resolved with the line's item
            else:
                values[tag.column] = self._ref(tag.kind, text, tag.tag) if text.strip() else 0
        return values

    # -- cards -------------------------------------------------------------------------------------
    def _columns(self, table: str) -> set[str]:
        found = self._known.get(table)
        if found is None:
            found = {str(row[1]).upper() for row in self.conn.execute(f"PRAGMA table_info({table})")}
            self._known[table] = found
        return found

    def _insert(self, table: str, values: Mapping[str, Any]) -> None:
        known = self._columns(table)
        columns = [c for c in values if c.upper() in known]
        placeholders = ", ".join("?" for _ in columns)
        self.conn.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})",
                          [_bind(values[c]) for c in columns])

    def _update(self, table: str, ref: int, values: Mapping[str, Any]) -> None:
        known = self._columns(table)
        values = {c: v for c, v in values.items() if c.upper() in known}
        if not values:
            return
        assignments = ", ".join(f"{c} = ?" for c in values)
        self.conn.execute(f"UPDATE {table} SET {assignments} WHERE LOGICALREF = ?",
                          [*(_bind(v) for v in values.values()), ref])

    def _check_code(self, dt: DataType, code: str, ref: int) -> None:
        row = self._one(f"SELECT LOGICALREF FROM {dt.table} WHERE CODE = ?", code)
        if row is not None and int(row[0]) != ref:
            index = "I001_CODE" if dt.number == 30 else "I002_CODE"
            raise duplicate_error(dt.table, index, code)

    def _card(self, dt: DataType, record: etree._Element, ref: int) -> int:
        values = self._values(record, dt.tags)
        now = stamp()
        if ref:
            if self._one(f"SELECT 1 FROM {dt.table} WHERE LOGICALREF = ?", ref) is None:
                raise LogoError(f"{ref} referanslı kayıt bulunamadı")
            if "CODE" in values:
                if not str(values["CODE"]).strip():
                    raise LogoError("CODE: kod alanı boş olamaz")
                self._check_code(dt, values["CODE"], ref)
            values["CAPIBLOCK_MODIFIEDDATE"] = now
            values["CAPIBLOCK_MODIFIEDBY"] = 1
            self._update(dt.table, ref, values)
        else:
            code = str(values.get("CODE", "")).strip()
            if not code:
                raise LogoError("CODE: kod alanı boş olamaz")
            self._check_code(dt, code, 0)
            ref = self._new_ref(dt.table)
            self._insert(dt.table, {"LOGICALREF": ref, **values, "CAPIBLOCK_CREADEDDATE": now})
        if dt.number == 0:
            self._item_units(ref, record, replace=record.find("UNITS") is not None or not ref)
        return ref

    def _item_units(self, item: int, record: etree._Element, *, replace: bool) -> None:
        if not replace:
            return
        row = self._one("SELECT UNITSETREF FROM LG_001_ITEMS WHERE LOGICALREF = ?", item)
        unitset = int(row[0]) if row is not None else 0
        if not unitset:
            raise LogoError("UNITSET_CODE: malzemenin birim seti belirtilmeli")
        self.conn.execute("DELETE FROM LG_001_ITMUNITA WHERE ITEMREF = ?", (item,))
        units = record.findall("UNITS/UNIT")
        entries: list[tuple[int, Decimal, Decimal, str]] = []
        if units:
            for unit in units:
                code = unit.findtext("UNIT_CODE") or ""
                line = self._ref("unit", code, "UNIT_CODE", unitset=unitset)
                # a unit's barcodes are a list: BARCODE_LIST/BARCODE/BARCODE (the first is kept);
                # a bare UNIT/BARCODE is accepted too
                barcode = unit.findtext("BARCODE_LIST/BARCODE/BARCODE") or \
                    unit.findtext("BARCODE") or ""
                entries.append((line, parse_number(unit.findtext("CONV_FACT1") or "1", "CONV_FACT1"),
                                parse_number(unit.findtext("CONV_FACT2") or "1", "CONV_FACT2"),
                                barcode.strip()))
        else:
            for line_row in self.conn.execute(
                    "SELECT LOGICALREF, CONVFACT1, CONVFACT2 FROM LG_001_UNITSETL WHERE "
                    "UNITSETREF = ? ORDER BY LINENR", (unitset,)):
                entries.append((int(line_row[0]), dec(line_row[1]), dec(line_row[2]), ""))
        for number, (line, conv1, conv2, barcode) in enumerate(entries, start=1):
            self._insert("LG_001_ITMUNITA", {
                "LOGICALREF": self._new_ref("LG_001_ITMUNITA"), "ITEMREF": item, "LINENR": number,
                "UNITLINEREF": line, "CONVFACT1": conv1, "CONVFACT2": conv2, "BARCODE": barcode})

    # -- slips ---------------------------------------------------------------------------------------
    def next_number(self, dt: DataType, trcode: int) -> str:
        best: tuple[int, str, int] | None = None
        for row in self.conn.execute(f"SELECT FICHENO FROM {dt.table} WHERE TRCODE = ?", (trcode,)):
            match = re.match(r"^(.*?)(\d+)$", str(row[0]))
            if match is None:
                continue
            value = int(match.group(2))
            if best is None or value > best[0]:
                best = (value, match.group(1), len(match.group(2)))
        if best is None:
            return "00000001"
        value, prefix, width = best
        return prefix + str(value + 1).zfill(width)

    def _slip_lines(self, dt: DataType, record: etree._Element, header: Mapping[str, Any]) \
            -> list[Line]:
        lines: list[Line] = []
        for element in record.findall("TRANSACTIONS/TRANSACTION"):
            values = self._values(element, dt.line_tags)
            values.setdefault("LINETYPE", 0)
            tags = {child.tag for child in element if isinstance(child.tag, str)}
            if values["LINETYPE"] in (0, 1):
                if not values.get("STOCKREF"):
                    raise LogoError("MASTER_CODE: malzeme satırında malzeme kodu boş olamaz")
                item = self._one("SELECT UNITSETREF, SELLVAT FROM LG_001_ITEMS WHERE "
                                 "LOGICALREF = ?", values["STOCKREF"])
                assert item is not None
                unitset = int(item[0])
                unit_code = str(values.get("UOMREF") or "")
                if unit_code:
                    values["UOMREF"] = self._ref("unit", unit_code, "UNIT_CODE", unitset=unitset)
                else:
                    main = self._one("SELECT LOGICALREF FROM LG_001_UNITSETL WHERE UNITSETREF = ? "
                                     "ORDER BY MAINUNIT DESC, LINENR", unitset)
                    values["UOMREF"] = int(main[0]) if main is not None else 0
                values["USREF"] = unitset
                if "VAT" not in values:
                    values["VAT"] = dec(item[1])
                values.setdefault("AMOUNT", Decimal(0))
                if values["AMOUNT"] <= 0:
                    raise LogoError("QUANTITY: miktar sıfırdan büyük olmalı")
            else:
                values["UOMREF"] = 0
            if not values.get("SOURCEINDEX"):
                values["SOURCEINDEX"] = header.get("SOURCEINDEX", 0)
            lines.append(Line(values, tags))
        if not lines:
            raise LogoError("TRANSACTIONS: fişte en az bir satır olmalı")
        return lines

    def _price(self, lines: list[Line], header: dict[str, Any], params: Mapping[str, str]) \
            -> None:
        """Prices from the price cards; campaigns (ApplyCampaign=1); line and slip totals."""
        on = stored_date(header.get("DATE_")) or date.today()
        client = int(header.get("CLIENTREF") or 0)
        client_code = self._code("account", client)
        from_cards = params.get("GetStockLinePrice") == "1"
        for line in lines:
            values = line.values
            if values["LINETYPE"] not in (0, 1):
                continue
            if "PRICE" not in values or not values["PRICE"] or from_cards:
                card = self._price_card(int(values["STOCKREF"]), int(values["UOMREF"]), on,
                                        client_code)
                if card is not None:
                    values["PRICE"] = dec(card["PRICE"])
                    values["_CURRENCY"] = int(card["CURRENCY"] or 160)
                    values["_PRCLISTREF"] = int(card["LOGICALREF"])
                else:
                    values.setdefault("PRICE", Decimal(0))
        if params.get("ApplyCampaign") == "1":
            self._campaigns(lines, on, client)
        gross = discounts = vat_total = Decimal(0)
        previous: Line | None = None
        for line in lines:
            values = line.values
            if values["LINETYPE"] in (0, 1):
                total = money(dec(values.get("AMOUNT")) * dec(values.get("PRICE")))
                values["TOTAL"] = total
                values["_NET"] = total
                gross += total if values["LINETYPE"] == 0 else Decimal(0)
                previous = line
            elif values["LINETYPE"] == 2 and previous is not None:
                rate = dec(values.get("DISCPER"))
                base = previous.values["_NET"]
                amount = money(base * rate / 100) if rate else money(dec(values.get("TOTAL")))
                values["TOTAL"] = amount
                previous.values["_NET"] = base - amount
                discounts += amount
            else:
                values["TOTAL"] = money(dec(values.get("AMOUNT")) * dec(values.get("PRICE")))
                gross += values["TOTAL"]
        for line in lines:
            values = line.values
            if values["LINETYPE"] in (0, 1):
                net = values.pop("_NET")
                vat = money(net * dec(values.get("VAT")) / 100)
                values["VATAMNT"] = vat
                values["LINENET"] = net
                vat_total += vat
        header_totals = {"GROSSTOTAL": gross, "TOTALDISCOUNTS": discounts, "TOTALVAT": vat_total,
                         "NETTOTAL": gross - discounts + vat_total}
        header.update(header_totals)

    def _price_card(self, item: int, unit: int, on: date, client_code: str) -> sqlite3.Row | None:
        rows = self.conn.execute(
            "SELECT LOGICALREF, PRICE, CURRENCY, UOMREF, CLIENTCODE, PRIORITY, BEGDATE, ENDDATE "
            "FROM LG_001_PRCLIST WHERE CARDREF = ? AND PTYPE = 2 AND COALESCE(ACTIVE, 0) = 0",
            (item,)).fetchall()
        candidates = []
        for row in rows:
            begins, ends = stored_date(row["BEGDATE"]), stored_date(row["ENDDATE"])
            if (begins and on < begins) or (ends and on > ends):
                continue
            if row["CLIENTCODE"] and row["CLIENTCODE"] != client_code:
                continue
            if row["UOMREF"] and unit and int(row["UOMREF"]) != unit:
                continue
            candidates.append(row)
        candidates.sort(key=lambda r: (0 if r["CLIENTCODE"] else 1, int(r["PRIORITY"] or 0),
                                       -(stored_date(r["BEGDATE"]) or date.min).toordinal()))
        return candidates[0] if candidates else None

    def _campaigns(self, lines: list[Line], on: date, client: int) -> None:
        campaigns = self.conn.execute(
            "SELECT C.LOGICALREF AS CREF, C.PRIORITY, C.BEGDATE, C.ENDDATE, L.ITEMREF, L.CLIENTREF, "
            "L.MINAMOUNT, L.DISCRATE FROM LG_001_CAMPAIGN C JOIN LG_001_CMPGNLINE L "
            "ON L.CAMPAIGNREF = C.LOGICALREF WHERE COALESCE(C.ACTIVE, 0) = 0 "
            "ORDER BY C.PRIORITY, C.LOGICALREF, L.LINENR").fetchall()
        result: list[Line] = []
        for index, line in enumerate(lines):
            result.append(line)
            values = line.values
            if values["LINETYPE"] != 0:
                continue
            following = lines[index + 1] if index + 1 < len(lines) else None
            if following is not None and following.values["LINETYPE"] == 2:
                continue  # the line already carries a discount
            for campaign in campaigns:
                begins = stored_date(campaign["BEGDATE"])
                ends = stored_date(campaign["ENDDATE"])
                if (begins and on < begins) or (ends and on > ends):
                    continue
                if campaign["ITEMREF"] and int(campaign["ITEMREF"]) != int(values["STOCKREF"]):
                    continue
                if campaign["CLIENTREF"] and int(campaign["CLIENTREF"]) != client:
                    continue
                if dec(values.get("AMOUNT")) < dec(campaign["MINAMOUNT"]):
                    continue
                result.append(Line({"LINETYPE": 2, "DISCPER": dec(campaign["DISCRATE"]),
                                    "CAMPAIGNREF": int(campaign["CREF"]), "UOMREF": 0,
                                    "SOURCEINDEX": values.get("SOURCEINDEX", 0)}))
                values["CAMPAIGNREF"] = int(campaign["CREF"])
                break
        lines[:] = result

    def _build_slip(self, dt: DataType, record: etree._Element, params: Mapping[str, str],
                    existing: Mapping[str, Any] | None = None) -> tuple[dict[str, Any], list[Line]]:
        header = dict(existing or {})
        header.update(self._values(record, dt.tags))
        if dt.number == 17:
            header.setdefault("TRCODE", dt.trcode)
            if header["TRCODE"] not in (7, 8):
                raise LogoError("TYPE: satış irsaliyesi türü 7 (perakende) veya 8 (toptan) olmalı")
        else:
            header["TRCODE"] = dt.trcode
        if not header.get("DATE_"):
            raise LogoError("DATE: fiş tarihi boş olamaz")
        if not header.get("CLIENTREF"):
            raise LogoError("ARP_CODE: cari hesap kodu boş olamaz")
        if existing is None or record.find("TRANSACTIONS") is not None:
            lines = self._slip_lines(dt, record, header)
        else:
            lines = self._stored_lines(dt, int(existing["LOGICALREF"]))
        self._price(lines, header, params)
        return header, lines

    def _stored_lines(self, dt: DataType, ref: int) -> list[Line]:
        rows = self.conn.execute(f"SELECT * FROM {dt.line_table} WHERE {dt.line_parent} = ? "
                                 f"ORDER BY {dt.line_no}", (ref,)).fetchall()
        keep = {t.column for t in dt.line_tags} | {"USREF", "CAMPAIGNREF"}
        lines = []
        for row in rows:
            values = {k: v for k, v in dict(row).items() if k in keep}
            for column in ("AMOUNT", "PRICE", "DISCPER", "VAT"):
                if column in values:
                    values[column] = dec(values[column])
            lines.append(Line(values))
        return lines

    def _save_slip(self, dt: DataType, header: dict[str, Any], lines: list[Line], ref: int) -> int:
        now = datetime.now().replace(microsecond=0)
        number = str(header.get("FICHENO", "")).strip()
        if not ref or "FICHENO" in header:
            if number in ("", "~"):
                if ref:
                    row = self._one(f"SELECT FICHENO FROM {dt.table} WHERE LOGICALREF = ?", ref)
                    number = str(row[0]) if row is not None else ""
                if number in ("", "~"):
                    number = self.next_number(dt, int(header["TRCODE"]))
            clash = self._one(f"SELECT LOGICALREF FROM {dt.table} WHERE TRCODE = ? AND FICHENO = ?",
                              header["TRCODE"], number)
            if clash is not None and int(clash[0]) != ref:
                raise duplicate_error(dt.table, "I003_FICHENO", f"{header['TRCODE']}, {number}")
            header["FICHENO"] = number
        time_column = "TIME_" if dt.number == 3 else "FTIME"
        header.setdefault(time_column, pack_time(now))
        columns = {k: v for k, v in header.items() if not k.startswith("_")}
        if ref:
            self._reverse_stock(dt, ref)
            self.conn.execute(f"DELETE FROM {dt.line_table} WHERE {dt.line_parent} = ?", (ref,))
            columns.pop("LOGICALREF", None)
            columns["CAPIBLOCK_MODIFIEDDATE"] = stamp(now)
            self._update(dt.table, ref, columns)
        else:
            ref = self._new_ref(dt.table)
            self._insert(dt.table, {"LOGICALREF": ref, **columns, "CAPIBLOCK_CREADEDDATE": stamp(now)})
        for number_in_slip, line in enumerate(lines, start=1):
            values = {k: v for k, v in line.values.items() if not k.startswith("_")}
            values.update({"LOGICALREF": self._new_ref(dt.line_table), dt.line_parent: ref,
                           dt.line_no: number_in_slip, "CLIENTREF": header["CLIENTREF"],
                           "DATE_": header["DATE_"]})
            if dt.number == 3:
                values.setdefault("TRCODE", 1)
                values.setdefault("STATUS", header.get("STATUS", 4))
            else:
                values["TRCODE"] = header["TRCODE"]
                values.pop("CAMPAIGNREF", None)
            self._insert(dt.line_table, values)
        self._apply_stock(dt, ref, sign=1)
        return ref

    # -- stock totals ------------------------------------------------------------------------------
    def _stock_rows(self, dt: DataType, ref: int) -> list[sqlite3.Row]:
        return self.conn.execute(
            f"SELECT L.STOCKREF, L.SOURCEINDEX, L.AMOUNT, L.DATE_, L.UOMREF, L.LINETYPE, "
            f"{'L.ORDTRANSREF' if dt.number == 17 else '0 AS ORDTRANSREF'}, "
            f"COALESCE(U.CONVFACT1, 1) AS C1, COALESCE(U.CONVFACT2, 1) AS C2 "
            f"FROM {dt.line_table} L LEFT JOIN LG_001_UNITSETL U ON U.LOGICALREF = L.UOMREF "
            f"WHERE L.{dt.line_parent} = ? AND L.LINETYPE IN (0, 1)", (ref,)).fetchall()

    def _apply_stock(self, dt: DataType, ref: int, *, sign: int) -> None:
        column = "ACTSORDER" if dt.number == 3 else "ONHAND"
        direction = sign if dt.number == 3 else -sign
        for row in self._stock_rows(dt, ref):
            c1 = dec(row["C1"]) or Decimal(1)
            quantity = dec(row["AMOUNT"]) * dec(row["C2"]) / c1 * direction
            for warehouse in (int(row["SOURCEINDEX"] or 0), -1):
                self._add_total(int(row["STOCKREF"]), warehouse, column, quantity,
                                str(row["DATE_"] or stamp()))
            if dt.number == 17 and row["ORDTRANSREF"]:
                shipped = dec(row["AMOUNT"]) * sign
                self.conn.execute("UPDATE LG_001_01_ORFLINE SET SHIPPEDAMOUNT = "
                                  "COALESCE(SHIPPEDAMOUNT, 0) + ? WHERE LOGICALREF = ?",
                                  (float(shipped), int(row["ORDTRANSREF"])))

    def _reverse_stock(self, dt: DataType, ref: int) -> None:
        self._apply_stock(dt, ref, sign=-1)

    def _add_total(self, item: int, warehouse: int, column: str, quantity: Decimal,
                   day: str) -> None:
        updated = self.conn.execute(
            f"UPDATE LG_001_01_GNTOTST SET {column} = COALESCE({column}, 0) + ? "
            "WHERE STOCKREF = ? AND INVENNO = ?", (float(quantity), item, warehouse)).rowcount
        if not updated:
            self._insert("LG_001_01_GNTOTST", {"LOGICALREF": self._new_ref("LG_001_01_GNTOTST"),
                                               "STOCKREF": item, "INVENNO": warehouse,
                                               column: quantity})
        updated = self.conn.execute(
            f"UPDATE LG_001_01_STINVTOT SET {column} = COALESCE({column}, 0) + ? "
            "WHERE STOCKREF = ? AND INVENNO = ? AND DATE_ = ?",
            (float(quantity), item, warehouse, day)).rowcount
        if not updated:
            self._insert("LG_001_01_STINVTOT", {"LOGICALREF": self._new_ref("LG_001_01_STINVTOT"),
                                                "STOCKREF": item, "INVENNO": warehouse,
                                                "DATE_": day, column: quantity})

    # -- operations --------------------------------------------------------------------------------
    def _record(self, dt: DataType, document: etree._Element) -> etree._Element:
        if document.tag != dt.root:
            raise LogoError(f"XML kök elemanı {dt.root} olmalı (gelen: {document.tag!s})")
        records = [r for r in document if isinstance(r.tag, str)]
        if len(records) != 1 or records[0].tag != dt.record:
            raise LogoError(f"{dt.root} altında bir {dt.record} kaydı bekleniyor")
        return records[0]

    def append(self, data_type: int, reference: int, document: etree._Element,
               params: Mapping[str, str]) -> int:
        dt = _data_type(data_type)
        record = self._record(dt, document)
        with transaction(self.conn):
            if dt.line_table:
                existing = None
                if reference:
                    row = self._one(f"SELECT * FROM {dt.table} WHERE LOGICALREF = ?", reference)
                    if row is None:
                        raise LogoError(f"{reference} referanslı fiş bulunamadı")
                    existing = dict(row)
                header, lines = self._build_slip(dt, record, params, existing)
                return self._save_slip(dt, header, lines, reference)
            return self._card(dt, record, reference)

    def calculate(self, data_type: int, document: etree._Element,
                  params: Mapping[str, str]) -> str:
        dt = _data_type(data_type)
        if not dt.line_table:
            raise LogoError("CalculateDataObject yalnız fişler için kullanılabilir")
        record = self._record(dt, document)
        header, lines = self._build_slip(dt, record, params)
        return self._export_slip(dt, header, lines, reference=0)

    def delete(self, data_type: int, reference: int) -> None:
        dt = _data_type(data_type)
        with transaction(self.conn):
            if self._one(f"SELECT 1 FROM {dt.table} WHERE LOGICALREF = ?", reference) is None:
                raise LogoError(f"{reference} referanslı kayıt bulunamadı")
            if dt.number == 30:
                self._refuse_if_used("CLIENTREF", reference,
                                     ("LG_001_01_ORFICHE", "LG_001_01_STFICHE", "LG_001_01_CLFLINE"))
            elif dt.number == 0:
                self._refuse_if_used("STOCKREF", reference,
                                     ("LG_001_01_ORFLINE", "LG_001_01_STLINE"))
                self.conn.execute("DELETE FROM LG_001_ITMUNITA WHERE ITEMREF = ?", (reference,))
            if dt.line_table:
                self._reverse_stock(dt, reference)
                self.conn.execute(f"DELETE FROM {dt.line_table} WHERE {dt.line_parent} = ?",
                                  (reference,))
            self.conn.execute(f"DELETE FROM {dt.table} WHERE LOGICALREF = ?", (reference,))

    def _refuse_if_used(self, column: str, reference: int, tables: tuple[str, ...]) -> None:
        for table in tables:
            if self._one(f"SELECT 1 FROM {table} WHERE {column} = ? LIMIT 1", reference):
                raise LogoError(f"Kayıt {table} tablosunda kullanılıyor, silinemez "
                                "(DB Error: [23000] REFERENCE constraint)")

    def read(self, data_type: int, reference: int) -> str:
        dt = _data_type(data_type)
        row = self._one(f"SELECT * FROM {dt.table} WHERE LOGICALREF = ?", reference)
        if row is None:
            raise LogoError(f"{reference} referanslı kayıt bulunamadı")
        header = dict(row)
        if dt.line_table:
            lines = [Line(dict(r)) for r in self.conn.execute(
                f"SELECT * FROM {dt.line_table} WHERE {dt.line_parent} = ? ORDER BY {dt.line_no}",
                (reference,))]
            return self._export_slip(dt, header, lines, reference=reference)
        root = etree.Element(dt.root)
        record = etree.SubElement(root, dt.record, DBOP="INS")
        etree.SubElement(record, "INTERNAL_REFERENCE").text = str(reference)
        self._export_values(record, dt.tags, header)
        created = stored_date(header.get("CAPIBLOCK_CREADEDDATE"))
        if created:
            etree.SubElement(record, "DATE_CREATED").text = created.strftime("%d.%m.%Y")
        if dt.number == 0:
            units = etree.SubElement(record, "UNITS")
            for unit in self.conn.execute(
                    "SELECT A.CONVFACT1, A.CONVFACT2, A.BARCODE, L.CODE FROM LG_001_ITMUNITA A "
                    "JOIN LG_001_UNITSETL L ON L.LOGICALREF = A.UNITLINEREF WHERE A.ITEMREF = ? "
                    "ORDER BY A.LINENR", (reference,)):
                element = etree.SubElement(units, "UNIT")
                etree.SubElement(element, "UNIT_CODE").text = unit["CODE"]
                etree.SubElement(element, "CONV_FACT1").text = number_text(unit["CONVFACT1"])
                etree.SubElement(element, "CONV_FACT2").text = number_text(unit["CONVFACT2"])
                if unit["BARCODE"]:
                    listed = etree.SubElement(etree.SubElement(element, "BARCODE_LIST"), "BARCODE")
                    etree.SubElement(listed, "BARCODE").text = unit["BARCODE"]
        return DECLARATION + etree.tostring(root, encoding="unicode")

    # -- export --------------------------------------------------------------------------------------
    def _export_values(self, parent: etree._Element, tags: tuple[Tag, ...],
                       values: Mapping[str, Any]) -> None:
        for tag in tags:
            if tag.column not in values:
                continue
            value = values[tag.column]
            if tag.kind in ("str", "number"):
                text = "" if value is None else str(value)
                if not text:
                    continue
            elif tag.kind in ("int", "warehouse"):
                text = str(int(value or 0))
            elif tag.kind == "dec":
                text = number_text(value)
            elif tag.kind == "date":
                day = stored_date(value)
                if day is None:
                    continue
                text = day.strftime("%d.%m.%Y")
            else:
                text = self._code(tag.kind, value)
                if not text:
                    continue
            etree.SubElement(parent, tag.tag).text = text

    def _export_slip(self, dt: DataType, header: Mapping[str, Any], lines: list[Line], *,
                     reference: int) -> str:
        root = etree.Element(dt.root)
        record = etree.SubElement(root, dt.record, DBOP="INS")
        if reference:
            etree.SubElement(record, "INTERNAL_REFERENCE").text = str(reference)
        self._export_values(record, dt.tags, header)
        for tag, column in (("TOTAL_GROSS", "GROSSTOTAL"), ("TOTAL_DISCOUNTS", "TOTALDISCOUNTS"),
                            ("TOTAL_VAT", "TOTALVAT"), ("TOTAL_NET", "NETTOTAL")):
            if column in header:
                etree.SubElement(record, tag).text = number_text(header[column])
        transactions = etree.SubElement(record, "TRANSACTIONS")
        for line in lines:
            values = line.values
            element = etree.SubElement(transactions, "TRANSACTION")
            if values.get("LOGICALREF"):
                etree.SubElement(element, "INTERNAL_REFERENCE").text = str(values["LOGICALREF"])
            self._export_values(element, dt.line_tags, values)
            for tag, column in (("TOTAL", "TOTAL"), ("VAT_AMOUNT", "VATAMNT"),
                                ("TOTAL_NET", "LINENET")):
                if column in values and values[column] is not None:
                    etree.SubElement(element, tag).text = number_text(values[column])
            if dt.number == 3 and "SHIPPEDAMOUNT" in values:
                etree.SubElement(element, "SHIPPED_AMOUNT").text = number_text(
                    values["SHIPPEDAMOUNT"])
            if values.get("_PRCLISTREF"):
                etree.SubElement(element, "PRCLISTREF").text = str(values["_PRCLISTREF"])
                etree.SubElement(element, "EDT_CURR").text = str(values.get("_CURRENCY", 160))
                etree.SubElement(element, "EDT_PRICE").text = number_text(values.get("PRICE"))
            if values.get("CAMPAIGNREF") and values.get("LINETYPE") == 2:
                infos = etree.SubElement(element, "CAMPAIGN_INFOS")
                info = etree.SubElement(infos, "CAMPAIGN_INFO")
                etree.SubElement(info, "CAMPAIGN_CODE").text = self._code("campaign",
                                                                          values["CAMPAIGNREF"])
        return DECLARATION + etree.tostring(root, encoding="unicode")


def _data_type(number: int) -> DataType:
    try:
        return DATA_TYPES[number]
    except KeyError:
        raise LogoError(f"dataType {number} bu simülatörde desteklenmiyor") from None


def _bind(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return value
