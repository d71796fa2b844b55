"""No secret of an ERP login (securityCode, LbsLoadPass, Netsis passwords, bearer tokens) reaches a
log line, an error message or a repr, whatever the gateway goes through (N3, B5)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import structlog
from pydantic import SecretStr

from integrator import logs
from integrator.erp.gateway import ErpCall
from integrator.erp.logo import protocol as logo_protocol
from integrator.erp.netsis import protocol as netsis_protocol
from integrator.errors import IntegratorError
from integrator.model import ErpKey
from tests.fixtures.erp import NETSIS_DB_PASSWORD, NETSIS_USERS, SECURITY_CODE, Erp, credentials, document


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    logs.configure("DEBUG", "json", stream=stream)
    try:
        yield stream
    finally:
        structlog.reset_defaults()
        root.handlers[:] = handlers
        root.setLevel(level)


def _texts(error: IntegratorError) -> str:
    return " ".join([error.message, *(d.text for d in error.details), repr(error)])


async def _exercise(erp: Erp) -> list[str]:
    """Successes, rejections, refused logins, lost answers and unreachable hosts."""
    seen: list[str] = []
    gateway, call = erp.gateway, erp.call

    async def attempt(coro: Any) -> None:
        try:
            await coro
        except IntegratorError as exc:
            seen.append(_texts(exc))

    await attempt(gateway.ping(call))
    await attempt(gateway.create(call, document("account", erp.payload("account"))))
    await attempt(gateway.create(call, document("account", erp.payload("account"))))  # duplicate
    erp.simulator.faults.set(erp.route("create"), "commit_drop", times=1)
    await attempt(gateway.create(call, document("order", erp.payload("order"))))
    erp.simulator.faults.set(erp.route("read"), "soap_fault", times=1,
                             message="server broke")
    await attempt(gateway.read(call, "order", ErpKey("1", number="S00000000000001",
                                                    account="120-01-001")))
    section = "logo" if erp.kind == "logo" else "netsis"
    service = getattr(erp.integration_set, section)
    closed = erp.integration_set.model_copy(update={section: service.model_copy(
        update={"url": "http://127.0.0.1:9/api/v2/"})})
    await attempt(gateway.read(ErpCall(closed, erp.credentials), "account", ErpKey("2")))
    if erp.kind == "logo":
        wrong = erp.integration_set.model_copy(update={"logo": service.model_copy(
            update={"security_code": SecretStr("not-the-code")})})
        await attempt(gateway.ping(ErpCall(wrong)))
    else:
        erp.simulator.revoke_tokens()
        await attempt(gateway.read(call, "account", ErpKey("120-01-001")))
        await attempt(gateway.read(ErpCall(erp.integration_set, credentials("INTRUDER")),
                                   "account", ErpKey("120-01-001")))
    return seen


async def test_no_secret_in_logs_errors_or_reprs(make_erp: Any, log_output: io.StringIO) -> None:
    logo: Erp = await make_erp("logo")
    netsis: Erp = await make_erp("netsis")
    errors = await _exercise(logo) + await _exercise(netsis)
    assert len(errors) >= 8  # the failures above did happen
    tokens = list(netsis.simulator.sessions)
    assert tokens  # the test saw real tokens
    secrets = [SECURITY_CODE, NETSIS_DB_PASSWORD, *NETSIS_USERS.values(), *tokens]

    output = log_output.getvalue()
    assert '"event": "erp_call"' in output
    reprs = [repr(logo.call), repr(netsis.call),
             repr(logo_protocol.info_request(logo.integration_set)),
             repr(netsis_protocol.token_request(netsis.integration_set, credentials("AYSE")))]
    for secret in secrets:
        assert secret not in output, "a secret reached the log"
        for text in errors + reprs:
            assert secret not in text, f"a secret reached an error or repr: {text[:120]}"
