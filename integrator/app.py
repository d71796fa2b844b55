"""The service shell: ``init_app(config)`` builds the aiohttp application.

Shared resources are opened and closed in ``cleanup_ctx``: the one outbound ``ClientSession``,
the bounded ODBC thread pool, the SQL engine and its pools' sweep (a background task), and the
store (with the set registry and sessions on top of it).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gc
import re
from collections.abc import AsyncIterator, Callable

import aiohttp
import structlog
from aiohttp import web

from integrator.api import server, setup_routes
from integrator.api.keys import (
    CONFIG,
    CURSORS,
    ERP,
    HTTP,
    METRICS,
    ODBC_EXECUTOR,
    PEERS,
    REGISTRY,
    SESSIONS,
    SQL_ENGINE,
    STORE,
    STORE_GAUGES_LEASE,
)
from integrator.api.middlewares import edge
from integrator.api.peers import Peers, peer_socket
from integrator.config import ConfigError, Problem, ServiceConfig, config_warnings
from integrator.erp.hub import ErpGateways
from integrator.errors import IntegratorError
from integrator.metrics import Metrics
from integrator.services.cursor import CursorSigner
from integrator.services.sets import set_problems
from integrator.sessions.lease import Lease
from integrator.sessions.manager import SESSION_KEY, SessionManager
from integrator.sessions.registry import SET_KEY, SetRegistry
from integrator.sessions.seal import Sealer
from integrator.sessions.store import open_store
from integrator.sql.engine import SqlEngine
from integrator.sql.threads import LifoExecutor

log = structlog.get_logger("integrator.app")

# the store-gauge lease outlives a missed scrape at intervals up to 60 s (docs/operations.md)
STORE_GAUGES_LEASE_S = 150.0
# how often idle SQL connections past their limit (sql.pool.IDLE_LIMIT_S, 300 s) are closed and
# unused empty pools dropped: a connection lives at most this long past its limit
POOL_SWEEP_S = 60.0


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
    # the most recently idle thread takes the next hop (warm; integrator.sql.threads)
    executor = LifoExecutor(app[CONFIG].odbc.max_workers, thread_name_prefix="odbc")
    app[ODBC_EXECUTOR] = executor
    yield
    executor.shutdown(wait=True, cancel_futures=True)


async def sql_engine(app: web.Application) -> AsyncIterator[None]:
    """The read-only SQL engine (integrator.sql): per-set connection pools on the ODBC executor."""
    engine = SqlEngine(app[ODBC_EXECUTOR], app[METRICS])
    app[SQL_ENGINE] = engine
    yield
    engine.close()


async def sweep_pools(engine: SqlEngine, interval_s: float) -> None:
    """Every ``interval_s``: one round of ``SqlEngine.sweep``; a round that fails is logged and
    the next one comes round all the same."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            await engine.sweep()
        except Exception as error:  # a background loop must outlive one bad round
            log.warning("sql_pool_sweep_failed", error=repr(error))


async def sql_pool_sweep(app: web.Application) -> AsyncIterator[None]:
    """The SQL pools' sweep as a background task from startup to cleanup (after ``sql_engine``,
    so it stops before the engine closes and the ODBC executor shuts down)."""
    task = asyncio.create_task(sweep_pools(app[SQL_ENGINE], POOL_SWEEP_S),
                               name="sql-pool-sweep")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def store(app: web.Application) -> AsyncIterator[None]:
    config = app[CONFIG]
    opened = open_store(config.store_url, prefix=config.store_prefix,
                        cached=(SESSION_KEY, SET_KEY))
    sealer = Sealer(config.store_encryption_keys)
    registry = SetRegistry(opened, config.sets, sealer)
    app[STORE] = opened
    app[REGISTRY] = registry
    app[SESSIONS] = SessionManager(opened, registry, idle_ttl_s=config.sessions.idle_ttl_s)
    lease = Lease(opened, "store-gauges", ttl_s=STORE_GAUGES_LEASE_S)
    app[STORE_GAUGES_LEASE] = lease
    yield
    try:  # another replica reports the store gauges from its next scrape on
        await lease.release()
    except IntegratorError:
        log.warning("store_gauges_lease_not_released", hint="it expires by itself")
    await opened.close()


