"""Two updates of one ERP card never interleave (F9, F16, N5, N6; docs/sync.md §3).

An update reads the whole card and writes it whole with the mapped fields changed (Tiger's
``DBOP="UPD"``, Netsis' ``PUT``). Two requests updating one card at once — two CRM users, two
replicas — both read it before either wrote, and the later write put back what the earlier had
changed: each answered ``ok``, one change lost. The card's update lock (``Ledger.update_lock``)
makes the second wait and read what the first wrote. (Within one bulk the records' turns order
them already: tests/services/test_cards_bulk_turns.py.)"""

from __future__ import annotations

import asyncio

import pytest
from lxml import etree

from tests.fixtures.demo import NETSIS, TIGER, Demo, MakeDemo, account_xml, fields_of

pytestmark = pytest.mark.odbc

CODE = {TIGER: "UPL.{:04d}", NETSIS: "UPL-{:04d}"}


async def both_updates(demo: Demo, replicas: tuple[Demo, Demo], set_code: str, n: int) -> None:
    """Create a card, then send two updates of it at once (each changing another field, the
    first one's write held back by the ERP); both changes must be on the card."""
    status, link = await demo.post(set_code, "/v1/accounts", account_xml(
        f"U-{n}", {"Code": CODE[set_code].format(n), "Title": "ESKİ UNVAN", "TaxOffice": "ESKİ"}))
    assert status == 201, etree.tostring(link)
    ref, code = str(link.get("ref")), str(link.get("code"))
    erp = demo.erps[set_code]
    erp.faults.set(erp.update_route, "latency", seconds=0.5, times=1, match="YENİ UNVAN")
    first, second = replicas
    answers = await asyncio.gather(
        first.post(set_code, "/v1/accounts",
                   account_xml(f"U-{n}", {"Title": "YENİ UNVAN"}, ref=ref, code=code)),
        second.post(set_code, "/v1/accounts",
                    account_xml(f"U-{n}", {"TaxOffice": "YENİ"}, ref=ref, code=code)))
    assert [(status, answer.get("created")) for status, answer in answers] == [
        (200, "false"), (200, "false")], [etree.tostring(a) for _, a in answers]
    status, record = await demo.get(set_code, f"/v1/accounts/{ref}")
    assert status == 200, etree.tostring(record)
    fields = fields_of(record)
    assert (fields["Title"], fields.get("TaxOffice")) == ("YENİ UNVAN", "YENİ")


@pytest.mark.parametrize("set_code", [TIGER, NETSIS])
async def test_two_updates_of_one_card_at_once_both_land_f9_n5(demo: Demo, set_code: str) -> None:
    await both_updates(demo, (demo, demo), set_code, 1)


@pytest.mark.redis
async def test_two_updates_of_one_card_on_two_replicas_both_land_f9_n6(
        make_demo: MakeDemo, redis_url: str, store_prefix: str) -> None:
    demo: Demo = await make_demo(store=redis_url, store_prefix=store_prefix + "upd:", replicas=2)
    one, two = demo.replicas
    await both_updates(demo, (one, two), TIGER, 2)
