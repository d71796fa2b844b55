"""The I/O of the SQL layer: pyodbc in the app's bounded thread pool (F4, F12-F14, F18-F21, N7).

* One executor hop per whole database operation: check a connection out of the set's pool
  (``pool``), execute one or more statements, fetch, convert (``columns``), check the connection
  back in, all in one call on the ``ODBC_EXECUTOR`` thread pool. Streaming (``stream``) makes one
  hop per batch.
* Every connect has a login timeout (``timeout=``); every statement a query timeout: the driver's
  query timeout (``Connection.timeout``) for SQL Server and SQLite, and the server-side
  ``statement_timeout`` for PostgreSQL (psqlODBC refuses the driver attribute), set through
  ``ConnSettings``. An asyncio backstop bounds the whole hop in case a driver ignores both.
* Rows are capped (``database.max_rows``) with a ``truncated`` flag; decimals stay ``Decimal``
  (``sqlite`` types SQLite's DECIMAL columns from the declared types); Netsis mojibake is repaired
  per set (``database.repair_turkish``).
* pyodbc errors become the service's errors (``driver.map_error``): unreachable database or login
  failure -> ``DB_UNAVAILABLE`` (retryable), query timeout -> ``DB_UNAVAILABLE`` with a timeout
  message, a statement the database refuses -> ``SQL_REJECTED``.
"""

from __future__ import annotations

import asyncio
import functools
import threading
import time
from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol, TypeVar

import pyodbc
import structlog

from integrator.config import IntegrationSet
from integrator.errors import DbUnavailable, Detail, IntegratorError, SqlRejected
from integrator.metrics import Metrics
from integrator.sql import writer
from integrator.sql.columns import columns_and_converters, convert_rows
from integrator.sql.compiler import compile_for
from integrator.sql.driver import (
    TIMEOUT_STATES,
    break_turkish,
    is_connection_error,
    map_error,
    sql_state,
)
from integrator.sql.params import (
    MAX_LIST,
    MAX_PARAMETERS,
    ParamValue,
    normalise_name,
    shape_of_normalised,
)
from integrator.sql.pool import Pool, Role, close_all, pool_spec
from integrator.sql.results import DbPing, Result, Statement
from integrator.sql.stream import RowStream

log = structlog.get_logger("integrator.sql")

T = TypeVar("T")
BACKSTOP_SLACK_S = 2.0


class Hops(Protocol):
    """What the engine runs its hops on: ``threads.LifoExecutor.hop``, the app's ODBC pool."""

    def hop(self, fn: Callable[[], T]) -> asyncio.Future[T]: ...

    @property
    def max_workers(self) -> int: ...


def _expire(future: asyncio.Future[Any], timeout_s: float, what: str) -> None:
    """The backstop of a hop: the database did not answer in time (the thread runs on)."""
    if not future.done():
        future.set_exception(DbUnavailable(
            f"the database did not answer within {timeout_s:.0f} s ({what})"))


