"""The claim of a quote lasts as long as its transfer (F23, F29, N5, N6), through the service over
real HTTP on both demo sets, on the memory store and on Redis.

The audit's finding C: the claim had a fixed time to live and was never renewed, so a transfer that
auto-creates many products outlived it, and a CRM retry after its own HTTP timeout took the claim
while the first request was still working: both wrote an order. Now the holder renews its claim
while it runs, and checks it right before the document write: a claim lost meanwhile (the store
was unreachable for longer than its TTL and another request took it) writes nothing."""

from __future__ import annotations

import asyncio
import time

import pytest
from lxml import etree

from integrator.api.keys import STORE
from integrator.config import IntegrationSet
from integrator.services.claims import RecordId
from tests.fixtures.demo import NETSIS, TIGER, Demo, MakeDemo
from tests.fixtures.quotes import documents, transfer_path

pytestmark = pytest.mark.odbc

# where an auto-created product is written (simulator route, body match), a known account, a unit
ITEMS = {TIGER: ("AppendDataObject", "ITEMS"), NETSIS: ("Items.post", "StokTemelBilgi")}
ACCOUNT = {TIGER: "120.02.0001", NETSIS: "120-00001"}
UNIT = {TIGER: "ADET", NETSIS: "AD"}


def many_products_quote(set_code: str, quote: str, products: int) -> str:
    """A quote of a known account and ``products`` products the ERP does not have yet (each one
    is auto-created: one more ERP write, and a wait for a write seat, per product)."""
    unit = UNIT[set_code]
    lines = "".join(
        f'<Line crmId="{quote}-L{i}"><Product crmId="P-{quote}-{i}">'
        f'<Field name="Name">ÜRÜN {i}</Field><Field name="Unit">{unit}</Field>'
        f'<Field name="VatRate">20</Field></Product><Field name="Quantity">1</Field>'
        f'<Field name="UnitPrice">10</Field><Field name="Unit">{unit}</Field>'
        f'<Field name="VatRate">20</Field></Line>' for i in range(products))
    return (f'<Quote crmId="{quote}" set="{set_code}" warehouse="2" revision="1">'
            f'<Account crmId="F-DEMO" code="{ACCOUNT[set_code]}"/>'
            f'<Field name="Date">2026-11-30</Field><Lines>{lines}</Lines></Quote>')


def short_queries(s: IntegrationSet) -> IntegrationSet:
    return s.model_copy(update={"database": s.database.model_copy(update={"query_timeout_s": 1})})


def show(answer: etree._Element) -> str:
    return etree.tostring(answer, encoding="unicode")


@pytest.mark.slow
@pytest.mark.parametrize(("set_code", "store"), [
    (TIGER, "memory"), pytest.param(NETSIS, "redis", marks=pytest.mark.redis)])
