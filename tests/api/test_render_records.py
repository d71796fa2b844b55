"""CRM records written as XML text (F10, F11, F17, F18, N7; issue 15 item 4): ``record_text`` gives
exactly the bytes lxml writes for the element tree the record used to be rendered as — any
Unicode, names and values XML must escape or cannot carry — and a bulk read's page of records,
row failures and page end is the same text as its elements."""

from __future__ import annotations

import string
from types import MappingProxyType

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from integrator.api import render
from integrator.errors import MappingFailed
from integrator.model import CrmRecord
from integrator.services.listing import Page, RowFailure

TRICKY = "İıŞşĞğÜüÖöÇç€ðÐýÝþÞ—…“”’‘ß½&<>]]>\"'%\t\n\r\x00\x01\x0b\x1f\x7f\x85\xa0\u2028\u200b\ufeff" \
         "\ufffe\uffff漢😀\U0010ffff"
text = st.text(alphabet=st.one_of(st.sampled_from(string.ascii_letters + "İıŞşĞğÜüÖöÇç .-@"),
                                  st.sampled_from(TRICKY), st.characters(codec="utf-8")),
               max_size=20)
optional = st.one_of(st.none(), text)
records = st.builds(
    lambda kind, crm_id, ref, code, fields: CrmRecord(kind, crm_id=crm_id, ref=ref, code=code,
                                                      fields=MappingProxyType(fields)),
    st.sampled_from(["Account", "Product"]), optional, optional, optional,
    st.dictionaries(text, text, max_size=8))


def lxml_element(record: CrmRecord) -> etree._Element:
    """The element tree a record was rendered as before it was written as text."""
    element = etree.Element(record.kind, ref=render.clean(record.ref or ""),
                            code=render.clean(record.code or ""))
    if record.crm_id:
        element.set("crmId", render.clean(record.crm_id))
    for name, value in record.fields.items():
        etree.SubElement(element, "Field", name=render.clean(name)).text = render.clean(value)
    return element


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records)
def test_record_text_is_what_lxml_writes(record: CrmRecord) -> None:
    written = render.record_text(record)
    element = lxml_element(record)
    assert written.encode() == etree.tostring(element, encoding="UTF-8")
    assert render.to_bytes(written) == render.to_bytes(element)  # with the declaration
    assert etree.fromstring(written.encode()).get("ref") == render.clean(record.ref or "")


def test_the_common_record_needs_no_escaping_and_the_rest_is_escaped() -> None:
    plain = CrmRecord("Account", ref="7", code="120.01", fields=MappingProxyType(
        {"Title": "ŞİŞLİ GIDA A.Ş.", "Email": "info@örnek.com.tr", "Empty": ""}))
    assert render.record_text(plain) == (
        '<Account ref="7" code="120.01"><Field name="Title">ŞİŞLİ GIDA A.Ş.</Field>'
        '<Field name="Email">info@örnek.com.tr</Field><Field name="Empty"></Field></Account>')
    odd = CrmRecord("Product", crm_id='C"1', ref="a&b", code="\t", fields=MappingProxyType(
        {"100%": "x < y\r\n\ty > z & \"q\" \x01\ud800"}))
    assert render.record_text(odd) == (
        '<Product ref="a&amp;b" code="&#9;" crmId="C&quot;1"><Field name="100%">'
        'x &lt; y&#13;\n\ty &gt; z &amp; "q" \ufffd\ufffd</Field></Product>')
    assert render.record_text(CrmRecord("Account", ref="1")) == '<Account ref="1" code=""/>'


def test_a_lone_surrogate_becomes_u_fffd_instead_of_breaking_the_answer() -> None:
    record = CrmRecord("Account", ref="1", fields=MappingProxyType({"Title": "a\udc80b"}))
    assert "a\ufffdb" in render.record_text(record)
    assert render.clean("\ud800") == "\ufffd"


def test_a_page_of_a_bulk_read_is_the_text_of_its_elements() -> None:
    record = CrmRecord("Account", ref="1", code="X", fields=MappingProxyType({"Title": "Ş&"}))
    failure = RowFailure("Account", "2", MappingFailed("cannot be read"))
    page = Page(2, "abc.def")
    assert render.listed_text([record, failure, page]) == "".join([
        etree.tostring(lxml_element(record), encoding="unicode"),
        etree.tostring(render.failed_record_element("Account", "2", failure.error),
                       encoding="unicode"),
        etree.tostring(render.page_element(page), encoding="unicode")])
    assert render.listed_text([Page(0, None)]) == '<Page count="0" more="false"/>'
