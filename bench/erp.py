"""ERP gateway overhead, measured side by side in one run (N5).

For each gateway, the same call is made N times through the gateway (envelope/JSON building,
answer parsing, write limiter, circuit breaker, stamina retry context, metrics, log line) and as a
raw aiohttp request with a prepared body to the same simulator; the ratio is the gateway's cost.
Then the Netsis token cache under concurrency: logins caused by C concurrent calls with a cold
cache and with a token the server has expired (both should be 1).

    .venv/bin/python bench/erp.py [--calls 300] [--concurrency 200]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import structlog
from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import listen
from integrator.config import IntegrationSet
from integrator.erp.gateway import ErpCall
from integrator.erp.hub import ErpGateways
from integrator.erp.logo import protocol as logo_protocol
from integrator.erp.netsis import protocol as netsis_protocol
from integrator.erp.wire import Request
from integrator.metrics import Metrics
from integrator.model import ErpCredentials, ErpKey
from simulators.fixtures import create_netsis_db, create_tiger_db
from simulators.logo.app import LOGO_SIM, LogoSimConfig, create_logo_app
from simulators.netsis.app import NETSIS_SIM, NetsisSimConfig, create_netsis_app

SECURITY = "bench-security-code"


async def _paired(calls: int, gateway: Callable[[], Awaitable[object]],
                  raw: Callable[[], Awaitable[object]]) -> tuple[list[float], list[float]]:
    """Alternate the two calls so both see the same machine load (the host is shared)."""
    for _ in range(10):  # warm up
        await gateway()
        await raw()
    through, direct = [], []
    for _ in range(calls):
        started = time.perf_counter()
        await gateway()
        middle = time.perf_counter()
        await raw()
        through.append(middle - started)
        direct.append(time.perf_counter() - middle)
    return through, direct


def _row(name: str, samples: tuple[list[float], list[float]]) -> str:
    gateway, raw = samples
    g, r = statistics.median(gateway) * 1000, statistics.median(raw) * 1000
    return f"{name:<34} {g:>9.3f} ms {r:>9.3f} ms {g / r:>7.2f}x {(g - r) * 1000:>9.0f} µs"


async def main(calls: int, concurrency: int) -> None:
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    folder = Path(tempfile.mkdtemp(prefix="bench-erp-"))
    tiger_db, netsis_db = create_tiger_db(folder / "tiger.db"), create_netsis_db(folder / "netsis.db")
    logo_app = create_logo_app(LogoSimConfig(tiger_db, security_code=SECURITY))
    netsis_app = create_netsis_app(NetsisSimConfig(netsis_db, dbname="BENCH",
                                                   users={"BENCH": "bench-pw"}))
    logo_runner, logo_port = await listen(logo_app)
    netsis_runner, netsis_port = await listen(netsis_app)
    logo_url = f"http://127.0.0.1:{logo_port}/LogoObjectService/Service"
    netsis_url = f"http://127.0.0.1:{netsis_port}/api/v2/"
    common = {"database": {"engine": "sqlite", "connection_string": "x"},
              "credentials": {"mode": "shared", "user": "BENCH", "password": "bench-pw"}}
    tiger = IntegrationSet.model_validate({"code": "BENCH-TIGER", "erp": "tiger", "firm": 1,
                                           "period": 1, "logo": {"url": logo_url,
                                                                 "security_code": SECURITY},
                                           **common})
    netsis = IntegrationSet.model_validate({"code": "BENCH-NETSIS", "erp": "netsis", "branch": 0,
                                            "netsis": {"url": netsis_url, "dbname": "BENCH"},
                                            **common})
    credentials = ErpCredentials("BENCH", SecretStr("bench-pw"))
    rows = []
    async with aiohttp.ClientSession() as http:
        hub = ErpGateways(http, Metrics())
        tiger_call, netsis_call = ErpCall(tiger), ErpCall(netsis, credentials)

        # Logo: getInfo and ReadDataObject of an account
        info = logo_protocol.info_request(tiger)
        read = logo_protocol.read_request(tiger, 30, 2)

        async def raw(request: Request) -> bytes:
            async with http.post(request.url, data=request.body,
                                 headers=dict(request.headers)) as response:
                return await response.read()

        rows.append(_row("Logo ping (getInfo)", await _paired(
            calls, lambda: hub.logo.ping(tiger_call), lambda: raw(info))))
        account = ErpKey("2")
        rows.append(_row("Logo read account", await _paired(
            calls, lambda: hub.logo.read(tiger_call, "account", account), lambda: raw(read))))

        # Netsis: GET ARPs/{code} with a cached token
        await hub.netsis.read(netsis_call, "account", ErpKey("120-01-001"))
        token = next(iter(netsis_app[NETSIS_SIM].sessions))
        card = netsis_protocol.card_read_request(netsis, SecretStr(token), "account", "120-01-001")

        async def raw_get() -> bytes:
            async with http.get(card.url, headers=dict(card.headers)) as response:
                return await response.read()

        rows.append(_row("Netsis read account (token cached)", await _paired(
            calls, lambda: hub.netsis.read(netsis_call, "account", ErpKey("120-01-001")),
            raw_get)))

        # token cache under concurrency
        simulator = netsis_app[NETSIS_SIM]
        cold = ErpGateways(http, Metrics())
        before = simulator.counters.logins
        started = time.perf_counter()
        await asyncio.gather(*(cold.netsis.read(netsis_call, "account", ErpKey("120-01-001"))
                               for _ in range(concurrency)))
        cold_logins, cold_s = simulator.counters.logins - before, time.perf_counter() - started
        simulator.expire_tokens()
        before = simulator.counters.logins
        started = time.perf_counter()
        await asyncio.gather(*(cold.netsis.read(netsis_call, "account", ErpKey("120-01-001"))
                               for _ in range(concurrency)))
        expired_logins, expired_s = simulator.counters.logins - before, time.perf_counter() - started

    await logo_runner.cleanup()
    await netsis_runner.cleanup()
    print(f"ERP gateway overhead: median of {calls} sequential calls per row "
          f"(simulators on 127.0.0.1, {logo_app[LOGO_SIM].config.db_path.parent})")
    print(f"{'call':<34} {'gateway':>12} {'raw aiohttp':>12} {'ratio':>8} {'overhead':>12}")
    for row in rows:
        print(row)
    print()
    print(f"Netsis logins for {concurrency} concurrent calls, cold cache: {cold_logins} "
          f"({cold_s * 1000:.0f} ms for all)")
    print(f"Netsis logins for {concurrency} concurrent calls, token expired on the server: "
          f"{expired_logins} ({expired_s * 1000:.0f} ms for all, each call 401 + one retry)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=200)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.calls, arguments.concurrency))
