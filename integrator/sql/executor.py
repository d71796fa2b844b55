"""The I/O of the SQL layer: pyodbc in the app's bounded thread pool (F4, F12-F14, F18-F21, N7).

* One executor hop per whole database operation: check a connection out of the set's pool,
  execute one or more statements, fetch, convert, check the connection back in, all in one call
  on the ``ODBC_EXECUTOR`` thread pool. Streaming (``stream``) makes one hop per batch.
* Connections are reused per set (a small pool of idle connections per set and login; pyodbc's
  threadsafety is 1, so a connection is only ever used by the thread that checked it out).
* Every connect has a login timeout (``timeout=``); every statement a query timeout: the driver's
  query timeout (``Connection.timeout``) for SQL Server and SQLite, and the server-side
  ``statement_timeout`` for PostgreSQL (psqlODBC refuses the driver attribute), set through
  ``ConnSettings``. An asyncio backstop bounds the whole hop in case a driver ignores both.
* Rows are capped (``database.max_rows``) with a ``truncated`` flag; decimals stay ``Decimal``
  (SQLite has no decimal type: DECIMAL columns are typed from the database's declared column
  types and converted deliberately, never through binary floating point arithmetic of ours);
  Netsis mojibake is repaired per set (``database.repair_turkish``).
* pyodbc errors become the service's errors: unreachable database or login failure ->
  ``DB_UNAVAILABLE`` (retryable), query timeout -> ``DB_UNAVAILABLE`` with a timeout message,
  a statement the database refuses -> ``SQL_REJECTED``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import re
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as dtime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, TypeVar

import pyodbc
import structlog
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify
from sqlglot.schema import MappingSchema

from integrator.config import IntegrationSet
from integrator.errors import (
    DbUnavailable,
    Detail,
    IntegratorError,
    NotFound,
    SqlRejected,
    ValidationFailed,
)
from integrator.metrics import Metrics
from integrator.sql.compiler import Compiled, compile_for
from integrator.sql.params import ParamValue

log = structlog.get_logger("integrator.sql")

Role = Literal["reader", "writer", "stream"]
T = TypeVar("T")

# the six letters a Latin-1 client shows for cp1254 bytes, and back (research/netsis.md §3.1)
REPAIR_TURKISH = str.maketrans("ÝÞÐýþð", "İŞĞışğ")
BREAK_TURKISH = str.maketrans("İŞĞışğ", "ÝÞÐýþð")

IDLE_LIMIT_S = 300.0       # an idle pooled connection older than this is closed, not reused
POOL_IDLE_MAX = 4          # idle connections kept per set and login
BACKSTOP_SLACK_S = 2.0

_TIMEOUT_STATES = frozenset({"HYT00", "HYT01", "57014"})
_CONNECTION_STATES = ("08", "57P", "HYT00")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")


def repair_turkish(text: str) -> str:
    return text.translate(REPAIR_TURKISH)


# -- results -------------------------------------------------------------------------------------
ColumnType = Literal["string", "int", "decimal", "float", "bool", "date", "datetime", "time",
                     "binary"]


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: ColumnType


@dataclass(slots=True)
class Result:
    columns: tuple[Column, ...]
    rows: list[tuple[Any, ...]]
    truncated: bool = False
    elapsed_s: float = 0.0

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def dicts(self) -> list[dict[str, Any]]:
        names = self.names
        return [dict(zip(names, row, strict=True)) for row in self.rows]

    def first(self) -> dict[str, Any] | None:
        dicts = self.dicts()
        return dicts[0] if dicts else None


@dataclass(frozen=True, slots=True)
class Statement:
    """One compiled statement and its positional values, ready for a hop."""

    name: str
    compiled: Compiled
    values: tuple[Any, ...]
    max_rows: int | None = None


@dataclass(frozen=True, slots=True)
class DbPing:
    ok: bool
    elapsed_ms: float
    message: str


_PY_TYPES: dict[type, ColumnType] = {
    bool: "bool", int: "int", Decimal: "decimal", float: "float", str: "string",
    datetime: "datetime", date: "date", dtime: "time", bytes: "binary", bytearray: "binary",
}


# -- connection pool -----------------------------------------------------------------------------
Typing = tuple[tuple[str, int | None] | None, ...]


@dataclass(frozen=True, slots=True)
class _SqlitePlan:
    sql: str
    typing: Typing | None


@dataclass
class _Pooled:
    connection: Any
    last_used: float


@dataclass
class _Pool:
    """Idle connections of one set and login. Used only from executor threads."""

    set_code: str
    role: Role
    connection_string: str
    engine: str
    login_timeout_s: int
    query_timeout_s: int
    autocommit: bool
    digest: str = ""
    idle: deque[_Pooled] = field(default_factory=deque)
    lock: threading.Lock = field(default_factory=threading.Lock)
    schema: MappingSchema | None = None
    schema_loaded: bool = False
    plans: dict[str, _SqlitePlan] = field(default_factory=dict)

    def plan(self, connection: Any, compiled: Compiled) -> _SqlitePlan | None:
        """SQLite only: the statement as run (decimal expressions read as text) and its typing."""
        if self.engine != "sqlite":
            return None
        if not self.schema_loaded:
            self.schema = _sqlite_schema(connection)
            self.schema_loaded = True
        if self.schema is None:
            return None
        found = self.plans.get(compiled.sql)
        if found is None:
            found = _sqlite_plan(compiled, self.schema)
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
            if now - item.last_used <= IDLE_LIMIT_S:
                return item.connection, True
            _close_quietly(item.connection)

    def release(self, connection: Any, *, broken: bool) -> None:
        if broken:
            _close_quietly(connection)
            return
        with self.lock:
            if len(self.idle) < POOL_IDLE_MAX:
                self.idle.append(_Pooled(connection, time.monotonic()))
                return
        _close_quietly(connection)

    def close(self) -> None:
        with self.lock:
            items = list(self.idle)
            self.idle.clear()
        for item in items:
            _close_quietly(item.connection)


def _close_quietly(connection: Any) -> None:
    with contextlib.suppress(pyodbc.Error):
        connection.close()


def _with_timeouts(connection_string: str, engine: str, query_timeout_s: int, role: Role) -> str:
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


def _sqlite_literal(value: Any) -> str | None:
    """A value as an SQLite literal, or None when it has no exact literal form here."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f") if value.is_finite() else None
    if isinstance(value, str):
        return None if "\x00" in value else "'" + value.replace("'", "''") + "'"
    if isinstance(value, datetime):
        return None  # prepare() already turned whole-second datetimes into SQLite's text
    if isinstance(value, date):
        return f"'{value.isoformat()}'"
    if isinstance(value, bytes | bytearray):
        return f"X'{bytes(value).hex()}'"
    return None


