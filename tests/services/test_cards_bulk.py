"""Bulk CRM -> ERP (F11, F18, N5): results stream in input order, one per record, concurrency
bounded by the set's write limit, a failing record never stops the others, retries and repeats
create nothing twice, and a client that drops the connection loses nothing that was committed."""

from __future__ import annotations

import asyncio

import pytest
from lxml import etree

from integrator.api.keys import METRICS
from tests.fixtures.demo import (
    NETSIS,
    TIGER,
    Demo,
    MakeDemo,
    account_xml,
    bulk_xml,
    fields_of,
)

pytestmark = pytest.mark.odbc

PREFIX = {TIGER: "BLK.", NETSIS: "BLK-"}


def account_rows(demo: Demo, set_code: str, prefix: str) -> int:
    erp = demo.erps[set_code]
    if set_code == TIGER:
        return int(erp.scalar("SELECT COUNT(*) FROM LG_001_CLCARD WHERE CODE LIKE ?", prefix + "%"))
    return int(erp.scalar("SELECT COUNT(*) FROM TBLCASABIT WHERE CARI_KOD LIKE ?", prefix + "%"))


def accounts(set_code: str, numbers: range | list[int], *, links: dict[str, tuple[str, str]]
             | None = None, title: str = "TOPLU ÇALIŞMA") -> list[str]:
    out = []
    for n in numbers:
        crm_id = f"B-{n:04d}"
        ref, code = (links or {}).get(crm_id, ("", ""))
        out.append(account_xml(crm_id, {"Code": f"{PREFIX[set_code]}{n:04d}",
                                        "Title": f"{title} {n} ŞİRKETİ"}, ref=ref, code=code))
    return out


async def bulk(demo: Demo, set_code: str, records: list[str], path: str = "/v1/accounts/bulk",
               root: str = "Accounts") -> list[etree._Element]:
    status, answer = await demo.post(set_code, path, bulk_xml(records, root))
    assert status == 200, etree.tostring(answer)
    assert answer.tag == "Results" and answer.get("count") == str(len(records))
    results = list(answer)
    assert all(r.tag == "Result" for r in results), [r.tag for r in results]  # no stream error
    assert [r.get("index") for r in results] == [str(i) for i in range(1, len(records) + 1)]
    return results


@pytest.mark.parametrize("set_code", [TIGER, NETSIS])
async def test_bulk_1000_accounts_with_5_percent_erp_errors(demo: Demo, set_code: str) -> None:
    erp = demo.erps[set_code]
    erp.faults.set(erp.create_route, "business_error", every=20,
                   message="Simüle edilmiş ERP hatası: kayıt reddedildi")
    sent = accounts(set_code, range(1, 1001))
    results = await bulk(demo, set_code, sent)
    assert [r.get("crmId") for r in results] == [f"B-{n:04d}" for n in range(1, 1001)]
    ok = [r for r in results if r.get("status") == "ok"]
    failed = [r for r in results if r.get("status") == "error"]
    assert (len(ok), len(failed)) == (950, 50)
    assert all(r.get("created") == "true" and r.get("ref") and r.get("code") for r in ok)
    for result in failed:
        error = result.find("Error")
        assert error.get("code") == "ERP_REJECTED" and error.get("retryable") == "false"
        assert "Simüle edilmiş" in etree.tostring(error, encoding="unicode")
    assert account_rows(demo, set_code, PREFIX[set_code]) == 950
    assert demo.records_metric(set_code, "account", "crm_to_erp", "created") == 950
    assert demo.records_metric(set_code, "account", "crm_to_erp", "erp_rejected") == 50

    # retry the failed ones: created now, nothing twice
    erp.faults.clear()
    failed_numbers = [int(str(r.get("crmId"))[2:]) for r in failed]
    retried = await bulk(demo, set_code, accounts(set_code, failed_numbers))
    assert {(r.get("status"), r.get("created")) for r in retried} == {("ok", "true")}
    assert account_rows(demo, set_code, PREFIX[set_code]) == 1000

    # repeat the whole bulk with the links: updates only
    links = {str(r.get("crmId")): (str(r.get("ref")), str(r.get("code")))
             for r in [*ok, *retried]}
    repeated = await bulk(demo, set_code, accounts(set_code, range(1, 1001), links=links,
                                                  title="GÜNCEL"))
    assert {(r.get("status"), r.get("created")) for r in repeated} == {("ok", "false")}
    assert {str(r.get("crmId")): (r.get("ref"), r.get("code")) for r in repeated} == links
    assert account_rows(demo, set_code, PREFIX[set_code]) == 1000
    _status, record = await demo.get(set_code, f"/v1/accounts/{links['B-0777'][0]}")
    assert fields_of(record)["Title"] == "GÜNCEL 777 ŞİRKETİ"


