"""The closed converter registry (F8): parsing, forward, backward, and configuration errors."""

from __future__ import annotations

import pytest

from integrator.translators.converters import (
    NAMES,
    ConverterError,
    lower_tr,
    parse_chain,
    parse_converter,
    run_backward,
    run_forward,
    upper_tr,
)
from integrator.translators.values import ValueRejected

TABLES = {"SECTORS": {"Gıda": "GDA", "İnşaat": "INS", "Tekstil": "TKS"}}


def forward(spec: str, value: str | None) -> str | None:
    return run_forward(parse_chain([spec], TABLES), value)


def backward(spec: str, value: str) -> str:
    return run_backward(parse_chain([spec], TABLES), value)


def test_turkish_case_rules_f8() -> None:
    assert upper_tr("istanbul ılıca iğdır") == "İSTANBUL ILICA İĞDIR"
    assert lower_tr("İSTANBUL ILICA IĞDIR") == "istanbul ılıca ığdır"
    assert forward("upper_tr", "şişli") == "ŞİŞLİ"
    assert forward("lower_tr", "ŞİŞLİ") == "şişli"


@pytest.mark.parametrize(("spec", "value", "expected"), [
    ("trim", "  a b  ", "a b"),
    ("truncate(3)", "Çiğdem", "Çiğ"),
    ("truncate(10)", "kısa", "kısa"),
    ("default(05)", None, "05"),
    ("default(05)", "", "05"),
    ("default(05)", "ADET", "ADET"),
    ("decimal", "1.234,50", "1234.50"),
    ("decimal", "1,234.50", "1234.50"),
    ("decimal", "120,5", "120.5"),
    ("decimal", "1234.5", "1234.5"),
    ("decimal", "1.234.567", "1234567"),
    ("decimal", "+7", "7"),
    ("decimal", "", ""),
    ("bool", "evet", "1"),
    ("bool", "Hayır", "0"),
    ("bool", "TRUE", "1"),
    ("bool", "off", "0"),
    ("bool", "", "0"),
    ("date_from(dd/mm/yyyy)", "24/11/2026", "2026-11-24"),
    ("date_from(mm/dd/yyyy)", "11/24/2026", "2026-11-24"),
    ("date_from(yyyymmdd)", "20261124", "2026-11-24"),
    ("date_to(dd.mm.yyyy)", "2026-12-31", "31.12.2026"),
    ("date_to(yyyymmdd)", "31.12.2026", "20261231"),
    ("value_table(SECTORS)", "Gıda", "GDA"),
    ("value_table(SECTORS)", "GIDA", "GDA"),       # Turkish case-insensitive second chance
    ("value_table(SECTORS)", " inşaat ", "INS"),
    ("value_table(SECTORS)", "", ""),
])
def test_forward_f8(spec: str, value: str | None, expected: str) -> None:
    assert forward(spec, value) == expected


def test_missing_values_pass_through_except_default_f8() -> None:
    for spec in ("trim", "upper_tr", "decimal", "bool", "value_table(SECTORS)", "truncate(2)"):
        assert forward(spec, None) is None


@pytest.mark.parametrize(("spec", "value"), [
    ("decimal", "12a"), ("decimal", "1,2,3"), ("bool", "belki"),
    ("date_from(dd/mm/yyyy)", "2026-11-24"), ("date_from(dd/mm/yyyy)", "31/02/2026"),
    ("value_table(SECTORS)", "Tarım"),
])
def test_forward_rejections_name_the_value_f8(spec: str, value: str) -> None:
    with pytest.raises(ValueRejected, match=value.split("/")[0][:3]):
        forward(spec, value)


@pytest.mark.parametrize(("spec", "value", "expected"), [
    ("trim", " x ", "x"),
    ("value_table(SECTORS)", "GDA", "Gıda"),
    ("bool", "1", "true"),
    ("bool", "0", "false"),
    ("date_from(dd/mm/yyyy)", "2026-11-24", "24/11/2026"),
    ("date_to(dd.mm.yyyy)", "31.12.2026", "2026-12-31"),
    ("decimal", "12.5", "12.5"),
    ("upper_tr", "abc", "abc"),        # not reversible: skipped
    ("truncate(1)", "abc", "abc"),     # not reversible: skipped
    ("default(x)", "", ""),            # not reversible: skipped
])
def test_backward_f8(spec: str, value: str, expected: str) -> None:
    assert backward(spec, value) == expected


def test_backward_unknown_erp_value_is_an_error_not_a_guess_f8() -> None:
    with pytest.raises(ValueRejected, match="XYZ"):
        backward("value_table(SECTORS)", "XYZ")


def test_chain_runs_left_to_right_and_back_right_to_left_f8() -> None:
    chain = parse_chain(["trim", "upper_tr", "value_table(UP)"], {"UP": {"GIDA": "G"}})
    assert run_forward(chain, "  gıda ") == "G"
    assert run_backward(chain, "G") == "GIDA"


@pytest.mark.parametrize(("spec", "message"), [
    ("eval", "unknown converter"),
    ("__import__('os')", "unknown converter"),
    ("trim; drop", "is not a converter"),
    ("trim(3)", "takes no argument"),
    ("truncate", "needs an argument"),
    ("truncate(0)", "whole number"),
    ("truncate(-1)", "whole number"),
    ("truncate(x)", "whole number"),
    ("date_from(yy.mm.dd)", "format must be one of"),
    ("value_table(NOPE)", "no value table"),
])
def test_configuration_errors_f8(spec: str, message: str) -> None:
    with pytest.raises(ConverterError, match=message):
        parse_converter(spec, TABLES)


def test_the_registry_is_closed_f8() -> None:
    assert set(NAMES) == {"trim", "upper_tr", "lower_tr", "decimal", "bool", "truncate", "default",
                          "date_from", "date_to", "value_table"}


def test_default_keeps_its_argument_verbatim_f8() -> None:
    assert forward("default(Genel, İstanbul (merkez))", None) == "Genel, İstanbul (merkez)"
