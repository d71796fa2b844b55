"""The ground floor: the domain's facts, each defined once (docs/design.md).

Everything above imports from here; this package imports only the standard library, lxml (for the
one hardened XML parser), ``integrator.config`` and ``integrator.errors`` — never aiohttp, Redis,
pyodbc or another layer of the service (an import-linter contract enforces it).

* ``entities``  — the entity vocabulary (account, product, order, dispatch, quote);
* ``links``     — ``ErpKey`` (how the ERP identifies a record) and ``parse_ref``;
* ``context``   — ``ErpCredentials``, ``StoredSet`` and the per-request ``Context``;
* ``records``   — ``CrmRecord``, the one shape every CRM record takes inside the service;
* ``documents`` — the typed documents translators produce and gateways consume;
* ``wire``      — Logo dataTypes and root elements, Netsis resources and document types;
* ``xml``       — the hardened XML parser and the Logo XML declaration.
"""

from integrator.model.context import Context, ErpCredentials, StoredSet, credentials_for
from integrator.model.documents import Document, ErpData, LogoDocument, NetsisDocument
from integrator.model.entities import (
    CARD_ENTITIES,
    DOCUMENT_ENTITIES,
    ENTITIES,
    CardEntity,
    DocumentEntity,
    Entity,
    is_card,
    is_document,
)
from integrator.model.links import ErpKey, parse_ref
from integrator.model.records import CrmRecord

__all__ = [
    "CARD_ENTITIES", "DOCUMENT_ENTITIES", "ENTITIES", "CardEntity", "Context", "CrmRecord",
    "Document", "DocumentEntity", "Entity", "ErpCredentials", "ErpData", "ErpKey", "LogoDocument",
    "NetsisDocument", "StoredSet", "credentials_for", "is_card", "is_document", "parse_ref",
]
