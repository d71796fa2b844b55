"""Accounts and products, CRM <-> ERP, single and bulk (F9-F11, F16-F18; docs/sync.md).

Thin: resolve the session, parse and validate the body, hand the records to
``integrator.services`` (``cards``, ``listing``), render the answer (``api.render``). Fixed paths
(``/bulk``) are registered before ``/{ref}``; the search routes of ``api.lookups`` are registered
before this module.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar, cast

import structlog
from aiohttp import web
from lxml import etree

from integrator.api import render
from integrator.api.common import finish, record_body, records_body, xml_response
from integrator.api.context import cards, resolve
from integrator.api.keys import CONFIG, CURSORS, REQUEST_ID
from integrator.api.streaming import XmlStream, in_order
from integrator.errors import Detail, IntegratorError, Internal, ValidationFailed
from integrator.model import CardEntity, CrmRecord
from integrator.services import listing
from integrator.services.turns import Turn, Turns, identities

routes = web.RouteTableDef()
log = structlog.get_logger("integrator.sync")

T = TypeVar("T")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class Kind:
    entity: CardEntity
    record: str      # Account / Product
    plural: str      # Accounts / Products
    path: str        # /v1/accounts


ACCOUNT = Kind("account", "Account", "Accounts", "/v1/accounts")
PRODUCT = Kind("product", "Product", "Products", "/v1/products")


def bulk_window(write_concurrency: int) -> int:
    """Records in flight at once in a bulk: twice the set's write seats, so the seats stay busy
    while the oldest record holds up the ordered output (the write limiter bounds the ERP)."""
    return max(2, 2 * write_concurrency)


def save_handler(kind: Kind) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        context = await resolve(request)
        record = await record_body(request, {kind.record})
        saved = await finish(cards(request.app).save(context, kind.entity, record))
        return xml_response(render.link_element(saved), status=201 if saved.created else 200)

    handler.__doc__ = (f"F9/F16: create (no link) or update (link) the ERP {kind.entity}; answers "
                       "<Link ref code created/>.")
    return handler


def bulk_handler(kind: Kind) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        context = await resolve(request)
        records = await records_body(request, kind.plural)  # the whole body is validated first
        limit = request.app[CONFIG].limits.max_bulk_records
        if len(records) > limit:
            raise ValidationFailed(f"a bulk request holds at most {limit} records; this one holds "
                                   f"{len(records)}", details=[Detail(str(len(records)), "input")])
        service = cards(request.app)
        request_id = request.get(REQUEST_ID, "-")

        turns = Turns()  # records for the same ERP card go one after another, in input order

        async def work(item: tuple[int, CrmRecord, Turn]) -> etree._Element:
            index, record, turn = item
            try:
                await turn.wait()
                saved = await service.save(context, kind.entity, record)
            except IntegratorError as error:
                return render.result_element(index, record, error=error, request_id=request_id)
            except Exception:  # one record's bug never stops the others
                log.exception("bulk_record_failed", entity=kind.entity, index=index)
                return render.result_element(index, record, request_id=request_id,
                                             error=Internal("internal error; see the service log"))
            finally:
                turn.done()
            return render.result_element(index, record, saved=saved)

        window = bulk_window(context.integration_set.settings.write_concurrency)
        stream = XmlStream(request, "Results", {"set": context.set_code, "entity": kind.entity,
                                                "count": str(len(records))}, flush_every=1)
        written = 0
        try:
            items = ((index, record, turns.take(identities(context, kind.entity, record)))
                     for index, record in enumerate(records, 1))  # turns taken in input order
            ordered = cast("AsyncGenerator[etree._Element, None]", in_order(
                items, work, window=window, finish_started=True))
            async with stream, contextlib.aclosing(ordered) as results:
                async for element in results:
                    await stream.write(element)
                    written += 1
        except ConnectionResetError:
            # started writes were left to finish (and remembered); nothing more is started
            log.warning("bulk_client_gone", entity=kind.entity, records=len(records),
                        answered=written)
        return stream.response

    handler.__doc__ = (f"F11/F18: bulk CRM -> ERP of {kind.plural}; results stream in input "
                       "order as they complete.")
    return handler


def read_handler(kind: Kind) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        context = await resolve(request)
        record = await cards(request.app).read(context, kind.entity, request.match_info["ref"])
        return xml_response(render.record_text(record))

    handler.__doc__ = f"F10/F17: one ERP {kind.entity} (through the gateway) as a CRM record."
    return handler


def list_handler(kind: Kind) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        context = await resolve(request)
        config = request.app[CONFIG]
        signer = request.app[CURSORS]
        query = listing.parse_query(request.query, context=context, entity=kind.entity,
                                    default_limit=config.sync.page_size,
                                    max_limit=config.limits.max_bulk_records, cursors=signer)
        batches = listing.records(cards(request.app), context, kind.entity, query,
                                  batch_size=config.sync.read_batch, cursors=signer)
        async with contextlib.aclosing(batches):
            first = await anext(batches)  # the statement runs before the answer starts
            stream = XmlStream(request, kind.plural, {"set": context.set_code}, flush_every=1)
            try:
                async with stream:
                    await stream.write(render.listed_text(first))
                    async for batch in batches:  # one chunk per batch of rows
                        await stream.write(render.listed_text(batch))
            except ConnectionResetError:
                log.info("list_client_gone", entity=kind.entity)
        return stream.response

    handler.__doc__ = (f"F11/F18: bulk ERP -> CRM read of {kind.plural}, streamed, with a keyset "
                       "cursor.")
    return handler


for _kind in (ACCOUNT, PRODUCT):
    routes.post(f"{_kind.path}/bulk")(bulk_handler(_kind))
    routes.post(_kind.path)(save_handler(_kind))
    routes.get(_kind.path)(list_handler(_kind))
    routes.get(f"{_kind.path}/{{ref}}")(read_handler(_kind))
