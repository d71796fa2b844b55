"""Connection pools: idle connections per set and login, used only from executor threads (pyodbc's
threadsafety is 1: a connection is only ever used by the thread that checked it out)."""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import pyodbc
from sqlglot.schema import MappingSchema

from integrator.config import IntegrationSet
from integrator.errors import ValidationFailed
from integrator.sql.compiler import Compiled
from integrator.sql.driver import close_quietly, map_error
from integrator.sql.sqlite import SqlitePlan, schema_version, sqlite_plan, sqlite_schema

Role = Literal["reader", "writer", "stream"]

IDLE_LIMIT_S = 300.0       # an idle pooled connection older than this is closed, not reused
SCHEMA_CHECK_S = 1.0       # SQLite: a planned statement text meets a schema change this late
# SQLite: statement texts planned per schema at most (a list of n items is a text of its own, so a
# set's list statements alone could make thousands); a full table starts again empty
PLANS_MAX = 1024


@dataclass(frozen=True, slots=True)
class SqliteSchema:
    """A SQLite database's declared schema, the ``PRAGMA schema_version`` it was read at, and
    the plans made against it (per statement text)."""

    version: int
    schema: MappingSchema
    plans: dict[str, SqlitePlan]


@dataclass
class Pooled:
    connection: Any
    last_used: float


@dataclass
class Pool:
    """Idle connections of one set and login. Connections are checked out, used and closed only
    on executor threads; ``take_stale``, ``retire`` and ``retire_if_unused`` only take them out
    (no I/O), so the engine may call them on the event loop and close what they return in a hop.

    Up to ``idle_max`` idle connections are kept: the engine passes the number of executor
    threads, the most connections its hops use at once, so a steady load reuses its connections
    instead of closing and opening some on every round (a login on SQL Server). The idle ones
    form a stack: the most recently used is reused first, and those at the bottom that have not
    been used for ``idle_limit_s`` are closed when a connection comes back or the engine's sweep
    comes round (``SqlEngine.sweep``), so the pool shrinks again after a busy hour. A retired
    pool (its set removed or changed) keeps nothing: a connection still checked out from it is
    closed when it comes back.
    """

    set_code: str
    role: Role
    connection_string: str = field(repr=False)  # may hold a password
    engine: str
    login_timeout_s: int
    query_timeout_s: int
    autocommit: bool
    idle_max: int
    digest: str = ""
    idle_limit_s: float = IDLE_LIMIT_S
    idle: deque[Pooled] = field(default_factory=deque)
    lock: threading.Lock = field(default_factory=threading.Lock)
    clock: Callable[[], float] = time.monotonic
    sqlite: SqliteSchema | None = None
    in_use: int = 0                   # connections checked out and not back yet
    last_used: float = -math.inf      # (clock) the last checkout or return
    retired: bool = False
    schema_checked: float = -math.inf  # (clock) when the schema version was last read

    def plan(self, connection: Any, compiled: Compiled) -> SqlitePlan | None:
        """SQLite only: the statement as run (decimal expressions read as text) and its typing,
        planned once per statement text against the database's schema as it is.

        The schema is read with its ``PRAGMA schema_version`` and read again (its plans dropped)
        when the version has moved, which is checked on every plan miss and, for a text already
        planned, once per ``SCHEMA_CHECK_S`` per pool. A plan kept for a known text goes stale
        too (a text first run before its table existed was planned without typing; a table
        dropped and created again may declare other types; ``SELECT *`` after ``ADD COLUMN``),
        but checking on every statement was measured too dear for the hot path: the PRAGMA
        costs 8-9 µs on one open connection to the demo tiger.db (a one-row SELECT by key: 16
        µs), and 17-25 µs per one-row ``SqlEngine.query`` hop (131.7 -> 155.9 and 144.8 ->
        163.3 µs, medians of alternating runs), a fifth of the service's 100 µs per-request
        budget (docs/performance.md) — for SQLite, the demo and test engine (SQL Server and
        PostgreSQL plan nothing). So a text planned before a schema change may keep its old
        typing for up to ``SCHEMA_CHECK_S``; a new text never does. At most ``PLANS_MAX`` texts
        are kept per schema (a list of n items is a text of its own); a full table starts again.
        """
        if self.engine != "sqlite":
            return None
        known = self.sqlite
        found = known.plans.get(compiled.sql) if known is not None else None
        if found is not None and self.clock() - self.schema_checked < SCHEMA_CHECK_S:
            return found  # the hot path: a dict lookup and the clock
        known = self.follow_schema(connection)
        if known is None:
            return None
        plans = known.plans
        found = plans.get(compiled.sql)
        if found is None:
            found = sqlite_plan(compiled, known.schema)
            if len(plans) >= PLANS_MAX:
                plans.clear()  # one call: safe beside another thread's lookups (the GIL)
            plans[compiled.sql] = found
        return found

    def follow_schema(self, connection: Any) -> SqliteSchema | None:
        """The schema the plans are made against, read again with fresh plans when SQLite's
        ``PRAGMA schema_version`` has moved. The version is read before the schema, so a schema
        changed while it is read is kept under the older version and read again next time. A
        schema that cannot be read is never kept, nor the check counted: the previous one (or
        none: no typing) serves this statement and the next statement tries again."""
        known = self.sqlite
        try:
            version = schema_version(connection)
        except pyodbc.Error:
            return known  # the statement meets the connection's problem itself
        if known is None or known.version != version:
            schema = sqlite_schema(connection)
            if schema is None:
                return known
            # swapped whole: a thread still planning with the previous one stays consistent
            known = self.sqlite = SqliteSchema(version, schema, {})
        self.schema_checked = self.clock()
        return known

    def connect(self) -> Any:
        connection = pyodbc.connect(self.connection_string, autocommit=self.autocommit,
                                    timeout=self.login_timeout_s)
        # str parameters go as SQL_WVARCHAR (NVARCHAR) in UTF-16: Turkish text stays exact
        connection.setencoding(encoding="utf-16le")
        if self.engine != "postgres":  # psqlODBC refuses it; statement_timeout is set instead
            connection.timeout = self.query_timeout_s
        return connection

    def acquire(self) -> tuple[Any, bool]:
        """A connection and whether it was reused from the pool."""
        now = self.clock()
        with self.lock:
            self.in_use += 1
            self.last_used = now
            if self.idle:
                item = self.idle.pop()
                if now - item.last_used <= self.idle_limit_s:
                    return item.connection, True
                # the top of the stack is the newest: when it is stale, every one below is too
                stale = [item.connection, *self._take_stale(math.inf)]
            else:
                stale = []
        for connection in stale:
            close_quietly(connection)
        try:
            return self.connect(), False
        except BaseException:
            with self.lock:
                self.in_use -= 1
            raise

    def checkout(self) -> tuple[Any, bool]:
        """``acquire``, with a failure to connect as the service's error (``DB_UNAVAILABLE``)."""
        try:
            return self.acquire()
        except pyodbc.Error as error:
            raise map_error(error, set_code=self.set_code, connecting=True,
                            query_timeout_s=self.query_timeout_s) from None

    def release(self, connection: Any, *, broken: bool) -> None:
        now = self.clock()
        with self.lock:
            self.in_use -= 1
            self.last_used = now
            if broken or self.retired:
                stale = [connection]
            else:
                stale = self._take_stale(now - self.idle_limit_s)
                if len(self.idle) < self.idle_max:
                    self.idle.append(Pooled(connection, now))
                else:
                    stale.append(connection)
        for item in stale:
            close_quietly(item)

    def _take_stale(self, used_before: float) -> list[Any]:
        """Under the lock: the idle connections last used before ``used_before``, taken out."""
        idle, stale = self.idle, []
        while idle and idle[0].last_used < used_before:
            stale.append(idle.popleft().connection)
        return stale

    def take_stale(self, now: float) -> list[Any]:
        """The idle connections unused for longer than ``idle_limit_s``, taken out for the caller
        to close (on an executor thread: closing is I/O)."""
        with self.lock:
            return self._take_stale(now - self.idle_limit_s)

    def retire(self) -> list[Any]:
        """Keep nothing from now on; the idle connections, taken out for the caller to close."""
        with self.lock:
            self.retired = True
            items = [item.connection for item in self.idle]
            self.idle.clear()
        return items

    def retire_if_unused(self, now: float) -> bool:
        """Retire the pool if it holds no connection, idle or checked out, and has not been used
        for longer than ``idle_limit_s``; whether it did."""
        with self.lock:
            if self.idle or self.in_use or now - self.last_used <= self.idle_limit_s:
                return False
            self.retired = True
            return True

    def close(self) -> None:
        close_all(self.retire())


