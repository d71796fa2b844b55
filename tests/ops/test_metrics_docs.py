"""docs/operations.md's metrics table is the registry (issue 14 item 5, N3): every metric the
service declares has a row with its labels, and no row names a metric that is gone."""

from __future__ import annotations

import re

from prometheus_client.metrics import MetricWrapperBase
from prometheus_client.parser import text_string_to_metric_families

from integrator.metrics import Metrics, render_workers
from tests.fixtures.deploy import REPO

SUFFIX = {"counter": "_total", "info": "_info"}


def documented() -> dict[str, frozenset[str]]:
    """Metric name -> labels, from the table under "## Metrics" in docs/operations.md."""
    text = (REPO / "docs" / "operations.md").read_text(encoding="utf-8")
    section = text[text.index("## Metrics"):]
    section = section[:section.index("\n## ", 1)]
    rows: dict[str, frozenset[str]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) < 3:
            continue
        labels = frozenset(x.strip() for x in cells[1].split(",") if x.strip() not in ("", "—"))
        for name in re.findall(r"`(integrator_\w+)`", cells[0]):
            assert name not in rows, f"{name} has two rows"
            rows[name] = labels
    return rows


def declared() -> dict[str, frozenset[str]]:
    """Metric name (as exported) -> labels, of every integrator_ metric of the registry."""
    metrics = Metrics()
    metrics.store_gauges.report(sessions=0, sets=[("file", 0)])  # exported by the lease holder
    metrics.store_gauges.report_cache((True, 0))  # exported by a replica on Redis
    declared_labels = {wrapper.describe()[0].name: frozenset(wrapper._labelnames)
                       for wrapper in vars(metrics).values() if isinstance(wrapper, MetricWrapperBase)}
    found: dict[str, frozenset[str]] = {}
    for family in metrics.registry.collect():
        if family.name.startswith("integrator_"):
            sampled = {label for sample in family.samples for label in sample.labels if label != "le"}
            found[family.name + SUFFIX.get(family.type, "")] = (
                declared_labels.get(family.name, frozenset()) | sampled)
    # served only by one of several workers (integrator.api.peers), which labels every sample
    # with ``worker``: the table names that once, in prose
    for family in text_string_to_metric_families(render_workers([(1, [])]).decode()):
        found[family.name] = frozenset(name for s in family.samples for name in s.labels)
    return found


def test_the_metrics_table_is_the_registry() -> None:
    docs, code = documented(), declared()
    assert set(code) - set(docs) == set(), "metrics missing from docs/operations.md"
    assert set(docs) - set(code) == set(), "rows of docs/operations.md for metrics that are gone"
    assert {n: docs[n] for n in docs if docs[n] != code[n]} == {}, "labels differ"


def test_the_table_names_the_metrics_the_issue_found_missing() -> None:
    assert {"integrator_erp_retries_total", "integrator_sql_round_trips_total",
            "integrator_sql_rows_total"} <= set(documented())
