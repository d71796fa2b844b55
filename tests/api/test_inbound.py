"""The CRM record model (SPEC §5) and its XSD: one shape for every entity."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from integrator.api import inbound
from integrator.api.inbound import parse_record, parse_records
from integrator.errors import BadXml, ValidationFailed

QUOTE = """<?xml version="1.0" encoding="UTF-8"?>
<Quote crmId="Q-77" revision="3" set="TIGER-MERKEZ" warehouse="1">
  <Account crmId="F-1024" ref="4711" code="120.01.001"/>
  <Field name="Date">2026-11-23</Field>
  <Field name="Notes"></Field>
  <Lines>
    <Line crmId="QL-1"><Product crmId="P-9" ref="" code="MLZ-001"/>
      <Field name="Quantity">5</Field><Field name="UnitPrice">120.50</Field><Field name="Unit">ADET</Field>
    </Line>
    <Line crmId="QL-2">
      <Product crmId="P-10" code="MLZ-002"><Field name="Name">Çikolatalı Gofret</Field></Product>
      <Field name="Quantity">1</Field>
    </Line>
  </Lines>
</Quote>"""

ACCOUNT = """<Account crmId="F-1024" ref="" code="">
  <Field name="Title">ŞİŞLİ GIDA SANAYİ A.Ş.</Field>
  <Field name="TaxOffice">Şişli</Field>
  <Field name="TaxNumber">1234567890</Field>
  <Field name="Sector_Custom">Gıda</Field>