def check_file_sets(config: ServiceConfig) -> None:
    """Every set of the configuration passes the checks a set needs (``services.sets``), also when
    the config was built without them; ``ConfigError`` names each problem."""
    problems = [Problem(f"set {s.code}", problem.path or "", problem.text)
                for s in config.sets for problem in set_problems(s)]
    if problems:
        raise ConfigError(problems)


def init_app(config: ServiceConfig, peers: Peers | None = None) -> web.Application:
    """The application of ``config``; ``peers`` when it is one of several workers on one host
    (its metrics socket opens with it and ``/metrics`` serves every worker, ``api.peers``)."""
    check_file_sets(config)
    app = web.Application(
        client_max_size=config.limits.max_body_bytes,
        middlewares=[edge],
    )
    app[CONFIG] = config
    app[METRICS] = Metrics()
    app[CURSORS] = CursorSigner.for_service(config)
    for warning in config_warnings(config):
        log.warning(warning.event, hint=warning.message)
    app.cleanup_ctx.extend([http_session, store, erp_gateways, odbc_executor, sql_engine,
                            sql_pool_sweep])
    if peers is not None:
        app[PEERS] = peers
        app.cleanup_ctx.append(peer_socket)
    setup_routes(app)
    return app


class ListenFailed(Exception):
    """The service cannot listen where it was told to (one line for the operator)."""


SHUTDOWN_TIMEOUT_S = 30.0  # within the Deployment's terminationGracePeriodSeconds (40)


def run(app: web.Application, *, host: str, port: int,
        shutdown_timeout_s: float = SHUTDOWN_TIMEOUT_S, reuse_port: bool = False,
        on_listening: Callable[[], None] | None = None) -> None:
    """Serve ``app`` until SIGINT or SIGTERM, logging ``listening`` (once the socket is bound),
    ``draining`` (no new connections; requests in flight get ``shutdown_timeout_s``) and
    ``stopped`` (resources closed). ``ListenFailed`` when the address cannot be bound.

    ``reuse_port``: bind with ``SO_REUSEPORT``, so several worker processes share the address
    (``integrator.workers``); ``on_listening`` is called once the socket is bound."""

    serving = False
    event_loop = app[CONFIG].listen.event_loop

    async def draining(app: web.Application) -> None:
        if serving:
            log.info("draining", timeout_s=shutdown_timeout_s,
                     hint="not accepting connections; finishing the requests in flight")

    async def stopped(app: web.Application) -> None:
        if serving:
            log.info("stopped")

    def listening() -> None:  # called once the socket is bound
        nonlocal serving
        serving = True
        # everything built at startup (config, compiled plans, modules) lives as long as the
        # process: out of the collector's way, so full collections stay short (issue 15)
        gc.freeze()
        # the loop that actually runs (its package: uvloop or asyncio)
        running = type(asyncio.get_running_loop()).__module__.split(".")[0]
        log.info("listening", url=f"http://{host}:{port}", host=host, port=port,
                 event_loop=running)
        if on_listening is not None:
            on_listening()

    app.on_shutdown.append(draining)
    app.on_cleanup.append(stopped)  # after the cleanup contexts have closed the resources
    try:
        # aiohttp's run_app, with the protocol that answers unreadable requests in XML
        server.serve(app, host=host, port=port, shutdown_timeout_s=shutdown_timeout_s,
                     listening=listening, reuse_port=reuse_port, event_loop=event_loop)
    except OSError as exc:
        failed = listen_failed(exc, host, port)
        if failed is None:
            raise
        raise failed from None


def listen_failed(exc: OSError, host: str, port: int) -> ListenFailed | None:
    """The one line for an error of binding ``host:port``, or None when it is another error."""
    reason = _LISTEN_ERRORS.get(exc.errno or 0)
    if reason is None:
        return None
    # asyncio names the address it failed on (a part started before the service may have)
    named = _BIND_ADDRESS.search(str(exc))
    where = f"{named.group(1)}:{named.group(2)}" if named else f"{host}:{port}"
    return ListenFailed(f"cannot listen on {where}: {reason}")


_LISTEN_ERRORS = {errno.EADDRINUSE: "the port is already in use",
                  errno.EADDRNOTAVAIL: "the address is not one of this machine's",
                  errno.EACCES: "permission denied (ports below 1024 need privileges)"}
_BIND_ADDRESS = re.compile(r"address \('([^']*)', (\d+)")
