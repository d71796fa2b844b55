"""No secret ever reaches a log line or a response (N3, SPEC §2)."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import structlog
from aiohttp.test_utils import TestClient
from pydantic import SecretStr
from structlog.testing import capture_logs

from integrator import logs
from tests.fixtures.common import API_KEY, AUTH, open_session
from tests.fixtures.setxml import SECRETS as SET_SECRETS
from tests.fixtures.setxml import body

CONFIG_SECRETS = ("sec-code-tiger-71c2", "db-pw-tiger-55", "logo-pw-shared-19", "netsis-db-pw-82",
                  "ayse-erp-pw-33")
ALL = (*CONFIG_SECRETS, *SET_SECRETS, API_KEY, "attacker-token-123")


def redacting_processors() -> list[Any]:
    # the production chain up to (not including) the renderer
    return [p for p in logs.shared_processors() if p is not structlog.contextvars.merge_contextvars]


async def exercise(client: TestClient[Any, Any]) -> list[bytes]:
    """Everything a CRM would do, plus failures; returns every response body."""
    bodies = []
    for method, path, data, headers in [
        ("PUT", "/v1/sets/NETSIS-ANK", body().encode(), AUTH),
        ("GET", "/v1/sets/NETSIS-ANK", None, AUTH),
        ("GET", "/v1/sets/TIGER-TEST", None, AUTH),
        ("GET", "/v1/sets/NETSIS-TEST", None, AUTH),
        ("GET", "/v1/sets", None, AUTH),
        ("PUT", "/v1/sets/NETSIS-ANK", body().replace('erpUser="AYSE" ', "").encode(), AUTH),
        ("GET", "/v1/sets", None, {"Authorization": "Bearer attacker-token-123"}),
        ("POST", "/v1/sessions", b'<OpenSession user="ayse" set="NETSIS-ANK"/>', AUTH),
        ("GET", "/metrics", None, {}),
        ("GET", "/v1/openapi.yaml", None, {}),
    ]:
        response = await client.request(method, path, data=data, headers=headers)
        bodies.append(await response.read())
    session = await open_session(client, "ayse", "NETSIS-TEST")
    response = await client.get("/v1/session", headers={**AUTH, "X-Session": session})
    bodies.append(await response.read())
    return bodies


async def test_no_secret_in_captured_logs_or_responses(client: TestClient[Any, Any]) -> None:
    with capture_logs(processors=redacting_processors()) as captured:
        bodies = await exercise(client)
        # code that logs carelessly is still covered by the redaction processor
        log = structlog.get_logger("test")
        log.info("careless", password="ayse-erp-pw-33", dsn="DRIVER=x;PWD=db-pw-tiger-55",
                 detail="<securityCode>sec-code-tiger-71c2</securityCode>",
                 header=f"Bearer {API_KEY}", form="grant_type=password&password=netsis-db-pw-82",
                 nested={"connection_string": "x", "list": [SecretStr("logo-pw-shared-19")]},
                 url="redis://:ro-pw-77@host:6379/0", attr='erpPassword="ayse-pw-99"')
        try:
            raise RuntimeError("connect failed: PWD=temelset-pw-41;")
        except RuntimeError:
            log.exception("failed")
    assert captured, "nothing was logged"
    text = json.dumps(captured, default=str) + "".join(b.decode() for b in bodies)
    leaked = [s for s in ALL if s in text]
    assert leaked == []


async def test_no_secret_in_rendered_json_log_lines(client: TestClient[Any, Any]) -> None:
    stream = io.StringIO()
    logs.configure("DEBUG", "json", stream=stream)
    try:
        await exercise(client)
        structlog.get_logger("x").warning("oops", token="abc", password=SecretStr("logo-pw-shared-19"),
                                          sql="PWD=db-pw-tiger-55;")
    finally:
        structlog.reset_defaults()
        logging.getLogger().handlers.clear()
    lines = stream.getvalue().splitlines()
    assert len(lines) > 10
    for line in lines:
        json.loads(line)  # every line is JSON
    assert [s for s in ALL if s in stream.getvalue()] == []
    # the access log line carries request id, route, status, caller
    access = [json.loads(line) for line in lines if '"event": "request"' in line]
    assert access and all({"request_id", "route", "status", "caller"} <= set(a) for a in access)
