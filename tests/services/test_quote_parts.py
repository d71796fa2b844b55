"""Statements over a quote's products (F23, F30, F31, F33): thousands of products are looked up in
statements that each keep within SQL Server's 2,100 parameters — a statement naming its lists
three or four times (the Netsis ``quote_products`` and ``stock_check`` unit branches) takes
fewer products per statement — and their rows are merged back into one answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrator.api.inbound import parse_record
from integrator.config import IntegrationSet, load_config
from integrator.model import Context, CrmRecord, StoredSet, credentials_for
from integrator.services.checks import QuoteChecks
from integrator.services.quote_parts import QuoteParts
from integrator.sql.defaults import DEFAULTS
from integrator.sql.engine import SqlEngine
from integrator.sql.params import MAX_PARAMETERS
from simulators.demo import demo_config_dir

SETS = ["DEMO-TIGER", "DEMO-NETSIS"]


def _set(set_code: str, data: Path) -> IntegrationSet:
    config = load_config(demo_config_dir() / "service.yaml", env={
        "INTEGRATOR_DEMO_DATA": str(data), "INTEGRATOR_DEMO_LOGO_URL": "http://127.0.0.1:9/",
        "INTEGRATOR_DEMO_NETSIS_URL": "http://127.0.0.1:9/"})
    return next(s for s in config.sets if s.code == set_code)


def _context(integration_set: IntegrationSet) -> Context:
    member = next(u for u in integration_set.users if u.warehouses == "all") \
        if any(u.warehouses == "all" for u in integration_set.users) else integration_set.users[0]
    return Context("test", member.name, StoredSet(integration_set, 1, "file"), member,
                   credentials_for(integration_set, member))


def _quote(set_code: str, count: int, *, refs: bool) -> CrmRecord:
    def product(n: int) -> str:
        if n % 2 or not refs:
            return f'code="P{n:05d}"'
        return f'ref="{n if set_code == "DEMO-TIGER" else f"R{n}"}"'

    lines = "".join(f'<Line crmId="L{n}"><Product {product(n)}/><Field name="Quantity">1</Field>'
                    "</Line>" for n in range(1, count + 1))
    return parse_record(f'<Quote crmId="Q-1" set="{set_code}"><Account code="120.01"/>'
                        f"<Lines>{lines}</Lines></Quote>".encode(), expected={"Quote"},
                        max_depth=32)


def _codes(statements: list[object]) -> list[str]:
    return [v for s in statements for v in s.values  # type: ignore[attr-defined]
            if isinstance(v, str) and v.startswith("P")]


@pytest.mark.parametrize("set_code", SETS)
def test_every_list_statement_keeps_within_sql_servers_parameters(tmp_path: Path,
                                                                  set_code: str) -> None:
    integration_set = _set(set_code, tmp_path)
    family = "logo" if integration_set.is_logo else "netsis"
    values = {"firm": 1, "period": 1, "branch": 0, "user": "u", "salesman": None,
              "all_warehouses": 0, "warehouses": list(range(50)), "account": "x", "date": None}
    for name in ("product_stock", "stock_check", "quote_products"):
        sql = DEFAULTS[family][name]
        size = SqlEngine.list_chunk(integration_set, sql, values)
        full = {**values, "refs": list(range(size)), "codes": [f"P{n}" for n in range(size)]}
        statement = SqlEngine.prepare(integration_set, name, sql, full)
        assert 0 < size <= 1000
        assert len(statement.values) <= MAX_PARAMETERS, (name, size, len(statement.values))


@pytest.mark.parametrize("set_code", SETS)
async def test_thousands_of_products_are_looked_up_in_slices_f23(
        engine: SqlEngine, tmp_path: Path, set_code: str) -> None:
    context = _context(_set(set_code, tmp_path))
    statements = QuoteParts(None, engine, None).link_statements(  # type: ignore[arg-type]
        context, _quote(set_code, 2501, refs=True))
    products = [s for s in statements if s.name == "quote_products"]
    assert len(products) == (2 if set_code == "DEMO-TIGER" else 4)  # 1,251 codes; Netsis: 3x
    assert all(len(s.values) <= MAX_PARAMETERS for s in statements)
    assert sorted(set(_codes(products))) == [f"P{n:05d}" for n in range(1, 2502, 2)]


@pytest.mark.parametrize("set_code", SETS)
async def test_a_long_quotes_stock_check_keeps_within_sql_servers_parameters_f30(
        engine: SqlEngine, tmp_path: Path, set_code: str) -> None:
    context = _context(_set(set_code, tmp_path))
    statements, plan = QuoteChecks(engine, None).statements(  # type: ignore[arg-type]
        context, _quote(set_code, 600, refs=False), ["stock"])
    assert plan.stock == len(statements) == (1 if set_code == "DEMO-TIGER" else 3)
    assert all(len(s.values) <= MAX_PARAMETERS for s in statements)
    assert sorted(set(_codes(statements))) == [f"P{n:05d}" for n in range(1, 601)]
