"""SQLite access shared by the simulators: open a demo database, create it from the demo schema,
add the tables the simulators added to the schema when an older database lacks them, and small
value conversions (timestamps, decimals, Netsis' stored code page)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from simulators.demodb.schema import SCHEMAS, statements

# tables the simulators added to the demo schema (issue 4); created on open when missing
ADDED_TABLES: dict[str, tuple[str, ...]] = {
    "tiger": ("LG_001_CAMPAIGN", "LG_001_CMPGNLINE"),
    "netsis": ("TBLSTOKFIAT",),
}


def connect(path: Path | str) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit) returning ``sqlite3.Row``."""
    conn = sqlite3.connect(str(path), timeout=10, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    return conn


def create(path: Path | str, kind: str) -> None:
    """Create an empty demo database of ``kind`` (tiger | netsis) at ``path``."""
    conn = sqlite3.connect(str(path))
    try:
        for statement in statements(kind):
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


def ensure_additions(conn: sqlite3.Connection, kind: str) -> None:
    tables, indexes = SCHEMAS[kind]
    existing = {row[0].upper() for row in
                conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for name in ADDED_TABLES[kind]:
        if name.upper() in existing:
            continue
        for statement in tables:
            if statement.split()[2] == name:
                conn.execute(statement)
        for statement in indexes:
            if re.search(rf"\bON {name}\b", statement):
                conn.execute(statement)


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


# -- values ------------------------------------------------------------------------------------
def stamp(value: date | datetime | None = None) -> str:
    """A TIMESTAMP value as stored in the demo databases."""
    if value is None:
        value = datetime.now().replace(microsecond=0)
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    return value.strftime("%Y-%m-%d %H:%M:%S")


def stored_date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def dec(value: Any) -> Decimal:
    if value in (None, ""):
        return Decimal(0)
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal(0)


def money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def number_text(value: Any) -> str:
    """A decimal as Logo writes it: ``.`` separator, no exponent, no trailing zeros."""
    amount = dec(value)
    if amount == amount.to_integral_value():
        return str(amount.quantize(Decimal(1)))
    return format(amount.normalize(), "f")


def to_netsis(text: str) -> str:
    """How a Netsis database stores text: cp1254 bytes read as cp1252 (İ->Ý, ş->þ, ...)."""
    return text.encode("cp1254", errors="replace").decode("cp1252", errors="replace")


def from_netsis(text: str) -> str:
    return text.encode("cp1252", errors="replace").decode("cp1254", errors="replace")
