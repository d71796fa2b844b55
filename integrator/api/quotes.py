"""Quote transfers: ``POST/GET/DELETE /v1/quotes/{crmId}/transfer`` (F15, F22-F29; docs/api.md).

Thin: resolve the session, parse the quote, hand it to ``integrator.services.quotes``, render.
"""

from __future__ import annotations

from aiohttp import web

from integrator.api import render
from integrator.api.common import finish, xml_body, xml_response
from integrator.api.context import quotes, resolve
from integrator.api.inbound import record_from_element

routes = web.RouteTableDef()


@routes.post("/v1/quotes/{crmId}/transfer")
async def transfer(request: web.Request) -> web.Response:
    """F23-F25, F29: the quote as an ERP order, dispatch or (Netsis) quote, exactly once."""
    context = await resolve(request)
    record = record_from_element(await xml_body(request, {"Quote"}))
    result = await finish(quotes(request.app).transfer(
        context, request.match_info["crmId"], record, request.query.get("as") or None))
    return xml_response(render.transfer_element(result), status=201 if result.created else 200)


@routes.get("/v1/quotes/{crmId}/transfer")
async def transfer_status(request: web.Request) -> web.Response:
    """F28: the document made from the quote, with ordered, shipped and remaining per line."""
    context = await resolve(request)
    status = await quotes(request.app).status(context, request.match_info["crmId"],
                                              request.query.get("set") or None)
    return xml_response(render.transfer_status_element(status))


@routes.delete("/v1/quotes/{crmId}/transfer")
async def cancel_transfer(request: web.Request) -> web.Response:
    """F26: the sale is cancelled: the document is deleted unless it is shipped."""
    context = await resolve(request)
    cancelled = await finish(quotes(request.app).cancel(context, request.match_info["crmId"],
                                                        request.query.get("set") or None))
    return xml_response(render.cancellation_element(cancelled))
