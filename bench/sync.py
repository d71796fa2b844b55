"""bench/sync: account synchronisation through the whole service (F9, F11). Prints, asserts
nothing. Run: ``.venv/bin/python bench/sync.py [--sizes 10000 100000] [--creates 300]``.

1. Bulk ERP -> CRM: ``GET /v1/accounts?limit=N`` streamed (chunked XML) from a Tiger database with
   N extra accounts (the demo data plus a bench-only filler, SQLite through the SQLite3 ODBC
   driver). The service runs in its own process; the client reads the stream in chunks and
   counts records while a sampler reads the service's RSS from /proc every 10 ms. Prints
   records/s and the peak RSS growth over the service's resting size, for each N — constant
   memory means the growth does not depend on N (target: under 50 MB).
2. Single-account create: ``POST /v1/accounts`` through the service against a direct
   ``gateway.create`` of a ready payload, both to the same LogoObjectService simulator (its own
   process), alternating, from one run; prints the medians and their ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp

from bench.common import make_set, quiet, serve_logo, serve_service, session, start
from integrator.api.inbound import parse_record
from integrator.config import IntegrationSet
from integrator.erp.gateway import ErpCall
from integrator.erp.hub import ErpGateways
from integrator.metrics import Metrics
from integrator.model import credentials_for
from integrator.sessions.registry import set_to_json
from integrator.translators import MappingContext, translate
from simulators.demodb.generate import ensure


def fill(db: Path, count: int) -> None:
    """Bench-only filler: ``count`` more accounts in LG_001_CLCARD (Turkish titles, cities)."""
    cities = ["İSTANBUL", "İZMİR", "ŞANLIURFA", "ÇANAKKALE", "MUĞLA", "ANKARA"]
    with contextlib.closing(sqlite3.connect(db)) as conn:
        start = conn.execute("SELECT MAX(LOGICALREF) FROM LG_001_CLCARD").fetchone()[0] + 1
        rows = [(start + i, f"B{i:08d}", f"ÇAĞDAŞ ŞİŞLİ TİCARET {i} A.Ş.", cities[i % len(cities)],
                 "Şişli", f"{1000000000 + i}", "ŞİŞLİ", "0212 555 00 00", f"b{i}@örnek.com.tr",
                 "2026-01-02 10:00:00") for i in range(count)]
        conn.executemany(
            "INSERT INTO LG_001_CLCARD (LOGICALREF, CODE, DEFINITION_, CITY, TOWN, TAXNR, TAXOFFICE, "
            "TELNRS1, EMAILADDR, CAPIBLOCK_CREADEDDATE) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        conn.commit()


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def stream_accounts(port: int, headers: dict[str, str], limit: int, pid: int
                    ) -> tuple[int, float, int, int]:
    """(records, seconds, resting RSS KiB, peak RSS KiB during the stream)."""
    resting = rss_kb(pid)
    peak = resting
    running = True

    def sample() -> None:
        nonlocal peak
        while running:
            peak = max(peak, rss_kb(pid))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    started = time.perf_counter()
    connection.request("GET", f"/v1/accounts?limit={limit}", headers=headers)
    response = connection.getresponse()
    records = 0
    tail = b""
    while True:
        chunk = response.read1(1 << 16)
        if not chunk:
            break
        data = tail + chunk
        records += data.count(b"<Account ")
        tail = data[-16:]
        records -= tail.count(b"<Account ")  # counted again with the next chunk
    records += tail.count(b"<Account ")
    elapsed = time.perf_counter() - started
    running = False
    sampler.join()
    connection.close()
    if response.status != 200 or b"<Error" in tail:
        raise SystemExit(f"the stream failed (HTTP {response.status})")
    return records, elapsed, resting, peak


def bulk_read(sizes: list[int]) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    try:
        ensure(folder)
        db = folder / "tiger.db"
        fill(db, max(sizes))
        child, port = start(serve_service, set_to_json(make_set(db, "http://127.0.0.1:9/")).decode())
        try:
            headers = session(port)
            stream_accounts(port, headers, 2000, child.pid)  # warm-up: pools, compiled SQL
            print(f"bulk ERP -> CRM: GET /v1/accounts streamed, SQLite demo + {max(sizes):,} "
                  "accounts, service in its own process")
            for size in sizes:
                records, elapsed, resting, peak = stream_accounts(port, headers, size, child.pid)
                print(f"  limit {size:>7,}: {records:>7,} records in {elapsed:6.2f} s = "
                      f"{records / elapsed:>8,.0f} records/s; RSS resting {resting / 1024:6.1f} MB,"
                      f" peak growth {(peak - resting) / 1024:5.1f} MB   (target < 50 MB)")
        finally:
            child.terminate()
            child.join(5)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


async def creates(count: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-sync-create-"))
    try:
        ensure(folder)
        logo, logo_port = start(serve_logo, str(folder / "tiger.db"))
        url = f"http://127.0.0.1:{logo_port}/LogoObjectService/Service"
        integration_set = make_set(folder / "tiger.db", url)
        service, port = start(serve_service, set_to_json(integration_set).decode())
        try:
            await _paired_creates(integration_set, port, count)
        finally:
            for child in (service, logo):
                child.terminate()
                child.join(5)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


async def _paired_creates(integration_set: IntegrationSet, port: int, count: int) -> None:
    async with aiohttp.ClientSession() as http:
        headers = session(port)
        hub = ErpGateways(http, Metrics())
        gateway = hub.for_set(integration_set)
        member = integration_set.users[0]
        call = ErpCall(integration_set, credentials_for(integration_set, member))
        ctx = MappingContext.for_user(integration_set, member.name)
        base = f"http://127.0.0.1:{port}/v1/accounts"

        def body(n: int, kind: str) -> str:
            return (f'<Account crmId="{kind}-{n}"><Field name="Code">{kind}.{n:06d}</Field>'
                    f'<Field name="Title">ÇAĞDAŞ ŞİŞLİ GIDA {n} A.Ş.</Field>'
                    '<Field name="TaxOffice">Şişli</Field><Field name="City">İSTANBUL</Field></Account>')

        async def through_service(n: int) -> float:
            started = time.perf_counter()
            async with http.post(base, data=body(n, "S").encode(), headers=headers) as response:
                await response.read()
                if response.status != 201:
                    raise SystemExit(f"service create failed: HTTP {response.status}")
            return time.perf_counter() - started

        async def direct(n: int) -> float:
            record = parse_record(body(n, "D").encode(), expected={"Account"}, max_depth=32)
            document = translate("account", record, ctx)
            started = time.perf_counter()
            await gateway.create(call, document)
            return time.perf_counter() - started

        for n in range(20):  # warm up both paths
            await through_service(100000 + n)
            await direct(100000 + n)
        service_times: list[float] = []
        direct_times: list[float] = []
        for n in range(count):
            service_times.append(await through_service(n))
            direct_times.append(await direct(n))
        s, d = statistics.median(service_times), statistics.median(direct_times)
        print(f"\nsingle-account create, {count} each, alternating, one LogoObjectService simulator "
              "(own process)")
        print(f"  POST /v1/accounts through the service: median {s * 1000:7.2f} ms")
        print(f"  direct gateway.create (payload ready):  median {d * 1000:7.2f} ms")
        print(f"  ratio service / direct: {s / d:5.2f}x   (service adds {(s - d) * 1000:.2f} ms: "
              "HTTP, auth, session, XSD, mapping, claim + link in the store)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--creates", type=int, default=300)
    args = parser.parse_args()
    quiet()
    bulk_read(sorted(args.sizes))
    asyncio.run(creates(args.creates))


if __name__ == "__main__":
    main()
