"""Accounts and products: records, links, per-record results, pages (F9-F11, F16-F18)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from lxml import etree

from integrator.api.render.base import attr_xml, clean, needs_escaping, text_xml
from integrator.api.render.errors import error_element
from integrator.errors import IntegratorError
from integrator.model import CrmRecord
from integrator.services.cards import Saved
from integrator.services.listing import Listed, Page


# -- records and links (accounts, products) ----------------------------------------------------------
def record_text(record: CrmRecord) -> str:
    """``<Account ref code [crmId]><Field name="Title">…</Field>…</Account>`` — the shape the CRM
    sends, with the link the ERP gave the record.

    Written as text, character for character what lxml writes for that element (tested against
    it): a bulk read renders 100,000 records, and building and serialising an element tree per
    record cost more than reading the rows. Text XML cannot carry becomes U+FFFD, as everywhere.
    """
    fields = record.fields
    values = tuple(fields.values())
    ref, code, crm_id = record.ref or "", record.code or "", record.crm_id or ""
    if needs_escaping(ref + code + crm_id + "".join(values)):
        values = tuple([text_xml(value) for value in values])
        ref, code, crm_id = attr_xml(ref), attr_xml(code), attr_xml(crm_id)
    kind = record.kind
    head = f'<{kind} ref="{ref}" code="{code}" crmId="{crm_id}"' if crm_id \
        else f'<{kind} ref="{ref}" code="{code}"'
    if not values:
        return head + "/>"
    return f"{head}>{_fields_template(tuple(fields)) % values}</{kind}>"


@lru_cache(maxsize=64)
def _fields_template(names: tuple[str, ...]) -> str:
    """``<Field name="…">%s</Field>…`` for these field names (a bulk read's records share them)."""
    return "".join(f'<Field name="{attr_xml(name).replace("%", "%%")}">%s</Field>'
                   for name in names)


def listed_text(items: Iterable[Listed]) -> str:
    """Records, rows the mappings could not read and the page end of a bulk read, as XML text."""
    return "".join([record_text(item) if isinstance(item, CrmRecord) else etree.tostring(
        page_element(item) if isinstance(item, Page) else failed_record_element(
            item.kind, item.key, item.error), encoding="unicode") for item in items])


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
