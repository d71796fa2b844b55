"""Two replicas sharing Redis (N6): a set pushed to one is served by the other at once; a session
opened on one is valid on the other; expiry and closing are shared too."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from lxml import etree

from tests.fixtures.common import AUTH, open_session, service_config, tiger_set
from tests.fixtures.setxml import body

pytestmark = pytest.mark.redis


@pytest.fixture
async def replicas(make_client: Any, redis_url: str, store_prefix: str) -> Any:
    cfg = service_config(sets=[tiger_set()], store=redis_url, store_prefix=store_prefix)
    a = await make_client(cfg)
    b = await make_client(cfg)
    return a, b  # their keys go with the prefix (tests/conftest.py store_prefix)


async def test_set_pushed_to_one_is_served_by_the_other(replicas: Any) -> None:
    a, b = replicas
    assert (await b.get("/v1/sets/NETSIS-ANK", headers=AUTH)).status == 404
    assert (await a.put("/v1/sets/NETSIS-ANK", data=body().encode(), headers=AUTH)).status == 201
    root = etree.fromstring(await (await b.get("/v1/sets/NETSIS-ANK", headers=AUTH)).read())
    assert root.get("version") == "1"
    assert root.find("Users/User").get("transferType") == "quote"
    # a change on B is seen by A immediately (A has the old version cached)
    assert (await b.put("/v1/sets/NETSIS-ANK", data=body("dispatch").encode(), headers=AUTH)).status == 200
    root = etree.fromstring(await (await a.get("/v1/sets/NETSIS-ANK", headers=AUTH)).read())
    assert root.get("version") == "2"
    assert root.find("Users/User").get("transferType") == "dispatch"
    assert (await a.delete("/v1/sets/NETSIS-ANK", headers=AUTH)).status == 204
    assert (await b.get("/v1/sets/NETSIS-ANK", headers=AUTH)).status == 404


async def test_session_opened_on_one_is_valid_on_the_other(replicas: Any) -> None:
    a, b = replicas
    await a.put("/v1/sets/NETSIS-ANK", data=body().encode(), headers=AUTH)
    session = await open_session(a, "ayse")
    headers = {**AUTH, "X-Session": session}
    me = etree.fromstring(await (await b.get("/v1/session", headers=headers)).read())
    assert me.get("user") == "ayse" and me.get("set") == "TIGER-TEST"
    # switched on B, seen on A
    response = await b.put(f"/v1/sessions/{session}/set", data=b'<SwitchSet set="NETSIS-ANK"/>',
                           headers=AUTH)
    assert response.status == 200
    me = etree.fromstring(await (await a.get("/v1/session", headers=headers)).read())
    assert me.get("set") == "NETSIS-ANK"
    # closed on A, gone on B
    assert (await a.delete(f"/v1/sessions/{session}", headers=AUTH)).status == 204
    assert (await b.get("/v1/session", headers=headers)).status == 401


async def test_store_gauges_come_from_one_replica(replicas: Any) -> None:
    """The sessions in the shared store are reported by one replica (the lease holder), so a sum
    over the replicas counts each once; when it stops, another takes over."""
    a, b = replicas
    await open_session(a, "ayse")
    await open_session(b, "ayse")

    def reported(text: str) -> list[str]:
        return [line for line in text.splitlines()
                if line.startswith(("integrator_sessions ", "integrator_sets{"))]

    first = reported(await (await a.get("/metrics")).text())
    assert first == ["integrator_sessions 2.0", 'integrator_sets{source="api"} 0.0',
                     'integrator_sets{source="file"} 1.0']
    assert reported(await (await b.get("/metrics")).text()) == []
    assert reported(await (await a.get("/metrics")).text()) == first  # the holder keeps it
    await a.close()  # a replica that stops releases the lease
    assert reported(await (await b.get("/metrics")).text()) == first


async def test_each_replica_reports_its_copy_of_the_store_n6(replicas: Any) -> None:
    """Every replica on Redis reports whether it answers sessions from its own copy (issue 15
    item 2; docs/operations.md); the embedded store keeps no copy and reports none
    (tests/api/test_observability.py)."""
    a, _ = replicas
    session = await open_session(a, "ayse")
    headers = {**AUTH, "X-Session": session}

    def copy(text: str) -> dict[str, float]:
        return {line.split()[0]: float(line.split()[1]) for line in text.splitlines()
                if line.startswith("integrator_store_cache_")}

    for _ in range(400):  # the listener subscribes with the first session read
        assert (await a.get("/v1/session", headers=headers)).status == 200
        reported = copy(await (await a.get("/metrics")).text())
        if reported.get("integrator_store_cache_serving") == 1.0 and reported.get(
                "integrator_store_cache_values", 0) >= 1:  # the session (its set is a file's)
            break
        await asyncio.sleep(0.01)
    else:
        raise AssertionError(f"the copy is not serving: {reported}")


async def test_store_down_is_503_and_not_ready(make_client: Any) -> None:
    cfg = service_config(sets=[tiger_set()], store="redis://127.0.0.1:1/0")
    client = await make_client(cfg)
    response = await client.post("/v1/sessions", data=b'<OpenSession user="ayse"/>', headers=AUTH)
    assert response.status == 503
    error = etree.fromstring(await response.read())
    assert error.get("code") == "STORE_UNAVAILABLE" and error.get("retryable") == "true"
    assert (await client.get("/health/ready")).status == 503
    assert (await client.get("/health/live")).status == 200
    assert (await client.get("/metrics")).status == 200
