"""Quote transfer through the service against the gateway alone (F23, F29, N7; docs/quotes.md).

A 500-line quote becomes a Tiger sales order: once through the service (``POST
/v1/quotes/{crmId}/transfer``: parse, checks, one SQL round trip of lookups, the translation, the
write, the number read back) and once as the same prepared document handed to the gateway
directly (the write and the read-back). Both against the LogoObjectService simulator over the
SQLite demo database, each in its own process; medians and their ratio from one run, alternating.
Target: the service within 1.3x the gateway. Prints, never asserts.

Run: ``.venv/bin/python bench/quote.py [--lines 500] [--runs 15]``.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from bench.common import make_set, quiet, serve_logo, serve_service, session, start  # noqa: E402
from integrator.api.inbound import parse_record  # noqa: E402
from integrator.erp.gateway import ErpCall  # noqa: E402
from integrator.erp.hub import ErpGateways  # noqa: E402
from integrator.metrics import Metrics  # noqa: E402
from integrator.model import credentials_for  # noqa: E402
from integrator.sessions.registry import set_to_json  # noqa: E402
from integrator.translators import MappingContext, translate  # noqa: E402
from simulators.demodb.generate import ensure  # noqa: E402

TARGET = 1.3


def products(db: Path, count: int) -> list[tuple[str, str]]:
    """(code, main unit) of ``count`` demo products."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT I.CODE, U.CODE FROM LG_001_ITEMS I JOIN LG_001_ITMUNITA A ON A.ITEMREF = "
            "I.LOGICALREF AND A.LINENR = 1 JOIN LG_001_UNITSETL U ON U.LOGICALREF = A.UNITLINEREF "
            "WHERE I.CODE <> 'ÿ' ORDER BY I.LOGICALREF LIMIT ?", (count,)).fetchall()
    return [(str(code), str(unit)) for code, unit in rows]


def quote_xml(quote: str, items: list[tuple[str, str]]) -> bytes:
    lines = "".join(
        f'<Line crmId="{quote}-{n}"><Product crmId="P-{n}" code="{code}"/>'
        f'<Field name="Quantity">{1 + n % 7}</Field><Field name="UnitPrice">{10 + n % 90}.50</Field>'
        f'<Field name="Unit">{unit}</Field><Field name="VatRate">20</Field>'
        f'<Field name="Discount">{n % 3 * 5}</Field><Field name="Notes">Satır {n} — çağrı</Field>'
        "</Line>".replace("—", "-") for n, (code, unit) in enumerate(items, 1))
    return (f'<Quote crmId="{quote}" revision="1" set="BENCH-TIGER" warehouse="1">'
            '<Account crmId="F-1" code="120.02.0001"/><Field name="Date">2026-11-30</Field>'
            f'<Field name="Notes">Şişli deposundan teslim</Field><Lines>{lines}</Lines></Quote>'
            ).encode()


async def run(lines: int, runs: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-quote-"))
    try:
        ensure(folder)
        items = products(folder / "tiger.db", lines)
        logo, logo_port = start(serve_logo, str(folder / "tiger.db"))
        integration_set = make_set(folder / "tiger.db",
                                   f"http://127.0.0.1:{logo_port}/LogoObjectService/Service")
        service, port = start(serve_service, set_to_json(integration_set).decode())
        try:
            await _paired(integration_set, port, items, runs)
        finally:
            for child in (service, logo):
                child.terminate()
                child.join(5)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


async def _paired(integration_set: object, port: int, items: list[tuple[str, str]],
                  runs: int) -> None:
    from integrator.config import IntegrationSet

    assert isinstance(integration_set, IntegrationSet)
    quiet()
    headers = session(port)
    member = integration_set.users[0]
    ctx = MappingContext.for_user(integration_set, member.name)
    async with aiohttp.ClientSession() as http:
        gateway = ErpGateways(http, Metrics()).for_set(integration_set)
        call = ErpCall(integration_set, credentials_for(integration_set, member))

        async def through_service(n: int) -> float:
            body = quote_xml(f"Q-S{n}", items)
            started = time.perf_counter()
            async with http.post(f"http://127.0.0.1:{port}/v1/quotes/Q-S{n}/transfer?as=order",
                                 data=body, headers=headers) as response:
                await response.read()
                if response.status != 201:
                    raise SystemExit(f"service transfer failed: HTTP {response.status}")
            return time.perf_counter() - started

        async def direct(n: int) -> float:
            record = parse_record(quote_xml(f"Q-D{n}", items), expected={"Quote"},
                                  max_depth=32)
            document = translate("order", record, ctx)  # prepared before the clock starts
            started = time.perf_counter()
            await gateway.create(call, document)
            return time.perf_counter() - started

        for n in range(3):  # warm up both paths (pools, compiled plans and SQL)
            await through_service(1000 + n)
            await direct(1000 + n)
        service_s, direct_s = [], []
        for n in range(runs):
            service_s.append(await through_service(n))
            direct_s.append(await direct(n))
    s, d = statistics.median(service_s), statistics.median(direct_s)
    verdict = "ok" if s / d <= TARGET else "OVER TARGET"
    print(f"quote transfer of {len(items)} lines as a Tiger order, median of {runs} alternating runs")
    print(f"  through the service   {s * 1000:8.1f} ms")
    print(f"  gateway alone         {d * 1000:8.1f} ms   (the same prepared document)")
    print(f"  ratio                 {s / d:8.2f}x   target <= {TARGET}x   {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=500)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    asyncio.run(run(args.lines, args.runs))


if __name__ == "__main__":
    main()
