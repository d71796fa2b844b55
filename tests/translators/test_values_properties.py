"""The value writers, the Netsis net price and the Logo line rendering against independent
references, on arbitrary input (F8, N7).

There is one writer per ERP family and field type (``values.writer``) and one net-price routine;
these properties say what each must give: the same number exactly (or a refusal), text only in
the target encoding, dates and times in the ERP's format. Timings are measured by
``bench/translate.py``, never asserted.
"""

from __future__ import annotations

import re
import string
from datetime import date, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from integrator.translators.logo import xml
from integrator.translators.netsis.mappers import net_price
from integrator.translators.values import FIELD_TYPES, FieldType, ValueRejected, writer

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


_PLAIN = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def _carried(value: str, family: str) -> bool:
    """Independent of the writers: can the target hold every character of the text?"""
    if family == "logo":
        if any(ord(c) < 0x20 and c not in "\t\n\r" for c in value):
            return False  # XML 1.0
        codec = "iso-8859-9"
    else:
        codec = "cp1254"
    try:
        value.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def expect(family: str, kind: FieldType, value: str) -> tuple[str, Any]:
    """What a writer must give: ("ok", value) or ("rejected", None), from first principles."""
    if kind == "string":
        return ("ok", value) if _carried(value, family) else ("rejected", None)
    if value == "":
        return ("ok", "" if family == "logo" else None)
    text = value.strip()
    if kind == "decimal":
        if not _PLAIN.fullmatch(text):
            return ("rejected", None)
        number = Decimal(text)
        if family == "logo":
            return ("ok", number)
        if number == number.to_integral_value() and len(str(abs(int(number)))) <= 15:
            return ("ok", int(number))
        as_float = float(number)
        if Decimal(repr(as_float)) == number or len(number.normalize().as_tuple().digits) <= 15:
            return ("ok", number)
        return ("rejected", None)
    if kind == "integer":
        if not re.fullmatch(r"[+-]?[0-9]+", text):
            return ("rejected", None)
        return ("ok", int(text))
    if kind == "boolean":
        lowered = text.lower()
        if lowered in ("1", "true"):
            return ("ok", True)
        if lowered in ("0", "false"):
            return ("ok", False)
        return ("rejected", None)
    return ("skip", None)  # dates and times: see the round-trip tests below


@SETTINGS
@given(value=value_text, kind=st.sampled_from(FIELD_TYPES),
       family=st.sampled_from(["logo", "netsis"]))
def test_writers_keep_the_value_exactly_or_refuse_it_f8_n7(value: str, kind: FieldType,
                                                          family: str) -> None:
    outcome, expected = expect(family, kind, value)
    if outcome == "skip":
        return
    try:
        result = writer(family, kind)(value)  # type: ignore[arg-type]
    except ValueRejected:
        assert outcome == "rejected", (family, kind, value)
        return
    assert outcome == "ok", (family, kind, value, result)
    if value == "":
        assert result == expected
    elif kind == "decimal" and family == "logo":
        assert Decimal(result) == expected and "e" not in result.lower()
    elif kind == "decimal":
        assert Decimal(repr(result) if isinstance(result, float) else result) == expected
    elif kind == "boolean" and family == "logo":
        assert result == ("1" if expected else "0")
    elif kind == "integer" and family == "logo":
        assert result == str(expected)
    else:
        assert result == expected


@SETTINGS
@given(day=st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)),
       moment=st.times().map(lambda t: t.replace(microsecond=0)))
def test_dates_and_times_are_written_in_each_erp_format_f8(day: date, moment: time) -> None:
    assert writer("logo", "date")(day.isoformat()) == day.strftime("%d.%m.%Y")
    assert writer("netsis", "date")(day.isoformat()) == day.isoformat()
    stamp = f"{day.isoformat()}T{moment.isoformat()}"
    packed = int(writer("logo", "time")(stamp))
    assert (packed >> 24, (packed >> 16) & 0xFF, (packed >> 8) & 0xFF) == (
        moment.hour, moment.minute, moment.second)
    assert writer("netsis", "time")(stamp) == moment.isoformat()


def net_price_decimal(gross: int | float, rates: list[int | float]) -> Decimal:
    """The Netsis net price in Decimal steps (docs/mapping.md section 8)."""
    def dec(number: int | float) -> Decimal:
        return Decimal(repr(number)) if isinstance(number, float) else Decimal(number)

    net = dec(gross)
    for rate in rates:
        net = net * (Decimal(100) - dec(rate)) / Decimal(100)
    return net.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def net_price_reference(gross: int | float, rates: list[int | float]) -> Any:
    net = net_price_decimal(gross, rates)
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
def test_the_net_price_is_the_exact_decimal_steps_f8(gross: int | float,
                                                     rates: list[int | float]) -> None:
    try:
        expected = net_price_reference(gross, rates)
    except InvalidOperation:
        with pytest.raises((InvalidOperation, ValueRejected)):
            net_price(gross, rates)
        return
    if any(not 0 <= Decimal(repr(rate)) <= 100 for rate in rates):  # a negative net price
        with pytest.raises(ValueRejected, match="outside 0-100 %"):
            net_price(gross, rates)
        return
    if expected is None:  # more digits than 15: exactly as a double, or refused, never rounded
        try:
            result = net_price(gross, rates)
        except ValueRejected:
            return
        exact = net_price_decimal(gross, rates)
        assert isinstance(result, float) and Decimal(repr(result)) == exact
        return
    result = net_price(gross, rates)
    assert (type(result), result) == (type(expected), expected)


@SETTINGS
@given(gross=number, rates=st.lists(st.integers(min_value=0, max_value=100), min_size=1,
                                    max_size=6))
def test_the_net_price_of_whole_percent_discounts_is_the_exact_decimal_steps_f8(
        gross: int | float, rates: list[int]) -> None:
    """The usual line (whole-percent discounts) takes the integer path of ``net_price``: the
    same answers as the decimal steps, for every kind of price."""
    try:
        expected = net_price_reference(gross, rates)
    except InvalidOperation:
        return
    if expected is None:
        try:
            result = net_price(gross, rates)
        except ValueRejected:
            return
        assert isinstance(result, float) and Decimal(repr(result)) == net_price_decimal(gross, rates)
        return
    result = net_price(gross, rates)
    assert (type(result), result) == (type(expected), expected)


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


def test_a_time_that_is_not_a_packed_logo_time_is_kept_as_its_number_f10() -> None:
    """A TIME_ column holding -1 (or garbage) reads as the number, like an unreadable date, and
    does not end a bulk read; a packed time reads as HH:MM:SS."""
    from datetime import time as clock

    from integrator.translators.values import from_sql, pack_time
    assert from_sql(pack_time(clock(8, 5, 30)), "time") == "08:05:30"
    assert from_sql(-1, "time") == "-1"
    assert from_sql(0x7FFFFFFF, "time") == str(0x7FFFFFFF)
