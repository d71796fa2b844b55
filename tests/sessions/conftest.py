"""Fixtures of the store's tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis


@pytest.fixture
async def admin(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    """A plain redis-py client on the test Redis (what another program would do to the keys)."""
    client = aioredis.Redis.from_url(redis_url)
    yield client
    await client.aclose()
