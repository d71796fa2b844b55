"""Never a duplicate in the ERP (F9, F16, N5, N6): duplicate codes, repeats, concurrent creates on
one and on two replicas, writes whose outcome is unknown (reconciled by code, never re-sent
blindly), plus the refusals (SET_MISMATCH, NOT_FOUND, VALIDATION)."""

from __future__ import annotations

import asyncio

import pytest

from tests.fixtures.demo import NETSIS, TIGER, Demo, MakeDemo, account_xml, fields_of

pytestmark = pytest.mark.odbc

BOTH = pytest.mark.parametrize("set_code", [TIGER, NETSIS])
CODES = {TIGER: "120.77.", NETSIS: "120-77-"}


def rows_with_code(demo: Demo, set_code: str, code: str) -> int:
    erp = demo.erps[set_code]
    if set_code == TIGER:
        return int(erp.scalar("SELECT COUNT(*) FROM LG_001_CLCARD WHERE CODE = ?", code))
    return int(erp.scalar("SELECT COUNT(*) FROM TBLCASABIT WHERE CARI_KOD = ?", code))


def existing_code(demo: Demo, set_code: str) -> tuple[str, str]:
    """(ref, code) of an account of the generated demo data."""
    erp = demo.erps[set_code]
    if set_code == TIGER:
        return str(erp.scalar("SELECT LOGICALREF FROM LG_001_CLCARD WHERE LOGICALREF = 5")), \
            str(erp.scalar("SELECT CODE FROM LG_001_CLCARD WHERE LOGICALREF = 5"))
    code = str(erp.scalar("SELECT CARI_KOD FROM TBLCASABIT ORDER BY CARI_KOD LIMIT 1 OFFSET 4"))
    return code, code


@BOTH
async def test_duplicate_code_is_refused_naming_the_code(demo: Demo, set_code: str) -> None:
    ref, code = existing_code(demo, set_code)
    status, error = await demo.post(set_code, "/v1/accounts",
                                    account_xml("F-DUP", {"Code": code, "Title": "YENİ ÜNVAN"}))
    assert status == 422
    assert error.get("code") == "ERP_REJECTED" and error.get("retryable") == "false"
    assert code in (error.findtext("Message") or "")
    assert "on_duplicate" in (error.findtext("Message") or "")
    assert error.find("Detail").get("source") == "erp"
    assert rows_with_code(demo, set_code, code) == 1
    status, record = await demo.get(set_code, f"/v1/accounts/{ref}")
    assert fields_of(record)["Title"] != "YENİ ÜNVAN"


@BOTH
async def test_duplicate_code_links_the_existing_record_when_the_set_says_so(
        make_demo: MakeDemo, set_code: str) -> None:
    demo: Demo = await make_demo(settings={"on_duplicate": "link"})
    ref, code = existing_code(demo, set_code)
    status, link = await demo.post(set_code, "/v1/accounts",
                                   account_xml("F-LNK", {"Code": code, "Title": "BAĞLANAN ÜNVAN"}))
    assert status == 200, link.findtext("Message")
    assert (link.get("ref"), link.get("code"), link.get("created")) == (ref, code, "false")
    status, record = await demo.get(set_code, f"/v1/accounts/{ref}")
    assert fields_of(record)["Title"] == "BAĞLANAN ÜNVAN"
    assert rows_with_code(demo, set_code, code) == 1
    assert demo.records_metric(set_code, "account", "crm_to_erp", "linked") == 1
    # the link is remembered: a repeat without it updates the same record
    status, again = await demo.post(set_code, "/v1/accounts",
                                    account_xml("F-LNK", {"Code": code, "Title": "İKİNCİ"}))
    assert (status, again.get("ref"), again.get("created")) == (200, ref, "false")
    assert rows_with_code(demo, set_code, code) == 1


@BOTH
async def test_a_repeated_create_updates_the_remembered_record(demo: Demo, set_code: str) -> None:
    code = CODES[set_code] + "0001"
    body = account_xml("F-REP", {"Code": code, "Title": "İLK"})
    status, first = await demo.post(set_code, "/v1/accounts", body)
    assert (status, first.get("created")) == (201, "true")
    status, second = await demo.post(set_code, "/v1/accounts",
                                     account_xml("F-REP", {"Code": code, "Title": "SONRAKİ"}))
    assert (status, second.get("created"), second.get("ref")) == (200, "false", first.get("ref"))
    assert rows_with_code(demo, set_code, code) == 1
    status, record = await demo.get(set_code, f"/v1/accounts/{first.get('ref')}")
    assert fields_of(record)["Title"] == "SONRAKİ"


