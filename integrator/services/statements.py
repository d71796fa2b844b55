"""The parameter values every statement of a set may use, for the acting user (docs/sql.md)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from integrator.config import IntegrationSet
from integrator.errors import Forbidden
from integrator.model import Context, parse_ref
from integrator.sql.engine import SqlEngine
from integrator.sql.params import ParamValue, Scalar
from integrator.sql.results import Statement


def sql_ref(integration_set: IntegrationSet, ref: str, *, path: str = "ref") -> int | str:
    """A link's ref as a statement parameter: LOGICALREF (int) or the Netsis code (str);
    ``VALIDATION`` naming ``path`` when it is neither."""
    key = parse_ref(integration_set, ref, path=path)
    return int(key.ref) if integration_set.is_logo else key.ref


def by_products(engine: SqlEngine, integration_set: IntegrationSet, name: str, sql: str,
                common: Mapping[str, ParamValue], refs: Sequence[Scalar], codes: Sequence[Scalar],
                *, at_least_one: bool = False) -> list[Statement]:
    """``sql`` prepared once per slice of ``:refs`` and ``:codes`` that keeps within SQL Server's
    2,100 parameters (``SqlEngine.list_chunk``), with ``common`` for its other parameters; no
    statement for no products unless ``at_least_one``. Every row is kept (bounded by the
    products asked for)."""
    size = engine.list_chunk(integration_set, sql, {**common, "refs": list(refs),
                                                    "codes": list(codes)})
    stop = max(len(refs), len(codes), 1 if at_least_one else 0)
    return [engine.prepare(integration_set, name, sql,
                           {**common, "refs": list(refs[start:start + size]),
                            "codes": list(codes[start:start + size])}, max_rows=None)
            for start in range(0, stop, size)]


def base_values(context: Context) -> dict[str, ParamValue]:
    """``:firm``, ``:period`` (Tiger/Go), ``:branch`` (Netsis), ``:user``, ``:salesman``."""
    s = context.integration_set
    return {"firm": s.firm, "period": s.period, "branch": s.branch, "user": context.user,
            "salesman": context.salesman}


def warehouse_values(context: Context, selected: int | None) -> dict[str, ParamValue]:
    """``:all_warehouses`` and ``:warehouses`` for the user (F5), narrowed to the quote's
    selected warehouse when the set says so (``settings.stock_by_selected_warehouse``)."""
    member = context.member
    if selected is not None and context.integration_set.settings.stock_by_selected_warehouse:
        if not member.may_use_warehouse(selected):
            raise Forbidden(f"user {context.user!r} is not permitted on warehouse {selected}")
        return {"all_warehouses": 0, "warehouses": [selected]}
    if member.warehouses == "all":
        return {"all_warehouses": 1, "warehouses": []}
    return {"all_warehouses": 0, "warehouses": list(member.warehouses)}
