"""bench/search: account searches through the service (F12, N7; docs/sql.md §8), each beside the
candidates its SQL superset holds, in one run.

For each query: the median time of ``GET /v1/accounts/search?q=…&limit=…`` through the service,
the rows the search read from the database (``integrator_sql_rows_total``, per search) and the
matches it answered, against the same statement run directly through pyodbc on an open
connection for every candidate (the cost of reading the whole superset). An ASCII query whose
first candidates match reads about ``limit + 1`` rows; a query of Turkish letters makes a weak
pattern and reads on until it has its matches.

Tiger demo database (SQLite through the SQLite3 ODBC driver) and the service, each in its own
process; queries alternating, medians of one run. Prints, never asserts.
Run: ``.venv/bin/python bench/search.py [--limit 20] [--runs 40]``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import pyodbc  # noqa: E402

from bench.common import median_ms, quiet, session, with_tiger_demo  # noqa: E402
from integrator.config import IntegrationSet  # noqa: E402
from integrator.services.text import like_pattern  # noqa: E402
from integrator.sql.compiler import compile_for  # noqa: E402
from integrator.sql.defaults import default_sql  # noqa: E402
from integrator.sql.params import shape_of  # noqa: E402

QUERIES = ("a", "120.0", "KAYA", "çay", "ŞİŞLİ", "ışık", "zzqx")



async def run(limit: int, runs: int) -> None:
    async def work(integration_set: IntegrationSet, port: int, db: Path) -> None:
        await _measure(integration_set, port, limit, runs)

    await with_tiger_demo("bench-search-", work)


def _rows_read(text: str, set_code: str) -> float:
    for line in text.splitlines():
        if line.startswith("integrator_sql_rows_total{") and f'set="{set_code}"' in line:
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def _measure(integration_set: IntegrationSet, port: int, limit: int, runs: int) -> None:
    quiet()
    headers = session(port)
    base = f"http://127.0.0.1:{port}"
    connection = pyodbc.connect(integration_set.database.connection_string.get_secret_value(),
                                autocommit=True)
    sql = default_sql("tiger", "account_search")

    def direct(query: str) -> tuple[float, int]:
        pattern = like_pattern(query, integration_set.database.engine)
        values = {"firm": 1, "period": 1, "code_pattern": pattern + "%",
                  "name_pattern": "%" + pattern + "%", "limit": 10_001}
        compiled = compile_for(integration_set, sql, shape_of(values))
        started = time.perf_counter()
        cursor = connection.cursor()
        cursor.execute(compiled.sql, *compiled.bind(values))
        count = len(cursor.fetchall())
        cursor.close()
        return time.perf_counter() - started, count

    async with aiohttp.ClientSession() as http:
        async def metrics() -> str:
            async with http.get(base + "/metrics", headers=headers) as response:
                return await response.text()

        async def search(query: str) -> tuple[float, int, float]:
            before = _rows_read(await metrics(), integration_set.code)
            path = f"/v1/accounts/search?q={urllib.parse.quote(query)}&limit={limit}"
            started = time.perf_counter()
            async with http.get(base + path, headers=headers) as response:
                text = await response.text()
                if response.status != 200:
                    raise SystemExit(f"{path}: HTTP {response.status} {text[:300]!r}")
            elapsed = time.perf_counter() - started
            read = _rows_read(await metrics(), integration_set.code) - before
            return elapsed, text.count("<Row "), read

        for query in QUERIES:  # warm up pools and compiled statements
            await search(query)
            direct(query)
        service: dict[str, list[float]] = {q: [] for q in QUERIES}
        bare: dict[str, list[float]] = {q: [] for q in QUERIES}
        shape: dict[str, tuple[int, float, int]] = {}
        for _ in range(runs):
            for query in QUERIES:
                elapsed, matched, read = await search(query)
                service[query].append(elapsed)
                seconds, candidates = direct(query)
                bare[query].append(seconds)
                shape[query] = (matched, read, candidates)
    connection.close()
    print(f"account search, limit {limit}, Tiger demo (SQLite, 601 accounts), medians of {runs} "
          "alternating runs")
    print(f"  {'query':8s} {'service':>10s} {'answered':>9s} {'rows read':>10s}   "
          f"{'every candidate, direct':>24s}")
    for query in QUERIES:
        matched, read, candidates = shape[query]
        print(f"  {query:8s} {median_ms(service[query]):7.2f} ms {matched:9d} {read:10.0f}   "
              f"{median_ms(bare[query]):10.2f} ms for {candidates:5d} rows")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    asyncio.run(run(args.limit, args.runs))


if __name__ == "__main__":
    main()
