"""LogoObjectService wire format (pure: no I/O). research/logo-tiger.md §1-§3.

SOAP 1.1 over HTTP (WCF ``basicHttpBinding``), namespace ``http://tempuri.org/``, contract
``ISvc``, ``SOAPAction: "http://tempuri.org/ISvc/<Operation>"``. Parameters are sent in the WSDL
order seen in real clients (WCF binds operation parameters by position in the body). ``dataXML``
travels as CDATA holding Logo XML declared ``ISO-8859-9``; with ``compress`` it travels as
base64 of the gzip of the document's UTF-8 bytes instead, as real clients send it
(research/quotes.md §1: the service decompresses into a string with UTF-8, so the declaration,
kept as it is, does not decide the bytes), and compressed answers are read as UTF-8.

Answers: ``status == 3`` is success; anything else is a rejection carrying ``errorString``
(SQLSTATE 23000 in it = a duplicate key). A SOAP fault arrives as HTTP 500: a ``Client`` fault
(the service could not take our request, so nothing ran) is a rejection, any other fault or a
bare HTTP error is a server failure, whose meaning depends on whether the call was a write.
"""

from __future__ import annotations

import base64
import gzip
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from lxml import etree
from yarl import URL

from integrator.config import IntegrationSet
from integrator.erp.wire import Reply, Request, looks_duplicate, server_failure
from integrator.errors import BadXml, Detail, ErpDuplicate, ErpRejected, MappingFailed
from integrator.model import Entity, LogoDocument
from integrator.model.wire import LOGO_DECLARATION, LOGO_ROOTS
from integrator.model.xml import local_name as _local
from integrator.model.xml import parse_text, parse_xml

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SERVICE_NS = "http://tempuri.org/"
CONTRACT = "ISvc"
SUCCESS = 3
DUPLICATE_SQLSTATE = "23000"

# paramXML defaults (logedosoft's production set); a set's logo.params override or extend them
DEFAULT_PARAMS: tuple[tuple[str, str], ...] = (
    ("ReplicMode", "0"),
    ("CheckParams", "1"),
    ("CheckRight", "1"),
    ("ApplyCampaign", "1"),
    ("ApplyCondition", "1"),
    ("FillAccCodes", "1"),
    ("FormSeriLotLines", "0"),
    ("GetStockLinePrice", "0"),
    ("ExportAllData", "1"),
    ("Validation", "0"),
    ("CheckApproveDate", "0"),
)
_PARAM_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
# WCF fault codes that mean "the service did not take the request": nothing ran
CLIENT_FAULTS = frozenset({"Client", "DeserializationFailed", "ActionNotSupported",
                           "ContractFilter", "InvalidMessage", "MessageFormat"})


def _parse(data: bytes) -> etree._Element:
    """An answer of the service, with the one hardened parser (``BadXml`` when unreadable)."""
    return parse_xml(data, max_depth=64, huge=True)


# -- the document (translator output) -------------------------------------------------------------
def data_type(entity: Entity) -> int:
    try:
        return LOGO_ROOTS[entity].data_type
    except KeyError:
        raise MappingFailed(f"entity {entity!r} has no LogoObjectService dataType") from None


def check_document(document: object, dbop: str) -> LogoDocument:
    """A translator's typed document fits the operation (no text is parsed again)."""
    if not isinstance(document, LogoDocument):
        raise MappingFailed("a Logo gateway takes a LogoDocument, not "
                            f"{type(document).__name__}")
    if not document.xml.startswith(LOGO_DECLARATION):
        raise MappingFailed(f"a Logo document must start with {LOGO_DECLARATION}")
    if document.operation != dbop:
        raise MappingFailed(f"the Logo document's DBOP is {document.operation!r}; this operation "
                            f"needs {dbop!r}")
    return document


def read_number(data_xml: str) -> tuple[str, str]:
    """CODE and NUMBER of the record in an exported document (ReadDataObject answer)."""
    try:
        root = parse_text(data_xml)
    except BadXml:
        return "", ""
    record = root[0] if len(root) else root
    return (record.findtext("CODE") or "").strip(), (record.findtext("NUMBER") or "").strip()


def compress(document: str) -> str:
    """``dataXML`` for services configured for compressed strings: base64(gzip(UTF-8 text))."""
    packed = gzip.compress(document.encode("utf-8"), mtime=0)
    return base64.b64encode(packed).decode("ascii")


def decompress(text: str) -> str:
    """The inverse of ``compress`` for answers (UTF-8 inside the gzip, whatever the declaration
    says); plain XML passes through unchanged."""
    stripped = text.strip()
    if not stripped or stripped.startswith("<"):
        return text
    try:
        raw = gzip.decompress(base64.b64decode(stripped, validate=True))
    except (ValueError, OSError, EOFError):
        return text
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        # not UTF-8: an installation that compresses the bytes its declaration names
        declared = re.match(rb"\s*<\?xml[^>]*encoding=[\"']([A-Za-z0-9._-]+)[\"']", raw)
        try:
            return raw.decode(declared.group(1).decode() if declared else "utf-8",
                              errors="replace")
        except LookupError:
            return raw.decode("utf-8", errors="replace")


