"""Clients of the simulators for their own tests: SOAP calls to the LogoObjectService simulator and
JSON calls to the NetOpenX simulator over real HTTP, hand-built the way real clients send them
(research/logo-tiger.md §1.2-§3, research/netsis.md §1.2-§1.8), and read-only looks into the
simulators' SQLite databases."""

from __future__ import annotations

import base64
import gzip
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from aiohttp.test_utils import TestClient
from lxml import etree

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SERVICE_NS = "http://tempuri.org/"
SECURITY_CODE = "6f1f3c2e-0d7a-4c55-9a8e-1d2b3c4d5e6f"  # LogoSimConfig's default
DECLARATION = '<?xml version="1.0" encoding="ISO-8859-9"?>'


def rows(db_path: Path, sql: str, *params: Any) -> list[sqlite3.Row]:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def one(db_path: Path, sql: str, *params: Any) -> Any:
    found = rows(db_path, sql, *params)
    return found[0][0] if found else None


# -- Logo ----------------------------------------------------------------------------------------
def _fields(values: dict[str, Any]) -> str:
    return "".join(key if key.startswith("<") else f"<{key}>{escape(str(value))}</{key}>"
                   for key, value in values.items())


def slip_xml(kind: str, header: dict[str, Any], lines: list[dict[str, Any]]) -> str:
    """A Logo slip document: ``kind`` order or dispatch; a key starting with ``<`` is raw XML."""
    root, record = {"order": ("SALES_ORDERS", "ORDER_SLIP"),
                    "dispatch": ("SALES_DISPATCHES", "DISPATCH")}[kind]
    transactions = "".join(f"<TRANSACTION>{_fields(line)}</TRANSACTION>" for line in lines)
    return (f'{DECLARATION}<{root}><{record} DBOP="INS">{_fields(header)}'
            f"<TRANSACTIONS>{transactions}</TRANSACTIONS></{record}></{root}>")


def order_xml(lines: list[dict[str, Any]] | None = None, **header: Any) -> str:
    values = {"NUMBER": "~", "DATE": "23.11.2026", "ARP_CODE": "120.01.001", "SOURCE_WH": "1",
              **header}
    return slip_xml("order", values, lines if lines is not None else [
        {"TYPE": "0", "MASTER_CODE": "MLZ-001", "QUANTITY": "5", "PRICE": "100",
         "UNIT_CODE": "ADET", "VAT_RATE": "20"}])


def params_xml(**values: str) -> str:
    return "<Parameters>" + "".join(f"<{k}>{v}</{k}>" for k, v in values.items()) + \
        "</Parameters>"


def compress(text: str, encoding: str = "utf-8") -> str:
    return base64.b64encode(gzip.compress(text.encode(encoding))).decode("ascii")


def decompress(text: str) -> str:
    return gzip.decompress(base64.b64decode(text)).decode("utf-8")


