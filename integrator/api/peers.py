"""The metrics of several workers on one host, served by whichever worker accepts the scrape.

With ``integrator serve --workers N`` the kernel hands each connection to one worker, and each
worker keeps its own metrics. So that one scrape of ``/metrics`` shows the whole host, every
worker also listens on a Unix socket of its own (``worker-<n>.sock`` in a directory the
supervising process made, mode 0700) where it answers ``GET /metrics/worker`` with its metric
families as JSON. The worker that accepts a scrape asks every other worker at once (each within
``PEER_TIMEOUT_S``) and serves all of them, every sample labelled ``worker``;
``integrator_worker_up`` says which answered (``integrator.metrics.render_workers``).

Each worker runs the store-gauge lease when it is asked, as on a scrape of its own, so the holder
of the lease reports ``integrator_sessions`` and ``integrator_sets`` whichever worker is scraped.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import structlog
from aiohttp import web
from prometheus_client.core import Metric

from integrator.api.keys import METRICS, PEERS, REGISTRY, SESSIONS, STORE, STORE_GAUGES_LEASE
from integrator.errors import IntegratorError
from integrator.metrics import families_data, families_from_data, render_workers

log = structlog.get_logger("integrator.peers")

PEER_TIMEOUT_S = 2.0  # a worker's answer, well within Prometheus's default scrape_timeout (10 s)
PEER_PATH = "/metrics/worker"


@dataclass(frozen=True)
class Peers:
    """This worker's number (1..count) among ``count`` workers, and the directory of their
    sockets."""

    number: int
    count: int
    directory: Path

    def socket(self, number: int) -> Path:
        return self.directory / f"worker-{number}.sock"


async def read_store_gauges(app: web.Application) -> None:
    """Before a scrape: the gauges read from the shared store, when this replica holds their
    lease (one replica reports them, so a sum over replicas counts each session once); and this
    replica's copy of the store, which every replica reports."""
    m = app[METRICS]
    m.store_gauges.report_cache(app[STORE].cache_state())
    try:
        if await app[STORE_GAUGES_LEASE].hold():
            m.store_gauges.report(sessions=await app[SESSIONS].count(),
                                  sets=(await app[REGISTRY].counts()).items())
        else:
            m.store_gauges.clear()
    except IntegratorError:
        m.store_gauges.clear()  # the store is down: serve the rest (readiness reports the store)


async def families(app: web.Application) -> list[Metric]:
    """This process's metric families, the store gauges read first."""
    await read_store_gauges(app)
    return list(app[METRICS].registry.collect())


async def render_all(app: web.Application, peers: Peers) -> bytes:
    """The exposition of every worker: this one's families and the others' (asked at once)."""
    others = [n for n in range(1, peers.count + 1) if n != peers.number]
    mine, *theirs = await asyncio.gather(families(app),
                                         *(_ask(peers.socket(n), n) for n in others))
    found = dict(zip(others, theirs, strict=True))
    found[peers.number] = mine
    return render_workers(sorted(found.items()))


async def _ask(path: Path, number: int) -> list[Metric] | None:
    """Worker ``number``'s families; ``None`` when it does not answer in time (logged)."""
    try:
        async with aiohttp.ClientSession(
                connector=aiohttp.UnixConnector(path=str(path)),
                timeout=aiohttp.ClientTimeout(total=PEER_TIMEOUT_S)) as session, \
                session.get(f"http://worker{PEER_PATH}") as response:
            response.raise_for_status()
            return families_from_data(await response.json())
    except (aiohttp.ClientError, TimeoutError, ValueError, KeyError, TypeError) as exc:
        log.warning("worker_metrics_missing", other_worker=number, error=type(exc).__name__,
                    hint="its samples are left out of this scrape (integrator_worker_up 0)")
        return None


async def _answer(request: web.Request) -> web.Response:
    data = families_data(await families(request.app[_SERVED]))
    return web.json_response(data)


_SERVED: web.AppKey[web.Application] = web.AppKey("served")  # the worker's main application


async def peer_socket(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context of a worker's application: its metrics socket, open while it runs."""
    peers = app[PEERS]
    inner = web.Application()
    inner[_SERVED] = app
    inner.router.add_get(PEER_PATH, _answer)
    runner = web.AppRunner(inner, access_log=None, handle_signals=False)
    await runner.setup()
    path = peers.socket(peers.number)
    # a stale socket of a worker this one replaces is removed by the bind
    await web.UnixSite(runner, str(path)).start()
    bound = path.stat().st_ino
    yield
    await runner.cleanup()
    with contextlib.suppress(FileNotFoundError):  # asyncio leaves the file; remove it if ours
        if path.stat().st_ino == bound:
            path.unlink()
