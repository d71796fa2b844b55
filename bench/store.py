"""bench/store: what one shared-store call on Redis costs the service (issue 15, SPEC N6/N7).
Prints, asserts nothing. Needs Redis at 127.0.0.1:6379. Run: ``.venv/bin/python bench/store.py
[--calls 2000] [--rounds 7] [--loop uvloop|asyncio] [--instructions]``.

Four calls the service makes on every request or create, each three ways against the same Redis,
alternating in rounds of ``--calls`` sequential calls on one event loop (uvloop, the service's
default):

* ``bare``: the command's bytes written and its reply read on a bare asyncio stream (the loopback
  round trip and the event loop's own work: the floor any client pays);
* ``redis-py``: redis-py's asyncio client configured as the store configured it until the tenth
  round (``Redis.from_url`` with a socket timeout and ``health_check_interval=30``;
  ``register_script`` for the script; ``pipeline(transaction=False)``);
* ``store``: ``RedisStore``'s own method (``sessions.redis_wire``).

The calls: ``GET`` (``store.get``), ``GETEX`` (``get_and_touch``, a session read), ``GETEX`` and
``HGET`` pipelined (``get_and_touch_with_version``, the session read on a pushed set),
``EVALSHA`` of the write-seat script (``lease_acquire``), and the five round trips of an account
create in turn (the session read; the claim with its three reads, ``set_if_absent_then_get``;
the write seat taken and freed, ``lease_acquire`` and ``lease_release``; the link written and the
claim freed, ``set_then_delete_if_equal``). Prints the median per call over the rounds, wall
time and this process's CPU time, and each way's ratio to ``bare``.

``--instructions`` counts instead the instructions each way runs per call (valgrind's callgrind,
each way in a child process with counting on only for ``--calls`` calls after a warm-up), which
the machine's other work does not move: what a change removes shows there first.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import redis.asyncio as aioredis

from bench.callgrind import available, count_instructions
from bench.common import remove_keys
from integrator.api.server import loop_factory
from integrator.sessions.redis_store import (
    _LEASE_ACQUIRE,
    _LEASE_RELEASE,
    _SET_THEN_DELETE_IF_EQUAL,
    RedisStore,
)

URL = "redis://127.0.0.1:6379/0"
HOST, PORT = "127.0.0.1", 6379
CALLS = ("GET", "GETEX", "GETEX + HGET pipelined", "EVALSHA (lease_acquire)",
         "a create's 5 round trips")
WAYS = ("bare", "redis-py", "store")

Call = Callable[[], Awaitable[Any]]


def resp(*args: bytes | str | int) -> bytes:
    """A command in RESP, as any client writes it."""
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        raw = arg if isinstance(arg, bytes) else str(arg).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(raw), raw))
    return b"".join(parts)


class Bare:
    """A bare asyncio stream: writes each command's bytes in turn, reads its reply's known
    length."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    def calls(self, commands: list[tuple[bytes, int]]) -> Call:
        async def run() -> None:
            for command, reply_bytes in commands:
                self.writer.write(command)
                await self.reader.readexactly(reply_bytes)
        return run


async def reply_length(command: bytes) -> int:
    """How many bytes Redis answers ``command`` with (the bare way reads exactly that)."""
    reader, writer = await asyncio.open_connection(HOST, PORT)
    writer.write(command)
    await asyncio.sleep(0.05)
    data = await reader.read(65536)
    writer.close()
    return len(data)


