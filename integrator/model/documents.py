"""The typed documents between the translators and the ERP gateways: the contract.

A translator returns one; a gateway takes it and learns everything it needs from its fields (what
it is, which operation, its code, its CRM id), never by parsing the built text again.

* Tiger/Go: ``LogoDocument`` — Logo Objects XML (declared ISO-8859-9, every character checked
  encodable by the translator) for AppendDataObject / CalculateDataObject;
* Netsis: ``NetsisDocument`` — a JSON-able body and the REST call it belongs to.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from integrator.model.entities import Entity
from integrator.model.wire import LOGO_ENCODING, LOGO_ROOTS, NETSIS_RESOURCES, LogoRoot

# what a gateway's read or calculate returns: the record as the ERP exports it (Logo XML text,
# or the ``Data`` of a NetOpenX answer)
ErpData = str | dict[str, Any]


@dataclass(frozen=True, slots=True)
class LogoDocument:
    entity: Entity
    operation: Literal["INS", "UPD"]
    xml: str                 # starts with <?xml version="1.0" encoding="ISO-8859-9"?>
    code: str = ""           # CODE of a card ("" when the ERP assigns it)
    number: str = ""         # NUMBER of a slip ("~": the ERP assigns the next one)
    crm_id: str | None = None  # the CRM quote id a slip carries (DOC_NUMBER)
    # a slip whose every item line carries its price: saved as sent (AppendDataObject with
    # campaigns, conditions and line prices off), the quote's agreed prices stay
    priced: bool = False

    @property
    def wire(self) -> LogoRoot:
        return LOGO_ROOTS[self.entity]

    @property
    def data_type(self) -> int:
        """AppendDataObject dataType (30 AR_AP, 0 ITEM, 3 ORDER_SLIP, 17 DISPATCH)."""
        return LOGO_ROOTS[self.entity].data_type

    @property
    def root(self) -> str:
        return LOGO_ROOTS[self.entity].plural

    @property
    def record(self) -> str:
        return LOGO_ROOTS[self.entity].singular

    def encoded(self) -> bytes:
        """The XML as ISO-8859-9 bytes (always possible: the translator checked every value)."""
        return self.xml.encode(LOGO_ENCODING)


@dataclass(frozen=True, slots=True)
class NetsisDocument:
    entity: Entity
    method: Literal["POST", "PUT"]
    body: dict[str, Any]
    key: str | None = None            # PUT {resource}/{key} (CARI_KOD / STOK_KODU)
    document_type: int | None = None  # FaturaTip of an ItemSlip (7 order, 2 dispatch, 15 quote)
    code: str = ""                    # CARI_KOD / Stok_Kodu of a card ("" when not sent)
    account: str = ""                 # FatUst.CariKod of a document
    crm_id: str | None = None         # the CRM quote id a document carries (EKACK1)

    @property
    def resource(self) -> str:
        """ARPs, Items, ItemSlips."""
        return NETSIS_RESOURCES[self.entity]

    @property
    def path(self) -> str:
        """The route relative to the API base (``api/v2/``); the key is not URL-escaped here."""
        return f"{self.resource}/{self.key}" if self.key is not None else self.resource

    def to_json(self, *, indent: int | None = None) -> str:
        return json.dumps(self.body, ensure_ascii=False, indent=indent)


Document = LogoDocument | NetsisDocument