# -- requests ----------------------------------------------------------------------------------
def soap_action(operation: str) -> str:
    return f"{SERVICE_NS}{CONTRACT}/{operation}"


# a slip saved with the prices it carries: the ERP applies no campaign, condition or line price
AS_PRICED: tuple[tuple[str, str], ...] = (("ApplyCampaign", "0"), ("ApplyCondition", "0"),
                                          ("GetStockLinePrice", "0"))


def param_xml(integration_set: IntegrationSet, *, pricing: bool = False,
              priced: bool = False) -> str:
    """``paramXML``: the IData switches (defaults + the set's overrides) and the period; for
    CalculateDataObject (``pricing``) the set's ``price_params`` on top (GetStockLinePrice, ...);
    for a slip that carries its prices (``priced``) campaigns, conditions and line prices off."""
    assert integration_set.logo is not None
    overrides = tuple(integration_set.logo.params.items())
    if pricing:
        overrides += tuple(integration_set.logo.price_params.items())
    elif priced:
        overrides += AS_PRICED
    return _param_xml(integration_set.code, integration_set.period_code, overrides)


@lru_cache(maxsize=256)
def _param_xml(set_code: str, period: str, overrides: tuple[tuple[str, str], ...]) -> str:
    values = dict(DEFAULT_PARAMS)
    for name, value in overrides:
        if not _PARAM_NAME.match(name):
            raise MappingFailed(f"paramXML name {name!r} of set {set_code} is invalid")
        values[name] = value
    values.setdefault("Period", period)
    root = etree.Element("Parameters")
    for name, value in values.items():
        etree.SubElement(root, name).text = value
    return etree.tostring(root, encoding="unicode")


def envelope(operation: str, fields: Sequence[tuple[str, str]],
             cdata: frozenset[str] = frozenset({"dataXML", "paramXML"})) -> bytes:
    """A SOAP 1.1 envelope calling ``operation`` with ``fields`` in the given order."""
    nsmap = {"soapenv": SOAP_NS, "tem": SERVICE_NS}
    env = etree.Element(f"{{{SOAP_NS}}}Envelope", nsmap=nsmap)
    etree.SubElement(env, f"{{{SOAP_NS}}}Header")
    body = etree.SubElement(env, f"{{{SOAP_NS}}}Body")
    call = etree.SubElement(body, f"{{{SERVICE_NS}}}{operation}")
    for name, value in fields:
        element = etree.SubElement(call, f"{{{SERVICE_NS}}}{name}")
        if value and name in cdata and "]]>" not in value:
            element.text = etree.CDATA(value)
        else:
            element.text = value
    return etree.tostring(env, encoding="utf-8")


def _common(integration_set: IntegrationSet) -> list[tuple[str, str]]:
    assert integration_set.logo is not None
    return [
        ("errorString", ""),
        ("status", "0"),
        ("LbsLoadPass", integration_set.logo.lbs_load_pass.get_secret_value()),
        ("FirmNr", str(integration_set.firm)),
        ("securityCode", integration_set.logo.security_code.get_secret_value()),
    ]


def _data_xml(integration_set: IntegrationSet, document: str) -> str:
    assert integration_set.logo is not None
    return compress(document) if integration_set.logo.compress else document


def _request(integration_set: IntegrationSet, operation: str, body: bytes) -> Request:
    assert integration_set.logo is not None
    return Request(
        "POST", URL(integration_set.logo.url),
        {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{soap_action(operation)}"',
         "Accept": "text/xml"},
        body, what=f"LogoObjectService {operation}",
    )


def append_request(integration_set: IntegrationSet, data_type_: int, data_reference: int,
                   document: str, *, operation: str = "AppendDataObject",
                   priced: bool = False) -> Request:
    """AppendDataObject (insert, or update with ``dataReference`` and ``DBOP="UPD"``) and
    CalculateDataObject (same parameters, nothing saved)."""
    fields = [
        ("dataType", str(data_type_)),
        ("dataReference", str(data_reference)),
        ("dataXML", _data_xml(integration_set, document)),
        ("paramXML", param_xml(integration_set, pricing=operation == "CalculateDataObject",
                               priced=priced)),
        *_common(integration_set),
    ]
    return _request(integration_set, operation, envelope(operation, fields))


def calculate_request(integration_set: IntegrationSet, data_type_: int, document: str) -> Request:
    return append_request(integration_set, data_type_, 0, document,
                          operation="CalculateDataObject")


