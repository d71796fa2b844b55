"""bench/checks: a 200-line quote's stock check and its prices through the service, against the
bare SQL statement and the bare ERP call in the same run (F30, F33; docs/prices.md).

* stock: ``POST /v1/quotes/check?stock=1`` (parse, session, one SQL statement for the 200 lines,
  evaluation, XML) against the same ``stock_check`` statement run directly through pyodbc on an
  open connection (the floor); the service's SQL round-trip counter must move by exactly one;
* prices: ``POST /v1/prices`` (parse, the lookups of the transfer, the translation, one
  CalculateDataObject, reading the priced slip back, XML) against the same prepared document
  handed to ``gateway.calculate`` directly; the simulator's call counter must move by one.

Tiger demo database (SQLite through the SQLite3 ODBC driver), LogoObjectService simulator and the
service each in their own process; alternating, medians of one run. Prints, never asserts.
Run: ``.venv/bin/python bench/checks.py [--lines 200] [--runs 15]``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import pyodbc  # noqa: E402

from bench.common import median_ms, products, quiet, session, with_tiger_demo  # noqa: E402
from integrator.api.inbound import parse_record  # noqa: E402
from integrator.config import IntegrationSet  # noqa: E402
from integrator.erp.gateway import ErpCall  # noqa: E402
from integrator.erp.hub import ErpGateways  # noqa: E402
from integrator.metrics import Metrics  # noqa: E402
from integrator.model import credentials_for  # noqa: E402
from integrator.sql.compiler import compile_for  # noqa: E402
from integrator.sql.defaults import default_sql  # noqa: E402
from integrator.sql.params import shape_of  # noqa: E402
from integrator.translators import MappingContext, translate  # noqa: E402


def quote_xml(items: list[tuple[str, str]], *, priced: bool) -> bytes:
    lines = "".join(
        f'<Line crmId="L-{n}"><Product code="{code}"/><Field name="Quantity">{1 + n % 9}</Field>'
        f'<Field name="Unit">{unit}</Field>'
        + (f'<Field name="UnitPrice">{10 + n % 50}.25</Field>' if priced and n % 2 else "")
        + "</Line>" for n, (code, unit) in enumerate(items, 1))
    return (f'<Quote crmId="Q-B1" set="BENCH-TIGER" warehouse="1"><Account code="120.02.0001"/>'
            f'<Field name="Date">2026-11-30</Field><Lines>{lines}</Lines></Quote>').encode()



async def run(lines: int, runs: int) -> None:
    async def work(integration_set: IntegrationSet, port: int, db: Path) -> None:
        await _measure(integration_set, port, products(db, lines), runs)

    await with_tiger_demo("bench-checks-", work)


async def _measure(integration_set: IntegrationSet, port: int, items: list[tuple[str, str]],
                   runs: int) -> None:
    quiet()
    headers = session(port)
    base = f"http://127.0.0.1:{port}"
    check_body, price_body = quote_xml(items, priced=False), quote_xml(items, priced=True)
    # the floors: the stock statement on an open connection; the prepared document to the ERP
    codes = [code for code, _ in items]
    values = {"firm": 1, "period": 1, "branch": None, "user": "bench", "salesman": None,
              "all_warehouses": 1, "warehouses": [], "refs": [], "codes": codes}
    compiled = compile_for(integration_set, default_sql("tiger", "stock_check"), shape_of(values))
    bound = compiled.bind(values)
    connection = pyodbc.connect(integration_set.database.connection_string.get_secret_value(),
                                autocommit=True)
    member = integration_set.users[0]
    record = parse_record(price_body, expected={"Quote"}, max_depth=32)
    document = translate("order", record, MappingContext.for_user(integration_set, member.name))

    def sql_direct() -> float:
        started = time.perf_counter()
        cursor = connection.cursor()
        cursor.execute(compiled.sql, *bound)
        cursor.fetchall()
        cursor.close()
        return time.perf_counter() - started

    async with aiohttp.ClientSession() as http:
        gateway = ErpGateways(http, Metrics()).for_set(integration_set)
        call = ErpCall(integration_set, credentials_for(integration_set, member))

        async def post(path: str, body: bytes) -> float:
            started = time.perf_counter()
            async with http.post(base + path, data=body, headers=headers) as response:
                text = await response.read()
                if response.status != 200:
                    raise SystemExit(f"{path}: HTTP {response.status} {text[:300]!r}")
            return time.perf_counter() - started

        async def erp_direct() -> float:
            started = time.perf_counter()
            await gateway.calculate(call, document)
            return time.perf_counter() - started

        for _ in range(3):  # warm up pools, plans, compiled statements
            await post("/v1/quotes/check?stock=1", check_body)
            await post("/v1/prices?as=order", price_body)
            sql_direct()
            await erp_direct()
        stock_s, stock_d, price_s, price_d = [], [], [], []
        for _ in range(runs):
            stock_s.append(await post("/v1/quotes/check?stock=1", check_body))
            stock_d.append(sql_direct())
            price_s.append(await post("/v1/prices?as=order", price_body))
            price_d.append(await erp_direct())
    connection.close()
    n = len(items)
    print(f"a {n}-line quote on the Tiger demo (SQLite), medians of {runs} alternating runs")
    print(f"  stock check through the service   {median_ms(stock_s):8.2f} ms   (one SQL statement)")
    print(f"  the stock_check statement alone   {median_ms(stock_d):8.2f} ms   ratio "
          f"{median_ms(stock_s) / median_ms(stock_d):5.2f}x")
    print(f"  prices through the service        {median_ms(price_s):8.2f} ms   (one ERP call)")
    print(f"  CalculateDataObject alone         {median_ms(price_d):8.2f} ms   ratio "
          f"{median_ms(price_s) / median_ms(price_d):5.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=200)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    asyncio.run(run(args.lines, args.runs))


if __name__ == "__main__":
    main()
