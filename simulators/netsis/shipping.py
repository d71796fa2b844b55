"""Test hook: deliver (part of) a Netsis sales order the way the ERP does — a sales dispatch
(TBLFATUIRS FTIRSIP '3' + TBLSTHAR) whose lines name the order lines (STHAR_SIPNUM = the order's
FATIRS_NO, STHAR_SIPKONT = the order line's INCKEYNO), so that TBLSIPATRA.FIRMA_DOVTUT grows and
stock leaves the line's warehouse (TBLSTOKPH TOP_CIKIS_MIK, MUS_TOP_TESLIM).

``ship_order(model, request)`` works on an open model (the simulator's ``POST /_sim/ship`` calls
it); ``ship(db_path, **request)`` opens the database itself. The request (also the JSON body of the
HTTP hook)::

    {"number": "S00000000000001", "account": "120-01-001"}   the order (FATIRS_NO, CARI_KODU)
    "lines": [{"line": 1, "quantity": "2"}, {"key": 17}]     optional; ``line`` = SIRA, ``key`` =
                                    INCKEYNO; no quantity = all that is left; no ``lines`` = every
                                    line with something left, all of it
    "series": "I"                  optional numbering series of the dispatch (default "I")
    "dispatch_number": "..."       optional explicit dispatch number instead of the series
    "date": "2026-11-25"           optional; default the order's date
    "branch": 0                    optional SUBE_KODU

and the answer::

    {"dispatch_number": "I00000000000001", "order_number": "S00000000000001",
     "account": "120-01-001", "lines": [{"line": 1, "key": 17, "item": "STK001", "shipped": "2",
     "delivered_total": "2", "remaining": "10"}]}

Left on a line = ``STHAR_GCMIK - (FIRMA_DOVTUT + FIRMA_DOVMAL)``; asking for more is refused.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from simulators import db
from simulators.db import dec, number_text, stored_date
from simulators.netsis.model import ORDER, ORDER_LINE_OPEN, NetsisModel
from simulators.netsis.values import NetsisError, parse_day
from simulators.shipping import pick_lines, ship_at


class OrderNotFound(NetsisError):
    """The order (or one of its lines) named by the request does not exist."""


def ship(db_path: Path | str, **request: Any) -> dict[str, Any]:
    """``ship_order`` on the Netsis database at ``db_path``."""
    return ship_at(db_path, "netsis", NetsisModel, ship_order, request)


def ship_order(model: NetsisModel, request: Mapping[str, Any]) -> dict[str, Any]:
    number = str(request.get("number") or "").strip()
    account = str(request.get("account") or "").strip()
    if not number or not account:
        raise NetsisError("number (FATIRS_NO) ve account (CARI_KODU) verilmeli")
    branch = int(request.get("branch") or 0)
    with db.transaction(model.conn):
        try:
            order = model.document_header(ORDER, number, account, branch)
        except NetsisError as exc:
            raise OrderNotFound(str(exc)) from None
        rows = _lines(model.conn, number, account, branch)
        wanted = pick_lines(rows, request.get("lines"), left=lambda row: dec(row["LEFT_"]),
                            keys={"key": "INCKEYNO", "line": "SIRA"}, error=NetsisError,
                            not_found=OrderNotFound)
        day = parse_day(request["date"], "date") if request.get("date") else \
            stored_date(order["TARIH"])
        body = {"FaturaTip": 2, "Seri": str(request.get("series") or "I"), "FatUst": {
            "CariKod": account, "Tarih": str(day), "TIPI": 2, "PLA_KODU": order["PLA_KODU"] or "",
            "FATIRS_NO": str(request.get("dispatch_number") or ""),
            "Aciklama": f"{number} nolu siparişten"},
            "Kalems": [{"StokKodu": row["STOK_KODU"], "STra_GCMIK": str(quantity),
                        "STra_BF": str(dec(row["STHAR_BF"])), "STra_NF": str(dec(row["STHAR_NF"])),
                        "STra_KDV": str(dec(row["STHAR_KDV"])), "DEPO_KODU": row["DEPO_KODU"],
                        "STra_SIPNUM": number, "STra_SIPKONT": row["INCKEYNO"]}
                       for row, quantity in wanted]}
        dispatch = model.save_new(model.calculator.compute(body, branch), branch)
        after = {int(r["INCKEYNO"]): r for r in _lines(model.conn, number, account, branch)}
    return {"dispatch_number": dispatch, "order_number": number, "account": account,
            "lines": [{"line": int(row["SIRA"]), "key": int(row["INCKEYNO"]),
                       "item": row["STOK_KODU"], "shipped": number_text(quantity),
                       "delivered_total": number_text(after[int(row["INCKEYNO"])]["FIRMA_DOVTUT"]),
                       "remaining": number_text(after[int(row["INCKEYNO"])]["LEFT_"])}
                      for row, quantity in wanted]}


def _lines(conn: sqlite3.Connection, number: str, account: str, branch: int) -> list[sqlite3.Row]:
    return conn.execute(f"SELECT *, {ORDER_LINE_OPEN} AS LEFT_ FROM TBLSIPATRA WHERE FISNO = ? "
                        "AND SUBE_KODU = ? AND STHAR_ACIKLAMA = ? ORDER BY SIRA, INCKEYNO",
                        (number, branch, account)).fetchall()
