"""Fixtures of the ERP gateway tests: simulators on random ports over fresh demo databases, and
gateways wired to them over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from integrator.config import ErpSettings
from integrator.erp.hub import ErpGateways
from integrator.metrics import Metrics
from simulators.fixtures import create_netsis_db, create_tiger_db
from simulators.logo.app import LOGO_SIM, LogoSimConfig, create_logo_app
from simulators.netsis.app import NETSIS_SIM, NetsisSimConfig, create_netsis_app
from tests.fixtures.erp import (
    LBS_LOAD_PASS,
    NETSIS_DB,
    NETSIS_DB_PASSWORD,
    NETSIS_USERS,
    SECURITY_CODE,
    TEST_SETTINGS,
    Erp,
    MakeErp,
    credentials,
    netsis_set,
    tiger_set,
)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    session = aiohttp.ClientSession()
    yield session
    await session.close()


@pytest.fixture
def make_erp(aiohttp_server: Any, http: aiohttp.ClientSession, tmp_path: Path) -> MakeErp:
    """``await make_erp("logo" | "netsis", ...)`` -> a gateway and its simulator."""

    async def make(kind: str, *, settings: ErpSettings = TEST_SETTINGS,
                   token_lifetime_s: float = 1200.0, compress: bool = False,
                   user: str = "AYSE", timeout_s: float = 5.0) -> Erp:
        metrics = Metrics()
        hub = ErpGateways(http, metrics, settings)
        if kind == "logo":
            db_path = create_tiger_db(tmp_path / "tiger.db")
            app = create_logo_app(LogoSimConfig(db_path, security_code=SECURITY_CODE,
                                                lbs_load_pass=LBS_LOAD_PASS,
                                                compressed_answers=compress))
            server: TestServer = await aiohttp_server(app)
            url = str(server.make_url("/LogoObjectService/Service"))
            return Erp("logo", hub, metrics, tiger_set(url, compress=compress, timeout_s=timeout_s),
                       app[LOGO_SIM], db_path, extra={"server": server})
        db_path = create_netsis_db(tmp_path / "netsis.db")
        app = create_netsis_app(NetsisSimConfig(db_path, dbname=NETSIS_DB,
                                                dbpassword=NETSIS_DB_PASSWORD,
                                                users=dict(NETSIS_USERS),
                                                token_lifetime_s=token_lifetime_s))
        server = await aiohttp_server(app)
        url = str(server.make_url("/api/v2/"))
        return Erp("netsis", hub, metrics, netsis_set(url, timeout_s=timeout_s), app[NETSIS_SIM],
                   db_path, credentials=credentials(user), extra={"server": server})

    return make


@pytest.fixture(params=["logo", "netsis"])
async def erp(request: pytest.FixtureRequest, make_erp: MakeErp) -> Erp:
    """The contract fixture: every test using it runs against both gateways."""
    return await make_erp(request.param)


@pytest.fixture
async def logo(make_erp: MakeErp) -> Erp:
    return await make_erp("logo")


@pytest.fixture
async def netsis(make_erp: MakeErp) -> Erp:
    return await make_erp("netsis")
