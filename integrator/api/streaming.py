"""Streaming answers: chunked XML written element by element, and bulk work run with bounded
concurrency whose results come out in input order as soon as they are ready (F11, F18).

Memory stays constant in the number of records: a stream holds one element at a time, the ordered
runner at most ``window`` records in flight or waiting for their turn.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable
from typing import TypeVar

import structlog
from aiohttp import web
from lxml import etree

from integrator.api.keys import REQUEST_ID
from integrator.api.render import error_element
from integrator.errors import IntegratorError, Internal

log = structlog.get_logger("integrator.stream")

T = TypeVar("T")
R = TypeVar("R")


class XmlStream:
    """A chunked XML answer: ``<Root attrs>`` child elements ... ``</Root>``.

    Each ``write`` is one child element, or XML text rendered by ``api.render`` (a batch of bulk
    read records); every ``flush_every`` writes the buffered text goes out as one chunk.

    An error after the answer has started (the status is already sent) is written as an
    ``<Error>`` element inside the root, and the root is closed, so the caller always receives a
    well-formed document and can tell a complete answer from a broken one.
    """

    def __init__(self, request: web.Request, root: str, attrs: dict[str, str] | None = None,
                 *, flush_every: int = 64) -> None:
        self._request = request
        self._root = root
        self._attrs = attrs or {}
        self._response = web.StreamResponse(status=200)
        self._response.content_type = "application/xml"
        self._response.charset = "utf-8"
        self._buffer: list[str] = []
        self._flush_every = flush_every
        self.written = 0

    async def __aenter__(self) -> XmlStream:
        self._response.enable_chunked_encoding()
        self._response.headers["X-Request-Id"] = self._request.get(REQUEST_ID, "-")
        await self._response.prepare(self._request)
        opening = etree.tostring(etree.Element(self._root, self._attrs), encoding="unicode")
        head = opening[:-2] + ">"  # <Root a="1"/> -> <Root a="1">
        await self._response.write(b"<?xml version='1.0' encoding='UTF-8'?>\n" + head.encode())
        return self

    async def write(self, piece: etree._Element | str) -> None:
        self._buffer.append(piece if isinstance(piece, str) else etree.tostring(
            piece, encoding="unicode"))
        self.written += 1
        if len(self._buffer) >= self._flush_every:
            await self.flush()

    async def flush(self) -> None:
        if self._buffer:
            chunk = "".join(self._buffer).encode()
            self._buffer.clear()
            await self._response.write(chunk)

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: object) -> bool:
        if isinstance(exc, asyncio.CancelledError | ConnectionResetError):
            return False
        suppress = False
        if exc is not None:
            error = exc if isinstance(exc, IntegratorError) else Internal(
                "internal error; see the service log")
            if not isinstance(exc, IntegratorError):
                log.error("stream_failed", exc_info=exc)
            self._buffer.append(etree.tostring(
                error_element(error, self._request.get(REQUEST_ID, "-")), encoding="unicode"))
            suppress = True
        self._buffer.append(f"</{self._root}>")
        try:
            await self.flush()
            await self._response.write_eof()
        except ConnectionResetError:
            return suppress
        return suppress

    @property
    def response(self) -> web.StreamResponse:
        return self._response


async def in_order(items: Iterable[T] | AsyncIterable[T], work: Callable[[T], Awaitable[R]],
                   *, window: int, finish_started: bool = False) -> AsyncIterator[R]:
    """Run ``work`` on every item with at most ``window`` running at once and yield the results
    in input order, each as soon as it and all before it are done.

    ``work`` must not raise for an item's own failure (return a result that says so). When the
    consumer stops early (an error, a dropped client), no further item is started; work already
    started is cancelled, or — with ``finish_started`` (ERP writes: a cancelled write may still
    commit) — left to finish, so whatever it records is not lost.
    """
    if window < 1:
        raise ValueError("window must be at least 1")
    pending: deque[asyncio.Task[R]] = deque()

    async def source() -> AsyncIterator[T]:
        if isinstance(items, AsyncIterable):
            async for item in items:
                yield item
        else:
            for item in items:
                yield item

    async def head() -> R:
        # the oldest item stays in ``pending`` until it is done, so that the cleanup below sees it;
        # with finish_started it is awaited through a shield: a cancelled consumer (a handler
        # cancelled because its client went away) must not cancel a started write with it
        first = pending[0]
        result = await (asyncio.shield(first) if finish_started else first)
        pending.popleft()
        return result

    try:
        async for item in source():
            pending.append(asyncio.ensure_future(work(item)))
            while len(pending) >= window or (pending and pending[0].done()):
                yield await head()
        while pending:
            yield await head()
    finally:
        if pending:
            if not finish_started:
                for task in pending:
                    task.cancel()
            # shielded: if this generator is being cancelled, the started work still completes
            await asyncio.shield(asyncio.gather(*pending, return_exceptions=True))
