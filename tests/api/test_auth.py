"""API keys (N2): Bearer, compared in constant time against hashed keys; /health/live open."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from lxml import etree

from integrator.api.middlewares import caller_for, hash_key
from tests.fixtures.common import API_KEY, service_config


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong-key"}, {"Authorization": f"Basic {API_KEY}"},
     {"Authorization": "Bearer "}, {"Authorization": API_KEY},
     {"Authorization": f"Bearer {API_KEY}x"}],
)
async def test_missing_or_wrong_key_is_401(client: TestClient[Any, Any], headers: dict[str, str]) -> None:
    for method, path in (("GET", "/v1/sets"), ("POST", "/v1/sessions"), ("GET", "/v1/nope")):
        response = await client.request(method, path, headers=headers, data=b"<OpenSession user='a'/>")
        assert response.status == 401, (method, path)
        error = etree.fromstring(await response.read())
        assert error.get("code") == "UNAUTHENTICATED"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_open_paths(client: TestClient[Any, Any]) -> None:
    assert (await client.get("/health/live")).status == 200
    assert (await client.get("/health/ready")).status == 200
    assert (await client.get("/metrics")).status == 200
    assert (await client.get("/v1/openapi.yaml")).status == 200


async def test_right_key_passes(client: TestClient[Any, Any]) -> None:
    response = await client.get("/v1/sets", headers={"Authorization": f"bearer {API_KEY}"})
    assert response.status == 200


def test_caller_names_the_key_and_checks_every_key() -> None:
    cfg = service_config(api_keys=[{"name": "a", "sha256": hash_key("key-a")},
                                   {"name": "b", "sha256": hash_key("key-b")}])
    assert caller_for(cfg, "Bearer key-a") == "a"
    assert caller_for(cfg, "Bearer key-b") == "b"
    assert caller_for(cfg, "Bearer key-c") is None
    assert caller_for(cfg, "Bearer") is None


def test_keys_are_stored_as_hashes_only() -> None:
    cfg = service_config()
    assert API_KEY not in cfg.model_dump_json()
