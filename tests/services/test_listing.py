"""Bulk ERP -> CRM reads (F11, F18, N7): keyset pages that return every row exactly once, the
filters (Turkish case rules), streaming in batches on one connection, and refused cursors."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import tracemalloc
from datetime import datetime, timedelta
from typing import Any

import pytest
from lxml import etree

from integrator.api.keys import METRICS
from integrator.config import IntegrationSet, Mappings, SqlDefinitions
from integrator.services.text import turkish_fold
from tests.fixtures.demo import NETSIS, TIGER, Demo, MakeDemo, account_xml, fields_of

CURSOR_KEY = "a" * 16 + "cursor-key-of-the-listing-tests"

pytestmark = pytest.mark.odbc

TABLES = {  # (table, key column, code column, name column, special code column, placeholder filter)
    (TIGER, "account"): ("LG_001_CLCARD", "LOGICALREF", "CODE", "DEFINITION_", "SPECODE",
                         "CODE <> 'ÿ'"),
    (TIGER, "product"): ("LG_001_ITEMS", "LOGICALREF", "CODE", "NAME", "SPECODE", "CODE <> 'ÿ'"),
    (NETSIS, "account"): ("TBLCASABIT", "CARI_KOD", "CARI_KOD", "CARI_ISIM", "RAPOR_KODU1", "1 = 1"),
    (NETSIS, "product"): ("TBLSTSABIT", "STOK_KODU", "STOK_KODU", "STOK_ADI", "KOD_1", "1 = 1"),
}
REPAIR = str.maketrans("ÝÞÐýþð", "İŞĞışğ")


def db_rows(demo: Demo, set_code: str, entity: str) -> list[tuple[str, str, str, str]]:
    """(key, code, name, special code) of every card, Turkish text repaired."""
    table, key, code, name, special, where = TABLES[(set_code, entity)]
    with contextlib.closing(sqlite3.connect(demo.erps[set_code].db_path)) as conn:
        rows = conn.execute(f"SELECT {key}, {code}, {name}, {special} FROM {table} "
                            f"WHERE {where}").fetchall()
    return [tuple(str(v or "").translate(REPAIR) for v in row) for row in rows]  # type: ignore[misc]


async def all_pages(demo: Demo, set_code: str, path: str, params: dict[str, str]
                    ) -> tuple[list[etree._Element], int]:
    """Every record of a listing, following the cursors; and the number of pages."""
    records: list[etree._Element] = []
    pages = 0
    cursor = None
    while True:
        query = dict(params)
        if cursor:
            query["cursor"] = cursor
        status, root = await demo.get(set_code, path, query)
        assert status == 200, etree.tostring(root)
        pages += 1
        *items, page = list(root)
        assert page.tag == "Page" and int(page.get("count")) == len(items)
        assert all(item.find("Error") is None for item in items)
        records.extend(items)
        cursor = page.get("cursor")
        assert (page.get("more") == "true") == bool(cursor)
        if not cursor:
            return records, pages


@pytest.mark.parametrize(("set_code", "entity", "limit"), [
    (TIGER, "account", 97), (NETSIS, "account", 97), (TIGER, "product", 500),
    (NETSIS, "product", 500),
])
async def test_paging_returns_every_row_exactly_once(demo: Demo, set_code: str, entity: str,
                                                     limit: int) -> None:
    path = f"/v1/{entity}s"
    records, pages = await all_pages(demo, set_code, path, {"limit": str(limit)})
    expected = db_rows(demo, set_code, entity)
    keys = [r.get("ref") for r in records]
    assert len(keys) == len(set(keys)) == len(expected)
    assert set(keys) == {row[0] for row in expected}
    assert pages == -(-len(expected) // limit) + (1 if len(expected) % limit == 0 else 0)
    by_key = {row[0]: row for row in expected}
    sample = records[len(records) // 2]
    field = "Title" if entity == "account" else "Name"
    assert fields_of(sample)[field] == by_key[str(sample.get("ref"))][2]  # Turkish text intact
    assert sample.get("code") == by_key[str(sample.get("ref"))][1]


async def test_tiger_products_carry_their_unit_set_and_main_unit(demo: Demo) -> None:
    _status, root = await demo.get(TIGER, "/v1/products", {"limit": "5"})
    fields = fields_of(root[0])
    assert fields["UnitSet"] and fields["Unit"] and fields["VatRate"]


@pytest.mark.parametrize("set_code", [TIGER, NETSIS])
async def test_filters_follow_turkish_case_rules(demo: Demo, set_code: str) -> None:
    rows = db_rows(demo, set_code, "account")
    # title contains, Turkish case-insensitive (İ/i and I/ı are different letters)
    records, _ = await all_pages(demo, set_code, "/v1/accounts", {"title": "şişli", "limit": "7"})
    expected = {key for key, _, name, _ in rows if "şişli" in turkish_fold(name)}
    assert expected and {r.get("ref") for r in records} == expected
    # code prefix
    prefix = rows[10][1][:6]
    records, _ = await all_pages(demo, set_code, "/v1/accounts", {"code": prefix.lower()})
    assert {r.get("ref") for r in records} == {k for k, code, _, _ in rows
                                               if turkish_fold(code).startswith(
                                                   turkish_fold(prefix.lower()))}
    # special code (SPECODE / RAPOR_KODU1), equal
    special = next(s for _, _, _, s in rows if s)
    records, _ = await all_pages(demo, set_code, "/v1/accounts", {"special_code": special})
    assert {r.get("ref") for r in records} == {k for k, _, _, s in rows if s == special}
    # all of them together
    records, _ = await all_pages(demo, set_code, "/v1/accounts",
                                 {"title": "şişli", "special_code": special, "limit": "3"})
    assert {r.get("ref") for r in records} == {
        k for k, _, name, s in rows if s == special and "şişli" in turkish_fold(name)}


@pytest.mark.parametrize("set_code", [TIGER, NETSIS])
async def test_changed_since(demo: Demo, set_code: str) -> None:
    since = (datetime.now() - timedelta(seconds=2)).replace(microsecond=0)
    code = "120.55.0001" if set_code == TIGER else "120-55-0001"
    status, created = await demo.post(set_code, "/v1/accounts",
                                      account_xml("F-NEW", {"Code": code, "Title": "YENİ"}))
    assert status == 201
    old_key = db_rows(demo, set_code, "account")[3][0]
    status, updated = await demo.post(set_code, "/v1/accounts",
                                      account_xml("F-OLD", {"Title": "DEĞİŞTİ"}, ref=old_key))
    assert status == 200
    records, _ = await all_pages(demo, set_code, "/v1/accounts",
                                 {"changed_since": since.isoformat()})
    assert {r.get("ref") for r in records} == {created.get("ref"), updated.get("ref")}
    records, _ = await all_pages(demo, set_code, "/v1/accounts", {"changed_since": "2030-01-01"})
    assert records == []


async def test_the_engine_streams_in_batches_on_one_connection(make_demo: MakeDemo) -> None:
    demo: Demo = await make_demo(sync={"read_batch": 50})
    metrics = demo.client.app[METRICS]

    def trips() -> float:
        return metrics.registry.get_sample_value("integrator_sql_round_trips_total",
                                                 {"set": TIGER}) or 0.0

    before = trips()
    response = await demo.client.get("/v1/accounts", params={"limit": "1000"},
                                     headers=demo.headers(TIGER))
    assert response.headers["Transfer-Encoding"] == "chunked"
    root = etree.fromstring(await response.read())
    rows = len(db_rows(demo, TIGER, "account"))
    assert len(root) == rows + 1 and root[-1].get("more") == "false"
    # one execute + one fetch per batch of 50 (+ the empty fetch that ends the stream)
    assert trips() - before == 1 + -(-rows // 50) + (1 if rows % 50 == 0 else 0)


def add_accounts(demo: Demo, count: int) -> None:
    """``count`` more Tiger accounts (Turkish titles) in the demo database."""
    with contextlib.closing(demo.erps[TIGER].db()) as conn:
        top = conn.execute("SELECT MAX(LOGICALREF) FROM LG_001_CLCARD").fetchone()[0]
        conn.executemany("INSERT INTO LG_001_CLCARD (LOGICALREF, CODE, DEFINITION_, CITY) "
                         "VALUES (?, ?, ?, ?)", [(top + n, f"M{n:07d}", f"ÇAĞDAŞ ŞİŞLİ {n} A.Ş.",
                                                   "İZMİR") for n in range(1, count + 1)])
        conn.commit()


async def test_one_chunk_per_batch_and_memory_flat_in_the_count(make_demo: MakeDemo) -> None:
    """Issue 15 item 4: each fetched batch is written as it is read (a chunk of its own), so what
    the service holds while streaming does not grow with the number of records (traced Python
    allocations: 12,000 records against 1,200, in the same process as the client, which reads
    the answer chunk by chunk and keeps nothing)."""
    demo: Demo = await make_demo(sync={"read_batch": 100})
    add_accounts(demo, 12_000)

    async def stream(limit: int) -> tuple[int, int, int]:
        """(records, chunks, peak traced bytes above the start)."""
        tracemalloc.start()
        try:
            start = tracemalloc.get_traced_memory()[0]
            response = await demo.client.get("/v1/accounts", params={"limit": str(limit)},
                                             headers=demo.headers(TIGER))
            records = chunks = 0
            tail = b""
            async for data, end_of_chunk in response.content.iter_chunks():
                chunks += end_of_chunk
                records += (tail + data).count(b"<Account ") - tail.count(b"<Account ")
                tail = data[-9:]
            return records, chunks, tracemalloc.get_traced_memory()[1] - start
        finally:
            tracemalloc.stop()

    await stream(200)  # warm up: pools, compiled statement, row reader
    small_records, small_chunks, small_peak = await stream(1_200)
    assert small_chunks >= 1_200 // 100
    large_records, large_chunks, large_peak = await stream(12_000)
    assert (small_records, large_records) == (1_200, 12_000)
    assert large_chunks >= 12_000 // 100
    # buffering the records would hold > 10 MB more (each record is ~500 bytes of text alone)
    assert large_peak < small_peak + 2_000_000, (small_peak, large_peak)


async def test_a_dropped_reader_returns_the_connection(make_demo: MakeDemo) -> None:
    demo: Demo = await make_demo(sync={"read_batch": 20})
    response = await demo.client.get("/v1/accounts", params={"limit": "1000"},
                                     headers=demo.headers(TIGER))
    await response.content.readany()
    response.close()
    await asyncio.sleep(0.2)
    status, root = await demo.get(TIGER, "/v1/accounts", {"limit": "3"})  # the pool still works
    assert status == 200 and len(root) == 4


@pytest.mark.parametrize("set_code", [TIGER, NETSIS])
async def test_refused_cursors_and_parameters(demo: Demo, set_code: str) -> None:
    status, root = await demo.get(set_code, "/v1/accounts", {"limit": "5", "title": "a"})
    cursor = str(root[-1].get("cursor"))
    body, mac = cursor.split(".")
    tampered = ("A" if body[5] != "A" else "B").join([body[:5], body[6:]]) + "." + mac
    other_set = NETSIS if set_code == TIGER else TIGER
    status, other_root = await demo.get(other_set, "/v1/accounts", {"limit": "5", "title": "a"})
    foreign = str(other_root[-1].get("cursor"))
    for params, why in [
        ({"cursor": tampered, "title": "a"}, "changed"),
        ({"cursor": cursor[:-3], "title": "a"}, "changed"),
        ({"cursor": cursor}, "other filters"),
        ({"cursor": cursor, "title": "b"}, "other filters"),
        ({"cursor": foreign, "title": "a"}, "set"),
        ({"cursor": "bm90IGEgY3Vyc29y", "title": "a"}, "not a cursor"),
        ({"cursor": "x" * 600}, "not a cursor"),
        ({"limit": "0"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"limit": "100001"}, "limit"),
        ({"changed_since": "yesterday"}, "changed_since"),
        ({"changed_since": "2026-01-01T00:00:00+03:00"}, "time zone"),
        ({"titel": "x"}, "unknown parameter"),
        ({"name": "x"}, "unknown parameter"),  # products filter by name, accounts by title
    ]:
        status, error = await demo.get(set_code, "/v1/accounts", params)
        assert (status, error.get("code")) == (400, "VALIDATION"), (params, etree.tostring(error))
        assert why in (error.findtext("Message") or ""), (why, error.findtext("Message"))
    status, root = await demo.get(set_code, "/v1/accounts", {"cursor": cursor, "title": "a"})
    assert status == 200  # the untouched cursor still works


@pytest.mark.redis
@pytest.mark.parametrize("keys", [[CURSOR_KEY], None], ids=["configured keys", "built-in key"])
async def test_a_cursor_of_one_replica_is_followed_on_another(
        make_demo: MakeDemo, redis_url: str, store_prefix: str, keys: list[str] | None) -> None:
    """Issue 14 item 8: replicas that share a store verify each other's cursors."""
    demo: Demo = await make_demo(store=redis_url, store_prefix=store_prefix + "cursor:",
                                 replicas=2, cursor_keys=keys)
    a, b = demo.replicas
    status, first = await a.get(TIGER, "/v1/accounts", {"limit": "5"})
    assert status == 200 and first[-1].get("more") == "true"
    status, second = await b.get(TIGER, "/v1/accounts", {"limit": "5", "cursor": first[-1].get("cursor")})
    assert status == 200, etree.tostring(second)
    assert int(second[0].get("ref")) > int(first[-2].get("ref"))


