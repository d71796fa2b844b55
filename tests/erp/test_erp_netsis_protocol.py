"""NetOpenX REST wire format (pure): golden requests for the token form and every route, the
TResult envelope with HTTP-200 business errors, 3-part document ids, numbers in strings."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import SecretStr

from integrator.erp.netsis import protocol
from integrator.erp.wire import Reply, Request
from integrator.errors import (
    ErpCommitUncertain,
    ErpDuplicate,
    ErpRejected,
    ErpUnavailable,
    MappingFailed,
)
from integrator.model import ErpKey
from tests.fixtures.erp import check_golden, credentials, document, netsis_payload, netsis_set

URL = "http://netsis.example:7070/api/v2/"
TOKEN = SecretStr("test-token-5f2a")


def dump(request: Request) -> str:
    headers = "".join(f"{k}: {v}\n" for k, v in sorted(request.headers.items()))
    body = request.body.decode("utf-8") if request.body is not None else ""
    return f"{request.method} {request.url}\n{headers}\n{body}\n"


def reply(body: str, status: int = 200) -> Reply:
    return Reply(status, body.encode("utf-8"))


# -- golden requests ---------------------------------------------------------------------------
def test_token_form() -> None:
    request = protocol.token_request(netsis_set(URL), credentials("AYSE"))
    check_golden("netsis/token.http", dump(request))
    assert request.body is not None
    assert request.body.decode().split("&")[0] == "grant_type=password"
    assert "dbtype=0" in request.body.decode()


@pytest.mark.parametrize("entity", ["account", "product"])
def test_card_requests(entity: str) -> None:
    s = netsis_set(URL)
    code = "120-01-900" if entity == "account" else "STK900"
    check_golden(f"netsis/create_{entity}.http",
                 dump(protocol.card_create_request(s, TOKEN, entity, netsis_payload(entity))))
    check_golden(f"netsis/update_{entity}.http", dump(protocol.card_update_request(
        s, TOKEN, entity, code, netsis_payload(f"{entity}_update"))))
    check_golden(f"netsis/read_{entity}.http",
                 dump(protocol.card_read_request(s, TOKEN, entity, code)))
    check_golden(f"netsis/delete_{entity}.http",
                 dump(protocol.card_delete_request(s, TOKEN, entity, code)))


@pytest.mark.parametrize("entity", ["order", "dispatch", "quote"])
def test_document_requests(entity: str) -> None:
    s = netsis_set(URL)
    key = ErpKey("S00000000000001", number="S00000000000001", account="120-01-001")
    payload = netsis_payload(entity)
    check_golden(f"netsis/create_{entity}.http",
                 dump(protocol.slip_create_request(s, TOKEN, payload)))
    check_golden(f"netsis/read_{entity}.http",
                 dump(protocol.slip_read_request(s, TOKEN, entity, key)))
    check_golden(f"netsis/update_{entity}.http",
                 dump(protocol.slip_update_request(s, TOKEN, entity, key, payload)))
    check_golden(f"netsis/delete_{entity}.http",
                 dump(protocol.slip_delete_request(s, TOKEN, entity, key)))


def test_calculate_number_risk_ping_requests() -> None:
    s = netsis_set(URL)
    check_golden("netsis/calculate_order.http",
                 dump(protocol.calculate_request(s, TOKEN, netsis_payload("order"))))
    check_golden("netsis/new_number_order.http",
                 dump(protocol.new_number_request(s, TOKEN, "order", "S")))
    check_golden("netsis/risk.http", dump(protocol.risk_request(s, TOKEN, "120-01-001")))
    check_golden("netsis/ping.http", dump(protocol.ping_request(s)))


def test_document_id_escapes_each_part() -> None:
    s = netsis_set(URL.rstrip("/"))  # a base URL without the trailing slash works as well
    key = ErpKey("VIR 00042", number="VIR 00042", account="TED/001;X")
    url = protocol.slip_url(s, "dispatch", key)
    assert str(url) == "http://netsis.example:7070/api/v2/ItemSlips/ftSIrs;VIR%2000042;TED%2F001%3BX"
    assert protocol.slip_id("quote", "T1", "") == "ftSatTeklif;T1;"
    card = protocol.card_read_request(s, TOKEN, "account", "120/01 001")
    assert str(card.url).endswith("/ARPs/120%2F01%20001")


# -- document checks ------------------------------------------------------------------------------
def test_document_checks() -> None:
    order = netsis_payload("order")
    doc = protocol.check_document(document("order", order), "POST")
    assert (doc.resource, doc.document_type, doc.account, doc.crm_id) == (
        "ItemSlips", 7, "120-01-001", "Q-1001")
    assert protocol.check_document(document("order", {**order, "FaturaTip": "ftSSip"}), "POST")
    camel = {"faturaTip": 7, "fatUst": {"cariKod": "C1"}, "kalems": []}
    assert protocol.check_document(document("order", camel), "POST").account == "C1"
    with pytest.raises(MappingFailed, match="FaturaTip 2"):
        protocol.check_document(document("dispatch", order), "POST")
    with pytest.raises(MappingFailed, match="CariKod"):
        protocol.check_document(document("order", {**order, "FatUst": {}}), "POST")
    with pytest.raises(MappingFailed, match="PUT"):
        protocol.check_document(document("order", order), "PUT")
    with pytest.raises(MappingFailed, match="NetsisDocument"):
        protocol.check_document(document("account", "<AR_APS/>"), "POST")
    product = protocol.check_document(document("product", netsis_payload("product")), "POST")
    assert product.code == "STK900"
    assert protocol.fatura_tip("ftSatTeklif") == 15
    assert protocol.fatura_tip(True) is None
    assert protocol.json_body({"a": Decimal("120.50"), "b": Decimal("3"),
                               "c": Decimal("0.1000000000000000055511151231257827")}) == \
        b'{"a":120.5,"b":3,"c":"0.1000000000000000055511151231257827"}'
    with pytest.raises(MappingFailed):
        protocol.json_body({"x": object()})


# -- answers -----------------------------------------------------------------------------------
def test_token_answers() -> None:
    token = protocol.parse_token(reply('{"access_token":"abc","token_type":"bearer",'
                                       '"expires_in":1199}'))
    assert token.access_token.get_secret_value() == "abc"
    assert token.expires_in == 1199
    with pytest.raises(ErpRejected) as raised:
        protocol.parse_token(reply('{"error":"invalid_grant","error_description":"Login failed '
                                   "for user 'sa'.(NetsisMS-42000,18456)\"}", 400))
    assert "18456" in raised.value.details[0].text
    with pytest.raises(ErpUnavailable):
        protocol.parse_token(reply("", 503))


def test_envelope_answers() -> None:
    ok = '{"IsSuccessful":true,"ErrorCode":null,"ErrorDesc":null,"Message":null,"Data":{"A":1}}'
    assert protocol.parse_envelope("x", reply(ok), write=True) == {"A": 1}
    assert protocol.parse_envelope("x", reply("", 204), write=True) is None
    assert protocol.parse_envelope("x", reply('"Pong"'), write=False) == "Pong"
    business = ('{"IsSuccessful":false,"ErrorCode":"E1","ErrorDesc":"Stok kodu bulunamadı",'
                '"Message":null,"Data":null}')
    with pytest.raises(ErpRejected) as raised:
        protocol.parse_envelope("create_order", reply(business), write=True)
    assert raised.value.details[0].text == "E1: Stok kodu bulunamadı"
    assert not isinstance(raised.value, ErpDuplicate)
    duplicate = ('{"IsSuccessful":false,"ErrorDesc":"Cannot insert duplicate key '
                 '(NetsisMS-23000,2627) | NetOpenX50.Kernel","Data":null}')
    with pytest.raises(ErpDuplicate):
        protocol.parse_envelope("create_account", reply(duplicate), write=True)
    with pytest.raises(ErpRejected) as not_duplicate:
        protocol.parse_envelope("delete_account", reply(duplicate), write=True)
    assert not isinstance(not_duplicate.value, ErpDuplicate)
    with pytest.raises(protocol.TokenRefused):
        protocol.parse_envelope("x", reply('{"Message":"' + protocol.DENIED + '"}', 401),
                                write=True)
    crash = '{"Message":"An error has occurred.","ExceptionMessage":"COM hatası"}'
    with pytest.raises(ErpCommitUncertain) as uncertain:
        protocol.parse_envelope("create_order", reply(crash, 500), write=True)
    assert uncertain.value.details[0].text == "COM hatası"
    with pytest.raises(ErpUnavailable):
        protocol.parse_envelope("read_order", reply(crash, 500), write=False)
    with pytest.raises(ErpRejected, match="HTTP 404"):
        protocol.parse_envelope("read_order", reply('{"Message":"No HTTP resource"}', 404),
                                write=False)
    with pytest.raises(ErpUnavailable, match="not JSON"):
        protocol.parse_envelope("read_order", reply("<html/>"), write=False)


def test_keys_from_answers() -> None:
    data = {"FaturaTip": 7, "FatUst": {"FATIRS_NO": "W00000000000124", "CariKod": "120-01-001"}}
    assert protocol.slip_key(data, "") == ErpKey("W00000000000124", number="W00000000000124",
                                                 account="120-01-001")
    assert protocol.card_key("account", {"CariTemelBilgi": {"CARI_KOD": "C1"}}, "") == \
        ErpKey("C1", code="C1")
    assert protocol.card_key("product", {"stokTemelBilgi": {"stok_kodu": "S1"}}, "") == \
        ErpKey("S1", code="S1")
    with pytest.raises(ErpRejected):
        protocol.slip_key({"FatUst": {}}, "x")


@pytest.mark.parametrize(("text", "value"), [
    ("1234.5", "1234.5"), ("1234,5", "1234.5"), ("1.234,56", "1234.56"),
    ("1,234.56", "1234.56"), ("-15,00", "-15.00"), (" 0 ", "0")])
def test_numbers_in_strings(text: str, value: str) -> None:
    assert protocol.parse_risk(text) == Decimal(value)


def test_risk_that_is_not_a_number() -> None:
    assert protocol.parse_risk(12.5) == Decimal("12.5")
    with pytest.raises(ErpRejected):
        protocol.parse_risk("yok")
    with pytest.raises(ErpRejected):
        protocol.parse_risk(None)
