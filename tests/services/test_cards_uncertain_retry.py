"""A retry after a create whose outcome is unknown never makes a second card (F9, F15, F16, F22,
N5): it looks for the card under the code the earlier attempt used (the pending mark), writes
nothing while that write may still land (the settle window), and afterwards creates with the same
code — never with a new template number. The ERP is slower than the service's timeout through the
simulators' latency fault (the audit's case D: two account cards for one CRM firm)."""

from __future__ import annotations

import asyncio

import pytest
from lxml import etree

from integrator.api.keys import STORE
from integrator.config import IntegrationSet
from integrator.erp.wire import server_failure
from integrator.errors import ErpCommitUncertain
from integrator.services.claims import RecordId
from integrator.services.ledger import Ledger
from integrator.sessions.store import Store
from tests.fixtures.demo import NETSIS, TIGER, Demo, MakeDemo, account_xml
from tests.fixtures.quotes import ORDER_ROUTES, documents, quote_xml, transfer_path

pytestmark = pytest.mark.odbc

BOTH = pytest.mark.parametrize("set_code", [TIGER, NETSIS])
# the simulator route of a card create, and what in its body names an account / a product
CREATE_ROUTES = {TIGER: "AppendDataObject", NETSIS: {"account": "ARPs.post",
                                                     "product": "Items.post"}}
MATCH = {(TIGER, "account"): "AR_APS", (TIGER, "product"): "ITEMS",
         (NETSIS, "account"): "CariTemelBilgi", (NETSIS, "product"): "StokTemelBilgi"}
# the codes of the cards whose name holds a CRM id (the demo mappings put it into the name)
CARDS = {(TIGER, "account"): "SELECT CODE FROM LG_001_CLCARD WHERE instr(DEFINITION_, ?) > 0",
         (TIGER, "product"): "SELECT CODE FROM LG_001_ITEMS WHERE instr(NAME, ?) > 0",
         (NETSIS, "account"): "SELECT CARI_KOD FROM TBLCASABIT WHERE instr(CARI_ISIM, ?) > 0",
         (NETSIS, "product"): "SELECT STOK_KODU FROM TBLSTSABIT WHERE instr(STOK_ADI, ?) > 0"}


def route(set_code: str, entity: str) -> str:
    routes = CREATE_ROUTES[set_code]
    return routes if isinstance(routes, str) else routes[entity]


def card_codes(demo: Demo, set_code: str, entity: str, crm_id: str) -> list[str]:
    with demo.erps[set_code].db() as conn:
        rows = conn.execute(CARDS[(set_code, entity)], (crm_id,)).fetchall()
    return sorted(str(code) for code, in rows)


async def landed(demo: Demo, set_code: str, entity: str, crm_id: str) -> list[str]:
    """The card's codes once the slow ERP has finished the write the service gave up on."""
    for _ in range(100):
        codes = card_codes(demo, set_code, entity, crm_id)
        if codes:
            return codes
        await asyncio.sleep(0.05)
    return card_codes(demo, set_code, entity, crm_id)


async def pending_code(demo: Demo, set_code: str, entity: str, crm_id: str) -> str | None:
    raw = await demo.client.app[STORE].get(RecordId(set_code, entity, crm_id).key("pending"))
    return raw.decode() if raw else None


def link_of(answer: etree._Element, entity: str) -> etree._Element:
    link = answer.find(f"Link[@entity='{entity}']")
    assert link is not None, etree.tostring(answer, encoding="unicode")
    return link


def quote_for(set_code: str, entity: str, quote: str, crm_id: str) -> str:
    if entity == "account":
        return quote_xml(set_code, quote, account_crm=crm_id)
    return quote_xml(set_code, quote, new_product=crm_id)


@BOTH
@pytest.mark.parametrize("entity", ["account", "product"])
async def test_a_retry_while_an_auto_created_card_may_land_writes_nothing_f15_f22_n5(
        make_demo: MakeDemo, set_code: str, entity: str) -> None:
    """Audit D: the card's create outlasts the timeout, the CRM retries the transfer at once.
    The retry writes no second card (before the fix it took a new template code and created
    again); once the card has landed, the next retry links it and transfers the quote."""
    demo: Demo = await make_demo(erp_timeout_s=0.5)
    erp = demo.erps[set_code]
    crm_id, quote = f"X-D1{entity[0]}", f"Q-D1{entity[0]}"
    erp.faults.set(route(set_code, entity), "latency", seconds=1.5, times=1,
                   match=MATCH[(set_code, entity)])
    body = quote_for(set_code, entity, quote, crm_id)
    status, error = await demo.post(set_code, transfer_path(quote, "order"), body)
    assert (status, error.get("code"), error.get("retryable")) == (
        504, "ERP_COMMIT_UNCERTAIN", "true"), etree.tostring(error, encoding="unicode")
    status, again = await demo.post(set_code, transfer_path(quote, "order"), body)  # at once
    if not card_codes(demo, set_code, entity, crm_id):  # the ERP is still working on it
        assert (status, again.get("code")) == (504, "ERP_COMMIT_UNCERTAIN"), \
            etree.tostring(again, encoding="unicode")
        assert "nothing was written" in (again.findtext("Message") or "")
    codes = await landed(demo, set_code, entity, crm_id)
    assert len(codes) == 1, codes
    status, answer = await demo.post(set_code, transfer_path(quote, "order"), body)
    assert status in (200, 201), etree.tostring(answer, encoding="unicode")
    assert link_of(answer, entity).get("code") == codes[0]
    assert card_codes(demo, set_code, entity, crm_id) == codes
    assert documents(demo, set_code, quote) == 1