def sqlite_literals(sql: str, values: Sequence[Any]) -> str | None:
    """``sql`` with its ``?`` placeholders replaced by the values as SQLite literals, for streams.

    The SQLite3 ODBC driver reads the whole result into memory at execute when the statement has
    bound parameters (even with ``StepAPI=1``); without parameters it steps through the rows. The
    placeholders are found with sqlglot's SQLite tokenizer (a ``?`` inside a string literal or a
    comment is not a placeholder); strings are quoted by doubling ``'`` (SQLite has no backslash
    escapes). None when a value has no exact literal form: the caller binds them as usual.
    """
    from sqlglot import TokenType
    from sqlglot.dialects.sqlite import SQLite

    try:
        tokens = SQLite().tokenize(sql)
    except SqlglotError:
        return None
    marks = [token for token in tokens if token.token_type == TokenType.PLACEHOLDER]
    if len(marks) != len(values) or any(token.text != "?" for token in marks):
        return None
    parts: list[str] = []
    position = 0
    for token, value in zip(marks, values, strict=True):
        literal = _sqlite_literal(value)
        if literal is None:
            return None
        parts.append(sql[position:token.start])
        parts.append(literal)
        position = token.end + 1
    parts.append(sql[position:])
    return "".join(parts)


# -- error mapping -------------------------------------------------------------------------------
def _state(error: pyodbc.Error) -> str:
    return str(error.args[0]) if error.args else ""


def _message(error: pyodbc.Error) -> str:
    text = str(error.args[1]) if len(error.args) > 1 else str(error)
    text = re.sub(r"\s*\(\d+\)\s*\(SQL\w+\)\s*$", "", text)
    text = text.replace("\nError while executing the query", "")
    return re.sub(r"^(\[[^\]]*\])+\s*", "", text).strip().rstrip(";")


