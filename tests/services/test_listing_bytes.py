"""The exact bytes of bulk ERP -> CRM reads (F11, F18, N7; issue 15 item 4): pages of both demo
sets compared with golden files, so that the streaming path can change without changing a byte.

Cases: the first page and the page after its cursor of every (set, entity); every record of every
(set, entity) as a digest (``tests/golden/listing/digests.txt``); text that XML must escape or
cannot carry (``& < > " \\r \\n \\t``, control characters, U+FFFF) and Netsis mojibake that the
SQL layer repairs; set mappings with converters (value tables, bool, trim, erp_to_crm only,
not reversible), ``if_target_empty``, and rows the mappings cannot read (an ``<Error>`` inside the
record). Regenerate after an intended change with ``UPDATE_GOLDEN=1`` and review the diff.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest

from integrator.config import IntegrationSet, Mappings
from tests.fixtures.demo import NETSIS, TIGER, Demo, MakeDemo
from tests.fixtures.mapping import GOLDEN

pytestmark = pytest.mark.odbc

UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
FOLDER = GOLDEN / "listing"
CURSOR_KEY = "b" * 16 + "cursor-key-of-the-golden-listings"
CASES = [(TIGER, "accounts"), (TIGER, "products"), (NETSIS, "accounts"), (NETSIS, "products")]


async def body(demo: Demo, set_code: str, path: str, params: dict[str, str]) -> bytes:
    response = await demo.client.get(path, params=params, headers=demo.headers(set_code))
    assert response.status == 200
    assert response.headers["Transfer-Encoding"] == "chunked"
    return await response.read()


def compare(path: Path, actual: bytes) -> None:
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(actual)
    assert path.exists(), f"{path} is missing; run with UPDATE_GOLDEN=1 and review it"
    assert actual == path.read_bytes()


def cursor_of(page: bytes) -> str:
    return page.rsplit(b'cursor="', 1)[1].split(b'"', 1)[0].decode()


@pytest.mark.parametrize(("set_code", "entity"), CASES)
async def test_pages_are_byte_for_byte_the_golden_ones(make_demo: MakeDemo, set_code: str,
                                                       entity: str) -> None:
    demo: Demo = await make_demo(cursor_keys=[CURSOR_KEY], sync={"read_batch": 7})
    path = f"/v1/{entity}"
    name = f"{set_code.lower()}-{entity}"
    first = await body(demo, set_code, path, {"limit": "12"})
    compare(FOLDER / f"{name}-page1.xml", first)
    second = await body(demo, set_code, path, {"limit": "12", "cursor": cursor_of(first)})
    compare(FOLDER / f"{name}-page2.xml", second)


async def test_every_record_is_byte_for_byte_the_golden_one(make_demo: MakeDemo) -> None:
    demo: Demo = await make_demo(cursor_keys=[CURSOR_KEY])
    lines = []
    for set_code, entity in CASES:
        data = await body(demo, set_code, f"/v1/{entity}", {"limit": "100000"})
        lines.append(f"{set_code} {entity} {data.count(b'<Field ')} fields {len(data)} bytes "
                     f"sha256 {hashlib.sha256(data).hexdigest()}\n")
    compare(FOLDER / "digests.txt", "".join(lines).encode())


ODD = 'A & B <C> "D" \'E\' ]]> \r\n\tF\x01G\uffffH'  # escaped, kept, or U+FFFD


def with_changes(s: IntegrationSet, **changes: Any) -> IntegrationSet:
    return IntegrationSet.model_validate({**dict(s), **changes})


def tiger_mappings(s: IntegrationSet) -> IntegrationSet:
    if s.code != TIGER:
        return s
    return with_changes(s, value_tables={"SPECIAL": {"Bayi": "BAYİ", "Toptan": "TOPTAN"}},
                        mappings=Mappings.model_validate({"account": [
                            {"crm": "SpecialCode", "erp": "AUXIL_CODE",
                             "converters": ["value_table(SPECIAL)"]},
                            {"crm": "EInvoice_Custom", "erp": "ACCEPT_EINV", "converters": ["bool"]},
                            {"crm": "Title", "erp": "TITLE", "converters": ["trim"]},
                            {"crm": "Region_Custom", "erp": "AUXIL_CODE4", "direction": "erp_to_crm",
                             "converters": ["upper_tr"]},
                            {"crm": "Phone", "erp": "TELEPHONE1"},
                            {"crm": "Phone", "erp": "TELEPHONE2", "copy_mode": "if_target_empty"},
                            {"crm": "Fax", "erp": "FAX", "direction": "crm_to_erp"},
                        ]}))


async def test_set_mappings_and_unreadable_rows(make_demo: MakeDemo) -> None:
    demo: Demo = await make_demo(cursor_keys=[CURSOR_KEY], modify=tiger_mappings,
                                 sync={"read_batch": 16})
    tiger = demo.erps[TIGER]
    tiger.execute("UPDATE LG_001_CLCARD SET TELNRS1 = '', TELNRS2 = '0216 000 00 00', "
                  "SPECODE4 = 'iç bölge', ACCEPTEINV = 1 WHERE LOGICALREF IN (SELECT LOGICALREF "
                  "FROM LG_001_CLCARD WHERE CODE <> 'ÿ' ORDER BY LOGICALREF LIMIT 3)")
    page = await body(demo, TIGER, "/v1/accounts", {"limit": "40"})
    assert b"<Error " in page and b'"MAPPING"' in page
    compare(FOLDER / "demo-tiger-accounts-mappings.xml", page)


async def test_text_xml_escapes_or_cannot_carry(make_demo: MakeDemo) -> None:
    demo: Demo = await make_demo(cursor_keys=[CURSOR_KEY])
    tiger, netsis = demo.erps[TIGER], demo.erps[NETSIS]
    top = tiger.scalar("SELECT MAX(LOGICALREF) FROM LG_001_CLCARD")
    for n, (code, title) in enumerate([("ZZ&<1>", ODD), ('ZZ"2', "  Şişli \t"), ("ZZ3", "")], 1):
        tiger.execute("INSERT INTO LG_001_CLCARD (LOGICALREF, CODE, DEFINITION_, CITY, ADDR1, "
                      "DISCRATE) VALUES (?, ?, ?, ?, ?, ?)", top + n, code, title, ODD,
                      "Line 1\nLine 2", "12.50")
    for code, title in [("ZZ&<1>", ODD), ("ZZ2", "ÝÞÐ ýþð Iğdır")]:  # cp1254 read as Latin-1
        netsis.execute("INSERT INTO TBLCASABIT (CARI_KOD, CARI_ISIM, CARI_IL, ISKONTO_ORANI) "
                       "VALUES (?, ?, ?, ?)", code, title, ODD, 2.5)
    for set_code in (TIGER, NETSIS):
        page = await body(demo, set_code, "/v1/accounts", {"code": "zz"})
        assert b"\xef\xbf\xbd" in page  # U+FFFD for the characters XML cannot carry
        compare(FOLDER / f"{set_code.lower()}-accounts-odd-text.xml", page)
