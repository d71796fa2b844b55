"""The worker side of a streamed statement: one connection held from execute to close, the rows
fetched in batches. Each method runs whole in one executor hop (``SqlEngine.stream``): ``open``
executes and fetches the first batch, ``fetch`` the next; the hop that meets the end of the rows
(a batch shorter than asked) also closes the cursor and checks the connection back in, so a result
that fits its first batch costs one hop, not four (execute, fetch, an empty fetch, close).

A hop whose awaiting coroutine was cancelled (a client that went away, the backstop) still runs to
its end in its thread; the hops of one stream take turns on a lock, so ``close`` never touches the
cursor while a fetch is still using it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pyodbc

from integrator.sql.columns import Converter, columns_and_converters, convert_rows
from integrator.sql.driver import map_error
from integrator.sql.pool import Pool
from integrator.sql.results import Column, Statement
from integrator.sql.sqlite import sqlite_literals


class RowStream:
    def __init__(self, pool: Pool, statement: Statement, *, batch_size: int,
                 first_batch: int | None = None, repair: bool,
                 round_trip: Callable[[], None]) -> None:
        self._pool = pool
        self._statement = statement
        self._batch_size = batch_size
        self._next_batch = min(first_batch, batch_size) if first_batch else batch_size
        self._repair = repair
        self._round_trip = round_trip
        self._turn = threading.Lock()
        self._connection: Any = None
        self._cursor: Any = None
        self._converters: list[Converter | None] = []
        self._broken = False
        self._finished = False

    def _failed(self, error: pyodbc.Error) -> Exception:
        self._broken = True
        return map_error(error, set_code=self._pool.set_code, connecting=False,
                         query_timeout_s=self._pool.query_timeout_s)

    def open(self) -> tuple[tuple[Column, ...], list[tuple[Any, ...]]]:
        """Check a connection out, execute and fetch the first batch: the columns and the rows."""
        with self._turn:
            pool, statement = self._pool, self._statement
            connection, _ = pool.checkout()
            self._connection = connection
            self._cursor = cursor = connection.cursor()
            try:
                plan = pool.plan(connection, statement.compiled)
                self._round_trip()
                sql = plan.sql if plan is not None else statement.compiled.sql
                # SQLite steps through the rows only for a statement without bound parameters
                inlined = sqlite_literals(sql, statement.values) if pool.engine == "sqlite" \
                    else None
                if inlined is not None:
                    cursor.execute(inlined)
                else:
                    cursor.execute(sql, *statement.values)
                columns, self._converters = columns_and_converters(
                    pool.engine, statement, cursor.description or (), self._repair, plan)
            except pyodbc.Error as error:
                raise self._failed(error) from None
            return columns, self._next()

    def fetch(self) -> list[tuple[Any, ...]]:
        """The next batch (empty at the end); batches grow fourfold up to the batch size."""
        with self._turn:
            return self._next()

    @property
    def finished(self) -> bool:
        """The rows have ended and the connection is back in its pool: nothing left to close."""
        return self._finished

    def close(self) -> None:
        """Close the cursor and check the connection back in (closed when it broke)."""
        with self._turn:
            self._finish()

    # -- under the turn --
    def _next(self) -> list[tuple[Any, ...]]:
        size = self._next_batch
        self._next_batch = min(size * 4, self._batch_size)
        try:
            self._round_trip()
            raw = self._cursor.fetchmany(size)
        except pyodbc.Error as error:
            raise self._failed(error) from None
        rows = convert_rows(raw, self._converters)
        if len(raw) < size:  # the end (fetchmany returns fewer rows only there): close in this hop
            self._finish()
        return rows

    def _finish(self) -> None:
        if self._cursor is not None:
            try:
                self._cursor.close()
            except pyodbc.Error:
                self._broken = True
            self._cursor = None
        if self._connection is not None:
            self._pool.release(self._connection, broken=self._broken)
            self._connection = None
        self._finished = True
