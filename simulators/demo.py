"""The embedded demo (N8): the service on localhost with its two demo sets, the ERP simulators and
the SQLite demo databases, started by one command (``./run demo``, i.e. ``python -m
simulators.demo``).

The demo lives with the simulators, outside the production package: ``integrator`` never imports
``simulators``; the demo imports the service and wires the simulators in front of it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from integrator import logs
from integrator.api import server
from integrator.app import init_app
from integrator.config import ServiceConfig, load_config
from integrator.services.sets import set_problems
from simulators.demodb.generate import ensure
from simulators.runner import ensure_databases, logo_config, netsis_config, start

DEMO_KEY = "demo-key"  # documented in the README as a demo-only key


@dataclass(frozen=True, slots=True)
class DemoEnvironment:
    """Where the demo's parts live; its values fill the ``${...}`` references of config/demo."""

    port: int
    data_dir: Path

    @property
    def logo_port(self) -> int:
        return self.port + 1

    @property
    def netsis_port(self) -> int:
        return self.port + 2

    def variables(self) -> dict[str, str]:
        return {
            "INTEGRATOR_DEMO_DATA": str(self.data_dir),
            "INTEGRATOR_DEMO_LOGO_URL":
                f"http://127.0.0.1:{self.logo_port}/LogoObjectService/Service",
            "INTEGRATOR_DEMO_NETSIS_URL": f"http://127.0.0.1:{self.netsis_port}/api/v2/",
        }


def demo_config_dir() -> Path:
    """config/demo of the checkout (or $INTEGRATOR_DEMO_CONFIG, or ./config/demo)."""
    override = os.environ.get("INTEGRATOR_DEMO_CONFIG")
    candidates = [Path(override)] if override else []
    candidates += [Path(__file__).resolve().parents[1] / "config" / "demo",
                   Path.cwd() / "config" / "demo"]
    for candidate in candidates:
        if (candidate / "service.yaml").is_file():
            return candidate
    raise FileNotFoundError("config/demo/service.yaml not found; run from the repository checkout "
                            "or set INTEGRATOR_DEMO_CONFIG")


def load_demo_config(env: DemoEnvironment) -> ServiceConfig:
    variables = {**os.environ, **env.variables()}
    config = load_config(demo_config_dir() / "service.yaml", env=variables, check=set_problems)
    return config.model_copy(update={
        "listen": config.listen.model_copy(update={"host": "127.0.0.1", "port": env.port})})


DemoPart = Callable[[web.Application], AsyncIterator[None]]


def demo_databases(env: DemoEnvironment) -> DemoPart:
    """The SQLite demo databases (tiger.db, netsis.db) in the data folder, generated when missing
    or written by another generator version (simulators.demodb)."""

    async def part(app: web.Application) -> AsyncIterator[None]:
        await asyncio.to_thread(ensure, env.data_dir)
        yield

    return part


def simulators_part(env: DemoEnvironment) -> DemoPart:
    """Both simulators on the demo's ports (after the demo databases exist; creates them when no
    earlier part did)."""

    async def simulators(app: web.Application) -> AsyncIterator[None]:
        tiger, netsis = ensure_databases(env.data_dir)
        sets = load_demo_config(env).sets
        running = await start(host="127.0.0.1", logo_port=env.logo_port,
                              netsis_port=env.netsis_port, logo=logo_config(sets, tiger),
                              netsis=netsis_config(sets, netsis))
        try:
            yield
        finally:
            await running.stop()

    return simulators


def demo_parts(env: DemoEnvironment) -> list[DemoPart]:
    """The cleanup contexts that bring up the demo ERPs (databases first, then simulators).

    Each part starts before the service's own resources and stops after them.
    """
    env.data_dir.mkdir(parents=True, exist_ok=True)
    # the ERP simulators come after the databases they write into
    return [demo_databases(env), simulators_part(env)]


def demo_app(env: DemoEnvironment) -> tuple[ServiceConfig, web.Application]:
    """The service of the demo config with the demo's databases and simulators in front of it."""
    config = load_demo_config(env)
    app = init_app(config)
    for position, part in enumerate(demo_parts(env)):
        app.cleanup_ctx.insert(position, part)
    return config, app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simulators.demo", description=__doc__)
    parser.add_argument("--port", type=int, default=8080,
                        help="the service's port; the simulators take the next two")
    parser.add_argument("--data-dir", default=".demo", help="where the demo databases are written")
    args = parser.parse_args(argv)
    env = DemoEnvironment(port=args.port, data_dir=Path(args.data_dir).resolve())
    config, app = demo_app(env)
    logs.configure(config.logging.level, config.logging.format)
    print(f"crm-integrator demo on http://127.0.0.1:{env.port}  (API key: {DEMO_KEY}, "
          "demo only)", file=sys.stderr, flush=True)
    server.run(app, host="127.0.0.1", port=env.port, shutdown_timeout=60)
    return 0


if __name__ == "__main__":
    sys.exit(main())
