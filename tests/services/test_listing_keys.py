"""A keyset page ends between two keys (F11, F18; docs/sync.md §5): a set's ``account_list``
override whose rows are not one per key, in key order, is refused instead of losing rows. Before,
a statement joining a table with several rows per card lost every row after a page's last one
(1,800 rows, 1,500 listed with pages of 10) and answered each page ``200``."""

from __future__ import annotations

from typing import Any

import pytest
from lxml import etree

from integrator.config import IntegrationSet, SqlDefinitions
from tests.fixtures.demo import NETSIS, TIGER, Demo, MakeDemo

pytestmark = pytest.mark.odbc

BOTH = pytest.mark.parametrize("set_code", [TIGER, NETSIS])
# each card on several rows (a join with several rows per card)
EVERY_CARD_TWICE = {
    TIGER: "SELECT TOP (:limit) C.LOGICALREF, C.CODE, C.DEFINITION_, P.CODE AS PAYMENT_CODE "
           "FROM LG_FFF_CLCARD C JOIN LG_FFF_PAYPLANS P ON P.LOGICALREF IN (1, 2) "
           "WHERE C.LOGICALREF > :after AND C.CODE <> N'ÿ' ORDER BY C.LOGICALREF",
    NETSIS: "SELECT TOP (:limit) C.CARI_KOD, C.CARI_ISIM FROM TBLCASABIT C "
            "JOIN TBLCASABITEK E ON E.CARI_KOD IN ('120-00001', '120-00002') "
            "WHERE C.CARI_KOD > :after ORDER BY C.CARI_KOD",
}
# one card far down the list on several rows: the first batches are fine
ONE_CARD_TWICE = {
    TIGER: "SELECT TOP (:limit) C.LOGICALREF, C.CODE, C.DEFINITION_, P.CODE AS PAYMENT_CODE "
           "FROM LG_FFF_CLCARD C LEFT JOIN LG_FFF_PAYPLANS P ON P.LOGICALREF IN (1, 2) "
           "AND C.LOGICALREF = 300 WHERE C.LOGICALREF > :after AND C.CODE <> N'ÿ' "
           "ORDER BY C.LOGICALREF",
    NETSIS: "SELECT TOP (:limit) C.CARI_KOD, C.CARI_ISIM FROM TBLCASABIT C "
            "LEFT JOIN TBLCASABITEK E ON E.CARI_KOD IN ('120-00001', '120-00002') "
            "AND C.CARI_KOD = '120-00300' WHERE C.CARI_KOD > :after ORDER BY C.CARI_KOD",
}
# Tiger: keys out of order (a page's cursor would skip what lies behind it)
BY_CODE = ("SELECT TOP (:limit) C.LOGICALREF, C.CODE, C.DEFINITION_ FROM LG_FFF_CLCARD C "
           "WHERE C.LOGICALREF > :after AND C.CODE <> N'ÿ' ORDER BY C.DEFINITION_")


def overriding(set_code: str, sql: str) -> Any:
    def modify(s: IntegrationSet) -> IntegrationSet:
        if s.code != set_code:
            return s
        return IntegrationSet.model_validate({**dict(s), "sql": SqlDefinitions(account_list=sql)})
    return modify


def refused(error: etree._Element) -> None:
    assert (error.tag, error.get("code")) == ("Error", "SQL_REJECTED"), etree.tostring(error)
    assert "one row per" in (error.findtext("Message") or "")
    detail = error.find("Detail")
    assert detail is not None and detail.get("path") == "sql.account_list"


@BOTH
async def test_a_list_statement_with_a_key_on_two_rows_is_refused_f11_f18(
        make_demo: MakeDemo, set_code: str) -> None:
    demo: Demo = await make_demo(modify=overriding(set_code, EVERY_CARD_TWICE[set_code]))
    status, error = await demo.get(set_code, "/v1/accounts", {"limit": "10"})
    assert status == 400
    refused(error)


@BOTH
async def test_a_key_on_two_rows_further_down_ends_the_stream_with_an_error_f11_f18(
        make_demo: MakeDemo, set_code: str) -> None:
    demo: Demo = await make_demo(modify=overriding(set_code, ONE_CARD_TWICE[set_code]),
                                 sync={"read_batch": 50})
    status, root = await demo.get(set_code, "/v1/accounts", {"limit": "1000"})
    assert status == 200 and root.tag == "Accounts"
    *records, last = list(root)
    assert records and all(r.tag == "Account" for r in records)
    assert root.find("Page") is None  # no cursor: the CRM cannot take the list as whole
    refused(last)


async def test_tiger_keys_out_of_order_are_refused_f11_f18(make_demo: MakeDemo) -> None:
    demo: Demo = await make_demo(modify=overriding(TIGER, BY_CODE))
    status, error = await demo.get(TIGER, "/v1/accounts", {"limit": "10"})
    assert status == 400
    refused(error)
