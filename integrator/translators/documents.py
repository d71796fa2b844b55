"""What the translators hand to the ERP gateways (agreed with the gateway side):

* Tiger/Go: ``LogoDocument`` — the Logo XML as text (declared ISO-8859-9, every character
  encodable) plus its ``dataType`` for AppendDataObject;
* Netsis: ``NetsisDocument`` — a JSON-able body plus the REST call it belongs to.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from integrator.translators.values import LOGO_ENCODING


@dataclass(frozen=True, slots=True)
class LogoDocument:
    data_type: int          # AppendDataObject dataType (30 AR_AP, 0 ITEM, 3 ORDER_SLIP, 17 DISPATCH)
    root: str               # AR_APS, ITEMS, SALES_ORDERS, SALES_DISPATCHES
    record: str             # AR_AP, ITEM, ORDER_SLIP, DISPATCH
    operation: Literal["INS", "UPD"]
    xml: str                # starts with <?xml version="1.0" encoding="ISO-8859-9"?>

    def encoded(self) -> bytes:
        """The XML as ISO-8859-9 bytes (always possible: the translator checked every value)."""
        return self.xml.encode(LOGO_ENCODING)


@dataclass(frozen=True, slots=True)
class NetsisDocument:
    resource: str                     # ARPs, Items, ItemSlips
    method: Literal["POST", "PUT"]
    body: dict[str, Any]
    key: str | None = None            # PUT {resource}/{key} (CARI_KOD / STOK_KODU)
    document_type: int | None = None  # FaturaTip of an ItemSlip (7 order, 2 dispatch, 15 quote)

    @property
    def path(self) -> str:
        """The route relative to the API base (``api/v2/``); the key is not URL-escaped here."""
        return f"{self.resource}/{self.key}" if self.key is not None else self.resource

    def to_json(self, *, indent: int | None = None) -> str:
        return json.dumps(self.body, ensure_ascii=False, indent=indent)


Document = LogoDocument | NetsisDocument
