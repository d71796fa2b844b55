"""CalculateDataObject as real clients use it (research/quotes.md §1): campaigns written as
CAMPAIGN_INFOS/CAMPAIGN_INFO/CAMPCODE1..5 on their item line, GetStockLinePrice price-type codes,
ApplyCondition, nothing saved; and compressed dataXML as clients compress it (UTF-8 in gzip)."""

from __future__ import annotations

from typing import Any

from lxml import etree

from simulators.logo.app import parse_logo_xml
from tests.fixtures.sim import DECLARATION, Logo, compress, decompress, order_xml, params_xml, slip_xml

MLZ1 = {"TYPE": "0", "MASTER_CODE": "MLZ-001", "UNIT_CODE": "ADET", "VAT_RATE": "20"}
MLZ2 = {"TYPE": "0", "MASTER_CODE": "MLZ-002", "UNIT_CODE": "ADET", "VAT_RATE": "10"}
TURKISH = "İ ı Ş ş Ğ ğ Ü ü Ö ö Ç ç"


def _totals(record: etree._Element) -> list[str | None]:
    return [record.findtext(t) for t in ("TOTAL_GROSS", "TOTAL_DISCOUNTS", "TOTAL_VAT",
                                         "TOTAL_NET")]


def _saved(logo: Logo) -> tuple[int, int, float]:
    return (logo.one("SELECT COUNT(*) FROM LG_001_01_ORFICHE"),
            logo.one("SELECT COUNT(*) FROM LG_001_01_ORFLINE"), logo.stock(2, 1, "ACTSORDER"))


async def test_campaign_is_written_on_its_item_line_f35(logo: Logo) -> None:
    document = order_xml([{**MLZ1, "QUANTITY": "12", "PRICE": "120.5"}])
    record = await logo.calculated(document, params_xml(ApplyCampaign="1"))
    lines = record.findall("TRANSACTIONS/TRANSACTION")
    assert [line.findtext("TYPE") for line in lines] == ["0", "2"]
    info = lines[0].find("CAMPAIGN_INFOS/CAMPAIGN_INFO")
    assert info is not None
    assert [child.tag for child in info] == ["CAMPCODE1", "CAMPCODE2", "CAMPCODE3", "CAMPCODE4",
                                            "CAMPCODE5", "CAMP_LN_NO"]
    assert (info.findtext("CAMPCODE1"), info.findtext("CAMPCODE2"), info.findtext("CAMP_LN_NO")) \
        == ("KMP-CAY10", "", "1")
    assert lines[1].find("CAMPAIGN_INFOS") is None
    assert record.find(".//CAMPAIGN_CODE") is None
    assert (lines[1].findtext("DISCOUNT_RATE"), lines[1].findtext("TOTAL")) == ("5", "72.3")
    # 1446 - 72.3 = 1373.7; VAT 274.74
    assert _totals(record) == ["1446", "72.3", "274.74", "1648.44"]
    assert _saved(logo) == (0, 0, 0)  # Calculate saves nothing


async def test_campaign_needs_apply_campaign_and_its_minimum_f35(logo: Logo) -> None:
    off = await logo.calculated(order_xml([{**MLZ1, "QUANTITY": "12", "PRICE": "120.5"}]),
                                params_xml(ApplyCampaign="0"))
    below = await logo.calculated(order_xml([{**MLZ1, "QUANTITY": "9", "PRICE": "120.5"}]),
                                  params_xml(ApplyCampaign="1"))
    for record in (off, below):
        assert [t.findtext("TYPE") for t in record.findall("TRANSACTIONS/TRANSACTION")] == ["0"]
        assert record.findtext("TOTAL_DISCOUNTS") == "0"