def read_request(integration_set: IntegrationSet, data_type_: int, data_reference: int) -> Request:
    fields = [
        ("dataType", str(data_type_)),
        ("dataReference", str(data_reference)),
        ("dataXML", ""),
        ("paramXML", param_xml(integration_set)),
        *_common(integration_set),
    ]
    return _request(integration_set, "ReadDataObject", envelope("ReadDataObject", fields))


def delete_request(integration_set: IntegrationSet, data_type_: int, data_reference: int) -> Request:
    fields = [("dataType", str(data_type_)), ("dataReference", str(data_reference)),
              *_common(integration_set)]
    return _request(integration_set, "DeleteDataObject", envelope("DeleteDataObject", fields))


def info_request(integration_set: IntegrationSet) -> Request:
    assert integration_set.logo is not None
    fields = [("resultXML", ""),
              ("securityCode", integration_set.logo.security_code.get_secret_value())]
    return _request(integration_set, "getInfo", envelope("getInfo", fields))


# -- answers -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class LogoResult:
    status: int
    data_reference: int = 0
    data_xml: str = ""
    result_xml: str = ""
    error_string: str = ""


def _fault(root: etree._Element) -> tuple[str, str] | None:
    for element in root.iter():
        if _local(element.tag) == "Fault":
            code = ""
            text = ""
            for child in element.iter():
                name = _local(child.tag)
                if name == "faultcode" and not code:
                    code = (child.text or "").strip()
                elif name == "faultstring" and not text:
                    text = (child.text or "").strip()
                elif name == "Value" and not code:  # SOAP 1.2 shape, just in case
                    code = (child.text or "").strip()
            return code, text
    return None


def parse_answer(operation: str, reply: Reply, *, write: bool) -> LogoResult:
    """Read a LogoObjectService answer; raise the classified error unless ``status == 3``."""
    root: etree._Element | None
    try:
        root = _parse(reply.body) if reply.body.strip() else None
    except BadXml:
        root = None
    fault = _fault(root) if root is not None else None
    if fault is not None:
        code, text = fault
        local = code.rsplit(":", 1)[-1]
        if local in CLIENT_FAULTS:
            raise ErpRejected(f"LogoObjectService refused the {operation} request ({code})",
                              details=[Detail(text or code, "erp")])
        raise server_failure(f"LogoObjectService failed on {operation} with a SOAP fault ({code})",
                             write=write, detail=text or None)
    if reply.status != 200:
        raise server_failure(f"LogoObjectService answered {operation} with HTTP {reply.status}",
                             write=write, status=reply.status)
    if root is None:
        raise server_failure(f"LogoObjectService answered {operation} with something that is not "
                             "SOAP", write=write)
    answer = None
    for element in root.iter():
        if _local(element.tag) == f"{operation}Response":
            answer = element
            break
    if answer is None:
        raise server_failure(f"LogoObjectService's answer has no {operation}Response", write=write)
    values: dict[str, str] = {}
    for child in answer:
        values.setdefault(_local(child.tag), child.text or "")
    if operation == "getInfo":
        result = values.get("resultXML") or values.get("getInfoResult") or ""
        return LogoResult(SUCCESS, result_xml=decompress(result))
    status_text = values.get("status", "").strip()
    try:
        status = int(status_text)
    except ValueError:
        raise server_failure(f"LogoObjectService's {operation} answer has no status", write=write,
                             detail=status_text or None) from None
    error_string = values.get("errorString", "").strip()
    if status != SUCCESS:
        raise rejection(operation, status, error_string)
    reference_text = values.get("dataReference", "").strip()
    digits = reference_text.lstrip("-")
    return LogoResult(
        status,
        data_reference=int(reference_text) if digits.isascii() and digits.isdigit() else 0,
        data_xml=decompress(values.get("dataXML", "")),
        result_xml=decompress(values.get("resultXML", "")),
        error_string=error_string,
    )


def rejection(operation: str, status: int, error_string: str) -> ErpRejected:
    """A refusal; on AppendDataObject (insert or update) SQLSTATE 23000 from a duplicate key is
    ``ErpDuplicate``."""
    text = error_string or f"status {status} without an errorString"
    detail = [Detail(text, "erp")]
    if operation == "AppendDataObject" and looks_duplicate(error_string):
        return ErpDuplicate(f"Logo refused {operation}: the record already exists (SQLSTATE "
                            f"{DUPLICATE_SQLSTATE})", details=detail)
    return ErpRejected(f"Logo refused {operation} (status {status})", details=detail)


def parse_info(result_xml: str) -> dict[str, str]:
    """``getInfo``'s resultXML -> its leaf values (LogoObjectsVersion, ServiceVersion, FirmNr)."""
    if not result_xml.strip():
        return {}
    try:
        root = parse_text(result_xml)
    except BadXml:
        return {"info": result_xml[:200]}
    values: dict[str, str] = {}
    for element in root.iter():
        if len(element) == 0 and element.text and element.text.strip():
            values[_local(element.tag)] = element.text.strip()
    return values
