"""The one interface the services call, whatever the ERP, and the machinery every gateway shares
(metrics, write limiter, circuit breaker, retries).

    gateway = gateways.for_set(context.integration_set)
    key = await gateway.create(ErpCall.of(context), document)

Gateways take the typed documents the translators build (``model.documents``) and return the ERP's
key; every failure is one of the SPEC error codes (``integrator.errors``; docs/erp.md).
"""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import ClassVar, TypeVar

import aiohttp
import stamina
import structlog

from integrator.config import ErpSettings, IntegrationSet
from integrator.erp.resilience import (
    CircuitBreaker,
    Leases,
    RequestNotSent,
    SharedWriteLimiter,
    WriteLimiter,
)
from integrator.erp.transport import exchange
from integrator.erp.wire import Reply, Request
from integrator.errors import IntegratorError, ValidationFailed
from integrator.metrics import Metrics
from integrator.model import Context, Document, Entity, ErpCredentials, ErpData, ErpKey

T = TypeVar("T")
log = structlog.get_logger("integrator.erp")


class Shared:
    """The state the gateways of one application share: the ClientSession, metrics, resilience
    settings, a circuit breaker per ERP endpoint and a write limiter per set — counted across the
    replicas on the shared store's ``leases`` when there are any, else in this process."""

    def __init__(self, http: aiohttp.ClientSession, metrics: Metrics, settings: ErpSettings,
                 leases: Leases | None = None) -> None:
        self.http = http
        self.metrics = metrics
        self.settings = settings
        self.leases = leases
        self._breakers: dict[str, CircuitBreaker] = {}
        self._limiters: dict[str, WriteLimiter | SharedWriteLimiter] = {}

    def breaker(self, endpoint: str, set_code: str) -> CircuitBreaker:
        """The breaker of ``endpoint`` (a URL: a key here, never a label or a message), reporting
        its state under ``set_code``."""
        found = self._breakers.get(endpoint)
        if found is None:
            found = CircuitBreaker(failures=self.settings.breaker_failures,
                                   open_s=self.settings.breaker_open_s,
                                   gauge=self.metrics.circuit_state)
            self._breakers[endpoint] = found
        found.watch(set_code)
        return found

    def limiter(self, integration_set: IntegrationSet) -> WriteLimiter | SharedWriteLimiter:
        settings = integration_set.settings
        found = self._limiters.get(integration_set.code)
        if found is None or not found.fits(settings.write_concurrency, settings.write_queue):
            # a changed set gets a new limiter; writes holding seats of the old one finish there
            # (the shared seats are the store's: a new limit applies to the next write)
            code, metrics = integration_set.code, self.metrics
            if self.leases is not None:
                found = SharedWriteLimiter(
                    code, seats=settings.write_concurrency, queue=settings.write_queue,
                    leases=self.leases, lease_s=self.settings.write_lease_s,
                    depth=metrics.write_queue_depth, in_flight=metrics.write_in_flight)
            else:
                found = WriteLimiter(code, seats=settings.write_concurrency,
                                     queue=settings.write_queue, depth=metrics.write_queue_depth,
                                     in_flight=metrics.write_in_flight)
            self._limiters[code] = found
        return found


@dataclass(frozen=True, slots=True)
class ErpCall:
    """The per-request context of a gateway call: which set, and the CRM user's ERP login
    (Netsis tokens are cached per set and ERP user)."""

    integration_set: IntegrationSet
    credentials: ErpCredentials | None = None

    @classmethod
    def of(cls, context: Context) -> ErpCall:
        return cls(context.integration_set, context.credentials)

    @property
    def set_code(self) -> str:
        return self.integration_set.code


@dataclass(frozen=True, slots=True)
class PingInfo:
    """Answer of ``ping``: round-trip time and what the service says about itself."""

    latency_s: float
    details: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where one set's ERP service is and how long a call may take."""

    url: str
    connect_timeout_s: float
    timeout_s: float
    settle_s: float | None = None  # the set's own settle window (``services.claims.settle_window``)