async def test_saved_campaign_reads_back_and_client_campaign_infos_are_kept_f35(logo: Logo) \
        -> None:
    ref = await logo.append_ok(3, order_xml([{**MLZ1, "QUANTITY": "12", "PRICE": "120.5"}]),
                               params_xml(ApplyCampaign="1"))
    stored = logo.rows("SELECT LINETYPE, CAMPAIGNREF, CMPGLINEREF, DISCPER FROM "
                       "LG_001_01_ORFLINE WHERE ORDFICHEREF = ? ORDER BY LINENO_", ref)
    assert [tuple(r) for r in stored] == [(0, 1, 1, 0), (2, 0, 0, 5)]
    exported = await logo.read(3, ref)
    assert exported.findtext("TRANSACTIONS/TRANSACTION/CAMPAIGN_INFOS/CAMPAIGN_INFO/CAMPCODE1") \
        == "KMP-CAY10"
    # what MobileSales sends after a Calculate: the campaign on the line, its discount line below
    campaign = ("<CAMPAIGN_INFOS><CAMPAIGN_INFO><CAMPCODE1>KMP-CAY10</CAMPCODE1><CAMPCODE2/>"
                "<CAMPCODE3/><CAMPCODE4/><CAMPCODE5/><CAMP_LN_NO>1</CAMP_LN_NO></CAMPAIGN_INFO>"
                "</CAMPAIGN_INFOS>")
    sent = await logo.append_ok(3, order_xml([{**MLZ1, "QUANTITY": "12", "PRICE": "120.5",
                                               campaign: ""}, {"TYPE": "2", "DISCOUNT_RATE": "5"}]))
    assert logo.rows("SELECT CAMPAIGNREF, CMPGLINEREF FROM LG_001_01_ORFLINE WHERE "
                     "ORDFICHEREF = ? AND LINETYPE = 0", sent)[0][:] == (1, 1)
    unknown = await logo.append(3, order_xml([{**MLZ1, "QUANTITY": "1", "PRICE": "1",
                                               campaign.replace("KMP-CAY10", "YOK"): ""}]))
    assert unknown["status"] == "4"
    assert "kampanya" in unknown["errorString"]


async def test_get_stock_line_price_codes_f33_f34(logo: Logo) -> None:
    async def price(code: str, account: str = "120.01.001", sent: dict[str, str] | None = None) \
            -> tuple[str | None, str | None]:
        line = {**MLZ2, "QUANTITY": "2", **(sent or {})}
        record = await logo.calculated(order_xml([line], ARP_CODE=account),
                                       params_xml(GetStockLinePrice=code))
        first = record.find("TRANSACTIONS/TRANSACTION")
        assert first is not None
        return first.findtext("PRICE"), first.findtext("PRCLISTCODE")

    assert await price("0") == ("0", None)  # 0: keep the sent price (none)
    assert await price("8") == ("90", "SF-002-O")  # 8: the sales price card, the account's own
    assert await price("8", "120.01.002") == ("95", "SF-002")
    assert await price("7") == ("0", None)  # no purchase card in the fixtures
    assert await price("8", sent={"PRICE": "80"}) == ("80", None)  # a sent price wins
    assert await price("8", sent={"PRICE": "0"}) == ("90", "SF-002-O")
    # 12/13: the last sales price to this account / to anyone
    await logo.append_ok(17, slip_xml("dispatch", {
        "TYPE": "8", "NUMBER": "~", "DATE": "20.11.2026", "ARP_CODE": "120.01.001",
        "SOURCE_WH": "1"}, [{**MLZ2, "QUANTITY": "1", "PRICE": "77"}]))
    assert await price("12") == ("77", None)
    assert await price("12", "120.01.002") == ("0", None)
    assert await price("13", "120.01.002") == ("77", None)


