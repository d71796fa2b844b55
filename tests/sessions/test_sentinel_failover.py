"""The shared store behind Redis Sentinel survives a master failover (issue 13; N6): a real master,
a replica and three sentinels on free loopback ports, started and stopped by the test. The master
is killed; the sentinels promote the replica; the service keeps the sessions, sets and claims
made before, and answers with an XML ``retryable="true"`` error only inside the failover window.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis
from lxml import etree

from integrator.api.keys import STORE
from integrator.sessions.redis_store import RedisStore
from tests.fixtures.common import AUTH, open_session, service_config, tiger_set
from tests.fixtures.ports import free_port_block
from tests.fixtures.process import stop
from tests.fixtures.setxml import body
from tests.fixtures.tools import need_tool

pytestmark = pytest.mark.redis

MASTER_NAME = "integrator"


class Processes:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, command: list[str]) -> None:
        with (self.folder / f"{name}.log").open("wb") as log:
            self.running[name] = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                                  cwd=self.folder)

    def kill(self, name: str) -> None:
        process = self.running[name]
        process.send_signal(signal.SIGKILL)
        process.wait()

    def stop_all(self) -> None:
        for process in self.running.values():
            stop(process)

    def logs(self) -> str:
        return "\n".join(f"--- {name}\n" + (self.folder / f"{name}.log").read_text()[-1500:]
                         for name in self.running)


@pytest.fixture
def sentinel_cluster(tmp_path: Path) -> Iterator[tuple[Processes, int, int, list[int]]]:
    """Master, replica and three sentinels: (processes, master port, replica port, sentinels)."""
    server = need_tool("redis-server", "redis-server")
    sentinel = need_tool("redis-sentinel", "redis-sentinel")
    base = free_port_block(5)
    master, replica, sentinels = base, base + 1, [base + 2, base + 3, base + 4]
    processes = Processes(tmp_path)
    common = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no"]
    processes.start("master", [server, "--port", str(master), *common])
    processes.start("replica", [server, "--port", str(replica), *common,
                                "--replicaof", "127.0.0.1", str(master)])
    for index, port in enumerate(sentinels):
        config = tmp_path / f"sentinel-{index}.conf"
        config.write_text(
            f"port {port}\nbind 127.0.0.1\nprotected-mode no\ndir {tmp_path}\n"
            f"sentinel monitor {MASTER_NAME} 127.0.0.1 {master} 2\n"
            f"sentinel down-after-milliseconds {MASTER_NAME} 1000\n"
            f"sentinel failover-timeout {MASTER_NAME} 10000\n"
            f"sentinel parallel-syncs {MASTER_NAME} 1\n", encoding="utf-8")
        processes.start(f"sentinel-{index}", [sentinel, str(config)])
    try:
        yield processes, master, replica, sentinels
    finally:
        processes.stop_all()


async def wait_until(check: Any, what: str, processes: Processes, within_s: float = 30) -> None:
    deadline = time.monotonic() + within_s
    while True:
        try:
            if await check():
                return
        except (OSError, aioredis.RedisError):
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {within_s}s\n{processes.logs()}")
        await asyncio.sleep(0.1)


@pytest.fixture
async def topology(sentinel_cluster: Any) -> AsyncIterator[Any]:
    """The cluster once every sentinel sees the master, its replica and the other sentinels."""
    processes, master, replica, sentinels = sentinel_cluster
    clients = [aioredis.Redis(host="127.0.0.1", port=p) for p in sentinels]

    async def ready() -> bool:
        for client in clients:
            state = await client.execute_command("SENTINEL", "MASTER", MASTER_NAME)
            info = dict(zip(state[::2], state[1::2], strict=True)) if isinstance(state, list) \
                else state
            values = {(k.decode() if isinstance(k, bytes) else k):
                      (v.decode() if isinstance(v, bytes) else v) for k, v in info.items()}
            if int(values["num-slaves"]) < 1 or int(values["num-other-sentinels"]) < 2:
                return False
        return True

    await wait_until(ready, "the sentinels' discovery", processes)
    yield processes, master, replica, sentinels
    for client in clients:
        await client.aclose()


async def test_sessions_sets_and_claims_survive_a_master_failover_n6(
        topology: Any, make_client: Any) -> None:
    processes, master, replica, sentinels = topology
    url = ("redis+sentinel://" + ",".join(f"127.0.0.1:{p}" for p in sentinels)
           + f"/{MASTER_NAME}/0")
    client = await make_client(service_config(sets=[tiger_set()], store=url,
                                              store_prefix="failover:"))
    sessions = [await open_session(client, "ayse", "TIGER-TEST") for _ in range(3)]
    assert (await client.put("/v1/sets/NETSIS-ANK", data=body().encode(),
                             headers=AUTH)).status == 201
    store = client.app[STORE]
    assert isinstance(store, RedisStore)
    assert await store.set_if_absent("claims:quote:Q-1", b"replica-a", ttl_s=600)
    # the replica has everything before the master goes (replication is asynchronous)
    raw_master = aioredis.Redis(host="127.0.0.1", port=master)
    assert await raw_master.execute_command("WAIT", 1, 5000) >= 1
    await raw_master.aclose()

    processes.kill("master")
    killed = time.monotonic()
    answers: list[tuple[float, int, str | None, str | None]] = []
    recovered_at = None
    while time.monotonic() - killed < 60:
        for session in sessions:
            response = await client.get("/v1/session", headers={**AUTH, "X-Session": session})
            raw = await response.read()
            error = etree.fromstring(raw) if response.status != 200 else None
            answers.append((time.monotonic() - killed, response.status,
                            error.get("code") if error is not None else None,
                            error.get("retryable") if error is not None else None))
        if all(a[1] == 200 for a in answers[-len(sessions):]) and any(
                a[1] != 200 for a in answers):
            recovered_at = answers[-1][0]
            break
        await asyncio.sleep(0.05)
    assert recovered_at is not None, (answers[-5:], processes.logs())
    failures = [a for a in answers if a[1] != 200]
    # every error inside the window is the XML store error, safe to retry
    assert {(status, code, retryable) for _, status, code, retryable in failures} == {
        (503, "STORE_UNAVAILABLE", "true")}, failures
    window = max(t for t, *_ in failures)
    print(f"sentinel failover: {len(failures)} retryable errors, the last {window:.2f}s after the "
          f"master was killed; served again from {recovered_at:.2f}s")
    # after the window: everything made before the failover is there, and writes work
    for _ in range(20):
        for session in sessions:
            response = await client.get("/v1/session", headers={**AUTH, "X-Session": session})
            assert response.status == 200, await response.text()
        await asyncio.sleep(0.02)
    stored = etree.fromstring(await (await client.get("/v1/sets/NETSIS-ANK", headers=AUTH)).read())
    assert stored.get("version") == "1"
    assert not await store.set_if_absent("claims:quote:Q-1", b"replica-b", ttl_s=600)
    assert await store.get("claims:quote:Q-1") == b"replica-a"
    await open_session(client, "ayse", "NETSIS-ANK")
    promoted = aioredis.Redis(host="127.0.0.1", port=replica)
    role = await promoted.execute_command("ROLE")
    # the replica's copy of sessions is back, its invalidations tracked on the promoted master
    # (sessions.invalidations follows the master like the store's other connections)
    for _ in range(200):
        state = store.cache_state()
        if state is not None and state[0]:
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the copy of sessions did not come back after the failover")
    tracking = [c for c in await promoted.client_list(_type="pubsub") if "t" in c["flags"]]
    await promoted.aclose()
    assert role[0] in (b"master", "master")
    assert tracking, "no invalidation listener on the promoted master"
