"""The quote's stamp (F29, N5): its fingerprint is the SHA-256 of one canonical JSON text of the
quote, which must never change for the same quote (a document in the ERP carries it, and a
retry after an upgrade must find its own stamp, not ``QUOTE_LOCKED``)."""

from __future__ import annotations

import hashlib
import json
from types import MappingProxyType
from typing import Any

from integrator.model import CrmRecord
from integrator.model.quotes import fingerprint, quote_stamp


def test_a_known_quote_keeps_its_stamp_f29() -> None:
    """A quote's stamp, pinned: Turkish text, a quote character, a line without a product."""
    quote = CrmRecord(
        "Quote", crm_id="Q-1", revision=3, set_code="MERKEZ", warehouse=2,
        fields=MappingProxyType({"Notes": 'Teslimat "öğleden" önce', "Date": "2026-11-30"}),
        account=CrmRecord("Account", crm_id="F-1", code="120.01"),
        lines=(CrmRecord("Line", crm_id="L1", product=CrmRecord("Product", code="ÇAY.00041"),
                         fields=MappingProxyType({"Quantity": "12", "Unit": "ADET"})),
               CrmRecord("Line", crm_id=None, fields=MappingProxyType({"Quantity": "1"}))))
    canonical: list[Any] = [
        "Q-1", 3, "MERKEZ", 2, "F-1", [["Date", "2026-11-30"], ["Notes", 'Teslimat "öğleden" önce']],
        [["ÇAY.00041", "L1", None, [["Quantity", "12"], ["Unit", "ADET"]]],
         ["", "", None, [["Quantity", "1"]]]]]
    text = json.dumps(canonical, ensure_ascii=False, separators=(",", ":"))
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]
    assert fingerprint(quote) == digest
    assert quote_stamp(quote) == f"r3-{digest}" == "r3-2cd973f6fb"
