"""LogoObjectService simulator: SOAP 1.1 (WCF basicHttpBinding) over the Tiger demo database.

Operations AppendDataObject, ReadDataObject, DeleteDataObject, CalculateDataObject and getInfo
at ``/LogoObjectService/Service`` (research/logo-tiger.md §1). Every answer follows the service:
HTTP 200 with ``status`` 3 (done) or 4 (refused, ``errorString`` says why), a SOAP fault with
HTTP 500 when the service itself fails (or cannot take the message), HTTP 415 for a wrong content
type and 400 for a body that is not XML. Faults can be injected per operation (simulators.faults).

Compressed ``dataXML`` (research/quotes.md §1): real clients gzip the UTF-8 text and base64 it, so
a compressed dataXML is decoded as UTF-8 whatever its XML declaration says (bytes that are not
UTF-8 become U+FFFD, as .NET's ``Encoding.UTF8`` does), then parsed as text. The answer's dataXML
is compressed the same way (UTF-8, declaration kept as Logo exports it) when the request's dataXML
was compressed or the service is configured to compress (``compressed_answers``).

Test hook (not part of LogoObjectService): ``POST /_sim/ship`` ships part of an order, see
simulators.logo.shipping for the request and answer; 200 with the answer, 404 when the order or a
line does not exist, 409 with ``{"error": ...}`` when the ERP would refuse, 400 for a bad body.
"""

from __future__ import annotations

import base64
import gzip
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from lxml import etree

from simulators import db
from simulators.faults import Counters, Fault, Faults, control_routes, fault_middleware
from simulators.logo.model import LogoError, TigerModel
from simulators.logo.shipping import OrderNotFound, ship_order
from simulators.shipping import ship_route

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SERVICE_NS = "http://tempuri.org/"
DISPATCHER_NS = "http://schemas.microsoft.com/net/2005/12/windowscommunicationfoundation/dispatcher"
OPERATIONS = ("AppendDataObject", "ReadDataObject", "DeleteDataObject", "CalculateDataObject",
              "getInfo")
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


@dataclass
class LogoSimConfig:
    db_path: Path
    security_code: str = "6f1f3c2e-0d7a-4c55-9a8e-1d2b3c4d5e6f"
    firm: int = 1
    period: int = 1
    lbs_load_pass: str = ""
    path: str = "/LogoObjectService/Service"
    compressed_answers: bool = False  # answer dataXML as base64(gzip), like a compressing install
    versions: dict[str, str] = field(default_factory=lambda: {
        "LogoObjectsVersion": "030700", "ServiceVersion": "3.07.00.00"})


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           huge_tree=True, remove_comments=True, remove_pis=True)


def _local(tag: Any) -> str:
    return str(tag).rsplit("}", 1)[-1]


def parse_logo_xml(text: str) -> tuple[etree._Element, bool]:
    """Logo XML from a SOAP string: plain text (any declaration) or base64 of the gzip of UTF-8
    text; and whether it came compressed."""
    stripped = text.strip()
    compressed = bool(stripped) and not stripped.startswith("<")
    if compressed:
        try:
            raw = gzip.decompress(base64.b64decode(stripped, validate=True))
        except (ValueError, OSError, EOFError):
            raise LogoError("dataXML çözülemedi (ne XML ne de sıkıştırılmış XML)") from None
        stripped = raw.decode("utf-8", errors="replace").lstrip("\ufeff").strip()
    if not stripped:
        raise LogoError("dataXML boş")
    try:
        document = etree.fromstring(_DECLARATION.sub("", stripped, count=1).encode("utf-8"),
                                    _parser())
    except etree.XMLSyntaxError as exc:
        raise LogoError(f"dataXML okunamadı: {exc.msg}") from None
    return document, compressed


def compress(text: str) -> str:
    """dataXML as a compressing client sends it: base64 of the gzip of the UTF-8 text."""
    return base64.b64encode(gzip.compress(text.encode("utf-8"), mtime=0)).decode("ascii")


