"""``integrator sql-check`` (N9), the demo wiring (N8) and the demo databases."""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from integrator.cli import main
from simulators.demo import DEMO_KEY, DemoEnvironment, demo_app
from simulators.demodb import generate
from simulators.demodb.schema import table_names
from tests.fixtures.ports import free_port_block


@pytest.mark.parametrize(("argv", "stdin", "out", "code"), [
    (["sql-check", "SELECT CODE FROM LG_FFF_CLCARD"], "", "accepted\n", 0),
    (["sql-check", "SELECT 1 DELETE FROM x"], "", "rejected: DELETE is not allowed", 1),
    (["sql-check", "-"], "WITH d AS (SELECT 1 AS a) SELECT * INTO y FROM d\n", "rejected: SELECT … INTO", 1),
    (["sql-check", "-"], "SELECT TOP 3 * FROM dbo.LG_FFF_PP_CLFLINE WITH (NOLOCK)", "accepted\n", 0),
    (["sql-check", "SELECT TOP 3 C.CODE FROM dbo.LG_FFF_CLCARD C WITH (NOLOCK)", "--engine", "sqlite",
      "--firm", "7"], "", "accepted\n-- as run on sqlite (firm 007, period 01)\n"
                          "SELECT C.CODE FROM LG_007_CLCARD AS C LIMIT 3\n", 0),
    # one verdict: what the service could not prepare is rejected, not "accepted" then an error
    (["sql-check", "SELECT CODE FROM LG_FFF_CLCARD WHERE CODE = ?"], "",
     "rejected: positional '?' parameters are not supported; name them (:name or @name)\n", 1),
    (["sql-check", "SELECT CODE FROM LG_FFF_CLCARD WHERE CODE = :code AND SPECODE IN (@codes)",
      "--engine", "postgres"], "",
     "accepted\n-- as run on postgres (firm 001, period 01); parameters in order: code, codes\n", 0),
])
def test_sql_check_n9(argv: list[str], stdin: str, out: str, code: int,
                      capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    assert main(argv) == code
    printed = capsys.readouterr().out
    assert printed.startswith(out)
    assert printed.count("rejected") + printed.count("accepted") == 1  # one verdict


# -- demo databases ----------------------------------------------------------------------------
def test_generation_is_deterministic() -> None:
    first = generate.build("netsis", scale=0.05)
    second = generate.build("netsis", scale=0.05)
    assert first == second


def _count(db: Path, sql: str) -> Any:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        return connection.execute(sql).fetchone()[0]


def test_demo_tiger_content(demo_dir: Path) -> None:
    db = demo_dir / "tiger.db"
    assert _count(db, "SELECT COUNT(*) FROM LG_001_CLCARD WHERE CODE <> 'ÿ'") >= 500
    assert _count(db, "SELECT COUNT(*) FROM LG_001_ITEMS WHERE CODE <> 'ÿ'") >= 2000
    assert _count(db, "SELECT COUNT(*) FROM L_CAPIWHOUSE WHERE FIRMNR = 1") >= 10
    assert _count(db, "SELECT COUNT(DISTINCT substr(DATE_, 1, 7)) FROM LG_001_01_CLFLINE") >= 10
    for table in ("LG_001_CLCARD", "LG_001_ITEMS", "LG_001_UNITSETF"):
        assert _count(db, f"SELECT CODE FROM {table} WHERE LOGICALREF = 1") == "ÿ"
    assert _count(db, "SELECT DEFINITION_ FROM LG_001_CLCARD WHERE LOGICALREF = 2") == \
        "ŞİŞLİ GIDA SANAYİ VE TİCARET A.Ş."
    assert _count(db, "SELECT COUNT(*) FROM LG_001_CLCARD WHERE LENGTH(TAXNR) = 10") >= 450
    every = set(table_names("tiger"))
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        empty = [t for t in every if connection.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] == 0]
    assert empty == []


