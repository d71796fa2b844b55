"""Fixtures of the synchronisation tests: the demo as ``integrator demo`` runs it — the generated
demo databases, both ERP simulators over real HTTP (random ports) and the service with the two
demo sets (DEMO-TIGER, DEMO-NETSIS) — driven through the service's HTTP API."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from lxml import etree
from pydantic import SecretStr

from integrator.api.keys import METRICS
from integrator.app import init_app
from integrator.config import IntegrationSet, ServiceConfig, load_config
from simulators.demo import DEMO_KEY, demo_config_dir
from simulators.demodb.generate import ensure
from simulators.faults import Counters, Faults
from simulators.logo.app import LOGO_SIM, create_logo_app
from simulators.netsis.app import NETSIS_SIM, create_netsis_app
from simulators.runner import logo_config, netsis_config

AUTH = {"Authorization": f"Bearer {DEMO_KEY}"}
TIGER, NETSIS = "DEMO-TIGER", "DEMO-NETSIS"


@pytest.fixture(scope="session")
def demo_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated demo databases, once per test session (each test works on a copy)."""
    folder = tmp_path_factory.mktemp("sync-demo")
    ensure(folder)
    return folder


@dataclass
class Erp:
    """One simulated ERP of the demo: its simulator (faults, counters) and database file."""

    set_code: str
    db_path: Path
    faults: Faults
    counters: Counters
    create_route: str
    update_route: str
    read_route: str

    def db(self) -> sqlite3.Connection:
        return sqlite3.connect(self.db_path)

    def scalar(self, sql: str, *params: Any) -> Any:
        with contextlib.closing(self.db()) as conn:
            row = conn.execute(sql, params).fetchone()
        return row[0] if row is not None else None

    def execute(self, sql: str, *params: Any) -> None:
        with contextlib.closing(self.db()) as conn:
            conn.execute(sql, params)
            conn.commit()


@dataclass
class Demo:
    client: TestClient[Any, Any]
    config: ServiceConfig
    erps: dict[str, Erp]
    sessions: dict[str, str] = field(default_factory=dict)
    replicas: list[Demo] = field(default_factory=list)  # every instance, this one first

    def headers(self, set_code: str) -> dict[str, str]:
        return {**AUTH, "X-Session": self.sessions[set_code], "Content-Type": "application/xml"}

    async def post(self, set_code: str, path: str, body: str) -> tuple[int, etree._Element]:
        response = await self.client.post(path, data=body.encode(), headers=self.headers(set_code))
        return response.status, etree.fromstring(await response.read())

    async def get(self, set_code: str, path: str,
                  params: dict[str, str] | None = None) -> tuple[int, etree._Element]:
        response = await self.client.get(path, params=params, headers=self.headers(set_code))
        return response.status, etree.fromstring(await response.read())

    def records_metric(self, set_code: str, entity: str, direction: str, result: str) -> float:
        value = self.client.app[METRICS].registry.get_sample_value(
            "integrator_records_total", {"set": set_code, "entity": entity,
                                         "direction": direction, "result": result})
        return value or 0.0


MakeDemo = Callable[..., Any]


def demo_service_config(data_dir: Path, logo_url: str, netsis_url: str) -> ServiceConfig:
    variables = {"INTEGRATOR_DEMO_DATA": str(data_dir), "INTEGRATOR_DEMO_LOGO_URL": logo_url,
                 "INTEGRATOR_DEMO_NETSIS_URL": netsis_url}
    config = load_config(demo_config_dir() / "service.yaml", env=variables)
    return config.model_copy(update={"logging": config.logging.model_copy(
        update={"format": "json"})})


@pytest.fixture
def make_demo(demo_files: Path, tmp_path: Path, aiohttp_server: Any,
              aiohttp_client: Any) -> MakeDemo:
    """``await make_demo(store=..., settings=..., replicas=2)`` -> the demo behind the service.

    ``settings`` changes the demo sets' ``settings`` (e.g. ``on_duplicate``); ``sync`` the
    service's ``sync`` section; ``store``/``store_prefix`` share a Redis store; ``replicas`` > 1
    makes more service instances over the same simulators and store (``demo.replicas``);
    ``modify`` changes each demo set (mappings, SQL overrides).
    """

    async def make(*, store: str | None = None, store_prefix: str | None = None,
                   settings: dict[str, Any] | None = None, sync: dict[str, Any] | None = None,
                   limits: dict[str, Any] | None = None, erp_timeout_s: float | None = None,
                   replicas: int = 1,
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
        config = config.model_copy(update=changes)
        logo, netsis = logo_app[LOGO_SIM], netsis_app[NETSIS_SIM]
        erps = {
            TIGER: Erp(TIGER, data / "tiger.db", logo.faults, logo.counters, "AppendDataObject",
                       "AppendDataObject", "ReadDataObject"),
            NETSIS: Erp(NETSIS, data / "netsis.db", netsis.faults, netsis.counters, "ARPs.post",
                        "ARPs.put", "ARPs.get"),
        }
        demos = []
        for _ in range(replicas):
            client: TestClient[Any, Any] = await aiohttp_client(init_app(config))
            demo = Demo(client, config, erps)
            for code in (TIGER, NETSIS):
                response = await client.post(
                    "/v1/sessions", data=f'<OpenSession user="demo" set="{code}"/>', headers=AUTH)
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


def account_xml(crm_id: str | None, fields: dict[str, str], *, ref: str = "", code: str = "",
                root: str = "Account", set_code: str | None = None) -> str:
    attrs = ""
    if crm_id is not None:
        attrs += f' crmId="{crm_id}"'
    if ref:
        attrs += f' ref="{ref}"'
    if code:
        attrs += f' code="{code}"'
    if set_code:
        attrs += f' set="{set_code}"'
    inner = "".join(f'<Field name="{name}">{_escape(value)}</Field>' for name, value in fields.items())
    return f"<{root}{attrs}>{inner}</{root}>"


def bulk_xml(records: list[str], root: str = "Accounts") -> str:
    return f"<{root}>{''.join(records)}</{root}>"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def fields_of(element: etree._Element) -> dict[str, str]:
    return {str(f.get("name")): f.text or "" for f in element.findall("Field")}

