"""SQLite access shared by the simulators: open a demo database, create it from the demo schema,
bring a database written by an older schema up to date (missing tables, indexes, views and
columns), and small value conversions (timestamps, decimals, Netsis' stored code page)."""

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


def schema_columns(statement: str) -> list[tuple[str, str]]:
    """``(name, definition)`` of every column of a ``CREATE TABLE`` statement of the demo schema
    (comments dropped; table constraints such as ``UNIQUE (...)`` skipped)."""
    body = statement[statement.index("(") + 1:statement.rindex(")")]
    body = re.sub(r"--[^\n]*", "", body)
    parts: list[str] = []
    depth, start = 0, 0
    for index, char in enumerate(body):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(body[start:index])
            start = index + 1
    parts.append(body[start:])
    columns = []
    for part in (" ".join(p.split()) for p in parts):
        name = part.split(" ", 1)[0].upper() if part else ""
        if name and name not in ("UNIQUE", "PRIMARY", "CONSTRAINT", "FOREIGN", "CHECK"):
            columns.append((name, part))
    return columns


def ensure_additions(conn: sqlite3.Connection, kind: str) -> None:
    """Bring a database written by an older schema up to the current one: create the tables,
    indexes and views it lacks and add the columns its tables lack (with their defaults)."""
    tables, others = SCHEMAS[kind]
    existing = {str(row[0]).upper() for row in conn.execute("SELECT name FROM sqlite_master")}
    for statement in tables:
        name = statement.split()[2]
        if name.upper() not in existing:
            conn.execute(statement)
            continue
        present = {str(row[1]).upper() for row in conn.execute(f"PRAGMA table_info({name})")}
        for column, definition in schema_columns(statement):
            if column not in present:
                conn.execute(f"ALTER TABLE {name} ADD COLUMN {definition}")
    for statement in others:
        if statement.split()[2].upper() not in existing:
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
