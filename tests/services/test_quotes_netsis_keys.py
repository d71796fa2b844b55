"""A Netsis document is (branch, type, number, account): the lookup of a quote's documents must not
confuse its dispatch with another branch's or another account's document of the same number (F28,
F29, N5; research/netsis.md §3.2: TBLFATUIRS/TBLFATUEK are joined on SUBE_KODU, FTIRSIP,
FATIRS_NO and CARI_KODU, and a delete names type, number and account).

The audit's finding 1: ``quote_document`` leaves out the dispatches the ERP made from an order
(their TBLSTHAR lines name the order, ``STHAR_SIPNUM``) by number and type alone, so a dispatch made
from an order in another branch, or for another account, under the number the transfer's dispatch
got hid that dispatch: the status answered NOT_FOUND, a cancel "nothing to delete", and the CRM's
retry of the transfer wrote a second dispatch."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from lxml import etree

from simulators import db
from simulators.netsis.model import NetsisModel
from simulators.netsis.shipping import ship
from tests.fixtures.demo import NETSIS, Demo
from tests.fixtures.quotes import documents, quote_xml, transfer_path

pytestmark = pytest.mark.odbc

OTHER_BRANCH = 1
OTHER_ACCOUNT = "120-00002"


def _order_in_branch(demo: Demo, branch: int, account: str) -> str:
    """A sales order of ``account`` made in ``branch`` through the simulated NetOpenX kernel; its
    number."""
    body: dict[str, Any] = {"FaturaTip": 7, "Seri": "B", "FatUst": {
        "CariKod": account, "Tarih": "2026-11-20", "TIPI": 2},
        "Kalems": [{"StokKodu": "GDA00001", "STra_GCMIK": "3", "STra_BF": "10", "DEPO_KODU": 2}]}
    with contextlib.closing(db.connect(demo.erps[NETSIS].db_path)) as conn:
        return str(NetsisModel(conn).slip_post(body, branch)["FatUst"]["FATIRS_NO"])


def _shipped_in_branch(demo: Demo, number: str) -> None:
    """In another branch, the ERP delivers an order there with a dispatch numbered ``number``
    (its lines name the order: a dispatch made from an order, not a transfer)."""
    order = _order_in_branch(demo, OTHER_BRANCH, "120-00001")
    ship(demo.erps[NETSIS].db_path, number=order, account="120-00001", branch=OTHER_BRANCH,
         dispatch_number=number)


def _shipped_for_another_account(demo: Demo, number: str) -> None:
    """In the same branch, the item movements of another account's dispatch numbered ``number``
    made from an order. The demo database keys TBLFATUIRS on (branch, type, number), so the
    header of that dispatch cannot be stored beside the transfer's; its TBLSTHAR lines — all the
    lookup reads of it — are, as Netsis keeps them (the account in STHAR_CARIKOD)."""
    order = _order_in_branch(demo, 0, OTHER_ACCOUNT)
    demo.erps[NETSIS].execute(
        "INSERT INTO TBLSTHAR (SUBE_KODU, STOK_KODU, FISNO, STHAR_TARIH, STHAR_GCKOD, STHAR_GCMIK, "
        "STHAR_FTIRSIP, STHAR_HTUR, STHAR_SIPNUM, STHAR_CARIKOD, STHAR_ACIKLAMA, DEPO_KODU) "
        "VALUES (0, 'GDA00001', ?, '2026-11-21 00:00:00', 'C', 3, '3', 'H', ?, ?, ?, 2)",
        number, order, OTHER_ACCOUNT, OTHER_ACCOUNT)


@pytest.mark.parametrize("other", [_shipped_in_branch, _shipped_for_another_account],
                         ids=["another-branch", "another-account"])
async def test_a_dispatch_of_the_same_number_elsewhere_hides_no_transfer_f28_f29_n5(
        demo: Demo, other: Any) -> None:
    body = quote_xml(NETSIS, "Q-NK1")
    status, made = await demo.post(NETSIS, transfer_path("Q-NK1", "dispatch"), body)
    assert status == 201, etree.tostring(made, encoding="unicode")
    number = str(made.get("number"))
    other(demo, number)
    # the status is the transfer's dispatch
    status, state = await demo.get(NETSIS, transfer_path("Q-NK1"))
    assert status == 200, etree.tostring(state, encoding="unicode")
    assert (state.get("as"), state.get("number")) == ("dispatch", number)
    # the CRM's retry of the transfer answers it and writes nothing
    status, again = await demo.post(NETSIS, transfer_path("Q-NK1", "dispatch"), body)
    assert (status, again.get("created"), again.get("number")) == (200, "false", number), \
        etree.tostring(again, encoding="unicode")
    assert documents(demo, NETSIS, "Q-NK1") == 1
    # and a cancel deletes it (not "nothing to delete")
    status, cancelled = await demo.delete(NETSIS, transfer_path("Q-NK1"))
    assert (status, cancelled.get("deleted"), cancelled.get("number")) == (200, "true", number), \
        etree.tostring(cancelled, encoding="unicode")
    assert documents(demo, NETSIS, "Q-NK1") == 0
    await _own_dispatch_is_still_no_transfer(demo)


async def _own_dispatch_is_still_no_transfer(demo: Demo) -> None:
    """What the exclusion is for still holds: the ERP's own dispatch of a transferred order, in
    the same branch and for the same account, is not a document of the quote — even when the
    ERP copied the order's extras (quote id and stamp) onto it, as a conversion may."""
    status, made = await demo.post(NETSIS, transfer_path("Q-NK2", "order"),
                                   quote_xml(NETSIS, "Q-NK2"))
    assert status == 201, etree.tostring(made, encoding="unicode")
    shipped = ship(demo.erps[NETSIS].db_path, number=made.get("number"), account="120-00001")
    demo.erps[NETSIS].execute(
        "UPDATE TBLFATUEK SET ACIK1 = 'Q-NK2', ACIK2 = (SELECT ACIK2 FROM TBLFATUEK WHERE "
        "FATIRSNO = ? AND FKOD = '6') WHERE FATIRSNO = ? AND FKOD = '3'",
        made.get("number"), shipped["dispatch_number"])
    status, state = await demo.get(NETSIS, transfer_path("Q-NK2"))
    assert (status, state.get("as"), state.get("number")) == (200, "order", made.get("number")), \
        etree.tostring(state, encoding="unicode")