def close_all(connections: Iterable[Any]) -> None:
    for connection in connections:
        close_quietly(connection)




def with_timeouts(connection_string: str, engine: str, query_timeout_s: int, role: Role) -> str:
    """Add the engine's query timeout to a connection string that does not set it itself."""
    cs = connection_string.rstrip()
    if cs and not cs.endswith(";"):
        cs += ";"
    lowered = cs.lower()
    if engine == "postgres":
        if "connsettings" not in lowered:
            cs += f"ConnSettings={{SET statement_timeout={query_timeout_s * 1000}}};"
        if role == "stream" and "usedeclarefetch" not in lowered:
            cs += "UseDeclareFetch=1;Fetch=1000;"  # a server cursor: constant client memory
    elif engine == "sqlite":
        if "timeout=" not in lowered:
            cs += f"Timeout={query_timeout_s * 1000};"  # busy wait bound (sqliteodbc: milliseconds)
        if role == "stream" and "stepapi=" not in lowered:
            # step through the rows: without it sqliteodbc reads the whole result at execute
            cs += "StepAPI=1;"
    return cs


def pool_spec(integration_set: IntegrationSet, role: Role) -> tuple[Role, str, str]:
    """The pool a set's statements of ``role`` run on: its role (a stream reads on the reader's
    connections where the engine has no stream settings), its connection string (the engine's
    timeouts added, ``with_timeouts``) and the digest of every value the pool takes from the set.
    A set pushed again keeps its pool (and its open connections) only while the digest is the
    same. The query timeout is in the digest itself: it reaches the connection string only where
    the string does not set its own (SQLite ``Timeout=``, PostgreSQL ``ConnSettings``), and
    never on SQL Server, where it is the connections' ``timeout``."""
    db = integration_set.database
    if role == "writer":
        if db.writer_connection_string is None:
            raise ValidationFailed(f"set {integration_set.code} has no writer connection "
                                   "(database.writer_connection_string)")
        raw = db.writer_connection_string.get_secret_value()
    else:
        raw = db.connection_string.get_secret_value()
    if role == "stream" and db.engine not in ("postgres", "sqlite"):
        role = "reader"
    cs = with_timeouts(raw, db.engine, db.query_timeout_s, role)
    # the role settles autocommit (off for the writer only)
    settings = f"{db.engine}|{role}|{db.login_timeout_s}|{db.query_timeout_s}|{cs}"
    return role, cs, hashlib.sha256(settings.encode()).hexdigest()
