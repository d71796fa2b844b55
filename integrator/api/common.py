"""Small helpers every handler shares: read a bounded body, parse it, answer with XML."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Collection
from typing import TypeVar

from aiohttp import hdrs, web
from lxml import etree

from integrator.api.inbound import parse_body, parse_record, parse_records
from integrator.api.keys import CONFIG
from integrator.api.render import to_bytes
from integrator.errors import BadXml, UnsupportedMediaType
from integrator.model import CrmRecord
from integrator.model.xml import parse_xml

XML_CONTENT_TYPE = "application/xml"
T = TypeVar("T")
# media types read as XML: application/xml, text/xml, application/<anything>+xml; and, as if no type
# were given, application/octet-stream (what HTTP lets a recipient assume when Content-Type is
# missing; docs/api.md)
_XML_MEDIA_TYPE = re.compile(r"(?:application|text)/xml|application/[^/\s]+\+xml")
_UNTYPED = "application/octet-stream"


def require_xml_body(request: web.Request) -> None:
    """``UNSUPPORTED_MEDIA_TYPE`` (415) unless the body is declared as XML or not declared."""
    if hdrs.CONTENT_TYPE not in request.headers:
        return
    media = request.content_type  # lower-cased, without parameters (charset is not consulted)
    if media != _UNTYPED and not _XML_MEDIA_TYPE.fullmatch(media):
        raise UnsupportedMediaType(
            f"the body is declared as {media!r}; send XML (Content-Type: application/xml)")


async def read_body(request: web.Request) -> bytes:
    """The request body (declared as XML), refused early when it announces more than the limit."""
    require_xml_body(request)
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


async def record_body(request: web.Request, expected: Collection[str]) -> CrmRecord:
    """The request body as one CRM record (<Account>, <Product>, <Quote>), validated."""
    body = await read_body(request)
    return parse_record(body, expected=expected,
                        max_depth=request.app[CONFIG].limits.max_xml_depth)


async def records_body(request: web.Request, container: str) -> list[CrmRecord]:
    """A bulk body (<Accounts>, <Products>) as CRM records in input order, validated whole."""
    body = await read_body(request)
    return parse_records(body, container=container,
                         max_depth=request.app[CONFIG].limits.max_xml_depth)


async def raw_xml_body(request: web.Request) -> etree._Element:
    """The request body parsed (hardened) without the CRM XSD (for documents with their own
    validation, such as integration sets)."""
    body = await read_body(request)
    return parse_xml(body, max_depth=request.app[CONFIG].limits.max_xml_depth)


def xml_response(answer: etree._Element | str, *, status: int = 200) -> web.Response:
    """An XML answer: an element, or XML text rendered by ``api.render``."""
    return web.Response(body=to_bytes(answer), status=status, content_type=XML_CONTENT_TYPE,
                        charset="utf-8")


async def finish(work: Awaitable[T]) -> T:
    """Await ``work`` in its own task: should the handler be cancelled (a client that went away,
    with handler cancellation on), a started ERP write still completes and is remembered."""
    task = asyncio.ensure_future(work)
    # a task left running by a cancelled handler still has its outcome looked at (and logged by
    # the sync layer), never reported as "exception was never retrieved"
    task.add_done_callback(lambda done: done.cancelled() or done.exception())
    return await asyncio.shield(task)
