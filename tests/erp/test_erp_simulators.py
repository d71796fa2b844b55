"""The simulators as models of the ERPs (N8): validation and refusals the way the services answer,
effects on the databases, and the control API tests and benchmarks use."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from lxml import etree

from integrator.erp.logo import protocol as logo_protocol
from integrator.erp.transport import exchange
from integrator.erp.wire import Reply
from integrator.errors import ErpDuplicate, ErpRejected, ErpUnavailable
from integrator.model import ErpKey
from tests.fixtures.erp import SECURITY_CODE, Erp, document, logo_payload


async def _soap(logo: Erp, operation: str, fields: list[tuple[str, str]],
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str]]:
    assert logo.integration_set.logo is not None
    body = logo_protocol.envelope(operation, fields)
    sent = {"Content-Type": "text/xml; charset=utf-8",
            "SOAPAction": f'"http://tempuri.org/ISvc/{operation}"', **(headers or {})}
    async with aiohttp.ClientSession() as session, session.post(
            logo.integration_set.logo.url, data=body, headers=sent) as response:
        raw = await response.read()
    values: dict[str, str] = {}
    if raw.startswith(b"<"):
        values = {etree.QName(e).localname: e.text or "" for e in etree.fromstring(raw).iter()
                  if len(e) == 0}
    return response.status, values


def _append_fields(document: str, *, firm: str = "1", code: str = SECURITY_CODE,
                   reference: str = "0", period: str = "01") -> list[tuple[str, str]]:
    return [("dataType", "30"), ("dataReference", reference), ("dataXML", document),
            ("paramXML", f"<Parameters><Period>{period}</Period></Parameters>"),
            ("FirmNr", firm), ("securityCode", code)]


async def test_logo_service_checks(logo: Erp) -> None:
    account = logo_payload("account")
    status, values = await _soap(logo, "AppendDataObject", _append_fields(account, code="x"))
    assert (status, values["status"]) == (200, "4")
    assert "securityCode" in values["errorString"]
    status, values = await _soap(logo, "AppendDataObject", _append_fields(account, firm="7"))
    assert "firma" in values["errorString"]
    status, values = await _soap(logo, "AppendDataObject", _append_fields(account, period="02"))
    assert "dönem" in values["errorString"]
    status, _ = await _soap(logo, "AppendDataObject", _append_fields(account),
                            {"Content-Type": "application/json"})
    assert status == 415
    status, values = await _soap(logo, "AppendDataObject", _append_fields(account),
                                 {"SOAPAction": "http://tempuri.org/ISvc/InsertDataObject"})
    assert status == 500
    assert values["faultcode"] == "a:ActionNotSupported"
    assert logo.accounts("120.01.900") == []


async def test_logo_minimal_upd_without_reference_hits_23000(logo: Erp) -> None:
    """The field note of research §3.1: a hand-built DBOP="UPD" without the record's reference
    is taken as an insert and fails on the existing CODE with DBError 23000."""
    await logo.gateway.create(logo.call, document("account", logo.payload("account")))
    _, values = await _soap(logo, "AppendDataObject",
                            _append_fields(logo_payload("account_update")))
    assert values["status"] == "4"
    assert "23000" in values["errorString"]


async def test_logo_value_formats(logo: Erp) -> None:
    order = str(logo.payload("order"))
    with pytest.raises(ErpRejected, match="status 4") as raised:
        await logo.gateway.create(logo.call, document("order", order.replace("120.5", "120,5")))
    assert "ondalık" in raised.value.details[0].text
    with pytest.raises(ErpRejected) as raised:
        await logo.gateway.create(logo.call, document("order", order.replace("23.11.2026", "2026-11-23")))
    assert "tarih" in raised.value.details[0].text
    with pytest.raises(ErpRejected) as raised:
        await logo.gateway.create(logo.call, document("order", order.replace(">S01<", ">S99<")))
    assert "satış elemanı" in raised.value.details[0].text
    with pytest.raises(ErpRejected) as raised:
        await logo.gateway.create(logo.call, document("order", order.replace("<SOURCE_WH>1</SOURCE_WH>",
                                                "<SOURCE_WH>9</SOURCE_WH>", 1)))
    assert "ambar" in raised.value.details[0].text
    explicit = order.replace("<NUMBER>~</NUMBER>", "<NUMBER>SIP-2026-7</NUMBER>")
    key = await logo.gateway.create(logo.call, document("order", explicit))
    assert key.number == "SIP-2026-7"
    with pytest.raises(ErpDuplicate):
        await logo.gateway.create(logo.call, document("order", explicit))
    after = await logo.gateway.create(logo.call, document("order", order))
    assert after.number == "SIP-2026-8"  # the next number follows the last one


async def test_logo_documents_move_stock_and_shipped_amounts(logo: Erp) -> None:
    def onhand() -> float:
        return float(logo.rows("SELECT ONHAND FROM LG_001_01_GNTOTST WHERE STOCKREF = 2 AND "
                               "INVENNO = 1")[0][0])

    order = await logo.gateway.create(logo.call, document("order", logo.payload("order")))
    ordered = logo.rows("SELECT ACTSORDER FROM LG_001_01_GNTOTST WHERE STOCKREF = 2 AND "
                        "INVENNO = 1")[0][0]
    assert ordered == 12
    line_ref = logo.rows("SELECT LOGICALREF FROM LG_001_01_ORFLINE WHERE ORDFICHEREF = ? AND "
                         "STOCKREF = 2", int(order.ref))[0][0]
    dispatch = str(logo.payload("dispatch")).replace(
        "<VAT_RATE>20</VAT_RATE>", f"<VAT_RATE>20</VAT_RATE><ORDER_REFERENCE>{line_ref}"
                                   "</ORDER_REFERENCE>")
    key = await logo.gateway.create(logo.call, document("dispatch", dispatch))
    assert onhand() == 497
    shipped = logo.rows("SELECT SHIPPEDAMOUNT FROM LG_001_01_ORFLINE WHERE LOGICALREF = ?",
                        line_ref)[0][0]
    assert shipped == 3
    exported = str(await logo.gateway.read(logo.call, "order", order))
    assert "<SHIPPED_AMOUNT>3</SHIPPED_AMOUNT>" in exported
    await logo.gateway.delete(logo.call, "dispatch", key)
    assert onhand() == 500
    with pytest.raises(ErpRejected, match="status 4") as raised:
        await logo.gateway.delete(logo.call, "account", ErpKey("2"))  # used by the order
    assert "silinemez" in raised.value.details[0].text


async def test_netsis_refusals(netsis: Erp) -> None:
    long_code = netsis.payload("account", **{"120-01-900": "120-01-900-0000001"})
    with pytest.raises(ErpRejected, match="Netsis refused") as raised:
        await netsis.gateway.create(netsis.call, document("account", long_code))
    assert "22001" in raised.value.details[0].text
    unknown = netsis.payload("order", **{"STK002": "STK999"})
    with pytest.raises(ErpRejected) as raised:
        await netsis.gateway.create(netsis.call, document("order", unknown))
    assert "STK999" in raised.value.details[0].text
    explicit: Any = netsis.payload("order")
    explicit["FatUst"]["FATIRS_NO"] = "X00000000000009"
    await netsis.gateway.create(netsis.call, document("order", explicit))
    with pytest.raises(ErpDuplicate):
        await netsis.gateway.create(netsis.call, document("order", explicit))
    with pytest.raises(ErpRejected, match="Netsis refused delete_account") as raised:
        await netsis.gateway.delete(netsis.call, "account", ErpKey("120-01-001"))
    assert "silinemez" in raised.value.details[0].text


async def test_netsis_dispatch_of_an_order_closes_its_lines(netsis: Erp) -> None:
    order = await netsis.gateway.create(netsis.call, document("order", netsis.payload("order")))
    line = netsis.rows("SELECT INCKEYNO FROM TBLSIPATRA WHERE FISNO = ? AND STOK_KODU = 'STK001'",
                       order.number)[0][0]
    dispatch: Any = netsis.payload("dispatch")
    dispatch["Kalems"][0].update(STra_SIPNUM=order.number, STra_SIPKONT=line)
    key = await netsis.gateway.create(netsis.call, document("dispatch", dispatch))
    assert key.number == "I00000000000001"
    delivered = netsis.rows("SELECT FIRMA_DOVTUT FROM TBLSIPATRA WHERE INCKEYNO = ?", line)[0][0]
    assert delivered == 3
    stock = netsis.rows("SELECT TOP_CIKIS_MIK, MUS_TOP_SIPARIS, MUS_TOP_TESLIM FROM TBLSTOKPH "
                        "WHERE DEPO_KODU = 1 AND STOK_KODU = 'STK001'")[0]
    assert tuple(stock) == (3, 12, 3)
    with pytest.raises(ErpRejected, match="delete_order"):
        await netsis.gateway.delete(netsis.call, "order", order)  # shipped: refused
    await netsis.gateway.delete(netsis.call, "dispatch", key)
    assert netsis.rows("SELECT FIRMA_DOVTUT FROM TBLSIPATRA WHERE INCKEYNO = ?", line)[0][0] == 0


async def test_netsis_stores_text_as_netsis_does(netsis: Erp) -> None:
    order: Any = netsis.payload("order")
    order["FatUst"]["EKACK2"] = "İŞ ORTAĞI: ĞÜŞİÖÇ ığüşiöç"
    key = await netsis.gateway.create(netsis.call, document("order", order))
    stored = netsis.rows("SELECT ACIK2 FROM TBLFATUEK WHERE FATIRSNO = ?", key.number)[0][0]
    assert stored == "ÝÞ ORTAÐI: ÐÜÞÝÖÇ ýðüþiöç"
    exported: Any = await netsis.gateway.read(netsis.call, "order", key)
    assert exported["FatUst"]["EKACK2"] == "İŞ ORTAĞI: ĞÜŞİÖÇ ığüşiöç"


async def test_control_api_over_http(erp: Erp) -> None:
    server = erp.extra["server"]
    async with aiohttp.ClientSession() as session:
        route = erp.route("ping")
        async with session.put(server.make_url(f"/_sim/faults/{route}"),
                               json={"kind": "http_500", "times": 1}) as response:
            assert response.status == 200
        with pytest.raises(ErpUnavailable):
            await erp.gateway.ping(erp.call)
        await erp.gateway.ping(erp.call)  # the fault hit once
        async with session.get(server.make_url("/_sim/stats")) as response:
            stats = await response.json()
        assert stats["calls"][route] == 2
        async with session.put(server.make_url("/_sim/faults/*"),
                               json={"kind": "nonsense"}) as response:
            assert response.status == 400
        async with session.post(server.make_url("/_sim/reset")) as response:
            assert response.status == 200
        async with session.get(server.make_url("/_sim/stats")) as response:
            assert (await response.json())["calls"] == {}


async def test_netsis_token_refusals(netsis: Erp) -> None:
    from integrator.erp.netsis import protocol

    assert netsis.credentials is not None
    moved = netsis.integration_set.model_copy(update={"branch": 5})
    async with aiohttp.ClientSession() as session:
        reply: Reply = await exchange(session, protocol.token_request(moved, netsis.credentials),
                                      write=False, connect_timeout_s=1, timeout_s=2)
    assert reply.status == 400
    with pytest.raises(ErpRejected) as raised:
        protocol.parse_token(reply)
    assert "Şube" in raised.value.details[0].text
