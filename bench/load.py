"""bench/load: the service under a bounded load on loopback, one worker against N workers
(``integrator serve --workers N``), beside a bare aiohttp handler served the same two ways, in one
run (issue 15 item 5; N6). Prints numbers side by side; asserts nothing.

Run (Redis at 127.0.0.1:6379)::

    .venv/bin/python bench/load.py [--duration 15] [--concurrency 32] [--workers N]

* The mix, in turn per client task: account search (``GET /v1/accounts/search?q=``), stock of 10
  products (``POST /v1/products/stock``), a named query (``POST /v1/queries/balance``) and an
  account create (``POST /v1/accounts``, a new CRM id and code each time), on one session.
* The parts, each in its own process, all on 127.0.0.1: the LogoObjectService simulator on the
  SQLite demo database (simulators.demodb; the service reads the same file through the SQLite3
  ODBC driver), the service started as operators start it (``python -m integrator serve
  --workers W``, Redis store under a key prefix of its own, removed at the end), the client (this
  process: aiohttp, one connection per concurrent task).
* The bare handler: W processes sharing one port with ``SO_REUSEPORT`` whose one handler reads the
  body and answers a small XML document — the floor of any aiohttp service on this machine.
* Each run: a warm-up, then ``--duration`` seconds (at most ``--max-requests``) at a fixed
  concurrency. Printed: requests/s, p50/p99 latency, errors (a status other than the expected one,
  or an exception), the resident memory of the serving processes after the warm-up and at the end,
  and the CPU seconds each party used (serving processes, simulator, Redis, client) with the
  machine's idle share — what limits the number. For the service also the requests its own
  ``/metrics`` counted during the run, summed over the workers of one scrape (whichever worker
  answers it serves every worker's counters), beside the answers the clients got: they agree.
* Target (issue 15): N workers reach at least 0.8 x N x the one-worker throughput, up to the core
  count, with no errors and flat memory. N is ``os.cpu_count()``, at most 4, unless given.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import queue
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp
import redis
from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families

from bench.common import FORK, KEY, SECURITY, quiet, remove_keys, serve_logo, session, start
from integrator.api.middlewares import hash_key
from simulators.demodb.generate import ensure

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"  # loopback only: nothing here is ever sent elsewhere
REDIS_URL = "redis://127.0.0.1:6379/0"
CLK_TCK = os.sysconf("SC_CLK_TCK")
SEARCH_TERMS = ("ŞİŞLİ", "120.0", "GIDA", "İSTANBUL", "KAYA", "TİCARET")


# -- the mix ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Request:
    name: str
    method: str
    path: str
    body: bytes | None
    expected: int


@dataclass
class Mix:
    """The four requests of the mix, each call a new one (the creates: a new CRM id and code)."""

    accounts: list[int]
    products: list[str]
    run: str
    counter: Iterator[int] = field(default_factory=itertools.count)

    def for_client(self, client: int) -> Mix:
        """The mix of one client process (its creates carry its number: codes stay unique)."""
        return Mix(self.accounts, self.products, f"{self.run}{client}")

    def requests(self) -> list[Callable[[int], Request]]:
        return [self.search, self.stock, self.query, self.create]

    def search(self, n: int) -> Request:
        term = urllib.parse.quote(SEARCH_TERMS[n % len(SEARCH_TERMS)])
        return Request("account search", "GET", f"/v1/accounts/search?q={term}&limit=20", None, 200)

    def stock(self, n: int) -> Request:
        start = (n * 10) % (len(self.products) - 10)
        lines = "".join(f'<Product code="{code}"/>' for code in self.products[start:start + 10])
        return Request("stock, 10 products", "POST", "/v1/products/stock",
                       f"<Products>{lines}</Products>".encode(), 200)

    def query(self, n: int) -> Request:
        ref = self.accounts[n % len(self.accounts)]
        body = f'<Query><Account ref="{ref}"/><Param name="until">2026-12-31</Param></Query>'
        return Request("named query", "POST", "/v1/queries/balance", body.encode(), 200)

    def create(self, n: int) -> Request:
        k = next(self.counter)
        body = (f'<Account crmId="load-{self.run}-{k}"><Field name="Code">LD.{self.run}.{k:06d}'
                f'</Field><Field name="Title">ÇAĞDAŞ YÜK TESTİ {k} A.Ş.</Field>'
                '<Field name="TaxOffice">Şişli</Field><Field name="City">İSTANBUL</Field></Account>')
        return Request("account create", "POST", "/v1/accounts", body.encode("utf-8"), 201)


def demo_mix(db: Path, run: str) -> Mix:
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        accounts = [r[0] for r in conn.execute(
            "SELECT DISTINCT CLIENTREF FROM LG_001_01_CLFLINE WHERE CANCELLED = 0 ORDER BY 1")]
        products = [r[0] for r in conn.execute(
            "SELECT CODE FROM LG_001_ITEMS WHERE CODE LIKE '%.%' ORDER BY LOGICALREF LIMIT 400")]
    return Mix(accounts, products, run)


# -- measuring a run ----------------------------------------------------------------------------
@dataclass
class Result:
    seconds: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)
    client_cpu_s: float = 0.0

    def add(self, other: Result) -> None:
        self.seconds = max(self.seconds, other.seconds)
        for name, times in other.latencies.items():
            self.latencies.setdefault(name, []).extend(times)
        self.errors.update(other.errors)
        self.client_cpu_s += other.client_cpu_s

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    def all(self) -> list[float]:
        return sorted(t for v in self.latencies.values() for t in v)


async def drive(port: int, headers: dict[str, str], mix: Mix, *, concurrency: int,
                seconds: float, max_requests: int) -> Result:
    """``concurrency`` tasks, each sending the mix in turn, until ``seconds`` or ``max_requests``."""
    result = Result()
    issued = itertools.count()
    steps = mix.requests()
    loop = asyncio.get_running_loop()
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        started = loop.time()
        deadline = started + seconds

        async def task(offset: int) -> None:
            for step in itertools.count(offset):
                n = next(issued)
                if loop.time() >= deadline or n >= max_requests:
                    return
                request = steps[step % len(steps)](n)
                began = time.perf_counter()
                try:
                    async with http.request(request.method, f"http://{HOST}:{port}{request.path}",
                                            data=request.body, headers=headers) as response:
                        await response.read()
                        if response.status != request.expected:
                            result.errors[f"{request.name}: HTTP {response.status}"] += 1
                            continue
                except (TimeoutError, aiohttp.ClientError) as exc:
                    result.errors[f"{request.name}: {type(exc).__name__}"] += 1
                    continue
                result.latencies.setdefault(request.name, []).append(time.perf_counter() - began)

        await asyncio.gather(*(task(k) for k in range(concurrency)))
        result.seconds = loop.time() - started
    return result


def client_main(port: int, headers: dict[str, str], mix: Mix, concurrency: int, seconds: float,
                max_requests: int, results: Any) -> None:
    """In a client process: drive the load, put the Result on ``results``."""
    started = time.process_time()
    result = asyncio.run(drive(port, headers, mix, concurrency=concurrency, seconds=seconds,
                               max_requests=max_requests))
    result.client_cpu_s = time.process_time() - started
    results.put(result)


def _stat(pid: int) -> list[str]:
    text = Path(f"/proc/{pid}/stat").read_text()
    return text.rsplit(")", 1)[1].split()


def cpu_s(pid: int) -> float:
    try:
        fields = _stat(pid)
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def rss_mb(pid: int) -> float:
    with contextlib.suppress(FileNotFoundError), open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(FileNotFoundError, IndexError, ProcessLookupError):
                if int(_stat(int(entry.name))[1]) == pid:
                    found.append(int(entry.name))
    return sorted(found)


def redis_pid() -> int | None:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() == "redis-server":
                    return int(entry.name)
    return None


def idle_ticks() -> tuple[int, int]:
    """(idle, total) jiffies of the whole machine."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return values[3] + values[4], sum(values)


