"""The ODBC thread pool (integrator.sql.threads, N7): a bounded executor whose most recently
idle thread takes the next job. Real threads, nothing mocked."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import CancelledError, Future

import pytest

from integrator.sql.threads import LifoExecutor

WAIT_S = 10.0


@pytest.fixture
def pool() -> Iterator[LifoExecutor]:
    executor = LifoExecutor(3, thread_name_prefix="odbc-test")
    yield executor
    executor.shutdown(wait=True, cancel_futures=True)


def until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


def held(gate: threading.Event, running: list[int] | None = None) -> Callable[[], int]:
    """A job that waits for its gate and returns the thread it ran on (and, while it waits, is
    in ``running``: a started thread may take a while to reach its first job on a busy machine)."""
    def job() -> int:
        if running is not None:
            running.append(threading.get_ident())
        assert gate.wait(WAIT_S)
        return threading.get_ident()
    return job


def test_results_and_exceptions_reach_the_caller_n7(pool: LifoExecutor) -> None:
    assert pool.submit(pow, 2, 10).result(WAIT_S) == 1024
    assert pool.submit(lambda *, x: x * 2, x=21).result(WAIT_S) == 42
    with pytest.raises(ZeroDivisionError):
        pool.submit(lambda: 1 // 0).result(WAIT_S)
    assert pool.submit(threading.current_thread).result(WAIT_S).name.startswith("odbc-test_")


def test_the_thread_that_went_idle_last_takes_the_next_job_n7(pool: LifoExecutor) -> None:
    gates = [threading.Event() for _ in range(3)]
    running: list[int] = []
    futures = [pool.submit(held(gate, running)) for gate in gates]
    until(lambda: len(running) == 3)
    threads = []
    for number, (gate, future) in enumerate(zip(gates, futures, strict=True), start=1):
        gate.set()  # the three finish one after another, in this order
        threads.append(future.result(WAIT_S))
        until(lambda number=number: pool.idle_count == number)  # type: ignore[misc]
    assert len(set(threads)) == 3
    # a FIFO pool (ThreadPoolExecutor's queue) would wake threads[0], the coldest
    assert pool.submit(threading.get_ident).result(WAIT_S) == threads[2]
    assert pool.submit(threading.get_ident).result(WAIT_S) == threads[2]


def test_sequential_hops_stay_on_one_thread_n7(pool: LifoExecutor) -> None:
    async def hops() -> set[int]:
        loop = asyncio.get_running_loop()
        seen = set()
        for _ in range(200):
            seen.add(await loop.run_in_executor(pool, threading.get_ident))
        return seen
    assert len(asyncio.run(hops())) == 1
    assert pool.thread_count == 1


def test_at_most_max_workers_threads_and_a_backlog_runs_in_order_n7(pool: LifoExecutor) -> None:
    gate = threading.Event()
    running: list[int] = []
    blocked = [pool.submit(held(gate, running)) for _ in range(3)]
    until(lambda: len(running) == 3)
    done: list[int] = []
    lock = threading.Lock()

    def record(n: int) -> int:
        with lock:
            done.append(n)
        return n

    queued = [pool.submit(record, n) for n in range(20)]
    assert pool.thread_count == 3
    assert done == []
    gate.set()
    assert [f.result(WAIT_S) for f in queued] == list(range(20))
    assert pool.thread_count == 3
    assert len({f.result(WAIT_S) for f in blocked}) == 3


def test_a_job_cancelled_before_it_starts_never_runs_n7() -> None:
    pool = LifoExecutor(1)
    try:
        gate = threading.Event()
        first = pool.submit(held(gate))
        ran = threading.Event()
        second = pool.submit(ran.set)
        assert second.cancel()
        gate.set()
        first.result(WAIT_S)
        assert pool.submit(lambda: "after").result(WAIT_S) == "after"
        assert not ran.is_set()
        with pytest.raises(CancelledError):
            second.result(0)
    finally:
        pool.shutdown()


def test_an_asyncio_timeout_cancels_a_hop_still_waiting_for_a_thread_n7() -> None:
    pool = LifoExecutor(1)
    gate = threading.Event()
    ran = threading.Event()

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        busy = loop.run_in_executor(pool, held(gate))
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.05):
                await loop.run_in_executor(pool, ran.set)
        gate.set()
        await busy
        assert await loop.run_in_executor(pool, lambda: 7) == 7

    try:
        asyncio.run(scenario())
        assert not ran.is_set()
    finally:
        pool.shutdown()


@pytest.mark.parametrize("cancel", [False, True])
def test_shutdown_runs_or_cancels_the_backlog_and_refuses_new_jobs_n7(cancel: bool) -> None:
    pool = LifoExecutor(2)
    gate = threading.Event()
    started: list[int] = []
    running = [pool.submit(held(gate, started)) for _ in range(2)]
    until(lambda: len(started) == 2)
    backlog: list[Future[int]] = [pool.submit(lambda n=n: n) for n in range(5)]  # type: ignore[misc]
    stopper = threading.Thread(target=pool.shutdown, kwargs={"cancel_futures": cancel})
    stopper.start()
    until(lambda: pool._shutdown)
    with pytest.raises(RuntimeError, match="after shutdown"):
        pool.submit(int)
    gate.set()
    stopper.join(WAIT_S)
    assert not stopper.is_alive()
    assert all(not t.is_alive() for t in pool._threads)
    assert len({f.result(0) for f in running}) == 2
    if cancel:
        assert all(f.cancelled() for f in backlog)
    else:
        assert [f.result(0) for f in backlog] == list(range(5))


def test_idle_threads_end_at_shutdown_n7() -> None:
    pool = LifoExecutor(4)
    gate = threading.Event()
    futures = [pool.submit(held(gate)) for _ in range(4)]
    gate.set()
    for future in futures:
        future.result(WAIT_S)
    until(lambda: pool.idle_count == 4)
    pool.shutdown(wait=True)
    assert all(not t.is_alive() for t in pool._threads)


def test_many_submitters_at_once_n7(pool: LifoExecutor) -> None:
    results: list[list[int]] = [[] for _ in range(4)]

    def submitter(index: int) -> None:
        futures = [pool.submit(lambda n=n: n * n) for n in range(500)]  # type: ignore[misc]
        results[index] = [f.result(WAIT_S) for f in futures]

    threads = [threading.Thread(target=submitter, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT_S * 3)
    assert results == [[n * n for n in range(500)]] * 4
    assert pool.thread_count <= 3


# -- hop: the asyncio side the SQL engine uses ---------------------------------------------------
def test_a_hop_hands_its_result_or_exception_to_the_awaiting_coroutine_n7(pool: LifoExecutor) -> None:
    main = threading.get_ident()

    async def scenario() -> None:
        assert await pool.hop(threading.get_ident) != main
        assert await pool.hop(lambda: 6 * 7) == 42
        with pytest.raises(ZeroDivisionError):
            await pool.hop(lambda: 1 // 0)
        with pytest.raises(RuntimeError, match="StopIteration"):  # an asyncio future refuses it
            await pool.hop(lambda: next(iter(())))
        # the threads stay the pool's own: sequential hops keep to one warm thread
        assert len({await pool.hop(threading.get_ident) for _ in range(20)}) == 1

    asyncio.run(scenario())


def test_a_hop_cancelled_while_it_waits_for_a_thread_never_runs_n7() -> None:
    pool = LifoExecutor(1)
    gate = threading.Event()
    ran = threading.Event()

    async def scenario() -> None:
        busy = pool.hop(held(gate))
        waiting = pool.hop(ran.set)
        waiting.cancel()
        gate.set()
        await busy
        assert await pool.hop(lambda: "after") == "after"
        with pytest.raises(asyncio.CancelledError):
            await waiting

    try:
        asyncio.run(scenario())
        assert not ran.is_set()
    finally:
        pool.shutdown()


def test_shutdown_cancels_the_hops_of_the_backlog_n7() -> None:
    pool = LifoExecutor(1)
    gate = threading.Event()

    async def scenario() -> None:
        busy = pool.hop(held(gate))
        backlog = [pool.hop(lambda n=n: n) for n in range(3)]  # type: ignore[misc]
        await asyncio.sleep(0.01)
        pool.shutdown(wait=False, cancel_futures=True)
        gate.set()
        assert isinstance(await busy, int)  # the running one ends and is answered
        for future in backlog:
            with pytest.raises(asyncio.CancelledError):
                await future

    asyncio.run(scenario())
    pool.shutdown(wait=True)
    assert all(not t.is_alive() for t in pool._threads)


def test_a_hop_that_ends_after_its_loop_closed_leaves_the_pool_working_n7(pool: LifoExecutor) -> None:
    gate = threading.Event()

    async def scenario() -> None:
        pool.hop(held(gate))  # never awaited: the loop closes first

    asyncio.run(scenario())
    gate.set()  # the thread now settles a future of a closed loop
    assert pool.submit(lambda: "still").result(WAIT_S) == "still"
    until(lambda: pool.idle_count == pool.thread_count)
