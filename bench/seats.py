"""bench/seats: how busy a set's shared ERP write seats stay when several replicas write (N5, N6;
issue 15 item 5).

Replicas (``--replicas``, each a process with its own ``RedisStore`` and ``SharedWriteLimiter``,
as each worker of ``integrator serve --workers N`` has) share ``--seats`` seats of one set
on the local Redis. Each replica runs ``--writers`` writers that write back to back; a write holds
its seat for ``--write-ms`` (a sleep standing in for the ERP call). Two ways, alternating for
``--rounds`` rounds: the waiters woken only by their own replica's writes and their polls (the
code before issue 15's ninth round), and woken also by the store's notice of a seat another
replica freed (``sessions.freed``). Prints writes/s, the seats' use (busy seat-time over the
seats' time: 100 % is what the limit allows) and the wait for a seat; asserts nothing.

Run: ``.venv/bin/python bench/seats.py [--replicas 2 --seats 2 --writers 8 --write-ms 4]``
(needs Redis on 127.0.0.1:6379).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import redis

from bench.common import FORK, quiet
from integrator.erp.resilience import SharedWriteLimiter
from integrator.metrics import Metrics
from integrator.sessions.redis_store import RedisStore

REDIS_URL = "redis://127.0.0.1:6379/0"


def _unwatched(key: str, wake: Callable[[], None]) -> Callable[[], None]:
    return lambda: None


async def replica(args: argparse.Namespace, prefix: str, notices: bool,
                  start: float) -> tuple[int, list[float]]:
    """One replica's writers (in its own process); (writes, waits in seconds)."""
    store = RedisStore(REDIS_URL, prefix=prefix)
    if not notices:
        store.lease_watch = _unwatched  # type: ignore[method-assign]
    metrics = Metrics()
    limiter = SharedWriteLimiter("BENCH", seats=args.seats, queue=10_000, leases=store,
                                 lease_s=15, depth=metrics.write_queue_depth,
                                 in_flight=metrics.write_in_flight)
    waits: list[float] = []
    writes = 0
    await asyncio.sleep(max(0.0, start - time.time()))  # the replicas start together
    deadline = time.monotonic() + args.seconds

    async def writer() -> None:
        nonlocal writes
        while time.monotonic() < deadline:
            asked = time.monotonic()
            async with limiter.seat(60):
                waits.append(time.monotonic() - asked)
                await asyncio.sleep(args.write_ms / 1000)
            writes += 1

    try:
        await asyncio.gather(*(writer() for _ in range(args.writers)))
    finally:
        await store.close()
    return writes, waits


def replica_main(args: argparse.Namespace, prefix: str, notices: bool, start: float,
                 results: Any) -> None:
    quiet()
    results.put(asyncio.run(replica(args, prefix, notices, start)))


def run(args: argparse.Namespace, notices: bool) -> tuple[list[int], list[float]]:
    """(writes per replica, waits in seconds) of one run: the replicas in processes of their
    own."""
    prefix = f"bench-seats:{uuid.uuid4().hex[:12]}:"
    results = FORK.Queue()
    start = time.time() + 0.5
    processes = [FORK.Process(target=replica_main, args=(args, prefix, notices, start, results))
                 for _ in range(args.replicas)]
    for process in processes:
        process.start()
    try:
        outcomes = [results.get(timeout=args.seconds + 60) for _ in processes]
    finally:
        for process in processes:
            process.join(10)
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(match=prefix + "*"))
        if keys:
            client.delete(*keys)
        client.close()
    return [w for w, _ in outcomes], [t for _, waits in outcomes for t in waits]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--seats", type=int, default=2)
    parser.add_argument("--writers", type=int, default=8, help="writers per replica")
    parser.add_argument("--write-ms", type=float, default=4.0)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    quiet()
    figures: dict[bool, list[tuple[float, float, float, float, float]]] = {False: [], True: []}
    for _ in range(args.rounds):
        for notices in (False, True):
            shares, waits = run(args, notices)
            writes = sum(shares)
            rate = writes / args.seconds
            used = writes * args.write_ms / 1000 / (args.seats * args.seconds)
            ordered = sorted(waits)
            figures[notices].append((rate, used, statistics.median(ordered) * 1000,
                                     ordered[int(len(ordered) * 0.99)] * 1000,
                                     min(shares) / max(max(shares), 1)))
    print(f"bench/seats: {args.replicas} replicas x {args.writers} writers share {args.seats} "
          f"write seats (Redis); a write holds its seat {args.write_ms:g} ms; {args.seconds:g} s "
          f"per run, {args.rounds} rounds alternating; the limit allows "
          f"{args.seats / args.write_ms * 1000:,.0f} writes/s")
    medians = {}
    for notices, label in ((False, "woken by own writes + polls"),
                           (True, "+ other replicas' notices")):
        rows = figures[notices]
        rate, used, p50, p99, fair = (statistics.median(r[i] for r in rows) for i in range(5))
        medians[notices] = rate
        print(f"  {label:<30} {rate:8,.0f} writes/s  seats used {used:6.1%}  wait for a seat "
              f"p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  fewest/most writes of a replica "
              f"{fair:4.2f}  (median of {len(rows)})")
    print(f"  notices / polls: {medians[True] / medians[False]:.2f}x the writes")


if __name__ == "__main__":
    main()
