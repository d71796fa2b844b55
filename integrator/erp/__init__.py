"""ERP gateways (the Messaging Gateway): one interface for LogoObjectService (Tiger/Go, SOAP) and
NetOpenX REST (Netsis, JSON), and the hub that hands the API layer the gateway of a set.

    gateway = request.app[ERP].for_set(context.integration_set)
    key = await gateway.create(ErpCall.of(context), "account", payload)

Payloads are what the translators build: for Logo a ``str`` of Logo XML declared
``ISO-8859-9`` (the dataType follows from the entity), for Netsis a JSON-able ``dict``. Every
failure is one of the SPEC error codes (``integrator.errors``); see docs/erp.md for the taxonomy.

Each gateway module is split sans-I/O style: ``protocol.py`` builds requests and reads answers
(pure, golden-file tested), ``client.py`` does the I/O on the shared ``ClientSession``. The
machinery shared by both (metrics, write limiter, circuit breaker, retries) lives here.
"""

from __future__ import annotations

import asyncio
import re
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar

import aiohttp
import stamina
import structlog
from aiohttp import web

from integrator.config import ErpSettings, IntegrationSet
from integrator.erp.resilience import CircuitBreaker, RequestNotSent, WriteLimiter
from integrator.erp.transport import Reply, Request, exchange
from integrator.errors import IntegratorError, MappingFailed, ValidationFailed
from integrator.metrics import Metrics
from integrator.sessions.manager import ErpCredentials

if TYPE_CHECKING:
    from integrator.erp.logo.client import LogoGateway
    from integrator.erp.netsis.client import NetsisGateway
    from integrator.sessions.manager import Context

Entity = Literal["account", "product", "order", "dispatch", "quote"]
ENTITIES: tuple[Entity, ...] = ("account", "product", "order", "dispatch", "quote")
DOCUMENTS: frozenset[str] = frozenset({"order", "dispatch", "quote"})
Payload = str | dict[str, Any]

T = TypeVar("T")
log = structlog.get_logger("integrator.erp")


@dataclass(frozen=True, slots=True)
class ErpKey:
    """How the ERP identifies a record; what ``update``/``read``/``delete`` take back.

    ============  =============================  ===========================================
                  Logo (Tiger/Go)                Netsis
    ============  =============================  ===========================================
    ``ref``       LOGICALREF (dataReference)     CARI_KOD / STOK_KODU; documents: FATIRS_NO
    ``code``      CODE of a card                 CARI_KOD / STOK_KODU (cards)
    ``number``    FICHENO of a slip              FATIRS_NO (documents)
    ``account``   (unused)                       CARI_KOD of a document (third part of its id)
    ============  =============================  ===========================================
    """

    ref: str
    code: str = ""
    number: str = ""
    account: str = ""


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


class Gateway(ABC):
    """The one interface the API layer calls, whatever the ERP."""

    kind: ClassVar[str]
    entities: ClassVar[frozenset[str]]

    def __init__(self, hub: ErpGateways) -> None:
        self._hub = hub

    # -- the interface --------------------------------------------------------------------------
    @abstractmethod
    async def create(self, call: ErpCall, entity: Entity, payload: Payload) -> ErpKey:
        """Insert a record; the ERP's key (with the document number where there is one)."""

    @abstractmethod
    async def update(self, call: ErpCall, entity: Entity, key: ErpKey, payload: Payload) -> ErpKey:
        """Change an existing record."""

    @abstractmethod
    async def read(self, call: ErpCall, entity: Entity, key: ErpKey) -> Payload:
        """The record as the ERP exports it (Logo XML string / Netsis ``Data`` JSON)."""

    @abstractmethod
    async def delete(self, call: ErpCall, entity: Entity, key: ErpKey) -> None:
        """Remove a record."""

    @abstractmethod
    async def calculate(self, call: ErpCall, entity: Entity, payload: Payload) -> Payload:
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
        breaker = self._hub.breaker(endpoint.url)
        probe = breaker.allow()
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


# SQLSTATE 23000 is the whole "integrity constraint violation" class: a duplicate key (SQL Server
# native 2627 primary key / 2601 unique index) but also a foreign key (547), a NULL (515) or a
# CHECK violation. Only the duplicate lets the API layer link the existing record.
_DUPLICATE = re.compile(r"(?i)\b23000\b|\b2627\b|\b2601\b|duplicate key")
_OTHER_INTEGRITY = re.compile(r"(?i)reference constraint|foreign key|check constraint|"
                              r"cannot insert the value null|\b547\b|\b515\b")


def looks_duplicate(text: str) -> bool:
    """Does an ERP error text report a duplicate key (SQLSTATE 23000 and not another integrity
    violation)?"""
    return bool(_DUPLICATE.search(text)) and not _OTHER_INTEGRITY.search(text)


def expect_text(payload: Payload) -> str:
    if not isinstance(payload, str):
        raise MappingFailed("a Logo payload must be a Logo XML string, not "
                            f"{type(payload).__name__}")
    return payload


def expect_json(payload: Payload) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise MappingFailed("a Netsis payload must be a JSON object (dict), not "
                            f"{type(payload).__name__}")
    return payload


class ErpGateways:
    """The hub: one gateway per ERP kind plus their shared state (breakers per endpoint, write
    limiters per set, Netsis token cache). Lives in ``app[ERP]`` for the app's lifetime."""

    def __init__(self, http: aiohttp.ClientSession, metrics: Metrics,
                 settings: ErpSettings | None = None) -> None:
        from integrator.erp.logo.client import LogoGateway
        from integrator.erp.netsis.client import NetsisGateway

        self.http = http
        self.metrics = metrics
        self.settings = settings or ErpSettings()
        self._breakers: dict[str, CircuitBreaker] = {}
        self._limiters: dict[str, WriteLimiter] = {}
        self.logo: LogoGateway = LogoGateway(self)
        self.netsis: NetsisGateway = NetsisGateway(self)

    def for_set(self, integration_set: IntegrationSet) -> Gateway:
        return self.logo if integration_set.is_logo else self.netsis

    def netsis_for(self, integration_set: IntegrationSet) -> NetsisGateway:
        """The Netsis gateway (NewNumber, Risk) for a Netsis set; refuses other sets."""
        if integration_set.is_logo:
            raise ValidationFailed(f"set {integration_set.code} is a {integration_set.erp} set; "
                                   "this operation exists only on Netsis")
        return self.netsis

    def breaker(self, endpoint: str) -> CircuitBreaker:
        found = self._breakers.get(endpoint)
        if found is None:
            found = CircuitBreaker(endpoint, failures=self.settings.breaker_failures,
                                   open_s=self.settings.breaker_open_s,
                                   gauge=self.metrics.circuit_state)
            self._breakers[endpoint] = found
        return found

    def limiter(self, integration_set: IntegrationSet) -> WriteLimiter:
        settings = integration_set.settings
        found = self._limiters.get(integration_set.code)
        if found is None or not found.fits(settings.write_concurrency, settings.write_queue):
            # a changed set gets a new limiter; writes holding seats of the old one finish there
            found = WriteLimiter(integration_set.code, seats=settings.write_concurrency,
                                 queue=settings.write_queue, depth=self.metrics.write_queue_depth,
                                 in_flight=self.metrics.write_in_flight)
            self._limiters[integration_set.code] = found
        return found


async def erp_gateways(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: the gateway hub on top of the shared ClientSession (after ``http``)."""
    from integrator.keys import CONFIG, ERP, HTTP, METRICS

    app[ERP] = ErpGateways(app[HTTP], app[METRICS], app[CONFIG].erp)
    yield
