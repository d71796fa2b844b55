"""The standard ERP field catalog (SPEC F6): per ERP kind and entity, every standard field with
its type, length, required flag, Turkish and English description, and where it lives.

One entry serves three purposes:

* the CRM's "ERP" tab (``GET /v1/catalog/{erp}/{entity}`` and the reply of ``PUT /v1/sets``);
* the forward mapping: the field's type decides how a CRM value is written, ``level`` and
  ``section`` decide where (document header, line, item unit; Netsis JSON section), ``managed``
  marks the fields the service fills itself (links, quote id, warehouse, salesman) which a set's
  mapping may not overwrite;
* the reverse mapping: the XML tag / JSON property is the field's ``name``, the database
  ``table`` and ``column`` say which column of a SQL row holds it.

Tables are written with the firm/period tokens of the SQL layer (``LG_FFF_CLCARD``,
``LG_FFF_PP_ORFICHE``); ``for_set`` fills in a set's firm and period. Lengths are those of the demo
schema of the demo databases, which follows Logo's data dictionary; real installations
differ between versions (research/logo-tiger.md §4.2), so they are shown, not enforced — except for
the CRM quote id, whose field must hold it whole (``DOC_NUMBER`` / ``EKACK1``).

The tables: ``catalog.logo`` (research/logo-tiger.md §3.3–§3.6 and §4) and ``catalog.netsis``
(research/netsis.md §1.6, §1.11 and §3.2); the shape: ``catalog.fields``.
"""


from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from integrator.model import ENTITIES, Entity
from integrator.translators.catalog.fields import CatalogField, EntityCatalog, Level
from integrator.translators.catalog.logo import logo_catalog
from integrator.translators.catalog.netsis import netsis_catalog

__all__ = ["ERP_KINDS", "CatalogField", "EntityCatalog", "Level", "all_catalogs", "catalog",
           "entities_for", "require_catalog"]

ERP_KINDS: tuple[str, ...] = ("tiger", "go", "netsis")


def entities_for(erp: str) -> tuple[Entity, ...]:
    """The entities with a catalog for an ERP kind (quote is an ERP document only in Netsis)."""
    if erp == "netsis":
        return ENTITIES
    if erp in ("tiger", "go"):
        return ("account", "product", "order", "dispatch")
    return ()


@cache
def catalog(erp: str, entity: str) -> EntityCatalog | None:
    """The catalog of (ERP kind, entity), or None when there is none (unknown erp or entity)."""
    if entity not in entities_for(erp):
        return None
    if erp == "netsis":
        return netsis_catalog(entity)
    return logo_catalog(erp, entity)


def require_catalog(erp: str, entity: str) -> EntityCatalog:
    found = catalog(erp, entity)
    if found is None:
        raise KeyError(f"no catalog for {erp}/{entity}")
    return found


def all_catalogs() -> Iterable[EntityCatalog]:
    for erp in ERP_KINDS:
        for entity in entities_for(erp):
            yield require_catalog(erp, entity)
