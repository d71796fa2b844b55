"""The XML form of integration sets: complete (every model field), masked, and strict."""

from __future__ import annotations

from typing import Any

import pytest
from lxml import etree
from pydantic import BaseModel, SecretStr

from integrator.api.setxml import set_from_element, set_to_element
from integrator.config import MASK, IntegrationSet
from integrator.errors import ValidationFailed

FULL: dict[str, Any] = {
    "code": "FULL-1",
    "name": "Tam set — İĞÜŞÖÇ ığüşöç",
    "erp": "tiger",
    "firm": 12,
    "period": 3,
    "logo": {"url": "https://logo/Svc", "security_code": "sc-secret", "lbs_load_pass": "lbs-secret",
             "compress": True, "connect_timeout_s": 3.5, "timeout_s": 90, "settle_s": 900,
             "params": {"ApplyCampaign": "0", "CheckRight": "1"},
             "price_params": {"GetStockLinePrice": "7", "ApplyCondition": "0"}},
    "database": {"engine": "postgres", "connection_string": "DSN=x;PWD=db-secret",
                 "writer_connection_string": "DSN=y;PWD=writer-secret", "login_timeout_s": 7,
                 "query_timeout_s": 45, "max_rows": 123, "repair_turkish": True},
    "credentials": {"mode": "per_user", "user": "ignored-user", "password": "cred-secret"},
    "users": [
        {"name": "ayşe", "default": True, "erp_user": "AYSE", "erp_password": "user-secret",
         "warehouses": [0, 5], "salesman": "S9", "transfer_type": "dispatch"},
        {"name": "ömer", "erp_user": "OMER", "warehouses": "all"},
    ],
    "mappings": {e: [{"crm": f"{e}_crm", "erp": erp, "direction": "erp_to_crm",
                      "copy": "if_target_empty", "converters": ["upper_tr", "truncate(10)"]}]
                 for e, erp in (("account", "AUXIL_CODE2"), ("product", "AUXIL_CODE2"),
                                ("order", "NOTES2"), ("dispatch", "NOTES2"),
                                ("line", "AUXIL_CODE"))},
    "value_tables": {"SECTOR": {"Gıda": "GID", "İnşaat": "INS"}},
    "sql": {
        "account_search": "SELECT 1 AS a", "product_search": "SELECT 2 AS b",
        "account_list": "SELECT 3 AS c", "product_list": "SELECT 4 AS d",
        "account_statement": "SELECT 5 AS e", "account_opening_balance": "SELECT 6 AS f",
        "product_stock": "SELECT 7 AS g", "warehouses": "SELECT 8 AS h", "salesmen": "SELECT 9 AS i",
        "stock_check": "SELECT a FROM t WHERE x < 5 AND y > 'ş'", "risk_check": "SELECT 10 AS j",
        "price": "SELECT 11 AS k", "quote_document": "SELECT 12 AS l",
        "order_lines": "SELECT 13 AS m", "dispatch_lines": "SELECT 14 AS n",
        "quote_lines": "SELECT 15 AS o", "quote_products": "SELECT 16 AS p",
        "queries": {"bakiye": {"sql": "SELECT SUM(AMOUNT) FROM LG_FFF_PP_CLFLINE WHERE CLIENTREF = :ref",
                               "description": "Cari bakiye", "entity": "account",
                               "params": [{"name": "ref", "type": "int", "source": "link",
                                           "required": False}]}},
    },
    "settings": {"price_source": "sql",
                 "netsis_price_options": {"conditional": False, "by_stock_card": True,
                                          "by_price_system": True},
                 "stock_check_action": "block", "risk_check_action": "block",
                 "auto_create_account": True, "auto_create_product": True,
                 "stock_by_selected_warehouse": True, "default_transfer_type": "dispatch",
                 "on_duplicate": "link", "write_concurrency": 5, "write_queue": 7,
                 "netsis_series": {"order": "SX", "dispatch": "IX", "quote": "TX"},
                 "dispatch_type": 7, "transfer_checks": ["stock", "risk"], "risk_dbs": True,
                 "code_policy": {"account": {"source": "template", "field": "Kod",
                                             "template": "120.99.{n:05d}"},
                                 "product": {"source": "crm_id", "field": "Kod2",
                                             "template": "M-{n}"}}},
    "extensions": [{"entity": "product", "table": "LG_XT003_FFF", "columns": ["A1", "B2"]}],
}


def full_set() -> IntegrationSet:
    return IntegrationSet.model_validate(FULL)


def _defaults_left(model: BaseModel, path: str = "") -> list[str]:
    """Fields of the model tree still at their default value (the fixture must set them all)."""
    left = []
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        where = f"{path}.{name}" if path else name
        if isinstance(value, BaseModel):
            left += _defaults_left(value, where)
        elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
            for i, item in enumerate(value):
                left += _defaults_left(item, f"{where}[{i}]")
        elif isinstance(value, dict) and value and isinstance(next(iter(value.values())), BaseModel):
            for k, item in value.items():
                left += _defaults_left(item, f"{where}.{k}")
        elif not info.is_required() and value == info.get_default(call_default_factory=True):
            left.append(where)
    return left