async def setup(prefix: str) -> tuple[dict[tuple[str, str], Call], Callable[[], Awaitable[None]]]:
    """Every (call, way) ready to run, and what closes them."""
    store = RedisStore(URL, prefix=prefix)
    client = aioredis.Redis.from_url(URL, health_check_interval=30, socket_timeout=2.0,
                                     socket_connect_timeout=2.0)
    acquire = client.register_script(_LEASE_ACQUIRE.text)
    release = client.register_script(_LEASE_RELEASE.text)
    link_and_free = client.register_script(_SET_THEN_DELETE_IF_EQUAL.text)
    reader, writer = await asyncio.open_connection(HOST, PORT)
    bare = Bare(reader, writer)
    k = {name: prefix + name for name in ("session", "set", "claim", "link", "pending",
                                          "deleting", "write-seats:B")}
    holder, token, link = "holder", b"t" * 32, b'{"ref": "602", "code": "S.1"}'
    channel, notice = store._freed.channel, store._freed.notice("write-seats:B")
    await store.set("session", b"s" * 300, ttl_s=600)
    await store.put_versioned("set", b"{}")

    async def store_create() -> None:
        await store.get_and_touch_with_version("session", 600, "set")
        await store.set_if_absent_then_get("claim", token, ttl_s=215,
                                           read=["link", "pending", "deleting"])
        await store.lease_acquire("write-seats:B", holder, limit=2, lease_s=15)
        await store.lease_release("write-seats:B", holder)
        await store.set_then_delete_if_equal("link", link, ttl_s=600, owned="claim", token=token)

    async def redis_py_create() -> None:  # as the store made them until the tenth round
        pipe = client.pipeline(transaction=False)
        pipe.getex(k["session"], px=600_000)
        pipe.hget(k["set"], "version")
        await pipe.execute()
        pipe = client.pipeline(transaction=False)
        pipe.set(k["claim"], token, px=215_000, nx=True)
        for name in ("link", "pending", "deleting"):
            pipe.get(k[name])
        await pipe.execute()
        await acquire(keys=[k["write-seats:B"]], args=[holder, 15_000, 2])
        await release(keys=[k["write-seats:B"]], args=[holder, channel, notice])
        await link_and_free(keys=[k["link"], k["claim"]], args=[link, 600_000, token])

    async def pipelined() -> Any:
        pipe = client.pipeline(transaction=False)
        pipe.getex(k["session"], px=600_000)
        pipe.hget(k["set"], "version")
        return await pipe.execute()

    await store_create()  # the link exists from here on: every create reads the same replies
    session_read = resp("GETEX", k["session"], "PX", 600_000) + resp("HGET", k["set"], "version")
    create = [
        session_read,
        resp("SET", k["claim"], token, "PX", 215_000, "NX") + b"".join(
            resp("GET", k[name]) for name in ("link", "pending", "deleting")),
        resp("EVALSHA", _LEASE_ACQUIRE.sha, 1, k["write-seats:B"], holder, 15_000, 2),
        resp("EVALSHA", _LEASE_RELEASE.sha, 1, k["write-seats:B"], holder, channel, notice),
        resp("EVALSHA", _SET_THEN_DELETE_IF_EQUAL.sha, 2, k["link"], k["claim"], link, 600_000,
             token),
    ]
    await store.lease_acquire("write-seats:B", "seated", limit=2, lease_s=600)
    singles = {
        "GET": resp("GET", k["session"]),
        "GETEX": resp("GETEX", k["session"], "PX", 600_000),
        "GETEX + HGET pipelined": session_read,
        "EVALSHA (lease_acquire)": resp("EVALSHA", _LEASE_ACQUIRE.sha, 1, k["write-seats:B"],
                                        "seated", 600_000, 2),
    }
    calls: dict[tuple[str, str], Call] = {
        ("GET", "redis-py"): lambda: client.get(k["session"]),
        ("GET", "store"): lambda: store.get("session"),
        ("GETEX", "redis-py"): lambda: client.getex(k["session"], px=600_000),
        ("GETEX", "store"): lambda: store.get_and_touch("session", 600),
        ("GETEX + HGET pipelined", "redis-py"): pipelined,
        ("GETEX + HGET pipelined", "store"): lambda: store.get_and_touch_with_version(
            "session", 600, "set"),
        ("EVALSHA (lease_acquire)", "redis-py"): lambda: acquire(
            keys=[k["write-seats:B"]], args=["seated", 600_000, 2]),
        ("EVALSHA (lease_acquire)", "store"): lambda: store.lease_acquire(
            "write-seats:B", "seated", limit=2, lease_s=600),
        ("a create's 5 round trips", "redis-py"): redis_py_create,
        ("a create's 5 round trips", "store"): store_create,
    }
    for name, command in singles.items():
        calls[(name, "bare")] = bare.calls([(command, await reply_length(command))])
    calls[("a create's 5 round trips", "bare")] = bare.calls(
        [(command, await reply_length(command)) for command in create])

    async def close() -> None:
        writer.close()
        await client.aclose()
        await store.close()

    return calls, close


