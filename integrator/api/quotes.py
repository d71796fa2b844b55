"""Quotes: transfers ``POST/GET/DELETE /v1/quotes/{crmId}/transfer`` (F15, F22-F29), checks
``POST /v1/quotes/check?stock=1&risk=1`` (F30, F32) and prices ``POST /v1/prices`` (F33-F35);
docs/api.md.

Thin: resolve the session, parse the quote, hand it to a service, render.
"""

from __future__ import annotations

from aiohttp import web

from integrator.api import render
from integrator.api.common import finish, record_body, xml_response
from integrator.api.context import checks, prices, quotes, resolve
from integrator.config import CheckName
from integrator.errors import Detail, ValidationFailed

routes = web.RouteTableDef()


@routes.post("/v1/quotes/{crmId}/transfer")
async def transfer(request: web.Request) -> web.Response:
    """F23-F25, F29: the quote as an ERP order, dispatch or (Netsis) quote, exactly once."""
    context = await resolve(request)
    record = await record_body(request, {"Quote"})
    result = await finish(quotes(request.app).transfer(
        context, request.match_info["crmId"], record, request.query.get("as") or None))
    return xml_response(render.transfer_element(result), status=201 if result.created else 200)


@routes.get("/v1/quotes/{crmId}/transfer")
async def transfer_status(request: web.Request) -> web.Response:
    """F28: the document made from the quote, with ordered, shipped and remaining per line."""
    context = await resolve(request)
    status = await quotes(request.app).status(context, request.match_info["crmId"],
                                              request.query.get("set") or None)
    return xml_response(render.transfer_status_text(status))


@routes.delete("/v1/quotes/{crmId}/transfer")
async def cancel_transfer(request: web.Request) -> web.Response:
    """F26: the sale is cancelled: the document is deleted unless it is shipped."""
    context = await resolve(request)
    cancelled = await finish(quotes(request.app).cancel(context, request.match_info["crmId"],
                                                        request.query.get("set") or None))
    return xml_response(render.cancellation_element(cancelled))


_YES, _NO = frozenset({"1", "true", "yes"}), frozenset({"", "0", "false", "no"})


def _flag(request: web.Request, name: str) -> bool:
    value = request.query.get(name, "").strip().lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise ValidationFailed(f"?{name}= takes 1 or 0, not {value!r}",
                           details=[Detail(value, "input", path=name)])


@routes.post("/v1/quotes/check")
async def check(request: web.Request) -> web.Response:
    """F30, F32: stock per line and the account's risk for a quote being edited; a ``block``
    answers 409 STOCK_BLOCKED / RISK_BLOCKED carrying the same body."""
    context = await resolve(request)
    which: list[CheckName] = [name for name in ("stock", "risk") if _flag(request, name)]
    record = await record_body(request, {"Quote"})
    found = await checks(request.app).check(context, record, which)
    blocked = found.blocking()
    if blocked is not None:
        raise blocked
    return xml_response(render.quote_check_text(found))


@routes.post("/v1/prices")
async def price(request: web.Request) -> web.Response:
    """F33-F35: prices of a quote's lines — the ERP calculates the would-be document (nothing is
    saved), or the set's price SQL, or the answer that the CRM owns prices."""
    context = await resolve(request)
    record = await record_body(request, {"Quote"})
    found = await prices(request.app).price(context, record, request.query.get("as") or None)
    return xml_response(render.prices_text(found))
