"""One exception tree for every error the service reports (SPEC §5).

Each class carries its stable ``code``, the HTTP ``status`` and whether a retry is safe. Code that
detects a problem raises the matching class; the API layer renders it as the XML error body
(``integrator.api.render``, ``integrator.api.middlewares``). This module imports nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

DetailSource = Literal["erp", "sql", "input"]


@dataclass(frozen=True, slots=True)
class Detail:
    """One detail line of an error: where it came from, and optionally a field path or line."""

    text: str
    source: DetailSource = "input"
    path: str | None = None
    line: int | None = None


@dataclass(frozen=True, slots=True)
class CreatedLink:
    """A record the service created in the ERP before the error happened (a quote transfer's
    auto-created account or product, F15/F22): the CRM can store the link even so."""

    entity: str
    crm_id: str
    ref: str
    code: str
    created: bool = True  # False: it existed already (an earlier attempt of the same request)


class IntegratorError(Exception):
    code: ClassVar[str] = "INTERNAL"
    status: ClassVar[int] = 500
    retryable: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        details: Sequence[Detail] = (),
        detail: str | None = None,
        source: DetailSource = "input",
    ) -> None:
        super().__init__(message)
        self.message = message
        items = list(details)
        if detail is not None:
            items.append(Detail(detail, source))
        self.details: tuple[Detail, ...] = tuple(items)
        self.links: tuple[CreatedLink, ...] = ()
        # what the answer body carries besides the message (a blocked check's per-line result);
        # the API layer renders the kinds it knows
        self.payload: object | None = None

    def with_links(self, links: Sequence[CreatedLink]) -> IntegratorError:
        """The same error, carrying the links created before it (returned for ``raise``)."""
        self.links = tuple(links)
        return self

    def __str__(self) -> str:
        return self.message


# -- input -------------------------------------------------------------------------------------
class BadXml(IntegratorError):
    code, status = "BAD_XML", 400


class ValidationFailed(IntegratorError):
    code, status = "VALIDATION", 400


class SqlRejected(IntegratorError):
    code, status = "SQL_REJECTED", 400


class MappingFailed(IntegratorError):
    code, status = "MAPPING", 422


# -- caller and session ------------------------------------------------------------------------
class Unauthenticated(IntegratorError):
    code, status = "UNAUTHENTICATED", 401


class SessionExpired(IntegratorError):
    code, status = "SESSION_EXPIRED", 401


class Forbidden(IntegratorError):
    code, status = "FORBIDDEN", 403


class NotFound(IntegratorError):
    code, status = "NOT_FOUND", 404


class MethodNotAllowed(IntegratorError):
    code, status = "METHOD_NOT_ALLOWED", 405


class UnsupportedMediaType(IntegratorError):
    """A body that is not declared as XML (``Content-Type``) on a route that reads XML."""

    code, status = "UNSUPPORTED_MEDIA_TYPE", 415


# -- business conflicts ------------------------------------------------------------------------
class SetMismatch(IntegratorError):
    code, status = "SET_MISMATCH", 409


class QuoteLocked(IntegratorError):
    code, status = "QUOTE_LOCKED", 409


class StockBlocked(IntegratorError):
    code, status = "STOCK_BLOCKED", 409


class RiskBlocked(IntegratorError):
    code, status = "RISK_BLOCKED", 409


# -- the ERP and its database ------------------------------------------------------------------
class ErpRejected(IntegratorError):
    """The ERP answered and said no (its own message goes into a Detail with source="erp")."""

    code, status = "ERP_REJECTED", 422


class ErpDuplicate(ErpRejected):
    """The ERP refused a record because its key already exists (Logo: SQLSTATE 23000 in
    ``errorString``; Netsis: a duplicate-key error). Same code as ERP_REJECTED, but the API layer
    can recognise it (``isinstance``) to link the existing record when the set says
    ``on_duplicate: link``."""

    duplicate: ClassVar[bool] = True


class ErpUnavailable(IntegratorError):
    """The ERP could not be reached or refused service; the request did not take effect."""

    code, status, retryable = "ERP_UNAVAILABLE", 503, True


class ErpTimeout(IntegratorError):
    """A call that changes nothing (read, calculate, ping) timed out; retrying is safe."""

    code, status, retryable = "ERP_TIMEOUT", 504, True


class ErpCommitUncertain(IntegratorError):
    """A write was sent and its outcome is unknown; a retry reconciles instead of writing again.

    ``in_flight``: whether the write may still land in the ERP after this answer — true when no
    answer came (a timeout, a connection lost after sending) or a gateway in front of the ERP gave
    up waiting for it (HTTP 502/504); false when the ERP's own server answered a failure, after
    which a lookup of the record tells for sure."""

    code, status, retryable = "ERP_COMMIT_UNCERTAIN", 504, True

    def __init__(self, message: str, *, details: Sequence[Detail] = (), detail: str | None = None,
                 source: DetailSource = "input", in_flight: bool = True) -> None:
        super().__init__(message, details=details, detail=detail, source=source)
        self.in_flight = in_flight


class DbUnavailable(IntegratorError):
    code, status, retryable = "DB_UNAVAILABLE", 503, True


class StoreUnavailable(IntegratorError):
    """The shared store (Redis) cannot be reached; nothing was changed."""

    code, status, retryable = "STORE_UNAVAILABLE", 503, True


class Internal(IntegratorError):
    code, status = "INTERNAL", 500


ALL_ERRORS: tuple[type[IntegratorError], ...] = (
    BadXml,
    ValidationFailed,
    SqlRejected,
    MappingFailed,
    Unauthenticated,
    SessionExpired,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    UnsupportedMediaType,
    SetMismatch,
    QuoteLocked,
    StockBlocked,
    RiskBlocked,
    ErpRejected,
    ErpUnavailable,
    ErpTimeout,
    ErpCommitUncertain,
    DbUnavailable,
    StoreUnavailable,
    Internal,
)