async def test_apply_condition_adds_the_account_discount_f33(logo: Logo) -> None:
    document = order_xml([{**MLZ1, "QUANTITY": "12", "PRICE": "120.5"}], ARP_CODE="120.01.002")
    plain = await logo.calculated(document, params_xml(ApplyCondition="0"))
    assert plain.findtext("TOTAL_DISCOUNTS") == "0"
    both = await logo.calculated(document, params_xml(ApplyCondition="1", ApplyCampaign="1"))
    lines = both.findall("TRANSACTIONS/TRANSACTION")
    # the account's 3 % first, then the campaign's 5 % on what is left: 43.38 + 70.13
    assert [(t.findtext("TYPE"), t.findtext("DISCOUNT_RATE"), t.findtext("TOTAL"))
            for t in lines[1:]] == [("2", "3", "43.38"), ("2", "5", "70.13")]
    assert both.findtext("TOTAL_DISCOUNTS") == "113.51"
    sent_discount = await logo.calculated(order_xml(
        [{**MLZ1, "QUANTITY": "12", "PRICE": "120.5"}, {"TYPE": "2", "DISCOUNT_RATE": "1"}],
        ARP_CODE="120.01.002"), params_xml(ApplyCondition="1", ApplyCampaign="1"))
    assert len(sent_discount.findall("TRANSACTIONS/TRANSACTION")) == 2  # its own discount only


async def test_a_discount_line_needs_an_item_line_above_f33(logo: Logo) -> None:
    answer = await logo.calculate(3, order_xml([{"TYPE": "2", "DISCOUNT_RATE": "5"},
                                                {**MLZ1, "QUANTITY": "1", "PRICE": "1"}]))
    assert answer["status"] == "4"
    assert "İndirim" in answer["errorString"]


def _account(title: str) -> str:
    return (f'{DECLARATION}<AR_APS><AR_AP DBOP="INS"><ACCOUNT_TYPE>3</ACCOUNT_TYPE>'
            f"<CODE>120.09.001</CODE><TITLE>{title}</TITLE></AR_AP></AR_APS>")


async def test_compressed_data_xml_is_utf8_whatever_its_declaration_f9_n7(logo: Logo) -> None:
    ref = await logo.append_ok(30, compress(_account(f"ŞİŞLİ {TURKISH}")))
    assert logo.one("SELECT DEFINITION_ FROM LG_001_CLCARD WHERE LOGICALREF = ?", ref) == \
        f"ŞİŞLİ {TURKISH}"
    # the project's old way (ISO-8859-9 bytes in the gzip) is not what the service reads
    broken = await logo.append_ok(30, compress(_account("ŞİŞLİ").replace("120.09.001", "120.09.2"),
                                               "iso8859_9"))
    assert "\ufffd" in logo.one("SELECT DEFINITION_ FROM LG_001_CLCARD WHERE LOGICALREF = ?",
                                broken)


async def test_compressed_request_gets_a_compressed_answer_f33_n7(logo: Logo) -> None:
    document = order_xml([{**MLZ1, "QUANTITY": "2", "PRICE": "10"}], NOTES1=TURKISH)
    answer = await logo.calculate(3, compress(document))
    assert answer["status"] == "3", answer["errorString"]
    assert not answer["dataXML"].startswith("<")
    text = decompress(answer["dataXML"])  # gzip of UTF-8, declaration as Logo exports it
    assert text.startswith(DECLARATION)
    assert etree.fromstring(text.split("?>", 1)[1])[0].findtext("NOTES1") == TURKISH
    plain = await logo.calculate(3, document)
    assert plain["dataXML"].startswith(DECLARATION)


async def test_compressing_service_answers_reads_in_utf8_f10_n7(make_logo: Any) -> None:
    logo: Logo = await make_logo(compressed_answers=True)
    ref = await logo.append_ok(30, _account(TURKISH))
    answer = await logo.call("ReadDataObject", **logo._common(30, ref, "", ""))
    text = decompress(answer["dataXML"])
    assert etree.fromstring(text.split("?>", 1)[1])[0].findtext("TITLE") == TURKISH
    document, compressed = parse_logo_xml(answer["dataXML"])
    assert compressed
    assert document[0].findtext("TITLE") == TURKISH
