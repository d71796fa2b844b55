"""Prometheus metrics. One registry per application, so several apps (tests, replicas in one
process) never share counters. Every metric of N3 is declared here; the code that observes a
metric gets it from ``app[METRICS]``. The registry also carries prometheus_client's process
(``process_*``: CPU, memory, file descriptors), platform (``python_info``) and garbage-collector
(``python_gc_*``) collectors, which describe the process the app runs in.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    Info,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

import integrator

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
# the methods counted under their own name; any other is OTHER (observe_request)
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE",
                          "PATCH"})


class StoreGauges(Collector):
    """The gauges read from the shared store at scrape time: open sessions and sets by source.

    Every replica would read the same numbers from the store, so a sum over replicas would
    multiply them: only the replica holding the store-gauge lease reports them (``report``), the
    others export no sample (``clear``), and ``sum`` and ``max`` over the replicas both give the
    true count (docs/operations.md).
    """

    SESSIONS = ("integrator_sessions", "Open (not expired) sessions in the shared store; reported "
                "by one replica")
    SETS = ("integrator_sets", "Integration sets by source; reported by one replica")
    CACHE_SERVING = ("integrator_store_cache_serving",
                     "1 while this replica answers sessions it holds from its copy of the shared "
                     "store (kept true by Redis' invalidations), 0 while every read goes to Redis; "
                     "reported by every replica on Redis")
    CACHE_VALUES = ("integrator_store_cache_values",
                    "Sessions and set versions in this replica's copy of the shared store")

    def __init__(self) -> None:
        self._sessions: float | None = None
        self._sets: dict[str, float] = {}
        self._cache: tuple[bool, int] | None = None

    def report_cache(self, state: tuple[bool, int] | None) -> None:
        """This replica's copy: (serving, values), or None for a store that keeps none."""
        self._cache = state

    def report(self, *, sessions: int, sets: Iterable[tuple[str, int]]) -> None:
        """``sets``: (source, count) pairs."""
        self._sessions = float(sessions)
        self._sets = {source: float(count) for source, count in sets}

    def clear(self) -> None:
        self._sessions = None
        self._sets = {}

    def describe(self) -> Iterable[Metric]:
        return [GaugeMetricFamily(*self.SESSIONS), GaugeMetricFamily(*self.SETS, labels=["source"]),
                GaugeMetricFamily(*self.CACHE_SERVING), GaugeMetricFamily(*self.CACHE_VALUES)]

    def collect(self) -> Iterable[Metric]:
        if self._sessions is not None:
            yield GaugeMetricFamily(*self.SESSIONS, value=self._sessions)
        if self._sets:
            sets = GaugeMetricFamily(*self.SETS, labels=["source"])
            for source, count in sorted(self._sets.items()):
                sets.add_metric([source], count)
            yield sets
        if self._cache is not None:
            yield GaugeMetricFamily(*self.CACHE_SERVING, value=float(self._cache[0]))
            yield GaugeMetricFamily(*self.CACHE_VALUES, value=float(self._cache[1]))


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        ProcessCollector(registry=r)
        PlatformCollector(registry=r)
        GCCollector(registry=r)
        self.build_info = Info("integrator_build", "Build information", registry=r)
        self.build_info.info({"version": integrator.__version__})
        # HTTP API
        self.requests = Counter(
            "integrator_http_requests_total", "HTTP requests by route template and status",
            ["method", "route", "status"], registry=r)
        self.request_latency = Histogram(
            "integrator_http_request_duration_seconds", "HTTP request latency by route template",
            ["method", "route"], buckets=LATENCY_BUCKETS, registry=r)
        self._request_children: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self._sql_children: dict[tuple[str, str], Any] = {}
        self._sql_set_children: dict[str, tuple[Any, Any]] = {}
        self.store_gauges = StoreGauges()
        r.register(self.store_gauges)
        # ERP gateways
        self.erp_calls = Counter(
            "integrator_erp_calls_total", "ERP calls by set, operation and outcome",
            ["set", "operation", "outcome"], registry=r)
        self.erp_latency = Histogram(
            "integrator_erp_call_duration_seconds", "ERP call latency by set and operation",
            ["set", "operation"], buckets=LATENCY_BUCKETS, registry=r)
        self.erp_retries = Counter(
            "integrator_erp_retries_total",
            "ERP calls sent again because the previous attempt certainly did not leave "
            "(connect error, DNS, circuit open)", ["set", "operation"], registry=r)
        self.erp_logins = Counter(
            "integrator_erp_logins_total", "ERP logins (token requests) by set", ["set"], registry=r)
        self.circuit_state = Gauge(
            "integrator_erp_circuit_state",
            "Circuit state of the ERP endpoint of each set (0 closed, 1 half-open, 2 open)",
            ["set"], registry=r)
        self.write_queue_depth = Gauge(
            "integrator_erp_write_queue_depth", "ERP writes waiting for a seat, per set", ["set"],
            registry=r)
        self.write_in_flight = Gauge(
            "integrator_erp_writes_in_flight", "ERP writes in progress, per set", ["set"], registry=r)
        self.write_seat_wait = Histogram(
            "integrator_erp_write_seat_wait_seconds",
            "Time ERP writes waited for a write seat before they were sent, per set "
            "(part of integrator_erp_call_duration_seconds)", ["set"], buckets=LATENCY_BUCKETS,
            registry=r)
        # SQL
        self.sql_latency = Histogram(
            "integrator_sql_duration_seconds", "Read-only SQL latency by set and statement name",
            ["set", "statement"], buckets=LATENCY_BUCKETS, registry=r)
        self.sql_errors = Counter(
            "integrator_sql_errors_total", "SQL failures by set and error code", ["set", "code"],
            registry=r)
        self.sql_round_trips = Counter(
            "integrator_sql_round_trips_total",
            "Statements executed and batches fetched on the ERP database, by set", ["set"],
            registry=r)
        self.sql_rows = Counter(
            "integrator_sql_rows_total", "Rows returned by read-only SQL, by set", ["set"], registry=r)
        # records crossing (accounts, products, documents)
        self.records = Counter(
            "integrator_records_total", "Records transferred by set, entity, direction and result",
            ["set", "entity", "direction", "result"], registry=r)

    def observe_request(self, method: str, route: str, status: int, elapsed_s: float) -> None:
        """Count a request and its latency. The labelled children are kept (route templates,
        methods and statuses are few): ``labels()`` takes a lock and builds a key every call.
        A method outside HTTP's own is counted as ``OTHER``: the method is the client's, sent
        before it authenticates, and every new label value would be a new series kept for good
        (aiohttp's C parser refuses unknown methods first; its Python parser does not)."""
        if method not in HTTP_METHODS:
            method = "OTHER"
        key = (method, route, status)
        found = self._request_children.get(key)
        if found is None:
            found = (self.requests.labels(method, route, str(status)),
                     self.request_latency.labels(method, route))
            self._request_children[key] = found
        found[0].inc()
        found[1].observe(elapsed_s)

    def sql_children(self, set_code: str, statement: str) -> tuple[Any, Any, Any]:
        """The latency, rows and round-trip children of a set's statement, kept like the request
        children (statement names are the set's: configured, few)."""
        key = (set_code, statement)
        latency = self._sql_children.get(key)
        if latency is None:
            latency = self._sql_children[key] = self.sql_latency.labels(set_code, statement)
        return (latency, *self.sql_set_children(set_code))

    def sql_set_children(self, set_code: str) -> tuple[Any, Any]:
        """The rows and round-trip children of a set, kept."""
        found = self._sql_set_children.get(set_code)
        if found is None:
            found = (self.sql_rows.labels(set_code), self.sql_round_trips.labels(set_code))
            self._sql_set_children[set_code] = found
        return found

    def render(self) -> bytes:
        return generate_latest(self.registry)