async def test_repeating_a_bulk_without_links_creates_nothing_twice(demo: Demo) -> None:
    first = await bulk(demo, TIGER, accounts(TIGER, range(1, 31)))
    assert {r.get("created") for r in first} == {"true"}
    again = await bulk(demo, TIGER, accounts(TIGER, range(1, 31), title="TEKRAR"))
    assert {(r.get("status"), r.get("created")) for r in again} == {("ok", "false")}
    assert [r.get("ref") for r in again] == [r.get("ref") for r in first]
    assert account_rows(demo, TIGER, PREFIX[TIGER]) == 30


async def test_concurrency_is_bounded_by_the_sets_write_limit(make_demo: MakeDemo) -> None:
    demo: Demo = await make_demo(settings={"write_concurrency": 3})
    erp = demo.erps[TIGER]
    erp.faults.set(erp.create_route, "latency", seconds=0.05)
    metrics = demo.client.app[METRICS]
    peak = 0
    running = True

    async def sample() -> None:
        nonlocal peak
        while running:
            value = metrics.registry.get_sample_value("integrator_erp_writes_in_flight",
                                                      {"set": TIGER}) or 0
            peak = max(peak, int(value))
            await asyncio.sleep(0.005)

    sampler = asyncio.ensure_future(sample())
    results = await bulk(demo, TIGER, accounts(TIGER, range(1, 41)))
    running = False
    await sampler
    assert {r.get("status") for r in results} == {"ok"}
    assert 1 < peak <= 3


async def test_one_failing_record_never_stops_the_others(demo: Demo) -> None:
    records = [
        account_xml("M-1", {"Code": "BLK.M1", "Title": "BİR"}),
        account_xml("M-2", {"Title": "KODSUZ"}),                                   # MAPPING
        account_xml("M-3", {"Code": "BLK.M3", "Title": "ÜÇ"}, set_code=NETSIS),    # SET_MISMATCH
        account_xml("M-4", {"Code": "BLK.M4", "Title": "DÖRT"}, ref="999999"),     # NOT_FOUND
        account_xml("M-1", {"Code": "BLK.M1", "Title": "BİR TEKRAR"}),             # same crmId
        account_xml(None, {"Code": "BLK.M6", "Title": "KİMLİKSİZ"}),
    ]
    results = await bulk(demo, TIGER, records)
    summary = [(r.get("crmId"), r.get("status"), r.get("created"),
                r.find("Error").get("code") if r.find("Error") is not None else None)
               for r in results]
    assert summary == [
        ("M-1", "ok", "true", None),
        ("M-2", "error", None, "MAPPING"),
        ("M-3", "error", None, "SET_MISMATCH"),
        ("M-4", "error", None, "NOT_FOUND"),
        ("M-1", "ok", "false", None),
        ("", "ok", "true", None),
    ]
    assert results[0].get("ref") == results[4].get("ref")
    assert account_rows(demo, TIGER, "BLK.M") == 2  # M-1 (once) and the record without crmId