@dataclass
class Snapshot:
    cpu: dict[str, float]
    rss: list[float]
    idle: tuple[int, int]


def snapshot(serving: list[int], others: dict[str, int | None]) -> Snapshot:
    cpu = {f"serving {i + 1}": cpu_s(pid) for i, pid in enumerate(serving)}
    cpu.update({name: cpu_s(pid) for name, pid in others.items() if pid})
    return Snapshot(cpu, [rss_mb(pid) for pid in serving], idle_ticks())


@dataclass
class Run:
    label: str
    workers: int
    clients: int
    result: Result
    before: Snapshot
    after: Snapshot
    rss: list[float]  # total RSS of the serving processes, sampled once a second
    counted: tuple[float, set[str]] | None = None  # the service's own count (served_count)

    @property
    def rate(self) -> float:
        return self.result.count / self.result.seconds

    @property
    def serving_cores(self) -> float:
        """CPU the serving processes used, in cores (CPU seconds per second)."""
        used = sum(v - self.before.cpu.get(k, 0.0) for k, v in self.after.cpu.items()
                   if k.startswith("serving"))
        return used / self.result.seconds


def report(run: Run) -> None:
    r = run.result
    times = r.all()
    p50 = statistics.median(times) * 1000 if times else float("nan")
    p99 = _p99(times) * 1000 if times else float("nan")
    errors = sum(r.errors.values())
    print(f"  {run.label:<26} {run.workers} worker{'s' if run.workers > 1 else ' '}: "
          f"{run.rate:8,.0f} req/s  p50 {p50:6.2f} ms  p99 {p99:7.2f} ms  "
          f"{r.count:>7,} ok, {errors} errors")
    for name, count in sorted(r.errors.items()):
        print(f"      error: {name} x{count}")
    rss = "  ".join(f"{a:.0f}->{b:.0f}" for a, b in zip(run.before.rss, run.after.rss, strict=True))
    growth = sum(run.after.rss) - sum(run.before.rss)
    print(f"      RSS MB per serving process after warm-up -> end: {rss}  (total {growth:+.1f} MB;"
          f" total sampled each second: first half {run.rss[len(run.rss) // 2] - run.rss[0]:+.1f},"
          f" second half {run.rss[-1] - run.rss[len(run.rss) // 2]:+.1f} MB)")
    spent = {k: run.after.cpu[k] - run.before.cpu.get(k, 0.0) for k in run.after.cpu}
    serving = sum(v for k, v in spent.items() if k.startswith("serving"))
    spent[f"client ({run.clients} process{'es' if run.clients > 1 else ''})"] = r.client_cpu_s
    idle = run.after.idle[0] - run.before.idle[0]
    total = run.after.idle[1] - run.before.idle[1]
    cores = os.cpu_count() or 1
    busy_s = (total - idle) / CLK_TCK
    print("      CPU s: " + ", ".join(f"{k} {v:.1f}" for k, v in spent.items())
          + f"; other programs {max(busy_s - sum(spent.values()), 0.0):.1f}; idle "
            f"{idle / CLK_TCK:.1f} ({cores} cores x {r.seconds:.1f} s)")
    print(f"      serving CPU per request {1000 * serving / max(r.count, 1):.2f} ms")
    if r.client_cpu_s >= 0.9 * run.clients * r.seconds:
        print("      the client used all the CPU its processes could: this number is the "
              "client's limit, not the server's")
    if run.counted is not None:
        counted, workers = run.counted
        answered = r.count + sum(n for name, n in r.errors.items() if ": HTTP " in name)
        seen = "one process" if workers == {""} else f"workers {', '.join(sorted(workers))}"
        print(f"      the service's /metrics counted {counted:,.0f} requests ({seen}); the "
              f"clients got {answered:,} answers")
    if len(r.latencies) > 1:
        print("      p50 / p99 ms by request: " + ", ".join(
            f"{name} {statistics.median(v) * 1000:.2f} / {_p99(v) * 1000:.1f}"
            for name, v in r.latencies.items()))


