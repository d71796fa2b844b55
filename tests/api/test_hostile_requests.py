"""Hostile requests (issue 13; N1, N2, F4): each probe of the attacker's report with its exact answer.

Every answer is a valid XML error body with a stable code, the HTTP status, ``retryable`` and a
request id; nothing depends on files the request names, and the process keeps serving.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from lxml import etree
from structlog.testing import capture_logs

from integrator.api.server import ServiceRunner
from integrator.app import init_app
from tests.fixtures.common import AUTH, open_session, service_config, tiger_set
from tests.fixtures.ports import free_port_block

XML = {"Content-Type": "application/xml"}


def error_of(raw: bytes) -> etree._Element:
    error = etree.fromstring(raw)
    assert error.tag == "Error"
    assert error.get("requestId")
    return error


async def answer(response: Any) -> tuple[int, str, str, list[str]]:
    """(status, code, message, detail texts) of an XML error answer."""
    assert response.headers["Content-Type"].startswith("application/xml")
    error = error_of(await response.read())
    assert error.get("status") == str(response.status)
    assert response.headers["X-Request-Id"] == error.get("requestId")
    return (response.status, str(error.get("code")), str(error.findtext("Message")),
            [d.text or "" for d in error.iter("Detail")])


# -- 1. DOCTYPE with a local SYSTEM id ---------------------------------------------------------
DOCTYPE_ANSWER = (400, "BAD_XML", "DOCTYPE declarations are not allowed", ["DOCTYPE"])


def doctype(system_id: str) -> bytes:
    return f'<!DOCTYPE Account SYSTEM "{system_id}"><Account crmId="X"/>'.encode()


async def test_a_doctype_never_touches_the_filesystem_n1(client: TestClient[Any, Any],
                                                         tmp_path: Path) -> None:
    readable = tmp_path / "readable.txt"
    readable.write_text("<!ENTITY x 'y'>")
    for system_id in ("/etc/passwd", str(readable), str(tmp_path / "missing.dtd"),
                      f"file://{readable}", "/dev/zero"):
        for body in (doctype(system_id),
                     b'<?xml version="1.0"?>\n<!-- c -->\n<?pi x?>\n' + doctype(system_id),
                     f'<!DOCTYPE Account PUBLIC "-//x//y" "{system_id}"><Account/>'.encode()):
            response = await client.post("/v1/sessions", data=body, headers=AUTH)
            status, code, message, details = await answer(response)
            assert (status, code, message, details) == DOCTYPE_ANSWER, (system_id, body)


async def test_a_doctype_naming_a_fifo_does_not_block_the_loop_n1(client: TestClient[Any, Any],
                                                                  tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    opened_by_reader = threading.Event()
    stop = threading.Event()

    def watchdog() -> None:
        # a reader of the FIFO would block until a writer comes: be that writer (so a regression
        # fails instead of hanging), and remember that somebody opened the FIFO
        deadline = time.monotonic() + 10
        while not stop.is_set() and time.monotonic() < deadline:
            try:
                fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as exc:
                if exc.errno != errno.ENXIO:  # ENXIO: no reader yet
                    raise
                time.sleep(0.01)
                continue
            opened_by_reader.set()
            os.write(fd, b"<!ENTITY x 'y'>")
            os.close(fd)
            return

    thread = threading.Thread(target=watchdog, daemon=True)
    thread.start()
    try:
        hostile = asyncio.ensure_future(
            client.post("/v1/sessions", data=doctype(str(fifo)), headers=AUTH))
        await asyncio.sleep(0)  # the hostile request is on its way
        live = await client.get("/health/live")  # answered beside it
        assert live.status == 200
        assert await answer(await hostile) == DOCTYPE_ANSWER
    finally:
        stop.set()
        thread.join(timeout=5)
    assert not opened_by_reader.is_set(), "the FIFO was opened"


# -- 2. control characters in a path or query --------------------------------------------------
CONTROL_CASES = [
    ("/v1/accounts/%12", 400, "VALIDATION", "ref '\\x12' is not a LOGICALREF (a positive integer)"),
    ("/v1/products/%1B", 400, "VALIDATION", "ref '\\x1b' is not a LOGICALREF (a positive integer)"),
    ("/v1/products/%00/stock", 400, "VALIDATION",
     "ref '\\x00' is not a LOGICALREF (a positive integer)"),
    ("/v1/accounts?limit=%01", 400, "VALIDATION", "limit must be an integer from 1 to 100000"),
    ("/v1/accounts?cursor=%01", 400, "VALIDATION",
     "the cursor is not valid: it is not a cursor of this service; start again without a cursor"),
    ("/v1/products?%00=1", 400, "VALIDATION", "unknown parameter \ufffd"),
    ("/v1/nonexistent/%01", 404, "NOT_FOUND", "no route for GET /v1/nonexistent/\ufffd"),
    ("/v1/nonexistent/%ED%A0%80", 404, "NOT_FOUND", "no route for GET /v1/nonexistent/%ED%A0%80"),
    ("/v1/accounts?limit=%ED%A0%80", 400, "VALIDATION", "limit must be an integer from 1 to 100000"),
    ("/v1/sets/%01", 404, "NOT_FOUND", "integration set '\\x01' does not exist"),
]


@pytest.mark.parametrize(("path", "status", "code", "message"), CONTROL_CASES)
async def test_control_characters_answer_an_xml_error_n1(client: TestClient[Any, Any], path: str,
                                                         status: int, code: str,
                                                         message: str) -> None:
    session = await open_session(client, "ayse", "TIGER-TEST")
    response = await client.get(path, headers={**AUTH, "X-Session": session})
    got = await answer(response)
    assert got[:3] == (status, code, message)


# -- 4. encodings the parser would not decode as declared --------------------------------------
UTF16 = (400, "BAD_XML", "the document is UTF-16 or UTF-32 (or holds NUL bytes); send UTF-8", [])
ENCODING_CASES = [
    ('<?xml version="1.0" encoding="UTF-16"?><OpenSession user="ayse"/>'.encode("utf-16"), UTF16),
    ('<OpenSession user="ayse"/>'.encode("utf-16"), UTF16),
    ('<OpenSession user="ayse"/>'.encode("utf-16-le"), UTF16),
    ('<OpenSession user="ayse"/>'.encode("utf-32"), UTF16),
    (b'<OpenSession user="ay\x00se"/>', UTF16),
    (b'<?xml version="1.0"' + b" " * 250 + b'encoding="ISO-8859-1"?><OpenSession user="ayse"/>',
     (400, "BAD_XML", "encoding 'ISO-8859-1' is not accepted; send UTF-8", [])),
    (b'<?xml version="1.0"\n' + b"\n" * 500 + b'encoding="UTF-7"?><OpenSession user="ayse"/>',
     (400, "BAD_XML", "encoding 'UTF-7' is not accepted; send UTF-8", [])),
    (b'\xef\xbb\xbf<?xml version="1.0" encoding="ISO-8859-1"?><OpenSession user="ayse"/>',
     (400, "BAD_XML", "encoding 'ISO-8859-1' is not accepted; send UTF-8", [])),
    (b'\xef\xbb\xbf<?xml version="1.0" encoding="ISO-8859-9"?><OpenSession user="ay\xfee"/>',
     (400, "BAD_XML", "the document starts with a UTF-8 byte-order mark but declares "
                      "'ISO-8859-9'; send UTF-8", [])),
]


@pytest.mark.parametrize(("body", "expected"), ENCODING_CASES)
async def test_encodings_are_decided_as_the_parser_decodes_n1(
        client: TestClient[Any, Any], body: bytes,
        expected: tuple[int, str, str, list[str]]) -> None:
    response = await client.post("/v1/sessions", data=body, headers=AUTH)
    assert await answer(response) == expected


async def test_accepted_encodings_still_read_correctly_n1(client: TestClient[Any, Any]) -> None:
    for body in ('<?xml version="1.0" encoding="ISO-8859-9"?><OpenSession user="ayşe"/>'
                 .encode("iso-8859-9"),
                 '<?xml version="1.0" encoding="windows-1254"?><OpenSession user="ayşe"/>'
                 .encode("cp1254"),
                 b'\xef\xbb\xbf' + '<OpenSession user="ayşe"/>'.encode(),
                 '<OpenSession user="ayşe"/>'.encode()):
        response = await client.post("/v1/sessions", data=body, headers=AUTH)
        status, code, message, _ = await answer(response)
        # read as sent: the user is simply not permitted
        assert (status, code, message) == (
            403, "FORBIDDEN", "user 'ayşe' is not permitted on any integration set")


# -- 5. HTTP hygiene: content types, 405, requests aiohttp refuses itself ----------------------
@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded",
                                          "text/plain; charset=utf-8", "multipart/form-data",
                                          "application/xml-dtd", "image/svg"])
async def test_bodies_not_declared_as_xml_are_415_n1(client: TestClient[Any, Any],
                                                     content_type: str) -> None:
    media = content_type.split(";")[0]
    for method, path in (("POST", "/v1/sessions"), ("PUT", "/v1/sets/HOSTILE")):
        response = await client.request(method, path, data=b'<OpenSession user="ayse"/>',
                                        headers={**AUTH, "Content-Type": content_type})
        assert await answer(response) == (
            415, "UNSUPPORTED_MEDIA_TYPE",
            f"the body is declared as '{media}'; send XML (Content-Type: application/xml)", [])


@pytest.mark.parametrize("content_type", ["application/xml", "text/xml; charset=utf-8",
                                          "application/vnd.crm+xml", "APPLICATION/XML",
                                          "application/octet-stream", None])
async def test_xml_and_untyped_bodies_are_read_n1(client: TestClient[Any, Any],
                                                  content_type: str | None) -> None:
    headers = {**AUTH, **({"Content-Type": content_type} if content_type else {})}
    body = b'<OpenSession user="ayse" set="TIGER-TEST"/>'
    if content_type is None:
        # aiohttp's client always names a type for a body; skip it to send none at all
        headers["Content-Type"] = ""
        response = await client.post("/v1/sessions", data=body, headers=headers,
                                     skip_auto_headers=["Content-Type"])
    else:
        response = await client.post("/v1/sessions", data=body, headers=headers)
    assert response.status == 201, await response.text()


async def test_405_names_the_allowed_methods_n1(client: TestClient[Any, Any]) -> None:
    for method, path, allowed in (("DELETE", "/v1/sessions", {"POST"}),
                                  ("PATCH", "/v1/sets/TIGER-TEST", {"GET", "PUT", "DELETE"}),
                                  ("GET", "/v1/queries/x", {"POST"})):
        response = await client.request(method, path, headers=AUTH)
        status, code, _message, _ = await answer(response)
        assert (status, code) == (405, "METHOD_NOT_ALLOWED")
        assert {m.strip() for m in response.headers["Allow"].split(",")} >= allowed


@pytest.fixture
async def served() -> AsyncIterator[int]:
    """The service as ``integrator serve`` runs it (``ServiceRunner``) on a free port."""
    runner = ServiceRunner(init_app(service_config(sets=[tiger_set()])), access_log=None)
    await runner.setup()
    port = free_port_block(1)
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield port
    await runner.cleanup()


async def raw_exchange(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    await writer.drain()
    raw = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


@pytest.mark.parametrize(("request_bytes", "reason"), [
    (b"GET /v1/" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
     "Got more than 8190 bytes when reading"),
    (b"GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n",
     "Got more than 8190 bytes when reading"),
    (b"GET /v1/\x01 HTTP/1.1\r\nHost: x\r\n\r\n", "Invalid char in url path"),
])
async def test_requests_aiohttp_refuses_answer_xml_and_log_a_client_error_n1(
        served: int, caplog: pytest.LogCaptureFixture, request_bytes: bytes, reason: str) -> None:
    caplog.set_level(logging.DEBUG, logger="aiohttp")
    with capture_logs() as captured:
        status, headers, body = await raw_exchange(served, request_bytes)
    assert status == 400
    assert headers["Content-Type"] == "application/xml; charset=utf-8"
    error = error_of(body)
    assert (error.get("code"), error.get("status"), error.get("retryable")) == (
        "VALIDATION", "400", "false")
    assert error.findtext("Message") == f"the HTTP request could not be read: {reason}"
    assert headers["X-Request-Id"] == error.get("requestId")
    assert b"aaaa" not in body and b"bbbb" not in body  # the request is not echoed
    refused = [e for e in captured if e["event"] == "http_request_refused"]
    assert [(e["log_level"], e["status"], e["reason"]) for e in refused] == [("warning", 400, reason)]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    # the next connection is served as usual
    status, _, body = await raw_exchange(served, b"GET /health/live HTTP/1.1\r\nHost: x\r\n"
                                                 b"Connection: close\r\n\r\n")
    assert status == 200


# -- 6. SQL in a pushed set is checked when the set is pushed -----------------------------------
def with_sql(sql_xml: str) -> bytes:
    from tests.fixtures.setxml import body

    return body().replace("</IntegrationSet>", f"{sql_xml}</IntegrationSet>").encode()


ATTACK_QUERIES = """<Sql>
  <StockCheck>SELECT 1 AS OK DELETE FROM TBLSTSABIT</StockCheck>
  <Queries>
    <Entry key="fine"><Sql>SELECT CARI_KOD FROM TBLCASABIT WHERE CARI_KOD = :code</Sql></Entry>
    <Entry key="drop"><Sql>SELECT 1 AS X; DROP TABLE TBLCASABIT</Sql></Entry>
    <Entry key="exec"><Sql>EXEC xp_cmdshell 'whoami'</Sql></Entry>
    <Entry key="range"><Sql>SELECT 1 AS X FROM TBLCAHAR WHERE TARIH BETWEEN :from AND :to</Sql></Entry>
  </Queries>