@pytest.mark.parametrize("set_code", [TIGER, NETSIS])
async def test_bulk_products(demo: Demo, set_code: str) -> None:
    unit = "ADET" if set_code == TIGER else "AD"
    records = [account_xml(f"BP-{n}", {"Code": f"BLK-ÜRÜN-{n:03d}", "Name": f"ÜRÜN {n} ÇİKOLATA",
                                       "Unit": unit, "VatRate": "10"}, root="Product")
               for n in range(1, 21)]
    results = await bulk(demo, set_code, records, "/v1/products/bulk", "Products")
    assert {(r.get("status"), r.get("created")) for r in results} == {("ok", "true")}
    _status, record = await demo.get(set_code, f"/v1/products/{results[4].get('ref')}")
    assert fields_of(record)["Name"] == "ÜRÜN 5 ÇİKOLATA"


async def test_bulk_limits(make_demo: MakeDemo) -> None:
    demo: Demo = await make_demo(limits={"max_bulk_records": 5})
    status, error = await demo.post(TIGER, "/v1/accounts/bulk",
                                    bulk_xml(accounts(TIGER, range(1, 7))))
    assert (status, error.get("code")) == (400, "VALIDATION")
    assert demo.erps[TIGER].counters.calls[demo.erps[TIGER].create_route] == 0
    status, answer = await demo.post(TIGER, "/v1/accounts/bulk", bulk_xml([]))
    assert (status, answer.tag, len(answer)) == (200, "Results", 0)


async def wait_until_idle(demo: Demo, set_code: str) -> None:
    """Until no ERP write of the set is in flight or waiting, and the counters stand still."""
    metrics = demo.client.app[METRICS]
    erp = demo.erps[set_code]
    quiet = 0
    last = -1
    for _ in range(400):
        busy = sum(metrics.registry.get_sample_value(name, {"set": set_code}) or 0
                   for name in ("integrator_erp_writes_in_flight", "integrator_erp_write_queue_depth"))
        calls = erp.counters.calls[erp.create_route]
        quiet = quiet + 1 if not busy and calls == last else 0
        last = calls
        if quiet >= 10:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the service did not settle")


@pytest.mark.parametrize("set_code", [TIGER, NETSIS])
async def test_a_dropped_bulk_client_loses_nothing_committed(demo: Demo, set_code: str) -> None:
    erp = demo.erps[set_code]
    erp.faults.set(erp.create_route, "latency", seconds=0.15)
    records = accounts(set_code, range(1, 61))
    response = await demo.client.post("/v1/accounts/bulk", data=bulk_xml(records).encode(),
                                      headers=demo.headers(set_code))
    assert response.status == 200
    seen = b""
    while seen.count(b"<Result ") < 3:  # some results arrived, more are being written
        seen += await response.content.readany()
    response.close()  # the CRM goes away mid-stream
    await wait_until_idle(demo, set_code)
    erp.faults.clear()
    committed = account_rows(demo, set_code, PREFIX[set_code])
    assert 3 <= committed < 60  # the started writes finished; nothing new was started
    assert erp.counters.calls[erp.create_route] == committed

    # the CRM sends the whole bulk again, without links (it never saw most results)
    results = await bulk(demo, set_code, accounts(set_code, range(1, 61)))
    assert {r.get("status") for r in results} == {"ok"}, [etree.tostring(r) for r in results
                                                         if r.get("status") != "ok"]
    assert sum(r.get("created") == "false" for r in results) == committed  # remembered
    assert account_rows(demo, set_code, PREFIX[set_code]) == 60


async def test_results_stream_while_records_are_still_being_written(demo: Demo) -> None:
    erp = demo.erps[TIGER]
    erp.faults.set(erp.create_route, "latency", seconds=0.1)
    response = await demo.client.post("/v1/accounts/bulk",
                                      data=bulk_xml(accounts(TIGER, range(1, 21))).encode(),
                                      headers=demo.headers(TIGER))
    first = b""
    while b"<Result " not in first:
        first += await response.content.readany()
    # the first result is out while most records are not written yet
    assert erp.counters.calls[erp.create_route] < 20
    rest = await response.read()
    root = etree.fromstring(first + rest)
    assert len(root) == 20
