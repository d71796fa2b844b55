"""Metrics of several workers on one host (N3, issue 15 item 5): the worker that accepts a scrape
serves every worker's families, each sample labelled ``worker``, with ``integrator_worker_up``
for the workers that answered. The pure part (carrying families as data, rendering the union) and
the sockets between workers, in one process; tests/app/test_workers.py runs the real processes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from prometheus_client import Counter, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from integrator.api import peers as peers_module
from integrator.api.peers import Peers
from integrator.app import init_app
from integrator.metrics import (
    Metrics,
    families_data,
    families_from_data,
    render_workers,
)
from tests.fixtures.common import service_config, tiger_set


def _samples(text: bytes | str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    raw = text.decode() if isinstance(text, bytes) else text
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(raw) for s in family.samples}


def _families_of(text: bytes) -> list[str]:
    return [line.split()[2] for line in text.decode().splitlines() if line.startswith("# TYPE ")]


def _metrics_with(requests: int, route: str = "/health/live") -> Metrics:
    m = Metrics()
    for _ in range(requests):
        m.observe_request("GET", route, 200, 0.003)
    return m


def test_families_survive_the_trip_between_workers_f_n3() -> None:
    m = _metrics_with(3)
    m.sql_rows.labels("TIGER").inc(7)
    before = list(m.registry.collect())
    after = families_from_data(json.loads(json.dumps(families_data(before))))
    assert [(f.name, f.type, f.documentation, f.unit, f.samples) for f in after] == \
        [(f.name, f.type, f.documentation, f.unit, f.samples) for f in before]


def test_a_sample_the_trip_would_change_is_refused() -> None:
    m = Metrics()
    family = next(iter(m.requests.collect()))
    family.samples.append(Sample("integrator_http_requests_total", {}, 1.0, timestamp=5.0))
    with pytest.raises(ValueError, match="timestamps"):
        families_data([family])
    with pytest.raises(ValueError, match="labels"):
        families_from_data([{"name": "x", "help": "", "type": "gauge", "unit": "",
                             "samples": [["x", ["not", "a", "mapping"], 1]]}])
    with pytest.raises(KeyError):
        families_from_data([{"name": "x"}])


def test_one_worker_renders_what_its_registry_does_plus_the_label_f_n3() -> None:
    m = _metrics_with(2)
    alone = generate_latest(m.registry)
    union = render_workers([(1, list(m.registry.collect()))])
    labelled = {(name, labels | {("worker", "1")}): value
                for (name, labels), value in _samples(alone).items()}
    got = _samples(union)
    assert got.pop(("integrator_worker_up", frozenset({("worker", "1")}))) == 1.0
    # process_* and python_gc_* are read at each collect: compare the integrator's own series
    assert {k: v for k, v in got.items() if k[0].startswith("integrator_")} == \
        {k: v for k, v in labelled.items() if k[0].startswith("integrator_")}
    assert set(got) == set(labelled)


def test_the_union_keeps_each_worker_and_names_each_family_once_f_n3() -> None:
    one, two = _metrics_with(3), _metrics_with(5)
    Counter("integrator_only_in_two", "a family one worker lacks", registry=two.registry).inc()
    text = render_workers([(1, list(one.registry.collect())), (2, list(two.registry.collect())),
                           (3, None)])
    names = _families_of(text)
    assert len(names) == len(set(names))  # one HELP/TYPE per family: valid exposition
    got = _samples(text)
    key = ("integrator_http_requests_total",
           frozenset({("method", "GET"), ("route", "/health/live"), ("status", "200")}))
    assert got[(key[0], key[1] | {("worker", "1")})] == 3.0
    assert got[(key[0], key[1] | {("worker", "2")})] == 5.0
    assert got[("integrator_only_in_two_total", frozenset({("worker", "2")}))] == 1.0
    assert {labels: v for (name, labels), v in got.items() if name == "integrator_worker_up"} == {
        frozenset({("worker", "1")}): 1.0, frozenset({("worker", "2")}): 1.0,
        frozenset({("worker", "3")}): 0.0}
    assert all(dict(labels).get("worker") in {"1", "2"} for (name, labels) in got
               if name != "integrator_worker_up")  # worker 3 did not answer: none of its own


def test_a_family_whose_type_differs_between_workers_is_refused() -> None:
    one, two = Metrics(), Metrics()
    Counter("integrator_x", "counter here", registry=one.registry)
    from prometheus_client import Gauge

    Gauge("integrator_x", "gauge there", registry=two.registry)
    with pytest.raises(ValueError, match="integrator_x"):
        render_workers([(1, list(one.registry.collect())), (2, list(two.registry.collect()))])


def _sockets(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


async def _served(make_client: Any, peers: Peers) -> Any:
    config = service_config(sets=[tiger_set()])
    return await make_client(config, init_app(config, peers))


async def test_a_scrape_of_one_worker_serves_every_worker_f_n3(make_client: Any,
                                                               tmp_path: Path) -> None:
    first = await _served(make_client, Peers(1, 2, tmp_path))
    second = await _served(make_client, Peers(2, 2, tmp_path))
    assert _sockets(tmp_path) == ["worker-1.sock", "worker-2.sock"]
    for _ in range(3):
        await first.get("/health/live")
    for _ in range(5):
        await second.get("/health/live")
    for client in (first, second):  # whichever worker accepts the scrape
        response = await client.get("/metrics")
        assert response.status == 200
        got = _samples(await response.text())
        live = [("integrator_http_requests_total", frozenset(
            {("method", "GET"), ("route", "/health/live"), ("status", "200"), ("worker", w)}))
            for w in ("1", "2")]
        assert [got[k] for k in live] == [3.0, 5.0]
        assert got[("integrator_worker_up", frozenset({("worker", "1")}))] == 1.0
        assert got[("integrator_worker_up", frozenset({("worker", "2")}))] == 1.0
        # each worker's store gauges come with its own answer (here each has its own memory store)
        assert got[("integrator_sets", frozenset({("source", "file"), ("worker", "2")}))] == 1.0
    await second.close()  # a worker that stops closes its socket
    assert _sockets(tmp_path) == ["worker-1.sock"]


@pytest.fixture
async def stuck_worker(tmp_path: Path) -> AsyncIterator[Path]:
    """Worker 3 of 3: its socket accepts and never answers."""
    release = asyncio.Event()

    async def hang(request: web.Request) -> web.Response:
        await release.wait()
        return web.Response(text="[]")

    app = web.Application()
    app.router.add_get("/metrics/worker", hang)
    runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0)
    await runner.setup()
    await web.UnixSite(runner, str(tmp_path / "worker-3.sock")).start()
    yield tmp_path
    release.set()
    await runner.cleanup()


async def test_a_worker_that_does_not_answer_is_up_0_and_the_rest_is_served(
        make_client: Any, stuck_worker: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    # worker 2 has no socket (restarting), worker 3 hangs, worker 4 answers what is not metrics
    monkeypatch.setattr(peers_module, "PEER_TIMEOUT_S", 0.3)
    async def not_metrics(request: web.Request) -> web.Response:
        return web.json_response({"not": "a list"})

    garbage = web.Application()
    garbage.router.add_get("/metrics/worker", not_metrics)
    runner = web.AppRunner(garbage, handle_signals=False)
    await runner.setup()
    await web.UnixSite(runner, str(stuck_worker / "worker-4.sock")).start()
    try:
        first = await _served(make_client, Peers(1, 4, stuck_worker))
        await first.get("/health/live")
        response = await first.get("/metrics")
        assert response.status == 200
        got = _samples(await response.text())
    finally:
        await runner.cleanup()
    assert {dict(labels)["worker"]: v for (name, labels), v in got.items()
            if name == "integrator_worker_up"} == {"1": 1.0, "2": 0.0, "3": 0.0, "4": 0.0}
    assert got[("integrator_http_requests_total", frozenset(
        {("method", "GET"), ("route", "/health/live"), ("status", "200"), ("worker", "1")}))] == 1
    missing = [line for line in capsys.readouterr().out.splitlines()
               if "worker_metrics_missing" in line]
    assert sorted(n for line in missing for n in (2, 3, 4) if f"other_worker={n}" in line) \
        == [2, 3, 4]
