"""The columns of a result and how each value is converted on the way out of the driver: names as
the statement spells them, types from the driver (and, on SQLite, from the declared column types),
Netsis Turkish repair of text."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from integrator.sql.driver import REPAIR_TURKISH
from integrator.sql.results import PY_TYPES, Column, ColumnType, Statement
from integrator.sql.sqlite import SqlitePlan, to_decimal, to_int

Converter = Callable[[Any], Any]


def select_names(selected: tuple[str, ...], count: int) -> list[str | None]:
    """The name the query selects at each result position: exact where the select list has no
    star; around stars, the positions before the first and after the last one."""
    out: list[str | None] = [None] * count
    if "*" not in selected:
        if len(selected) == count:
            return list(selected)
        return out
    first = selected.index("*")
    last = len(selected) - 1 - selected[::-1].index("*")
    for i in range(min(first, count)):
        out[i] = selected[i]
    tail = selected[last + 1:]
    for j, name in enumerate(tail):
        position = count - len(tail) + j
        if position >= first:
            out[position] = name
    return out


def columns_and_converters(engine: str, statement: Statement, description: Sequence[Any],
                           repair: bool, plan: SqlitePlan | None
                           ) -> tuple[tuple[Column, ...], list[Converter | None]]:
    """The result's columns and, per column, the converter its values go through (or None)."""
    compiled = statement.compiled
    typing = plan.typing if plan is not None else None
    if typing is not None and len(typing) != len(description):
        typing = None
    names = select_names(compiled.columns, len(description))
    columns: list[Column] = []
    converters: list[Converter | None] = []
    for i, item in enumerate(description):
        raw_name = str(item[0])
        name = raw_name
        known = names[i]
        if known is not None and known.lower() == raw_name.lower():
            name = known
        elif engine == "postgres" and raw_name == raw_name.lower():
            name = raw_name.upper()
        kind: ColumnType = PY_TYPES.get(item[1], "string")
        converter: Converter | None = None
        hint = typing[i] if typing is not None else None
        if hint is not None and hint[0] == "decimal":
            kind = "decimal"
            scale = hint[1]
            converter = lambda v, s=scale: to_decimal(v, s)  # noqa: E731
        elif hint is not None and hint[0] == "int" and kind in ("float", "string"):
            kind = "int"
            converter = to_int
        elif kind == "string" and repair:
            converter = _repair
        columns.append(Column(name, kind))
        converters.append(converter)
    return tuple(columns), converters


def convert_rows(raw: Sequence[Any], converters: Sequence[Callable[[Any], Any] | None]
                 ) -> list[tuple[Any, ...]]:
    """The driver's rows as tuples, each non-null value of a column with a converter converted
    (in the pyodbc row first: rows take item assignment)."""
    pairs = [(index, convert) for index, convert in enumerate(converters) if convert is not None]
    if not pairs:
        return [tuple(row) for row in raw]
    for row in raw:
        for index, convert in pairs:
            value = row[index]
            if value is not None:
                row[index] = convert(value)
    return [tuple(row) for row in raw]


def _repair(value: Any) -> Any:
    """Netsis text read back from a Latin-1 view of cp1254 bytes (ASCII needs no repair)."""
    if isinstance(value, str) and not value.isascii():
        return value.translate(REPAIR_TURKISH)
    return value
