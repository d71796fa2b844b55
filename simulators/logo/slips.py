"""Slips in the simulated Logo Objects: sales orders (dataType 3, ORFICHE/ORFLINE) and sales
dispatches (17, STFICHE/STLINE, TYPE 8 wholesale or 7 retail).

* ``NUMBER ~`` (or no number) takes the next number of the slip type; a duplicate fails 23000;
* ``DOC_NUMBER`` (the CRM quote id) is DOCODE; orders carry SALESMAN_CODE and SOURCE_WH on the
  header and SOURCE_WH on lines, dispatches SALESMANCODE on the header and SOURCEINDEX on each line
  (SALEMANCODE, sic, on lines); a line without a warehouse takes the header's;
* an order line with ``ORDER_RESERVE 1`` reserves its quantity (ORFLINE.RESERVEAMOUNT); a dispatch
  line with ``ORDER_REFERENCE`` (an ORFLINE LOGICALREF; research §4: the real tag is unverified)
  ships that order line (STLINE.ORDTRANSREF/ORDFICHEREF);
* a line may name its campaign (``CAMPAIGN_INFOS/CAMPAIGN_INFO/CAMPCODE1``, ``CAMP_LN_NO``);
* prices and totals follow simulators.logo.pricing, stock and risk simulators.logo.stock;
* an order with shipped lines (SHIPPEDAMOUNT > 0, or a dispatch line pointing at it) can be
  neither changed nor deleted; an invoiced dispatch (BILLED 1 or a line with INVOICEREF) likewise.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from lxml import etree

from simulators.db import dec, number_text, stamp
from simulators.logo.pricing import Pricing
from simulators.logo.records import TigerRecords
from simulators.logo.stock import StockBook
from simulators.logo.tags import DataType, Line, LogoError, duplicate_error, pack_time

DECLARATION = '<?xml version="1.0" encoding="ISO-8859-9"?>'
SHIPPED = ("Siparişin sevk edilmiş (irsaliyeye aktarılmış) satırları var; sipariş {action}. "
           "(The order has dispatched lines and cannot be {english}.)")
BILLED = ("İrsaliye faturalanmış; irsaliye {action}. (The dispatch has been invoiced and cannot be "
          "{english}.)")
_ACTIONS = {"delete": ("silinemez", "deleted"), "change": ("değiştirilemez", "changed")}
# line columns a stored slip keeps when it is priced again (an update without TRANSACTIONS)
_KEPT = {"USREF", "CAMPAIGNREF", "CMPGLINEREF", "RESERVEAMOUNT", "ORDFICHEREF"}


class SlipModel(TigerRecords):
    def __init__(self, conn: sqlite3.Connection, *, firm: int = 1) -> None:
        super().__init__(conn, firm=firm)
        self.pricing = Pricing(conn)
        self.stock = StockBook(conn)

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

    # -- building ---------------------------------------------------------------------------------
    def build_slip(self, dt: DataType, record: etree._Element, params: Mapping[str, str],
                   existing: Mapping[str, Any] | None = None) -> tuple[dict[str, Any], list[Line]]:
        header = dict(existing or {})
        header.update(self._values(record, dt.tags))
        if dt.is_dispatch:
            header.setdefault("TRCODE", dt.trcode)
            if header["TRCODE"] not in (7, 8):
                raise LogoError("TYPE: satış irsaliyesi türü 7 (perakende) veya 8 (toptan) olmalı")
        else:
            header["TRCODE"] = dt.trcode
        header.setdefault("AFFECTRISK", 1)
        if not header.get("DATE_"):
            raise LogoError("DATE: fiş tarihi boş olamaz")
        if not header.get("CLIENTREF"):
            raise LogoError("ARP_CODE: cari hesap kodu boş olamaz")
        if existing is None or record.find("TRANSACTIONS") is not None:
            lines = self._slip_lines(dt, record, header)
        else:
            lines = self._stored_lines(dt, int(existing["LOGICALREF"]))
        self.pricing.price(lines, header, params)
        return header, lines

    def _slip_lines(self, dt: DataType, record: etree._Element, header: Mapping[str, Any]) \
            -> list[Line]:
        lines: list[Line] = []
        for element in record.findall("TRANSACTIONS/TRANSACTION"):
            values = self._values(element, dt.line_tags)
            values.setdefault("LINETYPE", 0)
            if values["LINETYPE"] in (0, 1):
                self._item_line(values)
                if dt.is_order and (element.findtext("ORDER_RESERVE") or "").strip() == "1":
                    values["RESERVEAMOUNT"] = values["AMOUNT"]
            else:
                values["UOMREF"] = 0
            if not values.get("SOURCEINDEX"):
                values["SOURCEINDEX"] = header.get("SOURCEINDEX", 0)
            self._line_campaign(element, values)
            lines.append(Line(values, {child.tag for child in element if isinstance(child.tag, str)}))
        if not lines:
            raise LogoError("TRANSACTIONS: fişte en az bir satır olmalı")
        return lines

    def _item_line(self, values: dict[str, Any]) -> None:
        if not values.get("STOCKREF"):
            raise LogoError("MASTER_CODE: malzeme satırında malzeme kodu boş olamaz")
        item = self._one("SELECT UNITSETREF, SELLVAT FROM LG_001_ITEMS WHERE LOGICALREF = ?",
                         values["STOCKREF"])
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
        values.setdefault("VAT", dec(item[1]))
        values.setdefault("AMOUNT", Decimal(0))
        if values["AMOUNT"] <= 0:
            raise LogoError("QUANTITY: miktar sıfırdan büyük olmalı")

    def _line_campaign(self, element: etree._Element, values: dict[str, Any]) -> None:
        info = element.find("CAMPAIGN_INFOS/CAMPAIGN_INFO")
        code = (info.findtext("CAMPCODE1") or "").strip() if info is not None else ""
        if info is None or not code:
            return
        values["CAMPAIGNREF"] = self._ref("campaign", code, "CAMPCODE1")
        number = (info.findtext("CAMP_LN_NO") or "").strip()
        if number.isdigit():
            row = self._one("SELECT LOGICALREF FROM LG_001_CMPGNLINE WHERE CAMPAIGNREF = ? AND "
                            "LINENR = ?", values["CAMPAIGNREF"], int(number))
            values["CMPGLINEREF"] = int(row[0]) if row is not None else 0

    def _stored_lines(self, dt: DataType, ref: int) -> list[Line]:
        keep = {t.column for t in dt.line_tags} | _KEPT
        lines = []
        for row in self.conn.execute(f"SELECT * FROM {dt.line_table} WHERE {dt.line_parent} = ? "
                                     f"ORDER BY {dt.line_no}", (ref,)).fetchall():
            values = {k: v for k, v in dict(row).items() if k in keep}
            for column in ("AMOUNT", "PRICE", "DISCPER", "VAT", "TOTAL", "RESERVEAMOUNT"):
                if column in values:
                    values[column] = dec(values[column])
            lines.append(Line(values, {"PRICE", "VAT_INCLUDED"}))
        return lines

    # -- saving and deleting --------------------------------------------------------------------------
    def save_slip(self, dt: DataType, header: dict[str, Any], lines: list[Line], ref: int) -> int:
        now = datetime.now().replace(microsecond=0)
        if ref:
            self.refuse_if_used(dt, ref, "change")
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
        header.setdefault("TIME_" if dt.is_order else "FTIME", pack_time(now))
        columns = {k: v for k, v in header.items() if not k.startswith("_")}
        if ref:
            self._book(dt, ref, -1)
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
            if dt.is_order:
                values.setdefault("TRCODE", 1)
                values.setdefault("STATUS", header.get("STATUS", 4))
            else:
                values["TRCODE"] = header["TRCODE"]
            self._insert(dt.line_table, values)
        self._book(dt, ref, 1)
        return ref

    def _book(self, dt: DataType, ref: int, sign: int) -> None:
        if dt.is_order:
            self.stock.book_order(ref, sign)
        else:
            self.stock.book_dispatch(ref, sign)

    def refuse_if_used(self, dt: DataType, ref: int, action: str) -> None:
        """An order with shipped lines, an invoiced dispatch: neither changed nor deleted."""
        turkish, english = _ACTIONS[action]
        if dt.is_order:
            if self._one("SELECT 1 FROM LG_001_01_ORFLINE WHERE ORDFICHEREF = ? AND "
                         "COALESCE(SHIPPEDAMOUNT, 0) > 0 LIMIT 1", ref) or self._one(
                    "SELECT 1 FROM LG_001_01_STLINE WHERE ORDFICHEREF = ? OR ORDTRANSREF IN "
                    "(SELECT LOGICALREF FROM LG_001_01_ORFLINE WHERE ORDFICHEREF = ?) LIMIT 1",
                    ref, ref):
                raise LogoError(SHIPPED.format(action=turkish, english=english))
        elif self._one("SELECT 1 FROM LG_001_01_STFICHE WHERE LOGICALREF = ? AND "
                       "COALESCE(BILLED, 0) <> 0", ref) or self._one(
                "SELECT 1 FROM LG_001_01_STLINE WHERE STFICHEREF = ? AND "
                "COALESCE(INVOICEREF, 0) <> 0 LIMIT 1", ref):
            raise LogoError(BILLED.format(action=turkish, english=english))

    def delete_slip(self, dt: DataType, ref: int) -> None:
        self.refuse_if_used(dt, ref, "delete")
        self._book(dt, ref, -1)
        self.conn.execute(f"DELETE FROM {dt.line_table} WHERE {dt.line_parent} = ?", (ref,))
        self.conn.execute(f"DELETE FROM {dt.table} WHERE LOGICALREF = ?", (ref,))

    # -- export --------------------------------------------------------------------------------------
    def read_slip(self, dt: DataType, ref: int, header: Mapping[str, Any]) -> str:
        lines = [Line(dict(r)) for r in self.conn.execute(
            f"SELECT * FROM {dt.line_table} WHERE {dt.line_parent} = ? ORDER BY {dt.line_no}",
            (ref,))]
        return self.export_slip(dt, header, lines, reference=ref)

    def export_slip(self, dt: DataType, header: Mapping[str, Any], lines: list[Line], *,
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
            self._export_line(dt, etree.SubElement(transactions, "TRANSACTION"), line.values)
        return DECLARATION + etree.tostring(root, encoding="unicode")

    def _export_line(self, dt: DataType, element: etree._Element, values: Mapping[str, Any]) -> None:
        if values.get("LOGICALREF"):
            etree.SubElement(element, "INTERNAL_REFERENCE").text = str(values["LOGICALREF"])
        self._export_values(element, dt.line_tags, values)
        for tag, column in (("TOTAL", "TOTAL"), ("VAT_AMOUNT", "VATAMNT"), ("TOTAL_NET", "LINENET")):
            if values.get(column) is not None:
                etree.SubElement(element, tag).text = number_text(values[column])
        if dt.is_order and "SHIPPEDAMOUNT" in values:
            etree.SubElement(element, "SHIPPED_AMOUNT").text = number_text(values["SHIPPEDAMOUNT"])
        if dt.is_order and dec(values.get("RESERVEAMOUNT")):
            etree.SubElement(element, "ORDER_RESERVE").text = "1"
        if values.get("_PRCLISTREF"):
            for tag, value in (("PRCLISTREF", str(values["_PRCLISTREF"])),
                               ("PRCLISTCODE", str(values.get("_PRCLISTCODE") or "")),
                               ("PC_PRICE", number_text(values.get("PRICE"))),
                               ("EDT_CURR", str(values.get("_CURRENCY", 160))),
                               ("EDT_PRICE", number_text(values.get("PRICE")))):
                etree.SubElement(element, tag).text = value
        if values.get("CAMPAIGNREF") and values.get("LINETYPE") == 0:
            self._export_campaign(element, values)

    def _export_campaign(self, element: etree._Element, values: Mapping[str, Any]) -> None:
        """``CAMPAIGN_INFOS/CAMPAIGN_INFO`` as MobileSales reads it: CAMPCODE1..5, CAMP_LN_NO."""
        info = etree.SubElement(etree.SubElement(element, "CAMPAIGN_INFOS"), "CAMPAIGN_INFO")
        etree.SubElement(info, "CAMPCODE1").text = self._code("campaign", values["CAMPAIGNREF"])
        for n in range(2, 6):
            etree.SubElement(info, f"CAMPCODE{n}")
        line = self._one("SELECT LINENR FROM LG_001_CMPGNLINE WHERE LOGICALREF = ?",
                         int(values.get("CMPGLINEREF") or 0))
        etree.SubElement(info, "CAMP_LN_NO").text = str(line[0]) if line is not None else None
