"""The standard ERP field catalog (F6): ``GET /v1/catalog/{erp}/{entity}``.

Needs the API key, not a session: the CRM shows the catalog under its "ERP" tab before any set
exists. The same catalog, with a set's firm/period and mapped CRM fields, is returned by
``PUT /v1/sets/{code}`` when the set is created.
"""

from __future__ import annotations

from aiohttp import web

from integrator.api.common import xml_response
from integrator.api.render import catalog_element
from integrator.errors import NotFound
from integrator.translators import catalog, entities_for

routes = web.RouteTableDef()


@routes.get("/v1/catalog/{erp}/{entity}")
async def get_catalog(request: web.Request) -> web.Response:
    erp, entity = request.match_info["erp"], request.match_info["entity"]
    found = catalog(erp, entity)
    if found is None:
        if not entities_for(erp):
            raise NotFound(f"unknown ERP kind {erp!r} (tiger, go or netsis)")
        raise NotFound(f"no catalog for {entity!r} in {erp} (entities: "
                       f"{', '.join(entities_for(erp))})")
    return xml_response(catalog_element(found))
