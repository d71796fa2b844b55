"""The rows of a stock check's statement, by product (F30): the warehouses with their real and
available stock, and the product's units with their factors (docs/prices.md §1)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from integrator.errors import Detail, SqlRejected, ValidationFailed
from integrator.model.numbers import decimal_of
from integrator.services.quote_values import line_path
from integrator.services.text import turkish_fold
from integrator.sql.results import Result

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class WarehouseStock:
    warehouse: int | None
    name: str
    real: Decimal
    available: Decimal


@dataclass
class ProductStock:
    code: str
    warehouses: list[WarehouseStock] = field(default_factory=list)
    units: dict[str, Decimal] = field(default_factory=dict)  # folded unit -> main units in one
    unit_names: list[str] = field(default_factory=list)

    def factor(self, unit: str | None, index: int, field_name: str) -> Decimal:
        if unit is None or not self.units:
            return Decimal(1)
        found = self.units.get(turkish_fold(unit))
        if found is None:
            known = ", ".join(self.unit_names)
            raise ValidationFailed(
                f"line {index}: unit {unit!r} is not a unit of product {self.code} ({known})",
                details=[Detail(unit, "input", path=line_path(index, field_name))])
        return found


def rows_by_product(results: Sequence[Result]) -> dict[str, dict[str, Any]]:
    """The first row of each product (its column names upper-cased), under the keys
    ``quote_values.product_key`` makes: the code upper-cased, and ``#ref``."""
    out: dict[str, dict[str, Any]] = {}
    for result in results:
        for row in result.dicts():
            folded = {k.upper(): v for k, v in row.items()}
            code = str(folded.get("CODE") or "").strip()
            ref = str(folded.get("REF") or "").strip()
            if code and code.upper() not in out:
                out[code.upper()] = folded
            if ref and f"#{ref}" not in out:
                out[f"#{ref}"] = folded
    return out


def stock_rows(results: Sequence[Result]) -> dict[str, ProductStock]:
    """The stock statement's rows by product (keys: the code upper-cased, and ``#ref``); a row per
    product, warehouse and unit, read by column position (a few thousand rows for a long quote)."""
    out: dict[str, ProductStock] = {}
    seen: set[tuple[str, Any]] = set()
    for result in results:
        where = {column.name.upper(): i for i, column in enumerate(result.columns)}

        def at(name: str, where: dict[str, int] = where) -> int | None:
            return where.get(name)

        code_at, ref_at, wh_at, name_at = at("CODE"), at("REF"), at("WAREHOUSE"), at("WAREHOUSE_NAME")
        real_at, avail_at, unit_at, factor_at = at("REAL_STOCK"), at("AVAILABLE"), at("UNIT"), at("FACTOR")
        for row in result.rows:
            code = text_of(row[code_at]) if code_at is not None else ""
            product = out.get(code.upper())
            if product is None:
                product = ProductStock(code)
                out[code.upper()] = product
                out[f"#{text_of(row[ref_at]) if ref_at is not None else ''}"] = product
            warehouse = row[wh_at] if wh_at is not None else None
            if warehouse is not None and (code, warehouse) not in seen:
                seen.add((code, warehouse))
                product.warehouses.append(WarehouseStock(
                    int(warehouse), text_of(row[name_at]) if name_at is not None else "",
                    _column(row, real_at, "REAL_STOCK"), _column(row, avail_at, "AVAILABLE")))
            unit = text_of(row[unit_at]) if unit_at is not None else ""
            if unit:
                folded = turkish_fold(unit)
                if folded not in product.units:
                    product.unit_names.append(unit)
                    product.units[folded] = (decimal_column(row[factor_at], "FACTOR")
                                             if factor_at is not None else None) or Decimal(1)
    return out


def _column(row: tuple[Any, ...], at: int | None, name: str) -> Decimal:
    return (decimal_column(row[at], name) if at is not None else None) or ZERO


def text_of(value: Any) -> str:
    return "" if value is None else str(value).strip()


def decimal_column(value: Any, column: str) -> Decimal | None:
    try:
        return decimal_of(value)
    except InvalidOperation:
        raise SqlRejected(f"the check statement returned {column} {value!r}, which is not a "
                          "number", source="sql", detail=column) from None