async def timed(call: Call, n: int) -> tuple[float, float]:
    """(wall, CPU) µs per call over ``n`` sequential calls."""
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        await call()
    return ((time.perf_counter() - wall) / n * 1e6, (time.process_time() - cpu) / n * 1e6)


async def run_times(calls_n: int, rounds: int, prefix: str) -> None:
    calls, close = await setup(prefix)
    try:
        for call in calls.values():  # warm: connections made, code paths run
            for _ in range(200):
                await call()
        results: dict[tuple[str, str], list[tuple[float, float]]] = {k: [] for k in calls}
        for _ in range(rounds):
            for name in CALLS:
                for way in WAYS:
                    results[(name, way)].append(await timed(calls[(name, way)], calls_n))
    finally:
        await close()
    print(f"one store call on loopback Redis, µs per call, median of {rounds} rounds of "
          f"{calls_n} sequential calls, ways alternating; in brackets the ratio to bare")
    print(f"  {'call':26s} {'way':9s} {'wall':>7s} {'':9s} {'CPU':>7s}")
    for name in CALLS:
        floor_wall = statistics.median(w for w, _ in results[(name, "bare")])
        floor_cpu = statistics.median(c for _, c in results[(name, "bare")])
        for way in WAYS:
            wall = statistics.median(w for w, _ in results[(name, way)])
            cpu = statistics.median(c for _, c in results[(name, way)])
            print(f"  {name:26s} {way:9s} {wall:7.1f} ({wall / floor_wall:4.2f}x) "
                  f"{cpu:7.1f} ({cpu / floor_cpu:4.2f}x)")
        redis_py = statistics.median(c for _, c in results[(name, "redis-py")])
        store = statistics.median(c for _, c in results[(name, "store")])
        print(f"  {'':26s} store / redis-py CPU: {store / redis_py:4.2f}x")


async def child(name: str, way: str, n: int, prefix: str) -> None:
    """One way of one call, counted by the parent between the two lines it prints."""
    calls, close = await setup(prefix)
    call = calls[(name, way)]
    for _ in range(300):
        await call()
    print("ready", flush=True)
    sys.stdin.readline()
    for _ in range(n):
        await call()
    print("done", flush=True)
    sys.stdin.readline()
    await close()


def count(name: str, way: str, n: int, loop: str, prefix: str) -> float:
    """Instructions per call of one way, from a child under callgrind."""
    return count_instructions([__file__, "--child", name, way, "--calls", str(n), "--loop", loop,
                               "--prefix", prefix], n, timeout_s=600)


def run_instructions(calls_n: int, loop: str, prefix: str) -> None:
    if not available():
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    print(f"one store call on loopback Redis, thousands of instructions per call (callgrind, "
          f"{calls_n} calls each, {loop}); in brackets the ratio to bare")
    for name in CALLS:
        counts = {way: count(name, way, calls_n, loop, prefix) / 1000 for way in WAYS}
        print("  " + f"{name:26s} " + "  ".join(
            f"{way} {counts[way]:6.1f} ({counts[way] / counts['bare']:4.2f}x)" for way in WAYS)
            + f"  store / redis-py {counts['store'] / counts['redis-py']:4.2f}x", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=2000, help="calls per way and round")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--loop", choices=["uvloop", "asyncio"], default="uvloop")
    parser.add_argument("--instructions", action="store_true",
                        help="count instructions under callgrind instead of timing")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)  # the counted child's side
    parser.add_argument("--prefix", help=argparse.SUPPRESS)
    args = parser.parse_args()
    prefix = args.prefix or f"bench:{os.getpid()}:store:"
    try:
        with asyncio.Runner(loop_factory=loop_factory(args.loop)) as runner:
            if args.child:
                runner.run(child(*args.child, args.calls, prefix))
            elif not args.instructions:
                runner.run(run_times(args.calls, args.rounds, prefix))
        if args.instructions and not args.child:
            run_instructions(args.calls, args.loop, prefix)
    finally:
        if not args.child:
            remove_keys(URL, prefix)


if __name__ == "__main__":
    main()
