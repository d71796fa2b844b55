"""NetOpenX REST wire format (pure: no I/O). research/netsis.md §1.

* ``POST {base}token``, form-encoded resource-owner password grant (``grant_type=password``,
  ``branchcode``, ``username``, ``password``, ``dbname``, ``dbuser``, ``dbpassword``,
  ``dbtype=0`` = MSSQL); answer ``access_token`` + ``expires_in``. An expired or unknown token is
  HTTP 401 ``Authorization has been denied for this request.``
* Every other answer is the ``TResult`` envelope ``{IsSuccessful, ErrorCode, ErrorDesc, Message,
  Data}``; business errors come back as HTTP 200 with ``IsSuccessful: false``.
* Cards: ``ARPs`` (id = CARI_KOD), ``Items`` (id = STOK_KODU). Documents: ``ItemSlips`` with
  ``FaturaTip`` 7 (order, ftSSip), 2 (dispatch, ftSIrs), 15 (quote, ftSatTeklif), addressed by
  ``{type};{FATIRS_NO};{CARI_KOD}`` with each part URL-escaped on its own.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlencode

from pydantic import SecretStr
from yarl import URL

from integrator.config import IntegrationSet
from integrator.erp.wire import Reply, Request, looks_duplicate, server_failure
from integrator.errors import Detail, ErpDuplicate, ErpRejected, MappingFailed, ValidationFailed
from integrator.model import CardEntity, DocumentEntity, ErpCredentials, ErpKey, NetsisDocument
from integrator.model.entities import is_document
from integrator.model.numbers import plain_decimal_text
from integrator.model.wire import (
    FATURA_TIP,
    NETSIS_CARD_KEYS,
    NETSIS_CARD_RESOURCES,
    NETSIS_DOC_TYPES,
)

DENIED = "Authorization has been denied for this request."
DBTYPE_MSSQL = "0"
# ARPs/Risk RiskTipi (JTCariRiskTipi): crtToplam = 12 is the total risk
RISK_TOTAL = 12


# -- small helpers -------------------------------------------------------------------------------
def fatura_tip(value: Any) -> int | None:
    """A ``FaturaTip`` as the server binds it: the enum value or its name."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value < len(FATURA_TIP) else None
    if isinstance(value, str):
        if value.isascii() and value.isdigit():
            return fatura_tip(int(value))
        lowered = [name.lower() for name in FATURA_TIP]
        if value.lower() in lowered:
            return lowered.index(value.lower())
    return None


def prop(data: Mapping[str, Any], name: str) -> Any:
    """A JSON property, matched case-insensitively (the server binds that way)."""
    if name in data:
        return data[name]
    lowered = name.lower()
    for key, value in data.items():
        if key.lower() == lowered:
            return value
    return None


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        as_float = float(value)
        if Decimal(repr(as_float)) == value:
            return as_float
        return str(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


def json_body(payload: Mapping[str, Any]) -> bytes:
    try:
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":"),
                          default=_json_default).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise MappingFailed("the Netsis payload is not JSON-serialisable",
                            details=[Detail(str(exc), "input")]) from None


def parse_decimal(text: str) -> Decimal:
    """A number as NetOpenX writes it in a string: ``1234.5``, ``1234,5`` or ``1.234,50``."""
    value = plain_decimal_text(text)
    if not value:
        raise ErpRejected("NetOpenX answered something that is not a number",
                          details=[Detail(text[:100], "erp")])
    return Decimal(value)


# -- URLs ---------------------------------------------------------------------------------------------
def base_url(integration_set: IntegrationSet) -> str:
    assert integration_set.netsis is not None
    url = integration_set.netsis.url
    return url if url.endswith("/") else url + "/"


def url(integration_set: IntegrationSet, *segments: str) -> URL:
    """``{base}`` + segments, each URL-escaped on its own (so ``/`` in a code stays data)."""
    path = "/".join(quote(segment, safe="") for segment in segments)
    return URL(base_url(integration_set) + path, encoded=True)


