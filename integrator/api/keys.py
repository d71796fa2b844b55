"""Typed application state (``web.AppKey``) and per-request keys, in one place.

Modules read app state through these keys only; nothing is stored under string keys.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import aiohttp
from aiohttp import web

if TYPE_CHECKING:
    from integrator.api.peers import Peers
    from integrator.config import ServiceConfig
    from integrator.erp.hub import ErpGateways
    from integrator.metrics import Metrics
    from integrator.model import Context
    from integrator.services.cursor import CursorSigner
    from integrator.sessions.lease import Lease
    from integrator.sessions.manager import SessionManager
    from integrator.sessions.registry import SetRegistry
    from integrator.sessions.store import Store
    from integrator.sql.engine import SqlEngine
    from integrator.sql.threads import LifoExecutor

CONFIG: web.AppKey[ServiceConfig] = web.AppKey("config")
METRICS: web.AppKey[Metrics] = web.AppKey("metrics")
HTTP: web.AppKey[aiohttp.ClientSession] = web.AppKey("http")
ODBC_EXECUTOR: web.AppKey[LifoExecutor] = web.AppKey("odbc_executor")
STORE: web.AppKey[Store] = web.AppKey("store")
REGISTRY: web.AppKey[SetRegistry] = web.AppKey("registry")
SESSIONS: web.AppKey[SessionManager] = web.AppKey("sessions")
SQL_ENGINE: web.AppKey[SqlEngine] = web.AppKey("sql_engine")
ERP: web.AppKey[ErpGateways] = web.AppKey("erp")  # the ERP gateways and their shared state
# which replica reports the gauges read from the store (integrator_sessions, integrator_sets)
STORE_GAUGES_LEASE: web.AppKey[Lease] = web.AppKey("store_gauges_lease")
CURSORS: web.AppKey[CursorSigner] = web.AppKey("cursors")  # signs and checks bulk-read cursors
# set in a worker of several (integrator.workers): its number and its siblings' metrics sockets
PEERS: web.AppKey[Peers] = web.AppKey("peers")

# per request
REQUEST_ID: web.RequestKey[str] = web.RequestKey("request_id")
CALLER: web.RequestKey[str] = web.RequestKey("caller")
CONTEXT: web.RequestKey[Context] = web.RequestKey("context")