</Account>"""


def test_account_record() -> None:
    record = parse_record(ACCOUNT.encode(), expected={"Account"}, max_depth=32)
    assert record.kind == "Account" and record.crm_id == "F-1024"
    assert record.ref is None and record.code is None and not record.has_link
    assert list(record.fields) == ["Title", "TaxOffice", "TaxNumber", "Sector_Custom"]
    assert record.fields["Title"] == "ŞİŞLİ GIDA SANAYİ A.Ş."
    assert record.get("Missing") is None


def test_quote_record_with_links_and_lines() -> None:
    quote = parse_record(QUOTE.encode(), expected={"Quote"}, max_depth=32)
    assert (quote.crm_id, quote.revision, quote.set_code, quote.warehouse) == ("Q-77", 3, "TIGER-MERKEZ", 1)
    assert quote.account is not None and quote.account.ref == "4711" and quote.account.has_link
    assert quote.fields == {"Date": "2026-11-23", "Notes": ""}  # empty is kept, as ""
    first, second = quote.lines
    assert first.crm_id == "QL-1" and first.fields["UnitPrice"] == "120.50"
    assert first.product is not None and first.product.code == "MLZ-001" and first.product.ref is None
    assert second.product is not None and second.product.fields["Name"] == "Çikolatalı Gofret"
    assert first.source_line == 7


def test_bulk_records_keep_input_order() -> None:
    body = "<Accounts>" + "".join(f'<Account crmId="F-{i}"/>' for i in range(50)) + "</Accounts>"
    records = parse_records(body.encode(), container="Accounts", max_depth=32)
    assert [r.crm_id for r in records] == [f"F-{i}" for i in range(50)]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ('<Account crmId="1"><Field name="A">x</Field><Field name="A">y</Field></Account>', "Duplicate"),
        ('<Account crmId="1"><Field>x</Field></Account>', "name"),
        ('<Account crmId="1"><Field name="">x</Field></Account>', "name"),
        ('<Quote><Field name="A">x</Field></Quote>', "crmId"),
        ('<Quote crmId="Q" warehouse="bir"/>', "warehouse"),
        ('<Quote crmId="Q" revision="-1"/>', "revision"),
        ('<Quote crmId="Q"><Lines><Row/></Lines></Quote>', "Row"),
        ('<Account crmId="1"><Field name="A"><b>x</b></Field></Account>', "Field"),
    ],
)
def test_schema_errors(body: str, words: str) -> None:
    root = str(etree.fromstring(body.encode()).tag)
    with pytest.raises(ValidationFailed) as info:
        parse_record(body.encode(), expected={root}, max_depth=32)
    text = " ".join(d.text for d in info.value.details)
    assert words in text, text
    assert all(d.line for d in info.value.details)


def test_wrong_root() -> None:
    with pytest.raises(ValidationFailed, match="expected <Account>"):
        parse_record(b'<Product crmId="1"/>', expected={"Account"}, max_depth=32)


def test_depth_limit() -> None:
    with pytest.raises(BadXml, match="nesting"):
        parse_record(QUOTE.encode(), expected={"Quote"}, max_depth=4)


xml_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40
).filter(lambda s: all(c in "\t\n\r" or ord(c) >= 0x20 for c in s)).filter(
    lambda s: "\ufffe" not in s and "\uffff" not in s)


@settings(max_examples=200, deadline=None)
@given(values=st.lists(xml_text, min_size=1, max_size=6))
def test_any_text_value_arrives_exactly(values: list[str]) -> None:
    root = etree.Element("Account", crmId="F-1")
    for i, value in enumerate(values):
        field = etree.SubElement(root, "Field", name=f"F{i}")
        field.text = value
    body = etree.tostring(root, encoding="UTF-8", xml_declaration=True)
    record = parse_record(body, expected={"Account"}, max_depth=32)
    # lxml writes \r as &#13;, so even carriage returns arrive exactly
    assert list(record.fields.values()) == values


DUPLICATES = [
    '<Account crmId="1"><Field name="A">x</Field><Field name="B"/><Field name="A">y</Field></Account>',
    '<Quote crmId="Q"><Field name="A">x</Field><Field name="A">y</Field></Quote>',
    '<Quote crmId="Q"><Account code="C"><Field name="A"/><Field name="A"/></Account></Quote>',
    '<Quote crmId="Q"><Lines><Line><Field name="Quantity">1</Field>\n'
    '<Field name="Quantity">2</Field></Line></Lines></Quote>',
    '<Quote crmId="Q"><Lines><Line><Product code="P"><Field name="N"/><Field name="N"/></Product>'
    '</Line></Lines></Quote>',
    '<Products><Product crmId="1"/><Product crmId="2"><Field name="A"/><Field name="A"/></Product>'
    '</Products>',
]
UNIQUE = [
    '<Quote crmId="Q"><Account code="C"><Field name="A"/></Account><Field name="A"/><Lines><Line>'
    '<Product code="P"><Field name="A"/></Product><Field name="A"/></Line><Line><Field name="A"/>'
    '</Line></Lines></Quote>',
    '<Accounts><Account crmId="1"><Field name="A"/></Account><Account crmId="2"><Field name="A"/>'
    '</Account></Accounts>',
]


@pytest.mark.parametrize("body", DUPLICATES + UNIQUE)
def test_field_names_are_unique_exactly_when_the_published_xsd_says_so(body: str) -> None:
    """The service compiles the XSD without its xs:unique constraints (they tripled the cost of a
    500-line quote, issue 15) and checks them while it builds the record: the answer is the
    published schema's, with the line of the repeated field."""
    published = etree.XMLSchema(etree.parse(str(Path(inbound.__file__).parent.parent
                                                 / "schemas" / "crm.xsd")))
    root = etree.fromstring(body.encode())
    valid = published.validate(root)
    assert valid == (body in UNIQUE)
    parse = (parse_records if root.tag in ("Accounts", "Products") else parse_record)
    kwargs: dict[str, Any] = ({"container": root.tag} if root.tag in ("Accounts", "Products")
                              else {"expected": {root.tag}})
    if valid:
        parse(body.encode(), max_depth=32, **kwargs)
        return
    with pytest.raises(ValidationFailed) as info:
        parse(body.encode(), max_depth=32, **kwargs)
    (detail,) = info.value.details
    assert "Duplicate field" in detail.text and detail.line == body[:body.rfind('name="')].count("\n") + 1


def _deepest(element: etree._Element, depth: int = 1) -> int:
    return max([depth, *(_deepest(child, depth + 1) for child in element)])


