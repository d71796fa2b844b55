"""Reliability machinery of the ERP gateways (N5): circuit breaker per ERP endpoint, per-set write
limiter with a bounded wait queue (in process for one instance, or counted across every replica
on the shared store: ``SharedWriteLimiter``), and the retry policy.

The retry policy is deliberately narrow: a call is tried again only when the request certainly did
not leave this process (connection refused, DNS failure, connect timeout, circuit open). Those
failures are raised as ``RequestNotSent``; everything else (a timeout or a dropped connection
after the request was written, any answer of the ERP) is final for the gateway, because a write
that reached the ERP must never be sent twice (reconcile instead, see docs/erp.md).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from enum import IntEnum
from typing import Protocol

import structlog
from prometheus_client import Gauge

from integrator.errors import ErpUnavailable, IntegratorError

log = structlog.get_logger("integrator.erp")


class RequestNotSent(ErpUnavailable):
    """The request did not leave: the only failure the gateways retry (stamina ``on=``)."""


class CircuitOpen(RequestNotSent):
    """The endpoint's circuit is open: the call was refused without being sent."""


class CircuitState(IntEnum):
    """Values of the ``integrator_erp_circuit_state`` gauge."""

    CLOSED = 0
    HALF_OPEN = 1
    OPEN = 2


