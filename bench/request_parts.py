"""bench/request_parts: what each part of a one-row named query costs inside the service
(issue 15 item 2), found by taking the parts away one at a time.

Each variant runs in its own process: the whole application (memory store, one Tiger set on the
SQLite demo database), requests built in memory and handed to ``app._handle`` in a hot loop (no
socket, no client), the SQL run inline without the executor hop and its rows canned (no database),
so what is left is the service's own code and aiohttp's request handling. Then the named query's
service and SQL engine, the body's parse and check, and the rows' rendering are replaced by
stubs, one more in each variant; the differences are what those parts cost in the request's own
context (where a part costs 3-4x what it costs in an isolated micro-benchmark: caches, the
allocator). Two routes give the rest: ``GET /health/live`` (the middleware and aiohttp) and
``GET /v1/session`` (plus the API key and the session). The variants alternate for ``--rounds``
rounds; the best of each is printed. Asserts nothing.

Run: ``.venv/bin/python bench/request_parts.py [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiohttp import streams, web
from aiohttp.test_utils import make_mocked_request

from bench.common import KEY, bench_config, listen, quiet
from bench.sql import BODY, make_set
from integrator.api.keys import SESSIONS
from integrator.app import init_app
from integrator.sql.results import Column, Result

QUERY = ("POST", "/v1/queries/one_row")
# label, route, parts taken away (cumulative)
VARIANTS: list[tuple[str, tuple[str, str], tuple[str, ...]]] = [
    ("GET /health/live (middleware, aiohttp)", ("GET", "/health/live"), ()),
    ("GET /v1/session (+ API key, session)", ("GET", "/v1/session"), ()),
    ("named query, no database", QUERY, ("database",)),
    ("  without the named query's service + engine", QUERY, ("database", "service")),
    ("  and without the body's parse + XSD", QUERY, ("database", "service", "parse")),
    ("  and without the rows' rendering", QUERY, ("database", "service", "parse", "render")),
]
ROWS = Result((Column("CODE", "string"), Column("DEFINITION_", "string"), Column("TAXNR", "string")),
              [("120.02.0001", "ŞİŞLİ GIDA SANAYİ VE TİCARET A.Ş.", "3407233142")])


def take_away(parts: tuple[str, ...]) -> None:
    """Replace the named parts by stubs (in this process only)."""
    import integrator.api.lookups as handlers
    import integrator.services.lookups as lookups
    from integrator.sql.engine import SqlEngine

    if "database" in parts:
        async def inline(self: Any, fn: Any, *, timeout_s: float, what: str) -> Any:
            return fn()

        SqlEngine._hop = inline  # type: ignore[method-assign]
        SqlEngine._execute_one = lambda *args: ROWS  # type: ignore[method-assign]
    if "service" in parts:
        async def named_query(*args: Any) -> Result:
            return ROWS

        lookups.named_query = named_query  # type: ignore[assignment]
    if "parse" in parts:
        from lxml import etree

        parsed = etree.fromstring(BODY.encode())

        async def xml_body(request: web.Request, expected: Any) -> Any:
            await request.read()
            return parsed

        handlers.xml_body = xml_body  # type: ignore[assignment]
    if "render" in parts:
        handlers.render = mock.Mock(rows_text=lambda result: "<Rows/>")  # type: ignore[assignment]


async def warm_app(route: tuple[str, str], parts: tuple[str, ...],
                   db: str) -> tuple[web.Application, web.AppRunner, Callable[[], web.Request]]:
    """The application with ``parts`` taken away, served (started up), a session open and 300
    requests of ``route`` handled; (app, runner, a maker of the next request)."""
    take_away(parts)
    integration_set = make_set("BENCH", "sqlite", f"DRIVER={{SQLite3}};Database=file:{db}?mode=ro")
    config = bench_config(integration_set)
    quiet()
    app = init_app(config)
    runner, _ = await listen(app)
    session = (await app[SESSIONS].open("bench", None, "bench")).session_id
    headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/xml",
               "X-Session": session, "Content-Length": str(len(BODY.encode()))}
    loop = asyncio.get_running_loop()
    method, path = route

    def request() -> web.Request:
        payload = streams.StreamReader(mock.Mock(_reading_paused=False), 2**16, loop=loop)
        payload.feed_data(BODY.encode())
        payload.feed_eof()
        return make_mocked_request(method, path, headers=headers, app=app, payload=payload,
                                   loop=loop)

    for _ in range(300):
        answer = await app._handle(request())
        if answer.status != 200:
            raise SystemExit(f"{method} {path}: HTTP {answer.status}")
    return app, runner, request


async def measure(route: tuple[str, str], parts: tuple[str, ...], db: str,
                  requests_per_loop: int = 1000) -> float:
    """Best microseconds per request of ``app._handle`` over 7 loops of ``requests_per_loop``."""
    app, runner, request = await warm_app(route, parts, db)
    best = float("inf")
    for _ in range(7):
        requests = [request() for _ in range(requests_per_loop)]
        started = time.perf_counter()
        for item in requests:
            await app._handle(item)
        best = min(best, (time.perf_counter() - started) / requests_per_loop)
    await runner.cleanup()
    return best * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=1000,
                        help="requests per loop (7 loops per variant and round; the best counts)")
    parser.add_argument("--variant", type=int, help=argparse.SUPPRESS)  # the child's side
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant is not None:
        _, route, parts = VARIANTS[args.variant]
        print(asyncio.run(measure(route, parts, args.db, args.requests)))
        return
    from simulators.demodb.generate import ensure

    folder = Path(tempfile.mkdtemp(prefix="bench-parts-"))
    try:
        ensure(folder, scale=0.2)
        best = [float("inf")] * len(VARIANTS)
        for _ in range(args.rounds):
            for index in range(len(VARIANTS)):
                out = subprocess.run([sys.executable, __file__, "--variant", str(index),
                                      "--requests", str(args.requests), "--db",
                                      str(folder / "tiger.db")],
                                     capture_output=True, text=True, check=True)
                best[index] = min(best[index], float(out.stdout.strip().splitlines()[-1]))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"one-row named query, parts taken away one at a time: best µs per request of "
          f"app._handle in a hot loop, {args.rounds} alternating rounds")
    print_parts(best)


def print_parts(values: list[float], unit: str = "") -> None:
    """Each variant's figure and the parts' (their differences), one line each."""
    for (label, _, _), value in zip(VARIANTS, values, strict=True):
        print(f"  {label:<48} {value:7.1f}")
    live, session, query, no_service, no_parse, no_render = values
    print(f"what the parts cost in the request's context (differences{unit}):")
    for label, value in (
            ("the named query's service and SQL engine", query - no_service),
            ("the body read as XML: parse, XSD, the request", no_service - no_parse),
            ("the rows written as XML", no_parse - no_render),
            ("the rest of the query's route (body read, answer)", no_render - session),
            ("the API key and the session", session - live),
            ("the middleware and aiohttp (health route)", live)):
        print(f"  {label:<50} {value:7.1f}")


if __name__ == "__main__":
    main()
