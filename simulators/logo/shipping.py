"""Test hook: ship (part of) a Tiger sales order the way the ERP does when a user turns an order
into a dispatch — a sales dispatch (STFICHE/STLINE, TYPE 8 unless asked otherwise) whose lines
point at the order lines (STLINE.ORDTRANSREF/ORDFICHEREF), so that ORFLINE.SHIPPEDAMOUNT grows,
a line is CLOSED once nothing is left, stock leaves the line's warehouse (ONHAND, SHIPPED) and the
order's ACTSORDER/RESERVED and risk shrink (simulators.logo.stock).

``ship_order(model, request)`` works on an open model (the simulator's ``POST /_sim/ship`` calls
it); ``ship(db_path, **request)`` opens the database itself. The request (also the JSON body of
the HTTP hook)::

    {"order_ref": 12}  or  {"order_number": "00000003"}      the sales order (ORFICHE)
    "lines": [{"line": 1, "quantity": "2"}, {"line_ref": 40}] optional; ``line`` = the line's
                                    number in the order (LINENO_), ``line_ref`` = ORFLINE
                                    LOGICALREF; no quantity = all that is left; no ``lines`` =
                                    every item line with something left, all of it
    "date": "2026-11-25"           optional (yyyy-mm-dd or dd.mm.yyyy); default the order's date
    "type": 8                      optional, 8 wholesale or 7 retail
    "number": "~"                  optional dispatch number

and the answer::

    {"dispatch_ref": 7, "dispatch_number": "00000002", "order_ref": 12, "order_number": "00000003",
     "lines": [{"line": 1, "line_ref": 40, "item": "MLZ-001", "shipped": "2",
                "shipped_total": "2", "remaining": "10", "closed": false}]}

A quantity above what is left (``AMOUNT - (SHIPPEDAMOUNT + ONVEHICLE + DISTRESERVED)``) is refused.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from simulators import db
from simulators.db import dec, number_text, stamp
from simulators.logo.model import TigerModel
from simulators.logo.stock import remaining
from simulators.logo.tags import DISPATCH, Line, LogoError, parse_date
from simulators.shipping import pick_lines, ship_at


class OrderNotFound(LogoError):
    """The order (or one of its lines) named by the request does not exist."""


def ship(db_path: Path | str, **request: Any) -> dict[str, Any]:
    """``ship_order`` on the Tiger database at ``db_path``."""
    return ship_at(db_path, "tiger", TigerModel, ship_order, request)


def ship_order(model: TigerModel, request: Mapping[str, Any]) -> dict[str, Any]:
    with db.transaction(model.conn):
        order = _order(model.conn, request)
        rows = model.conn.execute(
            "SELECT L.*, I.CODE AS ITEMCODE FROM LG_001_01_ORFLINE L LEFT JOIN LG_001_ITEMS I ON "
            "I.LOGICALREF = L.STOCKREF WHERE L.ORDFICHEREF = ? ORDER BY L.LINENO_",
            (order["LOGICALREF"],)).fetchall()
        items = [r for r in rows if int(r["LINETYPE"]) in (0, 1)]
        wanted = pick_lines(items, request.get("lines"), left=remaining,
                            keys={"line_ref": "LOGICALREF", "line": "LINENO_"}, error=LogoError,
                            not_found=OrderNotFound)
        lines: list[Line] = []
        for row, quantity in wanted:
            lines.append(Line({
                "LINETYPE": int(row["LINETYPE"]), "STOCKREF": row["STOCKREF"], "AMOUNT": quantity,
                "PRICE": dec(row["PRICE"]), "VAT": dec(row["VAT"]), "VATINC": row["VATINC"] or 0,
                "UOMREF": row["UOMREF"], "USREF": row["USREF"], "SOURCEINDEX": row["SOURCEINDEX"],
                "ORDTRANSREF": row["LOGICALREF"], "CAMPAIGNREF": row["CAMPAIGNREF"] or 0,
                "CMPGLINEREF": row["CMPGLINEREF"] or 0}, {"PRICE", "VAT_INCLUDED"}))
            lines.extend(Line({"LINETYPE": 2, "DISCPER": dec(d["DISCPER"]), "UOMREF": 0,
                               "SOURCEINDEX": row["SOURCEINDEX"]})
                         for d in _discounts_below(rows, row) if dec(d["DISCPER"]))
        header: dict[str, Any] = {
            "TRCODE": int(request.get("type") or 8), "FICHENO": str(request.get("number") or "~"),
            "DATE_": stamp(_day(request.get("date"))) if request.get("date") else order["DATE_"],
            "CLIENTREF": order["CLIENTREF"], "SOURCEINDEX": order["SOURCEINDEX"],
            "SALESMANREF": order["SALESMANREF"], "AFFECTRISK": order["AFFECTRISK"],
            "GENEXP1": f"{order['FICHENO']} numaralı siparişten"}
        if header["TRCODE"] not in (7, 8):
            raise LogoError("type: satış irsaliyesi türü 7 (perakende) veya 8 (toptan) olmalı")
        model.pricing.price(lines, header, {})
        ref = model.save_slip(DISPATCH, header, lines, 0)
        answer = []
        for row, quantity in wanted:
            after = model.conn.execute("SELECT * FROM LG_001_01_ORFLINE WHERE LOGICALREF = ?",
                                       (row["LOGICALREF"],)).fetchone()
            answer.append({"line": int(row["LINENO_"]), "line_ref": int(row["LOGICALREF"]),
                           "item": row["ITEMCODE"], "shipped": number_text(quantity),
                           "shipped_total": number_text(after["SHIPPEDAMOUNT"]),
                           "remaining": number_text(remaining(after)),
                           "closed": bool(after["CLOSED"])})
        return {"dispatch_ref": ref, "dispatch_number": header["FICHENO"],
                "order_ref": int(order["LOGICALREF"]), "order_number": order["FICHENO"],
                "lines": answer}


def _order(conn: sqlite3.Connection, request: Mapping[str, Any]) -> sqlite3.Row:
    row: sqlite3.Row | None
    if request.get("order_ref") is not None:
        row = conn.execute("SELECT * FROM LG_001_01_ORFICHE WHERE TRCODE = 1 AND LOGICALREF = ?",
                           (int(request["order_ref"]),)).fetchone()
    elif request.get("order_number"):
        row = conn.execute("SELECT * FROM LG_001_01_ORFICHE WHERE TRCODE = 1 AND FICHENO = ?",
                           (str(request["order_number"]),)).fetchone()
    else:
        raise LogoError("order_ref veya order_number verilmeli")
    if row is None:
        raise OrderNotFound("Satış siparişi bulunamadı (no such sales order)")
    if int(row["STATUS"] or 0) == 1:
        raise LogoError("Öneri durumundaki sipariş sevk edilemez (a proposal cannot be shipped)")
    return row


def _discounts_below(rows: list[sqlite3.Row], item: sqlite3.Row) -> list[sqlite3.Row]:
    """The order's discount lines right below an item line."""
    below = []
    for row in rows[rows.index(item) + 1:]:
        if int(row["LINETYPE"]) != 2:
            break
        below.append(row)
    return below


def _day(value: Any) -> date:
    text = str(value).strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        return parse_date(text, "date")