def test_the_schema_bounds_the_depth_of_a_valid_body_n1() -> None:
    """parse_body checks the depth limit only for bodies the schema refuses (and for limits below
    SCHEMA_MAX_DEPTH): every valid body is at most that deep, one level more is refused."""
    from integrator.api.inbound import SCHEMA_MAX_DEPTH, crm_schema
    schema = crm_schema()
    deepest = ('<Quote crmId="Q"><Account code="A"><Field name="F">x</Field></Account><Lines><Line>'
               '<Product code="P"><Field name="N">x</Field></Product></Line></Lines></Quote>')
    root = etree.fromstring(deepest.encode())
    assert schema.validate(root) and _deepest(root) == SCHEMA_MAX_DEPTH
    for extra in ('<Field name="N"><b/></Field>', '<Field name="N"/><Lines/>',
                  '<Product code="P"><Field name="N"><i/></Field></Product>'):
        deeper = deepest.replace('<Field name="N">x</Field>', extra)
        assert not schema.validate(etree.fromstring(deeper.encode()))
    # a too-deep body is "too deep" (BadXml) before it is "not valid"
    nested = "<Account crmId='1'>" + "<x>" * 40 + "</x>" * 40 + "</Account>"
    with pytest.raises(BadXml, match="nesting"):
        parse_record(nested.encode(), expected={"Account"}, max_depth=32)
    with pytest.raises(BadXml, match="nesting"):
        parse_record(nested.encode(), expected={"Quote"}, max_depth=32)


NAMES = st.one_of(
    st.sampled_from(["", " ", "\t", "\n", "\r", " A", "\tA", "A\n", "A\rB", "A B", "A\tB", "Ş",
                     "x" * 128, "x" * 129, "ğ" * 129, "İ" * 128, "\u00a0A", "A "]),
    xml_text.map(lambda s: s[:130]),
)


def _parse(body: bytes, root: str) -> list[Any]:
    if root == "Products":
        return parse_records(body, container=root, max_depth=32)
    return [parse_record(body, expected={root}, max_depth=32)]


@settings(max_examples=300, deadline=None)
@given(names=st.lists(NAMES, min_size=1, max_size=4, unique=True),
       where=st.sampled_from(["Account", "Quote", "Line", "Product", "Products"]))
def test_field_names_are_refused_exactly_when_the_published_xsd_refuses_them_n1(
        names: list[str], where: str) -> None:
    """Issue 15: record bodies are validated without the facets of Name, which the builder
    tests over all the names at once; a body it suspects is validated against the full schema,
    so the answer and every message with its line are the published schema's."""
    root = etree.Element("Quote" if where in ("Line", "Product") else where, crmId="R-1")
    holder = root
    # a record with a valid field is built before the one under test (the names of every record
    # of a body are checked, not only the first's)
    if where == "Products":
        etree.SubElement(etree.SubElement(root, "Product", crmId="P-0"), "Field", name="Good")
        holder = etree.SubElement(root, "Product", crmId="P-1")
    elif where != "Account":
        etree.SubElement(etree.SubElement(root, "Account", crmId="A-0"), "Field", name="Good")
    if where in ("Line", "Product"):
        holder = etree.SubElement(etree.SubElement(root, "Lines"), "Line", crmId="L-1")
        if where == "Product":
            holder = etree.SubElement(holder, "Product", code="P")
    if where == "Products":
        del root.attrib["crmId"]
    for i, name in enumerate(names):
        field = etree.SubElement(holder, "Field", name=name)
        field.text = f"v{i}"
    body = etree.tostring(root, encoding="UTF-8", pretty_print=True)
    published = etree.XMLSchema(etree.parse(str(Path(inbound.__file__).parent.parent
                                                 / "schemas" / "crm.xsd")))
    if published.validate(etree.fromstring(body)):
        record = _parse(body, str(root.tag))[-1]
        if where in ("Line", "Product"):
            record = record.lines[0]
        if where == "Product":
            record = record.product
        assert list(record.fields) == names
        return
    with pytest.raises(ValidationFailed) as info:
        _parse(body, str(root.tag))
    # the messages the service gave before issue 15: the whole schema's, without xs:unique
    # (whose identity-constraint warnings the published one adds)
    strict = inbound.crm_schema()
    assert not strict.validate(etree.fromstring(body))
    expected = [(inbound._clean_schema_message(error.message), error.line)
                for error in strict.error_log]
    assert [(d.text, d.line) for d in info.value.details] == expected[:20]