@dataclass
class Simulator:
    """A simulator on a test server, and its database."""

    client: TestClient[Any, Any]
    db_path: Path

    async def ship(self, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
        response = await self.client.post("/_sim/ship", json=body)
        assert response.status == status, await response.text()
        answer: dict[str, Any] = await response.json()
        return answer

    def rows(self, sql: str, *params: Any) -> list[sqlite3.Row]:
        return rows(self.db_path, sql, *params)

    def one(self, sql: str, *params: Any) -> Any:
        return one(self.db_path, sql, *params)


@dataclass
class Logo(Simulator):
    """The LogoObjectService simulator."""

    path: str = "/LogoObjectService/Service"

    async def call(self, operation: str, **fields: str) -> dict[str, str]:
        env = etree.Element(f"{{{SOAP_NS}}}Envelope", nsmap={"soapenv": SOAP_NS, "tem": SERVICE_NS})
        call = etree.SubElement(etree.SubElement(env, f"{{{SOAP_NS}}}Body"),
                                f"{{{SERVICE_NS}}}{operation}")
        for name, value in fields.items():
            etree.SubElement(call, f"{{{SERVICE_NS}}}{name}").text = value
        response = await self.client.post(self.path, data=etree.tostring(env), headers={
            "Content-Type": "text/xml; charset=utf-8",
            "SOAPAction": f'"http://tempuri.org/ISvc/{operation}"'})
        assert response.status == 200, await response.text()
        answer = etree.fromstring(await response.read())
        return {etree.QName(e).localname: e.text or "" for e in answer.iter() if len(e) == 0}

    def _common(self, data_type: int, reference: int, data: str, params: str) -> dict[str, str]:
        return {"dataType": str(data_type), "dataReference": str(reference), "dataXML": data,
                "paramXML": params, "errorString": "", "status": "0", "LbsLoadPass": "",
                "FirmNr": "1", "securityCode": SECURITY_CODE}

    async def append(self, data_type: int, document: str, params: str = "", reference: int = 0) \
            -> dict[str, str]:
        return await self.call("AppendDataObject",
                               **self._common(data_type, reference, document, params))

    async def append_ok(self, data_type: int, document: str, params: str = "",
                        reference: int = 0) -> int:
        answer = await self.append(data_type, document, params, reference)
        assert answer["status"] == "3", answer["errorString"]
        return int(answer["dataReference"])

    async def calculate(self, data_type: int, document: str, params: str = "") -> dict[str, str]:
        return await self.call("CalculateDataObject", **self._common(data_type, 0, document, params))

    async def calculated(self, document: str, params: str = "", data_type: int = 3) \
            -> etree._Element:
        """The record element of a successful Calculate answer."""
        answer = await self.calculate(data_type, document, params)
        assert answer["status"] == "3", answer["errorString"]
        return etree.fromstring(answer["dataXML"].split("?>", 1)[1])[0]

    async def read(self, data_type: int, reference: int) -> etree._Element:
        answer = await self.call("ReadDataObject", **self._common(data_type, reference, "", ""))
        assert answer["status"] == "3", answer["errorString"]
        return etree.fromstring(answer["dataXML"].split("?>", 1)[1])[0]

    async def delete(self, data_type: int, reference: int) -> dict[str, str]:
        fields = self._common(data_type, reference, "", "")
        for name in ("dataXML", "paramXML"):
            fields.pop(name)
        return await self.call("DeleteDataObject", **fields)

    def stock(self, item: int, warehouse: int, column: str) -> float:
        return float(self.one(f"SELECT {column} FROM LG_001_01_GNTOTST WHERE STOCKREF = ? AND "
                              "INVENNO = ?", item, warehouse) or 0)


# -- Netsis --------------------------------------------------------------------------------------
NETSIS_ORDER: dict[str, Any] = {
    "FaturaTip": 7, "Seri": "S", "KayitliNumaraOtomatikGuncellensin": True,
    "FatUst": {"Sube_Kodu": 0, "Tip": 7, "TIPI": 2, "CariKod": "120-01-001",
               "Tarih": "2026-11-23", "PLA_KODU": "P01", "EKACK1": "Q-2001",
               "Aciklama": "CRM teklifi Q-2001"},
    "Kalems": [{"StokKodu": "STK001", "DEPO_KODU": 1, "STra_GCMIK": 12, "STra_BF": 120.5,
                "STra_NF": 120.5, "STra_KDV": 20, "Olcubr": 1},
               {"StokKodu": "STK002", "DEPO_KODU": 1, "STra_GCMIK": 2, "STra_BF": 95.0,
                "STra_NF": 95.0, "STra_KDV": 10, "Olcubr": 1}]}


@dataclass
class Netsis(Simulator):
    """The NetOpenX REST simulator (logged in)."""

    token: str = ""

    async def login(self) -> None:
        response = await self.client.post("/api/v2/token", data={
            "grant_type": "password", "branchcode": "0", "username": "NETSIS",
            "password": "net1234", "dbname": "DEMONETSIS", "dbuser": "TEMELSET",
            "dbpassword": "", "dbtype": "0"})
        assert response.status == 200, await response.text()
        self.token = (await response.json())["access_token"]

    async def request(self, method: str, route: str, body: Any = None) -> dict[str, Any]:
        """The envelope of a NetOpenX call (``Data`` etc.); HTTP 204 -> ``{}``."""
        response = await self.client.request(method, "/api/v2/" + route, json=body, headers={
            "Authorization": f"Bearer {self.token}"})
        assert response.status in (200, 204), await response.text()
        answer: dict[str, Any] = await response.json() if response.status == 200 else {}
        return answer

    async def ok(self, method: str, route: str, body: Any = None) -> Any:
        answer = await self.request(method, route, body)
        assert answer.get("IsSuccessful", True), answer["ErrorDesc"]
        return answer.get("Data")
