"""What a saved order or dispatch does to the Tiger totals, as the simulated Logo Objects books it.

Stock (LG_001_01_GNTOTST cumulative, LG_001_01_STINVTOT per day; each change is booked for the
line's warehouse and for INVENNO -1 = all warehouses; quantities in the item's main unit, i.e.
``AMOUNT * CONVFACT2 / CONVFACT1`` of the line's unit):

* an order line (TYPE 0/1) of an order that is not a proposal (ORDER_STATUS 1) and not cancelled
  holds its open quantity ``AMOUNT - SHIPPEDAMOUNT`` (0 once CLOSED) in ACTSORDER, and when it was
  saved with ``ORDER_RESERVE 1`` (ORFLINE.RESERVEAMOUNT) the open part of the reservation in
  RESERVED — on the order's date;
* a dispatch line takes its quantity off ONHAND and adds it to SHIPPED, in its own warehouse
  (STLINE.SOURCEINDEX), on the dispatch date; a line shipping an order line (ORDTRANSREF) adds
  to that line's SHIPPEDAMOUNT (in the order line's unit), closes it when nothing is left, and so
  lowers the order's ACTSORDER/RESERVED. More than ``AMOUNT - (SHIPPEDAMOUNT + ONVEHICLE +
  DISTRESERVED)`` cannot be shipped.

Risk (LG_001_01_CLRNUMS, one row per account, created on first use with RISKTYPES 1, 4, 5 on):
an order with AFFECT_RISK 1 (the default) holds the open share of its item lines' net + VAT
(``money((LINENET + VATAMNT) * open / AMOUNT)`` per line) in ORDRISKTOTAL; a dispatch with
AFFECT_RISK 1 holds its TOTAL_NET in DESPRISKTOTAL. RISKTOTAL (older versions' single total)
follows both. Every booking is undone exactly by booking the same state with the opposite sign.
"""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from typing import Any

from simulators.db import dec, money, number_text, stamp
from simulators.logo.tags import LogoError

ORDER_LINES = "LG_001_01_ORFLINE"
_UNIT_JOIN = ("COALESCE(U.CONVFACT1, 1) AS C1, COALESCE(U.CONVFACT2, 1) AS C2 "
              "FROM {table} L LEFT JOIN LG_001_UNITSETL U ON U.LOGICALREF = L.UOMREF")


def main_units(row: sqlite3.Row, quantity: Decimal) -> Decimal:
    return quantity * dec(row["C2"]) / (dec(row["C1"]) or Decimal(1))


def open_quantity(line: sqlite3.Row) -> Decimal:
    """What is left to ship of an order line (for ACTSORDER: on vehicle or distribution-reserved
    quantities are still open orders)."""
    if int(line["CLOSED"] or 0):
        return Decimal(0)
    return max(Decimal(0), dec(line["AMOUNT"]) - dec(line["SHIPPEDAMOUNT"]))


def remaining(line: sqlite3.Row) -> Decimal:
    """What may still be shipped: ``AMOUNT - (SHIPPEDAMOUNT + ONVEHICLE + DISTRESERVED)``."""
    return dec(line["AMOUNT"]) - dec(line["SHIPPEDAMOUNT"]) - dec(line["ONVEHICLE"]) - \
        dec(line["DISTRESERVED"])


