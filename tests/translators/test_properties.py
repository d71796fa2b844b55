"""Property tests (N7, F8): any CRM record with arbitrary Unicode values yields a payload that
parses and carries every mapped value exactly, or a MAPPING error naming exactly the fields whose
characters the target cannot hold — never silent loss.

Logo XML must encode to ISO-8859-9 and parse with lxml; Netsis JSON must round-trip (json) and
hold only cp1254 text. The expectations here are computed from Python's codecs, independently of
the translators' own character tables.
"""

from __future__ import annotations

import json
import string
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from lxml import etree

from integrator.errors import MappingFailed
from integrator.model import CrmRecord
from integrator.translators import (
    LogoDocument,
    MappingContext,
    NetsisDocument,
    read_document,
    translate,
)
from tests.fixtures.common import netsis_set, tiger_set

PROPERTY_SETTINGS = settings(max_examples=150, deadline=None,
                             suppress_health_check=[HealthCheck.too_slow])
TRICKY = "İıŞşĞğÜüÖöÇç€ðÐýÝþÞ—…“”’‘ß½&<>]]>\"'\t\n\r\x00\x01\x0b\x7f\x85\xa0\u200b\ufeff漢😀"
text_value = st.text(alphabet=st.one_of(st.sampled_from(string.ascii_letters + "İıŞşĞğÜüÖöÇç "),
                                        st.sampled_from(TRICKY + string.printable),
                                        st.characters(codec="utf-8")), max_size=24)
decimal_value = st.decimals(min_value=Decimal("-999999999"), max_value=Decimal("999999999"),
                            places=4, allow_nan=False, allow_infinity=False)

LOGO_ACCOUNT = {"TaxOffice": "TAX_OFFICE", "Address1": "ADDRESS1", "Address2": "ADDRESS2",
                "Town": "TOWN", "City": "CITY", "Email": "E_MAIL", "Contact": "CONTACT",
                "SpecialCode": "AUXIL_CODE", "Phone": "TELEPHONE1"}
NETSIS_ACCOUNT = {"TaxOffice": "VERGI_DAIRESI", "Address1": "CARI_ADRES", "Town": "CARI_ILCE",
                  "City": "CARI_IL", "Email": "EMAIL", "Web": "WEB", "Phone": "CARI_TEL",
                  "GroupCode": "Grup_Kodu"}
TIGER = MappingContext.for_user(tiger_set(), "ayse")
NETSIS = MappingContext.for_user(netsis_set(), "ayse")


def logo_can_hold(value: str) -> bool:
    try:
        value.encode("iso-8859-9")
    except UnicodeEncodeError:
        return False
    return all(ch in "\t\n\r" or ord(ch) >= 0x20 for ch in value)


def netsis_can_hold(value: str) -> bool:
    try:
        value.encode("cp1254")
    except UnicodeEncodeError:
        return False
    return True


def attempt(entity: str, record: CrmRecord, ctx: MappingContext) -> tuple[Any, MappingFailed | None]:
    """(document, None) or (None, the MAPPING error)."""
    try:
        return translate(entity, record, ctx), None  # type: ignore[arg-type]
    except MappingFailed as exc:
        return None, exc


def account(fields: dict[str, str]) -> CrmRecord:
    return CrmRecord("Account", crm_id="F-1", code="C-1",
                     fields=MappingProxyType({"Title": "Ünvan", **fields}))


def present(values: dict[str, str | None]) -> dict[str, str]:
    return {name: value for name, value in values.items() if value is not None}


def bad_paths(fields: dict[str, str], holds: Any, prefix: str = "") -> set[str]:
    return {f"{prefix}Field[@name='{name}']" for name, value in fields.items() if not holds(value)}


@PROPERTY_SETTINGS
@given(values=st.fixed_dictionaries({name: st.none() | text_value for name in LOGO_ACCOUNT}),
       discount=st.none() | decimal_value)
def test_logo_account_carries_every_value_or_names_the_field_n7(
        values: dict[str, str | None], discount: Decimal | None) -> None:
    fields = present(values)
    if discount is not None:
        fields["DiscountRate"] = format(discount, "f")
    expected_bad = bad_paths(fields, logo_can_hold)
    document, failed = attempt("account", account(fields), TIGER)
    if failed is not None:
        event("refused: a character the target cannot hold")
        assert expected_bad, failed.details
        assert {d.path for d in failed.details} == expected_bad
        return
    event("carried")
    assert not expected_bad
    assert isinstance(document, LogoDocument)
    root = etree.fromstring(document.xml.encode("iso-8859-9"))
    element = root[0]
    for name, tag in LOGO_ACCOUNT.items():
        found = element.find(tag)
        if name in fields:
            assert found is not None
            assert (found.text or "") == fields[name]
        else:
            assert found is None
    if discount is not None:
        assert Decimal(element.findtext("DISCOUNT_RATE") or "x") == discount


@PROPERTY_SETTINGS
@given(values=st.fixed_dictionaries({name: st.none() | text_value for name in NETSIS_ACCOUNT}),
       discount=st.none() | decimal_value)
def test_netsis_account_carries_every_value_or_names_the_field_n7(
        values: dict[str, str | None], discount: Decimal | None) -> None:
    fields = present(values)
    if discount is not None:
        fields["DiscountRate"] = format(discount, "f")
    expected_bad = bad_paths(fields, netsis_can_hold)
    document, failed = attempt("account", account(fields), NETSIS)
    if failed is not None:
        event("refused: a character the target cannot hold")
        assert expected_bad, failed.details
        assert {d.path for d in failed.details} == expected_bad
        return
    event("carried")
    assert not expected_bad
    assert isinstance(document, NetsisDocument)
    body = json.loads(document.to_json())
    assert body == document.body
    temel = body["CariTemelBilgi"]
    for name, prop in NETSIS_ACCOUNT.items():
        if name in fields:
            assert temel[prop] == fields[name]
        else:
            assert prop not in temel
    if discount is not None:
        assert Decimal(repr(temel["ISKONTO_ORANI"])) == discount


