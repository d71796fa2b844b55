"""What the benches share: listening on a free port, the service in a child process."""

from __future__ import annotations

import asyncio
import http.client
import json
import logging
import multiprocessing
import os
import shutil
import sqlite3
import statistics
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import structlog
from aiohttp import web
from pydantic import SecretStr

from integrator import logs
from integrator.api.keys import REGISTRY
from integrator.api.middlewares import hash_key
from integrator.api.server import loop_factory
from integrator.app import init_app
from integrator.config import IntegrationSet, ServiceConfig
from integrator.config.service import EventLoopName
from simulators.logo.app import LogoSimConfig, create_logo_app

KEY = "bench-key"
FORK = multiprocessing.get_context("fork")


async def listen(app: web.Application) -> tuple[web.AppRunner, int]:
    """Serve ``app`` on 127.0.0.1, a free port; (runner, port)."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server = site._server
    assert server is not None
    return runner, int(server.sockets[0].getsockname()[1])  # type: ignore[union-attr]


def quiet() -> None:
    """Warnings only: the service logs one line per request and per record otherwise."""
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    logging.disable(logging.INFO)


def serve_forever(app: web.Application, ports: Any, event_loop: EventLoopName = "asyncio") -> None:
    """In a child process: serve ``app`` on an event loop of the kind named (Python's own unless
    told), report the port on the ``ports`` queue, run until killed."""
    async def run() -> None:
        ports.put((await listen(app))[1])
        await asyncio.Event().wait()

    with asyncio.Runner(loop_factory=loop_factory(event_loop)) as runner:
        runner.run(run())


def serve_bare(ports: Any) -> None:
    """In a child process: a bare aiohttp application whose one handler (any path, POST) reads the
    body and answers a small XML document: the HTTP round trip any aiohttp service pays."""
    async def bare(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(body=b'<Link ref="1" code="C" created="true"/>', status=201,
                            content_type="application/xml")

    app = web.Application()
    app.router.add_post("/{tail:.*}", bare)
    serve_forever(app, ports)


def bench_config(integration_set: IntegrationSet) -> ServiceConfig:
    """The service's configuration in the benches: one set, API key ``KEY``, memory store, no
    access log (warnings only)."""
    config = ServiceConfig.model_validate({
        "api_keys": [{"name": "bench", "sha256": hash_key(KEY)}], "store": "memory",
        "logging": {"access_log": False, "level": "WARNING"}, "sets": []})
    return config.model_copy(update={"sets": [integration_set]})


def serve_service(set_json: str, ports: Any) -> None:
    """In a child process: the whole service with one set, API key ``KEY``, memory store, on the
    event loop the service is configured to serve on (``listen.event_loop``)."""
    serve_service_with(set_json, "{}", ports)


def serve_service_with(set_json: str, options_json: str, ports: Any) -> None:
    """``serve_service`` closer to a deployment, by ``options_json`` (JSON): ``production_log``
    — INFO, JSON, the access line of every request (written to /dev/null: the cost is making the
    lines); ``store`` — ``memory``, ``redis-file`` (the set from the configuration: the session is
    read from Redis on every request) or ``redis-pushed`` (the set pushed into Redis as the CRM
    pushes sets: the session and the set's version are read on every request), under ``prefix``
    at ``redis_url``."""
    options = json.loads(options_json)
    integration_set = IntegrationSet.model_validate_json(set_json)
    config = bench_config(integration_set)
    if options.get("production_log"):
        config = config.model_copy(update={"logging": config.logging.model_copy(
            update={"access_log": True, "level": "INFO"})})
        logs.configure("INFO", "json", stream=open(os.devnull, "w"))  # noqa: SIM115 (process-long)
    else:
        quiet()
    store = options.get("store", "memory")
    if store != "memory":
        config = config.model_copy(update={
            "store": SecretStr(options["redis_url"]), "store_prefix": options["prefix"],
            "sets": [] if store == "redis-pushed" else config.sets})
    app = init_app(config)
    if store == "redis-pushed":
        async def push(app: web.Application) -> None:
            await app[REGISTRY].put(integration_set)

        app.on_startup.append(push)  # after the store is opened
    serve_forever(app, ports, config.listen.event_loop)


def start(target: Any, *args: Any) -> tuple[Any, int]:
    """Fork ``target(*args, ports)``; (the child process, the port it reported)."""
    ports = FORK.Queue()
    child = FORK.Process(target=target, args=(*args, ports), daemon=True)
    child.start()
    return child, int(ports.get(timeout=60))


SECURITY = "bench-security-code"


def make_set(db: Path, logo_url: str) -> IntegrationSet:
    return IntegrationSet.model_validate({
        "code": "BENCH-TIGER", "erp": "tiger", "firm": 1, "period": 1,
        "logo": {"url": logo_url, "security_code": SECURITY, "timeout_s": 30},
        "database": {"engine": "sqlite", "query_timeout_s": 60,
                     "connection_string": f"DRIVER={{SQLite3}};Database=file:{db}?mode=ro"},
        "credentials": {"mode": "shared", "user": "LOGO", "password": "x"},
        "users": [{"name": "bench", "default": True, "warehouses": "all"}],
    })


def serve_logo(db: str, ports: Any) -> None:
    serve_forever(create_logo_app(LogoSimConfig(Path(db), security_code=SECURITY)), ports)


def session(port: int) -> dict[str, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    auth = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/xml"}
    connection.request("POST", "/v1/sessions", body='<OpenSession user="bench"/>', headers=auth)
    text = connection.getresponse().read().decode()
    connection.close()
    return {**auth, "X-Session": text.split('id="')[1].split('"')[0]}


def products(db: Path, count: int) -> list[tuple[str, str]]:
    """(code, main unit) of ``count`` products of the Tiger demo database."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT I.CODE, U.CODE FROM LG_001_ITEMS I JOIN LG_001_ITMUNITA A ON A.ITEMREF = "
            "I.LOGICALREF AND A.LINENR = 1 JOIN LG_001_UNITSETL U ON U.LOGICALREF = A.UNITLINEREF "
            "WHERE I.CODE <> 'ÿ' ORDER BY I.LOGICALREF LIMIT ?", (count,)).fetchall()
    return [(str(code), str(unit)) for code, unit in rows]


