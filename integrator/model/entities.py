"""The entities that cross between the CRM and the ERP (SPEC §2), defined once.

Cards (``account``, ``product``) are master data; documents (``order``, ``dispatch``, ``quote``)
are what a CRM quote becomes in the ERP, and are exactly the transfer types of a set
(``config.TransferType``).
"""

from __future__ import annotations

from typing import Literal, TypeGuard

from integrator.config import TransferType

CardEntity = Literal["account", "product"]
DocumentEntity = TransferType
Entity = Literal["account", "product", "order", "dispatch", "quote"]

CARD_ENTITIES: tuple[CardEntity, ...] = ("account", "product")
DOCUMENT_ENTITIES: tuple[DocumentEntity, ...] = ("order", "dispatch", "quote")
ENTITIES: tuple[Entity, ...] = (*CARD_ENTITIES, *DOCUMENT_ENTITIES)


def is_document(entity: str) -> TypeGuard[DocumentEntity]:
    return entity in DOCUMENT_ENTITIES


# the CRM record element each entity is sent as (SPEC §5): documents are made from a <Quote>
RECORD_KINDS: dict[Entity, str] = {
    "account": "Account", "product": "Product", "order": "Quote", "dispatch": "Quote",
    "quote": "Quote",
}


def is_card(entity: str) -> TypeGuard[CardEntity]:
    return entity in CARD_ENTITIES