# Several workers on one host (integrator.workers): the worker that accepts a scrape reads the
# others' families (as data, over a private socket) and serves them all, each sample labelled
# with its worker (docs/operations.md). Counters stay per worker, so a worker replaced after a
# crash is a counter reset of its own series, which rate() handles; a sum over the workers would
# instead drop when one worker restarts.
WORKER_LABEL = "worker"
WORKER_UP = ("integrator_worker_up", "1 when the worker's metrics are in this scrape, 0 when it "
             "did not answer in time (starting, restarting or stuck); several workers only")


def families_data(families: Iterable[Metric]) -> list[dict[str, Any]]:
    """Metric families as JSON-ready data: name, help, type, unit, samples as (name, labels,
    value). The service sets no timestamps, exemplars or native histograms; a sample that
    carries one is refused rather than passed on without it."""
    data = []
    for family in families:
        samples = []
        for sample in family.samples:
            if (sample.timestamp is not None or sample.exemplar is not None
                    or sample.native_histogram is not None):
                raise ValueError(f"{sample.name}: timestamps, exemplars and native histograms "
                                 "are not carried between workers")
            samples.append([sample.name, sample.labels, sample.value])
        data.append({"name": family.name, "help": family.documentation, "type": family.type,
                     "unit": family.unit, "samples": samples})
    return data


def families_from_data(data: list[dict[str, Any]]) -> list[Metric]:
    """The families ``families_data`` gave (``ValueError`` or ``KeyError`` on anything else)."""
    families = []
    for item in data:
        family = Metric(str(item["name"]), str(item["help"]), str(item["type"]), str(item["unit"]))
        for name, labels, value in item["samples"]:
            if not isinstance(labels, dict):
                raise ValueError(f"{name}: labels are not a mapping")
            family.add_sample(str(name), {str(k): str(v) for k, v in labels.items()}, float(value))
        families.append(family)
    return families


class Families(Collector):
    """Families collected before, as a collector for ``generate_latest``."""

    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterable[Metric]:
        return self._families


def render_workers(workers: Iterable[tuple[int, list[Metric] | None]]) -> bytes:
    """The text exposition of several workers' families: one family per name, every sample
    labelled ``worker``, and ``integrator_worker_up`` per worker (``None``: it did not answer)."""
    merged: dict[str, Metric] = {}
    up = GaugeMetricFamily(*WORKER_UP, labels=[WORKER_LABEL])
    for number, families in workers:
        worker = str(number)
        up.add_metric([worker], 0.0 if families is None else 1.0)
        for family in families or ():
            into = merged.get(family.name)
            if into is None:
                into = merged[family.name] = Metric(family.name, family.documentation,
                                                    family.type, family.unit)
            elif into.type != family.type:
                raise ValueError(f"{family.name}: type {family.type} in worker {worker}, "
                                 f"{into.type} in another")
            for sample in family.samples:
                into.add_sample(sample.name, {**sample.labels, WORKER_LABEL: worker},
                                sample.value)
    return generate_latest(Families([up, *merged.values()]))
