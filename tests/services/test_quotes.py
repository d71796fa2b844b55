"""Quote -> ERP order / dispatch / Netsis quote through the service over real HTTP, on both demo
sets (F15, F22-F29, F5, F7, N5, N6): auto-create, exactly once, locked quotes, the set of origin,
shipped and remaining, cancel, and bad input that writes nothing."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
from lxml import etree

from integrator.api.keys import STORE
from integrator.config import CodePolicy, IntegrationSet
from integrator.services import codes
from integrator.services.claims import RecordId
from tests.fixtures.demo import NETSIS, TIGER, Demo, MakeDemo
from tests.fixtures.quotes import (
    ORDER_ROUTES,
    documents,
    line_warehouses,
    quote_xml,
    ship,
    transfer_path,
)

pytestmark = pytest.mark.odbc

BOTH = pytest.mark.parametrize("set_code", [TIGER, NETSIS])


async def transfer(demo: Demo, set_code: str, body: str, quote: str,
                   kind: str | None = None) -> tuple[int, etree._Element]:
    return await demo.post(set_code, transfer_path(quote, kind), body)


@BOTH
async def test_a_small_row_cap_refuses_no_transfer_f22(make_demo: MakeDemo, set_code: str) -> None:
    """``database.max_rows`` caps answers, not the product rows a transfer reads: with a cap of
    1 row a quote of two known products becomes its order (the second product was refused as
    "not in the ERP")."""
    def capped(s: IntegrationSet) -> IntegrationSet:
        return s.model_copy(update={"database": s.database.model_copy(update={"max_rows": 1})})

    demo: Demo = await make_demo(modify=capped)
    status, answer = await transfer(demo, set_code, quote_xml(set_code, "Q-CAP"), "Q-CAP", "order")
    assert status == 201, etree.tostring(answer, encoding="unicode")
    assert documents(demo, set_code, "Q-CAP", "order") == 1
    # shipped and remaining name every line of the order (the cap left one)
    status, shipped = await demo.get(set_code, transfer_path("Q-CAP"))
    assert status == 200, etree.tostring(shipped, encoding="unicode")
    assert [line.get("line") for line in shipped.iter("Line")] == ["1", "2"]


@BOTH
async def test_transfer_creates_account_product_and_order_then_answers_it_again_f15_f22_f29(
        demo: Demo, set_code: str) -> None:
    body = quote_xml(set_code, "Q-T1", account_crm="F-T1", new_product="P-T1")
    status, answer = await transfer(demo, set_code, body, "Q-T1", "order")
    assert status == 201, etree.tostring(answer, encoding="unicode")
    assert answer.tag == "Transfer" and answer.get("created") == "true"
    assert answer.get("as") == "order" and answer.get("number") and answer.get("ref")
    links = {link.get("entity"): link for link in answer.findall("Link")}
    assert set(links) == {"account", "product"}
    assert all(link.get("created") == "true" and link.get("code") for link in links.values())
    assert documents(demo, set_code, "Q-T1") == 1
    # the same call again: the same document, created="false", nothing written
    status, again = await transfer(demo, set_code, body, "Q-T1", "order")
    assert status == 200, etree.tostring(again)
    assert (again.get("ref"), again.get("number"), again.get("created")) == (
        answer.get("ref"), answer.get("number"), "false")
    assert documents(demo, set_code, "Q-T1") == 1
    # the CRM stored the links and sends them: still the same document
    linked = quote_xml(set_code, "Q-T1", account_crm="F-T1", new_product="P-T1",
                       account_code=links["account"].get("code"),
                       product_code=links["product"].get("code"))
    status, third = await transfer(demo, set_code, linked, "Q-T1", "order")
    assert (status, third.get("number")) == (200, answer.get("number"))
    assert documents(demo, set_code, "Q-T1") == 1


@BOTH
async def test_the_users_transfer_type_applies_when_none_is_named_f24(demo: Demo,
                                                                      set_code: str) -> None:
    status, answer = await transfer(demo, set_code, quote_xml(set_code, "Q-T2"), "Q-T2")
    assert status == 201, etree.tostring(answer)
    # the demo users: DEMO-TIGER transfers orders, DEMO-NETSIS quotes
    assert answer.get("as") == ("order" if set_code == TIGER else "quote")
    assert documents(demo, set_code, "Q-T2", answer.get("as")) == 1


async def test_neither_a_named_nor_an_automatic_type_is_validation_f24(make_demo: MakeDemo) -> None:
    def no_default(s: Any) -> Any:
        users = [u.model_copy(update={"transfer_type": None}) for u in s.users]
        return s.model_copy(update={"users": users, "settings": s.settings.model_copy(
            update={"default_transfer_type": None})})

    demo: Demo = await make_demo(modify=no_default)
    status, error = await transfer(demo, TIGER, quote_xml(TIGER, "Q-T3"), "Q-T3")
    assert (status, error.get("code")) == (400, "VALIDATION")
    assert "as=" in (error.findtext("Message") or "")
    assert documents(demo, TIGER, "Q-T3") == 0


async def test_a_quote_is_an_erp_document_only_on_netsis_f23(demo: Demo) -> None:
    status, error = await transfer(demo, TIGER, quote_xml(TIGER, "Q-T4"), "Q-T4", "quote")
    assert (status, error.get("code")) == (400, "VALIDATION")
    assert "only on Netsis" in (error.findtext("Message") or "")
    status, answer = await transfer(demo, NETSIS, quote_xml(NETSIS, "Q-T4"), "Q-T4", "quote")
    assert status == 201, etree.tostring(answer)
    assert answer.get("number", "").startswith("T")
    erp = demo.erps[NETSIS]
    assert erp.scalar("SELECT COUNT(*) FROM TBLTEKLIFMAS WHERE FATIRS_NO = ?",
                      answer.get("number")) == 1


@BOTH
async def test_dispatches_carry_the_salesman_and_line_warehouses_f23_f7_f5(
        demo: Demo, set_code: str) -> None:
    status, answer = await transfer(demo, set_code, quote_xml(set_code, "Q-T5", warehouse=2),
                                    "Q-T5", "dispatch")
    assert status == 201, etree.tostring(answer)
    assert documents(demo, set_code, "Q-T5", "dispatch") == 1
    assert set(line_warehouses(demo, set_code, answer.get("number"))) == {2}
    erp = demo.erps[set_code]
    if set_code == TIGER:
        salesman = erp.scalar("SELECT S.CODE FROM LG_001_01_STFICHE F JOIN LG_SLSMAN S "
                              "ON S.LOGICALREF = F.SALESMANREF WHERE F.FICHENO = ?",
                              answer.get("number"))
        assert salesman == "S01"
    status, state = await demo.get(set_code, transfer_path("Q-T5"))
    assert status == 200 and state.get("as") == "dispatch"
    assert [line.get("remaining") for line in state.findall("Line")] == ["0", "0"]


@BOTH
async def test_a_changed_quote_is_locked_until_the_transfer_is_cancelled_f29_f26(
        demo: Demo, set_code: str) -> None:
    status, first = await transfer(demo, set_code, quote_xml(set_code, "Q-T6"), "Q-T6", "order")
    assert status == 201
    for changed in (quote_xml(set_code, "Q-T6", revision=2),
                    quote_xml(set_code, "Q-T6", quantity="7")):
        status, error = await transfer(demo, set_code, changed, "Q-T6", "order")
        assert (status, error.get("code")) == (409, "QUOTE_LOCKED"), etree.tostring(error)
        assert first.get("number") in (error.findtext("Message") or "")
    status, error = await transfer(demo, set_code, quote_xml(set_code, "Q-T6"), "Q-T6", "dispatch")
    assert (status, error.get("code")) == (409, "QUOTE_LOCKED")
    status, cancelled = await demo.delete(set_code, transfer_path("Q-T6"))
    assert status == 200 and cancelled.get("deleted") == "true"
    assert cancelled.get("number") == first.get("number")
    assert documents(demo, set_code, "Q-T6") == 0
    status, again = await demo.delete(set_code, transfer_path("Q-T6"))
    assert status == 200 and again.get("deleted") == "false"
    assert "nothing to delete" in (again.text or "")
    status, second = await transfer(demo, set_code, quote_xml(set_code, "Q-T6", revision=2),
                                    "Q-T6", "order")
    assert (status, second.get("created")) == (201, "true")
    assert documents(demo, set_code, "Q-T6") == 1


@BOTH
async def test_shipped_and_remaining_per_line_and_a_shipped_order_is_not_deleted_f28_f26(
        demo: Demo, set_code: str) -> None:
    status, answer = await transfer(demo, set_code, quote_xml(set_code, "Q-T7"), "Q-T7", "order")
    assert status == 201
    status, state = await demo.get(set_code, transfer_path("Q-T7"))
    assert status == 200 and state.get("status") == "open"
    assert [(line.get("line"), line.get("ordered"), line.get("shipped"), line.get("remaining"))
            for line in state.findall("Line")] == [("1", "12", "0", "12"), ("2", "4", "0", "4")]
    await ship(demo, set_code, answer, line=1, quantity="5")
    status, state = await demo.get(set_code, transfer_path("Q-T7"))
    assert state.get("status") == "partly-shipped"
    first = state.findall("Line")[0]
    assert (first.get("shipped"), first.get("remaining")) == ("5", "7")
    status, error = await demo.delete(set_code, transfer_path("Q-T7"))
    assert (status, error.get("code")) == (422, "ERP_REJECTED")
    assert "shipped" in (error.findtext("Message") or "")
    assert documents(demo, set_code, "Q-T7") == 1


@BOTH
async def test_the_set_of_origin_is_kept_f27(demo: Demo, set_code: str) -> None:
    other = NETSIS if set_code == TIGER else TIGER
    body = quote_xml(set_code, "Q-T8").replace(f'set="{set_code}"', f'set="{other}"')
    status, error = await transfer(demo, set_code, body, "Q-T8", "order")
    assert (status, error.get("code")) == (409, "SET_MISMATCH")
    for method in (demo.get, demo.delete):
        status, error = await method(set_code, transfer_path("Q-T8"), {"set": other})
        assert (status, error.get("code")) == (409, "SET_MISMATCH")
    assert documents(demo, set_code, "Q-T8") == 0


@BOTH
@pytest.mark.parametrize(("change", "code", "where"), [
    ({"lines": 0}, "VALIDATION", "no lines"),
    ({"quantity": "0"}, "VALIDATION", "above zero"),
    ({"quantity": "-2"}, "VALIDATION", "above zero"),
    ({"unit": "VARİL"}, "VALIDATION", "unit"),
    ({"product_code": "YOK-9999"}, "VALIDATION", "not in the ERP"),
    ({"warehouse": 9}, "FORBIDDEN", "warehouse"),
    ({"revision": None}, "VALIDATION", "revision"),
    ({"body_id": "Q-OTHER"}, "VALIDATION", "URL"),
])
async def test_bad_input_writes_nothing(demo: Demo, set_code: str, change: dict[str, Any],
                                        code: str, where: str) -> None:
    erp = demo.erps[set_code]
    before = erp.counters.calls[ORDER_ROUTES[set_code]]
    status, error = await transfer(demo, set_code, quote_xml(set_code, "Q-BAD", **change),
                                   "Q-BAD", "order")
    assert error.get("code") == code, etree.tostring(error)
    assert where in (error.findtext("Message") or "") + " ".join(
        d.text or "" for d in error.findall("Detail"))
    assert status in (400, 403)
    assert documents(demo, set_code, "Q-BAD") == 0
    assert erp.counters.calls[ORDER_ROUTES[set_code]] == before  # nothing was sent


@BOTH
async def test_records_without_links_need_auto_create_f15_f22(make_demo: MakeDemo,
                                                              set_code: str) -> None:
    demo: Demo = await make_demo(settings={"auto_create_account": False,
                                           "auto_create_product": False})
    status, error = await transfer(demo, set_code, quote_xml(set_code, "Q-T9", account_crm="F-T9"),
                                   "Q-T9", "order")
    assert (status, error.get("code")) == (400, "VALIDATION")
    assert "F-T9" in (error.findtext("Message") or "")
    assert "auto_create_account" in (error.findtext("Message") or "")
    status, error = await transfer(demo, set_code, quote_xml(set_code, "Q-T9", new_product="P-T9"),
                                   "Q-T9", "order")
    assert "P-T9" in (error.findtext("Message") or "")
    assert documents(demo, set_code, "Q-T9") == 0


@BOTH
async def test_a_failure_after_an_auto_create_still_lists_the_links_f15(demo: Demo,
                                                                        set_code: str) -> None:
    erp = demo.erps[set_code]
    erp.faults.set(ORDER_ROUTES[set_code], "business_error", message="Belge kaydedilemedi",
                   match="SALES_ORDERS|FaturaTip")
    status, error = await transfer(demo, set_code, quote_xml(set_code, "Q-T10",
                                                             account_crm="F-T10"), "Q-T10", "order")
    assert (status, error.get("code")) == (422, "ERP_REJECTED"), etree.tostring(error)
    links = error.findall("Link")
    assert [(link.get("entity"), link.get("crmId"), link.get("created")) for link in links] == [
        ("account", "F-T10", "true")]
    assert links[0].get("code")
    erp.faults.clear()
    # the retry creates the order and reports the same account link (found again, not created)
    status, answer = await transfer(demo, set_code, quote_xml(set_code, "Q-T10",
                                                              account_crm="F-T10"), "Q-T10", "order")
    assert status == 201
    again = answer.find("Link")
    assert again is not None and (again.get("code"), again.get("created")) == (
        links[0].get("code"), "false")


@BOTH
async def test_code_template_numbers_are_never_handed_out_twice_f15(demo: Demo,
                                                                    set_code: str) -> None:
    bodies = [quote_xml(set_code, f"Q-C{i}", account_crm=f"F-C{i}") for i in range(4)]
    answers = await asyncio.gather(*(transfer(demo, set_code, body, f"Q-C{i}", "order")
                                     for i, body in enumerate(bodies)))
    codes = [answer.find("Link").get("code") for status, answer in answers if status == 201]
    assert len(codes) == 4 and len(set(codes)) == 4, [etree.tostring(a) for _, a in answers]


def _account_template(template: str) -> Callable[[IntegrationSet], IntegrationSet]:
    def modify(s: IntegrationSet) -> IntegrationSet:
        if s.code != TIGER:
            return s
        policies = s.settings.code_policy.model_copy(
            update={"account": CodePolicy(source="template", template=template)})
        return s.model_copy(update={"settings": s.settings.model_copy(
            update={"code_policy": policies})})
    return modify


def _add_accounts(demo: Demo, codes: list[str]) -> None:
    """Accounts with these codes in the Tiger demo database (copies of account 2)."""
    with contextlib.closing(demo.erps[TIGER].db()) as conn:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(LG_001_CLCARD)")]
        top = conn.execute("SELECT MAX(LOGICALREF) FROM LG_001_CLCARD").fetchone()[0]
        picks = ", ".join("?" if c in ("LOGICALREF", "CODE") else c for c in columns)
        order = [c for c in columns if c in ("LOGICALREF", "CODE")]
        conn.executemany(
            f"INSERT INTO LG_001_CLCARD ({', '.join(columns)}) SELECT {picks} FROM LG_001_CLCARD "
            "WHERE LOGICALREF = 2",
            [tuple(top + n if c == "LOGICALREF" else code for c in order)
             for n, code in enumerate(codes, 1)])
        conn.commit()


@pytest.mark.parametrize(("template", "taken", "expected"), [
    # not padded, past 999: the highest code sorts below 120.95.999 as text
    ("120.95.{n}", [f"120.95.{n}" for n in range(1, 1001)], "120.95.1001"),
    # 300 codes of the template's shape but not its making sort above its digits
    ("120.96.{n:03d}", [f"120.96.{n:03d}" for n in range(1, 6)]
     + [f"120.96.{letter}{n:02d}" for letter in "XYZ" for n in range(100)], "120.96.006"),
])
async def test_a_code_template_continues_after_its_highest_code_f15(
        make_demo: MakeDemo, template: str, taken: list[str], expected: str) -> None:
    """The next code follows the highest the template made, whatever other codes share its
    prefix (it started over, or repeated 120.95.1000, and the ERP refused the duplicate)."""
    demo: Demo = await make_demo(modify=_account_template(template))
    _add_accounts(demo, taken)
    status, answer = await transfer(demo, TIGER, quote_xml(TIGER, "Q-K1", account_crm="F-K1"),
                                    "Q-K1", "order")
    assert status == 201, etree.tostring(answer, encoding="unicode")
    link = answer.find("Link[@entity='account']")
    assert link is not None and link.get("code") == expected


async def test_a_code_template_drowned_in_other_codes_is_refused_not_guessed_f15(
        make_demo: MakeDemo) -> None:
    """More codes of the template's shape than the scan reads, none of them the template's: a
    clear VALIDATION naming the setting, and nothing written (a guess would be refused by the ERP
    as a duplicate, or hand out a code out of sequence)."""
    demo: Demo = await make_demo(modify=_account_template("120.97.{n:03d}"))
    _add_accounts(demo, [f"120.97.A{n:05d}" for n in range(codes.SCAN_MAX + 1)])
    status, answer = await transfer(demo, TIGER, quote_xml(TIGER, "Q-K2", account_crm="F-K2"),
                                    "Q-K2", "order")
    assert (status, answer.get("code")) == (400, "VALIDATION"), etree.tostring(answer)
    assert "settings.code_policy" in (answer.findtext("Message") or "")
    assert documents(demo, TIGER, "Q-K2") == 0


@BOTH
async def test_concurrent_identical_transfers_make_one_document_f29(demo: Demo,
                                                                    set_code: str) -> None:
    erp = demo.erps[set_code]
    erp.faults.set(ORDER_ROUTES[set_code], "latency", seconds=0.3, match="SALES_ORDERS|FaturaTip")
    body = quote_xml(set_code, "Q-T11")
    answers = await asyncio.gather(*(transfer(demo, set_code, body, "Q-T11", "order")
                                     for _ in range(10)))
    assert sorted(a.get("created") for _, a in answers) == ["false"] * 9 + ["true"]
    assert len({a.get("number") for _, a in answers}) == 1
    assert documents(demo, set_code, "Q-T11") == 1


@pytest.mark.redis
async def test_twenty_transfers_on_two_replicas_make_one_document_f29_n6(
        make_demo: MakeDemo, redis_url: str, store_prefix: str) -> None:
    demo: Demo = await make_demo(store=redis_url, store_prefix=store_prefix + "q:", replicas=2,
                                 sync={"claim_wait_s": 30})
    one, two = demo.replicas
    erp = demo.erps[TIGER]
    erp.faults.set(ORDER_ROUTES[TIGER], "latency", seconds=0.3, match="SALES_ORDERS")
    body = quote_xml(TIGER, "Q-T12", account_crm="F-T12", new_product="P-T12")
    answers = await asyncio.gather(*(replica.post(TIGER, transfer_path("Q-T12", "order"), body)
                                     for replica in [one, two] * 10))
    assert all(status in (200, 201) for status, _ in answers), [etree.tostring(a)
                                                                 for _, a in answers]
    assert sorted(a.get("created") for _, a in answers) == ["false"] * 19 + ["true"]
    assert len({a.get("number") for _, a in answers}) == 1
    assert documents(demo, TIGER, "Q-T12") == 1
    assert erp.scalar("SELECT COUNT(*) FROM LG_001_CLCARD WHERE DEFINITION_ = ?",
                      "ÇAĞLAYAN GIDA F-T12") == 1


@BOTH
async def test_commit_then_drop_is_answered_with_the_one_document_f29_n5(demo: Demo,
                                                                         set_code: str) -> None:
    erp = demo.erps[set_code]
    erp.faults.set(ORDER_ROUTES[set_code], "commit_drop", times=1, match="SALES_ORDERS|FaturaTip")
    status, answer = await transfer(demo, set_code, quote_xml(set_code, "Q-T13"), "Q-T13", "order")
    # the ERP committed and the answer was lost: found by the quote id at once, not sent again
    assert (status, answer.get("created")) == (201, "true"), etree.tostring(answer)
    assert documents(demo, set_code, "Q-T13") == 1
    status, again = await transfer(demo, set_code, quote_xml(set_code, "Q-T13"), "Q-T13", "order")
    assert (status, again.get("number")) == (200, answer.get("number"))
    assert documents(demo, set_code, "Q-T13") == 1


@BOTH
async def test_a_write_that_lands_after_the_timeout_is_uncertain_then_found_f29_n5(
        make_demo: MakeDemo, set_code: str) -> None:
    demo: Demo = await make_demo(erp_timeout_s=0.5)
    erp = demo.erps[set_code]
    erp.faults.set(ORDER_ROUTES[set_code], "latency", seconds=1.0, times=1,
                   match="SALES_ORDERS|FaturaTip")
    body = quote_xml(set_code, "Q-T14")
    status, error = await transfer(demo, set_code, body, "Q-T14", "order")
    assert (status, error.get("code"), error.get("retryable")) == (
        504, "ERP_COMMIT_UNCERTAIN", "true"), etree.tostring(error)
    # a retry while the ERP may still be working writes nothing
    status, error = await transfer(demo, set_code, body, "Q-T14", "order")
    if documents(demo, set_code, "Q-T14") == 0:
        assert (status, error.get("code")) == (504, "ERP_COMMIT_UNCERTAIN")
    await asyncio.sleep(1.0)  # the ERP finished the write the client gave up on
    assert documents(demo, set_code, "Q-T14") == 1
    status, answer = await transfer(demo, set_code, body, "Q-T14", "order")
    assert (status, answer.get("created")) == (200, "false"), etree.tostring(answer)
    assert documents(demo, set_code, "Q-T14") == 1


async def test_the_simulator_ship_hook_is_what_the_demo_offers(demo: Demo) -> None:
    """The hook the README uses to show shipped quantities answers JSON over HTTP."""
    status, answer = await transfer(demo, TIGER, quote_xml(TIGER, "Q-T15"), "Q-T15", "order")
    assert status == 201
    shipped = await ship(demo, TIGER, answer, line=2, quantity="4")
    assert shipped["lines"][0]["remaining"] == "0"
    async with aiohttp.ClientSession() as session, session.post(demo.erps[TIGER].ship_url,
                            data=json.dumps({"order_ref": 999999})) as response:
        assert response.status == 404


async def _settled(demo: Demo, set_code: str, quote: str, count: int) -> int:
    """The quote's documents once the simulator has finished a write the client gave up on
    (polled, bounded: no timing is asserted)."""
    for _ in range(200):
        found = documents(demo, set_code, quote)
        if found == count:
            break
        await asyncio.sleep(0.05)
    return found


async def _transfers_anew(demo: Demo, set_code: str, body: str, quote: str) -> None:
    """The quote transfers as new (created) and the ERP holds one document for it."""
    status, answer = await transfer(demo, set_code, body, quote, "order")
    assert (status, answer.get("created")) == (201, "true"), etree.tostring(answer)
    assert documents(demo, set_code, quote) == 1


@BOTH
async def test_a_cancel_while_a_transfer_is_uncertain_is_uncertain_and_keeps_the_mark_f26_f29_n5(
        make_demo: MakeDemo, set_code: str) -> None:
    """A transfer whose write outlives the ERP timeout, then the CRM cancels: the ERP may still
    commit that order, so "nothing to delete" would leave an order for a cancelled sale, and a
    cleared mark would let a new transfer write a second one. The cancel is uncertain (retryable),
    a transfer meanwhile still writes nothing, and once the order lands the retried cancel deletes
    it; after that the quote transfers again."""
    demo: Demo = await make_demo(erp_timeout_s=0.5)
    demo.erps[set_code].faults.set(ORDER_ROUTES[set_code], "latency", seconds=1.5, times=1,
                                   match="SALES_ORDERS|FaturaTip")
    body = quote_xml(set_code, "Q-T16")
    status, error = await transfer(demo, set_code, body, "Q-T16", "order")
    assert (status, error.get("code")) == (504, "ERP_COMMIT_UNCERTAIN"), etree.tostring(error)
    status, cancelled = await demo.delete(set_code, transfer_path("Q-T16"))
    if documents(demo, set_code, "Q-T16") == 0:  # the ERP has not committed it yet
        assert (status, cancelled.get("code"), cancelled.get("retryable")) == (
            504, "ERP_COMMIT_UNCERTAIN", "true"), etree.tostring(cancelled)
        assert "retry the cancel" in (cancelled.findtext("Message") or "").lower()
        status, error = await transfer(demo, set_code, body, "Q-T16", "order")
        if documents(demo, set_code, "Q-T16") == 0:  # the mark was kept: nothing written
            assert (status, error.get("code")) == (504, "ERP_COMMIT_UNCERTAIN")
        assert await _settled(demo, set_code, "Q-T16", 1) == 1
        status, cancelled = await demo.delete(set_code, transfer_path("Q-T16"))
    assert (status, cancelled.get("deleted")) == (200, "true"), etree.tostring(cancelled)
    assert await _settled(demo, set_code, "Q-T16", 0) == 0
    # the cancel deleted the order the uncertain transfer made: its mark no longer holds the quote
    await _transfers_anew(demo, set_code, body, "Q-T16")


@BOTH
async def test_the_status_of_an_uncertain_transfer_is_uncertain_until_it_lands_f28_n5(
        make_demo: MakeDemo, set_code: str) -> None:
    """Asked right after a transfer whose write outlived the ERP timeout, the status is not
    NOT_FOUND (the CRM would take the quote as never transferred) but ERP_COMMIT_UNCERTAIN while
    the ERP shows no document; once the order lands, the status is that order."""
    demo: Demo = await make_demo(erp_timeout_s=0.5)
    demo.erps[set_code].faults.set(ORDER_ROUTES[set_code], "latency", seconds=1.5, times=1,
                                   match="SALES_ORDERS|FaturaTip")
    status, error = await transfer(demo, set_code, quote_xml(set_code, "Q-T20"), "Q-T20", "order")
    assert (status, error.get("code")) == (504, "ERP_COMMIT_UNCERTAIN"), etree.tostring(error)
    status, state = await demo.get(set_code, transfer_path("Q-T20"))
    if documents(demo, set_code, "Q-T20") == 0:  # the ERP has not committed it yet
        assert (status, state.get("code"), state.get("retryable")) == (
            504, "ERP_COMMIT_UNCERTAIN", "true"), etree.tostring(state)
    assert await _settled(demo, set_code, "Q-T20", 1) == 1
    status, state = await demo.get(set_code, transfer_path("Q-T20"))
    assert status == 200, etree.tostring(state)
    # a quote never transferred is still NOT_FOUND
    status, state = await demo.get(set_code, transfer_path("Q-NEVER"))
    assert (status, state.get("code")) == (404, "NOT_FOUND")


@BOTH
async def test_the_status_of_a_transfer_running_right_now_is_not_not_found_f28_n5(
        make_demo: MakeDemo, set_code: str) -> None:
    """Asked while the quote's transfer is still writing (its claim held, the ERP showing no
    document yet), the status is ERP_COMMIT_UNCERTAIN (ask again), not NOT_FOUND, which the CRM
    would take as "never transferred"; once the transfer has answered, it is the order."""
    demo: Demo = await make_demo()
    demo.erps[set_code].faults.set(ORDER_ROUTES[set_code], "latency", seconds=1.5, times=1,
                                   match="SALES_ORDERS|FaturaTip")
    running = asyncio.ensure_future(
        transfer(demo, set_code, quote_xml(set_code, "Q-T21"), "Q-T21", "order"))
    claim = RecordId(set_code, "quote", "Q-T21").key("claim")
    while await demo.client.app[STORE].get(claim) is None:
        assert not running.done(), etree.tostring(running.result()[1])
        await asyncio.sleep(0.01)
    status, state = await demo.get(set_code, transfer_path("Q-T21"))
    if documents(demo, set_code, "Q-T21") == 0:  # the order's write is still on its way
        assert (status, state.get("code"), state.get("retryable")) == (
            504, "ERP_COMMIT_UNCERTAIN", "true"), etree.tostring(state)
        assert "running right now" in (state.findtext("Message") or "")
    status, answer = await running
    assert status == 201, etree.tostring(answer)
    status, state = await demo.get(set_code, transfer_path("Q-T21"))
    assert (status, state.get("number")) == (200, answer.get("number")), etree.tostring(state)


@BOTH
async def test_a_cancel_of_a_quote_with_two_documents_deletes_none_and_names_both_f26_f29(
        demo: Demo, set_code: str) -> None:
    """Two documents carry one quote id (a duplicate: something already went wrong). The cancel
    neither deletes one and leaves the other nor guesses: it refuses, names both, deletes
    nothing; once an operator removed one in the ERP, the cancel deletes the other."""
    status, first = await transfer(demo, set_code, quote_xml(set_code, "Q-T17"), "Q-T17", "order")
    assert status == 201
    status, second = await transfer(demo, set_code, quote_xml(set_code, "Q-T17B"), "Q-T17B",
                                    "order")
    assert status == 201
    erp = demo.erps[set_code]
    if set_code == TIGER:  # the second order is made to carry the first's quote id
        erp.execute("UPDATE LG_001_01_ORFICHE SET DOCODE = ? WHERE FICHENO = ?", "Q-T17",
                    second.get("number"))
    else:
        erp.execute("UPDATE TBLFATUEK SET ACIK1 = ? WHERE FATIRSNO = ?", "Q-T17",
                    second.get("number"))
    assert documents(demo, set_code, "Q-T17") == 2
    status, error = await demo.delete(set_code, transfer_path("Q-T17"))
    assert (status, error.get("code")) == (422, "ERP_REJECTED"), etree.tostring(error)
    message = error.findtext("Message") or ""
    assert first.get("number") in message and second.get("number") in message
    assert documents(demo, set_code, "Q-T17") == 2
    if set_code == TIGER:  # the operator's decision: the second goes
        erp.execute("UPDATE LG_001_01_ORFICHE SET DOCODE = ? WHERE FICHENO = ?", "Q-T17B",
                    second.get("number"))
    else:
        erp.execute("UPDATE TBLFATUEK SET ACIK1 = ? WHERE FATIRSNO = ?", "Q-T17B",
                    second.get("number"))
    status, cancelled = await demo.delete(set_code, transfer_path("Q-T17"))
    assert (status, cancelled.get("number")) == (200, first.get("number"))
    assert documents(demo, set_code, "Q-T17") == 0


@BOTH
async def test_a_cancel_never_deletes_a_document_without_the_services_stamp_f26(
        demo: Demo, set_code: str) -> None:
    """The quote id is also a document number ERP users type (Tiger's Belge No): a document that
    carries it but not a transfer's stamp was made or changed in the ERP, and the cancel refuses
    to delete it, naming it; with the stamp back, the cancel deletes it."""
    status, made = await transfer(demo, set_code, quote_xml(set_code, "Q-T21"), "Q-T21", "order")
    assert status == 201
    erp = demo.erps[set_code]
    table, column, number = (("LG_001_01_ORFICHE", "DOCTRACKINGNR", "FICHENO") if set_code == TIGER
                             else ("TBLFATUEK", "ACIK2", "FATIRSNO"))
    stamp = erp.scalar(f"SELECT {column} FROM {table} WHERE {number} = ?", made.get("number"))
    assert stamp
    erp.execute(f"UPDATE {table} SET {column} = '' WHERE {number} = ?", made.get("number"))
    status, error = await demo.delete(set_code, transfer_path("Q-T21"))
    assert (status, error.get("code")) == (422, "ERP_REJECTED"), etree.tostring(error)
    assert made.get("number") in (error.findtext("Message") or "")
    assert documents(demo, set_code, "Q-T21") == 1
    erp.execute(f"UPDATE {table} SET {column} = ? WHERE {number} = ?", stamp, made.get("number"))
    status, cancelled = await demo.delete(set_code, transfer_path("Q-T21"))
    assert (status, cancelled.get("deleted")) == (200, "true"), etree.tostring(cancelled)
    assert documents(demo, set_code, "Q-T21") == 0


DELETE_ROUTES = {TIGER: "DeleteDataObject", NETSIS: "ItemSlips.delete"}


@BOTH
async def test_a_delete_that_lands_after_the_timeout_holds_the_quote_until_it_settles_f26_f28_f29_n5(
        make_demo: MakeDemo, set_code: str) -> None:
    """The cancel's delete outlives the ERP timeout: the ERP still shows the document right after,
    and the delete may yet remove it. Until it is seen gone, no transfer, status or cancel answers
    that document (a transfer answering it as the quote's order would have the CRM store an order
    that is then deleted); seen gone, the quote transfers anew."""
    demo: Demo = await make_demo(erp_timeout_s=0.5)
    body = quote_xml(set_code, "Q-T18")
    status, _ = await transfer(demo, set_code, body, "Q-T18", "order")
    assert status == 201
    demo.erps[set_code].faults.set(DELETE_ROUTES[set_code], "latency", seconds=1.5, times=1)
    status, error = await demo.delete(set_code, transfer_path("Q-T18"))
    assert (status, error.get("code"), error.get("retryable")) == (
        504, "ERP_COMMIT_UNCERTAIN", "true"), etree.tostring(error)
    if documents(demo, set_code, "Q-T18") == 1:  # the delete has not landed yet
        status, answer = await transfer(demo, set_code, body, "Q-T18", "order")
        if documents(demo, set_code, "Q-T18") == 1:
            assert (status, answer.get("code")) == (504, "ERP_COMMIT_UNCERTAIN"), \
                etree.tostring(answer)
            assert answer.get("number") is None
        status, state = await demo.get(set_code, transfer_path("Q-T18"))
        if documents(demo, set_code, "Q-T18") == 1:
            assert (status, state.get("code")) == (504, "ERP_COMMIT_UNCERTAIN")
        status, again = await demo.delete(set_code, transfer_path("Q-T18"))
        if documents(demo, set_code, "Q-T18") == 1:  # never sent again blindly
            assert (status, again.get("code")) == (504, "ERP_COMMIT_UNCERTAIN")
    assert await _settled(demo, set_code, "Q-T18", 0) == 0
    status, state = await demo.get(set_code, transfer_path("Q-T18"))
    assert (status, state.get("code")) == (404, "NOT_FOUND")
    await _transfers_anew(demo, set_code, body, "Q-T18")


@BOTH
async def test_a_delete_committed_then_dropped_is_answered_as_deleted_f26_n5(
        demo: Demo, set_code: str) -> None:
    """The ERP deletes the document and the answer is lost: looked up again at once, the document
    is gone, and the cancel answers it deleted."""
    status, first = await transfer(demo, set_code, quote_xml(set_code, "Q-T19"), "Q-T19", "order")
    assert status == 201
    demo.erps[set_code].faults.set(DELETE_ROUTES[set_code], "commit_drop", times=1)
    status, cancelled = await demo.delete(set_code, transfer_path("Q-T19"))
    assert (status, cancelled.get("deleted")) == (200, "true"), etree.tostring(cancelled)
    assert cancelled.get("number") == first.get("number")
    assert documents(demo, set_code, "Q-T19") == 0


@BOTH
async def test_a_delete_that_may_not_have_landed_holds_the_document_f26_f28_f29_n5(
        demo: Demo, set_code: str) -> None:
    """The connection drops on the delete and the document is still there: whether the ERP will
    still delete it is not known, so for the delete's settle window the document is answered by no
    transfer or status, and the delete is not sent again."""
    body = quote_xml(set_code, "Q-T20")
    status, _ = await transfer(demo, set_code, body, "Q-T20", "order")
    assert status == 201
    erp = demo.erps[set_code]
    erp.faults.set(DELETE_ROUTES[set_code], "reset", times=1)
    status, error = await demo.delete(set_code, transfer_path("Q-T20"))
    assert (status, error.get("code")) == (504, "ERP_COMMIT_UNCERTAIN"), etree.tostring(error)
    deletes = erp.counters.calls[DELETE_ROUTES[set_code]]
    for answer in [(await transfer(demo, set_code, body, "Q-T20", "order"))[1],
                   (await demo.get(set_code, transfer_path("Q-T20")))[1],
                   (await demo.delete(set_code, transfer_path("Q-T20")))[1]]:
        assert answer.get("code") == "ERP_COMMIT_UNCERTAIN", etree.tostring(answer)
    assert erp.counters.calls[DELETE_ROUTES[set_code]] == deletes
    assert documents(demo, set_code, "Q-T20") == 1