def served_count(port: int) -> tuple[float, set[str]]:
    """The requests the service's ``/metrics`` counts on the API routes (probes and scrapes left
    out), summed over its workers, and the workers in the scrape (with several, one scrape shows
    every worker's counters; ``{""}`` for a single process)."""
    with urllib.request.urlopen(f"http://{HOST}:{port}/metrics", timeout=10) as answer:
        text = answer.read().decode()
    total, workers = 0.0, set()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "integrator_http_requests_total":
                workers.add(sample.labels.get("worker", ""))
                route = sample.labels["route"]
                if route != "/metrics" and not route.startswith("/health/"):
                    total += sample.value
    return total, workers


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


# -- the servers --------------------------------------------------------------------------------
BARE_BODY = b'<Rows count="1"><Row><CODE>120.01</CODE></Row></Rows>'


def serve_bare(port: int, ports: Any) -> None:
    """In a child process: the bare handler on ``port`` (0: a free one) with SO_REUSEPORT."""
    async def answer(request: web.Request) -> web.Response:
        await request.read()
        status = 201 if request.method == "POST" and request.path == "/v1/accounts" else 200
        return web.Response(body=BARE_BODY, status=status, content_type="application/xml")

    async def main() -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", answer)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, HOST, port, reuse_port=True)
        await site.start()
        ports.put(runner.addresses[0][1])
        await asyncio.Event().wait()

    asyncio.run(main())


