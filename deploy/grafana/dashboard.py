"""The crm-integrator Grafana dashboard, written as code with grafana-foundation-sdk (N3).

    .venv/bin/python deploy/grafana/dashboard.py    # rewrites deploy/grafana/crm-integrator.json

The JSON next to this file is what Grafana imports; a test (tests/ops/test_monitoring.py) fails
when it is not what this script produces, and another proves that every metric a panel queries is
exported by the service. Variables: the Prometheus data source, job, instance and integration set.
"""

from __future__ import annotations

import json
from pathlib import Path

from grafana_foundation_sdk.builders import common as common_builders
from grafana_foundation_sdk.builders import dashboard as dash
from grafana_foundation_sdk.builders import prometheus, stat, statetimeline, timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import common
from grafana_foundation_sdk.models.dashboard import (
    DashboardCursorSync,
    DataSourceRef,
    ValueMap,
    ValueMappingResult,
    VariableRefresh,
    VariableSort,
)

OUTPUT = Path(__file__).with_name("crm-integrator.json")
UID = "crm-integrator"

DATASOURCE = DataSourceRef(type_val="prometheus", uid="${datasource}")
# every query is limited to the chosen job and instances; ERP and SQL panels also to the sets
TARGET = 'job=~"$job", instance=~"$instance"'
SETS = TARGET + ', set=~"$set"'
RATE = "[$__rate_interval]"
# requests that are not API calls: probes and scrapes
NOT_API = 'route!~"/health/.*|/metrics"'

Panel = timeseries.Panel | stat.Panel | statetimeline.Panel


def query(expr: str, legend: str, ref: str = "A") -> prometheus.Dataquery:
    return prometheus.Dataquery().expr(" ".join(expr.split())).legend_format(legend).ref_id(ref)


def graph(title: str, unit: str, description: str, *queries: prometheus.Dataquery,
          width: int = 12, bars: bool = False) -> timeseries.Panel:
    panel = (timeseries.Panel().title(title).description(description).unit(unit)
             .datasource(DATASOURCE).height(8).span(width).min(0)
             .legend(common_builders.VizLegendOptions().display_mode(common.LegendDisplayMode.TABLE)
                     .placement(common.LegendPlacement.RIGHT).show_legend(True))
             .tooltip(common_builders.VizTooltipOptions().mode(common.TooltipDisplayMode.MULTI)
                      .sort(common.SortOrder.DESCENDING)))
    if bars:
        panel = panel.draw_style(common.GraphDrawStyle.BARS).fill_opacity(80)
    for ref, item in zip("ABCDEFGH", queries, strict=False):
        panel = panel.with_target(item.ref_id(ref))
    return panel


def quantiles(metric: str, selector: str) -> list[prometheus.Dataquery]:
    """p50, p95 and p99 of a latency histogram over every series the selector picks."""
    return [query(f"histogram_quantile({q}, sum by (le) (rate({metric}_bucket{{{selector}}}{RATE})))",
                  f"p{round(q * 100)}") for q in (0.5, 0.95, 0.99)]


def http_row() -> tuple[dash.Row, list[Panel]]:
    return dash.Row("HTTP API"), [
        graph("Requests by route and status", "reqps",
              "Requests per second by route template and HTTP status (probes and scrapes included).",
              query(f"sum by (route, status) (rate(integrator_http_requests_total{{{TARGET}}}{RATE}))",
                    "{{route}} {{status}}")),
        graph("Latency percentiles (API calls)", "s",
              "p50, p95 and p99 of the request duration over every API route (without probes and "
              "scrapes), from integrator_http_request_duration_seconds.",
              *quantiles("integrator_http_request_duration_seconds", f"{TARGET}, {NOT_API}")),
        graph("p99 latency by route", "s",
              "The 99th percentile of the request duration per route template.",
              query("histogram_quantile(0.99, sum by (le, route) (rate("
                    f"integrator_http_request_duration_seconds_bucket{{{TARGET}, {NOT_API}}}{RATE})))",
                    "{{route}}")),
        graph("Server errors by route", "reqps",
              "5xx answers per second by route and status: 503 is a retryable outage (ERP, "
              "database or store unavailable), 504 an ERP timeout or commit uncertain, 500 a bug.",
              query(f'sum by (route, status) (rate(integrator_http_requests_total{{{TARGET}, '
                    f'status=~"5.."}}{RATE}))', "{{route}} {{status}}")),
    ]


