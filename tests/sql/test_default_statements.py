"""Every default statement runs on the real drivers — the SQLite3 ODBC driver (mark odbc) and
PostgreSQL through psqlODBC with a SELECT-only role (mark postgres) — and answers the columns
sql/defaults.py documents. The golden file pins the compiled text; this pins that it runs.

Not here: the Netsis ``risk_check`` default calls ``dbo.CARISKBUL``, an MS SQL function of Netsis
that SQLite and PostgreSQL do not have (compiled only; docs/prices.md §4)."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrator.config import IntegrationSet
from integrator.sql.defaults import DEFAULTS
from integrator.sql.engine import SqlEngine
from tests.fixtures.sql import pg_netsis_set, pg_tiger_set, sqlite_netsis_set, sqlite_tiger_set
from tests.sql.test_compiler import COMMON, SAMPLE_VALUES

NOT_RUNNABLE = {("netsis", "risk_check")}  # dbo.CARISKBUL exists only in a Netsis MS SQL database
# the result columns each new statement of the quote checks promises (docs/prices.md)
COLUMNS = {
    "stock_check": {"REF", "CODE", "WAREHOUSE", "WAREHOUSE_NAME", "REAL_STOCK", "AVAILABLE",
                    "UNIT", "FACTOR"},
    "product_stock": {"REF", "CODE", "WAREHOUSE", "ONHAND", "RESERVED", "ORDERED", "REAL_STOCK",
                      "AVAILABLE"},
    "risk_check": {"REF", "CODE", "RISK_LIMIT", "RISK_TOTAL", "ERP_CONTROL"},
    "risk_limit": {"REF", "CODE", "RISK_LIMIT", "ERP_CONTROL"},
    "product_vat": {"REF", "CODE", "VAT"},
}
# values that find rows in the demo databases (the samples of the compile test find none)
FOUND = {
    ("logo", "stock_check"): {"refs": [2, 3], "codes": ["GDA.00001"]},
    ("netsis", "stock_check"): {"refs": ["GDA00002"], "codes": ["GDA00001"]},
    ("logo", "risk_check"): {"ref": 2, "code": None},
    ("netsis", "risk_limit"): {"ref": None, "code": "120-00001"},
    ("logo", "product_vat"): {"refs": [2], "codes": ["GDA.00001"]},
    ("netsis", "product_vat"): {"refs": ["GDA00002"], "codes": ["GDA00001"]},
}


@pytest.fixture(params=[pytest.param("sqlite", marks=pytest.mark.odbc),
                        pytest.param("postgres", marks=pytest.mark.postgres)])
def sets(request: pytest.FixtureRequest, demo_dir: Path) -> dict[str, IntegrationSet]:
    if request.param == "sqlite":
        return {"logo": sqlite_tiger_set(demo_dir / "tiger.db"),
                "netsis": sqlite_netsis_set(demo_dir / "netsis.db")}
    pg = request.getfixturevalue("pg_demo")
    return {"logo": pg_tiger_set(pg), "netsis": pg_netsis_set(pg)}


async def test_every_default_statement_runs_and_answers_its_columns(
        engine: SqlEngine, sets: dict[str, IntegrationSet]) -> None:
    for erp, statements in DEFAULTS.items():
        integration_set = sets[erp]
        for name, sql in statements.items():
            if (erp, name) in NOT_RUNNABLE:
                continue
            values = {**COMMON, **SAMPLE_VALUES[name], **FOUND.get((erp, name), {})}
            result = await engine.query(integration_set, name, sql.strip(), values, max_rows=500)
            columns = {c.name.upper() for c in result.columns}
            assert COLUMNS.get(name, set()) <= columns, (erp, name, columns)
            if (erp, name) in FOUND:
                assert result.rows, (erp, name)


async def test_stock_check_gives_units_with_their_factors_f30(
        engine: SqlEngine, sets: dict[str, IntegrationSet]) -> None:
    tiger = sets["logo"]
    result = await engine.query(tiger, "stock_check", DEFAULTS["logo"]["stock_check"].strip(),
                                {**COMMON, "refs": [], "codes": ["ÇAY.00041"], "all_warehouses": 1,
                                 "warehouses": []}, max_rows=500)
    units = {(str(r["UNIT"]), float(r["FACTOR"])) for r in result.dicts()}
    assert ("ADET", 1.0) in units and len(units) >= 2
    assert all(factor >= 1 for _, factor in units)
