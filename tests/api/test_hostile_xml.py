"""Hostile XML (N1): every attack is answered 400 BAD_XML or VALIDATION, nothing is fetched or
expanded, and the process keeps serving."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from lxml import etree

from tests.fixtures.common import AUTH, service_config, tiger_set

SECRET_MARKER = "TOP-SECRET-FILE-CONTENT-4711"


@pytest.fixture
async def tripwire(aiohttp_server: Callable[..., Any]) -> TestServer:
    """An HTTP server that counts every hit: an external DTD or entity must never reach it."""
    app = web.Application()
    hits: list[str] = []

    async def any_path(request: web.Request) -> web.Response:
        hits.append(request.path)
        return web.Response(text='<!ENTITY leak "LEAKED">')

    app.router.add_route("*", "/{tail:.*}", any_path)
    server: TestServer = await aiohttp_server(app)
    server.hits = hits  # type: ignore[attr-defined]
    return server


def corpus(secret_file: Path, tripwire_url: str) -> dict[str, bytes]:
    laughs = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    ]
    return {
        "billion_laughs": (
            '<?xml version="1.0"?><!DOCTYPE OpenSession [' + "".join(laughs) + "]>"
            '<OpenSession user="&lol9;"/>').encode(),
        "external_entity_file": (
            f'<?xml version="1.0"?><!DOCTYPE OpenSession [<!ENTITY x SYSTEM "file://{secret_file}">]>'
            '<OpenSession user="&x;"/>').encode(),
        "external_entity_http": (
            f'<?xml version="1.0"?><!DOCTYPE OpenSession [<!ENTITY x SYSTEM "{tripwire_url}/e">]>'
            '<OpenSession user="&x;"/>').encode(),
        "parameter_entity": (
            f'<?xml version="1.0"?><!DOCTYPE OpenSession [<!ENTITY % p SYSTEM "{tripwire_url}/p"> %p;]>'
            '<OpenSession user="&leak;"/>').encode(),
        "external_dtd": (
            f'<?xml version="1.0"?><!DOCTYPE OpenSession SYSTEM "{tripwire_url}/x.dtd">'
            '<OpenSession user="ayse"/>').encode(),
        "deep_10000": ("<OpenSession>" + "<a>" * 10_000 + "</a>" * 10_000 + "</OpenSession>").encode(),
        "deep_over_limit": ('<Quote crmId="Q">' + "<Lines>" * 40 + "</Lines>" * 40 + "</Quote>").encode(),
        "invalid_utf8": b'<?xml version="1.0" encoding="UTF-8"?><OpenSession user="\xc5\x9f\xff\xfe"/>',
        "unaccepted_encoding": b'<?xml version="1.0" encoding="UTF-7"?><OpenSession user="a"/>',
        "wrong_root": b'<Session user="ayse"/>',
        "missing_required_attribute": b'<OpenSession set="TIGER-TEST"/>',
        "not_xml": b"user=ayse&set=TIGER-TEST",
        "empty": b"",
        "truncated": b'<OpenSession user="ayse"',
        "two_roots": b'<OpenSession user="a"/><OpenSession user="b"/>',
    }


@pytest.fixture
async def small_client(make_client: Callable[..., Any]) -> TestClient[Any, Any]:
    cfg = service_config(sets=[tiger_set()], limits={"max_body_bytes": 64 * 1024, "max_xml_depth": 32})
    client: TestClient[Any, Any] = await make_client(cfg)
    return client


@pytest.mark.parametrize("route", ["sessions", "sets"])
async def test_hostile_corpus(small_client: TestClient[Any, Any], tripwire: TestServer,
                              tmp_path: Path, route: str) -> None:
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text(SECRET_MARKER)
    url = str(tripwire.make_url("")).rstrip("/")
    for name, payload in corpus(secret_file, url).items():
        if route == "sessions":
            response = await small_client.post("/v1/sessions", data=payload, headers=AUTH)
        else:
            response = await small_client.put("/v1/sets/HOSTILE", data=payload, headers=AUTH)
        raw = await response.read()
        assert response.status == 400, (name, response.status, raw[:300])
        error = etree.fromstring(raw)
        assert error.tag == "Error", name
        assert error.get("code") in ("BAD_XML", "VALIDATION"), (name, error.get("code"))
        assert error.get("retryable") == "false"
        assert error.get("requestId")
        text = raw.decode()
        assert SECRET_MARKER not in text and "LEAKED" not in text and "lollol" not in text, name
        assert "Traceback" not in text
        # the process is still serving
        assert (await small_client.get("/health/live")).status == 200, name
    assert tripwire.hits == []  # type: ignore[attr-defined]


async def test_body_over_the_limit(small_client: TestClient[Any, Any]) -> None:
    big = b'<OpenSession user="ayse">' + b" " * (70 * 1024) + b"</OpenSession>"
    for headers in (AUTH, {**AUTH, "Transfer-Encoding": "chunked"}):
        if "Transfer-Encoding" in headers:
            async def chunks() -> Any:
                for i in range(0, len(big), 4096):
                    yield big[i:i + 4096]

            response = await small_client.post("/v1/sessions", data=chunks(), headers=AUTH)
        else:
            response = await small_client.post("/v1/sessions", data=big, headers=headers)
        assert response.status == 400
        assert etree.fromstring(await response.read()).get("code") == "BAD_XML"
    assert (await small_client.get("/health/live")).status == 200


async def test_errors_carry_line_numbers(small_client: TestClient[Any, Any]) -> None:
    body = b'<OpenSession\n  user="ayse"\n  set="TIGER-TEST"\n  bogus="1"/>'
    response = await small_client.post("/v1/sessions", data=body, headers=AUTH)
    error = etree.fromstring(await response.read())
    assert error.get("code") == "VALIDATION"
    assert error.find("Detail").get("line") == "4"  # libxml2 reports where the start tag ends
    response = await small_client.post("/v1/sessions", data=b'<OpenSession\n\n user="a" <', headers=AUTH)
    error = etree.fromstring(await response.read())
    assert error.get("code") == "BAD_XML"
    assert error.find("Detail").get("line") == "3"


async def test_iso_8859_9_declared_body_is_read_correctly(small_client: TestClient[Any, Any]) -> None:
    body = '<?xml version="1.0" encoding="ISO-8859-9"?><OpenSession user="ayşe"/>'.encode("iso-8859-9")
    response = await small_client.post("/v1/sessions", data=body, headers=AUTH)
    error = etree.fromstring(await response.read())
    assert response.status == 403  # parsed fine: the user is simply not permitted
    assert "ayşe" in (error.findtext("Message") or "")
