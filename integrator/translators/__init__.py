"""Field mapping and ERP document translation (SPEC F6, F8; docs/mapping.md).

Pure functions only: a CRM record + the set (and the acting user, the current ERP record) in, an
ERP payload out, or the reverse. No I/O anywhere in this package.

* ``translate(entity, record, ctx)`` — the create payload: a ``LogoDocument`` (Tiger/Go XML +
  dataType) or a ``NetsisDocument`` (JSON body + route);
* ``translate_update(entity, record, ctx, current)`` — Tiger/Go: the exported record with only the
  mapped fields changed and ``DBOP="UPD"``; Netsis: ``PUT ARPs/{code}`` of the mapped fields;
* ``read_document`` / ``read_row`` — ERP payloads (Logo XML, Netsis JSON) and database rows back
  into CRM records;
* ``catalog`` / ``entities_for`` — the standard field catalog.

Failures raise ``MappingFailed`` (MAPPING, 422) with one ``Detail`` per field, its ``path`` pointing
into the CRM XML (``Lines/Line[2]/Field[@name='Quantity']``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from lxml import etree

from integrator.config import IntegrationSet
from integrator.errors import MappingFailed
from integrator.inbound import CrmRecord
from integrator.translators import logo, netsis
from integrator.translators.base import (
    MappingContext,
    Plan,
    PlanError,
    family_of,
    mapping_problems,
    plan_for,
)
from integrator.translators.catalog import (
    ENTITIES,
    CatalogField,
    Entity,
    EntityCatalog,
    catalog,
    catalog_element,
    entities_for,
)
from integrator.translators.documents import Document, LogoDocument, NetsisDocument

__all__ = [
    "ENTITIES", "REGISTRY", "CatalogField", "Document", "Entity", "EntityCatalog", "LogoDocument",
    "MappingContext", "NetsisDocument", "Plan", "PlanError", "catalog", "catalog_element",
    "entities_for", "mapping_problems", "plan_for", "read_document", "read_row", "set_catalog",
    "translate", "translate_update",
]

Builder = Callable[[Entity, CrmRecord, MappingContext], Document]

# (ERP kind, entity) -> the function building its create payload
REGISTRY: dict[tuple[str, str], Builder] = {
    **{(erp, entity): logo.build for erp in ("tiger", "go") for entity in entities_for(erp)},
    **{("netsis", entity): netsis.build for entity in entities_for("netsis")},
}


def _builder(erp: str, entity: str) -> Builder:
    builder = REGISTRY.get((erp, entity))
    if builder is None:
        raise MappingFailed(f"{entity} is not an ERP document of {erp} (quotes exist only in "
                            "Netsis)")
    return builder


def translate(entity: Entity, record: CrmRecord, ctx: MappingContext) -> Document:
    """The payload that creates ``record`` in the set's ERP."""
    return _builder(ctx.erp, entity)(entity, record, ctx)


def translate_update(entity: Entity, record: CrmRecord, ctx: MappingContext,
                     current: str | bytes | Mapping[str, Any] | None) -> Document:
    """The payload that updates an account or product: ``current`` is the record as the ERP has
    it now — the ReadDataObject XML (Tiger/Go, required) or the ``Data`` of a GET (Netsis,
    optional; used for ``if_target_empty``)."""
    _builder(ctx.erp, entity)
    if family_of(ctx.erp) == "logo":
        if not isinstance(current, str | bytes):
            raise TypeError("a Tiger/Go update starts from the exported XML of the record")
        return logo.update(entity, current, record, ctx)
    if current is not None and not isinstance(current, Mapping):
        raise TypeError("a Netsis update takes the Data of a GET as its current record")
    return netsis.update(entity, record, ctx, current)


def read_document(entity: Entity, payload: str | bytes | Mapping[str, Any], ctx: MappingContext, *,
                  current: CrmRecord | None = None) -> CrmRecord:
    """An ERP payload as a CRM record: Logo XML (ReadDataObject) or Netsis JSON (``Data``)."""
    _builder(ctx.erp, entity)
    if family_of(ctx.erp) == "logo":
        if not isinstance(payload, str | bytes):
            raise TypeError("Tiger/Go records are read from Logo XML")
        return logo.reverse_xml(entity, payload, ctx, current=current)
    if not isinstance(payload, Mapping):
        raise TypeError("Netsis records are read from the JSON Data of a GET")
    return netsis.reverse_json(entity, payload, ctx, current=current)


def read_row(entity: Entity, row: Mapping[str, Any], ctx: MappingContext, *,
             lines: Sequence[Mapping[str, Any]] = (), current: CrmRecord | None = None) -> CrmRecord:
    """A database row (column -> value) as a CRM record; documents take their line rows too."""
    _builder(ctx.erp, entity)
    if family_of(ctx.erp) == "logo":
        return logo.reverse_rows(entity, row, ctx, lines=lines, current=current)
    return netsis.reverse_rows(entity, row, ctx, lines=lines, current=current)


def set_catalog(integration_set: IntegrationSet) -> list[etree._Element]:
    """The catalog of every entity of a set's ERP kind, with the set's firm/period in the table
    names and the CRM fields mapped onto each field (``<Catalog>`` elements)."""
    elements = []
    firm = integration_set.firm_code if integration_set.firm is not None else None
    period = integration_set.period_code if integration_set.period is not None else None
    for entity in entities_for(integration_set.erp):
        cat = catalog(integration_set.erp, entity)
        assert cat is not None
        try:
            names: dict[tuple[str, str], list[str]] | None = plan_for(
                integration_set, entity).crm_names()
        except MappingFailed:  # a set that does not compile still shows its catalog
            names = None
        elements.append(catalog_element(cat, firm=firm, period=period, crm_names=names))
    return elements