class StockBook:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def _new_ref(self, table: str) -> int:
        row = self.conn.execute(f"SELECT COALESCE(MAX(LOGICALREF), 0) + 1 FROM {table}").fetchone()
        return int(row[0])

    # -- totals ------------------------------------------------------------------------------------
    def add_total(self, item: int, warehouse: int, changes: dict[str, Decimal], day: str) -> None:
        changes = {c: v for c, v in changes.items() if v}
        if not changes:
            return
        assignments = ", ".join(f"{c} = COALESCE({c}, 0) + ?" for c in changes)
        amounts = [float(v) for v in changes.values()]
        for where in (warehouse, -1):
            if not self.conn.execute(f"UPDATE LG_001_01_GNTOTST SET {assignments} WHERE STOCKREF = ? "
                                     "AND INVENNO = ?", [*amounts, item, where]).rowcount:
                self._insert("LG_001_01_GNTOTST", {"STOCKREF": item, "INVENNO": where, **changes})
            if not self.conn.execute(f"UPDATE LG_001_01_STINVTOT SET {assignments} WHERE "
                                     "STOCKREF = ? AND INVENNO = ? AND DATE_ = ?",
                                     [*amounts, item, where, day]).rowcount:
                self._insert("LG_001_01_STINVTOT", {"STOCKREF": item, "INVENNO": where,
                                                    "DATE_": day, **changes})

    def _insert(self, table: str, values: dict[str, Any]) -> None:
        values = {"LOGICALREF": self._new_ref(table), **values}
        self.conn.execute(f"INSERT INTO {table} ({', '.join(values)}) VALUES "
                          f"({', '.join('?' for _ in values)})",
                          [float(v) if isinstance(v, Decimal) else v for v in values.values()])

    def add_risk(self, client: int, column: str, amount: Decimal) -> None:
        if not client or not amount:
            return
        if not self.conn.execute(f"UPDATE LG_001_01_CLRNUMS SET {column} = COALESCE({column}, 0) "
                                 "+ ?, RISKTOTAL = COALESCE(RISKTOTAL, 0) + ? WHERE CLCARDREF = ?",
                                 (float(amount), float(amount), client)).rowcount:
            self._insert("LG_001_01_CLRNUMS", {"CLCARDREF": client, column: amount,
                                               "RISKTOTAL": amount})

    # -- orders ------------------------------------------------------------------------------------
    def _order_lines(self, where: str, *args: Any) -> list[sqlite3.Row]:
        return self.conn.execute(
            "SELECT L.*, H.STATUS AS H_STATUS, H.CANCELLED AS H_CANCELLED, "
            "H.AFFECTRISK AS H_AFFECTRISK, " + _UNIT_JOIN.format(table=ORDER_LINES) +
            f" JOIN LG_001_01_ORFICHE H ON H.LOGICALREF = L.ORDFICHEREF WHERE {where} "
            "AND L.LINETYPE IN (0, 1)", args).fetchall()

    def book_order(self, ref: int, sign: int) -> None:
        """Book (+1) or unbook (-1) every line of an order."""
        for line in self._order_lines("L.ORDFICHEREF = ?", ref):
            self._book_order_line(line, sign)

    def _book_order_line(self, line: sqlite3.Row, sign: int) -> None:
        if int(line["H_STATUS"] or 0) == 1 or int(line["H_CANCELLED"] or 0):
            return
        still = open_quantity(line)
        reserved = min(dec(line["RESERVEAMOUNT"]), still)
        self.add_total(int(line["STOCKREF"]), int(line["SOURCEINDEX"] or 0),
                       {"ACTSORDER": main_units(line, still) * sign,
                        "RESERVED": main_units(line, reserved) * sign},
                       str(line["DATE_"] or stamp()))
        amount = dec(line["AMOUNT"])
        if int(line["H_AFFECTRISK"] or 0) and int(line["LINETYPE"]) == 0 and amount:
            value = money((dec(line["LINENET"]) + dec(line["VATAMNT"])) * still / amount)
            self.add_risk(int(line["CLIENTREF"] or 0), "ORDRISKTOTAL", value * sign)

    def ship_order_line(self, line_ref: int, quantity: Decimal, *, item: int) -> int:
        """Add ``quantity`` (main units; negative to undo) to an order line's shipped amount; the
        order's reference."""
        rows = self._order_lines("L.LOGICALREF = ?", line_ref)
        if not rows or int(rows[0]["TRCODE"] or 1) != 1:
            raise LogoError(f"ORDER_REFERENCE: {line_ref} referanslı sipariş satırı bulunamadı")
        line = rows[0]
        if int(line["STOCKREF"]) != item:
            raise LogoError(f"ORDER_REFERENCE: {line_ref} referanslı sipariş satırı başka bir "
                            "malzemenin satırı")
        in_line_units = quantity * (dec(line["C1"]) or Decimal(1)) / (dec(line["C2"]) or Decimal(1))
        amount = dec(line["AMOUNT"])
        shipped = dec(line["SHIPPEDAMOUNT"]) + in_line_units
        left = remaining(line)
        if in_line_units > 0 and in_line_units > left:
            raise LogoError(f"Sipariş satırında kalan miktar {number_text(left)}, sevk edilmek "
                            f"istenen {number_text(in_line_units)} (only {number_text(left)} is "
                            f"left to ship on order line {line_ref})")
        self._book_order_line(line, -1)
        self.conn.execute(f"UPDATE {ORDER_LINES} SET SHIPPEDAMOUNT = ?, CLOSED = ? WHERE "
                          "LOGICALREF = ?", (float(shipped), 1 if shipped >= amount else 0, line_ref))
        self._book_order_line(self._order_lines("L.LOGICALREF = ?", line_ref)[0], 1)
        return int(line["ORDFICHEREF"])

    # -- dispatches --------------------------------------------------------------------------------
    def book_dispatch(self, ref: int, sign: int) -> None:
        """Book (+1) or unbook (-1) a dispatch: stock, the order lines it ships, risk."""
        header = self.conn.execute("SELECT CLIENTREF, NETTOTAL, AFFECTRISK FROM LG_001_01_STFICHE "
                                   "WHERE LOGICALREF = ?", (ref,)).fetchone()
        for line in self.conn.execute(
                "SELECT L.LOGICALREF, L.STOCKREF, L.SOURCEINDEX, L.AMOUNT, L.DATE_, L.ORDTRANSREF, " +
                _UNIT_JOIN.format(table="LG_001_01_STLINE") +
                " WHERE L.STFICHEREF = ? AND L.LINETYPE IN (0, 1)", (ref,)).fetchall():
            quantity = main_units(line, dec(line["AMOUNT"])) * sign
            self.add_total(int(line["STOCKREF"]), int(line["SOURCEINDEX"] or 0),
                           {"ONHAND": -quantity, "SHIPPED": quantity}, str(line["DATE_"] or stamp()))
            if line["ORDTRANSREF"]:
                order = self.ship_order_line(int(line["ORDTRANSREF"]), quantity,
                                             item=int(line["STOCKREF"]))
                self.conn.execute("UPDATE LG_001_01_STLINE SET ORDFICHEREF = ? WHERE LOGICALREF = ?",
                                  (order, int(line["LOGICALREF"])))
        if header is not None and int(header["AFFECTRISK"] or 0):
            self.add_risk(int(header["CLIENTREF"] or 0), "DESPRISKTOTAL",
                          dec(header["NETTOTAL"]) * sign)
