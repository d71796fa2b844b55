"""Field mapping and ERP document translation (SPEC F6, F8; docs/mapping.md).

Pure functions only: a CRM record + the set (and the acting user, the current ERP record) in, an
ERP payload out, or the reverse. No I/O anywhere in this package.

* ``translate(entity, record, ctx)`` — the create document: a ``LogoDocument`` (Tiger/Go XML) or a
  ``NetsisDocument`` (JSON body + route), the typed contract with the gateways (``model.documents``);
* ``translate_update(entity, record, ctx, current)`` — Tiger/Go: the exported record with only the
  mapped fields changed and ``DBOP="UPD"``; Netsis: ``PUT ARPs/{code}`` of the whole record the GET
  returned, with the mapped fields changed;
* ``read_document`` / ``read_row`` — ERP payloads (Logo XML, Netsis JSON) and database rows back
  into CRM records; ``row_reader`` — ``read_row`` bound once to a result's columns (bulk reads);
* ``catalog`` / ``entities_for`` / ``set_catalogs`` — the standard field catalog.

Modules: ``context`` (``MappingContext``), ``plan`` (compiled mappings), ``engine`` (the
declarative translator), ``reverse`` (ERP -> CRM), ``values`` and ``converters`` (one writer per
value type, the closed converter registry), ``catalog`` and ``defaults`` (data), ``sources`` (the
values the service owns), ``logo`` and ``netsis`` (the two ERP families).

Failures raise ``MappingFailed`` (MAPPING, 422) with one ``Detail`` per field, its ``path`` pointing
into the CRM XML (``Lines/Line[2]/Field[@name='Quantity']``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from integrator.config import IntegrationSet
from integrator.errors import MappingFailed
from integrator.model import ENTITIES, CrmRecord, Document, Entity, LogoDocument, NetsisDocument
from integrator.translators import logo, netsis
from integrator.translators.catalog import CatalogField, EntityCatalog, catalog, entities_for
from integrator.translators.context import MappingContext, family_of
from integrator.translators.plan import (
    Plan,
    PlanError,
    crm_field_for,
    mapping_problems,
    maps_crm_field,
    plan_for,
)
from integrator.translators.reverse import RowReader

__all__ = [
    "ENTITIES", "REGISTRY", "CatalogField", "Document", "Entity", "EntityCatalog", "LogoDocument",
    "MappingContext", "NetsisDocument", "Plan", "PlanError", "RowReader", "SetCatalog", "catalog",
    "crm_field_for", "entities_for", "mapping_problems", "maps_crm_field", "plan_for",
    "read_document", "read_row", "row_reader", "set_catalogs", "translate", "translate_update",
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
    it now — the ReadDataObject XML (Tiger/Go) or the ``Data`` of a GET (Netsis); the update is
    that record with the mapped fields changed."""
    _builder(ctx.erp, entity)
    if family_of(ctx.erp) == "logo":
        if not isinstance(current, str | bytes):
            raise TypeError("a Tiger/Go update starts from the exported XML of the record")
        return logo.update(entity, current, record, ctx)
    if not isinstance(current, Mapping):
        raise TypeError("a Netsis update starts from the Data of a GET of the record")
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
    return row_reader(entity, tuple(row), ctx)(tuple(row.values()), lines=lines, current=current)


def row_reader(entity: Entity, columns: Sequence[str], ctx: MappingContext) -> RowReader:
    """``read_row`` bound to a result's columns: the function reading one row (its values in the
    order of ``columns``) as a CRM record, for every row of a bulk read (cached per set plan and
    columns)."""
    _builder(ctx.erp, entity)
    if family_of(ctx.erp) == "logo":
        return logo.row_reader(entity, columns, ctx)
    return netsis.row_reader(entity, columns, ctx)


@dataclass(frozen=True, slots=True)
class SetCatalog:
    """The catalog of one entity of a set: with the set's firm/period for the table names and the
    CRM fields mapped onto each field ((level, ERP field) -> CRM fields; None when the set's
    mappings of the entity do not compile)."""

    catalog: EntityCatalog
    firm: str | None
    period: str | None
    crm_names: dict[tuple[str, str], list[str]] | None


def set_catalogs(integration_set: IntegrationSet) -> list[SetCatalog]:
    """The catalog of every entity of a set's ERP kind (F6)."""
    result = []
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
        result.append(SetCatalog(cat, firm, period, names))
    return result