plain_decimal = decimal_value.map(lambda d: format(d, "f"))
line_values = st.fixed_dictionaries({
    "Quantity": plain_decimal, "UnitPrice": st.none() | plain_decimal,
    "Notes": st.none() | text_value,
})


def quote(lines: list[dict[str, str | None]], notes: str | None) -> CrmRecord:
    header = {"Date": "2026-11-23", **({"Notes": notes} if notes is not None else {})}
    return CrmRecord(
        "Quote", crm_id="Q-1", warehouse=1, account=CrmRecord("Account", code="C-1"),
        fields=MappingProxyType(header),
        lines=tuple(CrmRecord("Line", product=CrmRecord("Product", code=f"P-{i}"),
                              fields=MappingProxyType(present(line)))
                    for i, line in enumerate(lines)))


def expected_line_errors(lines: list[dict[str, str | None]], notes: str | None,
                         holds: Any) -> set[str]:
    paths = bad_paths({"Notes": notes} if notes is not None else {}, holds)
    for index, line in enumerate(lines, 1):
        paths |= bad_paths(present(line), holds, f"Lines/Line[{index}]/")
    return paths


@PROPERTY_SETTINGS
@given(lines=st.lists(line_values, min_size=1, max_size=6), notes=st.none() | text_value)
def test_logo_order_lines_carry_every_value_n7(lines: list[dict[str, str | None]],
                                              notes: str | None) -> None:
    expected_bad = expected_line_errors(lines, notes, logo_can_hold)
    document, failed = attempt("order", quote(lines, notes), TIGER)
    if failed is not None:
        event("refused: a character the target cannot hold")
        assert {d.path for d in failed.details} == expected_bad
        return
    event("carried")
    assert not expected_bad
    assert isinstance(document, LogoDocument)
    slip = etree.fromstring(document.encoded())[0]
    if notes is not None:
        assert (slip.findtext("NOTES1") or "") == notes
    transactions = slip.findall("TRANSACTIONS/TRANSACTION")
    assert len(transactions) == len(lines)
    for line, element in zip(lines, transactions, strict=True):
        assert Decimal(element.findtext("QUANTITY") or "x") == Decimal(str(line["Quantity"]))
        if line["UnitPrice"] is None:
            assert element.find("PRICE") is None
        else:
            assert Decimal(element.findtext("PRICE") or "x") == Decimal(line["UnitPrice"])
        if line["Notes"] is not None:
            assert (element.findtext("DESCRIPTION") or "") == line["Notes"]


@PROPERTY_SETTINGS
@given(lines=st.lists(line_values, min_size=1, max_size=6), notes=st.none() | text_value)
def test_netsis_order_lines_carry_every_value_n7(lines: list[dict[str, str | None]],
                                                notes: str | None) -> None:
    expected_bad = expected_line_errors(lines, notes, netsis_can_hold)
    document, failed = attempt("order", quote(lines, notes), NETSIS)
    if failed is not None:
        event("refused: a character the target cannot hold")
        assert {d.path for d in failed.details} == expected_bad
        return
    event("carried")
    assert not expected_bad
    assert isinstance(document, NetsisDocument)
    body = json.loads(document.to_json())
    if notes is not None:
        assert body["FatUst"]["Aciklama"] == notes
    for line, kalem in zip(lines, body["Kalems"], strict=True):
        assert Decimal(repr(kalem["STra_GCMIK"])) == Decimal(str(line["Quantity"]))
        if line["UnitPrice"] is not None:
            assert Decimal(repr(kalem["STra_BF"])) == Decimal(line["UnitPrice"])
        if line["Notes"] is not None:
            assert kalem["STra_ACIK"] == line["Notes"]


@PROPERTY_SETTINGS
@given(number=st.decimals(allow_nan=False, allow_infinity=False, places=8,
                          min_value=Decimal("-1e14"), max_value=Decimal("1e14")))
def test_netsis_numbers_are_exact_or_refused_n7(number: Decimal) -> None:
    """A decimal a JSON number cannot carry exactly is a MAPPING error, never rounded silently."""
    record = quote([{"Quantity": format(number, "f"), "UnitPrice": None, "Notes": None}], None)
    document, failed = attempt("order", record, NETSIS)
    if failed is not None:
        assert [d.path for d in failed.details] == ["Lines/Line[1]/Field[@name='Quantity']"]
        assert "more digits" in failed.details[0].text
        return
    assert isinstance(document, NetsisDocument)
    sent = json.loads(document.to_json())["Kalems"][0]["STra_GCMIK"]
    assert Decimal(repr(sent)) == number


@PROPERTY_SETTINGS
@given(values=st.fixed_dictionaries({name: text_value for name in ("City", "Address1", "Email")}))
def test_what_goes_to_the_erp_comes_back_f10(values: dict[str, str]) -> None:
    fields = dict(values)
    for ctx, holds in ((TIGER, logo_can_hold), (NETSIS, netsis_can_hold)):
        if not all(holds(v) for v in fields.values()):
            continue
        document = translate("account", account(fields), ctx)
        if isinstance(document, LogoDocument):
            back = read_document("account", document.encoded(), ctx)
        else:
            assert isinstance(document, NetsisDocument)
            back = read_document("account", json.loads(document.to_json()), ctx)
        assert {name: back.fields[name] for name in fields} == fields
