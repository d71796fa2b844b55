"""The Grafana dashboard, the alert rules and the ServiceMonitor (N3, issue 14 item 4): the
committed files are what their generators write, promtool checks and unit-tests the rules, and
every metric (and label) a panel or a rule uses is exported by a running app."""

from __future__ import annotations

import importlib.util
import json
import sqlite3
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from integrator import errors
from integrator.api.keys import METRICS
from integrator.app import init_app
from integrator.metrics import StoreGauges, render_workers
from tests.fixtures import promql
from tests.fixtures.common import AUTH, netsis_set, open_session, service_config, tiger_set
from tests.fixtures.deploy import DEPLOY, REPO
from tests.fixtures.tools import need_tool

RULES = DEPLOY / "prometheus" / "rules.yaml"
RULE_TESTS = DEPLOY / "prometheus" / "rules_test.yaml"
DASHBOARD = DEPLOY / "grafana" / "crm-integrator.json"
MONITORING = DEPLOY / "monitoring"
# labels Prometheus attaches to every sample of a scrape target
TARGET_LABELS = frozenset({"job", "instance"})
# series Prometheus makes itself, not the app: up (one per scrape target)
EXTERNAL = frozenset({"up"})
SUFFIXES = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_sum", "_count", "_created"),
            "gauge": ("",), "info": ("_info",), "summary": ("", "_sum", "_count", "_created"),
            "untyped": ("",)}


def load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rules() -> list[dict[str, Any]]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


def dashboard_queries() -> list[tuple[str, str]]:
    """(where, PromQL) of every panel target and variable of the committed dashboard."""
    board = json.loads(DASHBOARD.read_text())
    found = [(f"panel {p['title']!r}", t["expr"]) for p in board["panels"]
             for t in p.get("targets", [])]
    for variable in board["templating"]["list"]:
        if variable["type"] == "query":
            found.append((f"variable {variable['name']}", variable["query"]))
    return found


def used() -> list[tuple[str, promql.Usage]]:
    """What each panel, variable and rule uses."""
    found = []
    for where, expr in dashboard_queries():
        if expr.lstrip().startswith("label_values("):
            selector, labels = promql.grafana_query(expr)
            usage = promql.read(selector)
            usage.grouping |= labels
        else:
            usage = promql.read(expr)
        found.append((where, usage))
    found += [(f"rule {r['alert']}", promql.read(r["expr"])) for r in rules()]
    return found


# -- generated files ----------------------------------------------------------------------------
def test_dashboard_json_is_what_the_generator_writes() -> None:
    generator = load(DEPLOY / "grafana" / "dashboard.py")
    assert DASHBOARD.read_text(encoding="utf-8") == generator.render(), (
        "deploy/grafana/crm-integrator.json is stale: run .venv/bin/python deploy/grafana/dashboard.py")


def test_prometheusrule_is_generated_from_the_rules() -> None:
    generator = load(DEPLOY / "prometheus" / "prometheusrule.py")
    committed = (MONITORING / "prometheusrule.yaml").read_text(encoding="utf-8")
    assert committed == generator.render(), (
        "deploy/monitoring/prometheusrule.yaml is stale: run .venv/bin/python "
        "deploy/prometheus/prometheusrule.py")
    assert yaml.safe_load(committed)["spec"]["groups"] == yaml.safe_load(RULES.read_text())["groups"]


def test_dashboard_has_the_panels_operators_look_at() -> None:
    board = json.loads(DASHBOARD.read_text())
    exprs = " ".join(e for _, e in dashboard_queries())
    for needed in ("integrator_http_requests_total", "histogram_quantile(0.5,",
                   "histogram_quantile(0.95,", "histogram_quantile(0.99,",
                   "integrator_erp_calls_total", 'outcome="erp_commit_uncertain"',
                   "integrator_erp_call_duration_seconds_bucket", "integrator_erp_circuit_state",
                   "integrator_erp_write_queue_depth", "integrator_erp_writes_in_flight",
                   "integrator_sql_duration_seconds_bucket", "integrator_sql_round_trips_total",
                   "integrator_sql_rows_total", "integrator_sessions", 'result="reconciled"',
                   "process_cpu_seconds_total", "process_resident_memory_bytes"):
        assert needed in exprs, needed
    assert board["uid"] == "crm-integrator"
    positions = [(p["gridPos"]["x"], p["gridPos"]["y"]) for p in board["panels"]]
    assert len(set(positions)) == len(positions), "panels overlap"
    ids = [p["id"] for p in board["panels"]]
    assert len(set(ids)) == len(ids)
    for panel in board["panels"]:
        refs = [t["refId"] for t in panel.get("targets", [])]
        assert all(refs) and len(set(refs)) == len(refs), panel["title"]


