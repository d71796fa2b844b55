"""A card whose code the set's template hands out is written once per CRM record, also when its
claim is lost or its link is not remembered (F15, F22, N5, N6).

The audit's finding 4: account and product creates did not confirm their claim before the ERP
write, relying on the ERP's unique code. That holds for a code the CRM record carries (a second
write of it is refused as a duplicate), not for a template number: each attempt takes the next
free one, so two writes of one CRM record made two cards —

* when the claim ran out before the write (the store's answer came late, another request of the
  record took the claim and created the card meanwhile);
* when the link of a created card was not remembered (the store failed as the claim was freed)
  and the record came again without its link.

Now such a create confirms its claim and writes its code as the record's pending mark before the
write (``Ledger.intend``): a lost claim writes nothing, and a record whose link was not remembered
is found again under that code."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from lxml import etree

from integrator.api.keys import STORE
from integrator.services.claims import RecordId
from tests.fixtures.demo import NETSIS, TIGER, Demo, MakeDemo
from tests.fixtures.quotes import documents, quote_xml, transfer_path
from tests.fixtures.store_faults import fail_store
from tests.services.test_cards_uncertain_retry import card_codes, link_of

pytestmark = pytest.mark.odbc

BOTH = pytest.mark.parametrize("set_code", [TIGER, NETSIS])


def show(answer: etree._Element) -> str:
    return etree.tostring(answer, encoding="unicode")


@BOTH
async def test_a_create_whose_claim_ran_out_before_the_write_writes_nothing_f15_f22_n5(
        make_demo: MakeDemo, set_code: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two quotes need the same new account. The first takes the account's claim, but the store's
    answer reaches it only after the claim ran out and the second quote took the claim, created
    the account (the next template number) and let go. The first then writes nothing."""
    demo: Demo = await make_demo()
    store = demo.client.app[STORE]
    claim = RecordId(set_code, "account", "X-C1").key("claim")
    real = store.set_if_absent_then_get
    late, go_on = asyncio.Event(), asyncio.Event()

    async def answered_late(key: str, *args: Any, **kwargs: Any) -> Any:
        answer = await real(key, *args, **kwargs)
        if key == claim and not late.is_set():
            await store.delete(claim)  # the claim runs out before its holder hears it got it
            late.set()
            await go_on.wait()
        return answer

    monkeypatch.setattr(store, "set_if_absent_then_get", answered_late)
    first = asyncio.ensure_future(demo.post(
        set_code, transfer_path("Q-C1A", "order"), quote_xml(set_code, "Q-C1A", account_crm="X-C1")))
    await asyncio.wait_for(late.wait(), 30)
    status, second = await demo.post(set_code, transfer_path("Q-C1B", "order"),
                                     quote_xml(set_code, "Q-C1B", account_crm="X-C1"))
    assert status == 201, show(second)
    made = link_of(second, "account").get("code")
    go_on.set()
    status, error = await first
    assert (status, error.get("code"), error.get("retryable")) == (
        504, "ERP_COMMIT_UNCERTAIN", "true"), show(error)
    assert "nothing was written" in (error.findtext("Message") or "")
    assert card_codes(demo, set_code, "account", "X-C1") == [made]
    assert documents(demo, set_code, "Q-C1A") == 0
    # the first quote's retry links the account the second made
    status, answer = await demo.post(set_code, transfer_path("Q-C1A", "order"),
                                     quote_xml(set_code, "Q-C1A", account_crm="X-C1"))
    assert status == 201, show(answer)
    assert link_of(answer, "account").get("code") == made
    assert card_codes(demo, set_code, "account", "X-C1") == [made]


@BOTH
async def test_a_created_card_whose_link_was_not_remembered_is_found_again_f15_f22_n5(
        make_demo: MakeDemo, set_code: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The account is created, and the store fails as its claim is freed (the link is not
    remembered; the claim runs out by itself — removed here rather than waited for). The next
    quote with the same new account, sent without the link, links that account."""
    demo: Demo = await make_demo()
    store = demo.client.app[STORE]
    rid = RecordId(set_code, "account", "X-C2")
    failed = fail_store(monkeypatch, store, "set_then_delete_if_equal",
                        lambda key: key == rid.key("link"))
    status, first = await demo.post(set_code, transfer_path("Q-C2A", "order"),
                                    quote_xml(set_code, "Q-C2A", account_crm="X-C2"))
    assert status == 201, show(first)
    assert failed == [rid.key("link")]
    made = link_of(first, "account").get("code")
    await store.delete(rid.key("claim"))  # its time to live is over
    status, second = await demo.post(set_code, transfer_path("Q-C2B", "order"),
                                     quote_xml(set_code, "Q-C2B", account_crm="X-C2"))
    assert status == 201, show(second)
    assert link_of(second, "account").get("code") == made
    assert card_codes(demo, set_code, "account", "X-C2") == [made]


@BOTH
@pytest.mark.parametrize("entity", ["account", "product"])
async def test_a_new_card_numbered_by_the_template_needs_its_crm_id_f15_f22_n5(
        make_demo: MakeDemo, set_code: str, entity: str) -> None:
    """A record the transfer would create with a template number, sent without a crmId, had
    nothing the service could keep the number or the card's link under: a retry of a transfer
    whose answer was lost took the next number and made a second card. It is refused before
    anything is written (VALIDATION naming the record); with its crmId it is created."""
    demo: Demo = await make_demo()
    crm_id, quote = f"X-N{entity[0]}", f"Q-N{entity[0]}"
    if entity == "account":
        body = quote_xml(set_code, quote, account_crm=crm_id)
        anonymous, path = body.replace(f'<Account crmId="{crm_id}">', "<Account>"), "Account"
    else:
        body = quote_xml(set_code, quote, new_product=crm_id)
        anonymous, path = body.replace(f'<Product crmId="{crm_id}">', "<Product>"), "Line[2]"
    assert anonymous != body
    for _ in range(2):  # the retry is refused alike, and makes nothing either
        status, error = await demo.post(set_code, transfer_path(quote, "order"), anonymous)
        assert (status, error.get("code")) == (400, "VALIDATION"), show(error)
        assert "has no crmId" in (error.findtext("Message") or "")
        assert [path in (d.get("path") or "") for d in error.iter("Detail")] == [True], show(error)
    assert card_codes(demo, set_code, entity, crm_id) == []
    assert documents(demo, set_code, quote) == 0
    status, answer = await demo.post(set_code, transfer_path(quote, "order"), body)
    assert status == 201, show(answer)
    assert card_codes(demo, set_code, entity, crm_id) == [link_of(answer, entity).get("code")]
