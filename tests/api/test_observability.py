"""Request ids, metrics, health (N3, N4) and the error body (N1, SPEC §5)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from aiohttp import web
from lxml import etree

from integrator import errors
from integrator.app import init_app
from integrator.metrics import Metrics
from tests.fixtures.common import AUTH, open_session, service_config, tiger_set


async def test_request_id_is_echoed_or_generated(client: Any) -> None:
    response = await client.get("/health/live", headers={"X-Request-Id": "crm-abc.123"})
    assert response.headers["X-Request-Id"] == "crm-abc.123"
    response = await client.get("/health/live", headers={"X-Request-Id": "bad id <script>"})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-Id"])
    response = await client.get("/v1/sets/NOPE", headers={**AUTH, "X-Request-Id": "r-1"})
    assert etree.fromstring(await response.read()).get("requestId") == "r-1"


async def test_metrics_by_route_template(client: Any) -> None:
    for code in ("A", "B", "C"):
        await client.get(f"/v1/sets/{code}", headers=AUTH)
    await client.get("/v1/sets/TIGER-TEST", headers=AUTH)
    text = await (await client.get("/metrics")).text()
    assert 'integrator_http_requests_total{method="GET",route="/v1/sets/{code}",status="404"} 3.0' in text
    assert 'integrator_http_requests_total{method="GET",route="/v1/sets/{code}",status="200"} 1.0' in text
    bucket = ('integrator_http_request_duration_seconds_bucket'
              '{le="0.005",method="GET",route="/v1/sets/{code}"}')
    assert bucket in text
    assert "integrator_build_info{version=" in text
    assert 'integrator_sets{source="file"} 2.0' in text
    assert "integrator_sessions 0.0" in text
    assert "integrator_store_cache_" not in text  # the embedded store keeps no copy
    assert "/v1/sets/A" not in text  # no unbounded labels


async def test_ready_reports_checks(client: Any) -> None:
    root = etree.fromstring(await (await client.get("/health/ready")).read())
    assert root.get("status") == "ok"
    assert {c.get("name"): c.get("status") for c in root} == {"config": "ok", "store": "ok"}


def test_every_error_code_has_status_and_retry_flag() -> None:
    spec = {"BAD_XML": 400, "VALIDATION": 400, "UNAUTHENTICATED": 401, "FORBIDDEN": 403,
            "NOT_FOUND": 404, "SESSION_EXPIRED": 401, "SET_MISMATCH": 409, "QUOTE_LOCKED": 409,
            "SQL_REJECTED": 400, "MAPPING": 422, "ERP_REJECTED": 422, "STOCK_BLOCKED": 409,
            "RISK_BLOCKED": 409, "ERP_UNAVAILABLE": 503, "ERP_TIMEOUT": 504,
            "ERP_COMMIT_UNCERTAIN": 504, "DB_UNAVAILABLE": 503, "INTERNAL": 500,
            "METHOD_NOT_ALLOWED": 405, "UNSUPPORTED_MEDIA_TYPE": 415}
    by_code = {cls.code: cls for cls in errors.ALL_ERRORS}
    for code, status in spec.items():
        assert by_code[code].status == status, code
    retryable = {c for c, cls in by_code.items() if cls.retryable}
    assert retryable == {"ERP_UNAVAILABLE", "ERP_TIMEOUT", "ERP_COMMIT_UNCERTAIN", "DB_UNAVAILABLE",
                         "STORE_UNAVAILABLE"}


@pytest.mark.parametrize("cls", errors.ALL_ERRORS)
async def test_error_body_for_every_code(aiohttp_client: Any, cls: type[errors.IntegratorError]) -> None:
    app = init_app(service_config(sets=[tiger_set()]))

    async def fail(request: web.Request) -> web.Response:
        raise cls("it went wrong: ş", details=[errors.Detail("from the ERP", "erp", path="a.b", line=3)])

    app.router.add_get("/v1/fail", fail)
    client = await aiohttp_client(app)
    response = await client.get("/v1/fail", headers={**AUTH, "X-Request-Id": "rid-9"})
    assert response.status == cls.status
    assert response.content_type == "application/xml"
    root = etree.fromstring(await response.read())
    assert root.tag == "Error"
    assert root.attrib == {"code": cls.code, "status": str(cls.status),
                           "retryable": "true" if cls.retryable else "false", "requestId": "rid-9"}
    assert root.findtext("Message") == "it went wrong: ş"
    detail = root.find("Detail")
    assert detail.attrib == {"source": "erp", "path": "a.b", "line": "3"}


async def test_unknown_exception_is_internal_without_traceback(aiohttp_client: Any) -> None:
    from structlog.testing import capture_logs

    app = init_app(service_config())

    async def boom(request: web.Request) -> web.Response:
        raise ZeroDivisionError("secret internals")

    app.router.add_get("/v1/boom", boom)
    client = await aiohttp_client(app)
    with capture_logs() as captured:
        response = await client.get("/v1/boom", headers=AUTH)
    text = await response.text()
    assert response.status == 500
    assert etree.fromstring(text.encode()).get("code") == "INTERNAL"
    assert "ZeroDivisionError" not in text and "Traceback" not in text and "secret internals" not in text
    logged = [e for e in captured if e["event"] == "unhandled_exception"]
    assert logged and logged[0].get("exc_info")  # the traceback goes to the log


async def test_unknown_route_and_method(client: Any) -> None:
    response = await client.get("/v1/nothing-here", headers=AUTH)
    assert response.status == 404
    assert etree.fromstring(await response.read()).get("code") == "NOT_FOUND"
    response = await client.post("/v1/sets", headers=AUTH)
    assert response.status == 405
    assert etree.fromstring(await response.read()).get("code") == "METHOD_NOT_ALLOWED"


async def test_openapi_documents_every_route(client: Any) -> None:
    spec = yaml.safe_load(await (await client.get("/v1/openapi.yaml")).text())
    documented = {(path, method.upper()) for path, item in spec["paths"].items()
                  for method in item if method in ("get", "put", "post", "delete", "patch")}
    registered = set()
    for route in client.app.router.routes():
        if route.method in ("HEAD", "*"):
            continue
        registered.add((route.resource.canonical, route.method))
    assert registered - documented == set()
    assert documented - registered == set()


async def test_access_lines_name_set_and_user_and_keep_probes_quiet(client: Any) -> None:
    """Issue 14 item 5: the access line of a session route names the set and user it opened or
    switched to; probes and scrapes log at debug while they succeed."""
    from structlog.testing import capture_logs

    with capture_logs() as captured:
        for path in ("/health/live", "/health/ready", "/metrics"):
            assert (await client.get(path)).status == 200
        session = await open_session(client, "ayse")
        switched = await client.put(f"/v1/sessions/{session}/set", headers=AUTH,
                                    data=b'<SwitchSet set="NETSIS-TEST"/>')
        assert switched.status == 200
        await client.get("/v1/session", headers={**AUTH, "X-Session": session})
        refused = await client.post("/v1/sessions", headers=AUTH, data=b'<OpenSession user="x"/>')
        assert refused.status >= 400
    access = {(e["method"], e["route"], e["status"]): e for e in captured if e["event"] == "request"}
    for path in ("/health/live", "/health/ready", "/metrics"):
        assert access[("GET", path, 200)]["log_level"] == "debug"
    acted = {key: (line["set"], line["user"]) for key, line in access.items()
             if key[1].startswith("/v1/session")}
    assert acted == {("POST", "/v1/sessions", 201): ("TIGER-TEST", "ayse"),
                     ("PUT", "/v1/sessions/{id}/set", 200): ("NETSIS-TEST", "ayse"),
                     ("GET", "/v1/session", 200): ("NETSIS-TEST", "ayse"),
                     ("POST", "/v1/sessions", refused.status): (None, None)}
    assert all(line["log_level"] == "info" for key, line in access.items()
               if key[1].startswith("/v1/"))


def test_generated_request_ids_are_unique_across_forked_workers() -> None:
    """Request ids are a per-process random prefix and a counter (issue 15): a worker forked by
    `serve --workers N` after the import draws its own prefix."""
    import multiprocessing
    import re

    from integrator.api.middlewares import new_request_id

    ids = [new_request_id() for _ in range(3)]
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids) and len(set(ids)) == 3
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    children = [context.Process(target=lambda: queue.put(new_request_id())) for _ in range(2)]
    for child in children:
        child.start()
    theirs = [queue.get(timeout=30) for _ in children]
    for child in children:
        child.join(30)
    prefixes = {i[:16] for i in [*ids, *theirs]}
    assert len(prefixes) == 3, prefixes  # this process and each forked child


async def test_methods_a_client_makes_up_add_no_series_n3(client: Any) -> None:
    """The method label is the client's and comes before authentication: one it makes up is
    counted as OTHER (with aiohttp's C parser it is refused before the service sees it; with its
    Python parser it reaches the metrics), so no client can grow the series without bound."""
    for n in range(5):
        await client.request(f"XMADEUP{n}", "/health/live")
    text = await (await client.get("/metrics")).text()
    assert "XMADEUP" not in text
    metrics = Metrics()
    for n in range(50):
        metrics.observe_request(f"XMADEUP{n}", "/health/live", 405, 0.001)
    metrics.observe_request("GET", "/health/live", 200, 0.001)
    rendered = metrics.render().decode()
    assert 'method="OTHER",route="/health/live",status="405"} 50.0' in rendered
    assert 'method="GET",route="/health/live",status="200"} 1.0' in rendered
    assert "XMADEUP" not in rendered and len(metrics._request_children) == 2
