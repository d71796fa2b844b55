"""The executor on real drivers: the SQLite3 ODBC driver (mark odbc) and PostgreSQL through
psqlODBC with a SELECT-only role (mark postgres). Nothing is mocked."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyodbc
import pytest

from integrator.config import IntegrationSet
from integrator.errors import DbUnavailable, SqlRejected
from integrator.metrics import Metrics
from integrator.sql.compiler import Compiled
from integrator.sql.engine import SqlEngine
from integrator.sql.pool import (
    IDLE_LIMIT_S,
    PLANS_MAX,
    SCHEMA_CHECK_S,
    Pool,
    close_all,
    pool_spec,
)
from integrator.sql.results import Statement
from integrator.sql.sqlite import placeholder_gaps, sqlite_literals
from integrator.sql.threads import LifoExecutor
from tests.fixtures.common import tiger_set
from tests.fixtures.sql import (
    Clock,
    pg_netsis_set,
    pg_tiger_set,
    sqlite_netsis_set,
    sqlite_tiger_set,
)


def round_trips(engine: SqlEngine, set_code: str) -> float:
    value = engine._metrics.registry.get_sample_value(  # the real counter the service exports
        "integrator_sql_round_trips_total", {"set": set_code})
    return value or 0.0


@pytest.fixture(params=[pytest.param("sqlite", marks=pytest.mark.odbc),
                        pytest.param("postgres", marks=pytest.mark.postgres)])
def sets(request: pytest.FixtureRequest, demo_dir: Path) -> tuple[IntegrationSet, IntegrationSet]:
    """(tiger set, netsis set) on the engine of the parameter."""
    if request.param == "sqlite":
        return (sqlite_tiger_set(demo_dir / "tiger.db"), sqlite_netsis_set(demo_dir / "netsis.db"))
    pg = request.getfixturevalue("pg_demo")
    return pg_tiger_set(pg), pg_netsis_set(pg)


async def test_types_decimal_and_turkish_text_are_exact(engine: SqlEngine,
                                                        sets: tuple[IntegrationSet, ...]) -> None:
    tiger = sets[0]
    result = await engine.query(tiger, "t", """
        SELECT C.LOGICALREF, C.CODE, C.DEFINITION_, C.DISCRATE, C.CAPIBLOCK_CREADEDDATE AS CREATED,
               (SELECT SUM(L.AMOUNT) FROM LG_FFF_PP_CLFLINE L WHERE L.CLIENTREF = C.LOGICALREF) AS TOTAL
        FROM LG_FFF_CLCARD C WHERE C.LOGICALREF = :ref""", {"ref": 2})
    assert [c.name for c in result.columns] == ["LOGICALREF", "CODE", "DEFINITION_", "DISCRATE",
                                                "CREATED", "TOTAL"]
    assert [c.type for c in result.columns] == ["int", "string", "string", "decimal", "datetime",
                                                "decimal"]
    row = result.rows[0]
    assert row[2] == "ŞİŞLİ GIDA SANAYİ VE TİCARET A.Ş."
    assert isinstance(row[3], Decimal)
    assert row[3] == 0
    assert isinstance(row[4], datetime)
    assert isinstance(row[5], Decimal)
    assert row[5] == row[5].quantize(Decimal("0.01"))


async def test_turkish_parameter_matches(engine: SqlEngine, sets: tuple[IntegrationSet, ...]) -> None:
    tiger, netsis = sets
    found = await engine.query(tiger, "t", "SELECT C.CODE FROM LG_FFF_CLCARD C WHERE C.DEFINITION_ = @t",
                               {"t": "ŞİŞLİ GIDA SANAYİ VE TİCARET A.Ş."})
    assert len(found.rows) == 1
    # Netsis: the parameter is sent in the database's mojibake form and the answer is repaired
    found = await engine.query(netsis, "n", "SELECT CARI_ISIM FROM TBLCASABIT WHERE CARI_ISIM = :t",
                               {"t": "ŞİŞLİ GIDA SANAYİ VE TİCARET A.Ş."})
    assert found.rows == [("ŞİŞLİ GIDA SANAYİ VE TİCARET A.Ş.",)]


async def test_row_cap_sets_truncated(engine: SqlEngine, sets: tuple[IntegrationSet, ...]) -> None:
    tiger = sets[0]
    capped = await engine.query(tiger, "cap", "SELECT LOGICALREF FROM LG_FFF_ITEMS ORDER BY LOGICALREF",
                                max_rows=7)
    assert len(capped.rows) == 7
    assert capped.truncated
    exact = await engine.query(tiger, "cap", "SELECT TOP 3 LOGICALREF FROM LG_FFF_ITEMS", max_rows=3)
    assert len(exact.rows) == 3
    assert not exact.truncated


async def test_connections_are_reused_per_set(engine: SqlEngine,
                                              sets: tuple[IntegrationSet, ...]) -> None:
    tiger = sets[0]
    for _ in range(5):
        await engine.query(tiger, "x", "SELECT 1 AS ONE")
    pool = engine._pools[(tiger.code, "reader")]
    assert len(pool.idle) == 1


@pytest.mark.odbc
async def test_a_changed_set_gets_new_connections(engine: SqlEngine, demo_dir: Path) -> None:
    """The pool is looked up by the set's identity on the hot path; a set pushed again with
    another database must reach that database at once (and the old connections are closed)."""
    tiger = sqlite_tiger_set(demo_dir / "tiger.db")
    first = await engine.query(tiger, "x", "SELECT COUNT(*) AS N FROM LG_FFF_CLCARD")
    assert first.rows[0][0] > 0
    old_pool = engine._pools[(tiger.code, "reader")]
    moved = sqlite_tiger_set(demo_dir / "netsis.db")  # same code, another database
    assert moved.code == tiger.code
    with pytest.raises(SqlRejected):  # netsis.db has no LG_001_CLCARD: the new database answers
        await engine.query(moved, "x", "SELECT COUNT(*) AS N FROM LG_FFF_CLCARD")
    assert engine._pools[(tiger.code, "reader")] is not old_pool
    assert not old_pool.idle
    again = await engine.query(tiger, "x", "SELECT COUNT(*) AS N FROM LG_FFF_CLCARD")
    assert again.rows == first.rows


async def test_stream_holds_one_connection_and_yields_batches(
        engine: SqlEngine, sets: tuple[IntegrationSet, ...]) -> None:
    tiger = sets[0]
    before = round_trips(engine, tiger.code)
    total = 0
    sizes = []
    stream_role = "stream"  # PostgreSQL: a server cursor; SQLite: StepAPI
    idle_at_last = -1
    async with contextlib.aclosing(engine.stream(
            tiger, "export", "SELECT LOGICALREF, CODE FROM LG_FFF_CLCARD WHERE CODE <> N'ÿ' "
                             "ORDER BY LOGICALREF", batch_size=7)) as batches:
        async for batch in batches:
            sizes.append(len(batch.rows))
            total += len(batch.rows)
            assert [c.name for c in batch.columns] == ["LOGICALREF", "CODE"]
            idle_at_last = len(engine._pools[(tiger.code, stream_role)].idle)
    count = (await engine.query(tiger, "n", "SELECT COUNT(*) AS N FROM LG_FFF_CLCARD "
                                            "WHERE CODE <> N'ÿ'")).rows[0][0]
    assert total == count
    assert count % 7  # the last batch is short: it meets the end
    assert all(s == 7 for s in sizes[:-1])
    # one execute + one fetch per batch (+1 for the COUNT query): the short last batch ends the
    # statement, so no empty fetch follows it
    assert round_trips(engine, tiger.code) - before == 1 + len(sizes) + 1
    # the hop that fetched the last batch checked the connection in, before the consumer saw it
    assert idle_at_last == 1


async def test_stream_that_fits_its_first_batch_is_done_in_one_hop_f11(
        engine: SqlEngine, sets: tuple[IntegrationSet, ...]) -> None:
    """Execute, fetch and check-in in the first hop: a page or a search whose rows fit the first
    batch pays one executor hop, not four. The rows and their order are those of a query."""
    tiger = sets[0]
    sql = ("SELECT LOGICALREF, CODE FROM LG_FFF_CLCARD WHERE CODE <> N'ÿ' AND LOGICALREF < 20 "
           "ORDER BY LOGICALREF")
    expected = (await engine.query(tiger, "q", sql)).rows
    assert 0 < len(expected) < 32
    seen: list[tuple[object, ...]] = []
    async with contextlib.aclosing(engine.stream(tiger, "page", sql, first_batch=32)) as batches:
        async for batch in batches:
            seen.extend(batch.rows)
            # the engine is the test's own: its one stream connection is idle again, checked in
            # by the hop that read these rows
            assert len(engine._pools[(tiger.code, "stream")].idle) == 1
    assert seen == expected
    observed = engine._metrics.registry.get_sample_value(  # the statement's latency, once
        "integrator_sql_duration_seconds_count", {"set": tiger.code, "statement": "page"})
    assert observed == 1
    empty: list[object] = []
    async with contextlib.aclosing(engine.stream(tiger, "none", sql.replace("< 20", "< 0"))) \
            as batches:
        async for batch in batches:
            empty.append(batch)
    assert empty == []
    assert len(engine._pools[(tiger.code, "stream")].idle) == 1


async def test_stream_returns_the_connection_when_stopped_early(
        engine: SqlEngine, sets: tuple[IntegrationSet, ...]) -> None:
    tiger = sets[0]
    async with contextlib.aclosing(engine.stream(tiger, "e", "SELECT CODE FROM LG_FFF_ITEMS",
                                                 batch_size=5)) as batches:
        async for _ in batches:
            break
    stream_role = "stream"  # PostgreSQL: a server cursor; SQLite: StepAPI
    assert len(engine._pools[(tiger.code, stream_role)].idle) == 1


async def test_stream_cancelled_during_a_fetch_closes_after_it(
        engine: SqlEngine, sets: tuple[IntegrationSet, ...]) -> None:
    """A consumer cancelled while a batch is being fetched (a bulk reader whose client went away):
    the fetch goes on in its thread, and the cursor is closed only after it (not under it)."""
    tiger = sets[0]
    for _ in range(20):
        async def consume() -> None:
            async with contextlib.aclosing(engine.stream(
                    tiger, "e", "SELECT C.CODE, C.DEFINITION_ FROM LG_FFF_CLCARD C",
                    batch_size=3)) as batches:
                async for _ in batches:
                    await asyncio.sleep(0)

        task = asyncio.ensure_future(consume())
        await asyncio.sleep(0.002)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await asyncio.sleep(0.1)
    assert (await engine.query(tiger, "n", "SELECT 1 AS ONE")).rows == [(1,)]


async def test_the_backstop_answers_db_unavailable_when_a_hop_overruns_n7(engine: SqlEngine) -> None:
    """A driver that ignores its own timeouts: the hop's backstop answers DB_UNAVAILABLE in time;
    the thread runs on, and its late result is dropped."""
    release, done = threading.Event(), threading.Event()

    def stuck() -> str:  # a driver call that does not return until the test lets it
        assert release.wait(10)
        done.set()
        return "late"

    with pytest.raises(DbUnavailable, match=r"did not answer within 0 s \(stuck\)"):
        await engine._hop(stuck, timeout_s=0.05, what="stuck")
    assert not done.is_set()  # answered while the call was still running
    assert await engine._hop(lambda: "next", timeout_s=5, what="next") == "next"
    release.set()
    await asyncio.get_running_loop().run_in_executor(None, done.wait, 10)
    assert done.is_set()  # the thread ran on; its late result went nowhere


def test_sqlite_literals_for_streams() -> None:
    sql = "SELECT '?' AS Q, C.CODE FROM T C WHERE C.A > ? AND C.B LIKE ? /* ? */ AND C.D = ? LIMIT ?"
    assert sqlite_literals(sql, [0, "O'Reilly %", date(2026, 1, 2), 5]) == (
        "SELECT '?' AS Q, C.CODE FROM T C WHERE C.A > 0 AND C.B LIKE 'O''Reilly %' /* ? */ "
        "AND C.D = '2026-01-02' LIMIT 5")
    assert sqlite_literals("SELECT ? , ?", [None, Decimal("1.50")]) == "SELECT NULL , 1.50"
    assert sqlite_literals("SELECT ?", [True]) == "SELECT 1"
    assert sqlite_literals("SELECT ?", []) is None                      # count mismatch: bind
    assert sqlite_literals("SELECT ?", ["a\x00b"]) is None             # no literal form: bind
    assert sqlite_literals("SELECT ?", [datetime(2026, 1, 1, 1, 2, 3, 4)]) is None


def test_sqlite_literals_tokenize_a_statement_once() -> None:
    """F11: the placeholders of a statement are found once; every later stream of it inlines its
    own values into the same gaps (a page of a bulk read cost more to tokenize than to run)."""
    sql = "SELECT C.CODE FROM T C WHERE C.A > ? AND C.N = '?;' -- ?\n LIMIT ?"
    placeholder_gaps.cache_clear()
    assert placeholder_gaps(sql) == ("SELECT C.CODE FROM T C WHERE C.A > ",
                                     " AND C.N = '?;' -- ?\n LIMIT ", "")
    first = sqlite_literals(sql, [1, 20])
    second = sqlite_literals(sql, [7, 500])
    assert (first, second) == (
        "SELECT C.CODE FROM T C WHERE C.A > 1 AND C.N = '?;' -- ?\n LIMIT 20",
        "SELECT C.CODE FROM T C WHERE C.A > 7 AND C.N = '?;' -- ?\n LIMIT 500")
    assert placeholder_gaps.cache_info().misses == 1
    assert sqlite_literals(sql, [1]) is None  # a count that does not match: bound as usual
    assert placeholder_gaps("SELECT 'unclosed") is None


@pytest.mark.odbc
async def test_sqlite_streams_give_the_rows_bound_parameters_give(engine: SqlEngine,
                                                                  demo_dir: Path) -> None:
    """Streams on SQLite inline their parameters (the driver buffers a parameterised result)."""
    tiger = sqlite_tiger_set(demo_dir / "tiger.db")
    sql = ("SELECT C.LOGICALREF, C.CODE, C.DEFINITION_ FROM LG_FFF_CLCARD C "
           "WHERE C.LOGICALREF > :after AND (C.DEFINITION_ LIKE :name OR C.CODE = :code) "
           "ORDER BY C.LOGICALREF")
    values = {"after": 3, "name": "%İŞ%", "code": "x'; DROP TABLE LG_001_CLCARD; --"}
    bound = await engine.query(tiger, "q", sql, values, max_rows=100000)
    streamed = []
    async with contextlib.aclosing(engine.stream(tiger, "s", sql, values, batch_size=50)) as batches:
        async for batch in batches:
            streamed.extend(batch.rows)
    assert streamed == bound.rows and streamed


async def test_ping(engine: SqlEngine, sets: tuple[IntegrationSet, ...]) -> None:
    ping = await engine.ping(sets[0])
    assert ping.ok
    assert ping.elapsed_ms > 0


async def test_defence_in_depth_write_refused_by_the_database_f4(
        engine: SqlEngine, sets: tuple[IntegrationSet, ...]) -> None:
    """The validator is bypassed on purpose: the read-only login itself refuses the write."""
    tiger = sets[0]
    for sql in ("DELETE FROM LG_001_PAYPLANS", "INSERT INTO LG_001_PAYPLANS VALUES (99, 'X', 'Y')",
                "UPDATE LG_001_CLCARD SET DEFINITION_ = 'HACKED'"):
        bypass = Statement("bypass", Compiled(sql, (), (), None, tiger.database.engine),  # type: ignore[arg-type]
                           ())
        with pytest.raises(SqlRejected) as caught:
            await engine.run(tiger, [bypass])
        detail = caught.value.details[0].text
        assert any(word in detail for word in ("readonly", "read-only", "permission denied")), detail
    left = await engine.query(tiger, "n", "SELECT COUNT(*) AS N FROM LG_FFF_PAYPLANS")
    assert left.rows[0][0] == 5


async def test_validator_rejects_before_the_database(engine: SqlEngine,
                                                     sets: tuple[IntegrationSet, ...]) -> None:
    with pytest.raises(SqlRejected, match="rejected"):
        await engine.query(sets[0], "w", "SELECT 1 DELETE FROM LG_FFF_PAYPLANS")


async def test_unknown_table_is_sql_rejected_with_detail(engine: SqlEngine,
                                                         sets: tuple[IntegrationSet, ...]) -> None:
    with pytest.raises(SqlRejected) as caught:
        await engine.query(sets[0], "bad", "SELECT X FROM NO_SUCH_TABLE")
    assert caught.value.details[0].source == "sql"


@pytest.mark.odbc
async def test_unreachable_database_is_db_unavailable(engine: SqlEngine, tmp_path: Path) -> None:
    broken = sqlite_tiger_set(tmp_path / "missing.db")
    with pytest.raises(DbUnavailable) as caught:
        await engine.query(broken, "x", "SELECT 1 AS A")
    assert caught.value.retryable
    ping = await engine.ping(broken)
    assert not ping.ok
    assert "cannot be reached" in ping.message


@pytest.mark.postgres
async def test_postgres_login_failure_is_db_unavailable(engine: SqlEngine, pg_demo: dict[str, Any]) -> None:
    cs = pg_demo["tiger"].reader_connection_string.replace("PWD=sql-demo", "PWD=wrong")
    wrong = pg_tiger_set(pg_demo, "PG-WRONG", database={"connection_string": cs,
                                                         "writer_connection_string": cs})
    # trust authentication may accept any password; a closed port never answers
    closed = cs.replace("PORT=5432", "PORT=1")
    unreachable = pg_tiger_set(pg_demo, "PG-CLOSED", database={"connection_string": closed,
                                                               "writer_connection_string": closed,
                                                               "login_timeout_s": 2})
    with pytest.raises(DbUnavailable, match="cannot be reached"):
        await engine.query(unreachable, "x", "SELECT 1 AS A")
    assert wrong.code == "PG-WRONG"


@pytest.mark.postgres
async def test_postgres_query_timeout_is_enforced_by_the_server(engine: SqlEngine,
                                                                pg_demo: dict[str, Any]) -> None:
    slow = pg_tiger_set(pg_demo, "PG-SLOW", database={"query_timeout_s": 1})
    with pytest.raises(DbUnavailable, match="query timeout of 1 s") as caught:
        await engine.query(slow, "slow", "SELECT pg_sleep(5) AS S")
    # 57014 (query_canceled): the server cut the statement at its timeout; a sleep left to end
    # would have returned a row instead (no elapsed time is asserted)
    assert "57014" in caught.value.details[0].text
    # the connection stays usable after the server cancelled the statement
    assert (await engine.query(slow, "after", "SELECT 2 AS B")).rows == [(2,)]


@pytest.mark.postgres
async def test_postgres_column_case_is_restored(engine: SqlEngine, pg_demo: dict[str, Any]) -> None:
    result = await engine.query(pg_tiger_set(pg_demo), "case",
                                "SELECT C.CODE, C.DEFINITION_ AS Title, C.* FROM LG_FFF_CLCARD C "
                                "WHERE C.LOGICALREF = 2")
    names = [c.name for c in result.columns]
    assert names[:2] == ["CODE", "Title"]
    assert "LOGICALREF" in names
    assert "CAPIBLOCK_CREADEDDATE" in names


@pytest.mark.odbc
async def test_sqlite_read_only_connection_works_while_a_writer_holds_the_file(
        engine: SqlEngine, writable_tiger: Path) -> None:
    """WAL: the mode=ro reader sees committed data while another connection writes."""
    import pyodbc

    writer = pyodbc.connect(f"DRIVER={{SQLite3}};Database={writable_tiger}", autocommit=False)
    cursor = writer.cursor()
    cursor.execute("UPDATE LG_001_PAYPLANS SET DEFINITION_ = 'Peşin (değişti)' WHERE LOGICALREF = 1")
    reader = sqlite_tiger_set(writable_tiger, "SQL-WAL")
    seen = await engine.query(reader, "wal", "SELECT DEFINITION_ FROM LG_FFF_PAYPLANS WHERE LOGICALREF = 1")
    assert seen.rows == [("Peşin ödeme",)]  # the uncommitted change is invisible, nothing blocks
    writer.commit()
    seen = await engine.query(reader, "wal", "SELECT DEFINITION_ FROM LG_FFF_PAYPLANS WHERE LOGICALREF = 1")
    assert seen.rows == [("Peşin (değişti)",)]
    writer.close()


@pytest.mark.odbc
async def test_dates_compare_by_day_on_sqlite(engine: SqlEngine, demo_dir: Path) -> None:
    tiger = sqlite_tiger_set(demo_dir / "tiger.db")
    by_date = await engine.query(tiger, "d", "SELECT COUNT(*) AS N FROM LG_FFF_PP_CLFLINE "
                                             "WHERE DATE_ >= :a AND DATE_ < :b",
                                 {"a": date(2026, 3, 1), "b": date(2026, 4, 1)})
    by_datetime = await engine.query(tiger, "d", "SELECT COUNT(*) AS N FROM LG_FFF_PP_CLFLINE "
                                                 "WHERE DATE_ >= :a AND DATE_ < :b",
                                     {"a": datetime(2026, 3, 1), "b": datetime(2026, 4, 1)})
    assert by_date.rows == by_datetime.rows
    assert by_date.rows[0][0] > 0


async def test_date_range_parameters_named_from_and_to_f4(engine: SqlEngine,
                                                          sets: tuple[IntegrationSet, ...]) -> None:
    tiger = sets[0]
    sql = ("SELECT COUNT(*) AS N FROM LG_FFF_PP_CLFLINE L WHERE L.DATE_ BETWEEN {a} AND {b}")
    values = {"from": date(2000, 1, 1), "to": date(2100, 1, 1)}
    named = await engine.query(tiger, "range", sql.format(a=":from", b=":to"), values)
    same = await engine.query(tiger, "range", sql.format(a="@from", b="@to"), values)
    assert named.rows == same.rows
    assert named.rows[0][0] > 0


@pytest.mark.odbc
async def test_a_set_pushed_again_with_another_query_timeout_gets_connections_with_it_n5(
        engine: SqlEngine, demo_dir: Path) -> None:
    """N5: the driver's query timeout of a pooled connection is the set's current one, also when
    the connection string sets its own busy wait (``Timeout=``): a set pushed again with another
    ``database.query_timeout_s`` gets a new pool, and the old connections are closed."""
    cs = f"DRIVER={{SQLite3}};Database=file:{demo_dir / 'tiger.db'}?mode=ro;Timeout=1000"
    first = sqlite_tiger_set(demo_dir / "tiger.db", "TIMEOUTS",
                             database={"connection_string": cs, "query_timeout_s": 30})
    again = sqlite_tiger_set(demo_dir / "tiger.db", "TIMEOUTS",
                             database={"connection_string": cs, "query_timeout_s": 2})
    await engine.query(first, "x", "SELECT 1 AS ONE")
    old_pool = engine._pools[(first.code, "reader")]
    assert [item.connection.timeout for item in old_pool.idle] == [30]
    old_connection = old_pool.idle[0].connection
    await engine.query(again, "x", "SELECT 1 AS ONE")
    pool = engine._pools[(again.code, "reader")]
    assert pool is not old_pool and not old_pool.idle
    assert [item.connection.timeout for item in pool.idle] == [2]
    for _ in range(500):  # closed on a pool thread, not on the event loop
        if old_connection.closed:
            break
        await asyncio.sleep(0.01)
    assert old_connection.closed


def test_the_pool_of_an_mssql_set_follows_every_setting_it_takes_n5() -> None:
    """N5: on SQL Server the query timeout is never in the connection string (it is the
    connections' ``timeout``); the pool's digest covers it, the login timeout and the role."""
    cs = "DRIVER={ODBC Driver 18 for SQL Server};Server=erp;Database=TIGER;UID=ro;PWD=x"

    def mssql(**database: Any) -> IntegrationSet:
        return tiger_set("MSSQL", database={"engine": "mssql", "connection_string": cs,
                                            "writer_connection_string": cs, **database})

    role, connection_string, digest = pool_spec(mssql(query_timeout_s=30), "reader")
    assert (role, connection_string) == ("reader", cs + ";")
    assert pool_spec(mssql(query_timeout_s=30), "reader")[2] == digest
    assert pool_spec(mssql(query_timeout_s=600), "reader")[2] != digest
    assert pool_spec(mssql(query_timeout_s=30, login_timeout_s=3), "reader")[2] != digest
    assert pool_spec(mssql(query_timeout_s=30), "stream") == ("reader", connection_string, digest)
    assert pool_spec(mssql(query_timeout_s=30), "writer")[2] != digest  # no autocommit there


PRICES = ("SELECT ID, CASE WHEN FLAG = 1 THEN PRICE ELSE 0 END AS P FROM LG_FFF_PRICES "
          "ORDER BY ID")


@pytest.mark.odbc
async def test_sqlite_decimals_follow_tables_created_and_altered_after_the_first_statement_f14(
        tmp_path: Path) -> None:
    """F14, F21, N8: the SQLite schema behind decimal typing follows the database. The driver
    types an expression column by its first row, so without the declared DECIMAL a CASE that
    yields 0 first reads 16079.97 as 16079. A statement text new to the pool is typed from the
    schema as it is at once (a column added after the pool's first statement); a text planned
    before its table existed, once the pool's schema check comes round (``SCHEMA_CHECK_S``)."""
    db = tmp_path / "erp.db"
    sqlite3.connect(db).close()
    integration_set = sqlite_tiger_set(db, "SCHEMA-FOLLOWS")
    clock = Clock()
    executor = LifoExecutor(2, thread_name_prefix="odbc-schema")
    engine = SqlEngine(executor, Metrics(), clock=clock)
    try:
        assert (await engine.ping(integration_set)).ok  # the pool has read the (empty) schema
        with pytest.raises(SqlRejected):
            await engine.query(integration_set, "prices", PRICES)  # no table yet: planned so
        with contextlib.closing(sqlite3.connect(db)) as writer, writer:
            writer.execute("CREATE TABLE LG_001_PRICES (ID INTEGER, FLAG INTEGER, "
                           "PRICE DECIMAL(18,2))")
            writer.executemany("INSERT INTO LG_001_PRICES VALUES (?, ?, ?)",
                               [(1, 0, "5.00"), (2, 1, "16079.97")])
        clock.now += SCHEMA_CHECK_S
        prices = await engine.query(integration_set, "prices", PRICES)
        assert [(c.name, c.type) for c in prices.columns] == [("ID", "int"), ("P", "decimal")]
        assert prices.rows == [(1, Decimal("0.00")), (2, Decimal("16079.97"))]
        with contextlib.closing(sqlite3.connect(db)) as writer, writer:
            writer.execute("ALTER TABLE LG_001_PRICES ADD COLUMN COST DECIMAL(18,2)")
            writer.execute("UPDATE LG_001_PRICES SET COST = CASE ID WHEN 1 THEN '0' "
                           "ELSE '99.95' END")
        costs = await engine.query(integration_set, "costs",  # the clock has not moved
                                   "SELECT ID, COST * 1 AS C FROM LG_FFF_PRICES ORDER BY ID")
        assert [(c.name, c.type) for c in costs.columns] == [("ID", "int"), ("C", "decimal")]
        assert costs.rows == [(1, Decimal("0.00")), (2, Decimal("99.95"))]
    finally:
        engine.close()
        executor.shutdown(wait=True)


@pytest.mark.odbc
async def test_a_sqlite_pool_keeps_a_bounded_number_of_plans_n6(tmp_path: Path) -> None:
    """N6: a SQLite pool plans each statement text once, and a set's statements come in many
    texts (a list of n items is a text of its own), so the plans of a long-running demo would
    grow with every text asked for. The pool keeps at most ``PLANS_MAX`` texts; past it the table
    starts again, and answers stay typed."""
    db = tmp_path / "erp.db"
    with contextlib.closing(sqlite3.connect(db)) as writer, writer:
        writer.execute("CREATE TABLE LG_001_PRICES (ID INTEGER, PRICE DECIMAL(18,2))")
        writer.execute("INSERT INTO LG_001_PRICES VALUES (1, '16079.97')")
    integration_set = sqlite_tiger_set(db, "PLANS-BOUNDED")
    executor = LifoExecutor(2, thread_name_prefix="odbc-plans")
    engine = SqlEngine(executor, Metrics())
    try:
        for n in range(PLANS_MAX + 5):
            result = await engine.query(
                integration_set, "prices",
                f"SELECT ID, PRICE * 1 AS P, {n} AS N FROM LG_FFF_PRICES WHERE ID = :ref",
                {"ref": 1})
            assert result.rows == [(1, Decimal("16079.97"), n)]
            schema = engine._pool(integration_set, "reader").sqlite
            assert schema is not None and 0 < len(schema.plans) <= PLANS_MAX
        assert len(schema.plans) < PLANS_MAX  # it was full, and started again
    finally:
        engine.close()
        executor.shutdown(wait=True)


@pytest.mark.postgres
async def test_a_steady_load_keeps_its_connections(pg_demo: dict[str, Any]) -> None:
    """F21, N6: as many statements at once as the executor has threads, round after round, run on
    the same server sessions: the pool keeps as many idle connections as there are threads, so
    no round closes connections and logs in again (a login on SQL Server costs milliseconds)."""
    threads = 6
    executor = LifoExecutor(threads, thread_name_prefix="odbc-steady")
    engine = SqlEngine(executor, Metrics())
    tiger = pg_tiger_set(pg_demo, "PG-STEADY")
    sql = "SELECT pg_backend_pid() AS PID FROM (SELECT pg_sleep(0.05) AS W) AS S"
    try:
        sessions: set[int] = set()
        for _ in range(4):
            results = await asyncio.gather(*[engine.query(tiger, "pid", sql)
                                             for _ in range(threads)])
            round_sessions = {int(result.rows[0][0]) for result in results}
            assert len(round_sessions) == threads  # all at once, each on its own connection
            sessions |= round_sessions
        assert len(sessions) == threads
    finally:
        engine.close()
        executor.shutdown(wait=True)


@pytest.mark.odbc
async def test_the_sweep_closes_connections_idle_past_the_limit_and_drops_unused_pools_f1_n6(
        demo_dir: Path) -> None:
    """F1, N6: the engine's sweep (run every ``app.POOL_SWEEP_S``) closes idle connections
    unused for longer than the limit whatever the traffic, keeps fresh ones, and drops pools
    left empty and unused that long (the pools of a set deleted on another replica); a set used
    again gets a new pool that keeps its connection."""
    clock = Clock()
    executor = LifoExecutor(2, thread_name_prefix="odbc-sweep")
    engine = SqlEngine(executor, Metrics(), clock=clock)
    old = sqlite_tiger_set(demo_dir / "tiger.db", "SWEEP-OLD")
    fresh = sqlite_tiger_set(demo_dir / "tiger.db", "SWEEP-FRESH")
    try:
        await engine.query(old, "x", "SELECT 1 AS ONE")
        old_pool = engine._pools[(old.code, "reader")]
        (old_connection,) = [item.connection for item in old_pool.idle]
        clock.now += IDLE_LIMIT_S - 10
        await engine.query(fresh, "x", "SELECT 1 AS ONE")
        fresh_pool = engine._pools[(fresh.code, "reader")]
        (fresh_connection,) = [item.connection for item in fresh_pool.idle]
        assert await engine.sweep() == (0, 0)  # nothing idle past the limit yet

        clock.now += 20  # the old set's connection: the limit + 10 s idle; the fresh one: 20 s
        assert await engine.sweep() == (1, 1)
        with pytest.raises(pyodbc.ProgrammingError):  # closed
            old_connection.cursor()
        assert (old.code, "reader") not in engine._pools
        assert (old.code, "reader") not in engine._resolved
        assert engine._pools[(fresh.code, "reader")] is fresh_pool
        assert [item.connection for item in fresh_pool.idle] == [fresh_connection]
        fresh_connection.cursor().close()  # still open

        await engine.query(old, "x", "SELECT 1 AS ONE")
        again = engine._pools[(old.code, "reader")]
        assert again is not old_pool and len(again.idle) == 1
    finally:
        engine.close()
        executor.shutdown(wait=True)


@pytest.mark.odbc
def test_a_pool_in_use_is_not_retired_and_a_retired_one_keeps_nothing_f1(demo_dir: Path) -> None:
    """F1: a pool with a connection checked out is not retired however long ago it was last
    used; once retired, a connection coming back to it is closed, not kept."""
    clock = Clock()
    pool = Pool("T", "reader", f"DRIVER={{SQLite3}};Database={demo_dir / 'tiger.db'};", "sqlite",
                5, 5, autocommit=True, idle_max=4, clock=clock)
    held, _ = pool.checkout()
    clock.now += 2 * IDLE_LIMIT_S
    assert not pool.retire_if_unused(clock.now)
    pool.release(held, broken=False)
    clock.now += IDLE_LIMIT_S + 1
    stale = pool.take_stale(clock.now)
    assert stale == [held] and not pool.idle
    assert pool.retire_if_unused(clock.now)
    close_all(stale)
    late, reused = pool.checkout()  # (a hop that resolved the pool before it was retired)
    assert not reused
    pool.release(late, broken=False)
    assert not pool.idle and pool.in_use == 0
    with pytest.raises(pyodbc.ProgrammingError):  # closed
        late.cursor()


@pytest.mark.odbc
def test_idle_connections_unused_for_the_limit_are_closed(demo_dir: Path) -> None:
    """F21: connections left idle longer than the pool's limit are closed when another comes
    back (the pool shrinks after a busy period), never reused."""
    pool = Pool("T", "reader", f"DRIVER={{SQLite3}};Database={demo_dir / 'tiger.db'};", "sqlite",
                5, 5, autocommit=True, idle_max=4, idle_limit_s=0.2)
    first = [pool.acquire()[0] for _ in range(3)]
    for connection in first:
        pool.release(connection, broken=False)
    later, reused = pool.acquire()
    assert reused and later is first[-1]  # the most recently used comes back first
    threading.Event().wait(0.3)  # past the limit: the two left idle are stale now
    pool.release(later, broken=False)
    assert [item.connection for item in pool.idle] == [later]
    for stale in first[:2]:
        with pytest.raises(pyodbc.ProgrammingError):
            stale.cursor()
    pool.close()
