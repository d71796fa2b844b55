"""The standard field catalog (F6): content checked against the demo schema, the defaults, and the
HTTP surface (GET /v1/catalog/{erp}/{entity}, PUT /v1/sets/{code} on create)."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

import pytest
from lxml import etree

from integrator.api.setxml import set_to_element
from integrator.translators import catalog, entities_for, plan_for
from integrator.translators.catalog import all_catalogs
from simulators.demodb.schema import statements
from tests.fixtures.common import AUTH, netsis_set, tiger_set

# the quote id must be kept whole in DOCODE: Logo's lengths count a terminator (ZString 33)
LENGTH_EXCEPTIONS = {("LG_FFF_PP_ORFICHE", "DOCODE"), ("LG_FFF_PP_STFICHE", "DOCODE")}


def _demo_columns() -> dict[str, dict[str, tuple[str, int | None]]]:
    """table -> column -> (declared type, VARCHAR length) of both demo schemas (SQLite)."""
    tables: dict[str, dict[str, tuple[str, int | None]]] = {}
    for kind in ("tiger", "netsis"):
        db = sqlite3.connect(":memory:")
        for statement in statements(kind):
            db.execute(statement)
        for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            columns = {}
            for _, column, declared, *_ in db.execute(f"PRAGMA table_info({name})"):
                match = re.match(r"(?:VAR)?CHAR\((\d+)\)", declared.upper())
                columns[column.upper()] = (declared.upper(), int(match[1]) if match else None)
            token = name.upper().replace("LG_001_01_", "LG_FFF_PP_").replace("LG_001_", "LG_FFF_")
            tables[token] = columns
        db.close()
    return tables


def test_catalog_columns_exist_in_the_demo_schema_with_its_lengths_f6() -> None:
    tables = _demo_columns()
    checked = 0
    for cat in all_catalogs():
        for entry in cat.fields:
            if entry.table is None or entry.table not in tables:
                continue
            columns = tables[entry.table]
            assert entry.column is not None
            assert entry.column in columns, f"{cat.erp}/{cat.entity} {entry.name}: " \
                                            f"{entry.table}.{entry.column} is not in the demo schema"
            _declared, length = columns[entry.column]
            if entry.type == "string" and length is not None and \
                    (entry.table, entry.column) not in LENGTH_EXCEPTIONS:
                assert entry.length == length, f"{cat.erp}/{cat.entity} {entry.name}"
            checked += 1
    assert checked > 250


def test_every_catalog_entry_is_described_in_turkish_and_english_f6() -> None:
    turkish = re.compile("[çğıöşüÇĞİÖŞÜ]")
    for cat in all_catalogs():
        names = [(f.level == "line", f.name) for f in cat.fields]
        assert len(names) == len(set(names)), f"{cat.erp}/{cat.entity} has duplicate fields"
        assert any(turkish.search(f.tr) for f in cat.fields)
        for entry in cat.fields:
            assert entry.tr, entry.name
            assert entry.en, entry.name
            assert entry.type in ("string", "integer", "decimal", "date", "time", "boolean")
            assert (entry.length is not None) == (entry.type == "string"), entry.name


def test_catalogs_per_erp_kind_f6() -> None:
    assert entities_for("tiger") == entities_for("go") == ("account", "product", "order", "dispatch")
    assert entities_for("netsis") == ("account", "product", "order", "dispatch", "quote")
    assert catalog("tiger", "quote") is None
    assert catalog("sap", "account") is None
    order = catalog("netsis", "order")
    assert order is not None
    assert {f.name for f in order.line_fields} >= {"StokKodu", "STra_GCMIK", "STra_BF", "DEPO_KODU"}


@pytest.mark.parametrize("erp", ["tiger", "go", "netsis"])
def test_every_default_mapping_names_a_catalog_field_f6(erp: str) -> None:
    integration_set = netsis_set() if erp == "netsis" else tiger_set(erp=erp)
    for entity in entities_for(erp):
        plan = plan_for(integration_set, entity)
        for rule in (*plan.header, *plan.lines):
            assert rule.entry is not None, f"{erp}/{entity}: default {rule.crm} -> {rule.name}"


# -- HTTP -------------------------------------------------------------------------------------------
async def test_get_catalog_needs_the_key_not_a_session_f6(client: Any) -> None:
    response = await client.get("/v1/catalog/tiger/account", headers=AUTH)
    assert response.status == 200
    assert response.content_type == "application/xml"
    root = etree.fromstring(await response.read())
    assert (root.tag, root.get("erp"), root.get("entity"), root.get("root"), root.get("dataType")) \
        == ("Catalog", "tiger", "account", "AR_APS/AR_AP", "30")
    code = root.find("Field[@name='CODE']")
    assert code is not None
    assert (code.get("type"), code.get("length"), code.get("required"), code.get("table"),
            code.get("column")) == ("string", "17", "true", "LG_FFF_CLCARD", "CODE")
    assert code.findtext("Description[@lang='tr']") == "Cari hesap kodu"
    assert code.findtext("Description[@lang='en']") == "Account code"
    assert root.find("Field[@name='CODE']").get("crm") is None
    unauthenticated = await client.get("/v1/catalog/tiger/account")
    assert unauthenticated.status == 401


@pytest.mark.parametrize(("path", "status"), [
    ("/v1/catalog/go/order", 200), ("/v1/catalog/netsis/quote", 200),
    ("/v1/catalog/netsis/dispatch", 200), ("/v1/catalog/tiger/quote", 404),
    ("/v1/catalog/sap/account", 404), ("/v1/catalog/netsis/invoice", 404),
])
async def test_catalog_routes_f6(client: Any, path: str, status: int) -> None:
    response = await client.get(path, headers=AUTH)
    text = await response.text()
    assert response.status == status, text
    if status == 404:
        assert 'code="NOT_FOUND"' in text


async def test_netsis_quote_catalog_has_header_and_line_fields_f6(client: Any) -> None:
    response = await client.get("/v1/catalog/netsis/quote", headers=AUTH)
    root = etree.fromstring(await response.read())
    assert root.get("documentType") == "15"
    quote_id = root.find("Field[@name='EKACK1']")
    assert quote_id is not None
    assert (quote_id.get("section"), quote_id.get("managed"), quote_id.get("table"),
            quote_id.get("column")) == ("FatUst", "true", "TBLFATUEK", "ACIK1")
    quantity = root.find("Field[@name='STra_GCMIK']")
    assert quantity is not None
    assert (quantity.get("level"), quantity.get("table")) == ("line", "TBLTEKLIFTRA")


async def test_a_created_set_gets_its_catalog_f6(client: Any) -> None:
    own = tiger_set("CAT-TIGER", firm=7, period=3, mappings={"account": [
        {"crm": "Sector_Custom", "erp": "AUXIL_CODE2"}]})
    body = etree.tostring(set_to_element(own, mask=False))
    created = await client.put("/v1/sets/CAT-TIGER", data=body, headers=AUTH)
    text = await created.text()
    assert created.status == 201, text
    saved = etree.fromstring(text.encode())
    assert (saved.tag, saved.get("created")) == ("SetSaved", "true")
    catalogs = saved.findall("Catalog")
    assert [c.get("entity") for c in catalogs] == ["account", "product", "order", "dispatch"]
    account = catalogs[0]
    assert account.find("Field[@name='TITLE']").get("table") == "LG_007_CLCARD"
    assert account.find("Field[@name='TITLE']").get("crm") == "Title"
    assert account.find("Field[@name='AUXIL_CODE2']").get("crm") == "Sector_Custom"
    order = catalogs[2]
    assert order.find("Field[@name='DATE']").get("table") == "LG_007_03_ORFICHE"
    updated = await client.put("/v1/sets/CAT-TIGER", data=body, headers=AUTH)
    assert updated.status == 200
    again = etree.fromstring(await updated.read())
    assert (again.get("created"), again.findall("Catalog")) == ("false", [])


async def test_a_created_netsis_set_gets_five_catalogs_f6(client: Any) -> None:
    body = etree.tostring(set_to_element(netsis_set("CAT-NETSIS"), mask=False))
    created = await client.put("/v1/sets/CAT-NETSIS", data=body, headers=AUTH)
    saved = etree.fromstring(await created.read())
    assert [c.get("entity") for c in saved.findall("Catalog")] == [
        "account", "product", "order", "dispatch", "quote"]
