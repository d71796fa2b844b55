"""Fixtures of the simulators' own tests: each simulator on a test server over a fresh fixture
database (simulators.fixtures) or over a copy of the generated demo databases (small scale)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from simulators.demodb.generate import ensure
from simulators.fixtures import create_netsis_db, create_tiger_db
from simulators.logo.app import LogoSimConfig, create_logo_app
from simulators.netsis.app import NetsisSimConfig, create_netsis_app
from tests.fixtures.sim import Logo, Netsis

DEMO_SCALE = 0.05


@pytest.fixture(scope="session")
def demo_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated demo databases at a small scale, once per session (tests use copies)."""
    folder = tmp_path_factory.mktemp("sim-demo")
    ensure(folder, scale=DEMO_SCALE)
    return folder


@pytest.fixture
def demo_copy(demo_files: Path, tmp_path: Path) -> Path:
    for name in ("tiger.db", "netsis.db"):
        shutil.copyfile(demo_files / name, tmp_path / name)
    return tmp_path


async def _logo(aiohttp_client: Any, db_path: Path, **config: Any) -> Logo:
    client = await aiohttp_client(create_logo_app(LogoSimConfig(db_path, **config)))
    return Logo(client, db_path)


async def _netsis(aiohttp_client: Any, db_path: Path, **config: Any) -> Netsis:
    client = await aiohttp_client(create_netsis_app(NetsisSimConfig(db_path, **config)))
    netsis = Netsis(client, db_path)
    await netsis.login()
    return netsis


@pytest.fixture
async def logo(aiohttp_client: Any, tmp_path: Path) -> Logo:
    return await _logo(aiohttp_client, create_tiger_db(tmp_path / "tiger.db"))


@pytest.fixture
async def netsis(aiohttp_client: Any, tmp_path: Path) -> Netsis:
    return await _netsis(aiohttp_client, create_netsis_db(tmp_path / "netsis.db"))


@pytest.fixture
async def logo_demo(aiohttp_client: Any, demo_copy: Path) -> Logo:
    return await _logo(aiohttp_client, demo_copy / "tiger.db")


@pytest.fixture
async def netsis_demo(aiohttp_client: Any, demo_copy: Path) -> Netsis:
    return await _netsis(aiohttp_client, demo_copy / "netsis.db")


@pytest.fixture
def make_logo(aiohttp_client: Any, tmp_path: Path) -> Any:
    """``await make_logo(compressed_answers=True)``: a Logo simulator with other settings."""
    async def make(**config: Any) -> Logo:
        return await _logo(aiohttp_client, create_tiger_db(tmp_path / "tiger.db"), **config)
    return make


@pytest.fixture
def make_netsis(aiohttp_client: Any, tmp_path: Path) -> Any:
    async def make(**config: Any) -> Netsis:
        return await _netsis(aiohttp_client, create_netsis_db(tmp_path / "netsis.db"), **config)
    return make
