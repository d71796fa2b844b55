"""Accounts and products: records, links, per-record results, pages (F9-F11, F16-F18)."""

from __future__ import annotations

from lxml import etree

from integrator.api.render.base import _XML_ILLEGAL, clean
from integrator.api.render.errors import error_element
from integrator.errors import IntegratorError
from integrator.model import CrmRecord
from integrator.services.cards import Saved
from integrator.services.listing import Page


# -- records and links (accounts, products) ----------------------------------------------------------
def record_element(record: CrmRecord) -> etree._Element:
    """``<Account ref code><Field name="Title">…</Field>…</Account>`` — the shape the CRM sends,
    with the link the ERP gave the record."""
    fields = record.fields
    # one scan of all the text decides whether any value needs cleaning (the bulk read's hot path)
    dirty = _XML_ILLEGAL.search("".join((record.ref or "", record.code or "", record.crm_id or "",
                                         *fields.keys(), *fields.values()))) is not None
    fix = clean if dirty else _same
    element = etree.Element(record.kind, ref=fix(record.ref or ""), code=fix(record.code or ""))
    if record.crm_id:
        element.set("crmId", fix(record.crm_id))
    sub = etree.SubElement
    for name, value in fields.items():
        sub(element, "Field", name=fix(name)).text = fix(value)
    return element


def _same(text: str) -> str:
    return text


def failed_record_element(kind: str, key: str, error: IntegratorError) -> etree._Element:
    """A listed row the mappings could not read: the record with an ``<Error>`` inside."""
    element = etree.Element(kind, ref=clean(key))
    element.append(error_element(error, "-"))
    return element


def link_element(saved: Saved) -> etree._Element:
    """``<Link ref code created/>``: what the CRM stores as the record's link."""
    return etree.Element("Link", ref=clean(saved.key.ref), code=clean(saved.key.code),
                         created="true" if saved.created else "false")


def result_element(index: int, record: CrmRecord, *, saved: Saved | None = None,
                   error: IntegratorError | None = None, request_id: str = "-") -> etree._Element:
    """One record's result in a bulk answer: ``<Result index crmId status ref code created/>`` or
    ``<Result index crmId status="error"><Error …/></Result>``."""
    element = etree.Element("Result", index=str(index), crmId=clean(record.crm_id or ""))
    if saved is not None:
        element.set("status", "ok")
        element.set("ref", clean(saved.key.ref))
        element.set("code", clean(saved.key.code))
        element.set("created", "true" if saved.created else "false")
        return element
    assert error is not None
    element.set("status", "error")
    element.append(error_element(error, request_id))
    return element


def page_element(page: Page) -> etree._Element:
    """The end of a bulk read page: how many records it held and the cursor of the next page."""
    element = etree.Element("Page", count=str(page.count), more="true" if page.cursor else "false")
    if page.cursor:
        element.set("cursor", page.cursor)
    return element