async def test_a_retry_during_a_transfer_longer_than_the_claims_ttl_writes_no_second_order_f23_f29_n5(
        make_demo: MakeDemo, set_code: str, store: str, request: pytest.FixtureRequest) -> None:
    """The audit's script C: the claim's TTL is 8 x 0.5 s + 6 x 1 s + 10 s = 20 s; 60 products
    auto-created at 0.45 s or more each keep the first transfer busy for 27 s at least. The CRM's
    retry at 20.5 s (on Redis: through the other replica) finds the claim still held: it waits,
    then answers ERP_COMMIT_UNCERTAIN (retryable) or, once the first transfer ended, its order.
    One order."""
    if store == "redis":
        demo: Demo = await make_demo(
            erp_timeout_s=0.5, modify=short_queries, replicas=2,
            store=request.getfixturevalue("redis_url"),
            store_prefix=request.getfixturevalue("store_prefix") + "qc:")
        first_replica, retry_replica = demo.replicas
    else:
        demo = await make_demo(erp_timeout_s=0.5, modify=short_queries)
        first_replica = retry_replica = demo
    route, match = ITEMS[set_code]
    demo.erps[set_code].faults.set(route, "latency", seconds=0.45, match=match)
    body = many_products_quote(set_code, "Q-C1", 60)
    path = transfer_path("Q-C1", "order")
    started = time.monotonic()
    first = asyncio.ensure_future(first_replica.post(set_code, path, body))
    await asyncio.sleep(20.5)  # past the claim's TTL, the first transfer still running
    assert not first.done(), "the first transfer ended before the claim's TTL: nothing tested"
    retry = asyncio.ensure_future(retry_replica.post(set_code, path, body))
    (status, answer), (retry_status, retry_answer) = await asyncio.gather(first, retry)
    assert time.monotonic() - started > 20.5
    assert (status, answer.get("created")) == (201, "true"), show(answer)
    if retry_status == 200:  # it waited for the claim and found the first transfer's order
        assert (retry_answer.get("created"), retry_answer.get("number")) == (
            "false", answer.get("number")), show(retry_answer)
    else:
        assert (retry_status, retry_answer.get("code"), retry_answer.get("retryable")) == (
            504, "ERP_COMMIT_UNCERTAIN", "true"), show(retry_answer)
    assert documents(demo, set_code, "Q-C1") == 1
    status, again = await retry_replica.post(set_code, path, body)  # the CRM's next retry
    assert (status, again.get("created"), again.get("number")) == (
        200, "false", answer.get("number")), show(again)
    assert documents(demo, set_code, "Q-C1") == 1


@pytest.mark.parametrize("store", ["memory", pytest.param("redis", marks=pytest.mark.redis)])
@pytest.mark.parametrize("set_code", [TIGER, NETSIS])
async def test_a_transfer_whose_claim_was_lost_writes_nothing_f23_f29_n5_n6(
        make_demo: MakeDemo, set_code: str, store: str, request: pytest.FixtureRequest) -> None:
    """While a transfer auto-creates its products, its claim is lost (as when the store was
    unreachable for longer than the claim's TTL and another replica took the quote): right before
    the order is written the transfer finds the claim another's and writes nothing — a retryable
    ERP_COMMIT_UNCERTAIN that still lists the products it created. Once the other lets go, the
    retry makes the one order and links the same products."""
    if store == "redis":
        demo: Demo = await make_demo(store=request.getfixturevalue("redis_url"),
                                     store_prefix=request.getfixturevalue("store_prefix") + "ql:")
    else:
        demo = await make_demo()
    route, match = ITEMS[set_code]
    demo.erps[set_code].faults.set(route, "latency", seconds=0.3, match=match)
    body = many_products_quote(set_code, "Q-C2", 3)
    path = transfer_path("Q-C2", "order")
    shared = demo.client.app[STORE]
    claim = RecordId(set_code, "quote", "Q-C2").key("claim")
    first = asyncio.ensure_future(demo.post(set_code, path, body))
    for _ in range(1500):  # up to 30 s: the transfer takes its claim
        if await shared.get(claim) is not None:
            break
        await asyncio.sleep(0.02)
    else:
        pytest.fail("the transfer never took its claim")
    await shared.set(claim, b"another replica", ttl_s=60)  # lost: another request holds it now
    status, error = await first
    assert (status, error.get("code"), error.get("retryable")) == (
        504, "ERP_COMMIT_UNCERTAIN", "true"), show(error)
    assert "nothing was written" in (error.findtext("Message") or show(error))
    links = error.findall("Link")
    assert sorted(link.get("crmId") or "" for link in links) == [f"P-Q-C2-{i}" for i in range(3)]
    assert documents(demo, set_code, "Q-C2") == 0
    assert await shared.get(claim) == b"another replica"  # the other's claim is left alone
    await shared.delete(claim)  # the other request ends
    status, answer = await demo.post(set_code, path, body)
    assert (status, answer.get("created")) == (201, "true"), show(answer)
    assert sorted((link.get("crmId"), link.get("code")) for link in answer.findall("Link")) == \
        sorted((link.get("crmId"), link.get("code")) for link in links)
    assert documents(demo, set_code, "Q-C2") == 1
