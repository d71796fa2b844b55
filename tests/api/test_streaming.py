"""Chunked XML answers and the ordered bounded runner used by bulk transfers (F11, F18)."""

from __future__ import annotations

import asyncio
import contextlib
import random
from typing import Any

import pytest
from aiohttp import web
from lxml import etree

from integrator.api.streaming import XmlStream, in_order
from integrator.errors import ErpUnavailable


async def test_results_in_input_order_with_bounded_concurrency() -> None:
    running = 0
    peak = 0

    async def work(i: int) -> int:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(random.uniform(0, 0.01))
        running -= 1
        return i * 2

    results = [r async for r in in_order(range(200), work, window=7)]
    assert results == [i * 2 for i in range(200)]
    assert peak <= 7


async def test_first_result_arrives_before_the_last_item_finishes() -> None:
    gate = asyncio.Event()
    seen: list[int] = []

    async def work(i: int) -> int:
        if i == 9:
            await gate.wait()
        return i

    async def consume() -> None:
        async for r in in_order(range(10), work, window=10):
            seen.append(r)

    task = asyncio.create_task(consume())
    await asyncio.sleep(0.05)
    assert seen == list(range(9))  # streamed while item 9 is still running
    gate.set()
    await task
    assert seen == list(range(10))


@pytest.mark.parametrize("finish_started", [False, True])
async def test_stopping_early(finish_started: bool) -> None:
    started: list[int] = []
    finished: list[int] = []

    async def work(i: int) -> int:
        started.append(i)
        await asyncio.sleep(0.005 if i < 3 else 0.2)
        finished.append(i)
        return i

    results = in_order(range(100), work, window=5, finish_started=finish_started)
    async for r in results:
        if r == 2:
            break
    await results.aclose()
    assert len(started) < 100  # nothing new started after the stop
    if finish_started:
        assert sorted(finished) == sorted(started)  # started writes were allowed to finish
    else:
        assert len(finished) < len(started)


async def test_a_cancelled_consumer_does_not_cancel_started_work() -> None:
    """The consumer (a bulk handler) is cancelled while it waits for the oldest item: with
    finish_started the started items still finish (a started ERP write may commit)."""
    finished: list[int] = []
    gate = asyncio.Event()

    async def work(i: int) -> int:
        await gate.wait()
        finished.append(i)
        return i

    async def consume() -> None:
        async for _ in in_order(range(10), work, window=3, finish_started=True):
            pass

    task = asyncio.create_task(consume())
    await asyncio.sleep(0.01)  # three items started, the consumer waits for the first
    task.cancel()
    await asyncio.sleep(0.01)
    gate.set()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await asyncio.sleep(0.01)
    assert sorted(finished) == [0, 1, 2]


async def test_xml_stream(aiohttp_client: Any) -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        fail = request.query.get("fail")
        async with XmlStream(request, "Accounts", {"set": "T"}, flush_every=3) as stream:
            for i in range(10):
                if fail and i == 5:
                    raise ErpUnavailable("the ERP went away")
                await stream.write(etree.Element("Account", ref=str(i), title="Şişli"))
        return stream.response

    app = web.Application()
    app.router.add_get("/s", handler)
    client = await aiohttp_client(app)
    response = await client.get("/s")
    assert response.headers["Transfer-Encoding"] == "chunked"
    root = etree.fromstring(await response.read())
    assert root.get("set") == "T" and [a.get("ref") for a in root] == [str(i) for i in range(10)]
    assert root[0].get("title") == "Şişli"

    response = await client.get("/s?fail=1")
    root = etree.fromstring(await response.read())  # still well-formed
    assert [c.tag for c in root] == ["Account"] * 5 + ["Error"]
    assert root[-1].get("code") == "ERP_UNAVAILABLE" and root[-1].get("retryable") == "true"
