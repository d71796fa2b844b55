"""The NetOpenX REST gateway (Netsis): I/O only; the wire format is in ``protocol``.

Tokens are cached per (set, ERP user), renewed ``token_refresh_margin_s`` before ``expires_in``
runs out, and fetched single-flight: however many calls find the token missing or expired at the
same moment, one login runs and the others wait for it. A 401 (token expired or revoked on the
server) proves the request was not processed: the token is dropped, one login runs, and the call
is sent once more.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar, cast

from pydantic import SecretStr

from integrator.config import IntegrationSet, TransferType
from integrator.erp import (
    Endpoint,
    Entity,
    ErpCall,
    ErpGateways,
    ErpKey,
    Gateway,
    Payload,
    PingInfo,
    expect_json,
)
from integrator.erp.netsis import protocol
from integrator.erp.netsis.protocol import TokenRefused
from integrator.erp.transport import Request
from integrator.errors import ErpRejected, ValidationFailed
from integrator.sessions.manager import ErpCredentials

TokenKey = tuple[str, str]  # (set code, ERP user)


@dataclass(frozen=True, slots=True)
class CachedToken:
    token: SecretStr
    renew_at: float  # monotonic time after which the token is renewed before use
    fingerprint: str  # what it was issued for (endpoint, database, branch, login)


class TokenCache:
    """Bearer tokens per (set, ERP user) with single-flight renewal: concurrent callers share one
    login and its outcome (a refused login is not repeated once per waiting caller)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._tokens: dict[TokenKey, CachedToken] = {}
        self._pending: dict[tuple[TokenKey, str], asyncio.Future[CachedToken]] = {}

    def _valid(self, key: TokenKey, fingerprint: str) -> CachedToken | None:
        cached = self._tokens.get(key)
        if cached is not None and cached.fingerprint == fingerprint \
                and self._clock() < cached.renew_at:
            return cached
        return None

    async def get(self, key: TokenKey, fingerprint: str,
                  login: Callable[[], Awaitable[tuple[SecretStr, float, float]]]) -> CachedToken:
        """The cached token, or the result of the one ``login()`` every waiting caller shares.

        ``login`` returns ``(token, lifetime_s, margin_s)``.
        """
        cached = self._valid(key, fingerprint)
        if cached is not None:
            return cached
        flight = (key, fingerprint)
        pending = self._pending.get(flight)
        if pending is None:
            pending = asyncio.ensure_future(self._login(key, fingerprint, login))
            self._pending[flight] = pending
            pending.add_done_callback(lambda done: self._landed(flight, done))
        # shield: a caller that gives up does not cancel the login the others wait for
        return await asyncio.shield(pending)

    async def _login(self, key: TokenKey, fingerprint: str,
                     login: Callable[[], Awaitable[tuple[SecretStr, float, float]]]) -> CachedToken:
        token, lifetime, margin = await login()
        cached = CachedToken(token, self._clock() + max(lifetime - margin, 0.0), fingerprint)
        self._tokens[key] = cached
        return cached

    def _landed(self, flight: tuple[TokenKey, str], done: asyncio.Future[CachedToken]) -> None:
        if self._pending.get(flight) is done:
            del self._pending[flight]
        if not done.cancelled():
            done.exception()  # retrieved here, so an unawaited failure is never reported as lost

    def drop(self, key: TokenKey, used: CachedToken) -> None:
        """Forget ``used`` after a 401, unless another caller already replaced it."""
        if self._tokens.get(key) is used:
            del self._tokens[key]

    def clear(self) -> None:
        self._tokens.clear()


def _fingerprint(integration_set: IntegrationSet, credentials: ErpCredentials) -> str:
    service = integration_set.netsis
    assert service is not None
    parts = (service.url, service.dbname, service.dbuser, service.dbpassword.get_secret_value(),
             str(integration_set.branch), credentials.user,
             credentials.password.get_secret_value())
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