@BOTH
async def test_a_retry_after_an_answered_failure_creates_with_the_same_code_f15_n5(
        make_demo: MakeDemo, set_code: str) -> None:
    """The ERP's server answered a failure (nothing ran): the outcome is known once the code is
    not found, so the retry creates at once, as before — with the code the first attempt used,
    not a new template number."""
    demo: Demo = await make_demo()
    erp = demo.erps[set_code]
    erp.faults.set(route(set_code, "account"), "http_500", times=1,
                   match=MATCH[(set_code, "account")])
    body = quote_xml(set_code, "Q-D2", account_crm="X-D2")
    status, error = await demo.post(set_code, transfer_path("Q-D2", "order"), body)
    assert (status, error.get("code")) == (504, "ERP_COMMIT_UNCERTAIN")
    first = await pending_code(demo, set_code, "account", "X-D2")
    assert first is not None
    status, answer = await demo.post(set_code, transfer_path("Q-D2", "order"), body)
    assert status == 201, etree.tostring(answer, encoding="unicode")
    assert link_of(answer, "account").get("code") == first
    assert card_codes(demo, set_code, "account", "X-D2") == [first]
    assert await pending_code(demo, set_code, "account", "X-D2") is None
    assert documents(demo, set_code, "Q-D2") == 1


@BOTH
async def test_after_the_settle_window_an_absent_card_is_created_with_the_same_code_f15_n5(
        make_demo: MakeDemo, set_code: str) -> None:
    """The connection is lost after the create was sent and the ERP did not save it: retries
    while the write might still land write nothing; once the settle window is over (its store
    entry expired — removed here rather than waited for), the retry creates the card with the
    code the first attempt used."""
    demo: Demo = await make_demo()
    erp = demo.erps[set_code]
    create = route(set_code, "account")
    erp.faults.set(create, "reset", times=1, match=MATCH[(set_code, "account")])
    body = quote_xml(set_code, "Q-D3", account_crm="X-D3")
    status, error = await demo.post(set_code, transfer_path("Q-D3", "order"), body)
    assert (status, error.get("code")) == (504, "ERP_COMMIT_UNCERTAIN")
    first = await pending_code(demo, set_code, "account", "X-D3")
    assert first is not None
    calls = erp.counters.calls[create]
    for _ in range(2):
        status, again = await demo.post(set_code, transfer_path("Q-D3", "order"), body)
        assert (status, again.get("code"), again.get("retryable")) == (
            504, "ERP_COMMIT_UNCERTAIN", "true"), etree.tostring(again, encoding="unicode")
    assert erp.counters.calls[create] == calls  # nothing sent while the write may land
    assert await pending_code(demo, set_code, "account", "X-D3") == first
    await demo.client.app[STORE].delete(RecordId(set_code, "account", "X-D3").key("settle"))
    status, answer = await demo.post(set_code, transfer_path("Q-D3", "order"), body)
    assert status == 201, etree.tostring(answer, encoding="unicode")
    assert link_of(answer, "account").get("code") == first
    assert card_codes(demo, set_code, "account", "X-D3") == [first]
    assert documents(demo, set_code, "Q-D3") == 1


@BOTH
@pytest.mark.parametrize("path", ["/v1/accounts", "/v1/accounts/bulk"])
async def test_a_single_create_retried_while_it_may_land_writes_nothing_f9_n5(
        make_demo: MakeDemo, set_code: str, path: str) -> None:
    """POST /v1/accounts (and the bulk) follow the same rule: an immediate retry of an uncertain
    create sends nothing; after the card landed the retry links it."""
    demo: Demo = await make_demo(erp_timeout_s=0.5)
    erp = demo.erps[set_code]
    create = route(set_code, "account")
    erp.faults.set(create, "latency", seconds=1.5, times=1)
    code = ("120.78.0001" if set_code == TIGER else "120-78-0001")
    one = account_xml("X-D4", {"Code": code, "Title": "ÇAĞLAYAN GIDA X-D4"})
    body = one if path == "/v1/accounts" else f"<Accounts>{one}</Accounts>"

    async def send() -> etree._Element:
        status, answer = await demo.post(set_code, path, body)
        if path == "/v1/accounts":
            return answer
        assert status == 200, etree.tostring(answer, encoding="unicode")
        result = answer.find("Result")
        assert result is not None, etree.tostring(answer, encoding="unicode")
        error = result.find("Error")
        return error if error is not None else result

    first = await send()
    assert first.get("code") == "ERP_COMMIT_UNCERTAIN", etree.tostring(first, encoding="unicode")
    again = await send()
    if not card_codes(demo, set_code, "account", "X-D4"):
        assert again.get("code") == "ERP_COMMIT_UNCERTAIN", etree.tostring(again,
                                                                            encoding="unicode")
    assert await landed(demo, set_code, "account", "X-D4") == [code]
    link = await send()
    assert link.get("code") == code, etree.tostring(link, encoding="unicode")
    assert erp.counters.calls[create] == 1  # one write: the retries only looked
    assert card_codes(demo, set_code, "account", "X-D4") == [code]


