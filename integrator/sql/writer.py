"""The one write (F4): Tiger/Go custom-field rows (``LG_XT<nnn>_FFF``, keyed by ``PARLOGREF``)
inserted or updated in one transaction on the set's separate writer connection. Table and column
names are whitelisted by the caller and checked against a strict identifier pattern here; values
go only as parameters."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import pyodbc

from integrator.errors import Detail, NotFound, SqlRejected, ValidationFailed
from integrator.sql.driver import is_connection_error, map_error
from integrator.sql.pool import Pool
from integrator.sql.sqlite import IDENTIFIER

Tables = Sequence[tuple[str, Mapping[str, str]]]


def check_identifiers(parent_table: str, tables: Tables) -> None:
    for name in [parent_table, *(t for t, _ in tables), *(c for _, cols in tables for c in cols)]:
        if not IDENTIFIER.match(name):
            raise SqlRejected(f"{name!r} is not a plain identifier")


def write_rows(pool: Pool, *, parent_table: str, parent_ref: int, tables: Tables,
               round_trip: Callable[[], None]) -> list[tuple[str, str]]:
    """Runs in one executor hop: check out the writer connection, write in one transaction,
    roll back on any failure; (table, "inserted"|"updated") per table."""
    connection, _ = pool.checkout()
    broken = False
    cursor = connection.cursor()
    try:
        return _write_in_transaction(cursor, parent_table, parent_ref, tables, round_trip)
    except BaseException as error:
        try:
            connection.rollback()
        except pyodbc.Error:
            broken = True
        if isinstance(error, pyodbc.Error):
            broken = broken or is_connection_error(error)
            raise map_error(error, set_code=pool.set_code, connecting=False,
                            query_timeout_s=pool.query_timeout_s) from None
        raise
    finally:
        try:
            cursor.close()
        except pyodbc.Error:
            broken = True
        pool.release(connection, broken=broken)


def _write_in_transaction(cursor: Any, parent_table: str, parent_ref: int, tables: Tables,
                          round_trip: Callable[[], None]) -> list[tuple[str, str]]:
    round_trip()
    if cursor.execute(f"SELECT 1 FROM {parent_table} WHERE LOGICALREF = ?",
                      parent_ref).fetchone() is None:
        raise NotFound(f"no record with LOGICALREF {parent_ref} in {parent_table}")
    typed: list[tuple[str, list[str], list[Any]]] = []
    for table, fields in tables:  # convert every value before the first write
        round_trip()
        cursor.execute(f"SELECT * FROM {table} WHERE 1 = 0")
        kinds = {str(d[0]).upper(): d[1] for d in cursor.description}
        cursor.fetchall()
        names = list(fields)
        unknown = [n for n in names if n.upper() not in kinds]
        if unknown:
            raise ValidationFailed(f"table {table} has no column {', '.join(unknown)}")
        typed.append((table, names, [_typed_value(table, n, fields[n], kinds[n.upper()])
                                     for n in names]))
    outcome: list[tuple[str, str]] = []
    for table, names, values in typed:
        assignments = ", ".join(f"{n} = ?" for n in names)
        round_trip()
        cursor.execute(f"UPDATE {table} SET {assignments} WHERE PARLOGREF = ?",
                       *values, parent_ref)
        if cursor.rowcount and cursor.rowcount > 0:
            outcome.append((table, "updated"))
            continue
        marks = ", ".join("?" for _ in range(len(names) + 1))
        round_trip()
        cursor.execute(f"INSERT INTO {table} (PARLOGREF, {', '.join(names)}) VALUES ({marks})",
                       parent_ref, *values)
        outcome.append((table, "inserted"))
    cursor.connection.commit()
    return outcome


def _typed_value(table: str, column: str, text: str, kind: Any) -> Any:
    if kind is str or kind is None:
        return text
    if text.strip() == "":
        return None
    try:
        if kind is int:
            return int(text.strip())
        if kind in (Decimal, float):
            return Decimal(text.strip())
    except (ValueError, InvalidOperation):
        raise ValidationFailed(f"{table}.{column} needs a number",
                               details=[Detail(f"got {text!r}", "input", path=column)]) from None
    return text