async def test_cursors_of_a_rotated_out_key_are_refused(make_demo: MakeDemo) -> None:
    old = await make_demo(cursor_keys=[CURSOR_KEY])
    status, root = await old.get(TIGER, "/v1/accounts", {"limit": "5"})
    cursor = str(root[-1].get("cursor"))
    new = await make_demo(cursor_keys=[CURSOR_KEY.replace("a", "b")])
    status, error = await new.get(TIGER, "/v1/accounts", {"limit": "5", "cursor": cursor})
    assert (status, error.get("code")) == (400, "VALIDATION")
    assert "key this service no longer has" in (error.findtext("Message") or "")


def with_changes(s: IntegrationSet, **changes: Any) -> IntegrationSet:
    return IntegrationSet.model_validate({**dict(s), **changes})


async def test_a_row_the_mappings_cannot_read_is_reported_inside_the_page(
        make_demo: MakeDemo) -> None:
    def modify(s: IntegrationSet) -> IntegrationSet:
        if s.code != TIGER:
            return s
        return with_changes(s, value_tables={"SPECIAL": {"Bayi": "BAYİ"}},
                            mappings=Mappings.model_validate({"account": [
                                {"crm": "SpecialCode", "erp": "AUXIL_CODE",
                                 "converters": ["value_table(SPECIAL)"]}]}))

    demo: Demo = await make_demo(modify=modify)
    status, root = await demo.get(TIGER, "/v1/accounts", {"limit": "60"})
    assert status == 200
    *items, page = list(root)
    assert page.get("count") == "60"
    broken = [item for item in items if item.find("Error") is not None]
    good = [item for item in items if item.find("Error") is None]
    assert broken and good
    assert {item.find("Error").get("code") for item in broken} == {"MAPPING"}
    assert all(item.get("ref") for item in broken)
    assert {fields_of(item).get("SpecialCode") for item in good} <= {"Bayi", ""}
    assert demo.records_metric(TIGER, "account", "erp_to_crm", "mapping") == len(broken)


