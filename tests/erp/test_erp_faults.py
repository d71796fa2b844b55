"""Fault matrix (N5, N8): every injected fault x create/read/delete/calculate, on both gateways,
yields the SPEC error code and retry flag; a write whose answer is lost is never sent twice."""

from __future__ import annotations

from typing import Any

import pytest

from integrator.errors import (
    ErpCommitUncertain,
    ErpRejected,
    ErpTimeout,
    ErpUnavailable,
    IntegratorError,
)
from integrator.model import ErpKey
from tests.fixtures.erp import QUOTE_ID, Erp, document

UNCERTAIN = (ErpCommitUncertain, "ERP_COMMIT_UNCERTAIN", True)
UNAVAILABLE = (ErpUnavailable, "ERP_UNAVAILABLE", True)
TIMEOUT = (ErpTimeout, "ERP_TIMEOUT", True)
REJECTED = (ErpRejected, "ERP_REJECTED", False)

# fault -> operation -> (class, code, retryable). Writes (create, delete) whose outcome is unknown
# are ERP_COMMIT_UNCERTAIN; reads and calculations are safe to retry.
MATRIX: dict[str, dict[str, tuple[type[IntegratorError], str, bool]]] = {
    "latency": {"create": UNCERTAIN, "read": TIMEOUT, "delete": UNCERTAIN, "calculate": TIMEOUT},
    "http_500": {"create": UNCERTAIN, "read": UNAVAILABLE, "delete": UNCERTAIN,
                 "calculate": UNAVAILABLE},
    "soap_fault": {"create": UNCERTAIN, "read": UNAVAILABLE, "delete": UNCERTAIN,
                   "calculate": UNAVAILABLE},
    "business_error": {"create": REJECTED, "read": REJECTED, "delete": REJECTED,
                       "calculate": REJECTED},
    "reset": {"create": UNCERTAIN, "read": UNAVAILABLE, "delete": UNCERTAIN,
              "calculate": UNAVAILABLE},
    "commit_drop": {"create": UNCERTAIN, "read": UNAVAILABLE, "delete": UNCERTAIN,
                    "calculate": UNAVAILABLE},
}
CASES = [(fault, operation) for fault, row in MATRIX.items() for operation in row]


async def _run(erp: Erp, operation: str, key: ErpKey | None) -> Any:
    gateway, call = erp.gateway, erp.call
    if operation == "create":
        return await gateway.create(call, document("order", erp.payload("order")))
    if operation == "calculate":
        return await gateway.calculate(call, document("order", erp.payload("order")))
    assert key is not None
    if operation == "read":
        return await gateway.read(call, "order", key)
    return await gateway.delete(call, "order", key)


@pytest.mark.parametrize(("fault", "operation"), CASES)
async def test_fault_matrix(erp: Erp, fault: str, operation: str) -> None:
    expected_class, code, retryable = MATRIX[fault][operation]
    key = None
    if operation in ("read", "delete"):
        key = await erp.gateway.create(erp.call, document("order", erp.payload("order")))
    before = erp.documents(QUOTE_ID)
    erp = erp.with_timeouts(0.5)  # the latency fault (1.5 s) outlasts it
    route = erp.route(operation)
    erp.simulator.faults.set(route, fault, seconds=1.5, message="simüle edilmiş hata")
    sent_before = erp.calls(route)

    with pytest.raises(IntegratorError) as raised:
        await _run(erp, operation, key)

    error = raised.value
    assert isinstance(error, expected_class), f"{type(error).__name__}: {error}"
    assert (error.code, error.retryable) == (code, retryable)
    if fault == "business_error":
        assert error.details[0].text.endswith("simüle edilmiş hata")
        assert error.details[0].source == "erp"
    sent = erp.calls(route) - sent_before
    if operation in ("create", "delete"):
        assert sent == 1, "a write that may have reached the ERP was sent again"
    elif erp.kind == "logo" or operation == "calculate":
        assert sent == 1  # nothing that left is retried by the gateway
    # what the database holds afterwards (a delayed call still completes after the client gave
    # up, so the latency rows say nothing about the database)
    if fault == "latency":
        return
    if operation == "create":
        assert erp.documents(QUOTE_ID) == before + (1 if fault == "commit_drop" else 0)
    elif operation == "delete":
        assert erp.documents(QUOTE_ID) == (0 if fault == "commit_drop" else before)
    else:
        assert erp.documents(QUOTE_ID) == before

async def test_commit_then_drop_on_create_leaves_exactly_one_record(erp: Erp) -> None:
    """The Must-show case: the ERP saved the order, the answer was lost; the gateway reports
    ERP_COMMIT_UNCERTAIN (retryable: a retry reconciles) and never re-sends, so the database holds
    the one record."""
    erp.simulator.faults.set(erp.route("create"), "commit_drop", times=1)
    with pytest.raises(ErpCommitUncertain) as raised:
        await erp.gateway.create(erp.call, document("order", erp.payload("order")))
    assert raised.value.code == "ERP_COMMIT_UNCERTAIN"
    assert raised.value.retryable is True
    assert raised.value.status == 504
    assert erp.calls(erp.route("create")) == 1
    assert erp.documents(QUOTE_ID) == 1
    outcomes = erp.metrics.erp_calls.labels(erp.integration_set.code, "create_order",
                                            "erp_commit_uncertain")
    assert outcomes._value.get() == 1


async def test_card_write_with_lost_answer_is_not_resent(erp: Erp) -> None:
    """PUT/DELETE are idempotent to HTTP, so aiohttp would re-send them once on a dropped
    connection; the gateway must not let that happen to an ERP write."""
    key = await erp.gateway.create(erp.call, document("account", erp.payload("account")))
    route = erp.route("delete", "account")
    erp.simulator.faults.set(route, "commit_drop")
    with pytest.raises(ErpCommitUncertain):
        await erp.gateway.delete(erp.call, "account", key)
    assert erp.calls(route) == 1
    code = "120.01.900" if erp.kind == "logo" else "120-01-900"
    assert erp.accounts(code) == []  # it was committed once
