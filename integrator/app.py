"""The service shell: ``init_app(config)`` builds the aiohttp application.

Shared resources are opened and closed in ``cleanup_ctx``: the one outbound ``ClientSession``,
the bounded ODBC thread pool, and the store (with the set registry and sessions on top of it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor

import aiohttp
import structlog
from aiohttp import web

from integrator.api import setup_routes
from integrator.api.keys import (
    CONFIG,
    ERP,
    HTTP,
    METRICS,
    ODBC_EXECUTOR,
    REGISTRY,
    SESSIONS,
    SQL_ENGINE,
    STORE,
)
from integrator.api.middlewares import authenticate, error_middleware, observe
from integrator.config import ConfigError, Problem, ServiceConfig
from integrator.erp.hub import ErpGateways
from integrator.metrics import Metrics
from integrator.services.sets import set_problems
from integrator.sessions.manager import SessionManager
from integrator.sessions.registry import SetRegistry
from integrator.sessions.seal import Sealer
from integrator.sessions.store import open_store
from integrator.sql.engine import SqlEngine

log = structlog.get_logger("integrator.app")


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


async def erp_gateways(app: web.Application) -> AsyncIterator[None]:
    """The ERP gateway hub on top of the shared ClientSession and the store (after
    ``http_session`` and ``store``): on a shared store (Redis) the per-set write limit is counted
    across every replica with leases in the store; on the embedded one, in this process."""
    config = app[CONFIG]
    leases = app[STORE] if config.store_url != "memory" else None
    app[ERP] = ErpGateways(app[HTTP], app[METRICS], config.erp, leases)
    yield


async def odbc_executor(app: web.Application) -> AsyncIterator[None]:
    executor = ThreadPoolExecutor(max_workers=app[CONFIG].odbc.max_workers,
                                  thread_name_prefix="odbc")
    app[ODBC_EXECUTOR] = executor
    yield
    executor.shutdown(wait=True, cancel_futures=True)


async def sql_engine(app: web.Application) -> AsyncIterator[None]:
    """The read-only SQL engine (integrator.sql): per-set connection pools on the ODBC executor."""
    engine = SqlEngine(app[ODBC_EXECUTOR], app[METRICS])
    app[SQL_ENGINE] = engine
    yield
    engine.close()


async def store(app: web.Application) -> AsyncIterator[None]:
    config = app[CONFIG]
    opened = open_store(config.store_url, prefix=config.store_prefix)
    sealer = Sealer(config.store_encryption_keys)
    if config.store_url != "memory" and not sealer.enabled:
        log.warning("store_not_encrypted",
                    hint="sets pushed by the CRM (with ERP passwords) are stored in clear; "
                         "set store_encryption_keys")
    registry = SetRegistry(opened, config.sets, sealer)
    app[STORE] = opened
    app[REGISTRY] = registry
    app[SESSIONS] = SessionManager(opened, registry, idle_ttl_s=config.sessions.idle_ttl_s)
    yield
    await opened.close()


def check_file_sets(config: ServiceConfig) -> None:
    """Every set of the configuration passes the checks a set needs (``services.sets``), also when
    the config was built without them; ``ConfigError`` names each problem."""
    problems = [Problem(f"set {s.code}", problem.path or "", problem.text)
                for s in config.sets for problem in set_problems(s)]
    if problems:
        raise ConfigError(problems)


def init_app(config: ServiceConfig) -> web.Application:
    check_file_sets(config)
    app = web.Application(
        client_max_size=config.limits.max_body_bytes,
        middlewares=[observe, error_middleware, authenticate],
    )
    app[CONFIG] = config
    app[METRICS] = Metrics()
    app.cleanup_ctx.extend([http_session, store, erp_gateways, odbc_executor, sql_engine])
    setup_routes(app)
    return app
