"""Read-only SQL endpoints and the one custom-field write (F4, F5, F7, F12-F14, F19-F21, F31).

Thin: resolve the session, parse the request, call ``integrator.services.lookups``, render XML rows.
"""

from __future__ import annotations

from aiohttp import web
from lxml import etree

from integrator.api import render
from integrator.api.common import xml_body, xml_response
from integrator.api.context import resolve
from integrator.api.keys import SQL_ENGINE
from integrator.errors import ValidationFailed
from integrator.model import CardEntity
from integrator.services import lookups, search

routes = web.RouteTableDef()


def _limit(request: web.Request) -> int:
    raw = request.query.get("limit", str(search.SEARCH_LIMIT_DEFAULT))
    if not (raw.isascii() and raw.isdigit()):
        raise ValidationFailed("limit must be a positive integer")
    return int(raw)


async def _search(request: web.Request, entity: CardEntity) -> web.Response:
    context = await resolve(request)
    found = await search.search(request.app[SQL_ENGINE], context, entity,
                                request.query.get("q", ""), _limit(request))
    return xml_response(render.search_text(found))


@routes.get("/v1/accounts/search")
async def account_search(request: web.Request) -> web.Response:
    """F12: accounts by code prefix or title (Turkish case rules)."""
    return await _search(request, "account")


@routes.get("/v1/products/search")
async def product_search(request: web.Request) -> web.Response:
    """F19: products by code prefix or name (Turkish case rules)."""
    return await _search(request, "product")


@routes.get("/v1/accounts/{ref}/statement")
async def account_statement(request: web.Request) -> web.Response:
    """F13: opening balance, movements and closing balance between from and to."""
    context = await resolve(request)
    date_from = lookups.parse_day("from", request.query.get("from"))
    date_to = lookups.parse_day("to", request.query.get("to"))
    result = await lookups.statement(request.app[SQL_ENGINE], context, request.match_info["ref"],
                                     date_from, date_to)
    return xml_response(render.statement_text(result))


def _warehouse(value: str | None) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise ValidationFailed("warehouse must be an integer") from None


@routes.get("/v1/products/{ref}/stock")
async def product_stock(request: web.Request) -> web.Response:
    """F20: warehouse balances of one product (permitted warehouses only)."""
    context = await resolve(request)
    key = lookups.ProductKey(request.match_info["ref"], None)
    found = await lookups.stock(request.app[SQL_ENGINE], context, [key],
                                _warehouse(request.query.get("warehouse")))
    return xml_response(render.stock_text(found))


@routes.post("/v1/products/stock")
async def products_stock(request: web.Request) -> web.Response:
    """F31: stock of many products in one query (the product picker)."""
    context = await resolve(request)
    body = await xml_body(request, {"Products"})
    keys = [lookups.ProductKey(p.get("ref") or None, p.get("code") or None)
            for p in body.findall("Product")]
    found = await lookups.stock(request.app[SQL_ENGINE], context, keys,
                                _warehouse(body.get("warehouse")))
    return xml_response(render.stock_text(found))


@routes.get("/v1/warehouses")
async def warehouses(request: web.Request) -> web.Response:
    """F5: the ERP's warehouses the user is permitted on."""
    context = await resolve(request)
    return xml_response(render.rows_text(
        await lookups.warehouses(request.app[SQL_ENGINE], context)))


@routes.get("/v1/salesmen")
async def salesmen(request: web.Request) -> web.Response:
    """F7: the ERP's salesmen."""
    context = await resolve(request)
    return xml_response(render.rows_text(
        await lookups.salesmen(request.app[SQL_ENGINE], context)))


@routes.post("/v1/queries/{name}")
async def named_query(request: web.Request) -> web.Response:
    """F14, F21: a named read-only query of the set, parameters from the body and the link."""
    context = await resolve(request)
    body = await xml_body(request, {"Query"})
    result = await lookups.named_query(request.app[SQL_ENGINE], context,
                                       request.match_info["name"], _query_request(body))
    return xml_response(render.rows_text(result))


def _query_request(body: etree._Element) -> lookups.QueryRequest:
    """``<Query><Account|Product ref code/>?<Param name>value</Param>*</Query>`` as data (one
    pass over the children: this runs on every named query)."""
    link = None
    params: dict[str, str] = {}
    for child in body:
        tag = child.tag
        if tag == "Param":
            params[str(child.get("name"))] = child.text or ""
        elif tag in ("Account", "Product") and link is None:
            link = lookups.QueryLink(str(tag), child.get("ref"), child.get("code"))
    return lookups.QueryRequest(link, params)


async def _extensions(request: web.Request, entity: CardEntity) -> web.Response:
    context = await resolve(request)
    body = await xml_body(request, {"Extensions"})
    ref = request.match_info["ref"]
    tables = [lookups.ExtensionTable(str(table.get("name")),
                                     [(str(f.get("name")), f.text or "")
                                      for f in table.findall("Field")])
              for table in body.findall("Table")]
    outcome = await lookups.write_extensions(request.app[SQL_ENGINE], context, entity, ref, tables)
    return xml_response(render.extensions_element(entity, ref, outcome))


@routes.put("/v1/accounts/{ref}/extensions")
async def account_extensions(request: web.Request) -> web.Response:
    """F4: insert or update whitelisted LG_XT custom fields of an account (writer connection)."""
    return await _extensions(request, "account")


@routes.put("/v1/products/{ref}/extensions")
async def product_extensions(request: web.Request) -> web.Response:
    """F4: insert or update whitelisted LG_XT custom fields of a product (writer connection)."""
    return await _extensions(request, "product")

