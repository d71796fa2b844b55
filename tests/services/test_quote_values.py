"""The VAT-included flag of a quote is read where each ERP keeps it (F23, F32, F33): pure checks
of ``LineFields.vat_flags`` over sets of both ERPs (the HTTP paths: test_quote_lines.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from integrator.api.inbound import parse_record
from integrator.config import IntegrationSet
from integrator.errors import ValidationFailed
from integrator.model import CrmRecord
from integrator.services import quote_values
from integrator.services.quote_values import LineFields
from integrator.translators import crm_field_for
from tests.fixtures.common import netsis_set, tiger_set


def quote(header: str | None, *lines: str | None, name: str = "VatIncluded") -> CrmRecord:
    def flag(value: str | None) -> str:
        return "" if value is None else f'<Field name="{name}">{value}</Field>'

    body = "".join(f'<Line crmId="L{n}"><Field name="Quantity">1</Field>{flag(value)}</Line>'
                   for n, value in enumerate(lines, 1))
    return parse_record(f'<Quote crmId="Q" revision="1">{flag(header)}<Lines>{body}</Lines>'
                        "</Quote>".encode(), expected={"Quote"}, max_depth=32)


def refused_lines(integration_set: IntegrationSet, record: CrmRecord) -> list[str | None]:
    try:
        LineFields(integration_set).vat_flags(record)
    except ValidationFailed as error:
        return [detail.path for detail in error.details]
    return []


@pytest.mark.parametrize(("header", "lines", "refused"), [
    (None, ("1", None, "0"), [1]),
    ("1", ("1", None, "E"), []),
    ("1", ("1", "0", "hayır"), [2, 3]),
    ("0", ("false", None), []),
])
def test_a_netsis_line_flag_agrees_with_the_quotes_f23(
        header: str | None, lines: tuple[str | None, ...], refused: list[int]) -> None:
    paths = refused_lines(netsis_set(), quote(header, *lines))
    assert paths == [f"Lines/Line[{n}]/Field[@name='VatIncluded']" for n in refused]


@pytest.mark.parametrize(("header", "lines", "refused"), [
    (None, ("1", None, "0"), []),
    ("1", ("1", None, "0"), [2, 3]),
    ("0", ("0", None), []),
    ("0", ("1", None), [1]),
])
def test_a_tiger_quote_flag_is_repeated_on_every_line_f23(
        header: str | None, lines: tuple[str | None, ...], refused: list[int]) -> None:
    paths = refused_lines(tiger_set(), quote(header, *lines))
    assert paths == [f"Lines/Line[{n}]" + ("/Field[@name='VatIncluded']" if lines[n - 1] else "")
                     for n in refused]


def test_the_sets_own_name_for_the_flag_is_the_one_checked_f23() -> None:
    own = netsis_set(mappings={"order": [{"crm": "KdvDahil", "erp": "KDV_DAHILMI"}]})
    assert refused_lines(own, quote(None, "1", name="KdvDahil")) == [
        "Lines/Line[1]/Field[@name='KdvDahil']"]
    assert refused_lines(own, quote(None, "1")) == []  # VatIncluded means nothing to this set


def test_a_field_the_set_maps_on_the_other_level_is_not_the_flag_f23() -> None:
    """A set that carries the name on the other level onto an ERP field of its own meant that
    field: its value is no VAT-included flag to compare."""
    netsis = netsis_set(mappings={"line": [{"crm": "VatIncluded", "erp": "STra_ACIK"}]})
    assert refused_lines(netsis, quote(None, "1", "0")) == []
    tiger = tiger_set(mappings={"order": [{"crm": "VatIncluded", "erp": "AUXIL_CODE"}]})
    assert refused_lines(tiger, quote("1", None, "0")) == []


@pytest.mark.parametrize("make", [tiger_set, netsis_set])
def test_every_value_is_found_under_the_name_the_default_mappings_give_it_f23(
        make: Callable[[], IntegrationSet]) -> None:
    """Each ERP field ``LineFields`` looks up is one the default mappings write (a key the plan
    spells otherwise, like Netsis' header ``FatUst.KDV_DAHILMI``, was never found, and a set's own
    name for the flag was read as the default's)."""
    s = make()
    for key, default in quote_values._KEYS[s.is_logo].values():
        assert crm_field_for(s, "order", key, line=True) == default, key
    if not s.is_logo:
        key, default = quote_values._NETSIS_VAT_INCLUDED
        assert crm_field_for(s, "order", key) == default
