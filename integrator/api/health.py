"""Operations: ``/health/live``, ``/health/ready``, ``/metrics``, ``/v1/openapi.yaml`` (N2-N4)."""

from __future__ import annotations

from importlib import resources

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from integrator.api.common import xml_response
from integrator.api.keys import METRICS, REGISTRY, SESSIONS, STORE, STORE_GAUGES_LEASE
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
    m = request.app[METRICS]
    # the gauges that live in the shared store are read at scrape time, by one replica only (the
    # holder of the lease), so that summing them over the replicas counts each session once
    try:
        if await request.app[STORE_GAUGES_LEASE].hold():
            m.store_gauges.report(sessions=await request.app[SESSIONS].count(),
                                  sets=(await request.app[REGISTRY].counts()).items())
        else:
            m.store_gauges.clear()
    except IntegratorError:
        m.store_gauges.clear()  # the store is down: serve the rest (readiness reports the store)
    response = web.Response(body=m.render())
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    return response


@routes.get("/v1/openapi.yaml")
async def openapi(request: web.Request) -> web.Response:
    text = resources.files("integrator").joinpath("api/openapi.yaml").read_text(encoding="utf-8")
    return web.Response(text=text, content_type="application/yaml")
