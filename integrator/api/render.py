"""Every XML answer the service gives the CRM (SPEC §5), in one place.

Services return data; the handlers hand it to one of these functions. Values are written as XML 1.0
text (characters XML cannot carry become U+FFFD); numbers and dates in the wire format of the rows
(``.`` decimals, ISO dates). The integration-set format is its own codec (``api.setxml``).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from datetime import time as dtime
from decimal import Decimal
from typing import Any

from lxml import etree

from integrator.errors import IntegratorError
from integrator.model import Context, CrmRecord, StoredSet
from integrator.services.cards import Saved
from integrator.services.listing import Page
from integrator.services.lookups import AccountStatement, SearchResult, StockResult
from integrator.sessions.manager import OpenedSession
from integrator.sql.results import Column, Result
from integrator.translators.catalog import EntityCatalog

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean(text: str) -> str:
    """Text XML 1.0 can carry (the characters it cannot become U+FFFD)."""
    return _XML_ILLEGAL.sub("\ufffd", text)


def to_bytes(element: etree._Element) -> bytes:
    return etree.tostring(element, encoding="UTF-8", xml_declaration=True)


# -- errors -------------------------------------------------------------------------------------------
def error_element(error: IntegratorError, request_id: str) -> etree._Element:
    """``<Error code status retryable requestId><Message/><Detail source path line/>…</Error>``."""
    root = etree.Element(
        "Error",
        code=error.code,
        status=str(error.status),
        retryable="true" if error.retryable else "false",
        requestId=clean(request_id),
    )
    etree.SubElement(root, "Message").text = clean(error.message)
    for item in error.details:
        el = etree.SubElement(root, "Detail", source=item.source)
        if item.path is not None:
            el.set("path", clean(item.path))
        if item.line is not None:
            el.set("line", str(item.line))
        el.text = clean(item.text)
    return root


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


# -- rows of the read-only SQL ------------------------------------------------------------------------
def text_of(value: Any) -> str:
    """The XML text of one value (never called for NULL)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds" if value.microsecond else "seconds")
    if isinstance(value, date | dtime):
        return value.isoformat()
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    return clean(str(value))


def _link_text(value: Any) -> str:
    return text_of(value).strip() if value is not None else ""


def row_element(columns: tuple[Column, ...], row: tuple[Any, ...], *, link: bool) -> etree._Element:
    """``<Row ref code><Col name type [null]>text</Col>…</Row>`` (docs/sql.md, the row format)."""
    element = etree.Element("Row")
    if link:
        names = [c.name.upper() for c in columns]
        if "REF" in names:
            element.set("ref", _link_text(row[names.index("REF")]))
        if "CODE" in names:
            element.set("code", _link_text(row[names.index("CODE")]))
    for column, value in zip(columns, row, strict=True):
        col = etree.SubElement(element, "Col", name=column.name, type=column.type)
        if value is None:
            col.set("null", "true")
        else:
            col.text = text_of(value)
    return element


def rows_element(result: Result, *, link: bool = False, tag: str = "Rows",
                 rows: Iterable[tuple[Any, ...]] | None = None,
                 truncated: bool | None = None) -> etree._Element:
    """``<Rows count truncated>`` with one ``<Row>`` per row (``rows`` overrides the result's)."""
    chosen = list(result.rows if rows is None else rows)
    element = etree.Element(tag, count=str(len(chosen)),
                            truncated="true" if (result.truncated if truncated is None
                                                 else truncated) else "false")
    for row in chosen:
        element.append(row_element(result.columns, row, link=link))
    return element


def search_element(found: SearchResult) -> etree._Element:
    element = etree.Element("Rows", count=str(len(found.rows)),
                            truncated="true" if found.truncated else "false")
    for row, how in zip(found.rows, found.matched, strict=True):
        item = row_element(found.result.columns, row, link=True)
        item.set("match", how)
        element.append(item)
    return element


def statement_element(st: AccountStatement) -> etree._Element:
    element = etree.Element("Statement", ref=text_of(st.ref) if st.ref is not None else "",
                            code=text_of(st.code) if st.code is not None else "")
    element.set("from", st.date_from.isoformat())
    element.set("to", st.date_to.isoformat())
    etree.SubElement(element, "Name").text = text_of(st.name) if st.name is not None else ""
    etree.SubElement(element, "Opening", type="decimal").text = text_of(st.opening)
    etree.SubElement(element, "Debit", type="decimal").text = text_of(st.debit)
    etree.SubElement(element, "Credit", type="decimal").text = text_of(st.credit)
    etree.SubElement(element, "Closing", type="decimal").text = text_of(st.closing)
    element.append(rows_element(st.movements))
    return element


def stock_element(found: StockResult) -> etree._Element:
    element = etree.Element("Stock")
    element.append(rows_element(found.result, link=True))
    for p in found.unknown:
        missing = etree.SubElement(element, "Unknown")
        if p.ref:
            missing.set("ref", clean(p.ref))
        if p.code:
            missing.set("code", clean(p.code))
    return element