def slip_id(entity: DocumentEntity, number: str, account: str) -> str:
    """The 3-part document id ``{type};{FATIRS_NO};{CARI_KOD}``, each part URL-escaped."""
    kind = FATURA_TIP[NETSIS_DOC_TYPES[entity]]
    return ";".join(quote(part, safe="") for part in (kind, number, account))


def slip_url(integration_set: IntegrationSet, entity: DocumentEntity, key: ErpKey) -> URL:
    number = key.number or key.ref
    if not number:
        raise ValidationFailed(f"a Netsis {entity} is addressed by its FATIRS_NO; none given")
    return URL(base_url(integration_set) + "ItemSlips/" + slip_id(entity, number, key.account),
               encoded=True)


# -- requests ------------------------------------------------------------------------------------
def _json_headers(token: SecretStr | None, *, body: bool = True) -> dict[str, str]:
    headers = {"Accept": "application/json"}
    if body:
        headers["Content-Type"] = "application/json; charset=utf-8"
    if token is not None:
        headers["Authorization"] = f"Bearer {token.get_secret_value()}"
    return headers


def token_form(integration_set: IntegrationSet, credentials: ErpCredentials) -> list[tuple[str, str]]:
    service = integration_set.netsis
    assert service is not None
    return [
        ("grant_type", "password"),
        ("branchcode", str(integration_set.branch)),
        ("username", credentials.user),
        ("password", credentials.password.get_secret_value()),
        ("dbname", service.dbname),
        ("dbuser", service.dbuser),
        ("dbpassword", service.dbpassword.get_secret_value()),
        ("dbtype", DBTYPE_MSSQL),
    ]


def token_request(integration_set: IntegrationSet, credentials: ErpCredentials) -> Request:
    body = urlencode(token_form(integration_set, credentials)).encode("ascii")
    return Request("POST", url(integration_set, "token"),
                   {"Content-Type": "application/x-www-form-urlencoded",
                    "Accept": "application/json"},
                   body, what="NetOpenX token")


def card_create_request(integration_set: IntegrationSet, token: SecretStr, entity: CardEntity,
                        payload: Mapping[str, Any]) -> Request:
    resource = NETSIS_CARD_RESOURCES[entity]
    return Request("POST", url(integration_set, resource), _json_headers(token),
                   json_body(payload), what=f"NetOpenX POST {resource}")


def card_update_request(integration_set: IntegrationSet, token: SecretStr, entity: CardEntity, code: str,
                        payload: Mapping[str, Any]) -> Request:
    resource = NETSIS_CARD_RESOURCES[entity]
    return Request("PUT", url(integration_set, resource, code), _json_headers(token),
                   json_body(payload), what=f"NetOpenX PUT {resource}")


def card_read_request(integration_set: IntegrationSet, token: SecretStr, entity: CardEntity,
                      code: str) -> Request:
    resource = NETSIS_CARD_RESOURCES[entity]
    return Request("GET", url(integration_set, resource, code), _json_headers(token, body=False),
                   what=f"NetOpenX GET {resource}")


def card_delete_request(integration_set: IntegrationSet, token: SecretStr, entity: CardEntity,
                        code: str) -> Request:
    resource = NETSIS_CARD_RESOURCES[entity]
    return Request("DELETE", url(integration_set, resource, code), _json_headers(token, body=False),
                   what=f"NetOpenX DELETE {resource}")


def slip_create_request(integration_set: IntegrationSet, token: SecretStr,
                        payload: Mapping[str, Any]) -> Request:
    return Request("POST", url(integration_set, "ItemSlips"), _json_headers(token),
                   json_body(payload), what="NetOpenX POST ItemSlips")


def slip_update_request(integration_set: IntegrationSet, token: SecretStr, entity: DocumentEntity,
                        key: ErpKey, payload: Mapping[str, Any]) -> Request:
    return Request("PUT", slip_url(integration_set, entity, key), _json_headers(token),
                   json_body(payload), what="NetOpenX PUT ItemSlips")


