"""Shipped and remaining (F28) written as text is, character for character, what lxml wrote for
the same elements before (the reference below is that code), on generated documents."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from integrator.api import render
from integrator.api.render.base import clean
from integrator.api.render.quotes import _document_attributes, _document_status
from integrator.model.numbers import decimal_text
from integrator.services.erp_documents import DocumentLine, TransferredDocument
from integrator.services.quotes import TransferStatus


def _reference(status: TransferStatus) -> str:
    element = etree.Element("Transfer", quote=clean(status.quote_id), set=status.set_code)
    _document_attributes(element, status.document)
    element.set("status", _document_status(status))
    if status.revision is not None:
        element.set("revision", str(status.revision))
    for line in status.lines:
        etree.SubElement(element, "Line", line=str(line.line), erpLine=str(line.erp_line),
                         product=clean(line.product), ordered=decimal_text(line.ordered),
                         shipped=decimal_text(line.shipped),
                         remaining=decimal_text(line.remaining),
                         closed="true" if line.closed else "false")
    return etree.tostring(element, encoding="unicode")


TEXT = st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from(
    ["&", "<", ">", '"', "\r", "\n", "\t", "\x01", "\ufffe", " ", "Ş", "İ"]), max_size=10)
AMOUNT = st.decimals(min_value=0, max_value=10**6, allow_nan=False, places=3)
DOCUMENTS = st.builds(TransferredDocument, st.sampled_from(["order", "dispatch", "quote"]), TEXT,
                      TEXT, st.none() | st.dates(), TEXT, TEXT, TEXT)
LINES = st.builds(DocumentLine, st.integers(1, 999), st.integers(1, 999), TEXT, AMOUNT, AMOUNT,
                  AMOUNT, st.booleans())
STATUSES = st.builds(TransferStatus, TEXT, st.sampled_from(["DEMO-TIGER", "A&B"]), DOCUMENTS,
                     st.none() | st.integers(1, 99), st.lists(LINES, max_size=4))


@settings(max_examples=300, deadline=None)
@given(status=STATUSES)
def test_shipped_and_remaining_are_the_text_of_their_elements_f28(status: TransferStatus) -> None:
    assert render.transfer_status_text(status) == _reference(status)
