"""The compiled reverse mapping (F10, F11, F17, F18, N7; issue 15 item 4): ``Backward`` — the rules
bound once to where their values are, with a shortcut for text a reader keeps as it is — maps
every value exactly as the rule-by-rule definition does (directions, reversible converters,
``if_target_empty``, refused values), for the golden sets' mappings, any ERP values and every
reader; and a row reader bound to a result's columns reads rows as ``read_row`` does."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrator.errors import MappingFailed
from integrator.model import CrmRecord
from integrator.translators import plan_for, read_row, row_reader
from integrator.translators.converters import run_backward
from integrator.translators.plan import Rule
from integrator.translators.reverse import map_backward
from integrator.translators.values import (
    FIELD_TYPES,
    ValueRejected,
    from_json,
    from_logo,
    from_sql,
    is_empty,
    keeps_text,
)
from tests.fixtures.mapping import context, golden_set

READERS = [from_sql, from_logo, from_json]
TRICKY = "İıŞşĞğÜüÖöÇç ÝÞÐýþð&<>\"' \t\r\n\x01-.:/0123456789TtrueFalse"
erp_text = st.one_of(st.text(alphabet=TRICKY, max_size=12), st.sampled_from(
    ["", " ", "1", "0", "true", "Bayi", "TKS", "GDA", " 2.50 ", "2026-11-23", "23.11.2026",
     "23/11/2026", "2026-11-23 10:00:00", "202116096", "12:12:12", "x"]))
json_value = st.one_of(st.none(), erp_text, st.integers(-10**12, 10**12), st.booleans(),
                      st.floats(allow_nan=False, allow_infinity=False, width=32))
VALUES: dict[Any, st.SearchStrategy[Any]] = {  # what each reader is given: XML text, JSON, pyodbc
    from_logo: st.one_of(st.none(), erp_text),
    from_json: json_value,
    from_sql: st.one_of(json_value, st.decimals(allow_nan=False, allow_infinity=False, places=4,
                                                min_value=-10**9, max_value=10**9),
                        st.dates(), st.datetimes(min_value=datetime(1900, 1, 1)),
                        st.binary(max_size=6)),
}
PLANS = [(erp, entity) for erp in ("tiger", "netsis") for entity in ("account", "product", "order")]
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def by_rule(rules: tuple[Rule, ...], data: Mapping[str, Any], read: Callable[[Any, Any], str],
            current: Mapping[str, str] | None) -> tuple[dict[str, str], list[str]]:
    """The definition, rule by rule (what map_backward did before it was compiled)."""
    out: dict[str, str] = {}
    errors: list[str] = []
    for rule in rules:
        if rule.key not in data:
            continue
        if rule.if_empty and (not is_empty(out.get(rule.crm)) or (
                current is not None and not is_empty(current.get(rule.crm)))):
            continue
        text = read(data[rule.key], rule.type)
        if rule.converters:
            try:
                text = run_backward(rule.converters, text)
            except ValueRejected as exc:
                errors.append(f"{rule.name} -> {rule.crm}: {exc}")
                continue
        out[rule.crm] = text
    return out, errors


@pytest.mark.parametrize(("erp", "entity"), PLANS)
@PROPERTY
@given(data=st.data())
def test_compiled_rules_map_as_the_rules_do(erp: str, entity: str, data: st.DataObject) -> None:
    plan = plan_for(golden_set(erp), entity)  # type: ignore[arg-type]
    rules = plan.header_backward
    keys = sorted({rule.key for rule in rules})
    read = data.draw(st.sampled_from(READERS))
    values = data.draw(st.dictionaries(st.sampled_from(keys), VALUES[read]))
    current = data.draw(st.one_of(st.none(), st.dictionaries(
        st.sampled_from(sorted({rule.crm for rule in rules})), erp_text)))
    errors: list[Any] = []
    try:
        fields = map_backward(rules, values, read, current=current, errors=errors,
                              path=lambda rule: f"T/{rule.key}")
    except ValueError as exc:  # a reader's own refusal (a packed time out of range): the same
        with pytest.raises(type(exc), match=re.escape(str(exc))):
            by_rule(rules, values, read, current)
        return
    expected, expected_errors = by_rule(rules, values, read, current)
    assert fields == expected
    assert list(fields) == list(expected)  # the same field order
    assert [detail.text for detail in errors] == expected_errors
    assert all(detail.path.startswith("T/") for detail in errors)


@pytest.mark.parametrize("read", READERS)
@pytest.mark.parametrize("kind", FIELD_TYPES)
@settings(max_examples=60, deadline=None)
@given(text=erp_text)
def test_a_reader_keeps_the_text_it_says_it_keeps(read: Any, kind: Any, text: str) -> None:
    assert read(None, kind) == ""
    if keeps_text(read, kind):
        assert read(text, kind) == text


def test_a_row_reader_is_read_row_bound_to_the_columns() -> None:
    ctx = context("tiger")
    columns = ("LOGICALREF", "CODE", "definition_", "SPECODE2", "TELNRS1", "DISCRATE", "CODE")
    reader = row_reader("account", columns, ctx)
    assert row_reader("account", columns, ctx) is reader  # bound once per plan and columns
    row = (7, "ignored", "  ŞİŞLİ A.Ş. ", "TKS", None, Decimal("2.5000"), "120.01")
    crm = reader(row)
    assert crm == read_row("account", dict(zip(columns[:-1], row[:-1], strict=True)) | {
        "CODE": "120.01"}, ctx)
    assert (crm.ref, crm.code) == ("7", "120.01")  # a column selected twice: the last one
    assert crm.fields["Title"] == "ŞİŞLİ A.Ş."  # trim, backwards
    assert crm.fields["Sector_Custom"] == "Tekstil"
    assert crm.fields["Phone"] == crm.fields["Mobile"] == ""
    assert crm.fields["Discount_Custom"] == "2.5"
    with_current = reader(row, current=CrmRecord("Account", crm_id="F-1", fields={"Phone": "1"}))
    assert with_current.crm_id == "F-1" and "Phone" not in with_current.fields
    with pytest.raises(MappingFailed) as refused:
        reader((8, "", "", "NOPE", "", Decimal(0), "X"))
    assert [d.path for d in refused.value.details] == ["LG_FFF_CLCARD/AUXIL_CODE2"]


def test_dates_and_times_of_rows_are_read_through_their_type() -> None:
    ctx = context("netsis")
    crm = read_row("order", {"FATIRS_NO": "W1", "TARIH": datetime(2026, 11, 23, 0, 0),
                             "ACIK1": "Q-1", "CARI_KODU": "120"}, ctx,
                   lines=[{"STOK_KODU": "M1", "STHAR_GCMIK": Decimal("5.000")}])
    assert (crm.code, crm.crm_id) == ("W1", "Q-1")
    assert crm.account is not None and crm.account.code == "120"
    assert crm.fields["Date"] == "2026-11-23"
    assert crm.lines[0].fields["Quantity"] == "5"
    assert crm.lines[0].product is not None and crm.lines[0].product.code == "M1"
    tiger = read_row("order", {"LOGICALREF": 3, "FICHENO": "SS1", "DATE_": date(2026, 11, 23),
                               "TIME_": 202116096, "SOURCEINDEX": 2}, context("tiger"))
    assert (tiger.ref, tiger.code, tiger.warehouse) == ("3", "SS1", 2)
    assert (tiger.fields["Date"], tiger.fields["Time"]) == ("2026-11-23", "12:12:12")