def _is_connection_error(error: pyodbc.Error) -> bool:
    state = _state(error)
    text = str(error).lower()
    return (state.startswith(_CONNECTION_STATES) or "database is locked" in text
            or "server closed the connection" in text or "no connection to the server" in text)


def map_error(error: pyodbc.Error, *, set_code: str, connecting: bool,
              query_timeout_s: int) -> IntegratorError:
    state, message = _state(error), _message(error)
    detail = Detail(f"[{state}] {message}" if state else message, "sql")
    if connecting:
        return DbUnavailable(f"the database of set {set_code} cannot be reached", details=[detail])
    if state in _TIMEOUT_STATES:
        return DbUnavailable(f"the query did not finish within the query timeout of "
                             f"{query_timeout_s} s", details=[detail])
    if _is_connection_error(error):
        return DbUnavailable(f"the connection to the database of set {set_code} failed",
                             details=[detail])
    return SqlRejected("the database refused the statement", details=[detail])


# -- result typing -------------------------------------------------------------------------------
_INT_TYPES = {exp.DataType.Type.INT, exp.DataType.Type.BIGINT, exp.DataType.Type.SMALLINT,
              exp.DataType.Type.TINYINT}
_DECIMAL_TYPES = {exp.DataType.Type.DECIMAL, exp.DataType.Type.MONEY,
                  exp.DataType.Type.SMALLMONEY}