async def test_a_failing_set_statement_is_an_ordinary_error(make_demo: MakeDemo) -> None:
    def modify(s: IntegrationSet) -> IntegrationSet:
        if s.code != TIGER:
            return s
        return with_changes(s, sql=SqlDefinitions(
            account_list="SELECT TOP (:limit) C.CODE FROM LG_FFF_CLCARD C WHERE C.LOGICALREF > :after",
            product_list="SELECT TOP (:limit) I.LOGICALREF FROM LG_FFF_NO_SUCH_TABLE I "
                         "WHERE I.LOGICALREF > :after"))

    demo: Demo = await make_demo(modify=modify)
    status, error = await demo.get(TIGER, "/v1/accounts")
    assert (status, error.get("code")) == (400, "SQL_REJECTED")
    assert "LOGICALREF" in (error.findtext("Message") or "")
    status, error = await demo.get(TIGER, "/v1/products")
    assert (status, error.get("code")) == (400, "SQL_REJECTED")


def rows_read(demo: Demo) -> float:
    return demo.client.app[METRICS].registry.get_sample_value(
        "integrator_sql_rows_total", {"set": TIGER}) or 0.0


async def test_a_filtered_page_reads_its_candidates_in_growing_batches(make_demo: MakeDemo) -> None:
    """F11: a filtered page reads candidate rows in batches that start small and grow, so a page
    of 5 reads a hundred rows or so, not a whole read batch (500). Every row read is counted, also
    those of a page that ended before the statement's rows did."""
    demo: Demo = await make_demo()
    add_accounts(demo, 2_000)  # "ÇAĞDAŞ ŞİŞLİ n A.Ş.": every one matches "şişli"
    before = rows_read(demo)
    status, root = await demo.get(TIGER, "/v1/accounts", {"title": "şişli", "limit": "5"})
    assert status == 200 and len(root) == 6 and root[-1].get("more") == "true"
    assert all("ŞİŞLİ" in fields_of(record)["Title"].upper() for record in root[:-1])
    # the demo's own accounts come first and few of them match: batches of 32 and 128 hold the
    # five (a whole read batch, 500 rows, before)
    assert 5 <= rows_read(demo) - before <= 32 + 128
    # a page larger than that starts with a batch of its own limit (these candidates all match)
    before = rows_read(demo)
    status, root = await demo.get(TIGER, "/v1/accounts", {"title": "şişli 1", "limit": "300"})
    assert status == 200 and len(root) == 301
    assert rows_read(demo) - before == 300
    # an unfiltered page: its statement's LIMIT is the page's, read in one batch as before
    before = rows_read(demo)
    status, root = await demo.get(TIGER, "/v1/accounts", {"limit": "40"})
    assert status == 200 and len(root) == 41 and rows_read(demo) - before == 40
