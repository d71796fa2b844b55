"""Searches (F12, F19, N7) through the service on the demo: every match in code order however far
the SQL superset's candidates run, ``truncated`` only when more matches exist or may exist, and
candidates read in growing batches (a query whose first candidates match reads about the limit)."""

from __future__ import annotations

import contextlib
import sqlite3

import pytest
from lxml import etree

from integrator.api.keys import METRICS
from integrator.services import search as searching
from integrator.services.text import turkish_fold
from tests.fixtures.demo import NETSIS, TIGER, Demo

pytestmark = pytest.mark.odbc

SEARCHED = {  # (set, entity) -> (table, code column, name column, placeholder filter)
    (TIGER, "account"): ("LG_001_CLCARD", "CODE", "DEFINITION_", "CODE <> 'ÿ'"),
    (TIGER, "product"): ("LG_001_ITEMS", "CODE", "NAME", "CODE <> 'ÿ'"),
    (NETSIS, "account"): ("TBLCASABIT", "CARI_KOD", "CARI_ISIM", "1 = 1"),
    (NETSIS, "product"): ("TBLSTSABIT", "STOK_KODU", "STOK_ADI", "1 = 1"),
}
REPAIR = str.maketrans("ÝÞÐýþð", "İŞĞışğ")  # Netsis text: cp1254 bytes seen as cp1252


def expected(demo: Demo, set_code: str, entity: str, query: str) -> list[tuple[str, str]]:
    """(code, "code"|"name") of every card the search must find, in the statement's code order,
    read straight from the database and filtered by the rule of docs/sql.md §8."""
    table, code, name, where = SEARCHED[(set_code, entity)]
    with contextlib.closing(sqlite3.connect(demo.erps[set_code].db_path)) as conn:
        rows = conn.execute(f"SELECT {code}, {name} FROM {table} WHERE {where} "
                            f"ORDER BY {code}").fetchall()
    folded = turkish_fold(query)
    found = []
    for code_value, name_value in rows:
        code_text = str(code_value).translate(REPAIR)
        if turkish_fold(code_text).startswith(folded):
            found.append((code_text, "code"))
        elif folded in turkish_fold(str(name_value or "").translate(REPAIR)):
            found.append((code_text, "name"))
    return found


async def search(demo: Demo, set_code: str, entity: str, query: str,
                 limit: int) -> tuple[list[tuple[str, str]], bool]:
    status, root = await demo.get(set_code, f"/v1/{entity}s/search",
                                  {"q": query, "limit": str(limit)})
    assert status == 200, etree.tostring(root)
    rows = [(str(r.get("code")), str(r.get("match"))) for r in root.iter("Row")]
    assert int(root.get("count")) == len(rows)
    return rows, root.get("truncated") == "true"


@pytest.mark.parametrize(("set_code", "entity", "query"), [
    (TIGER, "account", "şişli"), (NETSIS, "account", "ŞİŞLİ"), (TIGER, "account", "ışık"),
    (TIGER, "account", "ış"), (TIGER, "product", "çay"), (NETSIS, "product", "şeker"),
    (TIGER, "account", "120.02"),
])
async def test_search_finds_every_match_beyond_the_first_candidates_f12_f19(
        demo: Demo, set_code: str, entity: str, query: str) -> None:
    """A query of non-ASCII letters makes a weak SQL pattern (``ŞİŞLİ`` -> ``_____``): its matches
    lie among hundreds of candidates. The search reads on until it has them; it answered from
    the first max(limit x 10, 200) candidates before, and said ``truncated="false"``."""
    want = expected(demo, set_code, entity, query)
    assert len(want) >= 3
    assert await search(demo, set_code, entity, query, len(want)) == (want, False)
    assert await search(demo, set_code, entity, query, len(want) - 1) == (want[:-1], True)
    assert await search(demo, set_code, entity, query, 500) == (want, False)


async def test_search_without_a_match_reads_to_the_end(demo: Demo) -> None:
    assert await search(demo, TIGER, "account", "zzqxş", 20) == ([], False)


async def test_search_reads_about_its_limit_when_candidates_match_f12(demo: Demo) -> None:
    """``a`` matches nearly every account: a search for 20 reads its first batch of 32 rows
    (``integrator_sql_rows_total``), not 200 candidates."""
    registry = demo.client.app[METRICS].registry

    def rows_read() -> float:
        return registry.get_sample_value("integrator_sql_rows_total", {"set": TIGER}) or 0.0

    want = expected(demo, TIGER, "account", "a")
    assert len(want) > 200
    before = rows_read()
    assert await search(demo, TIGER, "account", "a", 20) == (want[:20], True)
    assert rows_read() - before == searching.SEARCH_FIRST_BATCH


async def test_search_says_truncated_when_its_scan_ends_before_the_candidates_n7(
        demo: Demo) -> None:
    """10,001 accounts whose codes sort first and whose names fit the weak pattern of ``şişli``
    but not the query: the scan stops after ``SEARCH_SCAN_MAX`` candidates and says that more
    may exist, instead of reading the whole table."""
    erp = demo.erps[TIGER]
    with contextlib.closing(erp.db()) as conn:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(LG_001_CLCARD)")]
        top = conn.execute("SELECT MAX(LOGICALREF) FROM LG_001_CLCARD").fetchone()[0]
        chosen = {"LOGICALREF": f"{top} + N", "CODE": "printf('000.%05d', N)",
                  "DEFINITION_": "'ATALAY YAPI'"}  # ___l_
        picks = ", ".join(chosen.get(c, c) for c in columns)
        conn.execute(f"""
            WITH RECURSIVE NUMBERS(N) AS (SELECT 1 UNION ALL SELECT N + 1 FROM NUMBERS
                                          WHERE N < {searching.SEARCH_SCAN_MAX + 1})
            INSERT INTO LG_001_CLCARD ({", ".join(columns)})
            SELECT {picks} FROM NUMBERS, LG_001_CLCARD WHERE LOGICALREF = 2""")
        conn.commit()
    assert expected(demo, TIGER, "account", "şişli")  # the real ones sort after the filler
    assert await search(demo, TIGER, "account", "şişli", 20) == ([], True)
    assert await search(demo, TIGER, "account", "000.0000", 5) == (
        [(f"000.0000{n}", "code") for n in range(1, 6)], True)

