"""Netsis token cache (N5): per (set, ERP user), renewed before ``expires_in``, one re-login on
401, single-flight: many concurrent calls with an expired token cause exactly one login (read
from the simulator's login counter)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from integrator.erp.gateway import ErpCall
from integrator.errors import ErpRejected
from integrator.model import ErpKey
from tests.fixtures.erp import Erp, credentials, document

ACCOUNT = ErpKey("120-01-001", code="120-01-001")


async def _read_many(erp: Erp, count: int, call: ErpCall | None = None) -> list[Any]:
    call = call or erp.call
    return await asyncio.gather(*(erp.gateway.read(call, "account", ACCOUNT)
                                  for _ in range(count)))


async def test_200_concurrent_calls_with_a_token_expired_on_the_server_log_in_once(
        netsis: Erp) -> None:
    await netsis.gateway.read(netsis.call, "account", ACCOUNT)
    assert netsis.simulator.counters.logins == 1
    netsis.simulator.expire_tokens()  # the service forgot it (restart, revoke, clock skew)

    results = await _read_many(netsis, 200)

    assert all(r["CariTemelBilgi"]["CARI_KOD"] == "120-01-001" for r in results)
    assert netsis.simulator.counters.logins == 2  # exactly one new login for 200 calls
    assert netsis.calls("ARPs.get") == 1 + 200 + 200  # 200 refused (401), 200 sent again


async def test_200_concurrent_calls_with_a_token_past_expires_in_log_in_once(make_erp: Any) -> None:
    netsis: Erp = await make_erp("netsis", token_lifetime_s=1.0)
    await netsis.gateway.read(netsis.call, "account", ACCOUNT)
    assert netsis.simulator.counters.logins == 1
    await asyncio.sleep(0.6)  # renewal is due (lifetime 1 s, margin half of it)

    await _read_many(netsis, 200)

    assert netsis.simulator.counters.logins == 2
    assert netsis.calls("ARPs.get") == 201  # renewed before use: no call was refused


async def test_token_is_renewed_before_the_server_would_refuse_it(make_erp: Any) -> None:
    netsis: Erp = await make_erp("netsis", token_lifetime_s=2.0)
    await netsis.gateway.read(netsis.call, "account", ACCOUNT)
    await asyncio.sleep(1.1)  # past expires_in - margin (1 s), before the server's 2 s
    await netsis.gateway.read(netsis.call, "account", ACCOUNT)
    assert netsis.simulator.counters.logins == 2
    assert netsis.calls("ARPs.get") == 2  # never a 401


async def test_401_causes_one_relogin_and_one_retry(netsis: Erp) -> None:
    await netsis.gateway.read(netsis.call, "account", ACCOUNT)
    netsis.simulator.revoke_tokens()
    await netsis.gateway.read(netsis.call, "account", ACCOUNT)
    assert netsis.simulator.counters.logins == 2
    assert netsis.calls("ARPs.get") == 3


async def test_401_on_a_write_is_safe_to_send_again(netsis: Erp) -> None:
    await netsis.gateway.read(netsis.call, "account", ACCOUNT)
    netsis.simulator.revoke_tokens()
    key = await netsis.gateway.create(netsis.call, document("order", netsis.payload("order")))
    assert key.number == "S00000000000001"
    assert netsis.documents() == 1
    assert netsis.calls("ItemSlips.post") == 2


async def test_a_fresh_token_refused_again_is_not_a_loop(make_erp: Any) -> None:
    netsis: Erp = await make_erp("netsis", token_lifetime_s=0.0)  # every token dead on arrival
    with pytest.raises(ErpRejected, match="fresh token") as raised:
        await netsis.gateway.read(netsis.call, "account", ACCOUNT)
    assert raised.value.retryable is False
    assert netsis.simulator.counters.logins == 2
    assert netsis.calls("ARPs.get") == 2


async def test_wrong_password_is_a_rejected_login(netsis: Erp) -> None:
    call = ErpCall(netsis.integration_set, credentials("INTRUDER"))
    with pytest.raises(ErpRejected, match="refused the login") as raised:
        await netsis.gateway.read(call, "account", ACCOUNT)
    assert "hatalı" in raised.value.details[0].text
    assert netsis.calls("ARPs.get") == 0


async def test_a_refused_login_is_shared_by_concurrent_callers(netsis: Erp) -> None:
    """Fifty calls with a wrong password cause one login attempt, not fifty (no lockout storm)."""
    call = ErpCall(netsis.integration_set, credentials("INTRUDER"))
    results = await asyncio.gather(*(netsis.gateway.read(call, "account", ACCOUNT)
                                     for _ in range(50)), return_exceptions=True)
    assert all(isinstance(r, ErpRejected) for r in results)
    assert netsis.calls("token") == 1
    with pytest.raises(ErpRejected):  # a later call tries again
        await netsis.gateway.read(call, "account", ACCOUNT)
    assert netsis.calls("token") == 2


async def test_tokens_are_cached_per_set_and_erp_user(netsis: Erp) -> None:
    ayse = netsis.call
    mehmet = ErpCall(netsis.integration_set, credentials("MEHMET"))
    other_set = ErpCall(netsis.integration_set.model_copy(update={"code": "NETSIS-OTHER"}),
                        credentials("AYSE"))
    for call in (ayse, mehmet, other_set, ayse, mehmet, other_set):
        await netsis.gateway.read(call, "account", ACCOUNT)
    assert netsis.simulator.counters.logins == 3
    assert netsis.metrics.erp_logins.labels("NETSIS-TEST")._value.get() == 2
    assert netsis.metrics.erp_logins.labels("NETSIS-OTHER")._value.get() == 1


async def test_a_changed_set_login_invalidates_the_cached_token(netsis: Erp) -> None:
    await netsis.gateway.read(netsis.call, "account", ACCOUNT)
    service = netsis.integration_set.netsis
    assert service is not None
    moved = netsis.integration_set.model_copy(update={
        "netsis": service.model_copy(update={"dbname": "OTHERDB"})})
    with pytest.raises(ErpRejected, match="refused the login"):
        await netsis.gateway.read(ErpCall(moved, netsis.credentials), "account", ACCOUNT)
    assert netsis.simulator.counters.logins == 1  # the old token was not reused for another DB


async def test_concurrent_users_log_in_concurrently_but_once_each(netsis: Erp) -> None:
    calls = [ErpCall(netsis.integration_set, credentials(user))
             for user in ("AYSE", "MEHMET") for _ in range(50)]
    await asyncio.gather(*(netsis.gateway.read(call, "account", ACCOUNT) for call in calls))
    assert netsis.simulator.counters.logins == 2
