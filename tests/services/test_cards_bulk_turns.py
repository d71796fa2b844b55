"""Records of one bulk that concern the same ERP card go one after another, in input order (F11,
F18, N5; docs/sync.md §6): a bulk does what the same records sent one by one do. Before, they ran
side by side: two updates of one card both read it before either wrote, and the second write put
back what the first had changed (both answered ``ok``); a second create of one CRM record waited
at most ``sync.claim_wait_s`` for the first; two creates of one code were answered in the order
the ERP happened to take them."""

from __future__ import annotations

import pytest
from lxml import etree

from tests.fixtures.demo import NETSIS, TIGER, Demo, MakeDemo, account_xml, bulk_xml, fields_of

pytestmark = pytest.mark.odbc

BOTH = pytest.mark.parametrize("set_code", [TIGER, NETSIS])
CODE = {TIGER: "TRN.{:04d}", NETSIS: "TRN-{:04d}"}


async def bulk(demo: Demo, set_code: str, records: list[str]) -> list[etree._Element]:
    status, answer = await demo.post(set_code, "/v1/accounts/bulk", bulk_xml(records))
    assert status == 200 and answer.tag == "Results", etree.tostring(answer)
    assert all(r.tag == "Result" for r in answer), etree.tostring(answer)
    return list(answer)


def outcome(result: etree._Element) -> tuple[str | None, str | None]:
    error = result.find("Error")
    return result.get("status"), (error.get("code") if error is not None
                                  else result.get("created"))


async def title_and_office(demo: Demo, set_code: str, ref: str) -> tuple[str, str]:
    status, record = await demo.get(set_code, f"/v1/accounts/{ref}")
    assert status == 200, etree.tostring(record)
    fields = fields_of(record)
    return fields["Title"], fields.get("TaxOffice", "")


@BOTH
async def test_two_updates_of_one_card_in_one_bulk_both_land_f11_f18(demo: Demo,
                                                                     set_code: str) -> None:
    status, link = await demo.post(set_code, "/v1/accounts", account_xml(
        "T-1", {"Code": CODE[set_code].format(1), "Title": "ESKİ UNVAN", "TaxOffice": "ESKİ"}))
    assert status == 201, etree.tostring(link)
    ref, code = str(link.get("ref")), str(link.get("code"))
    results = await bulk(demo, set_code, [
        account_xml("T-1", {"Title": "YENİ UNVAN"}, ref=ref, code=code),
        account_xml("T-1", {"TaxOffice": "YENİ"}, ref=ref, code=code)])
    assert [outcome(r) for r in results] == [("ok", "false"), ("ok", "false")]
    # the second change did not put back the title the first one changed
    assert await title_and_office(demo, set_code, ref) == ("YENİ UNVAN", "YENİ")


@BOTH
async def test_a_remembered_record_and_its_link_in_one_bulk_change_it_in_order_f11_f18_n5(
        demo: Demo, set_code: str) -> None:
    status, link = await demo.post(set_code, "/v1/accounts", account_xml(
        "T-2", {"Code": CODE[set_code].format(2), "Title": "ESKİ UNVAN", "TaxOffice": "ESKİ"}))
    assert status == 201, etree.tostring(link)
    ref, code = str(link.get("ref")), str(link.get("code"))
    results = await bulk(demo, set_code, [
        account_xml("T-2", {"Title": "YENİ UNVAN"}),                   # remembered: an update
        account_xml("T-2", {"TaxOffice": "YENİ"}, ref=ref, code=code)])  # the link: an update
    assert [outcome(r) for r in results] == [("ok", "false"), ("ok", "false")]
    assert await title_and_office(demo, set_code, ref) == ("YENİ UNVAN", "YENİ")


@BOTH
async def test_a_crm_record_twice_in_one_bulk_waits_for_its_turn_not_for_the_claim_f11_n5(
        make_demo: MakeDemo, set_code: str) -> None:
    demo: Demo = await make_demo(sync={"claim_wait_s": 0.05})
    erp = demo.erps[set_code]
    erp.faults.set(erp.create_route, "latency", seconds=0.5, times=1)  # a slow first create
    code = CODE[set_code].format(3)
    results = await bulk(demo, set_code, [
        account_xml("T-3", {"Code": code, "Title": "BİRİNCİ"}),
        account_xml("T-3", {"Code": code, "Title": "İKİNCİ"})])
    assert [outcome(r) for r in results] == [("ok", "true"), ("ok", "false")]
    assert results[0].get("ref") == results[1].get("ref")
    assert (await title_and_office(demo, set_code, str(results[0].get("ref"))))[0] == "İKİNCİ"


@BOTH
async def test_two_crm_records_of_one_code_are_answered_in_input_order_f11_f18(
        demo: Demo, set_code: str) -> None:
    erp = demo.erps[set_code]
    # the first record's create is slow: the ERP would take the second one's first
    erp.faults.set(erp.create_route, "latency", seconds=0.3, match="ALPHA")
    code = CODE[set_code].format(4)
    results = await bulk(demo, set_code, [
        account_xml("T-4A", {"Code": code, "Title": "ALPHA"}),
        account_xml("T-4B", {"Code": code, "Title": "BETA"})])
    assert [outcome(r) for r in results] == [("ok", "true"), ("error", "ERP_REJECTED")]
    assert (await title_and_office(demo, set_code, str(results[0].get("ref"))))[0] == "ALPHA"
