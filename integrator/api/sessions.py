"""Sessions: ``POST /v1/sessions``, ``PUT /v1/sessions/{id}/set``, ``DELETE /v1/sessions/{id}`` (F2)."""

from __future__ import annotations

import structlog
from aiohttp import web

from integrator.api import render
from integrator.api.common import xml_body, xml_response
from integrator.api.context import resolve
from integrator.api.keys import CALLER, SESSIONS

routes = web.RouteTableDef()
log = structlog.get_logger("integrator.sessions")


@routes.post("/v1/sessions")
async def open_session(request: web.Request) -> web.Response:
    body = await xml_body(request, {"OpenSession"})
    opened = await request.app[SESSIONS].open(str(body.get("user")), body.get("set") or None,
                                              request[CALLER])
    log.info("session_opened", user=opened.user, set=opened.stored_set.code)
    response = xml_response(render.session_element(opened, with_id=True), status=201)
    # the id in a header too (api.context.SESSION_HEADER): no client has to read it from XML
    response.headers["X-Session"] = opened.session_id
    return response


@routes.put("/v1/sessions/{id}/set")
async def switch_set(request: web.Request) -> web.Response:
    body = await xml_body(request, {"SwitchSet"})
    opened = await request.app[SESSIONS].switch(request.match_info["id"], str(body.get("set")),
                                                request[CALLER])
    log.info("session_switched", user=opened.user, set=opened.stored_set.code)
    return xml_response(render.session_element(opened, with_id=False))


@routes.delete("/v1/sessions/{id}")
async def close_session(request: web.Request) -> web.Response:
    await request.app[SESSIONS].close(request.match_info["id"], request[CALLER])
    log.info("session_closed")
    return web.Response(status=204)


@routes.get("/v1/session")
async def current_session(request: web.Request) -> web.Response:
    """Who am I: the user and active set of the session in ``X-Session`` (also keeps it alive)."""
    context = await resolve(request)
    return xml_response(render.current_session_element(context))
