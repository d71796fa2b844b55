"""What the SQL engine returns: typed columns, rows, statements ready to run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as dtime
from decimal import Decimal
from typing import Any, Literal

from integrator.sql.compiler import Compiled

ColumnType = Literal["string", "int", "decimal", "float", "bool", "date", "datetime", "time",
                     "binary"]


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: ColumnType


@dataclass(slots=True)
class Result:
    columns: tuple[Column, ...]
    rows: list[tuple[Any, ...]]
    truncated: bool = False
    elapsed_s: float = 0.0

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def dicts(self) -> list[dict[str, Any]]:
        names = self.names
        return [dict(zip(names, row, strict=True)) for row in self.rows]

    def first(self) -> dict[str, Any] | None:
        dicts = self.dicts()
        return dicts[0] if dicts else None


@dataclass(frozen=True, slots=True)
class Statement:
    """One compiled statement and its positional values, ready for a hop."""

    name: str
    compiled: Compiled
    values: tuple[Any, ...]
    max_rows: int | None = None


@dataclass(frozen=True, slots=True)
class DbPing:
    ok: bool
    elapsed_ms: float
    message: str


PY_TYPES: dict[type, ColumnType] = {
    bool: "bool", int: "int", Decimal: "decimal", float: "float", str: "string",
    datetime: "datetime", date: "date", dtime: "time", bytes: "binary", bytearray: "binary",
}