@contextlib.contextmanager
def bare(workers: int) -> Iterator[tuple[int, list[int]]]:
    first, port = start(serve_bare, 0)
    rest = [start(serve_bare, port)[0] for _ in range(workers - 1)]
    try:
        yield port, [p.pid for p in (first, *rest)]
    finally:
        for child in (first, *rest):
            child.terminate()
            child.join(10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def write_config(folder: Path, port: int, prefix: str, logo_url: str, db: Path,
                 write_seats: int) -> Path:
    (folder / "sets").mkdir(exist_ok=True)
    (folder / "sets" / "bench-tiger.yaml").write_text(f"""\
code: BENCH-TIGER
erp: tiger
firm: 1
period: 1
logo: {{url: "{logo_url}", security_code: {SECURITY}, timeout_s: 30}}
database:
  engine: sqlite
  query_timeout_s: 30
  connection_string: "DRIVER={{SQLite3}};Database=file:{db}?mode=ro"
credentials: {{mode: shared, user: LOGO, password: x}}
users: [{{name: bench, default: true, warehouses: all}}]
settings: {{write_concurrency: {write_seats}}}
sql:
  queries:
    balance:
      entity: account
      sql: |
        SELECT C.CODE, C.DEFINITION_,
               SUM(CASE WHEN L.SIGN = 0 THEN L.AMOUNT ELSE -L.AMOUNT END) AS BALANCE
        FROM LG_FFF_CLCARD C
        JOIN LG_FFF_PP_CLFLINE L ON L.CLIENTREF = C.LOGICALREF AND L.CANCELLED = 0
        WHERE C.LOGICALREF = @ref AND L.DATE_ <= :until
        GROUP BY C.CODE, C.DEFINITION_
      params:
        - {{name: ref, type: int, source: link}}
        - {{name: until, type: date}}
""", encoding="utf-8")
    path = folder / "service.yaml"
    path.write_text(f"""\
listen: {{host: {HOST}, port: {port}}}
api_keys: [{{name: bench, sha256: {hash_key(KEY)}}}]
store: {REDIS_URL}
store_prefix: "{prefix}"
logging: {{level: WARNING, format: json, access_log: false}}
sets_dir: sets
""", encoding="utf-8")
    return path


@contextlib.contextmanager
def service(config: Path, port: int, workers: int, log: Path) -> Iterator[tuple[int, list[int]]]:
    """``integrator serve --workers`` as operators run it; (port, pids of the serving processes:
    the process itself with one worker, else its workers)."""
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "integrator", "serve", "--config", str(config),
             "--workers", str(workers)], stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise SystemExit(f"the service exited ({process.returncode}): "
                                 f"{log.read_text()[-2000:]}")
            with contextlib.suppress(OSError):
                url = f"http://{HOST}:{port}/health/ready"
                with urllib.request.urlopen(url, timeout=2) as answer:
                    if answer.status == 200 and (workers == 1 or
                                                 len(children(process.pid)) == workers):
                        break
            if time.monotonic() > deadline:
                raise SystemExit("the service was not ready within 60 s")
            time.sleep(0.2)
        time.sleep(0.5 if workers == 1 else 1.0)  # every worker bound
        yield port, [process.pid] if workers == 1 else children(process.pid)
    finally:
        process.terminate()
        try:
            process.wait(40)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# -- the bench ----------------------------------------------------------------------------------
