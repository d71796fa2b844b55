"""A service process killed with SIGKILL right after its ERP write loses nothing and causes no
duplicate: restarted, the retry finds the document by the quote id (F29, N5, N6)."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sqlite3
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from lxml import etree

from integrator.config import load_config
from simulators.demo import DEMO_KEY, demo_config_dir
from simulators.logo.app import LOGO_SIM, create_logo_app
from simulators.runner import logo_config
from tests.fixtures.demo import TIGER
from tests.fixtures.ports import free_port_block
from tests.fixtures.quotes import quote_xml, transfer_path

pytestmark = [pytest.mark.odbc, pytest.mark.slow]
AUTH = {"Authorization": f"Bearer {DEMO_KEY}"}


def service_yaml(folder: Path, port: int) -> Path:
    path = folder / "service.yaml"
    path.write_text(
        f"listen: {{host: 127.0.0.1, port: {port}}}\n"
        "api_keys:\n  - {name: demo, sha256: "
        "c48a01f49fd0f2cc404bc3cbbc80e91457a3d41bb429a695243de4c61794155c}\n"
        "store: memory\nlogging: {level: INFO, format: json}\n"
        f"sets_dir: {demo_config_dir() / 'sets'}\n", encoding="utf-8")
    return path


async def start_service(config: Path, env: dict[str, str], port: int) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "integrator", "serve", "--config", str(config), env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    async with aiohttp.ClientSession() as session:
        for _ in range(150):
            if process.returncode is not None:
                assert process.stderr is not None
                raise AssertionError((await process.stderr.read()).decode(errors="replace"))
            try:
                async with session.get(f"http://127.0.0.1:{port}/health/ready") as response:
                    if response.status == 200:
                        return process
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    process.kill()
    await process.wait()
    raise AssertionError("the service did not become ready")


async def open_session(session: aiohttp.ClientSession, base: str) -> str:
    async with session.post(f"{base}/v1/sessions", data=b'<OpenSession user="demo"/>',
                            headers=AUTH) as response:
        assert response.status == 201
        return str(etree.fromstring(await response.read()).get("id"))


async def tiger_demo(demo_files: Path, tmp_path: Path,
                     aiohttp_server: Any) -> tuple[Path, dict[str, str], Any]:
    """Fresh demo databases, the Logo simulator serving the Tiger one, and the environment that
    points the demo configuration at them: (the data folder, the environment, the simulator)."""
    data = tmp_path / "demo"
    data.mkdir()
    for name in ("tiger.db", "netsis.db"):
        shutil.copyfile(demo_files / name, data / name)
    env = {**os.environ, "INTEGRATOR_DEMO_DATA": str(data), "PYTHONUNBUFFERED": "1",
           "INTEGRATOR_DEMO_NETSIS_URL": "http://127.0.0.1:9/api/v2/"}
    sets = load_config(demo_config_dir() / "service.yaml", env=env).sets
    logo_app = create_logo_app(logo_config(sets, data / "tiger.db"))
    logo_server: TestServer = await aiohttp_server(logo_app)
    env["INTEGRATOR_DEMO_LOGO_URL"] = str(logo_server.make_url("/LogoObjectService/Service"))
    return data, env, logo_app[LOGO_SIM]


async def slow_order_sent(session: aiohttp.ClientSession, simulator: Any, base: str, quote: str,
                          body: bytes, headers: dict[str, str]) -> asyncio.Future[Any]:
    """Send the quote's transfer with its order write held back 1.5 s by the ERP; return the
    request in flight once the write has reached the ERP."""
    simulator.faults.set("AppendDataObject", "latency", seconds=1.5, times=1,
                         match="SALES_ORDERS")
    calls = simulator.counters.calls["AppendDataObject"]
    request = asyncio.ensure_future(session.post(base + transfer_path(quote, "order"), data=body,
                                                 headers=headers))
    for _ in range(250):
        if simulator.counters.calls["AppendDataObject"] > calls:
            break
        await asyncio.sleep(0.02)
    assert simulator.counters.calls["AppendDataObject"] > calls, "the write never left"
    return request


def orders_with(db: Path, quote: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM LG_001_01_ORFICHE WHERE DOCODE = ?",
                                (quote,)).fetchone()[0])


async def test_a_service_killed_after_the_erp_write_causes_no_duplicate_f29(
        demo_files: Path, tmp_path: Path, aiohttp_server: Any) -> None:
    data, env, simulator = await tiger_demo(demo_files, tmp_path, aiohttp_server)
    port = free_port_block(1)
    base = f"http://127.0.0.1:{port}"
    config = service_yaml(tmp_path, port)
    body = quote_xml(TIGER, "Q-KILL").encode()

    process = await start_service(config, env, port)
    try:
        async with aiohttp.ClientSession() as session:
            headers = {**AUTH, "X-Session": await open_session(session, base)}
            # the ERP commits the order only after a while; the service is killed meanwhile
            request = await slow_order_sent(session, simulator, base, "Q-KILL", body, headers)
            process.send_signal(signal.SIGKILL)
            await process.wait()
            with pytest.raises(aiohttp.ClientError):
                await request
        await asyncio.sleep(2.0)  # the ERP finishes the write the dead service sent
        assert orders_with(data / "tiger.db", "Q-KILL") == 1
        process = await start_service(config, env, port)
        async with aiohttp.ClientSession() as session:
            headers = {**AUTH, "X-Session": await open_session(session, base)}
            async with session.post(base + transfer_path("Q-KILL", "order"), data=body,
                                    headers=headers) as response:
                answer = etree.fromstring(await response.read())
                assert response.status == 200, etree.tostring(answer)
            assert answer.get("created") == "false" and answer.get("number")
        assert orders_with(data / "tiger.db", "Q-KILL") == 1
    finally:
        if process.returncode is None:
            process.terminate()
            await process.wait()


async def test_a_service_stopped_while_it_writes_finishes_the_transfer_first_f29_n6(
        demo_files: Path, tmp_path: Path, aiohttp_server: Any) -> None:
    """SIGTERM while an order is being written: the service stops taking connections and the
    transfer in flight ends as it would have (its answer reaches the CRM) before the process exits
    — the drain docs/operations.md promises. (The audit's item 3: the loop's close cancelled every
    task at once, so the transfer was cut off with the write still in flight, its claim freed
    without a mark, and the CRM's retry on the restarted service wrote a second order.)"""
    data, env, simulator = await tiger_demo(demo_files, tmp_path, aiohttp_server)
    port = free_port_block(1)
    base = f"http://127.0.0.1:{port}"
    process = await start_service(service_yaml(tmp_path, port), env, port)
    try:
        async with aiohttp.ClientSession() as session:
            headers = {**AUTH, "X-Session": await open_session(session, base)}
            request = await slow_order_sent(session, simulator, base, "Q-TERM",
                                            quote_xml(TIGER, "Q-TERM").encode(), headers)
            process.send_signal(signal.SIGTERM)
            async with await request as response:
                answer = etree.fromstring(await response.read())
                assert response.status == 201, etree.tostring(answer)
            assert answer.get("created") == "true" and answer.get("number")
        assert await process.wait() == 0
        assert orders_with(data / "tiger.db", "Q-TERM") == 1
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
