"""Connection pools: idle connections per set and login, used only from executor threads (pyodbc's
threadsafety is 1: a connection is only ever used by the thread that checked it out)."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal

import pyodbc
from sqlglot.schema import MappingSchema

from integrator.sql.compiler import Compiled
from integrator.sql.driver import close_quietly, map_error
from integrator.sql.sqlite import SqlitePlan, sqlite_plan, sqlite_schema

Role = Literal["reader", "writer", "stream"]

IDLE_LIMIT_S = 300.0       # an idle pooled connection older than this is closed, not reused


@dataclass
class Pooled:
    connection: Any
    last_used: float


@dataclass
class Pool:
    """Idle connections of one set and login. Used only from executor threads.

    Up to ``idle_max`` idle connections are kept: the engine passes the number of executor
    threads, the most connections its hops use at once, so a steady load reuses its connections
    instead of closing and opening some on every round (a login on SQL Server). The idle ones
    form a stack: the most recently used is reused first, and those at the bottom that have not
    been used for ``idle_limit_s`` are closed when a connection comes back, so the pool shrinks
    again after a busy hour.
    """

    set_code: str
    role: Role
    connection_string: str
    engine: str
    login_timeout_s: int
    query_timeout_s: int
    autocommit: bool
    idle_max: int
    digest: str = ""
    idle_limit_s: float = IDLE_LIMIT_S
    idle: deque[Pooled] = field(default_factory=deque)
    lock: threading.Lock = field(default_factory=threading.Lock)
    schema: MappingSchema | None = None
    schema_loaded: bool = False
    plans: dict[str, SqlitePlan] = field(default_factory=dict)

    def plan(self, connection: Any, compiled: Compiled) -> SqlitePlan | None:
        """SQLite only: the statement as run (decimal expressions read as text) and its typing."""
        if self.engine != "sqlite":
            return None
        if not self.schema_loaded:
            self.schema = sqlite_schema(connection)
            self.schema_loaded = True
        if self.schema is None:
            return None
        found = self.plans.get(compiled.sql)
        if found is None:
            found = sqlite_plan(compiled, self.schema)
            self.plans[compiled.sql] = found
        return found

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
        now = time.monotonic()
        while True:
            with self.lock:
                item = self.idle.pop() if self.idle else None
            if item is None:
                return self.connect(), False
            if now - item.last_used <= self.idle_limit_s:
                return item.connection, True
            close_quietly(item.connection)

    def checkout(self) -> tuple[Any, bool]:
        """``acquire``, with a failure to connect as the service's error (``DB_UNAVAILABLE``)."""
        try:
            return self.acquire()
        except pyodbc.Error as error:
            raise map_error(error, set_code=self.set_code, connecting=True,
                            query_timeout_s=self.query_timeout_s) from None

    def release(self, connection: Any, *, broken: bool) -> None:
        if broken:
            close_quietly(connection)
            return
        now = time.monotonic()
        stale: list[Any] = []
        with self.lock:
            idle = self.idle
            while idle and now - idle[0].last_used > self.idle_limit_s:
                stale.append(idle.popleft().connection)
            if len(idle) < self.idle_max:
                idle.append(Pooled(connection, now))
            else:
                stale.append(connection)
        for item in stale:
            close_quietly(item)

    def close(self) -> None:
        with self.lock:
            items = list(self.idle)
            self.idle.clear()
        for item in items:
            close_quietly(item.connection)




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

