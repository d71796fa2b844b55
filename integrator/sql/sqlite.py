"""SQLite through the SQLite3 ODBC driver: exact decimals and integers from the declared column
types, and parameters inlined as literals for streams (the driver buffers parameterised results).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

import pyodbc
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify
from sqlglot.schema import MappingSchema

from integrator.sql.compiler import Compiled

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
Typing = tuple[tuple[str, int | None] | None, ...]


@dataclass(frozen=True, slots=True)
class SqlitePlan:
    """A statement as run on SQLite (decimal expressions read as text) and its column typing."""

    sql: str
    typing: Typing | None


def _sqlite_literal(value: Any) -> str | None:
    """A value as an SQLite literal, or None when it has no exact literal form here."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f") if value.is_finite() else None
    if isinstance(value, str):
        return None if "\x00" in value else "'" + value.replace("'", "''") + "'"
    if isinstance(value, datetime):
        return None  # prepare() already turned whole-second datetimes into SQLite's text
    if isinstance(value, date):
        return f"'{value.isoformat()}'"
    if isinstance(value, bytes | bytearray):
        return f"X'{bytes(value).hex()}'"
    return None


def sqlite_literals(sql: str, values: Sequence[Any]) -> str | None:
    """``sql`` with its ``?`` placeholders replaced by the values as SQLite literals, for streams.

    The SQLite3 ODBC driver reads the whole result into memory at execute when the statement has
    bound parameters (even with ``StepAPI=1``); without parameters it steps through the rows. The
    placeholders are found with sqlglot's SQLite tokenizer (a ``?`` inside a string literal or a
    comment is not a placeholder), once per statement text (``placeholder_gaps``); strings are
    quoted by doubling ``'`` (SQLite has no backslash escapes). None when a value has no exact
    literal form: the caller binds them as usual.
    """
    gaps = placeholder_gaps(sql)
    if gaps is None or len(gaps) != len(values) + 1:
        return None
    parts = [gaps[0]]
    for value, gap in zip(values, gaps[1:], strict=True):
        literal = _sqlite_literal(value)
        if literal is None:
            return None
        parts.append(literal)
        parts.append(gap)
    return "".join(parts)


@lru_cache(maxsize=256)
def placeholder_gaps(sql: str) -> tuple[str, ...] | None:
    """The text of ``sql`` around its ``?`` placeholders (one more piece than placeholders), or
    None when it does not tokenize as SQLite or has another placeholder form. Cached: a stream
    runs one of a set's few compiled statements, and tokenizing one took longer (1.4 ms for the
    bulk list statement) than executing it and fetching a page of 20 rows (docs/performance.md).
    """
    from sqlglot import TokenType
    from sqlglot.dialects.sqlite import SQLite

    try:
        tokens = SQLite().tokenize(sql)
    except SqlglotError:
        return None
    marks = [token for token in tokens if token.token_type == TokenType.PLACEHOLDER]
    if any(token.text != "?" for token in marks):
        return None
    gaps: list[str] = []
    position = 0
    for token in marks:
        gaps.append(sql[position:token.start])
        position = token.end + 1
    gaps.append(sql[position:])
    return tuple(gaps)


_INT_TYPES = {exp.DataType.Type.INT, exp.DataType.Type.BIGINT, exp.DataType.Type.SMALLINT,
              exp.DataType.Type.TINYINT}
_DECIMAL_TYPES = {exp.DataType.Type.DECIMAL, exp.DataType.Type.MONEY,
                  exp.DataType.Type.SMALLMONEY}


def schema_version(connection: Any) -> int:
    """SQLite's schema cookie: it moves whenever a table, view or column is created, altered or
    dropped (by any connection). ``pyodbc.Error`` when it cannot be read."""
    cursor = connection.cursor()
    try:
        row = cursor.execute("PRAGMA schema_version").fetchone()
    finally:
        cursor.close()
    return int(row[0])


def sqlite_schema(connection: Any) -> MappingSchema | None:
    cursor = connection.cursor()
    try:
        names = [row[0] for row in cursor.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')").fetchall()]
        mapping: dict[str, object] = {}
        for name in names:
            if not IDENTIFIER.match(name):
                continue
            columns = cursor.execute(f'PRAGMA table_info("{name}")').fetchall()
            mapping[name] = {str(c[1]): (str(c[2]) or "TEXT") for c in columns}
        return MappingSchema(mapping, dialect="sqlite")
    except (pyodbc.Error, SqlglotError, ValueError):
        return None
    finally:
        cursor.close()


def _sqlite_typing(compiled: Compiled, schema: MappingSchema) -> Typing | None:
    """Per selected column: ("decimal", scale) / ("int", None) / None, from declared types."""
    try:
        tree = qualify(compiled.tree.copy(), schema=schema, dialect="sqlite",
                       validate_qualify_columns=False, identify=False)
        annotated = annotate_types(tree, schema=schema, dialect="sqlite")
    except (SqlglotError, ValueError, KeyError, AttributeError):
        return None
    if not isinstance(annotated, exp.Query):
        return None
    out: list[tuple[str, int | None] | None] = []
    for select in annotated.selects:
        kind = select.type
        if kind is None:
            out.append(None)
        elif kind.this in _DECIMAL_TYPES:
            params = kind.expressions
            scale = None
            if len(params) >= 2:
                try:
                    scale = int(params[1].name)
                except ValueError:
                    scale = None
            out.append(("decimal", scale))
        elif kind.this in _INT_TYPES:
            out.append(("int", None))
        else:
            out.append(None)
    return tuple(out)


def sqlite_plan(compiled: Compiled, schema: MappingSchema) -> SqlitePlan:
    """The SQLite ODBC driver types an expression column by its first row's value: a CASE that
    yields 0 first is read as an integer and 16079.97 comes back as 16079. Every decimal-typed
    expression is therefore read as text (``CAST(… AS TEXT)``) and converted to ``Decimal``."""
    typing = _sqlite_typing(compiled, schema)
    tree = compiled.tree
    if typing is None or not isinstance(tree, exp.Select) or "*" in compiled.columns \
            or len(tree.selects) != len(typing):
        return SqlitePlan(compiled.sql, typing)
    tree = tree.copy()
    changed = False
    for index, (select, hint) in enumerate(zip(list(tree.selects), typing, strict=True)):
        inner = select.this if isinstance(select, exp.Alias) else select
        if hint is None or hint[0] != "decimal" or isinstance(inner, exp.Column):
            continue
        name = select.alias if isinstance(select, exp.Alias) else select.sql("sqlite")
        cast = exp.Cast(this=inner.copy(), to=exp.DataType.build("TEXT"))
        tree.expressions[index] = exp.alias_(cast, name, quoted=not name.isidentifier())
        changed = True
    return SqlitePlan(tree.sql("sqlite") if changed else compiled.sql, typing)



_QUANTA = {scale: Decimal(1).scaleb(-scale) for scale in range(39)}  # DECIMAL(p, s): s <= 38


def to_decimal(value: Any, scale: int | None) -> Any:
    if value is None or isinstance(value, Decimal):
        return value
    try:
        if isinstance(value, float):
            number = Decimal(repr(value))  # the shortest text that reads back as this float
        elif isinstance(value, int | str):
            number = Decimal(value)
        else:
            return value
    except InvalidOperation:
        return value
    if scale is not None:
        number = number.quantize(_QUANTA.get(scale) or Decimal(1).scaleb(-scale))
    return number


def to_int(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value):
        return int(value)
    return value

