"""Reading and writing Tiger records the way Logo Objects does: codes resolved to references,
values parsed by their tag's kind, rows inserted and updated with only the columns the table has,
and values exported back as Logo XML text."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from lxml import etree

from simulators.db import number_text, stamp, stored_date
from simulators.logo.tags import LogoError, Tag, parse_date, parse_number

# reference kinds: (table, what Logo calls it in its message)
REFERENCES = {
    "account": ("LG_001_CLCARD", "cari hesap"), "item": ("LG_001_ITEMS", "malzeme"),
    "unitset": ("LG_001_UNITSETF", "birim seti"), "unit": ("LG_001_UNITSETL", "birim"),
    "salesman": ("LG_SLSMAN", "satış elemanı"), "payplan": ("LG_001_PAYPLANS", "ödeme planı"),
    "campaign": ("LG_001_CAMPAIGN", "kampanya"),
}


def bind(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


class TigerRecords:
    """Logo Objects' record access over one Tiger company database (firm 001, period 01)."""

    def __init__(self, conn: sqlite3.Connection, *, firm: int = 1) -> None:
        self.conn = conn
        self.firm = firm
        self._known: dict[str, set[str]] = {}

    # -- lookups --------------------------------------------------------------------------------
    def _one(self, sql: str, *params: Any) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.conn.execute(sql, params).fetchone()
        return row

    def _ref(self, kind: str, code: str, tag: str, *, unitset: int = 0) -> int:
        code = code.strip()
        table, what = REFERENCES[kind]
        if kind == "unit":
            row = self._one(f"SELECT LOGICALREF FROM {table} WHERE UNITSETREF = ? AND CODE = ?",
                            unitset, code)
        elif kind == "salesman":
            row = self._one(f"SELECT LOGICALREF FROM {table} WHERE FIRMNR = ? AND CODE = ?",
                            self.firm, code)
        else:
            row = self._one(f"SELECT LOGICALREF FROM {table} WHERE CODE = ?", code)
        if row is None:
            raise LogoError(f"{tag}: '{code}' kodlu {what} bulunamadı")
        return int(row[0])

    def _code(self, kind: str, ref: Any) -> str:
        if not ref:
            return ""
        row = self._one(f"SELECT CODE FROM {REFERENCES[kind][0]} WHERE LOGICALREF = ?", int(ref))
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

    # -- a record element into column values ----------------------------------------------------
    def _values(self, element: etree._Element, tags: tuple[Tag, ...]) -> dict[str, Any]:
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
            elif tag.kind in ("number", "unit"):
                values[tag.column] = text.strip()  # units are resolved with the line's item
            elif tag.kind == "int":
                values[tag.column] = int(parse_number(text, tag.tag)) if text.strip() else 0
            elif tag.kind == "dec":
                values[tag.column] = parse_number(text, tag.tag) if text.strip() else Decimal(0)
            elif tag.kind == "date":
                values[tag.column] = stamp(parse_date(text, tag.tag)) if text.strip() else None
            elif tag.kind == "warehouse":
                values[tag.column] = self._warehouse(text, tag.tag) if text.strip() else 0
            else:
                values[tag.column] = self._ref(tag.kind, text, tag.tag) if text.strip() else 0
        return values

    # -- rows -------------------------------------------------------------------------------------
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
                          [bind(values[c]) for c in columns])

    def _update(self, table: str, ref: int, values: Mapping[str, Any]) -> None:
        known = self._columns(table)
        values = {c: v for c, v in values.items() if c.upper() in known}
        if not values:
            return
        assignments = ", ".join(f"{c} = ?" for c in values)
        self.conn.execute(f"UPDATE {table} SET {assignments} WHERE LOGICALREF = ?",
                          [*(bind(v) for v in values.values()), ref])

    # -- export -------------------------------------------------------------------------------------
    def _export_values(self, parent: etree._Element, tags: tuple[Tag, ...],
                       values: Mapping[str, Any]) -> None:
        for tag in tags:
            if not tag.export or tag.column not in values:
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