def extensions_element(entity: str, ref: str, outcome: Sequence[tuple[str, str]]) -> etree._Element:
    element = etree.Element("ExtensionsSaved", entity=entity, ref=clean(ref))
    for table, what in outcome:
        etree.SubElement(element, "Table", name=table, result=what)
    return element


# -- the field catalog (F6) ---------------------------------------------------------------------------
def _table_name(table: str, firm: str | None, period: str | None) -> str:
    if firm is not None:
        table = table.replace("LG_FFF_PP_", f"LG_{firm}_{period or 'PP'}_").replace(
            "LG_FFF_", f"LG_{firm}_")
    return table


def catalog_element(cat: EntityCatalog, *, firm: str | None = None, period: str | None = None,
                    crm_names: Mapping[tuple[str, str], list[str]] | None = None) -> etree._Element:
    """``<Catalog erp entity root dataType><Field .../>...</Catalog>``.

    ``crm_names`` maps (level, ERP field) to the CRM fields mapped onto it (defaults and the set's
    own mappings), shown as the ``crm`` attribute.
    """
    root = etree.Element("Catalog", erp=cat.erp, entity=cat.entity, root=cat.root)
    if cat.data_type is not None:
        root.set("dataType" if cat.erp != "netsis" else "documentType", str(cat.data_type))
    for entry in cat.fields:
        el = etree.SubElement(root, "Field", name=entry.name, type=entry.type,
                              level=entry.level, required="true" if entry.required else "false")
        if entry.length is not None:
            el.set("length", str(entry.length))
        if entry.section:
            el.set("section", entry.section)
        if entry.managed:
            el.set("managed", "true")
        if entry.readonly:
            el.set("readonly", "true")
        if entry.table is not None and entry.column is not None:
            el.set("table", _table_name(entry.table, firm, period))
            el.set("column", entry.column)
        if crm_names:
            names = crm_names.get(("line" if entry.level == "line" else "header", entry.name))
            if names:
                el.set("crm", " ".join(names))
        etree.SubElement(el, "Description", lang="tr").text = entry.tr
        etree.SubElement(el, "Description", lang="en").text = entry.en
    return root


# -- sessions, sets, health ---------------------------------------------------------------------------
def session_element(opened: OpenedSession, *, with_id: bool) -> etree._Element:
    s = opened.stored_set.integration_set
    element = etree.Element("Session", user=clean(opened.user), set=s.code, erp=s.erp,
                            idleTtl=str(opened.idle_ttl_s))
    if with_id:
        element.set("id", opened.session_id)
    return element


def current_session_element(context: Context) -> etree._Element:
    s = context.integration_set
    element = etree.Element("Session", user=clean(context.user), set=s.code, erp=s.erp,
                            transferType=context.transfer_type)
    if context.salesman:
        element.set("salesman", clean(context.salesman))
    return element


def sets_element(stored: Iterable[StoredSet]) -> etree._Element:
    root = etree.Element("Sets")
    for item in stored:
        s = item.integration_set
        etree.SubElement(root, "Set", code=s.code, name=clean(s.name), erp=s.erp,
                         version=str(item.version), source=item.source)
    return root


def set_saved_element(stored: StoredSet, *, created: bool,
                      catalogs: Iterable[etree._Element] = ()) -> etree._Element:
    saved = etree.Element("SetSaved", code=stored.code, version=str(stored.version),
                          created="true" if created else "false")
    saved.extend(catalogs)
    return saved


def check_element(name: str, kind: str, *, ok: bool, ms: float, code: str | None = None,
                  message: str | None = None, info: Mapping[str, str] | None = None
                  ) -> etree._Element:
    """One check of a set health answer (``<Check name kind status ms [code]>``)."""
    check = etree.Element("Check", name=name, kind=kind, status="ok" if ok else "failed",
                          ms=f"{ms:.1f}")
    if code is not None:
        check.set("code", code)
    if message:
        check.text = clean(message)
    for key, value in sorted((info or {}).items()):
        etree.SubElement(check, "Info", name=key).text = clean(value)
    return check


def set_health_element(stored: StoredSet, checks: Sequence[etree._Element]) -> etree._Element:
    healthy = all(c.get("status") == "ok" for c in checks)
    root = etree.Element("SetHealth", code=stored.code, version=str(stored.version),
                         status="ok" if healthy else "failed")
    root.extend(checks)
    return root


def health_element(checks: Mapping[str, str | None]) -> etree._Element:
    """``<Health status><Check name status>message</Check>…</Health>``: ``checks`` maps a check's
    name to None (ok) or the message of its failure."""
    root = etree.Element("Health", status="ok")
    for name, problem in checks.items():
        check = etree.SubElement(root, "Check", name=name, status="ok" if problem is None
                                 else "failed")
        if problem is not None:
            check.text = clean(problem)
            root.set("status", "failed")
    return root
