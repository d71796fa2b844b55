"""The service shell: ``init_app(config)`` builds the aiohttp application.

Shared resources are opened and closed in ``cleanup_ctx``: the one outbound ``ClientSession``,
the bounded ODBC thread pool, and the store (with the set registry and sessions on top of it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor

import aiohttp
from aiohttp import web

from integrator.api import setup_routes
from integrator.config import ServiceConfig
from integrator.erp import erp_gateways
from integrator.errors import error_middleware
from integrator.keys import CONFIG, HTTP, METRICS, ODBC_EXECUTOR, REGISTRY, SESSIONS, STORE
from integrator.metrics import Metrics
from integrator.middlewares import authenticate, observe
from integrator.sessions.manager import SessionManager
from integrator.sessions.registry import SetRegistry
from integrator.sessions.store import open_store


async def http_session(app: web.Application) -> AsyncIterator[None]:
    cfg = app[CONFIG].http
    connector = aiohttp.TCPConnector(limit=cfg.connection_limit,
                                     limit_per_host=cfg.connection_limit_per_host)
    # every ERP call sets its own timeouts; this default only guards a call that forgot to
    session = aiohttp.ClientSession(connector=connector,
                                    timeout=aiohttp.ClientTimeout(total=120, connect=10))
    app[HTTP] = session
    yield
    await session.close()


async def odbc_executor(app: web.Application) -> AsyncIterator[None]:
    executor = ThreadPoolExecutor(max_workers=app[CONFIG].odbc.max_workers,
                                  thread_name_prefix="odbc")
    app[ODBC_EXECUTOR] = executor
    yield
    executor.shutdown(wait=True, cancel_futures=True)


async def store(app: web.Application) -> AsyncIterator[None]:
    config = app[CONFIG]
    opened = open_store(config.store_url, prefix=config.store_prefix)
    registry = SetRegistry(opened, config.sets)
    app[STORE] = opened
    app[REGISTRY] = registry
    app[SESSIONS] = SessionManager(opened, registry, idle_ttl_s=config.sessions.idle_ttl_s)
    yield
    await opened.close()


def init_app(config: ServiceConfig) -> web.Application:
    app = web.Application(
        client_max_size=config.limits.max_body_bytes,
        middlewares=[observe, error_middleware, authenticate],
    )
    app[CONFIG] = config
    app[METRICS] = Metrics()
    app.cleanup_ctx.extend([http_session, erp_gateways, odbc_executor, store])
    setup_routes(app)
    return app
