"""Shared test fixtures.

Tests talk to real things: Redis at 127.0.0.1:6379, PostgreSQL at 127.0.0.1:5432 through
psqlODBC, the SQLite3 ODBC driver, and the simulators over HTTP. When a service is missing a test
skips, except under ``INTEGRATOR_REQUIRE_SERVICES=1`` (the README's test command and CI), where a
missing service fails the test, and a run that executed no test of a required marker fails.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from aiohttp import web
from aiohttp.test_utils import TestClient

from integrator.app import init_app
from integrator.config import ServiceConfig
from integrator.metrics import Metrics
from integrator.sessions.redis_store import RedisStore
from integrator.sessions.store import MemoryStore, Store
from integrator.sql.engine import SqlEngine
from integrator.sql.threads import LifoExecutor
from simulators.demodb.generate import ensure
from tests.fixtures.common import (
    REDIS_HOST,
    REDIS_PORT,
    REQUIRE_SERVICES,
    REQUIRED_MARKERS,
    _marker_runs,
    need_service,
    netsis_set,
    service_config,
    tiger_set,
)


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
REDIS_URL = f"redis://{REDIS_HOST}:{REDIS_PORT}/0"


@pytest.fixture
def redis_url() -> str:
    need_service("Redis", REDIS_HOST, REDIS_PORT)
    return REDIS_URL


@pytest.fixture
def store_prefix(request: pytest.FixtureRequest) -> Iterator[str]:
    """A key prefix of its own for every test, so tests never see each other's keys. After a test
    that used Redis, the keys under its prefix are removed (the one place that does it: the
    services a test started may leave sessions, links and leases behind)."""
    prefix = f"itest:{uuid.uuid4().hex[:12]}:"
    yield prefix
    if "redis_url" in request.fixturenames:
        remove_prefixed(REDIS_URL, prefix)  # (redis_url may be torn down already)


def remove_prefixed(url: str, prefix: str) -> None:
    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=prefix + "*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def any_store(request: pytest.FixtureRequest, store_prefix: str) -> AsyncIterator[Store]:
    """Each kind of store in turn: the in-process one, and Redis as replicas share it (what the
    test wrote under its prefix is removed after)."""
    if request.param == "memory":
        yield MemoryStore()
        return
    url = request.getfixturevalue("redis_url")
    # every key kept on the replica as the sessions' and sets' are (sessions.replica_cache)
    redis_store = RedisStore(url, prefix=store_prefix, cached=("",))
    yield redis_store  # what it wrote is removed with the prefix (store_prefix)
    await redis_store.close()


@pytest.fixture
async def engine() -> AsyncIterator[SqlEngine]:
    """A SQL engine on its own bounded executor, closed after the test."""
    pool = LifoExecutor(4, thread_name_prefix="odbc-test")
    sql_engine = SqlEngine(pool, Metrics())
    yield sql_engine
    sql_engine.close()
    pool.shutdown(wait=True)


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


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The full-size demo databases, generated once per test session."""
    folder = tmp_path_factory.mktemp("demodb")
    ensure(folder)
    return folder
