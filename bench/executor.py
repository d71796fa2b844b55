"""bench/executor: the service's ODBC hops (``integrator.sql.threads.LifoExecutor.hop``: the most
recently idle thread takes the next hop and settles an asyncio future itself) against the two ways
before them — ``loop.run_in_executor`` on ``concurrent.futures.ThreadPoolExecutor`` (its queue
wakes the idle threads in turn; what any aiohttp service does) and ``loop.run_in_executor`` on the
LIFO pool — in one run (N7; issue 15 item 2). Prints numbers side by side; asserts nothing.
Run: ``.venv/bin/python bench/executor.py [--n 3000] [--rounds 10]``.

Three copies of the whole service, each in its own process on 127.0.0.1 and the same SQLite demo
database (memory store, ``odbc.max_workers`` 8), differ only in how a hop is made. The same
one-row named query as ``bench/sql.py`` (``POST /v1/queries/one_row``) goes to them in turn:

* sequentially (one keep-alive connection, blocks of 50 alternating): the wall-clock median and
  the serving process's CPU per request;
* with 8 requests in flight (an aiohttp client, blocks of ``--per`` requests alternating, the
  first round a warm-up): requests per second and the serving CPU per request.

Also, without HTTP, the hop alone: the query run through each kind of hop with all 8 threads
started, in alternating blocks, against the query called directly.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp
import pyodbc

from bench.common import serve_service_with
from bench.sql import BODY, ONE_ROW, Target, alternating_times, cpu_seconds, make_set
from integrator.sql.compiler import compile_for
from integrator.sql.params import shape_of
from integrator.sql.threads import LifoExecutor

T = TypeVar("T")
POOLS = ("ThreadPool+run_in_executor", "Lifo+run_in_executor", "LifoExecutor.hop")
THREADS = 8


class RunInExecutor:
    """Hops through ``loop.run_in_executor`` on a ``concurrent.futures`` executor: the service's
    hops before ``LifoExecutor.hop``."""

    def __init__(self, executor: Executor) -> None:
        self.executor = executor

    @property
    def max_workers(self) -> int:  # the pools keep as many idle connections (sql.engine.Hops)
        return THREADS

    def hop(self, fn: Callable[[], T]) -> asyncio.Future[T]:
        return asyncio.get_running_loop().run_in_executor(self.executor, fn)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.executor.shutdown(wait, cancel_futures=cancel_futures)


def make_pool(kind: str) -> RunInExecutor | LifoExecutor:
    if kind == POOLS[0]:
        return RunInExecutor(ThreadPoolExecutor(THREADS, thread_name_prefix="odbc"))
    if kind == POOLS[1]:
        return RunInExecutor(LifoExecutor(THREADS, thread_name_prefix="odbc"))
    return LifoExecutor(THREADS, thread_name_prefix="odbc")


def serve_with_pool(set_json: str, kind: str, ports: Any) -> None:
    """In a child process: the service, its ODBC executor of the given kind."""
    import integrator.app as app_module

    app_module.LifoExecutor = lambda n, thread_name_prefix: make_pool(kind)  # type: ignore[assignment,misc]
    serve_service_with(set_json, "{}", ports)


async def in_flight(servers: dict[str, Target], rounds: int, per: int,
                    concurrency: int = 8) -> dict[str, tuple[float, float]]:
    """(requests/s, serving CPU µs per request) of each server with ``concurrency`` in flight."""
    totals = {label: [0.0, 0.0, 0] for label in servers}
    async with aiohttp.ClientSession() as http:
        for round_ in range(rounds + 1):
            for label, target in servers.items():
                url = f"http://127.0.0.1:{target.connection.port}{target.path}"
                left = [per]

                async def client(url: str = url, target: Target = target, left: list[int] = left) -> None:
                    while left[0] > 0:
                        left[0] -= 1
                        async with http.post(url, data=BODY.encode(), headers=target.headers) as reply:
                            await reply.read()
                            if reply.status != 200:
                                raise SystemExit(f"HTTP {reply.status}")

                cpu, started = cpu_seconds(target.child.pid), time.perf_counter()
                await asyncio.gather(*[client() for _ in range(concurrency)])
                if round_:  # the first round warms up
                    totals[label][0] += time.perf_counter() - started
                    totals[label][1] += cpu_seconds(target.child.pid) - cpu
                    totals[label][2] += per
    return {label: (n / wall, cpu / n * 1e6) for label, (wall, cpu, n) in totals.items()}


async def hops(connection_string: str, sql: str, rounds: int = 30,
               block: int = 500) -> dict[str, float]:
    """Median µs of the query called directly and through a hop on each pool (8 threads up)."""
    connection = pyodbc.connect(connection_string, autocommit=True)

    def query() -> Any:
        cursor = connection.cursor()
        cursor.execute(sql, 2)
        rows = cursor.fetchall()
        cursor.close()
        return rows

    pools = {kind: make_pool(kind) for kind in POOLS}
    for pool in pools.values():  # start every thread: a loaded service has them all
        await asyncio.gather(*[pool.hop(lambda: time.sleep(0.01)) for _ in range(THREADS)])
    times: dict[str, list[float]] = {"direct": [], **{kind: [] for kind in POOLS}}
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(block):
            query()
        times["direct"].append((time.perf_counter() - started) / block)
        for kind, pool in pools.items():
            started = time.perf_counter()
            for _ in range(block):
                await pool.hop(query)
            times[kind].append((time.perf_counter() - started) / block)
    for pool in pools.values():
        pool.shutdown()
    connection.close()
    return {label: statistics.median(values) * 1e6 for label, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=3000, help="sequential requests per server")
    parser.add_argument("--rounds", type=int, default=10, help="rounds with requests in flight")
    parser.add_argument("--per", type=int, default=400, help="requests per server per round")
    args = parser.parse_args()
    from integrator.sessions.registry import set_to_json
    from simulators.demodb.generate import ensure

    folder = Path(tempfile.mkdtemp(prefix="bench-executor-"))
    ensure(folder, scale=0.2)
    integration_set = make_set("BENCH-SQLITE", "sqlite",
                               f"DRIVER={{SQLite3}};Database=file:{folder}/tiger.db?mode=ro")
    set_json = set_to_json(integration_set).decode()
    servers = {kind: Target(serve_with_pool, (set_json, kind), "/v1/queries/one_row", session=True)
               for kind in POOLS}
    try:
        times, cpu = alternating_times(servers, args.n)
        loaded = asyncio.run(in_flight(servers, args.rounds, args.per))
    finally:
        for server in servers.values():
            server.close()
    sql = compile_for(integration_set, ONE_ROW, shape_of({"ref": 2})).sql
    hop = asyncio.run(hops(integration_set.database.connection_string.get_secret_value(), sql))

    new = POOLS[-1]
    print(f"the ODBC hops, {THREADS} threads: {', '.join(POOLS[:2])} against {new} (the "
          "service's), one run")
    print(f"  sequential, n={args.n} each (median wall, serving CPU per request):")
    for kind in POOLS:
        print(f"    {kind:<27} {statistics.median(times[kind]) * 1e6:8.1f} µs   "
              f"CPU {cpu[kind] * 1e6:8.1f} µs")
    print(f"  8 requests in flight, {args.rounds} x {args.per} each (throughput, serving CPU per request):")
    for kind in POOLS:
        rate, per_request = loaded[kind]
        print(f"    {kind:<27} {rate:8.0f} req/s   CPU {per_request:8.1f} µs")
    print(f"  the query in a hop, no HTTP, all {THREADS} threads started (median µs):")
    print(f"    {'direct call':<27} {hop['direct']:8.1f}")
    for kind in POOLS:
        print(f"    {kind:<27} {hop[kind]:8.1f}   the hop adds {hop[kind] - hop['direct']:6.1f}")
    for base in POOLS[:2]:
        print(f"  {new} / {base}: sequential wall "
              f"{_ratio(statistics.median(times[new]), statistics.median(times[base]))}, "
              f"CPU {_ratio(cpu[new], cpu[base])}; in flight throughput "
              f"{_ratio(loaded[new][0], loaded[base][0])}, CPU "
              f"{_ratio(loaded[new][1], loaded[base][1])}; the hop {_ratio(hop[new], hop[base])}")


def _ratio(value: float, base: float) -> str:
    """``value / base`` as ``0.913x``; a CPU time read from /proc counts 10 ms ticks, so a short
    run can measure none."""
    return f"{value / base:.3f}x" if base else "n/a (none measured: a longer run)"


if __name__ == "__main__":
    main()
