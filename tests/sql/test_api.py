"""The SQL endpoints through the service over real HTTP, on the SQLite demo databases (SQLite3
ODBC driver) and on PostgreSQL (psqlODBC, SELECT-only role)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from lxml import etree

from integrator.api.keys import METRICS, SQL_ENGINE
from integrator.config import IntegrationSet
from integrator.services.text import turkish_fold
from tests.fixtures.common import AUTH, open_session, service_config
from tests.fixtures.sql import pg_netsis_set, pg_tiger_set, sqlite_netsis_set, sqlite_tiger_set

Client = TestClient[Any, Any]


def rows(element: etree._Element) -> list[dict[str, Any]]:
    out = []
    for row in element.iter("Row"):
        item: dict[str, Any] = {"@ref": row.get("ref"), "@code": row.get("code"),
                                "@match": row.get("match")}
        for col in row.findall("Col"):
            item[str(col.get("name"))] = None if col.get("null") == "true" else (col.text or "")
        out.append(item)
    return out


async def call(client: Client, method: str, path: str, session: str | None, *,
               body: str | None = None, status: int = 200) -> etree._Element:
    headers = dict(AUTH)
    if session:
        headers["X-Session"] = session
    response = await client.request(method, path, headers=headers,
                                    data=body.encode() if body is not None else None)
    text = await response.read()
    assert response.status == status, text.decode()
    return etree.fromstring(text)


@pytest.fixture(params=[pytest.param("sqlite", marks=pytest.mark.odbc),
                        pytest.param("postgres", marks=pytest.mark.postgres)])
def engine_sets(request: pytest.FixtureRequest, demo_dir: Path,
                writable_tiger: Path) -> tuple[IntegrationSet, IntegrationSet]:
    if request.param == "sqlite":
        return (sqlite_tiger_set(writable_tiger, writer=writable_tiger),
                sqlite_netsis_set(demo_dir / "netsis.db"))
    pg = request.getfixturevalue("pg_demo")
    return pg_tiger_set(pg), pg_netsis_set(pg)


@pytest.fixture
async def api(make_client: Callable[..., Any],
              engine_sets: tuple[IntegrationSet, IntegrationSet]) -> dict[str, Any]:
    tiger, netsis = engine_sets
    client = await make_client(service_config(sets=[tiger, netsis]))
    return {"client": client, "tiger": tiger, "netsis": netsis,
            "t": await open_session(client, "ayse", tiger.code),
            "n": await open_session(client, "ayse", netsis.code),
            "all": await open_session(client, "mehmet", tiger.code)}


# -- search (F12, F19, N7) -----------------------------------------------------------------------
async def test_account_search_by_title_with_turkish_case_f12(api: dict[str, Any]) -> None:
    found = rows(await call(api["client"], "GET", "/v1/accounts/search?q=şişli", api["t"]))
    first = next(r for r in found if r["NAME"] == "ŞİŞLİ GIDA SANAYİ VE TİCARET A.Ş.")
    assert first["@ref"] == "2"
    assert first["@code"] == "120.02.0001"
    assert first["@match"] == "name"
    assert all("şişli" in r["NAME"].replace("I", "ı").replace("İ", "i").lower() for r in found)
    igdir = rows(await call(api["client"], "GET", "/v1/accounts/search?q=ığdır", api["t"]))
    assert any(r["NAME"].startswith("IĞDIR") for r in igdir)
    wrong_i = rows(await call(api["client"], "GET", "/v1/accounts/search?q=iğdir", api["t"]))
    assert not any("IĞDIR" in r["NAME"] for r in wrong_i)


async def test_account_search_by_code_prefix_f12(api: dict[str, Any]) -> None:
    found = rows(await call(api["client"], "GET", "/v1/accounts/search?q=120.02.&limit=5", api["t"]))
    assert found
    assert all(r["CODE"].startswith("120.02.") and r["@match"] == "code" for r in found)
    assert len(found) <= 5


@pytest.mark.parametrize(("set_key", "sql", "query"), [
    ("t", "SELECT CODE, DEFINITION_ FROM LG_FFF_CLCARD WHERE CODE <> N'ÿ' ORDER BY CODE", "şişli"),
    ("n", "SELECT CARI_KOD, CARI_ISIM FROM TBLCASABIT ORDER BY CARI_KOD", "ŞİŞLİ"),
])
async def test_search_finds_every_match_in_code_order_f12(api: dict[str, Any], set_key: str,
                                                          sql: str, query: str) -> None:
    """Streamed candidates on both engines (psqlODBC reads them through a server cursor): every
    match of the weak pattern ``_____``, in the statement's code order; ``truncated`` only when a
    match more than the limit exists."""
    integration_set = api["tiger"] if set_key == "t" else api["netsis"]
    every = await api["client"].app[SQL_ENGINE].query(integration_set, "every", sql,
                                                       max_rows=100_000)
    folded = turkish_fold(query)
    want = [code for code, name in every.rows
            if turkish_fold(code).startswith(folded) or folded in turkish_fold(name or "")]
    assert len(want) >= 2
    for limit, cut in ((len(want), False), (len(want) - 1, True), (500, False)):
        found = await call(api["client"], "GET",
                           f"/v1/accounts/search?q={query}&limit={limit}", api[set_key])
        assert [r["@code"] for r in rows(found)] == want[:limit]
        assert found.get("truncated") == ("true" if cut else "false")


async def test_product_search_f19(api: dict[str, Any]) -> None:
    found = rows(await call(api["client"], "GET", "/v1/products/search?q=ÇAY", api["t"]))
    assert found
    assert all(r["@ref"] and r["@code"] for r in found)
    assert any("ÇAY" in r["NAME"] for r in found)
    assert all(r["CODE"] != "ÿ" for r in found)


async def test_netsis_search_repairs_turkish(api: dict[str, Any]) -> None:
    found = rows(await call(api["client"], "GET", "/v1/accounts/search?q=ŞİŞLİ", api["n"]))
    first = next(r for r in found if r["CODE"] == "120-00001")
    assert first["NAME"] == "ŞİŞLİ GIDA SANAYİ VE TİCARET A.Ş."
    assert first["@ref"] == "120-00001"
    items = rows(await call(api["client"], "GET", "/v1/products/search?q=şeker", api["n"]))
    assert items
    assert all("ŞEKER" in r["NAME"] for r in items)


@pytest.mark.parametrize("query", ["", "q=", "q=%20", "q=x&limit=0", "q=x&limit=abc"])
async def test_search_refuses_bad_input(api: dict[str, Any], query: str) -> None:
    error = await call(api["client"], "GET", f"/v1/accounts/search?{query}", api["t"], status=400)
    assert error.get("code") == "VALIDATION"


async def test_session_is_required(api: dict[str, Any]) -> None:
    error = await call(api["client"], "GET", "/v1/warehouses", None, status=400)
    assert "X-Session" in error.findtext("Message", "")


# -- statement (F13) -----------------------------------------------------------------------------
async def test_account_statement_balances_add_up_f13(api: dict[str, Any]) -> None:
    st = await call(api["client"], "GET", "/v1/accounts/2/statement?from=2026-03-01&to=2026-09-30",
                    api["t"])
    assert st.get("ref") == "2"
    assert st.get("code") == "120.02.0001"
    assert st.findtext("Name") == "ŞİŞLİ GIDA SANAYİ VE TİCARET A.Ş."
    opening, closing = Decimal(st.findtext("Opening", "")), Decimal(st.findtext("Closing", ""))
    lines = rows(st.find("Rows"))  # type: ignore[arg-type]
    assert lines, "the demo account has movements in the period"
    debit = sum(Decimal(r["DEBIT"]) for r in lines)
    credit = sum(Decimal(r["CREDIT"]) for r in lines)
    assert closing == opening + debit - credit
    assert Decimal(lines[-1]["BALANCE"]) == closing
    assert all("2026-03-01" <= r["DATE"][:10] <= "2026-09-30" for r in lines)
    # the whole year equals opening 0 + everything
    year = await call(api["client"], "GET", "/v1/accounts/2/statement?from=2025-01-01&to=2026-12-31",
                      api["t"])
    assert Decimal(year.findtext("Opening", "")) == 0
    sept = await call(api["client"], "GET", "/v1/accounts/2/statement?from=2026-10-01&to=2026-12-31",
                      api["t"])
    assert Decimal(sept.findtext("Opening", "")) == closing


@pytest.mark.parametrize("cap", [2, 5])
async def test_statement_totals_cover_every_movement_beyond_the_row_cap_f13(
        make_client: Callable[..., Any], engine_sets: tuple[IntegrationSet, IntegrationSet],
        api: dict[str, Any], cap: int) -> None:
    """With more movements than ``max_rows``, the answer shows the first ``max_rows`` of them
    (``truncated="true"``) and still gives the period's debit, credit and closing balance over
    all of them: the same as a set whose cap holds every movement. (They were the totals of the
    rows shown, a wrong closing balance.)"""
    path = "/v1/accounts/2/statement?from=2025-01-01&to=2026-12-31"
    full = await call(api["client"], "GET", path, api["t"])
    every = rows(full.find("Rows"))  # type: ignore[arg-type]
    assert full.find("Rows").get("truncated") == "false"  # type: ignore[union-attr]
    assert len(every) > cap
    tiger = engine_sets[0]
    capped_set = tiger.model_copy(update={"database": tiger.database.model_copy(
        update={"max_rows": cap})})
    client = await make_client(service_config(sets=[capped_set]))
    capped = await call(client, "GET", path, await open_session(client, "ayse", tiger.code))
    shown = capped.find("Rows")
    assert shown is not None and shown.get("truncated") == "true"
    assert rows(shown) == every[:cap]  # the first movements, with their running balance
    for total in ("Opening", "Debit", "Credit", "Closing"):
        assert capped.findtext(total) == full.findtext(total), total
    assert Decimal(full.findtext("Closing", "")) == Decimal(every[-1]["BALANCE"])


async def test_netsis_statement(api: dict[str, Any]) -> None:
    st = await call(api["client"], "GET",
                    "/v1/accounts/120-00001/statement?from=2026-01-01&to=2026-12-31", api["n"])
    assert st.findtext("Name") == "ŞİŞLİ GIDA SANAYİ VE TİCARET A.Ş."
    lines = rows(st.find("Rows"))  # type: ignore[arg-type]
    assert any(r["DESCRIPTION"] in ("Satış faturası", "Devir bakiyesi") for r in lines)


@pytest.mark.parametrize("query", ["from=2026-01-01", "from=01.01.2026&to=2026-02-01",
                                   "from=2026-02-30&to=2026-03-01", "from=2026-03-01&to=2026-01-01"])
async def test_statement_refuses_bad_dates(api: dict[str, Any], query: str) -> None:
    error = await call(api["client"], "GET", f"/v1/accounts/2/statement?{query}", api["t"], status=400)
    assert error.get("code") == "VALIDATION"


async def test_statement_of_unknown_account_is_not_found(api: dict[str, Any]) -> None:
    error = await call(api["client"], "GET", "/v1/accounts/999999/statement?from=2026-01-01&to=2026-01-31",
                       api["t"], status=404)
    assert error.get("code") == "NOT_FOUND"
    placeholder = await call(api["client"], "GET", "/v1/accounts/1/statement?from=2026-01-01&to=2026-01-31",
                             api["t"], status=404)
    assert placeholder.get("code") == "NOT_FOUND"  # the CODE='ÿ' row is not an account
    bad = await call(api["client"], "GET", "/v1/accounts/abc/statement?from=2026-01-01&to=2026-01-31",
                     api["t"], status=400)
    assert bad.get("code") == "VALIDATION"


# -- stock (F5, F20, F31) ------------------------------------------------------------------------
async def test_product_stock_only_permitted_warehouses_f20(api: dict[str, Any]) -> None:
    stock = await call(api["client"], "GET", "/v1/products/2/stock", api["t"])
    lines = rows(stock.find("Rows"))  # type: ignore[arg-type]
    assert lines
    assert all(r["@ref"] == "2" for r in lines)
    assert {r["WAREHOUSE"] for r in lines} <= {"0", "1", None}
    everything = rows((await call(api["client"], "GET", "/v1/products/2/stock", api["all"])).find("Rows"))  # type: ignore[arg-type]
    assert {r["WAREHOUSE"] for r in lines} <= {r["WAREHOUSE"] for r in everything} | {None}


async def test_stock_for_200_products_costs_one_round_trip_f31(api: dict[str, Any]) -> None:
    client: Client = api["client"]
    tiger: IntegrationSet = api["tiger"]
    counter = client.app[METRICS].registry.get_sample_value
    refs = list(range(2, 202))
    body = "<Products>" + "".join(f'<Product ref="{r}"/>' for r in refs) + "</Products>"
    await call(client, "POST", "/v1/products/stock", api["all"], body=body)  # warm the pool
    before = counter("integrator_sql_round_trips_total", {"set": tiger.code}) or 0.0
    stock = await call(client, "POST", "/v1/products/stock", api["all"], body=body)
    after = counter("integrator_sql_round_trips_total", {"set": tiger.code}) or 0.0
    assert after - before == 1
    lines = rows(stock.find("Rows"))  # type: ignore[arg-type]
    assert {int(r["@ref"]) for r in lines} == set(refs)
    assert not stock.findall("Unknown")


async def test_stock_by_code_and_unknown_products(api: dict[str, Any]) -> None:
    body = ('<Products><Product code="GDA.00001"/><Product ref="888888"/>'
            '<Product code="NOPE-1"/></Products>')
    stock = await call(api["client"], "POST", "/v1/products/stock", api["t"], body=body)
    lines = rows(stock.find("Rows"))  # type: ignore[arg-type]
    assert {r["@code"] for r in lines} == {"GDA.00001"}
    unknown = [(u.get("ref"), u.get("code")) for u in stock.findall("Unknown")]
    assert unknown == [("888888", None), (None, "NOPE-1")]


async def test_stock_cut_at_the_row_cap_calls_no_existing_product_unknown_f31(
        make_client: Callable[..., Any], engine_sets: tuple[IntegrationSet, IntegrationSet],
        api: dict[str, Any]) -> None:
    """Rows cut at ``max_rows``: the answer says ``truncated="true"``, and the products whose rows
    were cut are not reported as ``<Unknown>`` (they exist; they were reported unknown)."""
    body = "<Products>" + "".join(f'<Product ref="{r}"/>' for r in range(2, 22)) + "</Products>"
    full = await call(api["client"], "POST", "/v1/products/stock", api["all"], body=body)
    assert not full.findall("Unknown")
    assert len(rows(full.find("Rows"))) > 5  # type: ignore[arg-type]
    tiger = engine_sets[0]
    capped_set = tiger.model_copy(update={"database": tiger.database.model_copy(
        update={"max_rows": 5})})
    client = await make_client(service_config(sets=[capped_set]))
    capped = await call(client, "POST", "/v1/products/stock",
                        await open_session(client, "mehmet", tiger.code), body=body)
    assert capped.find("Rows").get("truncated") == "true"  # type: ignore[union-attr]
    assert len(rows(capped.find("Rows"))) == 5  # type: ignore[arg-type]
    assert not capped.findall("Unknown")


async def test_stock_uses_the_selected_warehouse_when_the_set_says_so(
        make_client: Callable[..., Any], demo_dir: Path) -> None:
    tiger = sqlite_tiger_set(demo_dir / "tiger.db", settings={"stock_by_selected_warehouse": True})
    client = await make_client(service_config(sets=[tiger]))
    session = await open_session(client, "ayse", tiger.code)
    refs = "".join(f'<Product ref="{r}"/>' for r in range(2, 60))
    stock = await call(client, "POST", "/v1/products/stock", session,
                       body=f'<Products warehouse="1">{refs}</Products>')
    assert {r["WAREHOUSE"] for r in rows(stock.find("Rows"))} <= {"1", None}  # type: ignore[arg-type]
    refused = await call(client, "POST", "/v1/products/stock", session,
                         body=f'<Products warehouse="5">{refs}</Products>', status=403)
    assert refused.get("code") == "FORBIDDEN"


async def test_netsis_stock(api: dict[str, Any]) -> None:
    stock = await call(api["client"], "GET", "/v1/products/GDA00001/stock", api["n"])
    lines = rows(stock.find("Rows"))  # type: ignore[arg-type]
    assert lines
    assert {r["WAREHOUSE"] for r in lines} <= {"1", "2", None}
    assert lines[0]["NAME"] == "TOZ ŞEKER 1 KG"


# -- lists (F5, F7) ------------------------------------------------------------------------------
async def test_warehouses_are_filtered_by_permission_f5(api: dict[str, Any]) -> None:
    mine = rows(await call(api["client"], "GET", "/v1/warehouses", api["t"]))
    assert [r["NR"] for r in mine] == ["0", "1"]
    assert mine[1]["NAME"] == "İSTANBUL ANADOLU DEPO"
    everything = rows(await call(api["client"], "GET", "/v1/warehouses", api["all"]))
    assert len(everything) == 12
    netsis = rows(await call(api["client"], "GET", "/v1/warehouses", api["n"]))
    assert [r["NR"] for r in netsis] == ["1", "2"]


async def test_salesmen_f7(api: dict[str, Any]) -> None:
    tiger = rows(await call(api["client"], "GET", "/v1/salesmen", api["t"]))
    assert tiger[0]["CODE"] == "S01"
    assert tiger[0]["NAME"] == "AYŞE YILMAZ"
    assert "S10" not in {r["CODE"] for r in tiger}  # passive salesman
    netsis = rows(await call(api["client"], "GET", "/v1/salesmen", api["n"]))
    assert netsis[2]["NAME"] == "ŞEYMA DOĞAN"


# -- named queries (F14, F21) --------------------------------------------------------------------
async def test_named_query_with_link_and_body_params_f14(api: dict[str, Any]) -> None:
    body = '<Query><Account ref="2" code="120.02.0001"/><Param name="until">2026-12-31</Param></Query>'
    result = await call(api["client"], "POST", "/v1/queries/balance", api["t"], body=body)
    assert result.get("count") == "1"
    assert result.get("truncated") == "false"
    row = rows(result)[0]
    assert row["CODE"] == "120.02.0001"
    assert result.find("Row/Col[@name='BALANCE']").get("type") == "decimal"  # type: ignore[union-attr]
    top = await call(api["client"], "POST", "/v1/queries/top_products", api["t"],
                     body='<Query><Param name="n">3</Param></Query>')
    assert top.get("count") == "3"
    netsis = await call(api["client"], "POST", "/v1/queries/balance", api["n"],
                        body='<Query><Account ref="120-00001"/></Query>')
    assert rows(netsis)[0]["CARI_ISIM"] == "ŞİŞLİ GIDA SANAYİ VE TİCARET A.Ş."


@pytest.mark.parametrize(("name", "body", "status", "code"), [
    ("balance", '<Query><Account ref="2"/></Query>', 400, "VALIDATION"),            # until missing
    ("balance", '<Query><Param name="until">2026-12-31</Param></Query>', 400, "VALIDATION"),  # no link
    ("balance", '<Query><Account ref="2"/><Param name="until">31.12.2026</Param></Query>', 400,
     "VALIDATION"),
    ("balance", '<Query><Account ref="2"/><Param name="until">2026-12-31</Param>'
                '<Param name="x">1</Param></Query>', 400, "VALIDATION"),
    ("balance", '<Query><Product ref="2"/><Param name="until">2026-12-31</Param></Query>', 400,
     "VALIDATION"),
    ("nope", "<Query/>", 404, "NOT_FOUND"),
    ("balance", "<Quote/>", 400, "VALIDATION"),
])
async def test_named_query_errors(api: dict[str, Any], name: str, body: str, status: int,
                                  code: str) -> None:
    error = await call(api["client"], "POST", f"/v1/queries/{name}", api["t"], body=body,
                       status=status)
    assert error.get("code") == code


# -- the one write (F4) --------------------------------------------------------------------------
async def test_extensions_insert_then_update_f4(api: dict[str, Any]) -> None:
    client: Client = api["client"]
    tiger: IntegrationSet = api["tiger"]
    from integrator.api.keys import SQL_ENGINE

    free = await client.app[SQL_ENGINE].query(
        tiger, "free", "SELECT MIN(C.LOGICALREF) AS R FROM LG_FFF_CLCARD C WHERE C.CODE <> N'ÿ' "
                       "AND NOT EXISTS (SELECT 1 FROM LG_XT001_FFF X WHERE X.PARLOGREF = C.LOGICALREF)")
    ref = free.rows[0][0]  # an account without a custom-field row yet
    body = ('<Extensions><Table name="LG_XT001_FFF"><Field name="SEKTOR">Gıda</Field>'
            '<Field name="MUSTERI_SKORU">87</Field><Field name="crm_id">F-300</Field></Table></Extensions>')
    saved = await call(client, "PUT", f"/v1/accounts/{ref}/extensions", api["t"], body=body)
    assert [(t.get("name"), t.get("result")) for t in saved.findall("Table")] == \
        [("LG_XT001_001", "inserted")]
    again = await call(client, "PUT", f"/v1/accounts/{ref}/extensions", api["t"],
                       body=body.replace("Gıda", "İnşaat").replace("87", ""))
    assert again.find("Table").get("result") == "updated"  # type: ignore[union-attr]
    read = await client.app[SQL_ENGINE].query(
        tiger, "check", "SELECT SEKTOR, CRM_ID, MUSTERI_SKORU FROM LG_XT001_FFF WHERE PARLOGREF = :r",
        {"r": ref})
    assert read.rows == [("İnşaat", "F-300", None)]


@pytest.mark.parametrize(("path", "body", "status", "code"), [
    ("/v1/accounts/2/extensions",
     '<Extensions><Table name="LG_XT001_FFF"><Field name="PASSWORD">x</Field></Table></Extensions>',
     403, "FORBIDDEN"),
    ("/v1/accounts/2/extensions",
     '<Extensions><Table name="LG_001_CLCARD"><Field name="DEFINITION_">x</Field></Table></Extensions>',
     403, "FORBIDDEN"),
    ("/v1/accounts/2/extensions",
     '<Extensions><Table name="LG_XT002_FFF"><Field name="SEKTOR">x</Field></Table></Extensions>',
     403, "FORBIDDEN"),
    ("/v1/products/2/extensions",
     '<Extensions><Table name="LG_XT001_FFF"><Field name="SEKTOR">x</Field></Table></Extensions>',
     403, "FORBIDDEN"),
    ("/v1/accounts/999999/extensions",
     '<Extensions><Table name="LG_XT001_FFF"><Field name="SEKTOR">x</Field></Table></Extensions>',
     404, "NOT_FOUND"),
    ("/v1/accounts/2/extensions",
     '<Extensions><Table name="LG_XT001_FFF"><Field name="MUSTERI_SKORU">çok</Field></Table></Extensions>',
     400, "VALIDATION"),
])
async def test_extension_refusals(api: dict[str, Any], path: str, body: str, status: int,
                                  code: str) -> None:
    error = await call(api["client"], "PUT", path, api["t"], body=body, status=status)
    assert error.get("code") == code


async def test_extensions_on_netsis_are_a_validation_error(api: dict[str, Any]) -> None:
    body = '<Extensions><Table name="LG_XT001_FFF"><Field name="SEKTOR">x</Field></Table></Extensions>'
    error = await call(api["client"], "PUT", "/v1/accounts/120-00001/extensions", api["n"], body=body,
                       status=400)
    assert error.get("code") == "VALIDATION"


@pytest.mark.odbc
async def test_extension_write_is_all_or_nothing_f4(make_client: Callable[..., Any],
                                                   writable_tiger: Path) -> None:
    """The second table fails after the first was written: the transaction leaves nothing."""
    import sqlite3

    with sqlite3.connect(writable_tiger) as db:
        db.execute("CREATE TABLE LG_XT002_001 (LOGICALREF INTEGER PRIMARY KEY, PARLOGREF INTEGER "
                   "NOT NULL UNIQUE, NOTU VARCHAR(50), ZORUNLU VARCHAR(10) NOT NULL)")
    tiger = sqlite_tiger_set(writable_tiger, writer=writable_tiger, extensions=[
        {"entity": "account", "table": "LG_XT001_FFF", "columns": ["SEKTOR"]},
        {"entity": "account", "table": "LG_XT002_FFF", "columns": ["NOTU"]}])
    client = await make_client(service_config(sets=[tiger]))
    session = await open_session(client, "ayse", tiger.code)
    body = ('<Extensions><Table name="LG_XT001_FFF"><Field name="SEKTOR">Yarım kalmasın</Field></Table>'
            '<Table name="LG_XT002_FFF"><Field name="NOTU">x</Field></Table></Extensions>')
    error = await call(client, "PUT", "/v1/accounts/500/extensions", session, body=body, status=400)
    assert error.get("code") == "SQL_REJECTED"
    assert "NOT NULL" in error.findtext("Detail", "").upper()
    with sqlite3.connect(writable_tiger) as db:
        assert db.execute("SELECT COUNT(*) FROM LG_XT001_001 WHERE PARLOGREF = 500").fetchone() == (0,)
        assert db.execute("SELECT COUNT(*) FROM LG_XT002_001").fetchone() == (0,)