def slip_read_request(integration_set: IntegrationSet, token: SecretStr, entity: DocumentEntity,
                      key: ErpKey) -> Request:
    return Request("GET", slip_url(integration_set, entity, key), _json_headers(token, body=False),
                   what="NetOpenX GET ItemSlips")


def slip_delete_request(integration_set: IntegrationSet, token: SecretStr, entity: DocumentEntity,
                        key: ErpKey) -> Request:
    return Request("DELETE", slip_url(integration_set, entity, key), _json_headers(token, body=False),
                   what="NetOpenX DELETE ItemSlips")


def calculate_request(integration_set: IntegrationSet, token: SecretStr,
                      payload: Mapping[str, Any]) -> Request:
    return Request("POST", url(integration_set, "ItemSlips", "Calculate"), _json_headers(token),
                   json_body(payload), what="NetOpenX ItemSlips/Calculate")


def new_number_request(integration_set: IntegrationSet, token: SecretStr, entity: DocumentEntity,
                       series: str) -> Request:
    body = {"DocumentType": NETSIS_DOC_TYPES[entity], "Code": series}
    return Request("POST", url(integration_set, "ItemSlips", "NewNumber"), _json_headers(token),
                   json_body(body), what="NetOpenX ItemSlips/NewNumber")


def risk_request(integration_set: IntegrationSet, token: SecretStr, account: str, *,
                 risk_type: int = RISK_TOTAL, on: date | None = None) -> Request:
    body: dict[str, Any] = {"CariKodu": account, "RiskTipi": risk_type,
                            "OrtakGruplarKumule": False}
    if on is not None:
        body["Tarih"] = on.isoformat()
    return Request("POST", url(integration_set, "ARPs", "Risk"), _json_headers(token),
                   json_body(body), what="NetOpenX ARPs/Risk")


def ping_request(integration_set: IntegrationSet) -> Request:
    return Request("GET", url(integration_set, "public", "Ping"), {"Accept": "application/json"},
                   what="NetOpenX public/Ping")


# -- document checks ------------------------------------------------------------------------------
def check_document(document: object, method: str) -> NetsisDocument:
    """A translator's typed document fits the call: its kind, method and, for an ItemSlip, the
    FaturaTip of its body (no text is parsed; the fields say what the translator built)."""
    if not isinstance(document, NetsisDocument):
        raise MappingFailed("a Netsis gateway takes a NetsisDocument, not "
                            f"{type(document).__name__}")
    if document.method != method:
        raise MappingFailed(f"the Netsis document is a {document.method}; this call sends a "
                            f"{method}")
    entity = document.entity
    if is_document(entity):
        expected = NETSIS_DOC_TYPES[entity]
        found = fatura_tip(prop(document.body, "FaturaTip"))
        if found != expected:
            raise MappingFailed(f"a Netsis {entity} is FaturaTip {expected} "
                                f"({FATURA_TIP[expected]}); the document says "
                                f"{prop(document.body, 'FaturaTip')!r}")
        if not document.account:
            raise MappingFailed("FatUst.CariKod (the account of the document) is missing")
    return document


# -- answers -------------------------------------------------------------------------------------
class TokenRefused(Exception):
    """HTTP 401: the token is expired or unknown. The request was not processed."""


@dataclass(frozen=True, slots=True)
class Token:
    access_token: SecretStr
    expires_in: float