def _params(text: str) -> dict[str, str]:
    if not text.strip():
        return {}
    try:
        root = etree.fromstring(_DECLARATION.sub("", text.strip(), count=1).encode("utf-8"),
                                _parser())
    except etree.XMLSyntaxError as exc:
        raise LogoError(f"paramXML okunamadı: {exc.msg}") from None
    return {_local(child.tag): (child.text or "").strip() for child in root
            if isinstance(child.tag, str)}


def envelope(operation: str, values: list[tuple[str, str]]) -> bytes:
    env = etree.Element(f"{{{SOAP_NS}}}Envelope", nsmap={"s": SOAP_NS})
    body = etree.SubElement(env, f"{{{SOAP_NS}}}Body")
    answer = etree.SubElement(body, f"{{{SERVICE_NS}}}{operation}Response",
                              nsmap={None: SERVICE_NS})
    for name, value in values:
        etree.SubElement(answer, f"{{{SERVICE_NS}}}{name}").text = value
    return etree.tostring(env, encoding="utf-8")


def fault_envelope(code: str, text: str) -> bytes:
    env = etree.Element(f"{{{SOAP_NS}}}Envelope", nsmap={"s": SOAP_NS})
    body = etree.SubElement(env, f"{{{SOAP_NS}}}Body")
    fault = etree.SubElement(body, f"{{{SOAP_NS}}}Fault")
    code_element = etree.SubElement(fault, "faultcode", nsmap={"a": DISPATCHER_NS})
    code_element.text = code
    string = etree.SubElement(fault, "faultstring")
    string.set("{http://www.w3.org/XML/1998/namespace}lang", "tr-TR")
    string.text = text
    return etree.tostring(env, encoding="utf-8")


def _xml(body: bytes, status: int = 200) -> web.Response:
    return web.Response(body=body, status=status, content_type="text/xml", charset="utf-8")


