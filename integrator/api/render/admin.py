"""The field catalog, sessions, sets and health."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from lxml import etree

from integrator.api.render.base import clean
from integrator.model import Context, StoredSet
from integrator.sessions.manager import OpenedSession
from integrator.translators.catalog import EntityCatalog


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
    element = etree.Element("Session", user=clean(context.user), set=s.code, erp=s.erp)
    if context.transfer_type:
        element.set("transferType", context.transfer_type)
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
