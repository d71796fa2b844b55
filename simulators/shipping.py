"""What the two simulators' "ship part of an order" test hooks share (simulators.logo.shipping,
simulators.netsis.shipping): picking the order lines and quantities a request names, and the
``POST /_sim/ship`` route that answers 200 with the result, 404 when the order or a line does not
exist, 409 with ``{"error": ...}`` when the ERP would refuse, 400 for a body that is not a JSON
object."""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import web

from simulators import db
from simulators.db import number_text

Ship = Callable[[dict[str, Any]], dict[str, Any]]
_dumps = functools.partial(json.dumps, ensure_ascii=False)
Model = TypeVar("Model")


def ship_at(db_path: Path | str, kind: str, model: Callable[[sqlite3.Connection], Model],
            ship_order: Callable[[Model, Mapping[str, Any]], dict[str, Any]],
            request: Mapping[str, Any]) -> dict[str, Any]:
    """``ship_order`` on its own connection to the ``kind`` database at ``db_path`` (the Python
    form of the hook, for tests that hold the database path)."""
    conn = db.connect(db_path)
    try:
        db.ensure_additions(conn, kind)
        return ship_order(model(conn), request)
    finally:
        conn.close()


def pick_lines(rows: list[Any], asked: Any, *, left: Callable[[Any], Decimal],
               keys: Mapping[str, str], error: type[Exception], not_found: type[Exception]) \
        -> list[tuple[Any, Decimal]]:
    """``(row, quantity)`` for each line the request asks for: ``asked`` is None (every line with
    something left, all of it) or a list of ``{<key>: n, "quantity": q}`` where ``keys`` maps a
    request key to the row column it names (the first key present in a spec is used)."""
    if asked is None:
        wanted = [(row, left(row)) for row in rows if left(row) > 0]
        if not wanted:
            raise error("Siparişte sevk edilecek miktar kalmadı (nothing is left to ship)")
        return wanted
    if not isinstance(asked, list) or not asked:
        raise error("lines: en az bir satır verilmeli (at least one line)")
    wanted = []
    for spec in asked:
        if not isinstance(spec, Mapping):
            raise error("lines: her satır {\"line\": n, \"quantity\": q} biçiminde olmalı")
        name = next((k for k in keys if spec.get(k) is not None), next(iter(keys)))
        row = next((r for r in rows if int(r[keys[name]] or 0) == int(spec.get(name) or 0)), None)
        if row is None:
            raise not_found(f"Sipariş satırı bulunamadı: {dict(spec)} (no such order line)")
        quantity = _quantity(spec.get("quantity"), left(row), error)
        if quantity > left(row):
            raise error(f"Sipariş satırında kalan miktar {number_text(left(row))}, sevk edilmek "
                        f"istenen {number_text(quantity)} (only {number_text(left(row))} is left "
                        f"on line {spec.get(name)})")
        wanted.append((row, quantity))
    return wanted


def _quantity(value: Any, default: Decimal, error: type[Exception]) -> Decimal:
    if value is None or value == "":
        return default
    try:
        quantity = Decimal(str(value))
    except InvalidOperation:
        raise error(f"quantity: '{value}' geçerli bir sayı değil") from None
    if quantity <= 0:
        raise error("quantity: miktar sıfırdan büyük olmalı")
    return quantity


def ship_route(ship: Ship, *, refused: type[Exception], not_found: type[Exception]) \
        -> Callable[[web.Request], Awaitable[web.Response]]:
    """The ``POST /_sim/ship`` handler around ``ship(body)``."""
    async def handle(request: web.Request) -> web.Response:
        try:
            body = json.loads((await request.read()).decode("utf-8-sig") or "null")
        except (UnicodeDecodeError, ValueError):
            body = None
        if not isinstance(body, dict):
            return web.json_response({"error": "a JSON object is expected"}, status=400)
        try:
            return web.json_response(ship(body), dumps=_dumps)
        except not_found as exc:
            return web.json_response({"error": str(exc)}, status=404, dumps=_dumps)
        except (refused, ValueError, TypeError) as exc:
            return web.json_response({"error": str(exc)}, status=409, dumps=_dumps)

    return handle
