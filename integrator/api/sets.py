"""Integration sets over HTTP: ``PUT/GET/DELETE /v1/sets/{code}`` and the list (F1, F3, F5, F7, F8)."""

from __future__ import annotations

import asyncio
import time

import structlog
from aiohttp import web
from lxml import etree

from integrator.api import render
from integrator.api.common import raw_xml_body, xml_response
from integrator.api.keys import ERP, REGISTRY, SQL_ENGINE
from integrator.api.setxml import set_from_element, set_to_element
from integrator.erp.gateway import ErpCall
from integrator.errors import IntegratorError
from integrator.services.sets import set_problems
from integrator.translators import set_catalogs

routes = web.RouteTableDef()
log = structlog.get_logger("integrator.sets")


@routes.get("/v1/sets")
async def list_sets(request: web.Request) -> web.Response:
    return xml_response(render.sets_element(await request.app[REGISTRY].all()))


@routes.get("/v1/sets/{code}/health")
async def set_health(request: web.Request) -> web.Response:
    """N4: the set's ERP service and database, pinged at the same time, with timings.

    ``200`` when both answer, ``503`` when either does not (the body says which and why)."""
    stored = await request.app[REGISTRY].get(request.match_info["code"])
    integration_set = stored.integration_set
    gateway = request.app[ERP].for_set(integration_set)

    async def erp_check() -> etree._Element:
        started = time.perf_counter()
        try:
            info = await gateway.ping(ErpCall(integration_set))
        except IntegratorError as exc:
            return render.check_element("erp", integration_set.erp, ok=False, code=exc.code,
                                        ms=(time.perf_counter() - started) * 1000,
                                        message=exc.message)
        return render.check_element("erp", integration_set.erp, ok=True,
                                    ms=info.latency_s * 1000, info=info.details)

    async def db_check() -> etree._Element:
        ping = await request.app[SQL_ENGINE].ping(integration_set)
        return render.check_element("database", integration_set.database.engine, ok=ping.ok,
                                    ms=ping.elapsed_ms, message=None if ping.ok else ping.message)

    checks = await asyncio.gather(erp_check(), db_check())
    root = render.set_health_element(stored, checks)
    return xml_response(root, status=200 if root.get("status") == "ok" else 503)


@routes.get("/v1/sets/{code}")
async def get_set(request: web.Request) -> web.Response:
    stored = await request.app[REGISTRY].get(request.match_info["code"])
    return xml_response(set_to_element(stored.integration_set, mask=True,
                                       version=stored.version, source=stored.source))


@routes.put("/v1/sets/{code}")
async def put_set(request: web.Request) -> web.Response:
    code = request.match_info["code"]
    registry = request.app[REGISTRY]
    root = await raw_xml_body(request)
    current = await registry.find(code)
    integration_set = set_from_element(
        root, code=code, current=current.integration_set if current else None, check=set_problems)
    stored = await registry.put(integration_set)
    created = current is None
    log.info("set_saved", set=code, version=stored.version, created=created)
    catalogs = []
    if created:  # F6: the standard field catalog of every entity of the set's ERP kind
        catalogs = [render.catalog_element(c.catalog, firm=c.firm, period=c.period,
                                           crm_names=c.crm_names)
                    for c in set_catalogs(stored.integration_set)]
    saved = render.set_saved_element(stored, created=created, catalogs=catalogs)
    return xml_response(saved, status=201 if created else 200)


@routes.delete("/v1/sets/{code}")
async def delete_set(request: web.Request) -> web.Response:
    code = request.match_info["code"]
    await request.app[REGISTRY].delete(code)
    await request.app[SQL_ENGINE].forget(code)  # its pools and idle connections (F1)
    log.info("set_deleted", set=code)
    return web.Response(status=204)
