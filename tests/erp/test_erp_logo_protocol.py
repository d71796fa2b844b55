"""LogoObjectService wire format (pure): golden envelopes for every operation, answer parsing and
the error taxonomy (status 3/4, SQLSTATE 23000, SOAP faults, HTTP errors)."""

from __future__ import annotations

import base64
import gzip
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from integrator.erp.logo import protocol
from integrator.erp.wire import Reply, Request
from integrator.errors import (
    ErpCommitUncertain,
    ErpDuplicate,
    ErpRejected,
    ErpUnavailable,
    MappingFailed,
)
from integrator.model import LogoDocument
from integrator.model.wire import LOGO_DECLARATION, LOGO_ROOTS
from tests.fixtures.erp import check_golden, document, logo_payload, netsis_payload, tiger_set

URL = "http://logo.example:8010/LogoObjectService/Service"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"


def dump(request: Request) -> str:
    headers = "".join(f"{k}: {v}\n" for k, v in sorted(request.headers.items()))
    assert request.body is not None
    return f"{request.method} {request.url}\n{headers}\n{request.body.decode('utf-8')}\n"


def answer(operation: str, body: str, status: int = 200) -> Reply:
    envelope = (f'<s:Envelope xmlns:s="{SOAP}"><s:Body><{operation}Response '
                f'xmlns="http://tempuri.org/">{body}</{operation}Response></s:Body></s:Envelope>')
    return Reply(status, envelope.encode())


def fault(code: str, text: str) -> Reply:
    body = (f'<s:Envelope xmlns:s="{SOAP}"><s:Body><s:Fault><faultcode xmlns:a="urn:x">{code}'
            f'</faultcode><faultstring xml:lang="tr-TR">{text}</faultstring></s:Fault></s:Body>'
            "</s:Envelope>")
    return Reply(500, body.encode())


# -- golden requests ---------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "entity"), [("account", "account"), ("product", "product"),
                                              ("order", "order"), ("dispatch", "dispatch")])
def test_append_envelopes(name: str, entity: str) -> None:
    document = logo_payload(name)
    request = protocol.append_request(tiger_set(URL), LOGO_ROOTS[entity].data_type, 0, document)
    check_golden(f"logo/append_{name}.http", dump(request))


def test_update_envelope() -> None:
    document = logo_payload("account_update")
    request = protocol.append_request(tiger_set(URL), 30, 4711, document)
    check_golden("logo/append_account_update.http", dump(request))


def test_read_delete_calculate_info_envelopes() -> None:
    s = tiger_set(URL)
    check_golden("logo/read_order.http", dump(protocol.read_request(s, 3, 42)))
    check_golden("logo/delete_order.http", dump(protocol.delete_request(s, 3, 42)))
    check_golden("logo/calculate_order.http",
                 dump(protocol.calculate_request(s, 3, logo_payload("order"))))
    check_golden("logo/get_info.http", dump(protocol.info_request(s)))


def test_compressed_envelope_and_set_parameters() -> None:
    s = tiger_set(URL, compress=True, lbs_load_pass="lbs-pass-7",
                  params={"ApplyCampaign": "0", "CheckRight": "0", "GetStockLinePrice": "1"})
    request = protocol.append_request(s, 30, 0, logo_payload("account"))
    check_golden("logo/append_account_compressed.http", dump(request))
    assert request.body is not None
    body = etree.fromstring(request.body)
    data = body.findtext(".//{http://tempuri.org/}dataXML")
    assert data is not None
    # the UTF-8 text, as real clients compress it (research/quotes.md §1), declaration kept
    assert gzip.decompress(base64.b64decode(data)).decode("utf-8") == logo_payload("account")
    params = etree.fromstring(body.findtext(".//{http://tempuri.org/}paramXML") or "")
    assert params.findtext("ApplyCampaign") == "0"
    assert params.findtext("GetStockLinePrice") == "1"
    assert params.findtext("Period") == "01"