async def test_a_remembered_record_deleted_in_the_erp_is_created_again(demo: Demo) -> None:
    code = CODES[TIGER] + "0002"
    status, first = await demo.post(TIGER, "/v1/accounts",
                                    account_xml("F-DEL", {"Code": code, "Title": "SİLİNECEK"}))
    assert status == 201
    demo.erps[TIGER].execute("DELETE FROM LG_001_CLCARD WHERE LOGICALREF = ?", int(first.get("ref")))
    status, second = await demo.post(TIGER, "/v1/accounts",
                                     account_xml("F-DEL", {"Code": code, "Title": "YENİDEN"}))
    assert (status, second.get("created")) == (201, "true")
    assert rows_with_code(demo, TIGER, code) == 1


@BOTH
async def test_concurrent_creates_of_one_crm_record_make_one_erp_record(
        demo: Demo, set_code: str) -> None:
    code = CODES[set_code] + "0003"
    erp = demo.erps[set_code]
    erp.faults.set(erp.create_route, "latency", seconds=0.3)  # the creates overlap
    bodies = [account_xml("F-CONC", {"Code": code, "Title": f"EŞZAMANLI {i}"}) for i in range(5)]
    answers = await asyncio.gather(*(demo.post(set_code, "/v1/accounts", b) for b in bodies))
    created = [link for status, link in answers if link.get("created") == "true"]
    assert len(created) == 1, [(s, link.attrib) for s, link in answers]
    assert {link.get("ref") for _, link in answers} == {created[0].get("ref")}
    assert all(status in (200, 201) for status, _ in answers)
    assert rows_with_code(demo, set_code, code) == 1
    assert demo.records_metric(set_code, "account", "crm_to_erp", "created") == 1
    assert demo.records_metric(set_code, "account", "crm_to_erp", "updated") == 4


@pytest.mark.redis
async def test_concurrent_creates_on_two_replicas_make_one_erp_record(
        make_demo: MakeDemo, redis_url: str, store_prefix: str) -> None:
    demo: Demo = await make_demo(store=redis_url, store_prefix=store_prefix + "sync:", replicas=2)
    one, two = demo.replicas
    code = CODES[TIGER] + "0004"
    erp = demo.erps[TIGER]
    erp.faults.set(erp.create_route, "latency", seconds=0.3)
    body = account_xml("F-REPL", {"Code": code, "Title": "İKİ KOPYA"})
    answers = await asyncio.gather(*(replica.post(TIGER, "/v1/accounts", body)
                                     for replica in (one, two, one, two)))
    assert sorted(link.get("created") for _, link in answers) == ["false", "false", "false", "true"]
    assert len({link.get("ref") for _, link in answers}) == 1
    assert rows_with_code(demo, TIGER, code) == 1
    # the other replica remembers the link too (it lives in the shared store)
    status, later = await two.post(TIGER, "/v1/accounts", body)
    assert (status, later.get("created")) == (200, "false")


@BOTH
async def test_commit_then_drop_is_reconciled_to_one_record(demo: Demo, set_code: str) -> None:
    code = CODES[set_code] + "0005"
    erp = demo.erps[set_code]
    erp.faults.set(erp.create_route, "commit_drop", times=1)
    body = account_xml("F-DROP", {"Code": code, "Title": "KAYIT SONRA KOPMA"})
    status, link = await demo.post(set_code, "/v1/accounts", body)
    # the ERP committed and the answer was lost: found by its code, linked, not sent again
    assert (status, link.get("created"), link.get("code")) == (201, "true", code)
    assert erp.counters.calls[erp.create_route] == 1
    assert rows_with_code(demo, set_code, code) == 1
    assert demo.records_metric(set_code, "account", "crm_to_erp", "reconciled") == 1
    status, again = await demo.post(set_code, "/v1/accounts", body)  # the CRM retries anyway
    assert (status, again.get("ref"), again.get("created")) == (200, link.get("ref"), "false")
    assert rows_with_code(demo, set_code, code) == 1


