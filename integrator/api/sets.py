"""Integration sets over HTTP: ``PUT/GET/DELETE /v1/sets/{code}`` and the list (F1, F3, F5, F7, F8)."""

from __future__ import annotations

import asyncio
import time

import structlog
from aiohttp import web
from lxml import etree

from integrator.api.common import raw_xml_body, xml_response
from integrator.erp import ErpCall
from integrator.errors import IntegratorError
from integrator.keys import ERP, REGISTRY, SQL_ENGINE
from integrator.sessions.setxml import set_from_element, set_to_element
from integrator.translators import set_catalog

routes = web.RouteTableDef()
log = structlog.get_logger("integrator.sets")


@routes.get("/v1/sets")
async def list_sets(request: web.Request) -> web.Response:
    root = etree.Element("Sets")
    for stored in await request.app[REGISTRY].all():
        s = stored.integration_set
        etree.SubElement(root, "Set", code=s.code, name=s.name, erp=s.erp,
                         version=str(stored.version), source=stored.source)
    return xml_response(root)


@routes.get("/v1/sets/{code}/health")
async def set_health(request: web.Request) -> web.Response:
    """N4: the set's ERP service and database, pinged at the same time, with timings.

    ``200`` when both answer, ``503`` when either does not (the body says which and why)."""
    stored = await request.app[REGISTRY].get(request.match_info["code"])
    integration_set = stored.integration_set
    gateway = request.app[ERP].for_set(integration_set)

    async def erp_check() -> etree._Element:
        check = etree.Element("Check", name="erp", kind=integration_set.erp)
        started = time.perf_counter()
        try:
            info = await gateway.ping(ErpCall(integration_set))
        except IntegratorError as exc:
            check.set("status", "failed")
            check.set("code", exc.code)
            check.set("ms", f"{(time.perf_counter() - started) * 1000:.1f}")
            check.text = exc.message
            return check
        check.set("status", "ok")
        check.set("ms", f"{info.latency_s * 1000:.1f}")
        for key, value in sorted(info.details.items()):
            etree.SubElement(check, "Info", name=key).text = value
        return check

    async def db_check() -> etree._Element:
        ping = await request.app[SQL_ENGINE].ping(integration_set)
        check = etree.Element("Check", name="database", kind=integration_set.database.engine,
                              status="ok" if ping.ok else "failed", ms=f"{ping.elapsed_ms:.1f}")
        if not ping.ok:
            check.text = ping.message
        return check

    checks = await asyncio.gather(erp_check(), db_check())
    healthy = all(c.get("status") == "ok" for c in checks)
    root = etree.Element("SetHealth", code=integration_set.code, version=str(stored.version),
                         status="ok" if healthy else "failed")
    root.extend(checks)
    return xml_response(root, status=200 if healthy else 503)


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
        root, code=code, current=current.integration_set if current else None)
    stored = await registry.put(integration_set)
    created = current is None
    log.info("set_saved", set=code, version=stored.version, created=created)
    saved = etree.Element("SetSaved", code=code, version=str(stored.version),
                          created="true" if created else "false")
    if created:  # F6: the standard field catalog of every entity of the set's ERP kind
        saved.extend(set_catalog(stored.integration_set))
    return xml_response(saved, status=201 if created else 200)


@routes.delete("/v1/sets/{code}")
async def delete_set(request: web.Request) -> web.Response:
    code = request.match_info["code"]
    await request.app[REGISTRY].delete(code)
    log.info("set_deleted", set=code)
    return web.Response(status=204)