def test_envelope_order_follows_the_wsdl() -> None:
    request = protocol.append_request(tiger_set(URL), 30, 0, logo_payload("account"))
    assert request.body is not None
    call = etree.fromstring(request.body)[1][0]
    assert [etree.QName(c).localname for c in call] == [
        "dataType", "dataReference", "dataXML", "paramXML", "errorString", "status",
        "LbsLoadPass", "FirmNr", "securityCode"]
    assert request.headers["SOAPAction"] == '"http://tempuri.org/ISvc/AppendDataObject"'


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("abcÇçĞğİıÖöŞşÜü &<>]]>'\"\t")), max_size=60))
def test_any_turkish_text_survives_the_envelope(text: str) -> None:
    """dataXML travels as CDATA (or escaped text when it holds ``]]>``); the service reads back
    exactly the document it was given."""
    record = etree.Element("AR_AP", DBOP="INS")
    etree.SubElement(record, "TITLE").text = text
    root = etree.Element("AR_APS")
    root.append(record)
    document = LOGO_DECLARATION + etree.tostring(root, encoding="unicode")
    request = protocol.append_request(tiger_set(URL), 30, 0, document)
    assert request.body is not None
    received = etree.fromstring(request.body).findtext(".//{http://tempuri.org/}dataXML")
    assert received == document


# -- documents ---------------------------------------------------------------------------------
def test_document_checks() -> None:
    """The gateway reads what it needs off the typed document (never the text again) and refuses
    a document that does not fit the call."""
    account = document("account", logo_payload("account"))
    assert isinstance(account, LogoDocument)
    facts = protocol.check_document(account, "INS")
    assert (facts.data_type, facts.code, facts.operation) == (30, "120.01.900", "INS")
    order = protocol.check_document(document("order", logo_payload("order")), "INS")
    assert (order.data_type, order.number, order.crm_id) == (3, "~", "Q-1001")
    with pytest.raises(MappingFailed, match="DBOP"):
        protocol.check_document(account, "UPD")
    with pytest.raises(MappingFailed, match="LogoDocument"):
        protocol.check_document(document("account", netsis_payload("account")), "INS")
    with pytest.raises(MappingFailed, match="start with"):
        protocol.check_document(replace(account, xml=account.xml.replace("ISO-8859-9", "UTF-8")),
                                "INS")


def test_compress_round_trip() -> None:
    document = logo_payload("order")
    assert protocol.decompress(protocol.compress(document)) == document
    assert protocol.decompress(document) == document


def test_compressed_data_xml_is_gzipped_utf8_n7() -> None:
    turkish = LOGO_DECLARATION + "<AR_APS><AR_AP><TITLE>ŞİŞLİ ÇİĞDEM ığüöç €</TITLE></AR_AP></AR_APS>"
    packed = protocol.compress(turkish)
    raw = gzip.decompress(base64.b64decode(packed))
    assert raw == turkish.encode("utf-8")
    assert protocol.decompress(packed) == turkish
    # an answer compressed as UTF-8 with a byte-order mark, and one in the declared ISO-8859-9
    bom = base64.b64encode(gzip.compress(b"\xef\xbb\xbf" + turkish.encode())).decode()
    assert protocol.decompress(bom) == turkish
    legacy = turkish.replace(" €", "")
    packed = base64.b64encode(gzip.compress(legacy.encode("iso8859_9"))).decode()
    assert protocol.decompress(packed) == legacy


# -- answers -----------------------------------------------------------------------------------
def test_success_answers() -> None:
    result = protocol.parse_answer(
        "AppendDataObject", answer("AppendDataObject",
                                   "<dataReference>4711</dataReference><errorString/>"
                                   "<status>3</status>"), write=True)
    assert (result.status, result.data_reference) == (3, 4711)
    exported = LOGO_DECLARATION + "<AR_APS><AR_AP><CODE>C1</CODE></AR_AP></AR_APS>"
    escaped = exported.replace("<", "&lt;").replace(">", "&gt;")
    result = protocol.parse_answer("ReadDataObject", answer(
        "ReadDataObject", f"<dataXML>{escaped}</dataXML><status>3</status>"), write=False)
    assert result.data_xml == exported
    packed = protocol.compress(exported)
    result = protocol.parse_answer("ReadDataObject", answer(
        "ReadDataObject", f"<dataXML>{packed}</dataXML><status>3</status>"), write=False)
    assert result.data_xml == exported
    info = protocol.parse_answer("getInfo", answer(
        "getInfo", "<resultXML>&lt;I&gt;&lt;LogoObjectsVersion&gt;030700&lt;/LogoObjectsVersion"
                   "&gt;&lt;FirmNr&gt;1&lt;/FirmNr&gt;&lt;/I&gt;</resultXML>"), write=False)
    assert protocol.parse_info(info.result_xml) == {"LogoObjectsVersion": "030700", "FirmNr": "1"}