# -- promtool -----------------------------------------------------------------------------------
def test_promtool_checks_the_rules() -> None:
    promtool = need_tool("promtool", "prometheus")
    run = subprocess.run([promtool, "check", "rules", str(RULES)], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"SUCCESS: {len(rules())} rules found" in run.stdout + run.stderr


def test_promtool_unit_tests_the_rules() -> None:
    promtool = need_tool("promtool", "prometheus")
    run = subprocess.run([promtool, "test", "rules", str(RULE_TESTS)], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "SUCCESS" in run.stdout + run.stderr


def test_every_alert_fires_in_a_unit_test_and_is_documented() -> None:
    fired = {case["alertname"] for test in yaml.safe_load(RULE_TESTS.read_text())["tests"]
             for case in test["alert_rule_test"] if case.get("exp_alerts")}
    silent = {case["alertname"] for test in yaml.safe_load(RULE_TESTS.read_text())["tests"]
              for case in test["alert_rule_test"] if not case.get("exp_alerts")}
    operations = (REPO / "docs" / "operations.md").read_text()
    for rule in rules():
        assert rule["alert"] in fired, f"{rule['alert']} never fires in rules_test.yaml"
        assert rule["alert"] in silent, f"{rule['alert']} has no near miss in rules_test.yaml"
        assert rule["labels"]["severity"] in {"warning", "critical"}
        assert f"`{rule['alert']}`" in operations, f"{rule['alert']} is not in docs/operations.md"


# -- the ServiceMonitor -------------------------------------------------------------------------
def test_servicemonitor_scrapes_the_service() -> None:
    kustomization = yaml.safe_load((MONITORING / "kustomization.yaml").read_text())
    files = {p.name for p in MONITORING.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == files
    assert kustomization["namespace"] == "crm-integrator"
    monitor = yaml.safe_load((MONITORING / "servicemonitor.yaml").read_text())
    assert (monitor["apiVersion"], monitor["kind"]) == ("monitoring.coreos.com/v1", "ServiceMonitor")
    service = yaml.safe_load((DEPLOY / "service.yaml").read_text())
    labels = service["metadata"]["labels"]
    assert monitor["spec"]["selector"]["matchLabels"].items() <= labels.items()
    [endpoint] = monitor["spec"]["endpoints"]
    assert endpoint["port"] in {p["name"] for p in service["spec"]["ports"]}
    assert endpoint["path"] == "/metrics"
    # no jobLabel: Prometheus names the job after the Service, which the rules select on
    assert "jobLabel" not in monitor["spec"]
    assert f'up{{job="{service["metadata"]["name"]}"}}' in RULES.read_text()


def test_monitoring_kustomization_renders() -> None:
    kubectl = need_tool("kubectl", "kubectl", required=False)
    rendered = subprocess.run([kubectl, "kustomize", str(MONITORING)], check=True,
                              capture_output=True, text=True, timeout=120).stdout
    kinds = {d["kind"]: d for d in yaml.safe_load_all(rendered) if d}
    assert set(kinds) == {"ServiceMonitor", "PrometheusRule"}
    assert all(d["metadata"]["namespace"] == "crm-integrator" for d in kinds.values())


# -- every metric a panel or a rule uses exists ---------------------------------------------------
def test_the_promql_reader() -> None:
    usage = promql.read('histogram_quantile(0.99, sum by (le, route) (rate(a_bucket{job=~"$job", '
                        'route!~"/health/.*"}[$__rate_interval]))) > 5 or b_total{x="1"} '
                        "unless on (y) c offset 15m")
    assert [s.metric for s in usage.selectors] == ["a_bucket", "b_total", "c"]
    assert usage.selectors[0].matchers == {"job": [("=~", "$job")], "route": [("!~", "/health/.*")]}
    assert usage.grouping == {"le", "route", "y"}
    with pytest.raises(ValueError, match="without a metric name"):
        promql.read('{__name__="x"}')


def exported(text: str) -> tuple[set[str], dict[str, set[str]]]:
    """The series names a /metrics text can carry (from each family's type, with or without
    samples), and the label names seen on each series name."""
    names: set[str] = set()
    labels: dict[str, set[str]] = {}
    for family in text_string_to_metric_families(text):
        names |= {family.name + suffix for suffix in SUFFIXES[family.type]}
        for sample in family.samples:
            names.add(sample.name)
            labels.setdefault(sample.name, set()).update(sample.labels)
    return names, labels


def check_usage(names: set[str], labels: dict[str, set[str]], routes: set[str]) -> list[str]:
    problems = []
    outcomes = {"ok", "cancelled"} | {cls.code.lower() for cls in errors.ALL_ERRORS}
    for where, usage in used():
        in_expr: set[str] = set(TARGET_LABELS)
        for selector in usage.selectors:
            if selector.metric in EXTERNAL:
                in_expr |= set(selector.matchers)
                continue
            if selector.metric not in names:
                problems.append(f"{where}: {selector.metric} is not exported")
                continue
            if selector.metric not in labels:
                problems.append(f"{where}: {selector.metric} has no samples; exercise it")
                continue
            known = labels[selector.metric] | TARGET_LABELS
            in_expr |= known
            for label, matchers in selector.matchers.items():
                if label not in known:
                    problems.append(f"{where}: {selector.metric} has no label {label!r}")
                for op, value in matchers:
                    if label == "outcome" and op in {"=", "=~"}:
                        problems += [f"{where}: outcome {v!r} is no error code"
                                     for v in value.split("|") if v not in outcomes]
                    if label == "route" and op == "=" and value not in routes:
                        problems.append(f"{where}: no route {value!r}")
        problems += [f"{where}: no metric of it has the label {label!r}"
                     for label in usage.grouping - in_expr]
    return problems


@pytest.mark.odbc
async def test_every_metric_of_the_dashboard_and_the_rules_is_exported(
        aiohttp_client: Any, tmp_path: Path) -> None:
    # a real SQLite database for one set (SQL metrics), unreachable ERPs for both (ERP metrics,
    # the circuit breaker, the write limiter)
    database = tmp_path / "erp.db"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE T (ONE INTEGER)")
    sql_set = tiger_set("SQL-TIGER", database={
        "engine": "sqlite", "connection_string": f"DRIVER={{SQLite3}};Database=file:{database}?mode=ro"},
        sql={"queries": {"one": {"sql": "SELECT 1 AS ONE"}}})
    client = await aiohttp_client(init_app(service_config(sets=[tiger_set(), netsis_set(), sql_set])))
    session = await open_session(client, set_code="TIGER-TEST")
    headers = {**AUTH, "X-Session": session}
    for code in ("TIGER-TEST", "NETSIS-TEST", "SQL-TIGER"):
        await client.get(f"/v1/sets/{code}/health", headers=AUTH)
    await client.post("/v1/accounts", headers=headers, data=(
        b'<Account crmId="F-1"><Field name="Code">120.01.1</Field><Field name="Title">T</Field></Account>'))
    await client.get("/v1/accounts/1", headers=headers)
    netsis_session = await open_session(client, set_code="NETSIS-TEST")  # a login, then a read
    await client.get("/v1/accounts/120.01.1", headers={**AUTH, "X-Session": netsis_session})
    sql_session = await open_session(client, set_code="SQL-TIGER")
    answer = await client.post("/v1/queries/one", data=b"<Query/>",
                               headers={**AUTH, "X-Session": sql_session})
    assert answer.status == 200, await answer.text()
    await client.get("/health/ready")
    text = await (await client.get("/metrics")).text()
    # what one of several workers serves: the same families labelled worker, and worker_up
    workers = render_workers([(1, list(client.app[METRICS].registry.collect())), (2, None)])

    names, labels = exported(text)
    more_names, more_labels = exported(workers.decode())
    names |= more_names
    for name, found in more_labels.items():
        labels.setdefault(name, set()).update(found)
    # what a replica on Redis exports besides (its copy of the store: test_replicas.py shows it)
    on_redis = CollectorRegistry()
    replica_gauges = StoreGauges()
    replica_gauges.report_cache((True, 1))
    on_redis.register(replica_gauges)
    redis_names, redis_labels = exported(generate_latest(on_redis).decode())
    names |= redis_names
    for name, found in redis_labels.items():
        labels.setdefault(name, set()).update(found)
    routes = {r.resource.canonical for r in client.app.router.routes() if r.resource is not None}
    assert check_usage(names, labels, routes) == []


def test_the_metric_check_catches_a_missing_metric_and_label() -> None:
    names = {"integrator_erp_calls_total"}
    labels = {"integrator_erp_calls_total": {"set", "operation"}}  # no outcome
    problems = check_usage(names, labels, {"/health/ready"})
    assert any("integrator_erp_circuit_state is not exported" in p for p in problems)
    assert any("has no label 'outcome'" in p for p in problems)
