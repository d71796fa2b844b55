"""The columns of a result and how each value is converted on the way out of the driver: names as
the statement spells them, types from the driver (and, on SQLite, from the declared column types),
Netsis Turkish repair of text."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from integrator.sql.driver import repair_turkish
from integrator.sql.results import PY_TYPES, Column, ColumnType, Statement
from integrator.sql.sqlite import SqlitePlan, to_decimal, to_int

# converts the values of one column of a batch (a column's values in row order -> new values)
Converter = Callable[[Sequence[Any]], list[Any]]


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
            converter = _decimals(hint[1])
        elif hint is not None and hint[0] == "int" and kind in ("float", "string"):
            kind = "int"
            converter = _ints
        elif kind == "string" and repair:
            converter = _repaired
        columns.append(Column(name, kind))
        converters.append(converter)
    return tuple(columns), converters


def convert_rows(raw: Sequence[Any], converters: Sequence[Converter | None]
                 ) -> list[tuple[Any, ...]]:
    """The driver's rows as tuples, the columns with a converter converted. A batch with
    converters is turned into columns and back (both in C), and each converter runs over its
    column in one comprehension: about half the instructions of converting row by row, item by
    item, for Netsis cards (text repaired in ~35 columns of every row; docs/performance.md)."""
    pairs = [(index, convert) for index, convert in enumerate(converters) if convert is not None]
    if not pairs or not raw:
        return [tuple(row) for row in raw]
    columns: list[Sequence[Any]] = list(zip(*raw, strict=True))
    for index, convert in pairs:
        columns[index] = convert(columns[index])
    return list(zip(*columns, strict=True))


def _decimals(scale: int | None) -> Converter:
    def convert(values: Sequence[Any]) -> list[Any]:
        return [None if v is None else to_decimal(v, scale) for v in values]
    return convert


def _ints(values: Sequence[Any]) -> list[Any]:
    return [None if v is None else to_int(v) for v in values]


def _repaired(values: Sequence[Any]) -> list[Any]:
    """Netsis text read back from a Latin-1 view of cp1254 bytes (ASCII needs no repair)."""
    return [repair_turkish(v) if v.__class__ is str and not v.isascii() else v for v in values]
