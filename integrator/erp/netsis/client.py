"""The NetOpenX REST gateway (Netsis): I/O only; the wire format is in ``protocol``.

Tokens are cached per (set, ERP user), renewed ``token_refresh_margin_s`` before ``expires_in``
runs out, and fetched single-flight: however many calls find the token missing or expired at the
same moment, one login runs and the others wait for it. A 401 (token expired or revoked on the
server) proves the request was not processed: the token is dropped, one login runs, and the call
is sent once more.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

from pydantic import SecretStr

from integrator.config import IntegrationSet
from integrator.erp.gateway import Endpoint, ErpCall, Gateway, PingInfo, Shared
from integrator.erp.netsis import protocol
from integrator.erp.netsis.protocol import TokenRefused
from integrator.erp.netsis.tokens import CachedToken, TokenCache, fingerprint
from integrator.erp.wire import Request
from integrator.errors import ErpRejected, ValidationFailed
from integrator.model import Document, DocumentEntity, Entity, ErpCredentials, ErpData, ErpKey
from integrator.model.entities import is_card, is_document
from integrator.model.wire import NETSIS_CARD_RESOURCES, NETSIS_DOC_TYPES


class NetsisGateway(Gateway):
    kind: ClassVar[str] = "netsis"
    entities: ClassVar[frozenset[str]] = frozenset({*NETSIS_CARD_RESOURCES, *NETSIS_DOC_TYPES})

    def __init__(self, shared: Shared) -> None:
        super().__init__(shared)
        self.tokens = TokenCache()

    def endpoint(self, integration_set: IntegrationSet) -> Endpoint:
        service = integration_set.netsis
        if service is None:
            raise ValidationFailed(f"set {integration_set.code} has no NetOpenX REST service")
        return Endpoint(service.url, service.connect_timeout_s, service.timeout_s,
                        service.settle_s)

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

        return await self.tokens.get(key, fingerprint(call.integration_set, credentials), login)

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
    async def _write(self, call: ErpCall, label: str, build: Callable[[SecretStr], Request],
                     answer: Callable[[Any], ErpKey]) -> ErpKey:
        """One write (a seat of the write limit, metrics) and the key its answer names."""
        async def work() -> ErpKey:
            return answer(await self._authorized(call, label, build, write=True))

        return await self._operation(call, label, work, write=True)

    async def create(self, call: ErpCall, document: Document) -> ErpKey:
        self._check_entity(call, document.entity)
        doc = protocol.check_document(document, "POST")
        entity, s, body = doc.entity, call.integration_set, doc.body
        label = f"create_{entity}"
        if is_card(entity):
            return await self._write(
                call, label, lambda t: protocol.card_create_request(s, t, entity, body),
                lambda data: protocol.card_key(entity, data, doc.code))
        return await self._write(call, label, lambda t: protocol.slip_create_request(s, t, body),
                                 lambda data: protocol.slip_key(data, doc.account))

    async def update(self, call: ErpCall, key: ErpKey, document: Document) -> ErpKey:
        self._check_entity(call, document.entity)
        doc = protocol.check_document(document, "PUT")
        entity, s, body = doc.entity, call.integration_set, doc.body
        label = f"update_{entity}"
        if is_card(entity):
            code = key.code or key.ref
            return await self._write(
                call, label, lambda t: protocol.card_update_request(s, t, entity, code, body),
                lambda data: protocol.card_key(entity, data, code))
        assert is_document(entity)
        target = ErpKey(key.ref, number=key.number or key.ref, account=key.account or doc.account)
        return await self._write(
            call, label, lambda t: protocol.slip_update_request(s, t, entity, target, body),
            lambda data: protocol.slip_key(data, target.account) if data else target)

    async def read(self, call: ErpCall, entity: Entity, key: ErpKey) -> ErpData:
        self._check_entity(call, entity)
        label = f"read_{entity}"
        s = call.integration_set

        async def work() -> dict[str, Any]:
            if is_card(entity):
                code = key.code or key.ref
                data = await self._authorized(
                    call, label, lambda t: protocol.card_read_request(s, t, entity, code),
                    write=False)
            else:
                assert is_document(entity)
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
            if is_card(entity):
                code = key.code or key.ref
                await self._authorized(
                    call, label, lambda t: protocol.card_delete_request(s, t, entity, code),
                    write=True)
            else:
                assert is_document(entity)
                await self._authorized(
                    call, label, lambda t: protocol.slip_delete_request(s, t, entity, key),
                    write=True)

        await self._operation(call, label, work, write=True)

    async def calculate(self, call: ErpCall, document: Document) -> ErpData:
        self._check_entity(call, document.entity)
        if document.entity not in NETSIS_DOC_TYPES:
            raise ValidationFailed(f"ItemSlips/Calculate prices documents, not {document.entity}")
        body = protocol.check_document(document, "POST").body
        label = f"calculate_{document.entity}"
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
    async def new_number(self, call: ErpCall, entity: DocumentEntity,
                         series: str | None = None) -> str:
        """The next free document number of a series (``ItemSlips/NewNumber``). Prefer server-side
        numbering (``Seri`` + ``KayitliNumaraOtomatikGuncellensin``): two callers can get the same
        number from NewNumber."""
        self._check_entity(call, entity)
        if entity not in NETSIS_DOC_TYPES:
            raise ValidationFailed(f"NewNumber exists for documents, not {entity}")
        code = series or call.integration_set.settings.netsis_series.get(entity, "")
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