class CircuitBreaker:
    """Classic three-state breaker for one ERP endpoint (in-process, per replica).

    ``failures`` consecutive transport failures open the circuit; after ``open_s`` one probe call
    is let through (half-open): its success closes the circuit, its failure opens it again.
    Business answers of the ERP (rejections) are successes here: the endpoint works.

    The sets that call the endpoint share its breaker. The gauge has one series per such set
    (``watch``): metric labels and messages name sets, never the endpoint's URL, which may carry
    credentials.
    """

    def __init__(self, *, failures: int, open_s: float, gauge: Gauge,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._threshold = failures
        self._open_s = open_s
        self._gauge = gauge
        self._series: dict[str, Gauge] = {}
        self._clock = clock
        self._state = CircuitState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._probe_in_flight = False

    def watch(self, set_code: str) -> None:
        """Report the state under ``set_code`` too (a set that calls this endpoint)."""
        if set_code not in self._series:
            series = self._gauge.labels(set_code)
            series.set(self._state)
            self._series[set_code] = series

    @property
    def state(self) -> CircuitState:
        if self._state is CircuitState.OPEN and self._clock() - self._opened_at >= self._open_s:
            return CircuitState.HALF_OPEN
        return self._state

    def _set(self, state: CircuitState) -> None:
        self._state = state
        for series in self._series.values():
            series.set(state)

    def allow(self, set_code: str) -> bool:
        """Take permission to send one call of ``set_code``; raises ``CircuitOpen`` when refused.

        Returns True when the call is the half-open probe (its outcome decides the state).
        """
        if self._state is CircuitState.OPEN:
            if self._clock() - self._opened_at < self._open_s:
                raise CircuitOpen(f"the circuit of the ERP service of set {set_code} is open "
                                  f"after {self._threshold} consecutive failures; calls resume "
                                  f"in {self._open_s - (self._clock() - self._opened_at):.0f}s")
            self._set(CircuitState.HALF_OPEN)
            self._probe_in_flight = False
        if self._state is CircuitState.HALF_OPEN:
            if self._probe_in_flight:
                raise CircuitOpen(f"the circuit of the ERP service of set {set_code} is half-open "
                                  "and its probe call is still running")
            self._probe_in_flight = True
            return True
        return False

    def success(self) -> None:
        self._failures = 0
        self._probe_in_flight = False
        if self._state is not CircuitState.CLOSED:
            self._set(CircuitState.CLOSED)

    def failure(self) -> None:
        self._failures += 1
        self._probe_in_flight = False
        if self._state is CircuitState.HALF_OPEN or self._failures >= self._threshold:
            self._opened_at = self._clock()
            self._set(CircuitState.OPEN)

    def abandon(self, probe: bool) -> None:
        """The call ended without an outcome (cancelled): free the probe slot."""
        if probe:
            self._probe_in_flight = False


class Leases(Protocol):
    """Seats with leases in the shared store (``integrator.sessions.store``): a counting
    semaphore whose seats expire when their holder stops renewing them."""

    async def lease_acquire(self, key: str, holder: str, *, limit: int,
                            lease_s: float) -> bool: ...

    async def lease_renew(self, key: str, holder: str, *, lease_s: float) -> bool: ...

    async def lease_release(self, key: str, holder: str) -> None: ...

    def lease_watch(self, key: str, wake: Callable[[], None]) -> Callable[[], None]: ...


class _Limiter:
    """What both write limiters share: the set's seats and queue, the two gauges of this
    replica, and the refusals (``ErpUnavailable``, retryable: nothing was sent)."""

    def __init__(self, set_code: str, *, seats: int, queue: int, depth: Gauge,
                 in_flight: Gauge) -> None:
        self.set_code = set_code
        self.seats = seats
        self.queue = queue
        self._waiting = 0
        self._in_flight = 0
        self._depth = depth.labels(set_code)
        self._in_flight_gauge = in_flight.labels(set_code)

    @property
    def waiting(self) -> int:
        return self._waiting

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def fits(self, seats: int, queue: int) -> bool:
        return self.seats == seats and self.queue == queue

    def _enqueue(self) -> None:
        if self._waiting >= self.queue:
            raise ErpUnavailable(
                f"the ERP write queue of set {self.set_code} is full ({self.seats} writes "
                f"running, {self._waiting} waiting); nothing was sent")
        self._waiting += 1
        self._depth.set(self._waiting)

    def _dequeue(self) -> None:
        self._waiting -= 1
        self._depth.set(self._waiting)

    def _no_seat(self, max_wait_s: float) -> ErpUnavailable:
        return ErpUnavailable(f"no ERP write seat of set {self.set_code} became free within "
                              f"{max_wait_s:g}s; nothing was sent")

    def _started(self, change: int) -> None:
        self._in_flight += change
        self._in_flight_gauge.set(self._in_flight)


class WriteLimiter(_Limiter):
    """At most ``seats`` concurrent ERP writes of one set (Logo Objects / NetOpenX licence seats)
    in this process, with at most ``queue`` writes waiting for a seat. A write that finds the queue
    full, or waits longer than ``max_wait_s``, fails with ``ErpUnavailable`` (retryable: nothing
    was sent). The limiter of the embedded (memory) store: one instance.
    """

    def __init__(self, set_code: str, *, seats: int, queue: int, depth: Gauge,
                 in_flight: Gauge) -> None:
        super().__init__(set_code, seats=seats, queue=queue, depth=depth, in_flight=in_flight)
        self._semaphore = asyncio.Semaphore(seats)

    @asynccontextmanager
    async def seat(self, max_wait_s: float) -> AsyncIterator[None]:
        if self._semaphore.locked():
            self._enqueue()
            try:
                async with asyncio.timeout(max_wait_s):
                    await self._semaphore.acquire()
            except TimeoutError:
                raise self._no_seat(max_wait_s) from None
            finally:
                self._dequeue()
        else:
            await self._semaphore.acquire()
        self._started(+1)
        try:
            yield
        finally:
            self._started(-1)
            self._semaphore.release()


class SharedWriteLimiter(_Limiter):
    """At most ``seats`` concurrent ERP writes of one set across every replica that shares the
    store (N5, N6): a seat is a lease in the store (``Leases``, key ``write-seats:<set>``), renewed
    every third of ``lease_s`` while the write runs and released when it ends; a replica that
    dies holding seats frees them when their leases run out (at most ``lease_s``).

    Writes of this replica that find no free seat wait here in line, at most ``queue`` of them
    (the queue is per replica). A write of this replica that ends wakes the first in line only,
    which tries again (waking every waiter sent them all to the store at once, and whoever's try
    arrived first won: with 2 seats and 8 writers of 4 ms, a write waited up to 2.9 s and the
    store saw 5 tries per write). While writes wait, a seat freed by another replica wakes the
    first in line too (the store's notice, ``Leases.lease_watch``: with polls alone, a replica
    whose writes kept waking each other held the seats, and a write of another replica waited
    up to a second, bench/seats.py); a waiter also tries every 20-250 ms, for the notices that
    are lost and the leases that run out. The gauges count this replica's writes: summed over
    the replicas they are the set's writes in progress (at most ``seats``) and waiting.
    """

    POLL_S = (0.02, 0.25)  # first and longest pause between tries for a seat

    def __init__(self, set_code: str, *, seats: int, queue: int, leases: Leases, lease_s: float,
                 depth: Gauge, in_flight: Gauge) -> None:
        super().__init__(set_code, seats=seats, queue=queue, depth=depth, in_flight=in_flight)
        self._leases = leases
        self._lease_s = lease_s
        self._key = f"write-seats:{set_code}"
        self._line: deque[asyncio.Event] = deque()  # this replica's waiting writes, in arrival order
        self._unwatch: Callable[[], None] | None = None  # while writes wait: other replicas' frees

    async def _take(self, holder: str) -> bool:
        return await self._leases.lease_acquire(self._key, holder, limit=self.seats,
                                                lease_s=self._lease_s)

    async def _wait_for_seat(self, holder: str) -> None:
        """Wait in line for a seat: the first in line tries when a write of this replica ends;
        every waiter also tries every 20-250 ms (seats freed by other replicas)."""
        woken = asyncio.Event()
        ahead = len(self._line)
        self._line.append(woken)
        if self._unwatch is None:
            self._unwatch = self._leases.lease_watch(self._key, self._wake_first)
        pause = self.POLL_S[0]
        try:
            if ahead:  # writes of this replica came first: they take the next seats
                await self._sleep(woken, pause)
            while True:
                woken.clear()  # set from here on: a seat was freed during the try below
                if await self._take(holder):
                    return
                if not woken.is_set() and not await self._sleep(woken, pause):
                    pause = min(pause * 2, self.POLL_S[1])
        finally:
            self._line.remove(woken)
            if woken.is_set():  # a wake-up this write did not use (it took a seat, or gave up)
                self._wake_first()
            if not self._line and self._unwatch is not None:
                self._unwatch()
                self._unwatch = None

    @staticmethod
    async def _sleep(woken: asyncio.Event, pause: float) -> bool:
        """Until woken (True) or ``pause`` seconds (False)."""
        try:
            async with asyncio.timeout(pause):
                await woken.wait()
        except TimeoutError:
            return False
        return True

    def _wake_first(self) -> None:
        """Wake the first write in line that is not woken already."""
        for woken in self._line:
            if not woken.is_set():
                woken.set()
                return

    async def _renew(self, holder: str) -> None:
        while True:
            await asyncio.sleep(self._lease_s / 3)
            try:
                held = await self._leases.lease_renew(self._key, holder, lease_s=self._lease_s)
            except IntegratorError as exc:  # the store is away: try again in a third of a lease
                log.warning("write_seat_not_renewed", set=self.set_code, error=exc.message)
                continue
            if not held:
                log.warning("write_seat_lost", set=self.set_code,
                            hint="the lease ran out while the write ran (store unreachable "
                                 "for longer than erp.write_lease_s?)")
                return

    @asynccontextmanager
    async def seat(self, max_wait_s: float) -> AsyncIterator[None]:
        holder = uuid.uuid4().hex
        if self._line or not await self._take(holder):  # first come, first seated
            self._enqueue()
            try:
                async with asyncio.timeout(max_wait_s):
                    await self._wait_for_seat(holder)
            except TimeoutError:
                raise self._no_seat(max_wait_s) from None
            finally:
                self._dequeue()
        self._started(+1)
        renewal = asyncio.create_task(self._renew(holder))
        try:
            yield
        finally:
            renewal.cancel()
            self._started(-1)
            try:
                await self._leases.lease_release(self._key, holder)
            except IntegratorError as exc:  # the lease runs out by itself
                log.warning("write_seat_not_released", set=self.set_code, error=exc.message)
            self._wake_first()