async def test_the_ledger_keeps_the_pending_code_past_its_settle_window_n5(
        any_store: Store) -> None:
    """The pending mark (the code) outlives the settle window; clearing drops both."""
    ledger = Ledger(any_store, remember_ttl_s=60, claim_wait_s=0.1)
    rid = RecordId("S1", "account", "CRM-SETTLE-1")
    async with ledger.claim(rid, ttl_s=30) as held:
        await ledger.mark_pending(held, "120.90.0001", settle_s=30)
    assert (await ledger.pending(rid), await ledger.settling(rid)) == ("120.90.0001", True)
    await any_store.delete(rid.key("settle"))  # the window ends (its entry's time to live)
    assert (await ledger.pending(rid), await ledger.settling(rid)) == ("120.90.0001", False)
    async with ledger.claim(rid, ttl_s=30) as held:
        await ledger.mark_pending(held, "120.90.0001")  # an answered failure: no window
    assert await ledger.settling(rid) is False
    async with ledger.claim(rid, ttl_s=30) as held:
        await ledger.mark_pending(held, "120.90.0001", settle_s=30)
    await ledger.clear_pending(rid)
    assert (await ledger.pending(rid), await ledger.settling(rid)) == (None, False)


@pytest.mark.parametrize(("status", "in_flight"), [(500, False), (503, False), (502, True),
                                                   (504, True)])
def test_a_failed_write_may_still_land_only_behind_a_gateway_n5(status: int,
                                                               in_flight: bool) -> None:
    error = server_failure(f"HTTP {status}", write=True, status=status)
    assert isinstance(error, ErpCommitUncertain) and error.in_flight is in_flight
    assert ErpCommitUncertain("no answer within 30s").in_flight is True


@BOTH
@pytest.mark.parametrize("what", ["account", "order"])
async def test_the_settle_window_is_the_sets_settle_s_f15_f22_n5(
        make_demo: MakeDemo, set_code: str, what: str) -> None:
    """A set's ``settle_s`` is how long a write with an unknown outcome may still land: the
    connection is lost after the write was sent (the ERP saved nothing), retries inside the
    window send nothing, and once the set's window of one second is over (the default, twice
    the 0.5 s timeout plus 30 s, would still hold) the retry writes — the card with the code the
    first attempt used, the order once."""

    def settle_in_a_second(s: IntegrationSet) -> IntegrationSet:
        service = "logo" if s.logo is not None else "netsis"
        endpoint = getattr(s, service).model_copy(update={"settle_s": 1.0})
        return s.model_copy(update={service: endpoint})

    demo: Demo = await make_demo(erp_timeout_s=0.5, modify=settle_in_a_second)
    erp = demo.erps[set_code]
    crm_id, quote = f"X-D5{what[0]}", f"Q-D5{what[0]}"
    create = route(set_code, "account") if what == "account" else ORDER_ROUTES[set_code]
    erp.faults.set(create, "reset", times=1,
                   match=MATCH[(set_code, "account")] if what == "account" else None)
    body = quote_xml(set_code, quote, account_crm=crm_id)
    status, error = await demo.post(set_code, transfer_path(quote, "order"), body)
    assert (status, error.get("code")) == (504, "ERP_COMMIT_UNCERTAIN"), \
        etree.tostring(error, encoding="unicode")
    calls = erp.counters.calls[create]
    status, again = await demo.post(set_code, transfer_path(quote, "order"), body)
    assert (status, again.get("code")) == (504, "ERP_COMMIT_UNCERTAIN"), \
        etree.tostring(again, encoding="unicode")
    assert erp.counters.calls[create] == calls  # nothing sent while the write may land
    first = await pending_code(demo, set_code, "account", crm_id)
    await asyncio.sleep(1.2)  # past the set's window
    status, answer = await demo.post(set_code, transfer_path(quote, "order"), body)
    assert status == 201, etree.tostring(answer, encoding="unicode")
    if what == "account":
        assert link_of(answer, "account").get("code") == first
    assert len(card_codes(demo, set_code, "account", crm_id)) == 1
    assert documents(demo, set_code, quote) == 1
