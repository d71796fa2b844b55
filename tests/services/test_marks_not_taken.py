"""A write whose outcome is unknown, and then the store cannot take its mark (F26, F29, F15, F22,
N5): the retry must still write nothing while the write may land.

The audit's finding 2: ``Ledger.mark_pending`` / ``mark_deleting`` only logged a store failure
(``sync_pending_not_marked``), and the claim was then freed as usual. With the store back a moment
later, the CRM's retry took the claim, found no mark and, the ERP not showing the slow write yet,
wrote again: a second order; for a card with a template code, a second card under the next number;
after a cancel's uncertain delete, a transfer answered the order the delete then removed. Now the
claim is held for the write's settle window instead of freed: retries meanwhile answer
``ERP_COMMIT_UNCERTAIN`` and write nothing. (The hold ending is stood for by removing the claim
from the store rather than waiting 31 s for it.)"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from lxml import etree

from integrator.api.keys import STORE
from integrator.services.claims import RecordId
from tests.fixtures.demo import NETSIS, TIGER, Demo, MakeDemo
from tests.fixtures.quotes import ORDER_ROUTES, documents, quote_xml, transfer_path
from tests.fixtures.store_faults import fail_store
from tests.services.test_cards_uncertain_retry import MATCH, card_codes, link_of, route

pytestmark = pytest.mark.odbc

BOTH = pytest.mark.parametrize("set_code", [TIGER, NETSIS])
DELETE_ROUTES = {TIGER: "DeleteDataObject", NETSIS: "ItemSlips.delete"}
ORDER_MATCH = "SALES_ORDERS|FaturaTip"


def show(answer: etree._Element) -> str:
    return etree.tostring(answer, encoding="unicode")


async def settled(count: Callable[[], int], expected: int) -> int:
    """``count()`` once the simulator has finished the write the service gave up on (polled until
    it shows ``expected``, bounded: no timing is asserted)."""
    for _ in range(200):
        found = count()
        if found == expected:
            break
        await asyncio.sleep(0.05)
    return found


async def hold_ends(demo: Demo, rid: RecordId) -> None:
    """The held claim's time runs out (its settle window is over)."""
    await demo.client.app[STORE].delete(rid.key("claim"))


@BOTH
async def test_an_uncertain_transfer_whose_pending_mark_fails_is_not_written_twice_f29_n5(
        make_demo: MakeDemo, set_code: str, monkeypatch: pytest.MonkeyPatch) -> None:
    demo: Demo = await make_demo(erp_timeout_s=0.5, sync={"claim_wait_s": 0.2})
    erp = demo.erps[set_code]
    erp.faults.set(ORDER_ROUTES[set_code], "latency", seconds=1.5, times=1, match=ORDER_MATCH)
    rid = RecordId(set_code, "quote", "Q-M1")
    failed = fail_store(monkeypatch, demo.client.app[STORE], "set",
                        lambda key: key == rid.key("pending"))
    body = quote_xml(set_code, "Q-M1")
    status, error = await demo.post(set_code, transfer_path("Q-M1", "order"), body)
    assert (status, error.get("code")) == (504, "ERP_COMMIT_UNCERTAIN"), show(error)
    assert failed == [rid.key("pending")]  # the store did not take the mark
    # the CRM retries at once, the store reachable again: nothing is written
    status, again = await demo.post(set_code, transfer_path("Q-M1", "order"), body)
    assert (status, again.get("code"), again.get("retryable")) == (
        504, "ERP_COMMIT_UNCERTAIN", "true"), show(again)
    # the slow write lands; no second order
    assert await settled(lambda: documents(demo, set_code, "Q-M1"), 1) == 1
    await hold_ends(demo, rid)
    status, answer = await demo.post(set_code, transfer_path("Q-M1", "order"), body)
    assert (status, answer.get("created")) == (200, "false"), show(answer)
    assert documents(demo, set_code, "Q-M1") == 1


@BOTH
async def test_an_uncertain_delete_whose_deleting_mark_fails_is_answered_by_no_transfer_f26_n5(
        make_demo: MakeDemo, set_code: str, monkeypatch: pytest.MonkeyPatch) -> None:
    demo: Demo = await make_demo(erp_timeout_s=0.5, sync={"claim_wait_s": 0.2})
    erp = demo.erps[set_code]
    body = quote_xml(set_code, "Q-M2")
    status, made = await demo.post(set_code, transfer_path("Q-M2", "order"), body)
    assert status == 201, show(made)
    rid = RecordId(set_code, "quote", "Q-M2")
    erp.faults.set(DELETE_ROUTES[set_code], "latency", seconds=1.5, times=1)
    failed = fail_store(monkeypatch, demo.client.app[STORE], "set",
                        lambda key: key == rid.key("deleting"))
    status, error = await demo.delete(set_code, transfer_path("Q-M2"))
    assert (status, error.get("code")) == (504, "ERP_COMMIT_UNCERTAIN"), show(error)
    assert failed == [rid.key("deleting")]
    # the delete may still remove the order: a transfer must not answer it as the quote's
    status, again = await demo.post(set_code, transfer_path("Q-M2", "order"), body)
    assert (status, again.get("code"), again.get("number")) == (
        504, "ERP_COMMIT_UNCERTAIN", None), show(again)
    assert await settled(lambda: documents(demo, set_code, "Q-M2"), 0) == 0  # the delete lands
    await hold_ends(demo, rid)
    status, answer = await demo.post(set_code, transfer_path("Q-M2", "order"), body)
    assert (status, answer.get("created")) == (201, "true"), show(answer)
    assert documents(demo, set_code, "Q-M2") == 1


@BOTH
async def test_an_uncertain_auto_create_whose_pending_mark_fails_makes_one_card_f15_f22_n5(
        make_demo: MakeDemo, set_code: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The account's code comes from the set's template: a retry that does not know the code the
    uncertain create used takes the next number, and the ERP's unique code stops nothing."""
    demo: Demo = await make_demo(erp_timeout_s=0.5, sync={"claim_wait_s": 0.2})
    erp = demo.erps[set_code]
    create = route(set_code, "account")
    erp.faults.set(create, "latency", seconds=1.5, times=1, match=MATCH[(set_code, "account")])
    rid = RecordId(set_code, "account", "X-M3")
    sent = erp.counters.calls[create]
    # the mark after the write (not before it) is what the store cannot take
    failed = fail_store(monkeypatch, demo.client.app[STORE], "set",
                        lambda key: key == rid.key("pending") and erp.counters.calls[create] > sent)
    body = quote_xml(set_code, "Q-M3", account_crm="X-M3")
    status, error = await demo.post(set_code, transfer_path("Q-M3", "order"), body)
    assert (status, error.get("code")) == (504, "ERP_COMMIT_UNCERTAIN"), show(error)
    assert failed == [rid.key("pending")]
    status, again = await demo.post(set_code, transfer_path("Q-M3", "order"), body)
    assert (status, again.get("code")) == (504, "ERP_COMMIT_UNCERTAIN"), show(again)
    await settled(lambda: len(card_codes(demo, set_code, "account", "X-M3")), 1)
    codes = card_codes(demo, set_code, "account", "X-M3")
    assert len(codes) == 1, codes  # one card, under the first attempt's code
    await hold_ends(demo, rid)
    status, answer = await demo.post(set_code, transfer_path("Q-M3", "order"), body)
    assert status == 201, show(answer)
    assert link_of(answer, "account").get("code") == codes[0]
    assert card_codes(demo, set_code, "account", "X-M3") == codes
    assert documents(demo, set_code, "Q-M3") == 1
