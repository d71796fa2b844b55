"""Contract suite (issue 4): the same behaviour from both gateways, against the simulators over
real HTTP (A2: one conformance suite parametrised over LogoGateway and NetsisGateway)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from lxml import etree

from integrator.erp.netsis.client import NetsisGateway
from integrator.errors import (
    ErpDuplicate,
    ErpRejected,
    ErpUnavailable,
    IntegratorError,
    MappingFailed,
    ValidationFailed,
)
from integrator.model import ErpKey
from simulators.db import from_netsis
from tests.fixtures.erp import QUOTE_ID, Erp, document

ACCOUNT = {"logo": "120.01.900", "netsis": "120-01-900"}
PRODUCT = {"logo": "MLZ-900", "netsis": "STK900"}
TITLE = "ŞİŞLİ ÇAĞDAŞ GIDA SANAYİ A.Ş."
NEW_TITLE = "ŞİŞLİ ÇAĞDAŞ GIDA VE İÇECEK A.Ş."


def title_of(erp: Erp, exported: Any) -> str:
    if erp.kind == "logo":
        root = etree.fromstring(exported.encode("iso8859_9"))
        return str(root.findtext("AR_AP/TITLE"))
    return str(exported["CariTemelBilgi"]["CARI_ISIM"])


def lines_of(erp: Erp, exported: Any) -> list[tuple[str, float]]:
    if erp.kind == "logo":
        root = etree.fromstring(exported.encode("iso8859_9"))
        return [(str(t.findtext("MASTER_CODE")), float(t.findtext("QUANTITY") or 0))
                for t in root.iter("TRANSACTION") if t.findtext("TYPE") == "0"]
    return [(line["StokKodu"], float(line["STra_GCMIK"])) for line in exported["Kalems"]]


async def test_ping_reports_latency_and_version(erp: Erp) -> None:
    info = await erp.gateway.ping(erp.call)
    assert info.latency_s > 0
    assert info.details
    if erp.kind == "logo":
        assert info.details["LogoObjectsVersion"] == "030700"


async def test_account_create_read_update_delete(erp: Erp) -> None:
    gateway, call, code = erp.gateway, erp.call, ACCOUNT[erp.kind]
    key = await gateway.create(call, document("account", erp.payload("account")))
    assert key.code == code
    if erp.kind == "logo":
        assert int(key.ref) > 0  # the new LOGICALREF
    else:
        assert key.ref == code
    assert title_of(erp, await gateway.read(call, "account", key)) == TITLE
    # stored as the ERP stores text: Tiger Unicode, Netsis cp1254-as-cp1252 mojibake
    stored = erp.accounts(code)[0]
    if erp.kind == "logo":
        assert stored["DEFINITION_"] == TITLE
    else:
        assert stored["CARI_ISIM"] == "ÞÝÞLÝ ÇAÐDAÞ GIDA SANAYÝ A.Þ."
        assert from_netsis(stored["CARI_ISIM"]) == TITLE

    updated = await gateway.update(call, key, document("account", erp.payload("account_update"), update=True))
    assert updated.ref == key.ref
    exported = await gateway.read(call, "account", key)
    assert title_of(erp, exported) == NEW_TITLE
    if erp.kind == "logo":
        # fields the update did not send are kept (the ERP-only columns survive an update)
        assert etree.fromstring(exported.encode("iso8859_9")).findtext("AR_AP/TAX_ID") == \
            "1234567891"
    else:
        # NetOpenX's PUT replaces the whole record: a property the body did not carry is reset
        # (the simulator models it so; a safe update GETs the record, merges and PUTs it whole)
        assert exported["CariTemelBilgi"]["VERGI_NUMARASI"] == ""

    await gateway.delete(call, "account", key)
    assert erp.accounts(code) == []
    with pytest.raises(ErpRejected) as raised:
        await gateway.read(call, "account", key)
    assert raised.value.details[0].source == "erp"


async def test_product_create_read_update_delete(erp: Erp) -> None:
    gateway, call = erp.gateway, erp.call
    key = await gateway.create(call, document("product", erp.payload("product")))
    assert key.code == PRODUCT[erp.kind]
    exported = await gateway.read(call, "product", key)
    if erp.kind == "logo":
        root = etree.fromstring(exported.encode("iso8859_9"))  # type: ignore[union-attr]
        assert root.findtext("ITEM/NAME") == "Türk Kahvesi 250 g"
        assert root.findtext("ITEM/UNITS/UNIT/UNIT_CODE") == "ADET"
        assert root.findtext("ITEM/UNITSET_CODE") == "05"
    else:
        assert exported["StokTemelBilgi"]["Stok_Adi"] == "TÜRK KAHVESİ 250 G"  # type: ignore[index]
    await gateway.update(call, key, document("product", erp.payload("product_update"), update=True))
    exported = await gateway.read(call, "product", key)
    assert "500" in str(exported)
    await gateway.delete(call, "product", key)
    with pytest.raises(ErpRejected):
        await gateway.read(call, "product", key)


async def test_order_gets_the_next_number_and_keeps_the_crm_id(erp: Erp) -> None:
    gateway, call = erp.gateway, erp.call
    first = await gateway.create(call, document("order", erp.payload("order")))
    second = await gateway.create(call, document("order", erp.payload("order", **{QUOTE_ID: "Q-1002"})))
    if erp.kind == "logo":
        assert (first.number, second.number) == ("00000001", "00000002")
    else:
        assert (first.number, second.number) == ("S00000000000001", "S00000000000002")
        assert len(first.number) == 15
        assert first.account == "120-01-001"
    # the CRM quote id travels with the document (Logo DOC_NUMBER -> DOCODE, Netsis EKACK1)
    assert erp.documents(QUOTE_ID) == 1
    assert erp.documents("Q-1002") == 1
    exported = await gateway.read(call, "order", first)
    assert lines_of(erp, exported) == [("MLZ-001" if erp.kind == "logo" else "STK001", 12.0),
                                       ("MLZ-002" if erp.kind == "logo" else "STK002", 2.0)]
    await gateway.delete(call, "order", first)
    assert erp.documents(QUOTE_ID) == 0
    assert erp.documents("Q-1002") == 1


async def test_order_update_replaces_the_lines(erp: Erp) -> None:
    gateway, call = erp.gateway, erp.call
    key = await gateway.create(call, document("order", erp.payload("order")))
    if erp.kind == "logo":
        changed = erp.payload("order").replace('DBOP="INS"', 'DBOP="UPD"')  # type: ignore[union-attr]
        changed = changed.replace("<QUANTITY>12</QUANTITY>", "<QUANTITY>7</QUANTITY>")
    else:
        changed = erp.payload("order")
        changed["Kalems"][0]["STra_GCMIK"] = 7  # type: ignore[index]
    updated = await gateway.update(call, key, document("order", changed, update=True))
    assert updated.number == key.number
    assert lines_of(erp, await gateway.read(call, "order", key))[0][1] == 7.0
    assert erp.documents(QUOTE_ID) == 1


async def test_dispatch_create_read_delete(erp: Erp) -> None:
    gateway, call = erp.gateway, erp.call
    key = await gateway.create(call, document("dispatch", erp.payload("dispatch")))
    assert key.number
    assert erp.documents(QUOTE_ID, "dispatch") == 1
    exported = await gateway.read(call, "dispatch", key)
    assert lines_of(erp, exported)[0][1] == 3.0
    await gateway.delete(call, "dispatch", key)
    assert erp.documents(QUOTE_ID, "dispatch") == 0


async def test_quote_is_a_document_only_on_netsis(erp: Erp) -> None:
    if erp.kind == "logo":
        with pytest.raises(ValidationFailed, match="only on Netsis"):
            await erp.gateway.create(erp.call, document("quote", "<x/>"))
        return
    key = await erp.gateway.create(erp.call, document("quote", erp.payload("quote")))
    assert key.number == "T00000000000001"
    assert erp.documents(QUOTE_ID, "quote") == 1
    exported = await erp.gateway.read(erp.call, "quote", key)
    assert exported["FatUst"]["EKACK1"] == QUOTE_ID  # type: ignore[index]
    await erp.gateway.delete(erp.call, "quote", key)
    assert erp.documents(QUOTE_ID, "quote") == 0


async def test_calculate_prices_without_saving(erp: Erp) -> None:
    gateway, call = erp.gateway, erp.call
    if erp.kind == "logo":
        # MLZ-001 x12 -> campaign 5 %, written on the item line as clients read it (CAMPCODE1);
        # line 2 has no PRICE: the set's price_params (default GetStockLinePrice 8) take the
        # sales price card; with 0 it stays 0
        order = erp.payload("order")
        computed = await gateway.calculate(call, document("order", order))
        root = etree.fromstring(computed.encode("iso8859_9"))  # type: ignore[union-attr]
        lines = root.findall("ORDER_SLIP/TRANSACTIONS/TRANSACTION")
        assert [line.findtext("TYPE") for line in lines] == ["0", "2", "0"]
        assert lines[1].findtext("DISCOUNT_RATE") == "5"
        assert lines[0].findtext("CAMPAIGN_INFOS/CAMPAIGN_INFO/CAMPCODE1") == "KMP-CAY10"
        assert lines[2].findtext("PRICE") == "90"  # the account-specific price card
        assert root.findtext("ORDER_SLIP/TOTAL_DISCOUNTS") == "72.3"
        assert erp.integration_set.logo is not None
        no_cards = erp.with_set(erp.integration_set.model_copy(update={
            "logo": erp.integration_set.logo.model_copy(update={
                "price_params": {"GetStockLinePrice": "0"}})}))
        computed = await no_cards.gateway.calculate(no_cards.call, document("order", order))
        root = etree.fromstring(computed.encode("iso8859_9"))  # type: ignore[union-attr]
        lines = root.findall("ORDER_SLIP/TRANSACTIONS/TRANSACTION")
        assert lines[2].findtext("PRICE") == "0"
        assert erp.documents(QUOTE_ID) == 0
    else:
        order = erp.payload("order", **{'"120-01-001"': '"120-01-002"'})
        order.update(KosulluHesapla=True, StokKartinaGoreHesapla=True)
        computed = await gateway.calculate(call, document("order", order))
        first = computed["Kalems"][0]  # type: ignore[index]
        assert first["STra_BF"] == 115  # stock card, the account's price list 2
        assert first["STra_SatIsk"] == 5  # the account's discount (conditional pricing)
        assert first["STra_NF"] == 109.25
        order["FiyatSistemineGoreHesapla"] = True
        computed = await gateway.calculate(call, document("order", order))
        assert computed["Kalems"][0]["STra_BF"] == 110  # type: ignore[index]  # price system
        assert erp.documents(QUOTE_ID) == 0


async def test_duplicate_code_is_recognisable(erp: Erp) -> None:
    await erp.gateway.create(erp.call, document("account", erp.payload("account")))
    with pytest.raises(ErpDuplicate) as raised:
        await erp.gateway.create(erp.call, document("account", erp.payload("account")))
    error = raised.value
    assert error.code == "ERP_REJECTED"
    assert error.retryable is False
    assert error.details[0].source == "erp"
    assert "23000" in error.details[0].text
    assert len(erp.accounts(ACCOUNT[erp.kind])) == 1


async def test_business_rejection_carries_the_erp_message(erp: Erp) -> None:
    swap = {"120.01.001": "120.99.999"} if erp.kind == "logo" else {"120-01-001": "120-99-999"}
    with pytest.raises(ErpRejected) as raised:
        await erp.gateway.create(erp.call, document("order", erp.payload("order", **swap)))
    assert not isinstance(raised.value, ErpDuplicate)
    assert raised.value.status == 422
    assert "999" in raised.value.details[0].text
    assert erp.documents(QUOTE_ID) == 0


async def test_payload_of_the_wrong_shape_is_a_mapping_error(erp: Erp) -> None:
    wrong: Any = {"x": 1} if erp.kind == "logo" else "<AR_APS/>"
    with pytest.raises(MappingFailed):
        await erp.gateway.create(erp.call, document("account", wrong))
    if erp.kind == "logo":
        no_declaration = str(erp.payload("account")).split("?>", 1)[1]
        with pytest.raises(MappingFailed, match="ISO-8859-9"):
            await erp.gateway.create(erp.call, document("account", no_declaration))
        with pytest.raises(MappingFailed, match="DBOP"):
            await erp.gateway.update(erp.call, ErpKey("2"),
                                     document("account", erp.payload("account"), update=True))
    else:
        order = erp.payload("order")
        order["FaturaTip"] = 2  # type: ignore[index]
        with pytest.raises(MappingFailed, match="FaturaTip"):
            await erp.gateway.create(erp.call, document("order", order))
    assert erp.calls(erp.route("create")) == 0  # nothing was sent


async def test_metrics_by_set_and_operation(erp: Erp) -> None:
    await erp.gateway.create(erp.call, document("account", erp.payload("account")))
    with pytest.raises(ErpDuplicate):
        await erp.gateway.create(erp.call, document("account", erp.payload("account")))
    calls = erp.metrics.erp_calls
    code = erp.integration_set.code
    assert calls.labels(code, "create_account", "ok")._value.get() == 1
    assert calls.labels(code, "create_account", "erp_rejected")._value.get() == 1
    rendered = erp.metrics.render().decode()
    assert f'integrator_erp_call_duration_seconds_count{{operation="create_account",set="{code}"}} 2.0' \
        in rendered
    if erp.kind == "netsis":
        assert erp.metrics.erp_logins.labels(code)._value.get() == 1


async def test_refused_connection_is_retried_then_unavailable(erp: Erp) -> None:
    section = "logo" if erp.kind == "logo" else "netsis"
    service = getattr(erp.integration_set, section)
    url = "http://127.0.0.1:9/LogoObjectService/Service" if section == "logo" \
        else "http://127.0.0.1:9/api/v2/"
    closed = erp.with_set(erp.integration_set.model_copy(
        update={section: service.model_copy(update={"url": url})}))
    with pytest.raises(ErpUnavailable) as raised:
        await closed.gateway.create(closed.call, document("account", closed.payload("account")))
    assert raised.value.retryable is True
    assert "nothing was sent" in raised.value.message
    operation = "create_account" if erp.kind == "logo" else "login"
    assert erp.metrics.erp_retries.labels(erp.integration_set.code, operation)._value.get() == 2


async def test_unknown_host_is_unavailable(erp: Erp) -> None:
    section = "logo" if erp.kind == "logo" else "netsis"
    service = getattr(erp.integration_set, section)
    lost = erp.with_set(erp.integration_set.model_copy(
        update={section: service.model_copy(update={"url": "http://erp-host.invalid/api/v2/"})}))
    with pytest.raises(ErpUnavailable, match="cannot resolve"):
        await lost.gateway.read(lost.call, "account", ErpKey("2", code="120-01-001"))


async def test_write_queue_full_is_unavailable_and_retryable(erp: Erp) -> None:
    limited = erp.with_set(erp.integration_set.model_copy(update={
        "settings": erp.integration_set.settings.model_copy(
            update={"write_concurrency": 1, "write_queue": 1})}))
    erp.simulator.faults.set(limited.route("create", "account"), "latency", seconds=1.0)
    gateway, call = limited.gateway, limited.call
    payloads = [limited.payload("account", **{ACCOUNT[erp.kind]: ACCOUNT[erp.kind] + str(i)})
                for i in range(3)]
    first = asyncio.ensure_future(gateway.create(call, document("account", payloads[0])))
    await asyncio.sleep(0.05)
    second = asyncio.ensure_future(gateway.create(call, document("account", payloads[1])))
    await asyncio.sleep(0.05)
    depth = erp.metrics.write_queue_depth.labels(erp.integration_set.code)._value.get()
    assert depth == 1
    with pytest.raises(ErpUnavailable, match="queue") as raised:
        await gateway.create(call, document("account", payloads[2]))
    assert raised.value.retryable is True
    await asyncio.gather(first, second)
    assert erp.metrics.write_queue_depth.labels(erp.integration_set.code)._value.get() == 0
    assert erp.metrics.write_in_flight.labels(erp.integration_set.code)._value.get() == 0
    # the seat waits: the first write none, the second while the first ran (~1 s); the refused
    # third was never seated
    labels = {"set": erp.integration_set.code}
    sample = erp.metrics.registry.get_sample_value
    assert sample("integrator_erp_write_seat_wait_seconds_count", labels) == 2
    assert 0.7 < (sample("integrator_erp_write_seat_wait_seconds_sum", labels) or 0) < 3


async def test_circuit_opens_after_failures_and_recovers(erp: Erp) -> None:
    from integrator.config import ErpSettings
    from integrator.erp.hub import ErpGateways

    hub = ErpGateways(erp.hub.http, erp.metrics, ErpSettings(
        breaker_failures=3, breaker_open_s=0.3, retry_attempts=1, retry_wait_initial_s=0,
        retry_wait_max_s=0))
    probe = Erp(erp.kind, hub, erp.metrics, erp.integration_set, erp.simulator, erp.db_path,
                erp.credentials)
    key = await probe.gateway.create(probe.call, document("account", probe.payload("account")))
    route = probe.route("read", "account")
    erp.simulator.faults.set(route, "http_500")
    for _ in range(3):
        with pytest.raises(ErpUnavailable):
            await probe.gateway.read(probe.call, "account", key)
    assert erp.metrics.circuit_state.labels(probe.call.set_code)._value.get() == 2  # open
    sent = probe.calls(route)
    with pytest.raises(ErpUnavailable, match="circuit") as raised:
        await probe.gateway.read(probe.call, "account", key)
    assert raised.value.retryable is True
    assert probe.calls(route) == sent  # refused without sending
    erp.simulator.faults.clear()
    await asyncio.sleep(0.35)
    assert title_of(probe, await probe.gateway.read(probe.call, "account", key)) == TITLE
    assert erp.metrics.circuit_state.labels(probe.call.set_code)._value.get() == 0  # closed again


async def test_wrong_set_kind_is_refused(erp: Erp) -> None:
    other = erp.hub.logo if erp.kind == "netsis" else erp.hub.netsis
    with pytest.raises(ValidationFailed):
        await other.ping(erp.call)


async def test_netsis_new_number_and_risk(netsis: Erp) -> None:
    gateway = netsis.hub.netsis_for(netsis.integration_set)
    assert isinstance(gateway, NetsisGateway)
    assert await gateway.new_number(netsis.call, "order") == "S00000000000001"
    await gateway.create(netsis.call, document("order", netsis.payload("order")))
    assert await gateway.new_number(netsis.call, "order", "S") == "S00000000000002"
    risk = await gateway.risk(netsis.call, "120-01-001")
    # balance 12500 - 2500 plus the open order just saved (gross 1636, discounts 0, VAT 308.2)
    assert str(risk) == "11944.20"
    with pytest.raises(ErpRejected, match="Netsis refused risk"):
        await gateway.risk(netsis.call, "120-99-999")


async def test_netsis_only_operations_refuse_logo_sets(logo: Erp) -> None:
    with pytest.raises(ValidationFailed, match="only on Netsis"):
        logo.hub.netsis_for(logo.integration_set)


async def test_logo_compressed_data_xml(make_erp: Any) -> None:
    erp: Erp = await make_erp("logo", compress=True)
    key = await erp.gateway.create(erp.call, document("order", erp.payload("order")))
    assert key.number == "00000001"
    exported = await erp.gateway.read(erp.call, "order", key)
    assert str(exported).startswith('<?xml version="1.0" encoding="ISO-8859-9"?>')
    assert "Q-1001" in str(exported)
    # Turkish text both ways: gzip of UTF-8 in the request, and in the (compressed) answer (N7)
    account = await erp.gateway.create(erp.call, document("account", erp.payload("account")))
    assert title_of(erp, await erp.gateway.read(erp.call, "account", account)) == TITLE


async def test_errors_are_integrator_errors_with_codes(erp: Erp) -> None:
    with pytest.raises(IntegratorError) as raised:
        await erp.gateway.delete(erp.call, "account", ErpKey("999999", code="NOPE"))
    assert raised.value.code == "ERP_REJECTED"
