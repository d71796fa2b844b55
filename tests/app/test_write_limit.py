"""The per-set ERP write limit counted across replicas (issue 13; N5, N6): three ``integrator
serve`` processes on one Redis in front of one LogoObjectService simulator, which records how
many writes it has in progress at once."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from lxml import etree

from integrator.api.middlewares import hash_key
from integrator.config import load_config
from simulators.demo import DEMO_KEY, demo_config_dir
from simulators.logo.app import LOGO_SIM, create_logo_app
from simulators.runner import logo_config
from tests.fixtures.ports import free_port_block
from tests.fixtures.process import stop

pytestmark = pytest.mark.redis

AUTH = {"Authorization": f"Bearer {DEMO_KEY}", "Content-Type": "application/xml"}
LEASE_S = 2.0
APPEND = "AppendDataObject"


class Instance:
    def __init__(self, process: subprocess.Popen[bytes], base: str, log: Path) -> None:
        self.process, self.base, self.log = process, base, log


def serve(config: Path, log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """``integrator serve`` in a process of its own (so that it can be killed)."""
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", "integrator", "serve", "--config",
                                 str(config)], stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, **env})


async def start_instances(count: int, folder: Path, env: dict[str, str],
                          redis_url: str, prefix: str) -> list[Instance]:
    instances = []
    for index in range(count):
        port = free_port_block(1)
        config = folder / f"service-{index}.yaml"
        config.write_text(
            f"listen: {{host: 127.0.0.1, port: {port}}}\n"
            f"api_keys: [{{name: demo, sha256: {hash_key(DEMO_KEY)}}}]\n"
            f"store: {redis_url}\nstore_prefix: '{prefix}'\n"
            f"erp: {{write_lease_s: {LEASE_S}}}\n"
            "logging: {level: WARNING, format: json}\n"
            f"sets_dir: {demo_config_dir() / 'sets'}\n", encoding="utf-8")
        log = folder / f"instance-{index}.log"
        instances.append(Instance(serve(config, log, env), f"http://127.0.0.1:{port}", log))
    async with aiohttp.ClientSession() as http:
        deadline = time.monotonic() + 60
        for instance in instances:
            while True:
                assert instance.process.poll() is None, instance.log.read_text()
                try:
                    async with http.get(f"{instance.base}/health/ready") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                assert time.monotonic() < deadline, instance.log.read_text()
                await asyncio.sleep(0.2)
    return instances


def stop_all(instances: list[Instance]) -> None:
    for instance in instances:
        stop(instance.process)


@pytest.fixture
async def cluster(demo_dir: Path, tmp_path: Path, aiohttp_server: Any, redis_url: str,
                  store_prefix: str) -> AsyncIterator[tuple[list[Instance], Any]]:
    """Three instances of the service on one Redis and the Logo simulator they all write to."""
    shutil.copyfile(demo_dir / "tiger.db", tmp_path / "tiger.db")
    shutil.copyfile(demo_dir / "netsis.db", tmp_path / "netsis.db")
    env = {"INTEGRATOR_DEMO_DATA": str(tmp_path)}
    sets = load_config(demo_config_dir() / "service.yaml", env={**os.environ, **env}).sets
    simulator_app = create_logo_app(logo_config(sets, tmp_path / "tiger.db"))
    simulator: TestServer = await aiohttp_server(simulator_app)
    env["INTEGRATOR_DEMO_LOGO_URL"] = str(simulator.make_url("/LogoObjectService/Service"))
    instances = await start_instances(3, tmp_path, env, redis_url, store_prefix)
    try:
        yield instances, simulator_app[LOGO_SIM]
    finally:
        stop_all(instances)  # their keys go with the prefix (tests/conftest.py store_prefix)


def account(crm_id: str, code: str) -> bytes:
    return (f'<Account crmId="{crm_id}"><Field name="Code">{code}</Field>'
            f'<Field name="Title">YAZMA SINIRI {crm_id}</Field></Account>').encode()


async def open_session(http: aiohttp.ClientSession, base: str) -> str:
    async with http.post(f"{base}/v1/sessions", data=b'<OpenSession user="demo"/>',
                         headers=AUTH) as response:
        assert response.status == 201, await response.text()
        return str(etree.fromstring(await response.read()).get("id"))


async def create(http: aiohttp.ClientSession, base: str, session: str, crm_id: str,
                 code: str) -> tuple[int, bytes]:
    async with http.post(f"{base}/v1/accounts", data=account(crm_id, code),
                         headers={**AUTH, "X-Session": session}) as response:
        return response.status, await response.read()


async def test_three_replicas_never_exceed_the_sets_write_limit_n5_n6(cluster: Any) -> None:
    instances, logo = cluster
    logo.faults.set(APPEND, "latency", seconds=0.3)  # each write holds its seat a while
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as http:
        session = await open_session(http, instances[0].base)  # sessions are shared
        started = time.monotonic()
        results = await asyncio.gather(*(
            create(http, instances[n % 3].base, session, f"WL-{n}", f"120.77.{n:04d}")
            for n in range(30)))
        elapsed = time.monotonic() - started
    assert [status for status, _ in results] == [201] * 30, [b for s, b in results if s != 201]
    assert logo.counters.calls[APPEND] == 30
    # DEMO-TIGER's settings.write_concurrency is 2: the ERP never saw more than 2 writes at once
    assert logo.counters.peak[APPEND] == 2, logo.counters.peak
    assert elapsed >= 30 / 2 * 0.3 * 0.9  # the writes really waited for each other
    print(f"write limit: 30 writes over 3 replicas, peak {logo.counters.peak[APPEND]} in "
          f"{elapsed:.1f}s")


async def test_a_replica_killed_holding_seats_frees_them_within_the_lease_n5_n6(
        cluster: Any) -> None:
    instances, logo = cluster
    victim, survivor = instances[0], instances[1]
    # the victim's two writes take both seats and hang in the ERP
    logo.faults.set(APPEND, "latency", seconds=LEASE_S + 3, match="KILL-")
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http:
        session = await open_session(http, survivor.base)
        hanging = [asyncio.ensure_future(create(http, victim.base, session, f"KILL-{n}",
                                                f"120.78.{n:04d}")) for n in range(2)]
        deadline = time.monotonic() + 10
        while logo.counters.active[APPEND] < 2:
            assert time.monotonic() < deadline, "the victim's writes never reached the ERP"
            await asyncio.sleep(0.02)
        victim.process.send_signal(signal.SIGKILL)
        victim.process.wait()
        killed = time.monotonic()
        status, body = await create(http, survivor.base, session, "AFTER-1", "120.78.9001")
        waited = time.monotonic() - killed
        for task in hanging:  # the victim's connections died with it
            assert isinstance((await asyncio.gather(task, return_exceptions=True))[0],
                              aiohttp.ClientError | asyncio.TimeoutError)
    assert status == 201, body
    # the survivor's write waited for the dead replica's leases, and no longer than one lease
    # (they were renewed at most a third of a lease before the kill)
    assert LEASE_S / 3 < waited < LEASE_S + 1.0, waited
    print(f"write limit: a seat of the killed replica came back after {waited:.2f}s "
          f"(lease {LEASE_S}s)")
    deadline = time.monotonic() + 15
    while logo.counters.active[APPEND]:  # let the hanging writes end before the ERP stops
        assert time.monotonic() < deadline
        await asyncio.sleep(0.1)