class Gateway(ABC):
    """The one interface the API layer calls, whatever the ERP."""

    kind: ClassVar[str]
    entities: ClassVar[frozenset[str]]

    def __init__(self, shared: Shared) -> None:
        self._hub = shared

    # -- the interface --------------------------------------------------------------------------
    @abstractmethod
    async def create(self, call: ErpCall, document: Document) -> ErpKey:
        """Insert a record; the ERP's key (with the document number where there is one)."""

    @abstractmethod
    async def update(self, call: ErpCall, key: ErpKey, document: Document) -> ErpKey:
        """Change an existing record."""

    @abstractmethod
    async def read(self, call: ErpCall, entity: Entity, key: ErpKey) -> ErpData:
        """The record as the ERP exports it (Logo XML string / Netsis ``Data`` JSON)."""

    @abstractmethod
    async def delete(self, call: ErpCall, entity: Entity, key: ErpKey) -> None:
        """Remove a record."""

    @abstractmethod
    async def calculate(self, call: ErpCall, document: Document) -> ErpData:
        """Price a would-be document without saving it (campaigns, conditions, price lists)."""

    @abstractmethod
    async def ping(self, call: ErpCall) -> PingInfo:
        """Is the ERP service there, and how fast does it answer."""

    # -- shared machinery ---------------------------------------------------------------------
    @abstractmethod
    def endpoint(self, integration_set: IntegrationSet) -> Endpoint:
        """The service endpoint of a set of this gateway's kind."""

    def _check_entity(self, call: ErpCall, entity: str) -> None:
        if call.integration_set.is_logo != (self.kind == "logo"):
            raise ValidationFailed(f"set {call.set_code} ({call.integration_set.erp}) is not served "
                                   f"by the {self.kind} gateway")
        if entity not in self.entities:
            if entity == "quote":
                raise ValidationFailed("a quote is an ERP document only on Netsis; transfer it to "
                                       f"set {call.set_code} as an order or a dispatch")
            raise ValidationFailed(f"entity {entity!r} is not one of "
                                   f"{', '.join(sorted(self.entities))}")

    async def _operation(self, call: ErpCall, operation: str, work: Callable[[], Awaitable[T]],
                         *, write: bool) -> T:
        """Run one gateway operation: write seat (writes), metrics, one log line."""
        metrics = self._hub.metrics
        started = time.perf_counter()
        outcome = "ok"
        try:
            if write:
                limiter = self._hub.limiter(call.integration_set)
                async with limiter.seat(self.endpoint(call.integration_set).timeout_s):
                    metrics.write_seat_wait.labels(call.set_code).observe(
                        time.perf_counter() - started)
                    return await work()
            return await work()
        except IntegratorError as exc:
            outcome = exc.code.lower()
            raise
        except asyncio.CancelledError:
            outcome = "cancelled"
            raise
        except BaseException:
            outcome = "internal"
            raise
        finally:
            elapsed = time.perf_counter() - started
            metrics.erp_calls.labels(call.set_code, operation, outcome).inc()
            metrics.erp_latency.labels(call.set_code, operation).observe(elapsed)
            log.info("erp_call", set=call.set_code, erp=self.kind, operation=operation,
                     outcome=outcome, duration_ms=round(elapsed * 1000, 2))

    async def _send(self, call: ErpCall, operation: str, request: Request, *, write: bool) -> Reply:
        """Send one request through the endpoint's circuit breaker, retrying (stamina) only what
        did not leave. Returns the ERP's answer, whatever its status."""
        try:
            return await self._attempt(call, request, write=write)
        except RequestNotSent:
            settings = self._hub.settings
            if settings.retry_attempts <= 1:
                raise
        # the first try is made outside stamina: its retry context costs ~70 µs per call
        await asyncio.sleep(settings.retry_wait_initial_s)
        async for attempt in stamina.retry_context(
            on=RequestNotSent, attempts=settings.retry_attempts - 1,
            timeout=settings.retry_timeout_s, wait_initial=settings.retry_wait_initial_s,
            wait_max=settings.retry_wait_max_s, wait_jitter=settings.retry_wait_initial_s,
        ):
            with attempt:
                self._hub.metrics.erp_retries.labels(call.set_code, operation).inc()
                return await self._attempt(call, request, write=write)
        raise AssertionError("unreachable: stamina re-raises the last failure")  # pragma: no cover

    async def _attempt(self, call: ErpCall, request: Request, *, write: bool) -> Reply:
        endpoint = self.endpoint(call.integration_set)
        breaker = self._hub.breaker(endpoint.url, call.set_code)
        probe = breaker.allow(call.set_code)
        try:
            reply = await exchange(self._hub.http, request, write=write,
                                   connect_timeout_s=endpoint.connect_timeout_s,
                                   timeout_s=endpoint.timeout_s)
        except IntegratorError:
            breaker.failure()
            raise
        except BaseException:
            breaker.abandon(probe)
            raise
        if reply.status >= 500:
            breaker.failure()
        else:
            breaker.success()
        return reply
