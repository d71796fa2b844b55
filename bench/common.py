"""What the benches share: listening on a free port, the service in a child process."""

from __future__ import annotations

import asyncio
import http.client
import logging
import multiprocessing
from pathlib import Path
from typing import Any

import structlog
from aiohttp import web

from integrator.api.middlewares import hash_key
from integrator.app import init_app
from integrator.config import IntegrationSet, ServiceConfig
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


def serve_forever(app: web.Application, ports: Any) -> None:
    """In a child process: serve ``app``, report the port on the ``ports`` queue, run until killed."""
    async def run() -> None:
        ports.put((await listen(app))[1])
        await asyncio.Event().wait()

    asyncio.run(run())


def serve_service(set_json: str, ports: Any) -> None:
    """In a child process: the whole service with one set, API key ``KEY``, memory store."""
    integration_set = IntegrationSet.model_validate_json(set_json)
    config = ServiceConfig.model_validate({
        "api_keys": [{"name": "bench", "sha256": hash_key(KEY)}], "store": "memory",
        "logging": {"access_log": False, "level": "WARNING"}, "sets": []})
    quiet()
    serve_forever(init_app(config.model_copy(update={"sets": [integration_set]})), ports)


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