def erp_row() -> tuple[dash.Row, list[Panel]]:
    circuit = (statetimeline.Panel().title("Circuit state per set")
               .description("The circuit breaker of the ERP endpoint each integration set calls "
                            "(sets on one endpoint share it): closed (calls go through), "
                            "half-open (one probe call), open (calls fail fast with "
                            "ERP_UNAVAILABLE). Worst state over the replicas.")
               .datasource(DATASOURCE).height(8).span(12)
               .mappings([ValueMap({"0": ValueMappingResult(text="closed", color="green"),
                                    "1": ValueMappingResult(text="half-open", color="yellow"),
                                    "2": ValueMappingResult(text="open", color="red")})])
               .with_target(query(f"max by (set) (integrator_erp_circuit_state{{{SETS}}})",
                                  "{{set}}")))
    return dash.Row("ERP"), [
        graph("ERP calls by set and operation", "ops",
              "ERP calls per second (every outcome) by integration set and gateway operation.",
              query(f"sum by (set, operation) (rate(integrator_erp_calls_total{{{SETS}}}{RATE}))",
                    "{{set}} {{operation}}")),
        graph("ERP errors by set, operation and outcome", "ops",
              "ERP calls that did not end ok, by outcome (the lower-case error code): "
              "erp_unavailable, erp_timeout, erp_commit_uncertain and internal are outages; "
              "erp_rejected, validation, mapping and not_found are answers about the record.",
              query(f'sum by (set, operation, outcome) (rate(integrator_erp_calls_total{{{SETS}, '
                    f'outcome!="ok"}}{RATE}))', "{{set}} {{operation}} {{outcome}}")),
        graph("ERP latency p95 by set and operation", "s",
              "The 95th percentile of the ERP call duration (integrator_erp_call_duration_seconds) "
              "and, of the writes, of the part spent waiting for a write seat "
              "(integrator_erp_write_seat_wait_seconds: the set's write_concurrency at work).",
              query("histogram_quantile(0.95, sum by (le, set, operation) (rate("
                    f"integrator_erp_call_duration_seconds_bucket{{{SETS}}}{RATE})))",
                    "{{set}} {{operation}}"),
              query("histogram_quantile(0.95, sum by (le, set) (rate("
                    f"integrator_erp_write_seat_wait_seconds_bucket{{{SETS}}}{RATE})))",
                    "{{set}} waiting for a write seat", "B")),
        circuit,
        graph("Write queue and writes in flight", "short",
              "ERP writes waiting for a seat (settings.write_queue bounds them) and writes in "
              "progress (at most settings.write_concurrency), per set, summed over the replicas.",
              query(f"sum by (set) (integrator_erp_write_queue_depth{{{SETS}}})", "{{set}} waiting"),
              query(f"sum by (set) (integrator_erp_writes_in_flight{{{SETS}}})", "{{set}} in flight")),
        graph("Commit uncertain and reconciliations", "short",
              "Writes whose outcome is unknown (ERP_COMMIT_UNCERTAIN: sent, no answer) and records "
              "a later retry reconciled by finding the earlier write in the ERP database.",
              query(f'sum by (set, operation) (increase(integrator_erp_calls_total{{{SETS}, '
                    f'outcome="erp_commit_uncertain"}}{RATE}))', "{{set}} {{operation}} uncertain"),
              query(f'sum by (set, entity) (increase(integrator_records_total{{{SETS}, '
                    f'result="reconciled"}}{RATE}))', "{{set}} {{entity}} reconciled"),
              bars=True),
        graph("ERP retries and logins", "ops",
              "Calls sent again because the previous attempt certainly did not leave, and ERP "
              "logins (token requests; one per expiry, not one per call).",
              query(f"sum by (set, operation) (rate(integrator_erp_retries_total{{{SETS}}}{RATE}))",
                    "{{set}} {{operation}} retry"),
              query(f"sum by (set) (rate(integrator_erp_logins_total{{{SETS}}}{RATE}))",
                    "{{set}} login")),
        graph("Records by set, entity, direction and result", "ops",
              "Accounts, products and documents crossing per second, by result (created, "
              "updated, linked, reconciled, read, or the error code).",
              query("sum by (set, entity, direction, result) (rate("
                    f"integrator_records_total{{{SETS}}}{RATE}))",
                    "{{set}} {{entity}} {{direction}} {{result}}")),
    ]


def sql_row() -> tuple[dash.Row, list[Panel]]:
    return dash.Row("Read-only SQL"), [
        graph("SQL latency p95 by set and statement", "s",
              "The 95th percentile of read-only SQL duration (integrator_sql_duration_seconds), "
              "per set and statement name.",
              query("histogram_quantile(0.95, sum by (le, set, statement) (rate("
                    f"integrator_sql_duration_seconds_bucket{{{SETS}}}{RATE})))",
                    "{{set}} {{statement}}")),
        graph("SQL errors by set and code", "ops", "Read-only SQL failures by error code.",
              query(f"sum by (set, code) (rate(integrator_sql_errors_total{{{SETS}}}{RATE}))",
                    "{{set}} {{code}}")),
        graph("SQL round trips by set", "ops",
              "Statements executed and batches fetched on the ERP databases per second.",
              query(f"sum by (set) (rate(integrator_sql_round_trips_total{{{SETS}}}{RATE}))",
                    "{{set}}")),
        graph("SQL rows by set", "rowsps", "Rows returned by read-only SQL per second.",
              query(f"sum by (set) (rate(integrator_sql_rows_total{{{SETS}}}{RATE}))", "{{set}}")),
    ]


