"""bench/request_profile: where a one-row named query's time goes inside the service (issue 15 item 2).

The service runs in this process under cProfile; a client in a child process sends sequential
``POST /v1/queries/one_row`` requests on one keep-alive connection (as bench/sql.py does). Prints
the service functions with the most own time and the own time per request grouped by origin (the
service, aiohttp, asyncio, the C functions and system calls). cProfile slows Python code about
twice, so the groups matter more than the absolute microseconds; it also charges the time around
a pyodbc call that releases the GIL to the wrong frame, and py-spy's stacks of coroutines come
back truncated. For what a part of the request costs, stub it out and compare (docs/performance.md
§2: a hot loop over ``app._handle``), or alternate two versions of the service (bench/sql.py).
Run: ``.venv/bin/python bench/request_profile.py [--n 3000]``.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import http.client
import multiprocessing
import pstats
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import KEY, bench_config, listen, quiet
from bench.sql import BODY, make_set
from integrator.app import init_app
from simulators.demodb.generate import ensure

WARM_UP = 300


def client(port: int, n: int, events: Any) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/xml"}
    connection.request("POST", "/v1/sessions", body='<OpenSession user="bench"/>', headers=headers)
    text = connection.getresponse().read().decode()
    headers["X-Session"] = text.split('id="')[1].split('"')[0]
    for i in range(n + WARM_UP):
        if i == WARM_UP:
            events.put("start")
        connection.request("POST", "/v1/queries/one_row", body=BODY.encode(), headers=headers)
        connection.getresponse().read()
    events.put("done")


def origin(filename: str) -> str:
    if "/integrator/" in filename:
        return "the service (integrator/)"
    for name in ("aiohttp", "asyncio", "prometheus_client", "structlog", "multidict", "yarl"):
        if f"/{name}/" in filename:
            return name
    return "C functions and system calls" if filename == "~" else "other Python"


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=3000)
    n = parser.parse_args().n
    folder = Path(tempfile.mkdtemp(prefix="bench-profile-"))
    ensure(folder)
    integration_set = make_set("BENCH", "sqlite", f"DRIVER={{SQLite3}};Database={folder / 'tiger.db'}")
    config = bench_config(integration_set)
    quiet()
    runner, port = await listen(init_app(config))
    context = multiprocessing.get_context("fork")
    events = context.Queue()
    child = context.Process(target=client, args=(port, n, events))
    child.start()
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, events.get)
    profile = cProfile.Profile()
    profile.enable()
    started = time.perf_counter()
    await loop.run_in_executor(None, events.get)
    elapsed = time.perf_counter() - started
    profile.disable()
    child.join(10)
    await runner.cleanup()
    stats = pstats.Stats(profile)
    print(f"{n} named queries, {elapsed / n * 1e6:.0f} µs each under the profiler")
    groups: Counter[str] = Counter()
    own: list[tuple[float, str]] = []
    for (filename, line, name), (_, _, tottime, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        groups[origin(filename)] += tottime
        if "/integrator/" in filename:
            own.append((tottime, f"{filename.split('/integrator/')[1]}:{line} {name}"))
    print("\nown time per request by origin (µs; the waiting in epoll is idle time)")
    for group, seconds in groups.most_common():
        print(f"  {seconds / n * 1e6:8.1f}  {group}")
    print("\nthe service's functions with the most own time (µs per request)")
    for seconds, where in sorted(own, reverse=True)[:20]:
        print(f"  {seconds / n * 1e6:8.1f}  {where}")


if __name__ == "__main__":
    asyncio.run(main())
