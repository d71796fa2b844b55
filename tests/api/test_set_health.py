"""GET /v1/sets/{code}/health (N4): the ERP service and the database, pinged with timings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lxml import etree

from integrator.app import init_app
from simulators.demo import DEMO_KEY, DemoEnvironment, demo_parts, load_demo_config
from tests.fixtures.common import AUTH
from tests.fixtures.ports import free_port_block

DEMO_AUTH = {"Authorization": f"Bearer {DEMO_KEY}"}


async def demo_client(make_client: Any, data_dir: Path) -> Any:
    env = DemoEnvironment(port=free_port_block(), data_dir=data_dir)
    config = load_demo_config(env)
    app = init_app(config)
    for position, part in enumerate(demo_parts(env)):
        app.cleanup_ctx.insert(position, part)
    return await make_client(config, app)


async def test_demo_sets_are_healthy(make_client: Any, tmp_path: Path) -> None:
    client = await demo_client(make_client, tmp_path / "demo")
    for code, erp in (("DEMO-TIGER", "tiger"), ("DEMO-NETSIS", "netsis")):
        response = await client.get(f"/v1/sets/{code}/health", headers=DEMO_AUTH)
        root = etree.fromstring(await response.read())
        assert response.status == 200, etree.tostring(root)
        assert root.get("status") == "ok" and root.get("code") == code
        checks = {c.get("name"): c for c in root}
        assert checks["erp"].get("kind") == erp and checks["erp"].get("status") == "ok"
        assert checks["database"].get("kind") == "sqlite" and checks["database"].get("status") == "ok"
        assert float(checks["erp"].get("ms")) >= 0 and float(checks["database"].get("ms")) >= 0
    tiger = etree.fromstring(
        await (await client.get("/v1/sets/DEMO-TIGER/health", headers=DEMO_AUTH)).read())
    info = {i.get("name"): i.text for i in tiger.find("Check[@name='erp']")}
    assert info.get("FirmNr") == "1"


async def test_unreachable_erp_and_database(client: Any) -> None:
    # the builder sets point at a closed port and a missing database file
    response = await client.get("/v1/sets/TIGER-TEST/health", headers=AUTH)
    assert response.status == 503
    root = etree.fromstring(await response.read())
    assert root.get("status") == "failed"
    checks = {c.get("name"): c for c in root}
    assert checks["erp"].get("status") == "failed" and checks["erp"].get("code") == "ERP_UNAVAILABLE"
    assert checks["database"].get("status") == "failed" and checks["database"].text
    text = etree.tostring(root, encoding="unicode")
    assert "db-pw-tiger-55" not in text and "sec-code-tiger-71c2" not in text


async def test_unknown_set(client: Any) -> None:
    response = await client.get("/v1/sets/NOPE/health", headers=AUTH)
    assert response.status == 404