@BOTH
async def test_an_uncertain_create_is_reconciled_on_retry(make_demo: MakeDemo,
                                                          set_code: str) -> None:
    """The ERP commits after the service gave up waiting: the answer is ERP_COMMIT_UNCERTAIN, and
    the retry looks the code up before it writes — one record."""
    demo: Demo = await make_demo(erp_timeout_s=0.5)
    code = CODES[set_code] + "0006"
    erp = demo.erps[set_code]
    erp.faults.set(erp.create_route, "latency", seconds=1.2, times=1)
    body = account_xml("F-LATE", {"Code": code, "Title": "GEÇ GELEN"})
    status, error = await demo.post(set_code, "/v1/accounts", body)
    assert (status, error.get("code"), error.get("retryable")) == (504, "ERP_COMMIT_UNCERTAIN", "true")
    for _ in range(50):  # the ERP finishes its work
        if rows_with_code(demo, set_code, code):
            break
        await asyncio.sleep(0.1)
    assert rows_with_code(demo, set_code, code) == 1
    status, link = await demo.post(set_code, "/v1/accounts", body)
    assert (status, link.get("created"), link.get("code")) == (201, "true", code)
    assert erp.counters.calls[erp.create_route] == 1  # reconciled, not written again
    assert rows_with_code(demo, set_code, code) == 1
    assert demo.records_metric(set_code, "account", "crm_to_erp", "erp_commit_uncertain") == 1
    assert demo.records_metric(set_code, "account", "crm_to_erp", "reconciled") == 1


@BOTH
async def test_an_uncertain_create_that_did_not_commit_is_written_on_retry(
        demo: Demo, set_code: str) -> None:
    code = CODES[set_code] + "0007"
    erp = demo.erps[set_code]
    erp.faults.set(erp.create_route, "http_500", times=1)  # a proxy answered; nothing ran
    body = account_xml("F-500", {"Code": code, "Title": "YENİDEN DENE"})
    status, error = await demo.post(set_code, "/v1/accounts", body)
    assert (status, error.get("code")) == (504, "ERP_COMMIT_UNCERTAIN")
    assert rows_with_code(demo, set_code, code) == 0
    status, link = await demo.post(set_code, "/v1/accounts", body)
    assert (status, link.get("created")) == (201, "true")
    assert erp.counters.calls[erp.create_route] == 2
    assert rows_with_code(demo, set_code, code) == 1


async def test_a_create_waiting_too_long_for_a_concurrent_one_is_retryable(
        make_demo: MakeDemo) -> None:
    demo: Demo = await make_demo(sync={"claim_wait_s": 0.2})
    erp = demo.erps[TIGER]
    erp.faults.set(erp.create_route, "latency", seconds=1.0, times=1)
    code = CODES[TIGER] + "0008"
    body = account_xml("F-WAIT", {"Code": code, "Title": "BEKLEYEN"})
    first = asyncio.ensure_future(demo.post(TIGER, "/v1/accounts", body))
    await asyncio.sleep(0.2)
    status, error = await demo.post(TIGER, "/v1/accounts", body)
    assert (status, error.get("code"), error.get("retryable")) == (504, "ERP_COMMIT_UNCERTAIN", "true")
    assert "another request" in (error.findtext("Message") or "")
    status, link = await first
    assert (status, link.get("created")) == (201, "true")
    status, again = await demo.post(TIGER, "/v1/accounts", body)
    assert (status, again.get("ref")) == (200, link.get("ref"))
    assert rows_with_code(demo, TIGER, code) == 1


@BOTH
async def test_set_mismatch_f27(demo: Demo, set_code: str) -> None:
    other = NETSIS if set_code == TIGER else TIGER
    body = account_xml("F-SET", {"Code": CODES[set_code] + "0009", "Title": "X"}, set_code=other)
    status, error = await demo.post(set_code, "/v1/accounts", body)
    assert (status, error.get("code")) == (409, "SET_MISMATCH")
    assert other in (error.findtext("Message") or "")
    assert demo.erps[set_code].counters.calls[demo.erps[set_code].create_route] == 0
    same = account_xml("F-SET", {"Code": CODES[set_code] + "0009", "Title": "X"}, set_code=set_code)
    status, _ = await demo.post(set_code, "/v1/accounts", same)
    assert status == 201