def test_tiger_stock_totals_agree_with_the_movements(demo_dir: Path) -> None:
    db = demo_dir / "tiger.db"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        moves = dict(((r[0], r[1]), Decimal(str(r[2]))) for r in connection.execute(
            "SELECT STOCKREF, SOURCEINDEX, SUM(CASE WHEN IOCODE IN (1, 2) THEN AMOUNT ELSE -AMOUNT END) "
            "FROM LG_001_01_STLINE GROUP BY STOCKREF, SOURCEINDEX"))
        totals = dict(((r[0], r[1]), Decimal(str(r[2]))) for r in connection.execute(
            "SELECT STOCKREF, INVENNO, ONHAND FROM LG_001_01_GNTOTST WHERE INVENNO >= 0"))
        daily = dict(((r[0], r[1]), Decimal(str(r[2]))) for r in connection.execute(
            "SELECT STOCKREF, INVENNO, SUM(ONHAND) FROM LG_001_01_STINVTOT WHERE INVENNO >= 0 "
            "GROUP BY STOCKREF, INVENNO"))
        firm_total = connection.execute(
            "SELECT SUM(ONHAND) FROM LG_001_01_GNTOTST WHERE INVENNO = -1").fetchone()[0]
        shipped = dict(((r[0]), Decimal(str(r[1]))) for r in connection.execute(
            "SELECT ORDTRANSREF, SUM(AMOUNT) FROM LG_001_01_STLINE WHERE ORDTRANSREF > 0 "
            "GROUP BY ORDTRANSREF"))
        lines = dict(((r[0]), Decimal(str(r[1]))) for r in connection.execute(
            "SELECT LOGICALREF, SHIPPEDAMOUNT FROM LG_001_01_ORFLINE WHERE SHIPPEDAMOUNT > 0"))
    assert moves == totals == daily
    assert Decimal(str(firm_total)) == sum(totals.values())
    assert all(v >= 0 for v in totals.values())
    assert shipped == lines


def test_netsis_text_is_stored_as_mojibake(demo_dir: Path) -> None:
    db = demo_dir / "netsis.db"
    assert _count(db, "SELECT CARI_ISIM FROM TBLCASABIT WHERE CARI_KOD = '120-00001'") == \
        "ÞÝÞLÝ GIDA SANAYÝ VE TÝCARET A.Þ."
    assert _count(db, "SELECT COUNT(*) FROM TBLCASABIT") >= 500
    assert _count(db, "SELECT COUNT(*) FROM TBLSTSABIT") >= 2000
    assert _count(db, "SELECT COUNT(*) FROM TBLSTOKDP") >= 10
    assert _count(db, "SELECT COUNT(*) FROM TBLCASABIT "
                      "WHERE CARI_ISIM LIKE '%İ%' OR CARI_ISIM LIKE '%ı%'") == 0
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        per_depot = dict(((r[0]), Decimal(str(r[1]))) for r in connection.execute(
            "SELECT STOK_KODU, SUM(TOP_GIRIS_MIK - TOP_CIKIS_MIK) FROM TBLSTOKPH WHERE DEPO_KODU <> 0 "
            "GROUP BY STOK_KODU"))
        virtual = dict(((r[0]), Decimal(str(r[1]))) for r in connection.execute(
            "SELECT STOK_KODU, TOP_GIRIS_MIK - TOP_CIKIS_MIK FROM TBLSTOKPH WHERE DEPO_KODU = 0"))
        movements = dict(((r[0]), Decimal(str(r[1]))) for r in connection.execute(
            "SELECT STOK_KODU, SUM(CASE WHEN STHAR_GCKOD = 'G' THEN STHAR_GCMIK ELSE -STHAR_GCMIK END) "
            "FROM TBLSTHAR GROUP BY STOK_KODU"))
    assert per_depot == virtual == movements