class SqlEngine:
    """Runs compiled statements for integration sets; one per application (``app[SQL_ENGINE]``)."""

    def __init__(self, executor: Hops, metrics: Metrics, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._executor = executor
        self._metrics = metrics
        self._clock = clock  # the pools' (tests move it instead of sleeping)
        self._pools: dict[tuple[str, Role], Pool] = {}
        # (set, role) -> (the database section the pool was last resolved for, the pool): a set
        # that has not changed skips rebuilding and hashing its connection string on every call
        self._resolved: dict[tuple[str, Role], tuple[object, Pool]] = {}
        self._lock = threading.Lock()

    # -- pools --
    def _pool(self, integration_set: IntegrationSet, role: Role) -> Pool:
        db = integration_set.database
        resolved = self._resolved.get((integration_set.code, role))
        if resolved is not None and resolved[0] is db:
            return resolved[1]
        pool = self._resolve_pool(integration_set, role)
        self._resolved[(integration_set.code, role)] = (db, pool)
        return pool

    def _resolve_pool(self, integration_set: IntegrationSet, role: Role) -> Pool:
        db = integration_set.database
        role, cs, digest = pool_spec(integration_set, role)
        key = (integration_set.code, role)
        with self._lock:
            pool = self._pools.get(key)
            if pool is not None and pool.digest == digest:
                return pool
            # the set changed: the old pool keeps nothing, its idle connections are closed on a
            # pool thread (closing is I/O: a logout on SQL Server), not on the event loop
            stale = pool.retire() if pool is not None else []
            pool = Pool(integration_set.code, role, cs, db.engine, db.login_timeout_s,
                        db.query_timeout_s, autocommit=(role != "writer"), digest=digest,
                        idle_max=self._executor.max_workers, clock=self._clock)
            self._pools[key] = pool
        if stale:
            self._executor.hop(functools.partial(close_all, stale))
        return pool

    def close(self) -> None:
        with self._lock:
            pools = list(self._pools.values())
            self._pools.clear()
            self._resolved.clear()
        for pool in pools:
            pool.close()

    async def forget(self, set_code: str) -> None:
        """A removed set (``DELETE /v1/sets/{code}``): its pools, every role, are dropped and their
        idle connections closed (in one executor hop); a connection still checked out is closed
        when it comes back. Replicas that did not see the delete drop the pools in their sweep."""
        with self._lock:
            keys = [key for key in self._pools if key[0] == set_code]
            pools = [self._pools.pop(key) for key in keys]
            for key in [key for key in self._resolved if key[0] == set_code]:
                del self._resolved[key]
        connections = [connection for pool in pools for connection in pool.retire()]
        if connections:
            await self._executor.hop(functools.partial(close_all, connections))

    async def sweep(self) -> tuple[int, int]:
        """One round of the pool sweep (``app.sql_pool_sweep`` runs it every ``POOL_SWEEP_S``):
        in every pool, the idle connections unused for longer than its ``idle_limit_s`` are closed
        whatever the traffic (otherwise only a connection coming back to the same pool closes
        them), and pools left with no connection that have not been used for that long are
        dropped: those of a set removed on another replica go so, and a set still in use gets a
        new pool at its next statement. The connections are taken out here (no I/O) and closed
        in one executor hop. Returns (connections closed, pools dropped)."""
        now = self._clock()
        with self._lock:
            pools = list(self._pools.items())
        stale = [connection for _, pool in pools for connection in pool.take_stale(now)]
        dropped: list[Pool] = []
        with self._lock:
            for key, pool in pools:
                if self._pools.get(key) is pool and pool.retire_if_unused(now):
                    del self._pools[key]
                    dropped.append(pool)
            gone = {id(pool) for pool in dropped}
            for key in [key for key, (_, pool) in self._resolved.items() if id(pool) in gone]:
                del self._resolved[key]
        if stale:
            await self._executor.hop(functools.partial(close_all, stale))
        if stale or dropped:
            log.info("sql_pools_swept", connections_closed=len(stale), pools_dropped=len(dropped))
        return len(stale), len(dropped)

    async def _hop(self, fn: Callable[[], T], *, timeout_s: float, what: str) -> T:
        future = self._executor.hop(fn)
        backstop = future.get_loop().call_later(timeout_s, _expire, future, timeout_s, what)
        try:
            return await future
        finally:
            backstop.cancel()

    def _round_trip(self, set_code: str) -> Callable[[], None]:
        return self._metrics.sql_set_children(set_code)[1].inc  # type: ignore[no-any-return]

    # -- compile --
    @staticmethod
    def prepare(integration_set: IntegrationSet, name: str, sql: str,
                values: Mapping[str, ParamValue], *, max_rows: int | None = None) -> Statement:
        values = {normalise_name(k): v for k, v in values.items()}
        compiled = compile_for(integration_set, sql, shape_of_normalised(values))
        missing = compiled.parameter_names - values.keys()
        if missing:
            raise SqlRejected("the SQL statement cannot be prepared",
                              details=[Detail(f"parameter {m} has no value", "sql")
                                       for m in sorted(missing)])
        bound = compiled.bind(values)
        db = integration_set.database
        if db.repair_turkish:  # the database holds cp1254 bytes seen as cp1252: send it that way
            bound = [break_turkish(v) if isinstance(v, str) else v for v in bound]
        if db.engine == "sqlite":  # SQLite compares datetimes as text in its own format
            bound = [v.strftime("%Y-%m-%d %H:%M:%S") if isinstance(v, datetime)
                     and not v.microsecond else v for v in bound]
        return Statement(name, compiled, tuple(bound), max_rows)

    @staticmethod
    def list_chunk(integration_set: IntegrationSet, sql: str, values: Mapping[str, ParamValue],
                   lists: Sequence[str] = ("refs", "codes")) -> int:
        """How many items of each of ``lists`` one statement of ``sql`` may bind: as many as keep
        all its parameters within SQL Server's 2,100 (a list the statement names three times
        counts three times per item), at most ``MAX_LIST``. Callers split their lists in slices
        of this size, one statement each."""
        probe = {normalise_name(k): v for k, v in values.items()}
        for name in lists:
            given = probe.get(name)
            probe[name] = [given[0]] if isinstance(given, list | tuple) and given else [0]
        compiled = compile_for(integration_set, sql, shape_of_normalised(probe))
        per_item = sum(1 for name, _ in compiled.order if name in lists)
        if per_item == 0:
            return MAX_LIST
        fixed = len(compiled.order) - per_item
        return max(1, min(MAX_LIST, (MAX_PARAMETERS - fixed) // per_item))

    # -- the worker side --
    def _execute_one(self, pool: Pool, connection: Any, statement: Statement,
                     repair: bool, round_trip: Callable[[], None]) -> Result:
        started = time.perf_counter()
        cursor = connection.cursor()
        try:
            plan = pool.plan(connection, statement.compiled) if statement.compiled.tree is not None \
                else None
            round_trip()
            cursor.execute(plan.sql if plan is not None else statement.compiled.sql,
                           *statement.values)
            if cursor.description is None:
                return Result((), [], False, time.perf_counter() - started)
            columns, converters = columns_and_converters(
                pool.engine, statement, cursor.description, repair, plan)
            limit = statement.max_rows
            raw = cursor.fetchmany(limit + 1) if limit is not None else cursor.fetchall()
            truncated = limit is not None and len(raw) > limit
            if truncated:
                raw = raw[:limit]
            rows = convert_rows(raw, converters)
        finally:
            cursor.close()
        return Result(columns, rows, truncated, time.perf_counter() - started)

    def _run_sync(self, pool: Pool, statements: Sequence[Statement], repair: bool,
                  round_trip: Callable[[], None]) -> list[Result]:
        """Check out, run every statement, check in; one retry on a stale pooled connection."""
        for attempt in (1, 2):
            connection, reused = pool.checkout()
            broken = False
            try:
                return [self._execute_one(pool, connection, s, repair, round_trip)
                        for s in statements]
            except pyodbc.Error as error:
                broken = is_connection_error(error) or sql_state(error) in TIMEOUT_STATES
                if reused and broken and attempt == 1 and sql_state(error) not in TIMEOUT_STATES:
                    continue  # the pooled connection had gone stale; try a fresh one
                raise map_error(error, set_code=pool.set_code, connecting=False,
                                query_timeout_s=pool.query_timeout_s) from None
            finally:
                pool.release(connection, broken=broken)
        raise AssertionError("unreachable")  # pragma: no cover

    # -- the async API --
    async def run(self, integration_set: IntegrationSet,
                  statements: Sequence[Statement]) -> list[Result]:
        """Run statements on the set's read-only connection, in one executor hop."""
        db = integration_set.database
        pool = self._pool(integration_set, "reader")
        timeout = db.login_timeout_s + db.query_timeout_s * len(statements) + BACKSTOP_SLACK_S
        started = time.perf_counter()
        name = "+".join(s.name for s in statements)
        latency, rows, round_trips = self._metrics.sql_children(integration_set.code, name)
        try:
            results = await self._hop(
                lambda: self._run_sync(pool, statements, db.repair_turkish, round_trips.inc),
                timeout_s=timeout, what=name)
        except IntegratorError as error:
            self._metrics.sql_errors.labels(integration_set.code, error.code).inc()
            log.warning("sql_failed", statement=name, code=error.code, error=error.message)
            raise
        elapsed = time.perf_counter() - started
        latency.observe(elapsed)
        rows.inc(sum([len(r.rows) for r in results]))
        return results

    async def query(self, integration_set: IntegrationSet, name: str, sql: str,
                    values: Mapping[str, ParamValue] | None = None, *,
                    max_rows: int | None = None) -> Result:
        """Compile (cached) and run one statement, capped at ``max_rows`` (default: the set's)."""
        cap = max_rows if max_rows is not None else integration_set.database.max_rows
        statement = self.prepare(integration_set, name, sql, values or {}, max_rows=cap)
        return (await self.run(integration_set, [statement]))[0]

    async def stream(self, integration_set: IntegrationSet, name: str, sql: str,
                     values: Mapping[str, ParamValue] | None = None, *,
                     batch_size: int = 500, first_batch: int | None = None
                     ) -> AsyncGenerator[Result, None]:
        """Yield the rows of one statement in batches, holding one connection throughout.

        One executor hop executes and fetches the first batch, one fetches each further batch
        (``fetchmany``); the hop that meets the end also checks the connection back in, else one
        more hop closes. No row cap. Batches hold ``batch_size`` rows; with ``first_batch`` they
        start at that size and grow fourfold up to ``batch_size`` (a consumer that may stop after a
        few rows does not have a whole batch read and converted for it). Use it as
        ``async with contextlib.aclosing(engine.stream(...)) as batches: async for batch in
        batches: ...`` so the connection returns to the pool at once when the consumer stops
        early. The rows of every batch yielded are counted (``integrator_sql_rows_total``), and
        the time of its hops, execute to close, is the statement's latency
        (``integrator_sql_duration_seconds``; the consumer's time between batches is not in it).
        """
        db = integration_set.database
        statement = self.prepare(integration_set, name, sql, values or {})
        rows = RowStream(self._pool(integration_set, "stream"), statement, batch_size=batch_size,
                         first_batch=first_batch, repair=db.repair_turkish,
                         round_trip=self._round_trip(integration_set.code))
        latency, counted, _ = self._metrics.sql_children(integration_set.code, name)
        timeout = db.login_timeout_s + db.query_timeout_s + BACKSTOP_SLACK_S
        spent = 0.0
        failed = False

        async def timed(work: Callable[[], T], what: str = name) -> T:
            nonlocal spent
            started = time.perf_counter()
            try:
                return await self._hop(work, timeout_s=timeout, what=what)
            finally:
                spent += time.perf_counter() - started

        try:
            columns, batch = await timed(rows.open)
            while batch:
                counted.inc(len(batch))  # before the yield: a consumer may stop at any batch
                yield Result(columns, batch)
                if rows.finished:
                    break
                batch = await timed(rows.fetch)
        except IntegratorError as error:
            failed = True
            self._metrics.sql_errors.labels(integration_set.code, error.code).inc()
            raise
        except asyncio.CancelledError:
            failed = True
            raise
        finally:
            if not rows.finished:  # stopped early, failed or cancelled: close after any hop
                await asyncio.shield(timed(rows.close, "close"))
            if not failed:
                latency.observe(spent)

    async def ping(self, integration_set: IntegrationSet) -> DbPing:
        """``SELECT 1`` on the set's read-only connection, with timing (for the set health)."""
        started = time.perf_counter()
        try:
            await self.query(integration_set, "ping", "SELECT 1 AS OK", {}, max_rows=1)
        except IntegratorError as error:
            detail = "; ".join(d.text for d in error.details)
            return DbPing(False, (time.perf_counter() - started) * 1000,
                          f"{error.message}: {detail}" if detail else error.message)
        return DbPing(True, (time.perf_counter() - started) * 1000, "ok")

    # -- the one write (F4) --
    async def write_rows(self, integration_set: IntegrationSet, *, parent_table: str,
                         parent_ref: int, tables: writer.Tables) -> list[tuple[str, str]]:
        """Insert or update custom-field rows keyed by PARLOGREF in ONE transaction on the set's
        writer connection (``writer``); returns (table, "inserted"|"updated") per table."""
        writer.check_identifiers(parent_table, tables)
        db = integration_set.database
        pool = self._pool(integration_set, "writer")
        timeout = db.login_timeout_s + db.query_timeout_s * (2 + 3 * len(tables)) + BACKSTOP_SLACK_S
        round_trip = self._round_trip(integration_set.code)
        try:
            return await self._hop(
                lambda: writer.write_rows(pool, parent_table=parent_table, parent_ref=parent_ref,
                                          tables=tables, round_trip=round_trip),
                timeout_s=timeout, what="extensions")
        except IntegratorError as error:
            self._metrics.sql_errors.labels(integration_set.code, error.code).inc()
            raise
