"""Wire tables of the two ERP families, defined once (research/logo-tiger.md §3, netsis.md §1).

Logo (Tiger/Go) Objects: a record travels as ``<PLURAL><SINGULAR DBOP="INS|UPD">`` in XML declared
ISO-8859-9, with the ``dataType`` (UnityObjects' DataObjectType) of its kind. Netsis NetOpenX REST:
cards are ``ARPs`` / ``Items``; documents are ``ItemSlips`` of a ``FaturaTip`` (JTFaturaTip).
"""

from __future__ import annotations

from dataclasses import dataclass

from integrator.model.entities import CardEntity, DocumentEntity, Entity

# -- Logo -------------------------------------------------------------------------------------------
LOGO_DECLARATION = '<?xml version="1.0" encoding="ISO-8859-9"?>'
LOGO_ENCODING = "ISO-8859-9"


@dataclass(frozen=True, slots=True)
class LogoRoot:
    plural: str      # AR_APS, ITEMS, SALES_ORDERS, SALES_DISPATCHES
    singular: str    # AR_AP, ITEM, ORDER_SLIP, DISPATCH
    data_type: int   # 30, 0, 3, 17


LOGO_ROOTS: dict[Entity, LogoRoot] = {
    "account": LogoRoot("AR_APS", "AR_AP", 30),
    "product": LogoRoot("ITEMS", "ITEM", 0),
    "order": LogoRoot("SALES_ORDERS", "ORDER_SLIP", 3),
    "dispatch": LogoRoot("SALES_DISPATCHES", "DISPATCH", 17),
}
LOGO_SLIPS: frozenset[Entity] = frozenset({"order", "dispatch"})

# -- Netsis -----------------------------------------------------------------------------------------
# JTFaturaTip (NetOpenX.Rest.Client 2.0.4.3): the value is the position
FATURA_TIP: tuple[str, ...] = (
    "ftSFat", "ftAFat", "ftSIrs", "ftAIrs", "ftDepo", "ftLokalDepo", "ftASip", "ftSSip",
    "ftAmbarG", "ftAmbarC", "ftSSIrs", "ftSAIrs", "ftAlTalep", "ftAlTeklif", "ftSatTalep",
    "ftSatTeklif", "ftSPSIrs", "ftSPAIrs", "ftSProforma",
)
NETSIS_DOC_TYPES: dict[DocumentEntity, int] = {"order": 7, "dispatch": 2, "quote": 15}
NETSIS_CARD_RESOURCES: dict[CardEntity, str] = {"account": "ARPs", "product": "Items"}
NETSIS_RESOURCES: dict[Entity, str] = {"account": "ARPs", "product": "Items", "order": "ItemSlips",
                                       "dispatch": "ItemSlips", "quote": "ItemSlips"}
# a card's section and its key property, as the official client names them
NETSIS_CARD_KEYS: dict[CardEntity, tuple[str, str]] = {
    "account": ("CariTemelBilgi", "CARI_KOD"),
    "product": ("StokTemelBilgi", "Stok_Kodu"),
}
