"""Small helpers every handler shares: read a bounded body, parse it, answer with XML."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Collection
from typing import TypeVar

from aiohttp import web
from lxml import etree

from integrator.api.inbound import parse_body
from integrator.api.keys import CONFIG
from integrator.api.render import to_bytes
from integrator.errors import BadXml
from integrator.model.xml import parse_xml

XML_CONTENT_TYPE = "application/xml"
T = TypeVar("T")


async def read_body(request: web.Request) -> bytes:
    """The request body, refused early when it announces more than the limit."""
    limit = request.app[CONFIG].limits.max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        raise BadXml(f"request body of {request.content_length} bytes exceeds the limit of "
                     f"{limit} bytes")
    return await request.read()  # aiohttp enforces client_max_size (= limit) while reading


async def xml_body(request: web.Request, expected: Collection[str]) -> etree._Element:
    """The request body parsed (hardened), root-checked and validated against the CRM XSD."""
    body = await read_body(request)
    return parse_body(body, expected=expected,
                      max_depth=request.app[CONFIG].limits.max_xml_depth)


async def raw_xml_body(request: web.Request) -> etree._Element:
    """The request body parsed (hardened) without the CRM XSD (for documents with their own
    validation, such as integration sets)."""
    body = await read_body(request)
    return parse_xml(body, max_depth=request.app[CONFIG].limits.max_xml_depth)


def xml_response(element: etree._Element, *, status: int = 200) -> web.Response:
    return web.Response(body=to_bytes(element), status=status, content_type=XML_CONTENT_TYPE,
                        charset="utf-8")


async def finish(work: Awaitable[T]) -> T:
    """Await ``work`` in its own task: should the handler be cancelled (a client that went away,
    with handler cancellation on), a started ERP write still completes and is remembered."""
    task = asyncio.ensure_future(work)
    # a task left running by a cancelled handler still has its outcome looked at (and logged by
    # the sync layer), never reported as "exception was never retrieved"
    task.add_done_callback(lambda done: done.cancelled() or done.exception())
    return await asyncio.shield(task)
