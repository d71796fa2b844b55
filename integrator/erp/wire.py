"""What the sans-I/O protocol modules and the transport exchange (pure: no aiohttp here), and the
answer rules both ERP families share."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from yarl import URL

from integrator.errors import Detail, ErpCommitUncertain, ErpUnavailable, IntegratorError


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP request to an ERP (built by a protocol module, sent by ``transport.exchange``)."""

    method: str
    url: URL
    headers: Mapping[str, str] = field(repr=False)  # may carry a bearer token
    body: bytes | None = field(default=None, repr=False)  # may carry a password or securityCode
    what: str = ""  # "LogoObjectService AppendDataObject", for messages (never holds secrets)


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)


# a gateway (proxy) in front of the ERP answered for it: the ERP may still be working on the call
GATEWAY_STATUSES = frozenset({502, 504})


def server_failure(message: str, *, write: bool, detail: str | None = None,
                   status: int | None = None) -> IntegratorError:
    """The ERP service failed while handling the call: for a write its outcome is unknown (and,
    when a gateway answered for the ERP — ``status`` 502/504 — the write may still land)."""
    details = [Detail(detail, "erp")] if detail else []
    if write:
        return ErpCommitUncertain(message + "; the ERP may have saved the record", details=details,
                                  in_flight=status in GATEWAY_STATUSES)
    return ErpUnavailable(message, details=details)


# SQLSTATE 23000 is the whole "integrity constraint violation" class: a duplicate key (SQL Server
# native 2627 primary key / 2601 unique index) but also a foreign key (547), a NULL (515) or a
# CHECK violation. Only the duplicate lets the API layer link the existing record.
_DUPLICATE = re.compile(r"(?i)\b23000\b|\b2627\b|\b2601\b|duplicate key")
_OTHER_INTEGRITY = re.compile(r"(?i)reference constraint|foreign key|check constraint|"
                              r"cannot insert the value null|\b547\b|\b515\b")


def looks_duplicate(text: str) -> bool:
    """Does an ERP error text report a duplicate key (SQLSTATE 23000 and not another integrity
    violation)?"""
    return bool(_DUPLICATE.search(text)) and not _OTHER_INTEGRITY.search(text)
