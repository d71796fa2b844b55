"""The simulated Logo Objects: what LogoObjectService does to a Tiger company database.

This is an independent model of the ERP (its own tag <-> column map, from research/logo-tiger.md
§3-§4 and research/quotes.md §1), not a mirror of the integrator's translators. It writes with
sqlite3 into the Tiger demo database (firm 001, period 01):

* AR_AP (30) -> LG_001_CLCARD, ITEM (0) with UNITS -> LG_001_ITEMS + LG_001_ITMUNITA,
  ORDER_SLIP (3) -> LG_001_01_ORFICHE/ORFLINE, DISPATCH (17) -> LG_001_01_STFICHE/STLINE
  (simulators.logo.slips; prices simulators.logo.pricing; stock and risk simulators.logo.stock);
* new LOGICALREFs, dates as real clients send them, ``TIME`` packed, ``.`` decimals, codes
  resolved to references; a duplicate CODE / number fails with SQLSTATE 23000 in the error text;
* CalculateDataObject prices a slip and saves nothing; DeleteDataObject refuses a card that is in
  use, an order with shipped lines and an invoiced dispatch.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from lxml import etree

from simulators.db import dec, number_text, stamp, stored_date, transaction
from simulators.logo.slips import DECLARATION, SlipModel
from simulators.logo.tags import (
    DataType,
    LogoError,
    data_type,
    duplicate_error,
    pack_time,
    parse_date,
    parse_number,
)

__all__ = ["DECLARATION", "LogoError", "TigerModel", "pack_time", "parse_date", "parse_number"]


class TigerModel(SlipModel):
    """Logo Objects over one Tiger company database (firm 001, period 01)."""

    # -- cards ---------------------------------------------------------------------------------------
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

    # -- operations --------------------------------------------------------------------------------
    def _record(self, dt: DataType, document: etree._Element) -> etree._Element:
        if document.tag != dt.root:
            raise LogoError(f"XML kök elemanı {dt.root} olmalı (gelen: {document.tag!s})")
        records = [r for r in document if isinstance(r.tag, str)]
        if len(records) != 1 or records[0].tag != dt.record:
            raise LogoError(f"{dt.root} altında bir {dt.record} kaydı bekleniyor")
        return records[0]

    def append(self, data_type_number: int, reference: int, document: etree._Element,
               params: Mapping[str, str]) -> int:
        dt = data_type(data_type_number)
        record = self._record(dt, document)
        with transaction(self.conn):
            if not dt.line_table:
                return self._card(dt, record, reference)
            existing = None
            if reference:
                row = self._one(f"SELECT * FROM {dt.table} WHERE LOGICALREF = ?", reference)
                if row is None:
                    raise LogoError(f"{reference} referanslı fiş bulunamadı")
                existing = dict(row)
            header, lines = self.build_slip(dt, record, params, existing)
            return self.save_slip(dt, header, lines, reference)

    def calculate(self, data_type_number: int, document: etree._Element,
                  params: Mapping[str, str]) -> str:
        """The slip priced as it would be saved (campaigns, conditions, price cards); nothing is
        written."""
        dt = data_type(data_type_number)
        if not dt.line_table:
            raise LogoError("CalculateDataObject yalnız fişler için kullanılabilir")
        header, lines = self.build_slip(dt, self._record(dt, document), params)
        return self.export_slip(dt, header, lines, reference=0)

    def delete(self, data_type_number: int, reference: int) -> None:
        dt = data_type(data_type_number)
        with transaction(self.conn):
            if self._one(f"SELECT 1 FROM {dt.table} WHERE LOGICALREF = ?", reference) is None:
                raise LogoError(f"{reference} referanslı kayıt bulunamadı")
            if dt.line_table:
                self.delete_slip(dt, reference)
                return
            if dt.number == 30:
                self._refuse_if_used("CLIENTREF", reference,
                                     ("LG_001_01_ORFICHE", "LG_001_01_STFICHE", "LG_001_01_CLFLINE"))
            else:
                self._refuse_if_used("STOCKREF", reference,
                                     ("LG_001_01_ORFLINE", "LG_001_01_STLINE"))
                self.conn.execute("DELETE FROM LG_001_ITMUNITA WHERE ITEMREF = ?", (reference,))
            self.conn.execute(f"DELETE FROM {dt.table} WHERE LOGICALREF = ?", (reference,))

    def _refuse_if_used(self, column: str, reference: int, tables: tuple[str, ...]) -> None:
        for table in tables:
            if self._one(f"SELECT 1 FROM {table} WHERE {column} = ? LIMIT 1", reference):
                raise LogoError(f"Kayıt {table} tablosunda kullanılıyor, silinemez "
                                "(DB Error: [23000] REFERENCE constraint)")

    def read(self, data_type_number: int, reference: int) -> str:
        dt = data_type(data_type_number)
        row = self._one(f"SELECT * FROM {dt.table} WHERE LOGICALREF = ?", reference)
        if row is None:
            raise LogoError(f"{reference} referanslı kayıt bulunamadı")
        header = dict(row)
        if dt.line_table:
            return self.read_slip(dt, reference, header)
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