@dataclass
class Bench:
    concurrency: int
    seconds: float
    warmup: float
    max_requests: int
    clients: int
    others: dict[str, int | None]

    def measure(self, label: str, workers: int, port: int, serving: list[int],
                headers: dict[str, str], mix: Mix, *, metrics: bool = False) -> Run:
        """A warm-up from this process, then the measured load from ``clients`` processes
        (the concurrency and the request bound shared out among them). ``metrics``: read the
        service's own count of the requests before and after (``served_count``)."""
        asyncio.run(drive(port, headers, mix.for_client(0), concurrency=self.concurrency,
                          seconds=self.warmup, max_requests=self.max_requests))
        counted_before = served_count(port) if metrics else None
        before = snapshot(serving, self.others)
        results = FORK.Queue()
        processes = []
        for k in range(self.clients):
            share = self.concurrency // self.clients + (k < self.concurrency % self.clients)
            bound = self.max_requests // self.clients
            processes.append(FORK.Process(target=client_main, daemon=True, args=(
                port, headers, mix.for_client(k + 1), share, self.seconds, bound, results)))
        for process in processes:
            process.start()
        result = Result()
        rss: list[float] = []  # total RSS of the serving processes, once a second
        deadline = time.monotonic() + self.seconds + 120
        while len(rss) < 1 or any(p.is_alive() for p in processes) or not results.empty():
            if time.monotonic() > deadline:
                raise SystemExit("the clients did not finish in time")
            rss.append(sum(rss_mb(pid) for pid in serving))
            with contextlib.suppress(queue.Empty):
                result.add(results.get(timeout=1.0))
        for process in processes:
            process.join(30)
        after = snapshot(serving, self.others)
        counted = None
        if counted_before is not None:
            counted_after = served_count(port)
            counted = (counted_after[0] - counted_before[0], counted_after[1])
        run = Run(label, workers, self.clients, result, before, after, rss, counted)
        report(run)
        return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per run (15)")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds before each run (3)")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight (32)")
    parser.add_argument("--workers", type=int, default=min(os.cpu_count() or 1, 4),
                        help="N, the workers of the second runs (the core count, at most 4)")
    parser.add_argument("--max-requests", type=int, default=500_000,
                        help="at most this many requests per run (500000)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="repeat the four runs this many times, alternating (1)")
    parser.add_argument("--parts", choices=["both", "service", "bare"], default="both",
                        help="what to load: the service and the bare handler (both), or one")
    parser.add_argument("--write-seats", type=int, default=2,
                        help="the set's settings.write_concurrency (2, the default): the ERP "
                             "writes of the set at once over every worker; the mix's creates "
                             "queue for them")
    parser.add_argument("--clients", type=int, default=1,
                        help="client processes sharing the concurrency (1; more where the cores "
                             "allow, when one client process is the limit)")
    args = parser.parse_args()
    if min(args.concurrency, args.workers, args.clients, args.max_requests, args.rounds,
           args.write_seats) < 1 \
            or args.duration <= 0 or args.clients > args.concurrency:
        parser.error("--concurrency, --workers, --clients, --max-requests, --rounds, --write-seats "
                     "and --duration must be positive, and --clients at most --concurrency")
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    quiet()
    counts = [1] if args.workers == 1 else [1, args.workers]
    folder = Path(tempfile.mkdtemp(prefix="bench-load-"))
    prefix = f"bench-load:{uuid.uuid4().hex[:12]}:"
    try:
        ensure(folder)
        db = folder / "tiger.db"
        logo, logo_port = start(serve_logo, str(db))
        logo_url = f"http://{HOST}:{logo_port}/LogoObjectService/Service"
        port = free_port()
        config = write_config(folder, port, prefix, logo_url, db, args.write_seats)
        others = {"simulator": logo.pid, "redis": redis_pid()}
        bench = Bench(args.concurrency, args.duration, args.warmup, args.max_requests,
                      args.clients, others)
        print(f"bench/load: {args.concurrency} requests in flight from {args.clients} client "
              f"process{'es' if args.clients > 1 else ''}, {args.duration:g} s per run after "
              f"{args.warmup:g} s warm-up; {os.cpu_count()} cores; client, simulator, Redis and "
              "servers on this machine (127.0.0.1)")
        print("  mix: account search, stock of 10 products, named query, account create "
              "(LogoObjectService simulator + SQLite demo database), Redis store; "
              f"{args.write_seats} ERP write seats for the set over every worker")
        runs: dict[tuple[str, int], list[Run]] = {}
        for round_ in range(args.rounds):
            if args.rounds > 1:
                print(f"\n round {round_ + 1} of {args.rounds}")
            for index, workers in enumerate(counts):
                tag = f"{round_}{index}"
                if args.parts in ("both", "bare"):
                    with bare(workers) as (bare_port, pids):
                        headers = {"Authorization": f"Bearer {KEY}",
                                   "Content-Type": "application/xml", "X-Session": "0" * 32}
                        runs.setdefault(("bare", workers), []).append(bench.measure(
                            "bare aiohttp handler", workers, bare_port, pids, headers,
                            demo_mix(db, f"b{tag}")))
                if args.parts in ("both", "service"):
                    with service(config, port, workers,
                                 folder / f"service-{tag}.log") as (_, pids):
                        runs.setdefault(("service", workers), []).append(bench.measure(
                            "service (the mix)", workers, port, pids, session(port),
                            demo_mix(db, f"s{tag}"), metrics=True))
        if len(counts) == 2:
            n = counts[1]
            print(f"\n  N = {n} workers against 1 (target: at least {0.8 * n:.1f}x, i.e. 0.8 x N), "
                  "per round:")
            for kind in [k for k in ("bare", "service") if (k, 1) in runs]:
                pairs = list(zip(runs[kind, 1], runs[kind, n], strict=True))
                ratios = [many.rate / one.rate for one, many in pairs]
                errors = sum(sum(r.result.errors.values()) for r in runs[kind, 1] + runs[kind, n])
                print(f"    {kind:<8} " + ", ".join(
                    f"{ratio:.2f}x ({one.rate:,.0f} -> {many.rate:,.0f} req/s, serving on "
                    f"{one.serving_cores:.2f} -> {many.serving_cores:.2f} cores)"
                    for ratio, (one, many) in zip(ratios, pairs, strict=True))
                    + f"; median {statistics.median(ratios):.2f}x, {errors} errors"
                    + ("  target met" if statistics.median(ratios) >= 0.8 * n and not errors
                       else "  below the target"))
                # with the CPU per request unchanged, the throughput follows the cores the
                # serving processes got: what the machine left them bounds the ratio
                cores = statistics.median(many.serving_cores / one.serving_cores
                                          for one, many in pairs)
                print(f"             the serving processes got {cores:.2f}x the cores with {n} "
                      "workers (median); with the CPU per request unchanged, the throughput "
                      "follows the cores the machine leaves them")
        logo.terminate()
        logo.join(10)
    finally:
        with contextlib.suppress(redis.RedisError):
            remove_keys(REDIS_URL, prefix)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
