"""Operations: ``/health/live``, ``/health/ready``, ``/metrics``, ``/v1/openapi.yaml`` (N2-N4)."""

from __future__ import annotations

from importlib import resources

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from integrator.api.common import xml_response
from integrator.api.keys import METRICS, PEERS, STORE
from integrator.api.peers import read_store_gauges, render_all
from integrator.api.render import health_element
from integrator.errors import IntegratorError

routes = web.RouteTableDef()


@routes.get("/health/live")
async def live(request: web.Request) -> web.Response:
    return xml_response(health_element({}))


@routes.get("/health/ready")
async def ready(request: web.Request) -> web.Response:
    """Ready when the configuration is loaded (it is, or the app would not exist) and the store
    answers."""
    store_problem: str | None = None
    try:
        await request.app[STORE].ping()
    except IntegratorError as exc:
        store_problem = exc.message
    root = health_element({"config": None, "store": store_problem})
    return xml_response(root, status=503 if store_problem is not None else 200)


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    peers = request.app.get(PEERS)
    if peers is None:
        await read_store_gauges(request.app)
        body = request.app[METRICS].render()
    else:  # one of several workers: all of them, each sample labelled with its worker
        body = await render_all(request.app, peers)
    response = web.Response(body=body)
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    return response


@routes.get("/v1/openapi.yaml")
async def openapi(request: web.Request) -> web.Response:
    text = resources.files("integrator").joinpath("api/openapi.yaml").read_text(encoding="utf-8")
    return web.Response(text=text, content_type="application/yaml")