def _json(reply: Reply) -> Any:
    try:
        return json.loads(reply.body.decode("utf-8-sig")) if reply.body.strip() else None
    except (UnicodeDecodeError, ValueError):
        return None


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def parse_token(reply: Reply) -> Token:
    data = _json(reply)
    if reply.status == 200 and isinstance(data, dict) and _text(data.get("access_token")):
        try:
            lifetime = float(data.get("expires_in") or 0)
        except (TypeError, ValueError):
            lifetime = 0.0
        return Token(SecretStr(data["access_token"]), lifetime)
    if reply.status >= 500:
        raise server_failure(f"NetOpenX failed to issue a token (HTTP {reply.status})", write=False)
    description = ""
    if isinstance(data, dict):
        description = _text(data.get("error_description")) or _text(data.get("error")) \
            or _text(data.get("Message"))
    raise ErpRejected("NetOpenX refused the login (token)",
                      details=[Detail(description or f"HTTP {reply.status}", "erp")])


def _business_error(operation: str, data: Mapping[str, Any]) -> ErpRejected:
    code = _text(str(data.get("ErrorCode") or ""))
    text = _text(data.get("ErrorDesc")) or _text(data.get("Message")) or "no ErrorDesc"
    details = [Detail(f"{code}: {text}" if code else text, "erp")]
    if operation.startswith(("create_", "update_")) and looks_duplicate(f"{code} {text}"):
        return ErpDuplicate(f"Netsis refused {operation}: the record already exists",
                            details=details)
    return ErpRejected(f"Netsis refused {operation}", details=details)


def parse_envelope(operation: str, reply: Reply, *, write: bool) -> Any:
    """The ``Data`` of a successful answer; raise the classified error otherwise."""
    if reply.status == 401:
        raise TokenRefused(operation)
    data = _json(reply)
    if reply.status >= 500:
        detail = None
        if isinstance(data, dict):
            detail = _text(data.get("ExceptionMessage")) or _text(data.get("ErrorDesc")) \
                or _text(data.get("Message")) or None
        raise server_failure(f"NetOpenX failed on {operation} (HTTP {reply.status})", write=write,
                             detail=detail, status=reply.status)
    if isinstance(data, dict) and "IsSuccessful" in data:
        if data.get("IsSuccessful") is True:
            return data.get("Data")
        raise _business_error(operation, data)
    if 200 <= reply.status < 300:
        if reply.status == 204 or data is not None:
            return data
        raise server_failure(f"NetOpenX answered {operation} with something that is not JSON",
                             write=write)
    message = _text(data.get("Message")) if isinstance(data, dict) else ""
    raise ErpRejected(f"NetOpenX refused {operation} (HTTP {reply.status})",
                      details=[Detail(message or f"HTTP {reply.status}", "erp")])


def card_key(entity: CardEntity, data: Any, sent_code: str) -> ErpKey:
    section_name, key_name = NETSIS_CARD_KEYS[entity]
    code = ""
    if isinstance(data, Mapping):
        section = prop(data, section_name)
        if isinstance(section, Mapping):
            code = str(prop(section, key_name) or "").strip()
    code = code or sent_code
    if not code:
        raise ErpRejected(f"NetOpenX saved the {entity} but did not say its code")
    return ErpKey(code, code=code)


def slip_key(data: Any, account: str) -> ErpKey:
    number = ""
    if isinstance(data, Mapping):
        header = prop(data, "FatUst")
        if isinstance(header, Mapping):
            number = str(prop(header, "FATIRS_NO") or "").strip()
            account = str(prop(header, "CariKod") or account).strip()
    if not number:
        raise ErpRejected("NetOpenX saved the document but did not say its FATIRS_NO")
    return ErpKey(number, number=number, account=account)


def parse_number(data: Any) -> str:
    if isinstance(data, str) and data.strip():
        return data.strip()
    raise ErpRejected("NetOpenX did not return a document number",
                      details=[Detail(repr(data)[:100], "erp")])


def parse_risk(data: Any) -> Decimal:
    if isinstance(data, int | float) and not isinstance(data, bool):
        return Decimal(str(data))
    if isinstance(data, str) and data.strip():
        return parse_decimal(data)
    raise ErpRejected("NetOpenX did not return a risk figure",
                      details=[Detail(repr(data)[:100], "erp")])
