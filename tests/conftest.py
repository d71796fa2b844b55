"""Shared test fixtures.

Tests talk to real things: Redis at 127.0.0.1:6379, PostgreSQL at 127.0.0.1:5432 through
psqlODBC, the SQLite3 ODBC driver, and the simulators over HTTP. When a service is missing a test
skips, except under ``INTEGRATOR_REQUIRE_SERVICES=1`` (the README's test command and CI), where a
missing service fails the test, and a run that executed no test of a required marker fails.
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from integrator.api.middlewares import hash_key
from integrator.services.sets import checked_context
from integrator.app import init_app
from integrator.config import IntegrationSet, ServiceConfig

REQUIRE_SERVICES = os.environ.get("INTEGRATOR_REQUIRE_SERVICES") == "1"
REQUIRED_MARKERS = [m for m in os.environ.get("INTEGRATOR_REQUIRE_MARKERS", "").split(",") if m]
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
PG_HOST, PG_PORT = "127.0.0.1", 5432

API_KEY = "test-key-3f9a1c"
AUTH = {"Authorization": f"Bearer {API_KEY}"}


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def need_service(name: str, host: str, port: int) -> None:
    """Skip (or, when services are required, fail) a test whose service is not reachable."""
    if _reachable(host, port):
        return
    message = f"{name} is not reachable at {host}:{port}"
    if REQUIRE_SERVICES:
        pytest.fail(message + " (INTEGRATOR_REQUIRE_SERVICES=1)")
    pytest.skip(message)


# -- required-marker accounting -----------------------------------------------------------------
_marker_runs: dict[str, dict[str, int]] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    markers = getattr(report, "integrator_markers", ())
    for marker in markers:
        counts = _marker_runs.setdefault(marker, {"passed": 0, "failed": 0, "skipped": 0})
        if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
            counts[report.outcome] = counts.get(report.outcome, 0) + 1


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    report.integrator_markers = tuple(
        m for m in ("redis", "postgres", "odbc") if item.get_closest_marker(m) is not None)
    return report


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    report = os.environ.get("INTEGRATOR_MARKER_REPORT")
    if report:  # for .ci/run, which checks what ran independently of pytest's exit status
        with open(report, "w", encoding="utf-8") as out:
            json.dump(_marker_runs, out, indent=1, sort_keys=True)
    if not REQUIRE_SERVICES:
        return
    problems = []
    for marker, counts in sorted(_marker_runs.items()):
        if counts.get("skipped"):
            problems.append(f"{counts['skipped']} '{marker}' test(s) were skipped")
    for marker in REQUIRED_MARKERS:
        counts = _marker_runs.get(marker, {})
        if not counts.get("passed") and not counts.get("failed"):
            problems.append(f"no '{marker}' test ran")
    if problems:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line("REQUIRED SERVICES: " + "; ".join(problems), red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


# -- services -----------------------------------------------------------------------------------
@pytest.fixture
def redis_url() -> str:
    need_service("Redis", REDIS_HOST, REDIS_PORT)
    return f"redis://{REDIS_HOST}:{REDIS_PORT}/0"


@pytest.fixture
def store_prefix() -> str:
    """A key prefix of its own for every test, so tests never see each other's keys."""
    return f"itest:{uuid.uuid4().hex[:12]}:"


# -- configuration builders -----------------------------------------------------------------------
def tiger_set(code: str = "TIGER-TEST", **overrides: Any) -> IntegrationSet:
    data: dict[str, Any] = {
        "code": code,
        "name": "Test Tiger",
        "erp": "tiger",
        "firm": 1,
        "period": 1,
        "logo": {"url": "http://127.0.0.1:9/LogoObjectService/Service",
                 "security_code": "sec-code-tiger-71c2"},
        "database": {"engine": "sqlite",
                     "connection_string":
                         "DRIVER={SQLite3};Database=file:/nonexistent/missing.db?mode=ro;PWD=db-pw-tiger-55"},
        "credentials": {"mode": "shared", "user": "LOGO", "password": "logo-pw-shared-19"},
        "users": [{"name": "ayse", "default": True, "warehouses": [0, 1], "salesman": "S01"},
                  {"name": "mehmet", "warehouses": "all"}],
    }
    data.update(overrides)
    return IntegrationSet.model_validate(data, context=checked_context())


def netsis_set(code: str = "NETSIS-TEST", **overrides: Any) -> IntegrationSet:
    data: dict[str, Any] = {
        "code": code,
        "name": "Test Netsis",
        "erp": "netsis",
        "branch": 0,
        "netsis": {"url": "http://127.0.0.1:9/api/v2/", "dbname": "TESTDB",
                   "dbpassword": "netsis-db-pw-82"},
        "database": {"engine": "sqlite",
                     "connection_string": "DRIVER={SQLite3};Database=file:/nonexistent/missing.db?mode=ro"},
        "credentials": {"mode": "per_user"},
        "users": [{"name": "ayse", "erp_user": "AYSE", "erp_password": "ayse-erp-pw-33",
                   "warehouses": [1, 2], "transfer_type": "quote"}],
    }
    data.update(overrides)
    return IntegrationSet.model_validate(data, context=checked_context())


def service_config(*, sets: list[IntegrationSet] | None = None, **overrides: Any) -> ServiceConfig:
    data: dict[str, Any] = {
        "api_keys": [{"name": "crm-core", "sha256": hash_key(API_KEY)}],
        "store": "memory",
        "logging": {"access_log": True},
    }
    data.update(overrides)
    config = ServiceConfig.model_validate({**data, "sets": []})
    return config.model_copy(update={"sets": sets if sets is not None else []})


@pytest.fixture
def make_client(aiohttp_client: Callable[..., Any]) -> Callable[..., Any]:
    """``await make_client(config)`` -> a test client of ``init_app(config)`` over real HTTP."""

    async def make(config: ServiceConfig, app: web.Application | None = None) -> TestClient[Any, Any]:
        client: TestClient[Any, Any] = await aiohttp_client(app or init_app(config))
        return client

    return make


@pytest.fixture
async def client(make_client: Callable[..., Any]) -> AsyncIterator[TestClient[Any, Any]]:
    """A client of a service with one Tiger and one Netsis set from 'files' and a memory store."""
    return await make_client(service_config(sets=[tiger_set(), netsis_set()]))


async def open_session(client: TestClient[Any, Any], user: str = "ayse",
                       set_code: str | None = None) -> str:
    body = f'<OpenSession user="{user}"' + (f' set="{set_code}"' if set_code else "") + "/>"
    response = await client.post("/v1/sessions", data=body, headers=AUTH)
    text = await response.text()
    assert response.status == 201, text
    from lxml import etree

    return str(etree.fromstring(text.encode()).get("id"))

