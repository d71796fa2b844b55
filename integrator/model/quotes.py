"""What an ERP document made from a CRM quote carries to be found again (F29, N5).

The document is the record of truth: it carries the CRM quote id (Tiger ``DOC_NUMBER`` ->
``DOCODE``, Netsis ``EKACK1`` -> ``TBLFATUEK.ACIK1``) and a **stamp** of the quote it was made
from (Tiger ``DOC_TRACK_NR`` -> ``DOCTRACKINGNR``, Netsis ``EKACK2`` -> ``TBLFATUEK.ACIK2``):
``r<revision>-<fingerprint>``. A transfer that finds a document with its own stamp answers it
again; one that finds another stamp (another revision, other lines) is ``QUOTE_LOCKED``.

The fingerprint covers what the CRM says about the quote — its revision, fields, warehouse, the
account's and each line's product identity (crmId, else code) and the lines' fields — and not
what the service adds (links found or created in the ERP), so a retry after an auto-create has
the same stamp as the first attempt.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from integrator.model.records import CrmRecord

FINGERPRINT_CHARS = 10
LOGO_QUOTE_ID_TAG = "DOC_NUMBER"
LOGO_STAMP_TAG = "DOC_TRACK_NR"
NETSIS_QUOTE_ID_PROP = "EKACK1"
NETSIS_STAMP_PROP = "EKACK2"


def _party(record: CrmRecord | None) -> str:
    if record is None:
        return ""
    return record.crm_id or record.code or record.ref or ""


def _canonical(record: CrmRecord) -> list[Any]:
    return [
        record.crm_id or "", record.revision, record.set_code or "", record.warehouse,
        _party(record.account), sorted(record.fields.items()),
        [[_party(line.product), line.crm_id or "", line.warehouse, sorted(line.fields.items())]
         for line in record.lines],
    ]


def fingerprint(record: CrmRecord) -> str:
    """A short digest of the quote as the CRM sent it (independent of links the service adds)."""
    text = json.dumps(_canonical(record), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:FINGERPRINT_CHARS]


def quote_stamp(record: CrmRecord) -> str:
    """``r<revision>-<fingerprint>`` (at most 21 characters for a revision below 10^9)."""
    return f"r{record.revision if record.revision is not None else 0}-{fingerprint(record)}"


def stamp_revision(stamp: str) -> int | None:
    """The revision a stamp names (None when it is not a stamp of this service)."""
    head = stamp.strip().split("-", 1)[0]
    digits = head[1:]
    return int(digits) if head.startswith("r") and digits.isascii() and digits.isdigit() else None