def _sqlite_schema(connection: Any) -> MappingSchema | None:
    cursor = connection.cursor()
    try:
        names = [row[0] for row in cursor.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')").fetchall()]
        mapping: dict[str, object] = {}
        for name in names:
            if not _IDENTIFIER.match(name):
                continue
            columns = cursor.execute(f'PRAGMA table_info("{name}")').fetchall()
            mapping[name] = {str(c[1]): (str(c[2]) or "TEXT") for c in columns}
        return MappingSchema(mapping, dialect="sqlite")
    except (pyodbc.Error, SqlglotError, ValueError):
        return None
    finally:
        cursor.close()


def _sqlite_typing(compiled: Compiled, schema: MappingSchema) -> Typing | None:
    """Per selected column: ("decimal", scale) / ("int", None) / None, from declared types."""
    try:
        tree = qualify(compiled.tree.copy(), schema=schema, dialect="sqlite",
                       validate_qualify_columns=False, identify=False)
        annotated = annotate_types(tree, schema=schema, dialect="sqlite")
    except (SqlglotError, ValueError, KeyError, AttributeError):
        return None
    if not isinstance(annotated, exp.Query):
        return None
    out: list[tuple[str, int | None] | None] = []
    for select in annotated.selects:
        kind = select.type
        if kind is None:
            out.append(None)
        elif kind.this in _DECIMAL_TYPES:
            params = kind.expressions
            scale = None
            if len(params) >= 2:
                try:
                    scale = int(params[1].name)
                except ValueError:
                    scale = None
            out.append(("decimal", scale))
        elif kind.this in _INT_TYPES:
            out.append(("int", None))
        else:
            out.append(None)
    return tuple(out)


def _select_names(selected: tuple[str, ...], count: int) -> list[str | None]:
    """The name the query selects at each result position: exact where the select list has no
    star; around stars, the positions before the first and after the last one."""
    out: list[str | None] = [None] * count
    if "*" not in selected:
        if len(selected) == count:
            return list(selected)
        return out
    first = selected.index("*")
    last = len(selected) - 1 - selected[::-1].index("*")
    for i in range(min(first, count)):
        out[i] = selected[i]
    tail = selected[last + 1:]
    for j, name in enumerate(tail):
        position = count - len(tail) + j
        if position >= first:
            out[position] = name
    return out


def _sqlite_plan(compiled: Compiled, schema: MappingSchema) -> _SqlitePlan:
    """The SQLite ODBC driver types an expression column by its first row's value: a CASE that
    yields 0 first is read as an integer and 16079.97 comes back as 16079. Every decimal-typed
    expression is therefore read as text (``CAST(… AS TEXT)``) and converted to ``Decimal``."""
    typing = _sqlite_typing(compiled, schema)
    tree = compiled.tree
    if typing is None or not isinstance(tree, exp.Select) or "*" in compiled.columns \
            or len(tree.selects) != len(typing):
        return _SqlitePlan(compiled.sql, typing)
    tree = tree.copy()
    changed = False
    for index, (select, hint) in enumerate(zip(list(tree.selects), typing, strict=True)):
        inner = select.this if isinstance(select, exp.Alias) else select
        if hint is None or hint[0] != "decimal" or isinstance(inner, exp.Column):
            continue
        name = select.alias if isinstance(select, exp.Alias) else select.sql("sqlite")
        cast = exp.Cast(this=inner.copy(), to=exp.DataType.build("TEXT"))
        tree.expressions[index] = exp.alias_(cast, name, quoted=not name.isidentifier())
        changed = True
    return _SqlitePlan(tree.sql("sqlite") if changed else compiled.sql, typing)


def _to_decimal(value: Any, scale: int | None) -> Any:
    if value is None or isinstance(value, Decimal):
        return value
    try:
        if isinstance(value, float):
            number = Decimal(repr(value))  # the shortest text that reads back as this float
        elif isinstance(value, int | str):
            number = Decimal(value)
        else:
            return value
    except InvalidOperation:
        return value
    if scale is not None:
        number = number.quantize(Decimal(1).scaleb(-scale))
    return number


def _to_int(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value):
        return int(value)
    return value


# -- the engine ----------------------------------------------------------------------------------
class SqlEngine:
    """Runs compiled statements for integration sets; one per application (``app[SQL_ENGINE]``)."""

    def __init__(self, executor: Executor, metrics: Metrics) -> None:
        self._executor = executor
        self._metrics = metrics
        self._pools: dict[tuple[str, Role], _Pool] = {}
        # (set, role) -> (the database section the pool was last resolved for, the pool): a set
        # that has not changed skips rebuilding and hashing its connection string on every call
        self._resolved: dict[tuple[str, Role], tuple[object, _Pool]] = {}
        self._lock = threading.Lock()

    # -- pools --
    def _pool(self, integration_set: IntegrationSet, role: Role) -> _Pool:
        db = integration_set.database
        resolved = self._resolved.get((integration_set.code, role))
        if resolved is not None and resolved[0] is db:
            return resolved[1]
        pool = self._resolve_pool(integration_set, role)
        self._resolved[(integration_set.code, role)] = (db, pool)
        return pool

    def _resolve_pool(self, integration_set: IntegrationSet, role: Role) -> _Pool:
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
        cs = _with_timeouts(raw, db.engine, db.query_timeout_s, role)
        key = (integration_set.code, role)
        digest = hashlib.sha256(f"{db.engine}|{db.login_timeout_s}|{cs}".encode()).hexdigest()
        with self._lock:
            pool = self._pools.get(key)
            if pool is not None and pool.digest == digest:
                return pool
            if pool is not None:  # the set changed: drop the old connections
                pool.close()
            pool = _Pool(integration_set.code, role, cs, db.engine, db.login_timeout_s,
                         db.query_timeout_s, autocommit=(role != "writer"), digest=digest)
            self._pools[key] = pool
            return pool

    def close(self) -> None:
        with self._lock:
            pools = list(self._pools.values())
            self._pools.clear()
            self._resolved.clear()
        for pool in pools:
            pool.close()

    async def _hop(self, fn: Callable[[], T], *, timeout_s: float, what: str) -> T:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout_s):
                return await loop.run_in_executor(self._executor, fn)
        except TimeoutError:
            raise DbUnavailable(f"the database did not answer within {timeout_s:.0f} s ({what})") \
                from None

    # -- compile helpers --
    @staticmethod
    def prepare(integration_set: IntegrationSet, name: str, sql: str,
                values: Mapping[str, ParamValue], *, max_rows: int | None = None) -> Statement:
        compiled = compile_for(integration_set, sql, values)
        missing = compiled.parameter_names - {k.lstrip(":@").lower() for k in values}
        if missing:
            raise SqlRejected("the SQL statement cannot be prepared",
                              details=[Detail(f"parameter {m} has no value", "sql")
                                       for m in sorted(missing)])
        bound = compiled.bind(values)
        db = integration_set.database
        if db.repair_turkish:  # the database holds cp1254 bytes seen as cp1252: send it that way
            bound = [v.translate(BREAK_TURKISH) if isinstance(v, str) else v for v in bound]
        if db.engine == "sqlite":  # SQLite compares datetimes as text in its own format
            bound = [v.strftime("%Y-%m-%d %H:%M:%S") if isinstance(v, datetime)
                     and not v.microsecond else v for v in bound]
        return Statement(name, compiled, tuple(bound), max_rows)

    # -- the worker side --
    def _columns_and_converters(
        self, pool: _Pool, statement: Statement, description: Sequence[Any], repair: bool,
        plan: _SqlitePlan | None,
    ) -> tuple[tuple[Column, ...], list[Callable[[Any], Any] | None]]:
        compiled = statement.compiled
        typing = plan.typing if plan is not None else None
        if typing is not None and len(typing) != len(description):
            typing = None
        names = _select_names(compiled.columns, len(description))
        columns: list[Column] = []
        converters: list[Callable[[Any], Any] | None] = []
        for i, item in enumerate(description):
            raw_name = str(item[0])
            name = raw_name
            known = names[i]
            if known is not None and known.lower() == raw_name.lower():
                name = known
            elif pool.engine == "postgres" and raw_name == raw_name.lower():
                name = raw_name.upper()
            kind: ColumnType = _PY_TYPES.get(item[1], "string")
            converter: Callable[[Any], Any] | None = None
            hint = typing[i] if typing is not None else None
            if hint is not None and hint[0] == "decimal":
                kind = "decimal"
                scale = hint[1]
                converter = lambda v, s=scale: _to_decimal(v, s)  # noqa: E731
            elif hint is not None and hint[0] == "int" and kind in ("float", "string"):
                kind = "int"
                converter = _to_int
            elif kind == "string" and repair:
                converter = lambda v: v.translate(REPAIR_TURKISH) if isinstance(v, str) else v  # noqa: E731
            columns.append(Column(name, kind))
            converters.append(converter)
        return tuple(columns), converters

    def _execute_one(self, pool: _Pool, connection: Any, statement: Statement,
                     repair: bool) -> Result:
        started = time.perf_counter()
        cursor = connection.cursor()
        try:
            plan = pool.plan(connection, statement.compiled) if statement.compiled.tree is not None \
                else None
            self._metrics.sql_round_trips.labels(pool.set_code).inc()
            cursor.execute(plan.sql if plan is not None else statement.compiled.sql,
                           *statement.values)
            if cursor.description is None:
                return Result((), [], False, time.perf_counter() - started)
            columns, converters = self._columns_and_converters(
                pool, statement, cursor.description, repair, plan)
            limit = statement.max_rows
            raw = cursor.fetchmany(limit + 1) if limit is not None else cursor.fetchall()
            truncated = limit is not None and len(raw) > limit
            if truncated:
                raw = raw[:limit]
            rows = _convert(raw, converters)
        finally:
            cursor.close()
        return Result(columns, rows, truncated, time.perf_counter() - started)

    def _run_sync(self, pool: _Pool, statements: Sequence[Statement], repair: bool) -> list[Result]:
        """Check out, run every statement, check in; one retry on a stale pooled connection."""
        for attempt in (1, 2):
            try:
                connection, reused = pool.acquire()
            except pyodbc.Error as error:
                raise map_error(error, set_code=pool.set_code, connecting=True,
                                query_timeout_s=pool.query_timeout_s) from None
            broken = False
            try:
                return [self._execute_one(pool, connection, s, repair) for s in statements]
            except pyodbc.Error as error:
                broken = _is_connection_error(error) or _state(error) in _TIMEOUT_STATES
                if reused and broken and attempt == 1 and _state(error) not in _TIMEOUT_STATES:
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
        try:
            results = await self._hop(
                lambda: self._run_sync(pool, statements, db.repair_turkish),
                timeout_s=timeout, what=name)
        except IntegratorError as error:
            self._metrics.sql_errors.labels(integration_set.code, error.code).inc()
            log.warning("sql_failed", statement=name, code=error.code, error=error.message)
            raise
        elapsed = time.perf_counter() - started
        self._metrics.sql_latency.labels(integration_set.code, name).observe(elapsed)
        self._metrics.sql_rows.labels(integration_set.code).inc(sum(len(r.rows) for r in results))
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
                     batch_size: int = 500) -> AsyncIterator[Result]:
        """Yield the rows of one statement in batches, holding one connection throughout.

        One executor hop to execute, one per batch (``fetchmany``), one to check the connection
        back in; no row cap. Use it as ``async with contextlib.aclosing(engine.stream(...)) as
        batches: async for batch in batches: ...`` so the connection returns to the pool at once
        when the consumer stops early.
        """
        db = integration_set.database
        statement = self.prepare(integration_set, name, sql, values or {})
        pool = self._pool(integration_set, "stream")
        repair = db.repair_turkish
        timeout = db.login_timeout_s + db.query_timeout_s + BACKSTOP_SLACK_S
        state: dict[str, Any] = {}
        # A hop whose awaiting coroutine was cancelled (a client that went away, the backstop)
        # still runs to its end in its thread; the hops of one stream take turns on this lock,
        # so ``close`` never touches the cursor while a fetch is still using it.
        turn = threading.Lock()

        def open_cursor() -> tuple[Column, ...]:
            with turn:
                return _open_cursor()

        def _open_cursor() -> tuple[Column, ...]:
            try:
                connection, _ = pool.acquire()
            except pyodbc.Error as error:
                raise map_error(error, set_code=pool.set_code, connecting=True,
                                query_timeout_s=pool.query_timeout_s) from None
            state["connection"] = connection
            cursor = connection.cursor()
            state["cursor"] = cursor
            try:
                plan = pool.plan(connection, statement.compiled)
                self._metrics.sql_round_trips.labels(pool.set_code).inc()
                sql = plan.sql if plan is not None else statement.compiled.sql
                inlined = sqlite_literals(sql, statement.values) if pool.engine == "sqlite" \
                    else None
                if inlined is not None:
                    cursor.execute(inlined)
                else:
                    cursor.execute(sql, *statement.values)
                columns, converters = self._columns_and_converters(
                    pool, statement, cursor.description or (), repair, plan)
            except pyodbc.Error as error:
                state["broken"] = True
                raise map_error(error, set_code=pool.set_code, connecting=False,
                                query_timeout_s=pool.query_timeout_s) from None
            state["converters"] = converters
            return columns

        def fetch() -> list[tuple[Any, ...]]:
            with turn:
                return _fetch()

        def _fetch() -> list[tuple[Any, ...]]:
            try:
                self._metrics.sql_round_trips.labels(pool.set_code).inc()
                raw = state["cursor"].fetchmany(batch_size)
            except pyodbc.Error as error:
                state["broken"] = True
                raise map_error(error, set_code=pool.set_code, connecting=False,
                                query_timeout_s=pool.query_timeout_s) from None
            return _convert(raw, state["converters"])

        def close() -> None:
            with turn:
                _close()

        def _close() -> None:
            cursor = state.get("cursor")
            if cursor is not None:
                try:
                    cursor.close()
                except pyodbc.Error:
                    state["broken"] = True
            connection = state.get("connection")
            if connection is not None:
                pool.release(connection, broken=bool(state.get("broken")))

        try:
            columns = await self._hop(open_cursor, timeout_s=timeout, what=name)
            total = 0
            while True:
                rows = await self._hop(fetch, timeout_s=timeout, what=name)
                if not rows:
                    break
                total += len(rows)
                yield Result(columns, rows)
            self._metrics.sql_rows.labels(integration_set.code).inc(total)
        except IntegratorError as error:
            self._metrics.sql_errors.labels(integration_set.code, error.code).inc()
            raise
        finally:
            await asyncio.shield(self._hop(close, timeout_s=timeout, what="close"))

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
                         parent_ref: int, tables: Sequence[tuple[str, Mapping[str, str]]]
                         ) -> list[tuple[str, str]]:
        """Insert or update custom-field rows keyed by PARLOGREF in ONE transaction on the set's
        writer connection; returns (table, "inserted"|"updated") per table.

        Table and column names must already be whitelisted by the caller; they are checked
        against a strict identifier pattern here as well. Values go only as parameters.
        """
        for name in [parent_table, *(t for t, _ in tables),
                     *(c for _, cols in tables for c in cols)]:
            if not _IDENTIFIER.match(name):
                raise SqlRejected(f"{name!r} is not a plain identifier")
        db = integration_set.database
        pool = self._pool(integration_set, "writer")
        timeout = db.login_timeout_s + db.query_timeout_s * (2 + 3 * len(tables)) + BACKSTOP_SLACK_S

        def work() -> list[tuple[str, str]]:
            try:
                connection, _ = pool.acquire()
            except pyodbc.Error as error:
                raise map_error(error, set_code=pool.set_code, connecting=True,
                                query_timeout_s=pool.query_timeout_s) from None
            broken = False
            cursor = connection.cursor()
            try:
                return self._write_in_transaction(pool, cursor, parent_table, parent_ref, tables)
            except BaseException as error:
                try:
                    connection.rollback()
                except pyodbc.Error:
                    broken = True
                if isinstance(error, pyodbc.Error):
                    broken = broken or _is_connection_error(error)
                    raise map_error(error, set_code=pool.set_code, connecting=False,
                                    query_timeout_s=pool.query_timeout_s) from None
                raise
            finally:
                try:
                    cursor.close()
                except pyodbc.Error:
                    broken = True
                pool.release(connection, broken=broken)

        try:
            return await self._hop(work, timeout_s=timeout, what="extensions")
        except IntegratorError as error:
            self._metrics.sql_errors.labels(integration_set.code, error.code).inc()
            raise

    def _write_in_transaction(self, pool: _Pool, cursor: Any, parent_table: str, parent_ref: int,
                              tables: Sequence[tuple[str, Mapping[str, str]]]
                              ) -> list[tuple[str, str]]:
        trips = self._metrics.sql_round_trips.labels(pool.set_code)
        trips.inc()
        if cursor.execute(f"SELECT 1 FROM {parent_table} WHERE LOGICALREF = ?",
                          parent_ref).fetchone() is None:
            raise NotFound(f"no record with LOGICALREF {parent_ref} in {parent_table}")
        typed: list[tuple[str, list[str], list[Any]]] = []
        for table, fields in tables:  # convert every value before the first write
            trips.inc()
            cursor.execute(f"SELECT * FROM {table} WHERE 1 = 0")
            kinds = {str(d[0]).upper(): d[1] for d in cursor.description}
            cursor.fetchall()
            names = list(fields)
            unknown = [n for n in names if n.upper() not in kinds]
            if unknown:
                raise ValidationFailed(f"table {table} has no column {', '.join(unknown)}")
            typed.append((table, names, [_typed_value(table, n, fields[n], kinds[n.upper()])
                                         for n in names]))
        outcome: list[tuple[str, str]] = []
        for table, names, values in typed:
            assignments = ", ".join(f"{n} = ?" for n in names)
            trips.inc()
            cursor.execute(f"UPDATE {table} SET {assignments} WHERE PARLOGREF = ?",
                           *values, parent_ref)
            if cursor.rowcount and cursor.rowcount > 0:
                outcome.append((table, "updated"))
                continue
            marks = ", ".join("?" for _ in range(len(names) + 1))
            trips.inc()
            cursor.execute(f"INSERT INTO {table} (PARLOGREF, {', '.join(names)}) VALUES ({marks})",
                           parent_ref, *values)
            outcome.append((table, "inserted"))
        cursor.connection.commit()
        return outcome


def _typed_value(table: str, column: str, text: str, kind: Any) -> Any:
    if kind is str or kind is None:
        return text
    if text.strip() == "":
        return None
    try:
        if kind is int:
            return int(text.strip())
        if kind in (Decimal, float):
            return Decimal(text.strip())
    except (ValueError, InvalidOperation):
        raise ValidationFailed(f"{table}.{column} needs a number",
                               details=[Detail(f"got {text!r}", "input", path=column)]) from None
    return text


def _convert(raw: Sequence[Any], converters: Sequence[Callable[[Any], Any] | None]
             ) -> list[tuple[Any, ...]]:
    if not any(converters):
        return [tuple(row) for row in raw]
    out = []
    for row in raw:
        out.append(tuple(c(v) if c is not None and v is not None else v
                         for c, v in zip(converters, row, strict=True)))
    return out
