"""The translators' fast paths give exactly what the general code gives (F8, N7).

The hot path of a 500-line document takes shortcuts: compiled per-type writers with ASCII fast
paths, an integer computation of the Netsis net price, and Logo lines rendered from cached text
around their values. Each is checked here against the general code or an independent reference
on arbitrary input; timings are measured by ``bench/translate.py``, never asserted.
"""

from __future__ import annotations

import string
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from integrator.translators.logo import xml
from integrator.translators.netsis.mappers import _net_price, _scaled
from integrator.translators.values import (
    FIELD_TYPES,
    FieldType,
    ValueRejected,
    bad_char_logo,
    bad_char_netsis,
    describe_char,
    to_logo,
    to_netsis,
    writer,
)

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NUMBERISH = "0123456789.+-,eE :T" + "٣²"


@st.composite
def long_decimal(draw: st.DrawFn) -> str:
    """13 to 19 digits with the point anywhere: around what a double holds exactly."""
    digits = draw(st.text(alphabet="0123456789", min_size=13, max_size=19))
    point = draw(st.integers(min_value=0, max_value=len(digits)))
    return f"{digits[:point]}.{digits[point:]}" if point < len(digits) else digits


value_text = st.one_of(
    long_decimal(),
    st.text(alphabet=NUMBERISH, max_size=20),
    st.text(alphabet=string.printable + "İıŞş€ðþ\x00\x01\x7f\x85漢", max_size=20),
    st.decimals(allow_nan=False, allow_infinity=False).map(lambda d: format(d, "f")),
    st.sampled_from(["", "007", "0", "5.", ".5", "120.50", "0.005", "1234567890123456",
                     "123456789012345", "12345678901234.5", "2026-11-23", "14:30", "true"]),
)


def reference(family: str, kind: FieldType, value: str) -> tuple[str, Any]:
    """What the general code gives: the encoding check for text, ``to_logo``/``to_netsis`` else."""
    try:
        if kind == "string":
            bad = (bad_char_logo if family == "logo" else bad_char_netsis)(value)
            if bad is not None:
                encoding = "ISO-8859-9" if family == "logo" else "cp1254"
                return "rejected", f"character {describe_char(bad)} cannot be carried in {encoding}"
            return "ok", value
        result = to_logo(value, kind) if family == "logo" else to_netsis(value, kind)
        return "ok", (type(result), result)
    except ValueRejected as exc:
        return "rejected", str(exc)


@SETTINGS
@given(value=value_text, kind=st.sampled_from(FIELD_TYPES),
       family=st.sampled_from(["logo", "netsis"]))
def test_writers_equal_the_general_conversion_f8_n7(value: str, kind: FieldType,
                                                    family: str) -> None:
    try:
        result = writer(family, kind)(value)  # type: ignore[arg-type]
        got: tuple[str, Any] = ("ok", result if kind == "string" else (type(result), result))
    except ValueRejected as exc:
        got = ("rejected", str(exc))
    assert got == reference(family, kind, value)


def net_price_reference(gross: int | float, rates: list[int | float]) -> Any:
    """The Netsis net price in Decimal steps (docs/mapping.md section 8)."""
    def dec(number: int | float) -> Decimal:
        return Decimal(repr(number)) if isinstance(number, float) else Decimal(number)

    net = dec(gross)
    for rate in rates:
        net = net * (Decimal(100) - dec(rate)) / Decimal(100)
    net = net.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    if net == net.to_integral_value():
        return int(net)
    return float(net) if len(net.as_tuple().digits) <= 15 else None


number = st.one_of(
    st.integers(min_value=-10**16, max_value=10**16),
    st.decimals(min_value=Decimal("-1e6"), max_value=Decimal("1e6"), places=5,
                allow_nan=False, allow_infinity=False).map(lambda d: float(d)),  # halves at 4 places
    st.integers(min_value=0, max_value=2000).map(lambda n: n / 8),
    st.integers(min_value=10**13, max_value=10**17).map(lambda n: n / 10_000),  # 15 to 17 digits
    st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=4,
                allow_nan=False, allow_infinity=False).map(lambda d: float(d)),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.sampled_from([0, 0.0, -0.0, 1, 7.5, 10, 12.5, 33.3333, 100, 150, 1e-7, 1e22, 2.675]),
)


@SETTINGS
@given(gross=number, rates=st.lists(number | st.sampled_from([0, 10, 50, 100]), min_size=1,
                                    max_size=6))
def test_the_integer_net_price_equals_the_decimal_steps_f8(gross: int | float,
                                                           rates: list[int | float]) -> None:
    fast = _net_price(gross, rates)
    if fast is None:
        return  # left to the Decimal steps themselves
    try:
        expected = net_price_reference(gross, rates)
    except InvalidOperation:
        pytest.fail(f"the fast path answered {fast!r} where the Decimal steps refuse")
    assert (type(fast), fast) == (type(expected), expected)


@SETTINGS
@given(value=number)
def test_numbers_are_read_as_their_shortest_decimal_f8(value: int | float) -> None:
    """The net price reads a JSON number as the decimal its repr writes (``Decimal(repr(x))``)."""
    scaled = _scaled(value)
    if scaled is not None:
        coefficient, places = scaled
        assert Decimal(coefficient).scaleb(-places) == Decimal(repr(value))


logo_text = st.text(alphabet=string.ascii_letters + "İıŞşĞğ &<>\r\n\t\"'", max_size=12)


def reference_items(lines: list[dict[str, str]]) -> str:
    """The documented text of a TRANSACTIONS list, written out field by field."""
    def field(tag: str, value: str) -> str:
        if value == "":
            return f"        <{tag}/>\n"
        text = (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace("\r", "&#13;"))
        return f"        <{tag}>{text}</{tag}>\n"

    return "".join("      <TRANSACTION>\n" + "".join(field(t, v) for t, v in line.items())
                   + "      </TRANSACTION>\n" for line in lines)


@SETTINGS
@given(lines=st.lists(st.dictionaries(st.sampled_from(["TYPE", "QUANTITY", "PRICE", "UNIT_CODE",
                                                         "DESCRIPTION", "VAT_RATE"]),
                                        logo_text, max_size=6), max_size=5),
       header=logo_text)
def test_logo_lines_render_as_their_values_n7(lines: list[dict[str, str]], header: str) -> None:
    """Every line, with or without empty values and characters to escape, is written as the
    documented text and parses back to exactly its tags and values (an empty value is an empty
    element, ``<TAG/>``)."""
    text = xml.render("SALES_ORDERS", "ORDER_SLIP", "INS",
                      {"NOTES1": header, "TRANSACTIONS": lines})
    assert f"    <TRANSACTIONS>\n{reference_items(lines)}    </TRANSACTIONS>\n" in text
    root = etree.fromstring(text.encode("iso-8859-9"))
    slip = root[0]
    assert (slip.findtext("NOTES1") or "") == header
    transactions = slip.findall("TRANSACTIONS/TRANSACTION")
    assert len(transactions) == len(lines)
    for line, element in zip(lines, transactions, strict=True):
        assert [child.tag for child in element] == list(line)
        assert [child.text or "" for child in element] == list(line.values())
        for child, value in zip(element, line.values(), strict=True):
            assert (child.text is None) == (value == "")