def service_row() -> tuple[dash.Row, list[Panel]]:
    return dash.Row("Service"), [
        stat.Panel().title("Open sessions").datasource(DATASOURCE).height(6).span(4)
        .description("Open sessions in the shared store. One replica reports them (the holder "
                     "of the store-gauge lease), so the sum over the replicas is the count.")
        .with_target(query('sum(integrator_sessions{job=~"$job"})', "sessions")),
        stat.Panel().title("Integration sets").datasource(DATASOURCE).height(6).span(4)
        .description("Integration sets by source: file (configuration) or api (pushed by the CRM); "
                     "reported by one replica, like the sessions.")
        .with_target(query('sum by (source) (integrator_sets{job=~"$job"})', "{{source}}")),
        stat.Panel().title("Replicas scraped").datasource(DATASOURCE).height(6).span(4)
        .description("Scrape targets of the job that answer (Prometheus' up).")
        .with_target(query('sum(up{job=~"$job"})', "up")),
        graph("Readiness answers", "reqps",
              "/health/ready answers per replica: 503 means the replica is out of the load "
              "balancer because the shared store (Redis) does not answer.",
              query(f'sum by (instance, status) (rate(integrator_http_requests_total{{{TARGET}, '
                    f'route="/health/ready"}}{RATE}))', "{{instance}} {{status}}"), width=12),
        graph("CPU per replica", "short",
              "CPU seconds per second (cores) of each replica: its process, or the sum of its "
              "worker processes when it runs several (integrator serve --workers N).",
              query(f"sum by (instance) (rate(process_cpu_seconds_total{{{TARGET}}}{RATE}))",
                    "{{instance}}"), width=6),
        graph("Memory per replica", "bytes",
              "Resident memory of each replica (the sum of its workers' when it runs several; "
              "the container limit is 512 MiB).",
              query(f"sum by (instance) (process_resident_memory_bytes{{{TARGET}}})",
                    "{{instance}}"), width=6),
        graph("Session copy serving", "short",
              "On Redis: 1 while a replica answers the sessions it holds from its own copy (kept "
              "true by Redis' invalidations), 0 while every request reads its session from Redis "
              "(alert IntegratorStoreCacheOff; docs/operations.md, Sessions kept on each replica). "
              "The lowest of a replica's workers.",
              query(f"min by (instance) (integrator_store_cache_serving{{{TARGET}}})",
                    "{{instance}}"), width=6),
        graph("Session copy size", "short",
              "Sessions and set versions held in each replica's copy (the sum of its workers'; "
              "at most 8,192 a process).",
              query(f"sum by (instance) (integrator_store_cache_values{{{TARGET}}})",
                    "{{instance}}"), width=6),
    ]


def variables() -> list[dash.DatasourceVariable | dash.QueryVariable]:
    def label_values(name: str, label: str, source: str) -> dash.QueryVariable:
        return (dash.QueryVariable(name).label(label).datasource(DATASOURCE)
                .query(source).refresh(VariableRefresh.ON_TIME_RANGE_CHANGED)
                .sort(VariableSort.ALPHABETICAL_ASC).multi(True).include_all(True).all_value(".*"))

    return [
        dash.DatasourceVariable("datasource").label("Data source").type("prometheus"),
        label_values("job", "Job", "label_values(integrator_build_info, job)"),
        label_values("instance", "Instance", 'label_values(integrator_build_info{job=~"$job"}, instance)'),
        label_values("set", "Integration set",
                     'label_values(integrator_erp_calls_total{job=~"$job"}, set)'),
    ]


def build() -> dash.Dashboard:
    board = (dash.Dashboard("crm-integrator").uid(UID).tags(["crm-integrator"])
             .description("Logo CRM <-> Logo Tiger/Go/Netsis integration service: HTTP API, ERP "
                          "gateways, read-only SQL and the process (docs/operations.md).")
             .editable().timezone("browser").refresh("30s").time("now-6h", "now")
             .tooltip(DashboardCursorSync.CROSSHAIR))
    for variable in variables():
        board = board.with_variable(variable)
    ids = iter(range(1, 100))
    for row, panels in (http_row(), erp_row(), sql_row(), service_row()):
        board = board.with_row(row.id(next(ids)))
        for panel in panels:
            board = board.with_panel(panel.id(next(ids)))
    return board


def render() -> str:
    """The dashboard's JSON, as committed."""
    return json.dumps(build().build(), cls=JSONEncoder, indent=2, ensure_ascii=False,
                      sort_keys=True) + "\n"


if __name__ == "__main__":
    OUTPUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUTPUT}")
