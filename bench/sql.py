"""bench/sql: the named-query endpoint against a direct pyodbc call of the same one-row query,
and the validator per statement, cached and uncached. Prints numbers side by side; asserts
nothing. Run: ``.venv/bin/python bench/sql.py [--n 2000] [--postgres]``.

* endpoint: ``POST /v1/queries/one_row`` through the whole service over real HTTP on 127.0.0.1
  (auth, session from the store, XSD-validated body, compile cache, one executor hop, XML rows);
  the service runs in its own process, the client is one keep-alive ``http.client`` connection
  sending sequential requests;
* direct: the same compiled SQL and parameter through pyodbc on one open connection (the floor),
  and with a connect per call (what a client without a pool pays);
* floors: with the same client and server setup, a bare aiohttp handler that reads the body and
  answers a small XML document, and the same plus one empty hop through a ThreadPoolExecutor.
  They are what any aiohttp service that runs pyodbc off the event loop pays before its own
  code; "service code" is the endpoint minus the hop floor minus the direct query.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pyodbc
from aiohttp import web

from bench.common import KEY, serve_forever, serve_service, start
from integrator.config import IntegrationSet
from integrator.sql.compiler import compile_for
from integrator.sql.validator import analyse

ONE_ROW = "SELECT C.CODE, C.DEFINITION_, C.TAXNR FROM LG_FFF_CLCARD C WHERE C.LOGICALREF = :ref"
BODY = '<Query><Account ref="2"/></Query>'


def make_set(code: str, engine: str, connection_string: str) -> IntegrationSet:
    return IntegrationSet.model_validate({
        "code": code, "erp": "tiger", "firm": 1, "period": 1,
        "logo": {"url": "http://127.0.0.1:9/", "security_code": "x"},
        "database": {"engine": engine, "connection_string": connection_string},
        "credentials": {"mode": "shared", "user": "LOGO", "password": "x"},
        "users": [{"name": "bench", "default": True, "warehouses": "all"}],
        "sql": {"queries": {"one_row": {"sql": ONE_ROW, "entity": "account", "params": [
            {"name": "ref", "type": "int", "source": "link"}]}}},
    })


def timed(fn: Callable[[], Any], n: int) -> list[float]:
    out = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def _serve_floor(ports: Any) -> None:
    """A bare aiohttp application in a child process: ``/floor`` and ``/floor-hop``."""
    from concurrent.futures import ThreadPoolExecutor

    executor = ThreadPoolExecutor(max_workers=4)

    async def floor(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(body=b'<Rows count="1"><Row><CODE>120.01</CODE></Row></Rows>',
                            content_type="application/xml")

    async def floor_hop(request: web.Request) -> web.Response:
        await asyncio.get_running_loop().run_in_executor(executor, int)
        return await floor(request)

    app = web.Application()
    app.router.add_post("/floor", floor)
    app.router.add_post("/floor-hop", floor_hop)
    serve_forever(app, ports)


def _client_times(target: Callable[..., None], args: tuple[Any, ...], path: str, n: int,
                  *, session: bool) -> list[float]:
    """Sequential POSTs on one keep-alive connection to a server run in a child process."""
    import http.client

    child, port = start(target, *args)
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/xml"}
        if session:
            connection.request("POST", "/v1/sessions", body='<OpenSession user="bench"/>',
                               headers=headers)
            text = connection.getresponse().read().decode()
            headers["X-Session"] = text.split('id="')[1].split('"')[0]
        body = BODY.encode()

        def call() -> None:
            connection.request("POST", path, body=body, headers=headers)
            reply = connection.getresponse()
            data = reply.read()
            if reply.status != 200:
                raise SystemExit(data.decode())

        timed(call, 200)  # warm-up
        times = timed(call, n)
        connection.close()
        return times
    finally:
        child.terminate()
        child.join(5)


def endpoint_times(integration_set: IntegrationSet, n: int) -> list[float]:
    from integrator.sessions.registry import set_to_json

    return _client_times(serve_service, (set_to_json(integration_set).decode(),), "/v1/queries/one_row",
                         n, session=True)


def floor_times(n: int) -> tuple[list[float], list[float]]:
    return (_client_times(_serve_floor, (), "/floor", n, session=False),
            _client_times(_serve_floor, (), "/floor-hop", n, session=False))


def direct_times(integration_set: IntegrationSet, n: int) -> tuple[list[float], list[float]]:
    compiled = compile_for(integration_set, ONE_ROW, {"ref": 2})
    cs = integration_set.database.connection_string.get_secret_value()
    connection = pyodbc.connect(cs, autocommit=True, timeout=5)

    def warm() -> None:
        cursor = connection.cursor()
        cursor.execute(compiled.sql, 2)
        cursor.fetchall()
        cursor.close()

    def cold() -> None:
        fresh = pyodbc.connect(cs, autocommit=True, timeout=5)
        cursor = fresh.cursor()
        cursor.execute(compiled.sql, 2)
        cursor.fetchall()
        fresh.close()

    timed(warm, 200)
    kept = timed(warm, n)
    per_connect = timed(cold, max(50, n // 10))
    connection.close()
    return kept, per_connect


def us(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1e6:9.1f} µs   mean {statistics.fmean(values) * 1e6:9.1f} µs"


def validator_bench(rounds: int) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.sql.test_validator import REAL_WORLD, RESEARCH_TABLE

    statements = [s for s, _, _ in RESEARCH_TABLE] + REAL_WORLD
    uncached = timed(lambda: [analyse.__wrapped__(s) for s in statements], rounds)
    for s in statements:
        analyse(s)
    cached = timed(lambda: [analyse(s) for s in statements], rounds * 20)
    count = len(statements)
    print(f"\nvalidator over {count} statements (the 33 of odbc-setup.md §5 + {len(REAL_WORLD)} reports)")
    print(f"  uncached: {statistics.median(uncached) / count * 1e6:9.1f} µs per statement")
    print(f"  cached:   {statistics.median(cached) / count * 1e6:9.2f} µs per statement")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--postgres", action="store_true", help="also on PostgreSQL (psqlODBC)")
    args = parser.parse_args()
    from simulators.demodb.generate import ensure

    folder = Path(tempfile.mkdtemp(prefix="bench-sql-"))
    ensure(folder, scale=0.2)
    targets = [("sqlite", make_set("BENCH-SQLITE", "sqlite",
                                   f"DRIVER={{SQLite3}};Database=file:{folder}/tiger.db?mode=ro"))]
    if args.postgres:
        from simulators.demodb.postgres import drop_postgres, load_postgres

        pg = load_postgres("tiger", dbname="crm_sql_bench", owner="crm_sql_owner",
                           reader="crm_sql_ro", scale=0.05)
        targets.append(("postgres", make_set("BENCH-PG", "postgres", pg.reader_connection_string)))
    try:
        bare, bare_hop = floor_times(args.n)
        print(f"\nfloors, same client and server setup, n={args.n}")
        print(f"  bare aiohttp handler (HTTP round trip):  {us(bare)}")
        print(f"  bare handler + one executor hop:         {us(bare_hop)}")
        floor = statistics.median(bare_hop)
        for engine, integration_set in targets:
            endpoint = endpoint_times(integration_set, args.n)
            kept, per_connect = direct_times(integration_set, args.n)
            direct = statistics.median(kept)
            print(f"\n{engine}: one-row query, n={args.n}")
            print(f"  endpoint POST /v1/queries/one_row (HTTP): {us(endpoint)}")
            print(f"  direct pyodbc, open connection:          {us(kept)}")
            print(f"  direct pyodbc, connect per call:         {us(per_connect)}")
            print(f"  ratio endpoint / direct (open connection): "
                  f"{statistics.median(endpoint) / direct:6.2f}x   (target <= 1.5x)")
            print(f"  ratio endpoint / direct (connect per call): "
                  f"{statistics.median(endpoint) / statistics.median(per_connect):6.2f}x")
            print(f"  ratio (hop floor + direct) / direct, the best any aiohttp service with an "
                  f"executor hop can do: {(floor + direct) / direct:6.2f}x")
            print(f"  service overhead per call: "
                  f"{(statistics.median(endpoint) - direct) * 1e6:8.1f} µs, of which the HTTP "
                  f"round trip and the hop {floor * 1e6:.1f} µs and the service's own code "
                  f"{(statistics.median(endpoint) - direct - floor) * 1e6:.1f} µs")
    finally:
        if args.postgres:
            drop_postgres("crm_sql_bench")
    validator_bench(rounds=20)


if __name__ == "__main__":
    asyncio.run(main())