def test_status_4_is_a_rejection_with_the_erp_text() -> None:
    with pytest.raises(ErpRejected) as raised:
        protocol.parse_answer("AppendDataObject", answer(
            "AppendDataObject", "<errorString>ARP_CODE: cari bulunamadı</errorString>"
                                "<status>4</status>"), write=True)
    assert not isinstance(raised.value, ErpDuplicate)
    assert raised.value.details[0].text == "ARP_CODE: cari bulunamadı"
    assert raised.value.details[0].source == "erp"


@pytest.mark.parametrize("status", ["4", "1", "0"])
def test_every_status_but_3_fails(status: str) -> None:
    with pytest.raises(ErpRejected):
        protocol.parse_answer("DeleteDataObject", answer("DeleteDataObject",
                                                         f"<status>{status}</status>"), write=True)


def test_sqlstate_23000_is_a_duplicate() -> None:
    text = "DB Error: [23000] Cannot insert duplicate key row ... (SQLSTATE 23000)"
    with pytest.raises(ErpDuplicate) as raised:
        protocol.parse_answer("AppendDataObject", answer(
            "AppendDataObject", f"<errorString>{text}</errorString><status>4</status>"),
            write=True)
    assert raised.value.code == "ERP_REJECTED"
    assert raised.value.duplicate is True
    # 23000 is the whole integrity class: a foreign key or a delete is no duplicate
    foreign = "DB Error: [23000] The DELETE statement conflicted with the REFERENCE constraint"
    for operation, error in (("AppendDataObject", foreign), ("DeleteDataObject", text)):
        with pytest.raises(ErpRejected) as other:
            protocol.parse_answer(operation, answer(
                operation, f"<errorString>{error}</errorString><status>4</status>"), write=True)
        assert not isinstance(other.value, ErpDuplicate)


def test_soap_faults_and_http_errors() -> None:
    server = fault("a:InternalServiceFault", "COM nesnesi oluşturulamadı")
    with pytest.raises(ErpCommitUncertain) as uncertain:
        protocol.parse_answer("AppendDataObject", server, write=True)
    assert uncertain.value.details[0].text == "COM nesnesi oluşturulamadı"
    with pytest.raises(ErpUnavailable):
        protocol.parse_answer("ReadDataObject", server, write=False)
    for code in ("s:Client", "a:ActionNotSupported", "a:DeserializationFailed"):
        with pytest.raises(ErpRejected):
            protocol.parse_answer("AppendDataObject", fault(code, "bad request"), write=True)
    bare = Reply(500, b"<html>500</html>")
    with pytest.raises(ErpCommitUncertain):
        protocol.parse_answer("DeleteDataObject", bare, write=True)
    with pytest.raises(ErpUnavailable):
        protocol.parse_answer("CalculateDataObject", Reply(503, b""), write=False)
    with pytest.raises(ErpUnavailable, match="not SOAP"):
        protocol.parse_answer("ReadDataObject", Reply(200, b"hello"), write=False)
    with pytest.raises(ErpUnavailable, match="no status"):
        protocol.parse_answer("ReadDataObject", answer("ReadDataObject", "<dataXML/>"),
                              write=False)
    with pytest.raises(ErpUnavailable, match="no ReadDataObjectResponse"):
        protocol.parse_answer("ReadDataObject", answer("Other", "<status>3</status>"),
                              write=False)


def test_param_xml_rejects_bad_names() -> None:
    with pytest.raises(MappingFailed):
        protocol.param_xml(tiger_set(URL, params={"<x>": "1"}))


def test_param_xml_for_prices_and_for_priced_slips_f33() -> None:
    """CalculateDataObject takes the set's price_params on top of its params; a slip whose lines
    carry their prices is appended with campaigns, conditions and line prices off."""
    s = tiger_set(URL, params={"ApplyCampaign": "1", "GetStockLinePrice": "0"})

    def values(text: str) -> dict[str, str]:
        return {child.tag: child.text or "" for child in etree.fromstring(text)}

    plain, pricing, priced = (values(protocol.param_xml(s)),
                              values(protocol.param_xml(s, pricing=True)),
                              values(protocol.param_xml(s, priced=True)))
    assert (plain["ApplyCampaign"], plain["GetStockLinePrice"]) == ("1", "0")
    assert (pricing["ApplyCampaign"], pricing["GetStockLinePrice"]) == ("1", "8")
    assert (priced["ApplyCampaign"], priced["ApplyCondition"], priced["GetStockLinePrice"]) == (
        "0", "0", "0")
