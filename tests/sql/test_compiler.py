"""The compile step (validate -> tokens -> parameters -> dialect): pure, with golden files."""

from __future__ import annotations

import os
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from integrator.config import DbEngine
from integrator.errors import SqlRejected
from integrator.sql.compiler import compile_sql
from integrator.sql.defaults import DEFAULTS
from integrator.sql.params import parse_value, shape_of
from integrator.sql.tokens import resolve_name

GOLDEN = Path(__file__).parent.parent / "golden"
ENGINES: tuple[DbEngine, ...] = ("mssql", "sqlite", "postgres")

LIST_FILTERS: dict[str, object] = {
    "any_code": 0, "code_pattern": "AB%", "any_name": 1, "name_pattern": "%", "any_change": 1,
    "changed_since": datetime(1900, 1, 1), "any_special": 1, "special_code": ""}
# the values each default statement is called with (their shape is what compilation sees)
SAMPLE_VALUES: dict[str, dict[str, object]] = {
    "account_search": {"limit": 200, "code_pattern": "AB%", "name_pattern": "%AB%"},
    "product_search": {"limit": 200, "code_pattern": "AB%", "name_pattern": "%AB%"},
    "account_list": {"limit": 500, "after": 0, **LIST_FILTERS},
    "product_list": {"limit": 500, "after": 0, **LIST_FILTERS},
    "account_by_code": {"code": "120.01.001"},
    "account_by_ref": {"ref": 2},
    "product_by_code": {"code": "MLZ-001"},
    "product_by_ref": {"ref": 2},
    "account_opening_balance": {"ref": 2, "date_from": date(2026, 1, 1)},
    "account_statement": {"ref": 2, "date_from": date(2026, 1, 1), "date_to_next": date(2026, 2, 1)},
    "product_stock": {"refs": [2, 3], "codes": ["X"], "all_warehouses": 0, "warehouses": [0, 1]},
    "warehouses": {"all_warehouses": 1, "warehouses": []},
    "salesmen": {},
    "quote_document": {"quote": "Q-77"},
    "order_lines": {"ref": 2, "number": "S00000000000001", "account": "120-01-001"},
    "dispatch_lines": {"ref": 2, "number": "I00000000000001", "account": "120-01-001"},
    "quote_lines": {"ref": 2, "number": "T00000000000001", "account": "120-01-001"},
    "quote_products": {"refs": [2], "codes": ["MLZ-001", "MLZ-002"]},
    "account_codes": {"pattern": "120.90.%", "limit": 200},
    "product_codes": {"pattern": "CRM.%", "limit": 200},
    "stock_check": {"refs": [2, 3], "codes": ["X"], "all_warehouses": 0, "warehouses": [0, 1]},
    "risk_check": {"ref": 2, "code": "120.01.001", "date": date(2026, 11, 30)},
    "risk_limit": {"ref": "120-00001", "code": "120-00001"},
    "product_vat": {"refs": [2], "codes": ["MLZ-001", "MLZ-002"]},
}
COMMON = {"firm": 1, "period": 1, "branch": 0, "user": "ayse", "salesman": "S01"}


def _render() -> str:
    out = []
    for erp, statements in DEFAULTS.items():
        firm, period = ("001", "01") if erp == "logo" else (None, None)
        for name, sql in statements.items():
            values = {**COMMON, **SAMPLE_VALUES[name]}
            for engine in ENGINES:
                compiled = compile_sql(sql.strip(), engine=engine, firm_code=firm,
                                       period_code=period, shape=shape_of(values))
                out.append(f"## {erp} {name} {engine}\n{compiled.sql}\n"
                           f"-- params: {[n if i is None else f'{n}[{i}]' for n, i in compiled.order]}\n"
                           f"-- columns: {list(compiled.columns)}\n")
    return "\n".join(out)


def test_default_statements_compile_as_in_the_golden_file() -> None:
    golden = GOLDEN / "sql_defaults_compiled.txt"
    text = _render()
    if os.environ.get("UPDATE_GOLDEN") == "1" or not golden.exists():
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_tokens_are_rewritten_on_tables_only_f1() -> None:
    sql = ("SELECT 'LG_FFF_CLCARD' AS LIT, C.LG_FFF_X FROM LG_FFF_CLCARD C "
           "JOIN LG_FFF_PP_CLFLINE L ON L.CLIENTREF = C.LOGICALREF "
           "JOIN LV_FFF_PP_GNTOTST T ON 1 = 1 JOIN [LG_XT003_FFF] X ON X.PARLOGREF = C.LOGICALREF "
           "/* LG_FFF_ITEMS */")
    compiled = compile_sql(sql, engine="mssql", firm_code="211", period_code="03", shape=())
    assert compiled.sql == (
        "SELECT 'LG_FFF_CLCARD' AS LIT, C.LG_FFF_X FROM LG_211_CLCARD AS C "
        "JOIN LG_211_03_CLFLINE AS L ON L.CLIENTREF = C.LOGICALREF "
        "JOIN LV_211_03_GNTOTST AS T ON 1 = 1 JOIN [LG_XT003_211] AS X ON X.PARLOGREF = C.LOGICALREF")


