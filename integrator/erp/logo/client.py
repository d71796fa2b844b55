"""The LogoObjectService gateway (Tiger/Go): I/O only; the wire format is in ``protocol``."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar

import structlog

from integrator.config import IntegrationSet
from integrator.erp.gateway import Endpoint, ErpCall, Gateway, PingInfo
from integrator.erp.logo import protocol
from integrator.erp.wire import Request
from integrator.errors import IntegratorError, ValidationFailed
from integrator.model import Document, Entity, ErpData, ErpKey
from integrator.model.wire import LOGO_ROOTS, LOGO_SLIPS

log = structlog.get_logger("integrator.erp.logo")


def _reference(key: ErpKey) -> int:
    try:
        value = int(key.ref)
    except ValueError:
        value = 0
    if value <= 0:
        raise ValidationFailed(f"a Logo record is addressed by its LOGICALREF (a positive number), "
                               f"not {key.ref!r}")
    return value


class LogoGateway(Gateway):
    kind: ClassVar[str] = "logo"
    entities: ClassVar[frozenset[str]] = frozenset(LOGO_ROOTS)

    def endpoint(self, integration_set: IntegrationSet) -> Endpoint:
        service = integration_set.logo
        if service is None:
            raise ValidationFailed(f"set {integration_set.code} has no LogoObjectService")
        return Endpoint(service.url, service.connect_timeout_s, service.timeout_s,
                        service.settle_s)

    async def _soap(self, call: ErpCall, operation: str, label: str,
                    request: Request, *, write: bool) -> protocol.LogoResult:
        reply = await self._send(call, label, request, write=write)
        return protocol.parse_answer(operation, reply, write=write)

    async def create(self, call: ErpCall, document: Document) -> ErpKey:
        self._check_entity(call, document.entity)
        facts = protocol.check_document(document, "INS")
        entity = facts.entity
        label = f"create_{entity}"

        async def work() -> ErpKey:
            request = protocol.append_request(call.integration_set, facts.data_type, 0, facts.xml,
                                              priced=facts.priced)
            result = await self._soap(call, "AppendDataObject", label, request, write=True)
            return ErpKey(str(result.data_reference), code=facts.code, number=facts.number)

        key = await self._operation(call, label, work, write=True)
        if entity in LOGO_SLIPS and facts.number in ("", "~"):
            key = await self._assigned_number(call, entity, key)
        return key

    async def _assigned_number(self, call: ErpCall, entity: Entity, key: ErpKey) -> ErpKey:
        """Append answers only the LOGICALREF; the number Logo assigned (``NUMBER ~``) is read
        back. The record exists either way: a failed read-back leaves ``number`` empty."""
        try:
            exported = await self.read(call, entity, key)
        except IntegratorError as exc:
            log.warning("erp_number_unread", set=call.set_code, entity=entity, ref=key.ref,
                        code=exc.code)
            return ErpKey(key.ref, code=key.code, number="")
        code, number = protocol.read_number(exported if isinstance(exported, str) else "")
        return ErpKey(key.ref, code=key.code or code, number=number)

    async def update(self, call: ErpCall, key: ErpKey, document: Document) -> ErpKey:
        self._check_entity(call, document.entity)
        facts = protocol.check_document(document, "UPD")
        reference = _reference(key)
        label = f"update_{facts.entity}"

        async def work() -> ErpKey:
            request = protocol.append_request(call.integration_set, facts.data_type, reference,
                                              facts.xml)
            result = await self._soap(call, "AppendDataObject", label, request, write=True)
            ref = str(result.data_reference or reference)
            number = key.number if facts.number in ("", "~") else facts.number
            return ErpKey(ref, code=facts.code or key.code, number=number)

        return await self._operation(call, label, work, write=True)

    async def read(self, call: ErpCall, entity: Entity, key: ErpKey) -> ErpData:
        result = await self._by_reference(call, entity, key, "ReadDataObject",
                                          protocol.read_request, write=False)
        return result.data_xml

    async def delete(self, call: ErpCall, entity: Entity, key: ErpKey) -> None:
        await self._by_reference(call, entity, key, "DeleteDataObject", protocol.delete_request,
                                 write=True)

    async def _by_reference(self, call: ErpCall, entity: Entity, key: ErpKey, operation: str,
                            build: Callable[[IntegrationSet, int, int], Request], *,
                            write: bool) -> protocol.LogoResult:
        """Read or delete a record addressed by its LOGICALREF."""
        self._check_entity(call, entity)
        reference = _reference(key)
        label = f"{'delete' if write else 'read'}_{entity}"

        async def work() -> protocol.LogoResult:
            request = build(call.integration_set, protocol.data_type(entity), reference)
            return await self._soap(call, operation, label, request, write=write)

        return await self._operation(call, label, work, write=write)

    async def calculate(self, call: ErpCall, document: Document) -> ErpData:
        self._check_entity(call, document.entity)
        facts = protocol.check_document(document, "INS")
        entity = facts.entity
        if entity not in LOGO_SLIPS:
            raise ValidationFailed(f"CalculateDataObject prices documents (order, dispatch), not "
                                   f"{entity}")
        label = f"calculate_{entity}"

        async def work() -> str:
            request = protocol.calculate_request(call.integration_set, facts.data_type, facts.xml)
            result = await self._soap(call, "CalculateDataObject", label, request, write=False)
            return result.data_xml

        return await self._operation(call, label, work, write=False)

    async def ping(self, call: ErpCall) -> PingInfo:
        self._check_entity(call, "account")

        async def work() -> PingInfo:
            started = time.perf_counter()
            request = protocol.info_request(call.integration_set)
            result = await self._soap(call, "getInfo", "ping", request, write=False)
            return PingInfo(time.perf_counter() - started, protocol.parse_info(result.result_xml))

        return await self._operation(call, "ping", work, write=False)
