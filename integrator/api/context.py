"""From a request to what the services work with: the acting session (``X-Session`` -> the
``model.Context``) and the services built on the application's shared resources."""

from __future__ import annotations

from aiohttp import web

from integrator.api.keys import CALLER, CONFIG, CONTEXT, ERP, METRICS, SESSIONS, SQL_ENGINE, STORE
from integrator.errors import ValidationFailed
from integrator.logs import bind_request
from integrator.model import Context
from integrator.services.cards import Cards
from integrator.services.checks import QuoteChecks
from integrator.services.ledger import Ledger
from integrator.services.prices import Prices
from integrator.services.quote_parts import QuoteParts
from integrator.services.quotes import QuoteTransfers

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
    bind_request(set=context.set_code, user=context.user, session=context.session_ref)
    return context


def _ledger(app: web.Application) -> Ledger:
    settings = app[CONFIG].sync
    return Ledger(app[STORE], remember_ttl_s=settings.remember_ttl_s,
                  claim_wait_s=settings.claim_wait_s)


def cards(app: web.Application) -> Cards:
    """Account and product transfers on the app's gateways, SQL engine and store."""
    return Cards(app[ERP], app[SQL_ENGINE], _ledger(app), app[METRICS], app[CONFIG].sync)


def quotes(app: web.Application) -> QuoteTransfers:
    """Quote transfers: the cards (auto-create), the gateways, the SQL engine and the store."""
    parts = QuoteParts(cards(app), app[SQL_ENGINE], app[STORE])
    return QuoteTransfers(app[ERP], app[SQL_ENGINE], _ledger(app), parts, checks(app),
                          app[METRICS])


def checks(app: web.Application) -> QuoteChecks:
    """Stock and risk checks of quotes (F30, F32) on the app's SQL engine and gateways."""
    return QuoteChecks(app[SQL_ENGINE], app[ERP])


def prices(app: web.Application) -> Prices:
    """Prices of quotes (F33-F35): the ERP's calculation, the set's SQL, or the CRM's own."""
    parts = QuoteParts(cards(app), app[SQL_ENGINE], app[STORE])
    return Prices(app[ERP], app[SQL_ENGINE], parts)