</Sql>"""


async def test_a_pushed_set_with_attack_sql_is_sql_rejected_and_not_stored_f4(
        client: TestClient[Any, Any]) -> None:
    response = await client.put("/v1/sets/NETSIS-ANK", data=with_sql(ATTACK_QUERIES), headers=AUTH)
    status, code, message, _ = await answer(response)
    assert (status, code, message) == (
        400, "SQL_REJECTED",
        "the integration set has statements that are not one read-only SELECT; nothing was stored")
    error = error_of(await response.read())
    assert [(d.get("source"), d.get("path"), d.text) for d in error.iter("Detail")] == [
        ("sql", "sql.stock_check",
         "DELETE is not allowed: only one read-only SELECT may run (line 1)"),
        ("sql", "sql.queries.drop.sql",
         "more than one statement: a ';' separates statements, and only one read-only SELECT "
         "may run"),
        ("sql", "sql.queries.exec.sql",
         "EXEC runs a procedure or dynamic SQL, which may write; only a read-only SELECT may run"),
    ]
    assert (await client.get("/v1/sets/NETSIS-ANK", headers=AUTH)).status == 404
    # a stored set keeps its version when a change with bad SQL is refused
    fine = with_sql(ATTACK_QUERIES.replace("DELETE FROM TBLSTSABIT", "FROM TBLSTSABIT")
                    .replace("; DROP TABLE TBLCASABIT", "").replace(
                        "EXEC xp_cmdshell 'whoami'", "SELECT 1 AS X"))
    assert (await client.put("/v1/sets/NETSIS-ANK", data=fine, headers=AUTH)).status == 201
    refused = await client.put("/v1/sets/NETSIS-ANK", data=with_sql(ATTACK_QUERIES), headers=AUTH)
    assert refused.status == 400
    stored = etree.fromstring(await (await client.get("/v1/sets/NETSIS-ANK", headers=AUTH)).read())
    assert stored.get("version") == "1"
    assert "DROP" not in etree.tostring(stored, encoding="unicode")


async def test_bad_sql_beside_a_model_problem_is_validation_naming_both_f4(
        client: TestClient[Any, Any]) -> None:
    bad = with_sql(ATTACK_QUERIES).replace(b"<Converter>upper_tr</Converter>",
                                           b"<Converter>no_such_converter</Converter>")
    response = await client.put("/v1/sets/NETSIS-ANK", data=bad, headers=AUTH)
    status, code, _, details = await answer(response)
    assert (status, code) == (400, "VALIDATION")
    error = error_of(await response.read())
    sources = [(d.get("source"), d.get("path")) for d in error.iter("Detail")]
    assert sources[0][0] == "input" and "no_such_converter" in details[0]
    assert sources[1:] == [("sql", "sql.stock_check"), ("sql", "sql.queries.drop.sql"),
                           ("sql", "sql.queries.exec.sql")]


# -- 8. a session belongs to the API caller that opened it --------------------------------------
async def test_another_caller_gets_the_unknown_session_answer_n2(
        make_client: Any) -> None:
    from integrator.api.middlewares import hash_key
    from tests.fixtures.common import API_KEY

    config = service_config(sets=[tiger_set()], api_keys=[
        {"name": "crm-core", "sha256": hash_key(API_KEY)},
        {"name": "other-system", "sha256": hash_key("other-key-8d2f1e")}])
    client: TestClient[Any, Any] = await make_client(config)
    mine = await open_session(client, "ayse", "TIGER-TEST")
    unknown = "A" * 43  # well-formed, never opened
    other = {"Authorization": "Bearer other-key-8d2f1e"}

    async def probe(session: str, headers: dict[str, str]) -> list[tuple[int, str, str, list[str]]]:
        answers = []
        for method, path, data in (
                ("GET", "/v1/session", None), ("GET", "/v1/accounts/1", None),
                ("PUT", f"/v1/sessions/{session}/set", b'<SwitchSet set="TIGER-TEST"/>'),
                ("DELETE", f"/v1/sessions/{session}", None)):
            response = await client.request(method, path, data=data,
                                            headers={**headers, "X-Session": session})
            answers.append(await answer(response))
        return answers

    theirs = await probe(mine, other)
    assert theirs == await probe(unknown, other) == await probe(unknown, AUTH)
    assert [a[:2] for a in theirs] == [(401, "SESSION_EXPIRED")] * 3 + [(404, "NOT_FOUND")]
    # the owner's session is untouched by all that (not switched, not closed)
    response = await client.get("/v1/session", headers={**AUTH, "X-Session": mine})
    assert response.status == 200
    # a session stored before sessions were bound is bound to its first caller
    from integrator.api.keys import STORE
    from integrator.sessions.manager import _key

    legacy = "L" * 43
    await client.app[STORE].set(_key(legacy), b'{"user": "ayse", "set": "TIGER-TEST"}', ttl_s=60)
    assert (await client.get("/v1/session", headers={**other, "X-Session": legacy})).status == 200
    response = await client.get("/v1/session", headers={**AUTH, "X-Session": legacy})
    assert (await answer(response))[:2] == (401, "SESSION_EXPIRED")


# -- found by the schemathesis run: digits int() does not read --------------------------------
@pytest.mark.parametrize("path", ["/v1/accounts/%C2%B2", "/v1/products/%C2%B2/stock",
                                  "/v1/accounts/%D9%A3", "/v1/accounts?limit=%C2%B2",
                                  "/v1/accounts/search?q=a&limit=%C2%B2"])
async def test_unicode_digits_are_bad_values_not_server_errors_n1(client: TestClient[Any, Any],
                                                                  path: str) -> None:
    session = await open_session(client, "ayse", "TIGER-TEST")
    response = await client.get(path, headers={**AUTH, "X-Session": session})
    status, code, _, _ = await answer(response)
    assert (status, code) == (400, "VALIDATION")
