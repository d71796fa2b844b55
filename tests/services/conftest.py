"""Fixtures of the synchronisation tests: the demo as ``integrator demo`` runs it — the generated
demo databases, both ERP simulators over real HTTP (random ports) and the service with the two
demo sets (DEMO-TIGER, DEMO-NETSIS) — driven through the service's HTTP API."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from lxml import etree
from pydantic import SecretStr

from integrator.app import init_app
from integrator.config import IntegrationSet
from simulators.demodb.generate import ensure
from simulators.logo.app import LOGO_SIM, create_logo_app
from simulators.netsis.app import NETSIS_SIM, create_netsis_app
from simulators.runner import logo_config, netsis_config
from tests.fixtures.demo import AUTH, NETSIS, TIGER, Demo, Erp, MakeDemo, demo_service_config


@pytest.fixture(scope="session")
def demo_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated demo databases, once per test session (each test works on a copy)."""
    folder = tmp_path_factory.mktemp("sync-demo")
    ensure(folder)
    return folder


@pytest.fixture
def make_demo(demo_files: Path, tmp_path: Path, aiohttp_server: Any,
              aiohttp_client: Any) -> MakeDemo:
    """``await make_demo(store=..., settings=..., replicas=2)`` -> the demo behind the service.

    ``settings`` changes the demo sets' ``settings`` (e.g. ``on_duplicate``); ``sync`` the
    service's ``sync`` section; ``store``/``store_prefix`` share a Redis store; ``replicas`` > 1
    makes more service instances over the same simulators and store (``demo.replicas``);
    ``cursor_keys`` the service's keys for bulk-read cursors;
    ``modify`` changes each demo set (mappings, SQL overrides).
    """

    async def make(*, store: str | None = None, store_prefix: str | None = None,
                   settings: dict[str, Any] | None = None, sync: dict[str, Any] | None = None,
                   limits: dict[str, Any] | None = None, erp_timeout_s: float | None = None,
                   replicas: int = 1, cursor_keys: list[str] | None = None,
                   modify: Callable[[IntegrationSet], IntegrationSet] | None = None) -> Demo:
        data = tmp_path / "demo"
        data.mkdir(exist_ok=True)
        for name in ("tiger.db", "netsis.db"):
            shutil.copyfile(demo_files / name, data / name)
        base = demo_service_config(data, "http://127.0.0.1:9/LogoObjectService/Service",
                                   "http://127.0.0.1:9/api/v2/")
        logo_app = create_logo_app(logo_config(base.sets, data / "tiger.db"))
        netsis_app = create_netsis_app(netsis_config(base.sets, data / "netsis.db"))
        logo_server: TestServer = await aiohttp_server(logo_app)
        netsis_server: TestServer = await aiohttp_server(netsis_app)
        config = demo_service_config(data, str(logo_server.make_url("/LogoObjectService/Service")),
                                     str(netsis_server.make_url("/api/v2/")))
        sets = []
        for s in config.sets:
            update: dict[str, Any] = {}
            if settings:
                update["settings"] = s.settings.model_copy(update=settings)
            if erp_timeout_s is not None and s.logo is not None:
                update["logo"] = s.logo.model_copy(update={"timeout_s": erp_timeout_s})
            if erp_timeout_s is not None and s.netsis is not None:
                update["netsis"] = s.netsis.model_copy(update={"timeout_s": erp_timeout_s})
            changed = s.model_copy(update=update)
            sets.append(modify(changed) if modify is not None else changed)
        changes: dict[str, Any] = {"sets": sets}
        if store is not None:
            changes["store"] = SecretStr(store)
        if store_prefix is not None:
            changes["store_prefix"] = store_prefix
        if sync:
            changes["sync"] = config.sync.model_copy(update=sync)
        if limits:
            changes["limits"] = config.limits.model_copy(update=limits)
        if cursor_keys is not None:
            changes["cursor_keys"] = [SecretStr(k) for k in cursor_keys]
        config = config.model_copy(update=changes)
        logo, netsis = logo_app[LOGO_SIM], netsis_app[NETSIS_SIM]
        erps = {
            TIGER: Erp(TIGER, data / "tiger.db", logo.faults, logo.counters, "AppendDataObject",
                       "AppendDataObject", "ReadDataObject",
                       str(logo_server.make_url("/_sim/ship"))),
            NETSIS: Erp(NETSIS, data / "netsis.db", netsis.faults, netsis.counters, "ARPs.post",
                        "ARPs.put", "ARPs.get", str(netsis_server.make_url("/_sim/ship"))),
        }
        demos = []
        for _ in range(replicas):
            client: TestClient[Any, Any] = await aiohttp_client(init_app(config))
            demo = Demo(client, config, erps)
            for code in (TIGER, NETSIS):
                response = await client.post(
                    "/v1/sessions", data=f'<OpenSession user="demo" set="{code}"/>'.encode(), headers=AUTH)
                assert response.status == 201, await response.text()
                demo.sessions[code] = str(etree.fromstring(await response.read()).get("id"))
            demos.append(demo)
        demos[0].replicas = demos
        return demos[0]

    return make


@pytest.fixture
async def demo(make_demo: MakeDemo) -> Demo:
    result: Demo = await make_demo()
    return result
