"""The embedded demo (N8): the service on localhost with its two demo sets, the ERP simulators and
the SQLite demo databases, started by one command (``integrator demo``)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from integrator.config import ServiceConfig, load_config

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
    config = load_config(demo_config_dir() / "service.yaml", env=variables)
    return config.model_copy(update={
        "listen": config.listen.model_copy(update={"host": "127.0.0.1", "port": env.port})})


DemoPart = Callable[[web.Application], AsyncIterator[None]]


def demo_databases(env: DemoEnvironment) -> DemoPart:
    """The SQLite demo databases (tiger.db, netsis.db) in the data folder, generated when missing
    or written by another generator version (simulators.demodb)."""

    async def part(app: web.Application) -> AsyncIterator[None]:
        from simulators.demodb.generate import ensure

        await asyncio.to_thread(ensure, env.data_dir)
        yield

    return part


def demo_parts(env: DemoEnvironment) -> list[DemoPart]:
    """The cleanup contexts that bring up the demo ERPs (databases first, then simulators).

    Each part starts before the service's own resources and stops after them.
    """
    env.data_dir.mkdir(parents=True, exist_ok=True)
    from simulators.runner import demo_part as simulators_part

    # the ERP simulators come after the databases they write into
    return [demo_databases(env), simulators_part(env)]
