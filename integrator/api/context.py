"""From a request to what the services work with: the acting session (``X-Session`` -> the
``model.Context``) and the services built on the application's shared resources."""

from __future__ import annotations

import structlog
from aiohttp import web

from integrator.api.keys import CALLER, CONFIG, CONTEXT, ERP, METRICS, SESSIONS, SQL_ENGINE, STORE
from integrator.errors import ValidationFailed
from integrator.model import Context
from integrator.services.cards import Cards
from integrator.services.ledger import Ledger

SESSION_HEADER = "X-Session"


async def resolve(request: web.Request) -> Context:
    """The reusable resolver for handlers that act for a user: ``X-Session`` -> ``Context``
    (the session of the API caller that opened it; another caller's is unknown to this one)."""
    session_id = request.headers.get(SESSION_HEADER)
    if not session_id:
        raise ValidationFailed(f"this call acts for a user: send the {SESSION_HEADER} header "
                               "of an open session")
    context = await request.app[SESSIONS].resolve(session_id, request[CALLER])
    request[CONTEXT] = context
    structlog.contextvars.bind_contextvars(set=context.set_code, user=context.user,
                                           session=context.session_ref)
    return context


def cards(app: web.Application) -> Cards:
    """Account and product transfers on the app's gateways, SQL engine and store."""
    settings = app[CONFIG].sync
    ledger = Ledger(app[STORE], remember_ttl_s=settings.remember_ttl_s,
                    claim_wait_s=settings.claim_wait_s)
    return Cards(app[ERP], app[SQL_ENGINE], ledger, app[METRICS], settings)