class NetsisGateway(Gateway):
    kind: ClassVar[str] = "netsis"
    entities: ClassVar[frozenset[str]] = frozenset({*protocol.CARD_RESOURCES,
                                                    *protocol.SLIP_TYPES})

    def __init__(self, hub: ErpGateways) -> None:
        super().__init__(hub)
        self.tokens = TokenCache()

    def endpoint(self, integration_set: IntegrationSet) -> Endpoint:
        service = integration_set.netsis
        if service is None:
            raise ValidationFailed(f"set {integration_set.code} has no NetOpenX REST service")
        return Endpoint(service.url, service.connect_timeout_s, service.timeout_s)

    # -- tokens ------------------------------------------------------------------------------
    def _credentials(self, call: ErpCall) -> ErpCredentials:
        if call.credentials is not None and call.credentials.user:
            return call.credentials
        shared = call.integration_set.credentials
        if shared.mode == "shared" and shared.user:
            return ErpCredentials(shared.user, shared.password or SecretStr(""))
        raise ValidationFailed(f"set {call.set_code} logs in to Netsis per user; this call has no "
                               "ERP user")

    async def _token(self, call: ErpCall, credentials: ErpCredentials) -> CachedToken:
        key = (call.set_code, credentials.user)

        async def fetch() -> protocol.Token:
            request = protocol.token_request(call.integration_set, credentials)
            reply = await self._send(call, "login", request, write=False)
            return protocol.parse_token(reply)

        async def login() -> tuple[SecretStr, float, float]:
            self._hub.metrics.erp_logins.labels(call.set_code).inc()
            token = await self._operation(call, "login", fetch, write=False)
            margin = min(self._hub.settings.token_refresh_margin_s, token.expires_in / 2)
            return token.access_token, token.expires_in, margin

        return await self.tokens.get(key, _fingerprint(call.integration_set, credentials), login)

    async def _authorized(self, call: ErpCall, operation: str,
                          build: Callable[[SecretStr], Request], *, write: bool) -> Any:
        """Send with the cached token; on 401 drop it, log in once and send once more."""
        credentials = self._credentials(call)
        key = (call.set_code, credentials.user)
        for _ in range(2):  # a 401 is refused before any work: sending again cannot duplicate
            cached = await self._token(call, credentials)
            reply = await self._send(call, operation, build(cached.token), write=write)
            try:
                return protocol.parse_envelope(operation, reply, write=write)
            except TokenRefused:
                self.tokens.drop(key, cached)
        raise ErpRejected(f"NetOpenX refused a fresh token for {operation} (HTTP 401); check "
                          f"the ERP login of user {credentials.user!r}")

    # -- the interface -----------------------------------------------------------------------
    async def create(self, call: ErpCall, entity: Entity, payload: Payload) -> ErpKey:
        self._check_entity(call, entity)
        body = expect_json(payload)
        label = f"create_{entity}"
        s = call.integration_set
        if entity in protocol.CARD_RESOURCES:
            code = protocol.check_card(entity, body)

            async def card() -> ErpKey:
                data = await self._authorized(
                    call, label, lambda t: protocol.card_create_request(s, t, entity, body),
                    write=True)
                return protocol.card_key(entity, data, code)

            return await self._operation(call, label, card, write=True)
        account = protocol.check_slip(entity, body)

        async def slip() -> ErpKey:
            data = await self._authorized(
                call, label, lambda t: protocol.slip_create_request(s, t, body), write=True)
            return protocol.slip_key(data, account)

        return await self._operation(call, label, slip, write=True)

    async def update(self, call: ErpCall, entity: Entity, key: ErpKey, payload: Payload) -> ErpKey:
        self._check_entity(call, entity)
        body = expect_json(payload)
        label = f"update_{entity}"
        s = call.integration_set
        if entity in protocol.CARD_RESOURCES:
            code = key.code or key.ref

            async def card() -> ErpKey:
                data = await self._authorized(
                    call, label, lambda t: protocol.card_update_request(s, t, entity, code, body),
                    write=True)
                return protocol.card_key(entity, data, code)

            return await self._operation(call, label, card, write=True)
        account = protocol.check_slip(entity, body)
        target = ErpKey(key.ref, number=key.number or key.ref, account=key.account or account)

        async def slip() -> ErpKey:
            data = await self._authorized(
                call, label, lambda t: protocol.slip_update_request(s, t, entity, target, body),
                write=True)
            return protocol.slip_key(data, target.account) if data else target

        return await self._operation(call, label, slip, write=True)

    async def read(self, call: ErpCall, entity: Entity, key: ErpKey) -> Payload:
        self._check_entity(call, entity)
        label = f"read_{entity}"
        s = call.integration_set

        async def work() -> dict[str, Any]:
            if entity in protocol.CARD_RESOURCES:
                code = key.code or key.ref
                data = await self._authorized(
                    call, label, lambda t: protocol.card_read_request(s, t, entity, code),
                    write=False)
            else:
                data = await self._authorized(
                    call, label, lambda t: protocol.slip_read_request(s, t, entity, key),
                    write=False)
            if not isinstance(data, dict):
                raise ErpRejected(f"NetOpenX returned no {entity} record")
            return data

        return await self._operation(call, label, work, write=False)

    async def delete(self, call: ErpCall, entity: Entity, key: ErpKey) -> None:
        self._check_entity(call, entity)
        label = f"delete_{entity}"
        s = call.integration_set

        async def work() -> None:
            if entity in protocol.CARD_RESOURCES:
                code = key.code or key.ref
                await self._authorized(
                    call, label, lambda t: protocol.card_delete_request(s, t, entity, code),
                    write=True)
            else:
                await self._authorized(
                    call, label, lambda t: protocol.slip_delete_request(s, t, entity, key),
                    write=True)

        await self._operation(call, label, work, write=True)

    async def calculate(self, call: ErpCall, entity: Entity, payload: Payload) -> Payload:
        self._check_entity(call, entity)
        if entity not in protocol.SLIP_TYPES:
            raise ValidationFailed(f"ItemSlips/Calculate prices documents, not {entity}")
        body = expect_json(payload)
        protocol.check_slip(entity, body)
        label = f"calculate_{entity}"
        s = call.integration_set

        async def work() -> dict[str, Any]:
            data = await self._authorized(
                call, label, lambda t: protocol.calculate_request(s, t, body), write=False)
            if not isinstance(data, dict):
                raise ErpRejected("NetOpenX returned no calculated document")
            return data

        return await self._operation(call, label, work, write=False)

    async def ping(self, call: ErpCall) -> PingInfo:
        self._check_entity(call, "account")
        s = call.integration_set

        async def work() -> PingInfo:
            started = time.perf_counter()
            reply = await self._send(call, "ping", protocol.ping_request(s), write=False)
            data = protocol.parse_envelope("public/Ping", reply, write=False)
            details = {"answer": str(data)[:200]} if data not in (None, "") else {}
            return PingInfo(time.perf_counter() - started, details)

        return await self._operation(call, "ping", work, write=False)

    # -- Netsis only ---------------------------------------------------------------------------
    async def new_number(self, call: ErpCall, entity: Entity, series: str | None = None) -> str:
        """The next free document number of a series (``ItemSlips/NewNumber``). Prefer server-side
        numbering (``Seri`` + ``KayitliNumaraOtomatikGuncellensin``): two callers can get the same
        number from NewNumber."""
        self._check_entity(call, entity)
        if entity not in protocol.SLIP_TYPES:
            raise ValidationFailed(f"NewNumber exists for documents, not {entity}")
        code = series or call.integration_set.settings.netsis_series.get(
            cast(TransferType, entity), "")
        s = call.integration_set

        async def work() -> str:
            data = await self._authorized(
                call, "new_number", lambda t: protocol.new_number_request(s, t, entity, code),
                write=False)
            return protocol.parse_number(data)

        return await self._operation(call, "new_number", work, write=False)

    async def risk(self, call: ErpCall, account: str, *, risk_type: int = protocol.RISK_TOTAL,
                   on: date | None = None) -> Decimal:
        """The account's risk figure as Netsis computes it (``ARPs/Risk``)."""
        self._check_entity(call, "account")
        s = call.integration_set

        async def work() -> Decimal:
            data = await self._authorized(
                call, "risk", lambda t: protocol.risk_request(s, t, account, risk_type=risk_type,
                                                              on=on),
                write=False)
            return protocol.parse_risk(data)

        return await self._operation(call, "risk", work, write=False)
