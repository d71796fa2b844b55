"""Reliability machinery of the ERP gateways (N5): circuit breaker per ERP endpoint, per-set write
limiter with a bounded wait queue, and the retry policy.

The retry policy is deliberately narrow: a call is tried again only when the request certainly did
not leave this process (connection refused, DNS failure, connect timeout, circuit open). Those
failures are raised as ``RequestNotSent``; everything else (a timeout or a dropped connection
after the request was written, any answer of the ERP) is final for the gateway, because a write
that reached the ERP must never be sent twice (reconcile instead, see docs/erp.md).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from enum import IntEnum

from prometheus_client import Gauge

from integrator.errors import ErpUnavailable


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


class WriteLimiter:
    """At most ``seats`` concurrent ERP writes of one set (Logo Objects / NetOpenX licence seats),
    with at most ``queue`` writes waiting for a seat. A write that finds the queue full, or waits
    longer than ``max_wait_s``, fails with ``ErpUnavailable`` (retryable: nothing was sent).
    """

    def __init__(self, set_code: str, *, seats: int, queue: int, depth: Gauge,
                 in_flight: Gauge) -> None:
        self.set_code = set_code
        self.seats = seats
        self.queue = queue
        self._semaphore = asyncio.Semaphore(seats)
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

    @asynccontextmanager
    async def seat(self, max_wait_s: float) -> AsyncIterator[None]:
        if self._semaphore.locked():
            if self._waiting >= self.queue:
                raise ErpUnavailable(
                    f"the ERP write queue of set {self.set_code} is full ({self.seats} writes "
                    f"running, {self._waiting} waiting); nothing was sent")
            self._waiting += 1
            self._depth.set(self._waiting)
            try:
                async with asyncio.timeout(max_wait_s):
                    await self._semaphore.acquire()
            except TimeoutError:
                raise ErpUnavailable(
                    f"no ERP write seat of set {self.set_code} became free within {max_wait_s:g}s; "
                    "nothing was sent") from None
            finally:
                self._waiting -= 1
                self._depth.set(self._waiting)
        else:
            await self._semaphore.acquire()
        self._in_flight += 1
        self._in_flight_gauge.set(self._in_flight)
        try:
            yield
        finally:
            self._in_flight -= 1
            self._in_flight_gauge.set(self._in_flight)
            self._semaphore.release()
