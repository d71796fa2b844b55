"""Sets pushed by the CRM are encrypted at rest in the store when keys are configured."""

from __future__ import annotations

from typing import Any

import pytest
import redis.asyncio as aioredis
from lxml import etree
from pydantic import SecretStr, ValidationError

from integrator.api.keys import STORE
from integrator.sessions.seal import SealBroken, Sealer, new_key
from tests.fixtures.common import AUTH, service_config
from tests.fixtures.setxml import SECRETS, body


def test_seal_round_trip_and_rotation() -> None:
    old, new = new_key(), new_key()
    sealed_old = Sealer([SecretStr(old)]).seal(b"ERP password: ayse-pw-99")
    assert b"ayse-pw-99" not in sealed_old
    rotated = Sealer([SecretStr(new), SecretStr(old)])
    assert rotated.open(sealed_old) == b"ERP password: ayse-pw-99"
    assert rotated.seal(b"x") != sealed_old
    with pytest.raises(SealBroken):
        Sealer([SecretStr(new)]).open(sealed_old)
    with pytest.raises(SealBroken):
        Sealer([]).open(sealed_old)
    assert Sealer([]).open(b'{"plain": 1}') == b'{"plain": 1}'


def test_keys_are_validated() -> None:
    with pytest.raises(ValidationError, match="not a Fernet key"):
        service_config(store_encryption_keys=["short"])


async def test_stored_set_is_sealed(make_client: Any) -> None:
    client = await make_client(service_config(store_encryption_keys=[new_key()]))
    assert (await client.put("/v1/sets/NETSIS-ANK", data=body().encode(), headers=AUTH)).status == 201
    item = await client.app[STORE].get_versioned("sets:NETSIS-ANK")
    assert item is not None and item[1].startswith(b"fernet:")
    assert not any(secret.encode() in item[1] for secret in SECRETS)
    response = await client.get("/v1/sets/NETSIS-ANK", headers=AUTH)
    assert etree.fromstring(await response.read()).get("name") == "Ankara şubesi"


@pytest.mark.redis
async def test_replicas_share_sealed_sets(make_client: Any, redis_url: str, store_prefix: str) -> None:
    key = new_key()
    a = await make_client(service_config(store=redis_url, store_prefix=store_prefix,
                                         store_encryption_keys=[key]))
    b = await make_client(service_config(store=redis_url, store_prefix=store_prefix,
                                         store_encryption_keys=[new_key(), key]))
    wrong = await make_client(service_config(store=redis_url, store_prefix=store_prefix,
                                             store_encryption_keys=[new_key()]))
    assert (await a.put("/v1/sets/NETSIS-ANK", data=body().encode(), headers=AUTH)).status == 201
    raw = aioredis.Redis.from_url(redis_url)
    value = await raw.hget(store_prefix + "sets:NETSIS-ANK", "data")
    await raw.aclose()
    assert value is not None and not any(s.encode() in value for s in SECRETS)
    assert (await b.get("/v1/sets/NETSIS-ANK", headers=AUTH)).status == 200
    response = await wrong.get("/v1/sets/NETSIS-ANK", headers=AUTH)
    assert response.status == 500
    assert etree.fromstring(await response.read()).get("code") == "INTERNAL"
