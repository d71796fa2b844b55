"""Route handlers. Thin: parse -> resolve -> translate -> gateway -> respond."""

from __future__ import annotations

from aiohttp import web

from integrator.api import cards, catalog, health, lookups, quotes, sessions, sets


def setup_routes(app: web.Application) -> None:
    # lookups first: its fixed paths (/v1/accounts/search) must win over the {ref} routes of cards
    for module in (health, lookups, cards, quotes, sets, sessions, catalog):
        app.add_routes(module.routes)