@BOTH
async def test_not_found(demo: Demo, set_code: str) -> None:
    unknown = "999999" if set_code == TIGER else "YOK-BU-KOD"
    for path in (f"/v1/accounts/{unknown}", f"/v1/products/{unknown}"):
        status, error = await demo.get(set_code, path)
        assert (status, error.get("code")) == (404, "NOT_FOUND"), path
        assert unknown in (error.findtext("Message") or "")
    status, error = await demo.post(set_code, "/v1/accounts",
                                    account_xml("F-NF", {"Title": "X"}, ref=unknown))
    assert (status, error.get("code")) == (404, "NOT_FOUND")
    if set_code == TIGER:  # a Tiger link given by its code only is looked up by code
        status, error = await demo.post(TIGER, "/v1/accounts",
                                        account_xml("F-NF", {"Title": "X"}, code="YOK.KOD"))
        assert (status, error.get("code")) == (404, "NOT_FOUND")


async def test_a_tiger_link_by_code_only_updates_that_record(demo: Demo) -> None:
    ref, code = existing_code(demo, TIGER)
    status, link = await demo.post(TIGER, "/v1/accounts",
                                   account_xml("F-BYCODE", {"Title": "KODLA GÜNCEL"}, code=code))
    assert (status, link.get("ref"), link.get("code"), link.get("created")) == (200, ref, code, "false")


@pytest.mark.parametrize(("path", "body", "code"), [
    ("/v1/accounts", "<Product crmId='P'/>", "VALIDATION"),
    ("/v1/accounts", "<Account crmId='F'><Field>no name</Field></Account>", "VALIDATION"),
    ("/v1/accounts", "<Account crmId='F'><Field name='A'>1</Field><Field name='A'>2</Field></Account>",
     "VALIDATION"),
    ("/v1/accounts", "<Account crmId='F'><Field name='Title'>x</Field>", "BAD_XML"),
    ("/v1/accounts", "", "BAD_XML"),
    ("/v1/products", "<Account crmId='F'/>", "VALIDATION"),
    ("/v1/accounts/bulk", "<Account crmId='F'/>", "VALIDATION"),
    ("/v1/accounts/bulk", "<Accounts><Account><Bad/></Account></Accounts>", "VALIDATION"),
])
async def test_bad_bodies(demo: Demo, path: str, body: str, code: str) -> None:
    status, error = await demo.post(TIGER, path, body)
    assert (status, error.get("code")) == (400, code)
    assert demo.erps[TIGER].counters.calls[demo.erps[TIGER].create_route] == 0


async def test_mapping_problems_and_bad_refs(demo: Demo) -> None:
    status, error = await demo.post(TIGER, "/v1/accounts", account_xml("F-M", {"Title": "KODSUZ"}))
    assert (status, error.get("code")) == (422, "MAPPING")  # no Code and no link
    assert error.find("Detail").get("path") == "Field[@name='Code']"
    status, error = await demo.get(TIGER, "/v1/accounts/abc")
    assert (status, error.get("code")) == (400, "VALIDATION")
    status, error = await demo.post(TIGER, "/v1/accounts", account_xml("F-M", {"Title": "X"},
                                                                       ref="-3"))
    assert (status, error.get("code")) == (400, "VALIDATION")


async def test_a_create_without_crm_id_relies_on_the_erp_code(demo: Demo) -> None:
    code = CODES[TIGER] + "0010"
    body = account_xml(None, {"Code": code, "Title": "KİMLİKSİZ"})
    status, link = await demo.post(TIGER, "/v1/accounts", body)
    assert (status, link.get("created")) == (201, "true")
    status, error = await demo.post(TIGER, "/v1/accounts", body)
    assert (status, error.get("code")) == (422, "ERP_REJECTED")
    assert rows_with_code(demo, TIGER, code) == 1


async def test_a_client_gone_during_a_create_loses_nothing(demo: Demo) -> None:
    """The CRM gives up waiting (its handler is cancelled): the started create still finishes and
    is remembered, so the CRM's retry updates it instead of creating it again."""
    erp = demo.erps[TIGER]
    erp.faults.set(erp.create_route, "latency", seconds=0.5, times=1)
    code = CODES[TIGER] + "0011"
    body = account_xml("F-GONE", {"Code": code, "Title": "BEKLEMEDEN GİDEN"})
    with pytest.raises(asyncio.TimeoutError):
        async with asyncio.timeout(0.1):
            await demo.post(TIGER, "/v1/accounts", body)
    for _ in range(50):
        if demo.records_metric(TIGER, "account", "crm_to_erp", "created"):
            break
        await asyncio.sleep(0.05)
    assert demo.records_metric(TIGER, "account", "crm_to_erp", "created") == 1
    status, link = await demo.post(TIGER, "/v1/accounts", body)
    assert (status, link.get("created")) == (200, "false")
    assert rows_with_code(demo, TIGER, code) == 1