def test_tokens_need_a_firm() -> None:
    with pytest.raises(SqlRejected, match="needs a firm"):
        compile_sql("SELECT 1 FROM LG_FFF_CLCARD", engine="mssql", firm_code=None,
                    period_code=None, shape=())
    assert resolve_name("TBLCASABIT", None, None) == "TBLCASABIT"
    assert resolve_name("lg_fff_pp_stline", "001", "02") == "LG_001_02_stline"


def test_parameters_bind_in_final_text_order() -> None:
    values = {"n": 5, "q": "Şİ%", "refs": [1, 2]}
    sql = "SELECT TOP (@n) CODE FROM T WHERE NAME LIKE :q AND REF IN (@refs) AND X = @Q"
    mssql = compile_sql(sql, engine="mssql", firm_code=None, period_code=None,
                        shape=shape_of(values))
    sqlite = compile_sql(sql, engine="sqlite", firm_code=None, period_code=None,
                         shape=shape_of(values))
    assert mssql.sql == "SELECT TOP (?) CODE FROM T WHERE NAME LIKE ? AND REF IN (?, ?) AND X = ?"
    assert mssql.bind(values) == [5, "Şİ%", 1, 2, "Şİ%"]
    assert sqlite.sql == "SELECT CODE FROM T WHERE NAME LIKE ? AND REF IN (?, ?) AND X = ? LIMIT ?"
    assert sqlite.bind(values) == ["Şİ%", 1, 2, "Şİ%", 5]


def test_empty_list_matches_nothing() -> None:
    compiled = compile_sql("SELECT 1 FROM T WHERE A IN (:xs)", engine="postgres", firm_code=None,
                           period_code=None, shape=shape_of({"xs": []}))
    assert compiled.sql == "SELECT 1 FROM T WHERE A IN (NULL)"
    assert compiled.bind({"xs": []}) == []


@pytest.mark.parametrize(("sql", "values", "reason"), [
    ("SELECT 1 FROM T WHERE A = ?", {}, "positional"),
    ("SELECT 1 FROM T WHERE A = :missing", {}, "has no value"),
    ("SELECT :xs FROM T", {"xs": [1]}, "IN ("),
    ("DELETE FROM T", {}, "DELETE"),
])
def test_unpreparable_statements_are_rejected(sql: str, values: dict[str, object], reason: str) -> None:
    with pytest.raises(SqlRejected) as caught:
        compile_sql(sql, engine="mssql", firm_code=None, period_code=None,
                    shape=shape_of(values))  # type: ignore[arg-type]
    assert any(reason in d.text for d in caught.value.details)


def test_string_plus_becomes_concatenation_on_sqlite_and_postgres() -> None:
    values = {"q": "x"}
    sql = ("SELECT 'A' + C.CODE + @q AS S, C.A + C.B AS N, CAST(C.N AS VARCHAR(10)) + '-' AS T "
           "FROM dbo.T C WITH (NOLOCK) WHERE C.NAME LIKE '%' + @q + '%'")
    for engine in ("sqlite", "postgres"):
        compiled = compile_sql(sql, engine=engine, firm_code=None, period_code=None,
                               shape=shape_of(values))
        assert "'A' || C.CODE || ?" in compiled.sql
        assert "C.A + C.B" in compiled.sql
        assert "dbo." not in compiled.sql
        assert "NOLOCK" not in compiled.sql
        assert "'%' || ? || '%'" in compiled.sql
    pg = compile_sql(sql, engine="postgres", firm_code=None, period_code=None,
                     shape=shape_of(values))
    assert " ILIKE " in pg.sql


def test_compilation_is_cached() -> None:
    args = {"engine": "sqlite", "firm_code": "001", "period_code": "01", "shape": ()}
    assert compile_sql("SELECT 1 AS A", **args) is compile_sql("SELECT 1 AS A", **args)  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "kind", "value"), [
    ("42", "int", 42), (" -7 ", "int", -7), ("12.50", "decimal", Decimal("12.50")),
    ("2026-03-01", "date", date(2026, 3, 1)), ("true", "bool", True), ("0", "bool", False),
    ("ŞİŞLİ", "str", "ŞİŞLİ"),
])
def test_parse_value(text: str, kind: str, value: object) -> None:
    assert parse_value("p", text, kind) == value  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "kind"), [("4.2", "int"), ("1,5", "decimal"), ("2026-13-01", "date"),
                                             ("01.03.2026", "date"), ("yes", "bool")])
def test_parse_value_refuses(text: str, kind: str) -> None:
    from integrator.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        parse_value("p", text, kind)  # type: ignore[arg-type]


@given(st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=6))
def test_every_named_parameter_gets_a_placeholder(names: list[str]) -> None:
    sql = "SELECT 1 AS X FROM T WHERE " + " AND ".join(f"C{i} = :{n}" for i, n in enumerate(names))
    values = {n: f"v-{n}" for n in names}
    compiled = compile_sql(sql, engine="postgres", firm_code=None, period_code=None,
                           shape=shape_of(values))
    assert compiled.sql.count("?") == len(names)
    assert compiled.bind(values) == [f"v-{n}" for n in names]


def test_date_parts_on_sqlite() -> None:
    compiled = compile_sql("SELECT YEAR(D) AS Y, DATEPART(month, D) AS M FROM T", engine="sqlite",
                           firm_code=None, period_code=None, shape=())
    assert compiled.sql == ("SELECT CAST(STRFTIME('%Y', D) AS INTEGER) AS Y, "
                            "CAST(STRFTIME('%m', D) AS INTEGER) AS M FROM T")