def test_regenerates_when_the_generator_version_changes(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(generate, "KINDS", ("netsis",))
    monkeypatch.setattr(generate, "build", lambda kind, scale=1.0, seed=0: {})
    path = generate.ensure(tmp_path)["netsis"]
    assert generate.stored_version(path) == generate.GENERATOR_VERSION
    stamp = path.stat().st_mtime_ns
    generate.ensure(tmp_path)
    assert path.stat().st_mtime_ns == stamp  # current: left alone
    monkeypatch.setattr(generate, "GENERATOR_VERSION", "old-" + generate.GENERATOR_VERSION)
    generate.ensure(tmp_path)
    assert generate.stored_version(path) == "old-" + generate.GENERATOR_VERSION.removeprefix("old-")


# -- the demo wiring ---------------------------------------------------------------------------
@pytest.mark.odbc
async def test_integrator_demo_serves_sql_from_the_generated_databases_n8(
        tmp_path: Path, make_client: Callable[..., Any]) -> None:
    env = DemoEnvironment(port=free_port_block(), data_dir=tmp_path / "demo")
    config, app = demo_app(env)
    client = await make_client(config, app)
    assert (env.data_dir / "tiger.db").is_file()
    assert (env.data_dir / "netsis.db").is_file()
    auth = {"Authorization": f"Bearer {DEMO_KEY}"}
    opened = await client.post("/v1/sessions", data=b'<OpenSession user="demo"/>', headers=auth)
    session = etree.fromstring(await opened.read()).get("id")
    headers = {**auth, "X-Session": session}
    found = await client.get("/v1/accounts/search?q=ŞİŞLİ", headers=headers)
    assert found.status == 200
    assert "ŞİŞLİ GIDA SANAYİ VE TİCARET A.Ş." in await found.text()
    ext = await client.put("/v1/accounts/2/extensions", headers=headers,
                           data='<Extensions><Table name="LG_XT001_FFF"><Field name="SEKTOR">Gıda</Field>'
                                '</Table></Extensions>'.encode())
    assert ext.status == 200, await ext.text()
    switched = await client.put(f"/v1/sessions/{session}/set", headers=auth,
                                data=b'<SwitchSet set="DEMO-NETSIS"/>')
    assert switched.status == 200
    netsis = await client.get("/v1/accounts/search?q=şişli", headers=headers)
    assert "ŞİŞLİ GIDA SANAYİ VE TİCARET A.Ş." in await netsis.text()
    warehouses = await client.get("/v1/warehouses", headers=headers)
    assert etree.fromstring(await warehouses.read()).get("count") == "3"


@pytest.mark.odbc
async def test_demo_named_queries_run(tmp_path: Path, make_client: Callable[..., Any]) -> None:
    env = DemoEnvironment(port=free_port_block(), data_dir=tmp_path / "demo")
    config, app = demo_app(env)
    client = await make_client(config, app)
    auth = {"Authorization": f"Bearer {DEMO_KEY}"}
    opened = await client.post("/v1/sessions", data=b'<OpenSession user="demo"/>', headers=auth)
    session = etree.fromstring(await opened.read()).get("id")
    headers = {**auth, "X-Session": session}
    sold = _count(env.data_dir / "tiger.db", "SELECT MIN(STOCKREF) FROM LG_001_01_STLINE WHERE TRCODE = 8")
    for name, body in [
        ("balance", '<Query><Account ref="2"/><Param name="until">2026-12-31</Param></Query>'),
        ("sales_by_month", f'<Query><Product ref="{sold}"/></Query>'),
    ]:
        reply = await client.post(f"/v1/queries/{name}", data=body.encode(), headers=headers)
        assert reply.status == 200, await reply.text()
        assert int(etree.fromstring(await reply.read()).get("count", "0")) >= 1
    await client.put(f"/v1/sessions/{session}/set", headers=auth, data=b'<SwitchSet set="DEMO-NETSIS"/>')
    reply = await client.post("/v1/queries/balance", headers=headers,
                              data=b'<Query><Account ref="120-00001"/><Param name="until">2026-12-31</Param>'
                                   b'</Query>')
    text = await reply.text()
    assert reply.status == 200, text
    assert "ŞİŞLİ GIDA" in text
