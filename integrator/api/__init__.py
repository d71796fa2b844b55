"""Route handlers. Thin: parse -> resolve -> translate -> gateway -> respond."""

from __future__ import annotations

from aiohttp import web

from integrator.api import catalog, health, sessions, sets


def setup_routes(app: web.Application) -> None:
    for module in (health, sets, sessions, catalog):
        app.add_routes(module.routes)