FULL_NETSIS: dict[str, Any] = {
    **{k: v for k, v in FULL.items() if k not in ("logo", "firm", "period", "extensions")},
    "code": "FULL-2", "erp": "netsis", "branch": 7,
    "netsis": {"url": "http://n:7070/api/v2/", "dbname": "DB1", "dbuser": "TS", "dbpassword": "np",
               "connect_timeout_s": 2, "timeout_s": 33, "settle_s": 96.5},
    "database": {**FULL["database"], "writer_connection_string": None},
    "settings": {**FULL["settings"], "risk_dbs": False, "risk_source": "erp"},
    "mappings": {e: [{"crm": f"{e}_crm", "erp": erp, "direction": "crm_to_erp", "copy": "if_target_empty",
                      "converters": ["trim"]}]
                 for e, erp in (("account", "RAPOR_KODU2"), ("product", "Kod_2"),
                                ("order", "KOD2"), ("dispatch", "KOD2"), ("quote", "KOD2"),
                                ("line", "STra_ACIK"))},
}


def test_fixtures_set_every_field() -> None:
    # a new field in any model must appear in a fixture, so the round trips below cover it
    allowed = {"users[1].default", "users[1].erp_password", "users[1].salesman",
               "users[1].transfer_type"}
    assert set(_defaults_left(full_set())) <= allowed | {"netsis", "branch", "mappings.quote",
                                                         "settings.risk_source"}
    netsis_left = set(_defaults_left(IntegrationSet.model_validate(FULL_NETSIS)))
    assert netsis_left <= allowed | {"logo", "firm", "period", "extensions",
                                     "database.writer_connection_string", "settings.risk_dbs"}


@pytest.mark.parametrize("data", [FULL, FULL_NETSIS], ids=["tiger", "netsis"])
def test_round_trip_unmasked_is_lossless(data: dict[str, Any]) -> None:
    original = IntegrationSet.model_validate(data)
    element = set_to_element(original, mask=False)
    parsed = etree.fromstring(etree.tostring(element, encoding="UTF-8"))
    assert set_from_element(parsed, code=original.code) == original


def test_masked_output_hides_every_secret() -> None:
    text = etree.tostring(set_to_element(full_set(), mask=True), encoding="unicode")
    for secret in ("sc-secret", "lbs-secret", "db-secret", "writer-secret", "cred-secret", "user-secret"):
        assert secret not in text
    assert text.count(MASK) == 6


def test_masked_secrets_are_kept_from_the_current_set() -> None:
    current = full_set()
    element = set_to_element(current, mask=True)
    element.set("name", "yeni ad")
    updated = set_from_element(element, code="FULL-1", current=current)
    assert updated.name == "yeni ad"
    assert updated.logo is not None and updated.logo.security_code == SecretStr("sc-secret")
    assert updated.users[0].erp_password == SecretStr("user-secret")


def test_masked_secret_without_current_value_is_refused() -> None:
    element = set_to_element(full_set(), mask=True)
    with pytest.raises(ValidationFailed) as info:
        set_from_element(element, code="FULL-1", current=None)
    paths = {d.path for d in info.value.details}
    assert "logo.security_code" in paths and "users[0].erp_password" in paths


def xml(text: str) -> etree._Element:
    return etree.fromstring(text.encode())


MINIMAL = """<IntegrationSet erp="netsis" branch="0">
  <Netsis url="http://n/api/v2/" dbname="DB"/>
  <Database connectionString="DSN=x"/>
  <Credentials mode="shared" user="U" password="p"/>
  {extra}
</IntegrationSet>"""


def test_minimal_set() -> None:
    s = set_from_element(xml(MINIMAL.format(extra="")), code="N1")
    assert s.code == "N1" and s.erp == "netsis" and s.branch == 0


@pytest.mark.parametrize(
    ("extra", "path", "words"),
    [
        ('<Users><User name="a"><Warehouses><Warehouse>x</Warehouse></Warehouses></User></Users>',
         "users[0].warehouses", "integer"),
        ("<Users><Person/></Users>", "users[0]", "expected <User>"),
        ("<Bogus/>", "Bogus", "unknown element"),
        ('<Settings writeConcurrency="0"/>', "settings.write_concurrency", "greater than or equal"),
        ('<Settings color="red"/>', "settings.color", "unknown attribute"),
        ("<ValueTables><Entry>x</Entry></ValueTables>", "value_tables", "Entry key"),
    ],
)
def test_validation_names_the_bad_field(extra: str, path: str, words: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        set_from_element(xml(MINIMAL.format(extra=extra)), code="N1")
    details = info.value.details
    assert any(d.path == path for d in details), [(d.path, d.text) for d in details]
    assert any(words in d.text for d in details), [d.text for d in details]


def test_code_in_body_must_match_url() -> None:
    element = xml(MINIMAL.format(extra=""))
    element.set("code", "OTHER")
    with pytest.raises(ValidationFailed, match="differs from the URL"):
        set_from_element(element, code="N1")


def test_wrong_root() -> None:
    with pytest.raises(ValidationFailed, match="expected <IntegrationSet>"):
        set_from_element(xml("<Set/>"), code="N1")
