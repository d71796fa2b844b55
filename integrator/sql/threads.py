"""The ODBC thread pool: a bounded executor whose most recently idle thread takes the next job
(N7; issue 15 item 2).

``concurrent.futures.ThreadPoolExecutor`` hands a job to whichever idle thread its queue wakes,
and waiting threads are woken roughly in turn: under load every hop of a request lands on a
different thread, with a cold stack, cold caches and often another core. Measured on a one-row
SQLite query in a hop (`bench/sql.py`, docs/performance.md §2), the rotation costs 25-40 µs per
hop over one warm thread. This pool keeps its idle threads on a stack: the thread that finished
last (still warm, most likely still on the core, and holding the connection that the set's pool
hands out last — ``pool.Pool`` is a stack too) takes the next job; the threads below it sleep
until a burst needs them.

The service's hops use ``hop``: it returns an asyncio future that the thread settles with one
``call_soon_threadsafe``, where ``loop.run_in_executor`` goes through a ``concurrent.futures``
future (a condition variable per job) chained to an asyncio future by callbacks on both sides:
an empty hop took 58-73 µs that way against 23-33 µs (docs/performance.md §2).

It is also a ``concurrent.futures.Executor`` in every way the service relies on: ``submit`` returns a
``Future`` (``loop.run_in_executor`` wraps it; a cancelled hop that has not started never runs),
at most ``max_workers`` threads exist, they start when a job finds none idle, and ``shutdown``
(with ``wait`` and ``cancel_futures``) runs what was submitted before it unless cancelled and
refuses new jobs. Its threads are daemon threads: the application shuts the pool down in its
cleanup (``app.odbc_executor``); a process that ends without it does not wait on them.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

# (the future, the function, its arguments, the loop that awaits an asyncio future or None)
_Job = tuple[Any, Callable[..., Any], tuple[Any, ...], dict[str, Any],
             asyncio.AbstractEventLoop | None]


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    """On the loop: hand a hop's outcome to its future unless it was cancelled or timed out."""
    if future.done():
        return
    if error is None:
        future.set_result(result)
    elif isinstance(error, StopIteration):  # an asyncio future refuses it (PEP 479)
        future.set_exception(RuntimeError(f"the job raised {error!r}"))
    else:
        future.set_exception(error)


class _Worker:
    __slots__ = ("job", "wake")

    def __init__(self) -> None:
        self.job: _Job | None = None
        self.wake = threading.Lock()  # held while the worker sleeps; released to wake it
        self.wake.acquire()


class LifoExecutor(Executor):
    """A bounded thread pool that hands each job to the most recently idle thread."""

    def __init__(self, max_workers: int, thread_name_prefix: str = "lifo") -> None:
        if max_workers < 1:
            raise ValueError("max_workers must be at least 1")
        self._max_workers = max_workers
        self._prefix = thread_name_prefix
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []  # a stack: the last to go idle is woken first
        self._backlog: deque[_Job] = deque()  # jobs no idle thread could take yet
        self._threads: list[threading.Thread] = []
        # workers whose job's result is set but that have not come back for the next job: the
        # result wakes the caller, whose next hop often arrives before its thread is idle again;
        # such a hop waits for that thread rather than starting a cold one
        self._finishing = 0
        self._shutdown = False

    @property
    def max_workers(self) -> int:
        """The most threads (and so the most hops running at once)."""
        return self._max_workers

    @property
    def thread_count(self) -> int:
        return len(self._threads)

    @property
    def idle_count(self) -> int:
        return len(self._idle)

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        future: Future[T] = Future()
        self._put((future, fn, args, kwargs, None))
        return future

    def hop(self, fn: Callable[[], T]) -> asyncio.Future[T]:
        """On an event loop: run ``fn`` on a pool thread; an asyncio future of its outcome.

        Cancelling the future before a thread has taken the job means it never runs; after that,
        the job runs to its end and its outcome is dropped (a thread cannot be interrupted), as
        with ``run_in_executor``."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._put((future, fn, (), {}, loop))
        return future

    def _put(self, job: _Job) -> None:
        with self._lock:
            if self._shutdown:
                raise RuntimeError("cannot schedule new futures after shutdown")
            if self._idle:
                worker = self._idle.pop()
                worker.job = job
                worker.wake.release()
                return
            self._backlog.append(job)
            if len(self._backlog) > self._finishing and len(self._threads) < self._max_workers:
                thread = threading.Thread(target=self._serve, args=(_Worker(),), daemon=True,
                                          name=f"{self._prefix}_{len(self._threads)}")
                self._threads.append(thread)
                thread.start()

    def _serve(self, worker: _Worker) -> None:
        finished = False
        while True:
            with self._lock:
                if finished:
                    self._finishing -= 1
                if self._backlog:
                    job: _Job | None = self._backlog.popleft()
                elif self._shutdown:
                    return
                else:
                    self._idle.append(worker)
                    job = None
            if job is None:
                worker.wake.acquire()  # until submit (a job) or shutdown (None) wakes it
                job, worker.job = worker.job, None
                if job is None:
                    return
            finished = self._run(job)
            del job  # drop the job's references (its result, its arguments) while idle

    def _run(self, job: _Job) -> bool:
        """Run a job unless it was cancelled; whether it ran (and so counts as finishing)."""
        future, fn, args, kwargs, loop = job
        if loop is None:
            if not future.set_running_or_notify_cancel():
                return False
        elif future.done():  # cancelled (or timed out) while it waited for a thread
            return False
        result, error = None, None
        try:
            result = fn(*args, **kwargs)
        except BaseException as caught:  # handed to the waiting side, as concurrent.futures does
            error = caught
        with self._lock:
            self._finishing += 1
        if loop is None:
            if error is None:
                future.set_result(result)
            else:
                future.set_exception(error)
            return True
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody awaits the outcome
            loop.call_soon_threadsafe(_settle, future, result, error)
        return True

    @staticmethod
    def _cancel(job: _Job) -> None:
        future, loop = job[0], job[4]
        if loop is None:
            future.cancel()
            return
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody awaits it
            loop.call_soon_threadsafe(future.cancel)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._shutdown = True
            if cancel_futures:
                while self._backlog:
                    self._cancel(self._backlog.popleft())
            idle, self._idle = self._idle, []
            threads = list(self._threads)
        for worker in idle:
            worker.job = None
            worker.wake.release()
        if wait:
            for thread in threads:
                thread.join()