async def with_tiger_demo(prefix: str, work: Callable[[IntegrationSet, int, Path], Awaitable[None]],
                          options: dict[str, Any] | None = None) -> None:
    """The Tiger demo database, the LogoObjectService simulator and the service (one set,
    ``BENCH-TIGER``; ``options`` as ``serve_service_with`` takes them) each in a child process;
    ``work(set, service port, database)``; all cleaned up after (keys in Redis included)."""
    from integrator.sessions.registry import set_to_json
    from simulators.demodb.generate import ensure

    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        ensure(folder)
        db = folder / "tiger.db"
        logo, logo_port = start(serve_logo, str(db))
        integration_set = make_set(db, f"http://127.0.0.1:{logo_port}/LogoObjectService/Service")
        service, port = start(serve_service_with, set_to_json(integration_set).decode(),
                              json.dumps(options or {}))
        try:
            await work(integration_set, port, db)
        finally:
            for child in (service, logo):
                child.terminate()
                child.join(5)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if options and options.get("store", "memory") != "memory":
            remove_keys(options["redis_url"], options["prefix"])


def redis_options(store: str) -> dict[str, Any]:
    """``serve_service_with``'s options for ``store`` (memory, or Redis at 127.0.0.1:6379 under a
    prefix of this process)."""
    return {"store": store, "redis_url": "redis://127.0.0.1:6379/0",
            "prefix": f"bench:{os.getpid()}:"}


def remove_keys(url: str, prefix: str) -> None:
    """Remove what a bench wrote into Redis under ``prefix``."""
    import redis

    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=prefix + "*", count=1000))
    for chunk in range(0, len(keys), 1000):
        client.delete(*keys[chunk:chunk + 1000])
    client.close()


def median_ms(values: list[float]) -> float:
    """The median of durations in seconds, in milliseconds."""
    return statistics.median(values) * 1000
