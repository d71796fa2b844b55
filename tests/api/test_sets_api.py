"""PUT/GET/DELETE /v1/sets/{code} (F1, F3, F5, F7, F8): versioned, masked, validated."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pyodbc
import pytest
from aiohttp.test_utils import TestClient
from lxml import etree

from integrator.api.keys import SQL_ENGINE
from tests.fixtures.common import AUTH, open_session
from tests.fixtures.setxml import SECRETS, body


async def put(client: TestClient[Any, Any], code: str, text: str) -> tuple[int, etree._Element]:
    response = await client.put(f"/v1/sets/{code}", data=text.encode(), headers=AUTH)
    return response.status, etree.fromstring(await response.read())


async def test_create_read_update_delete(client: TestClient[Any, Any]) -> None:
    status, saved = await put(client, "NETSIS-ANK", body())
    assert status == 201
    assert saved.tag == "SetSaved" and saved.get("version") == "1" and saved.get("created") == "true"

    response = await client.get("/v1/sets/NETSIS-ANK", headers=AUTH)
    assert response.status == 200
    text = await response.text()
    root = etree.fromstring(text.encode())
    assert root.get("version") == "1" and root.get("source") == "api"
    assert root.get("name") == "Ankara şubesi"
    assert root.find("Users/User").get("erpPassword") == "********"
    for secret in SECRETS:
        assert secret not in text

    status, saved = await put(client, "NETSIS-ANK", body("order"))
    assert status == 200 and saved.get("version") == "2" and saved.get("created") == "false"
    root = etree.fromstring(await (await client.get("/v1/sets/NETSIS-ANK", headers=AUTH)).read())
    assert root.find("Users/User").get("transferType") == "order"

    listed = etree.fromstring(await (await client.get("/v1/sets", headers=AUTH)).read())
    assert {s.get("code"): s.get("source") for s in listed} == {
        "NETSIS-ANK": "api", "TIGER-TEST": "file", "NETSIS-TEST": "file"}

    assert (await client.delete("/v1/sets/NETSIS-ANK", headers=AUTH)).status == 204
    response = await client.get("/v1/sets/NETSIS-ANK", headers=AUTH)
    assert response.status == 404
    assert etree.fromstring(await response.read()).get("code") == "NOT_FOUND"
    assert (await client.delete("/v1/sets/NETSIS-ANK", headers=AUTH)).status == 404

    # versions continue after a delete: a replica holding version 2 never mistakes the new set
    status, saved = await put(client, "NETSIS-ANK", body())
    assert status == 201 and saved.get("version") == "3"


async def test_get_then_put_back_keeps_secrets(client: TestClient[Any, Any]) -> None:
    await put(client, "NETSIS-ANK", body())
    masked = await (await client.get("/v1/sets/NETSIS-ANK", headers=AUTH)).read()
    status, saved = await put(client, "NETSIS-ANK", masked.decode())
    assert status == 200 and saved.get("version") == "2"
    # the session resolver sees the real ERP password again
    session = await open_session(client, "ayse", "NETSIS-ANK")
    from integrator.api.keys import SESSIONS

    context = await client.app[SESSIONS].resolve(session, "crm-core")
    assert context.credentials.user == "AYSE"
    assert context.credentials.password.get_secret_value() == "ayse-pw-99"


async def test_invalid_set_is_validation_with_path(client: TestClient[Any, Any]) -> None:
    bad = body().replace("<Warehouse>3</Warehouse>", "<Warehouse>üç</Warehouse>")
    status, error = await put(client, "NETSIS-ANK", bad)
    assert status == 400 and error.get("code") == "VALIDATION"
    paths = [d.get("path") for d in error.findall("Detail")]
    assert "users[0].warehouses" in paths or "users[0].warehouses[1]" in paths, paths
    # nothing was stored
    assert (await client.get("/v1/sets/NETSIS-ANK", headers=AUTH)).status == 404


async def test_cross_field_error(client: TestClient[Any, Any]) -> None:
    bad = body().replace('erpUser="AYSE" ', "")
    status, error = await put(client, "NETSIS-ANK", bad)
    assert status == 400 and error.get("code") == "VALIDATION"
    assert "erp_user" in etree.tostring(error, encoding="unicode")


async def test_bad_code_and_bad_xml(client: TestClient[Any, Any]) -> None:
    status, error = await put(client, "bad code!", body())
    assert status == 400 and error.get("code") == "VALIDATION"
    status, error = await put(client, "NETSIS-ANK", "<IntegrationSet")
    assert status == 400 and error.get("code") == "BAD_XML"


async def test_file_sets_are_read_only_over_http(client: TestClient[Any, Any]) -> None:
    response = await client.get("/v1/sets/TIGER-TEST", headers=AUTH)
    root = etree.fromstring(await response.read())
    assert root.get("source") == "file"
    status, error = await put(client, "TIGER-TEST", body().replace('erp="netsis"', 'erp="netsis"'))
    assert status == 403 and error.get("code") == "FORBIDDEN"
    response = await client.delete("/v1/sets/TIGER-TEST", headers=AUTH)
    assert response.status == 403


async def test_set_change_applies_to_open_sessions(client: TestClient[Any, Any]) -> None:
    await put(client, "NETSIS-ANK", body())
    session = await open_session(client, "ayse", "NETSIS-ANK")
    headers = {**AUTH, "X-Session": session}
    me = etree.fromstring(await (await client.get("/v1/session", headers=headers)).read())
    assert me.get("transferType") == "quote"
    await put(client, "NETSIS-ANK", body("dispatch"))
    me = etree.fromstring(await (await client.get("/v1/session", headers=headers)).read())
    assert me.get("transferType") == "dispatch"
    # the user removed from the set: the very next request is refused
    await put(client, "NETSIS-ANK", body().replace('name="ayse"', 'name="zeynep"'))
    response = await client.get("/v1/session", headers=headers)
    assert response.status == 403
    assert etree.fromstring(await response.read()).get("code") == "FORBIDDEN"
    # the set removed: the session is over
    await client.delete("/v1/sets/NETSIS-ANK", headers=AUTH)
    response = await client.get("/v1/session", headers=headers)
    assert response.status == 401
    assert etree.fromstring(await response.read()).get("code") == "SESSION_EXPIRED"


@pytest.mark.odbc
async def test_delete_drops_the_sets_sql_pools_and_closes_their_connections_f1(
        client: TestClient[Any, Any], tmp_path: Path) -> None:
    """F1: a removed set leaves no pool in the SQL engine and no idle connection open; the pools
    of other sets stay as they were."""
    db = tmp_path / "erp.db"
    sqlite3.connect(db).close()
    mssql = 'engine="mssql" connectionString="DRIVER={FreeTDS};SERVER=s;UID=ro;PWD=ro-pw-77"'
    assert mssql in body()
    text = body().replace(mssql, f'engine="sqlite" connectionString="DRIVER={{SQLite3}};Database={db}"')
    engine = client.app[SQL_ENGINE]
    connections = {}
    for code in ("NETSIS-TMP", "NETSIS-KEEP"):
        assert (await put(client, code, text))[0] == 201
        await (await client.get(f"/v1/sets/{code}/health", headers=AUTH)).read()  # pings the db
        (connections[code],) = [item.connection for item in engine._pools[(code, "reader")].idle]

    assert (await client.delete("/v1/sets/NETSIS-TMP", headers=AUTH)).status == 204
    assert not [key for key in engine._pools if key[0] == "NETSIS-TMP"]
    assert not [key for key in engine._resolved if key[0] == "NETSIS-TMP"]
    with pytest.raises(pyodbc.ProgrammingError):  # closed
        connections["NETSIS-TMP"].cursor()
    kept = engine._pools[("NETSIS-KEEP", "reader")]
    assert [item.connection for item in kept.idle] == [connections["NETSIS-KEEP"]]
    connections["NETSIS-KEEP"].cursor().close()  # still open


async def test_the_pool_sweep_runs_from_startup_to_cleanup_f1_n6(
        client: TestClient[Any, Any]) -> None:
    """F1, N6: the SQL pools' sweep (``app.sql_pool_sweep``, which also drops the pools of sets
    deleted on other replicas) is a background task of the running app, cancelled at cleanup."""
    (task,) = [t for t in asyncio.all_tasks() if t.get_name() == "sql-pool-sweep"]
    assert not task.done()
    await client.close()
    assert task.cancelled()