class LogoSimulator:
    """One simulated LogoObjectService: config, database, faults and counters."""

    def __init__(self, config: LogoSimConfig) -> None:
        self.config = config
        self.faults = Faults()
        self.counters = Counters()
        self._model: TigerModel | None = None

    @property
    def model(self) -> TigerModel:
        if self._model is None:
            conn = db.connect(self.config.db_path)
            db.ensure_additions(conn, "tiger")
            self._model = TigerModel(conn, firm=self.config.firm)
        return self._model

    def close(self) -> None:
        if self._model is not None:
            self._model.conn.close()
            self._model = None

    # -- SOAP --------------------------------------------------------------------------------
    def route_of(self, request: web.Request) -> str | None:
        if request.path != self.config.path or request.method != "POST":
            return None
        action = request.headers.get("SOAPAction", "").strip().strip('"')
        return action.rsplit("/", 1)[-1] or "unknown"

    async def render_fault(self, request: web.Request, route: str, fault: Fault) \
            -> web.StreamResponse:
        if fault.kind == "http_500":
            return web.Response(status=500, content_type="text/html",
                                text="<html><body><h1>500 Internal Server Error</h1></body></html>")
        if fault.kind == "soap_fault":
            return _xml(fault_envelope("a:InternalServiceFault", fault.message), 500)
        return _xml(envelope(route, [("errorString", fault.message), ("status", "4")]))

    async def handle(self, request: web.Request) -> web.StreamResponse:
        content_type = request.headers.get("Content-Type", "")
        if not content_type.lower().startswith("text/xml"):
            return web.Response(status=415, text=(
                f"Cannot process the message because the content type '{content_type}' was not "
                "the expected type 'text/xml; charset=utf-8'."))
        action = request.headers.get("SOAPAction", "").strip().strip('"')
        operation = action.rsplit("/", 1)[-1]
        body = await request.read()
        try:
            root = etree.fromstring(body, _parser())
        except etree.XMLSyntaxError:
            return web.Response(status=400, text="Bad Request")
        if operation not in OPERATIONS or action != f"{SERVICE_NS}ISvc/{operation}":
            return _xml(fault_envelope("a:ActionNotSupported", (
                f"The message with Action '{action}' cannot be processed at the receiver, due to "
                "a ContractFilter mismatch at the EndpointDispatcher.")), 500)
        call = None
        for element in root.iter():
            if _local(element.tag) == "Body":
                call = next((c for c in element if isinstance(c.tag, str)), None)
                break
        if call is None or _local(call.tag) != operation:
            return _xml(fault_envelope("a:DeserializationFailed", (
                f"The formatter threw an exception while trying to deserialize the message: the "
                f"body does not hold a {operation} element.")), 500)
        params = {_local(child.tag): child.text or "" for child in call
                  if isinstance(child.tag, str)}
        try:
            values = self._dispatch(operation, params)
        except LogoError as exc:
            values = [("errorString", str(exc)), ("status", "4")]
            if operation in ("AppendDataObject", "CalculateDataObject"):
                values.insert(0, ("dataReference", "0"))
        return _xml(envelope(operation, values))

    def _answer_xml(self, text: str, compressed: bool = False) -> str:
        return compress(text) if compressed or self.config.compressed_answers else text

    def _dispatch(self, operation: str, params: dict[str, str]) -> list[tuple[str, str]]:
        if params.get("securityCode", "") != self.config.security_code:
            raise LogoError("Güvenlik kodu (securityCode) geçersiz")
        if operation == "getInfo":
            info = etree.Element("LogoObjectService")
            for name, value in self.config.versions.items():
                etree.SubElement(info, name).text = value
            etree.SubElement(info, "FirmNr").text = str(self.config.firm)
            return [("resultXML", etree.tostring(info, encoding="unicode"))]
        if params.get("LbsLoadPass", "") != self.config.lbs_load_pass:
            raise LogoError("LbsLoadPass geçersiz")
        firm = params.get("FirmNr", "").strip()
        if not firm.isdigit() or int(firm) != self.config.firm:
            raise LogoError(f"{firm or '(boş)'} numaralı firma bulunamadı")
        try:
            data_type = int(params.get("dataType", ""))
            reference = int(params.get("dataReference", "0") or "0")
        except ValueError:
            raise LogoError("dataType / dataReference sayı olmalı") from None
        options = _params(params.get("paramXML", ""))
        period = options.get("Period", "")
        if period and (not period.isdigit() or int(period) != self.config.period):
            raise LogoError(f"{period} numaralı dönem bulunamadı")
        model = self.model
        if operation == "AppendDataObject":
            document, _ = parse_logo_xml(params.get("dataXML", ""))
            new_ref = model.append(data_type, reference, document, options)
            return [("dataReference", str(new_ref)), ("errorString", ""), ("status", "3")]
        if operation == "CalculateDataObject":
            document, compressed = parse_logo_xml(params.get("dataXML", ""))
            computed = model.calculate(data_type, document, options)
            return [("dataReference", "0"), ("dataXML", self._answer_xml(computed, compressed)),
                    ("errorString", ""), ("status", "3")]
        if operation == "ReadDataObject":
            exported = model.read(data_type, reference)
            return [("dataXML", self._answer_xml(exported)), ("errorString", ""), ("status", "3")]
        model.delete(data_type, reference)
        return [("errorString", ""), ("status", "3")]


LOGO_SIM: web.AppKey[LogoSimulator] = web.AppKey("logo_simulator")


def create_logo_app(config: LogoSimConfig) -> web.Application:
    simulator = LogoSimulator(config)
    app = web.Application(middlewares=[fault_middleware(
        simulator.faults, simulator.counters, simulator.route_of, simulator.render_fault)],
        client_max_size=64 * 1024 * 1024)
    app[LOGO_SIM] = simulator
    app.router.add_post(config.path, simulator.handle)
    app.add_routes(control_routes(simulator.faults, simulator.counters))

    app.router.add_post("/_sim/ship", ship_route(lambda body: ship_order(simulator.model, body),
                                                 refused=LogoError, not_found=OrderNotFound),
                        name="sim_ship")

    async def close(_app: web.Application) -> None:
        simulator.close()

    app.on_cleanup.append(close)
    return app
