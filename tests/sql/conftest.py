"""Fixtures of the SQL tests: the demo databases on SQLite (SQLite3 ODBC driver) and on
PostgreSQL (psqlODBC, a SELECT-only role), and sets that point at them."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from integrator.config import IntegrationSet
from simulators.demodb.generate import ensure
from tests.conftest import PG_HOST, PG_PORT, need_service, netsis_set, tiger_set

PG_SCALE = 0.1  # 60 accounts, 220 products: enough for the 200-product stock call
PG_OWNER, PG_READER = "crm_sql_owner", "crm_sql_ro"
# one pair of databases per test process: runs on the same server (CI, several checkouts) never
# drop each other's databases
PG_DATABASES = {kind: f"crm_sql_{kind}_{os.getpid()}" for kind in ("tiger", "netsis")}

NAMED_QUERIES_TIGER: dict[str, Any] = {
    "balance": {
        "description": "balance of the linked account",
        "entity": "account",
        "sql": "SELECT C.CODE, SUM(CASE WHEN L.SIGN = 0 THEN L.AMOUNT ELSE -L.AMOUNT END) AS BALANCE "
               "FROM LG_FFF_CLCARD C WITH (NOLOCK) JOIN LG_FFF_PP_CLFLINE L WITH (NOLOCK) "
               "ON L.CLIENTREF = C.LOGICALREF AND L.CANCELLED = 0 "
               "WHERE C.LOGICALREF = @ref AND L.DATE_ < :until GROUP BY C.CODE",
        "params": [{"name": "ref", "type": "int", "source": "link"},
                   {"name": "until", "type": "date"}],
    },
    "one_row": {
        "sql": "SELECT C.CODE, C.DEFINITION_ FROM LG_FFF_CLCARD C WHERE C.LOGICALREF = :ref",
        "entity": "account",
        "params": [{"name": "ref", "type": "int", "source": "link"}],
    },
    "top_products": {
        "sql": "SELECT TOP (@n) I.CODE, I.NAME, SUM(S.AMOUNT) AS QTY FROM LG_FFF_PP_STLINE S "
               "JOIN LG_FFF_ITEMS I ON I.LOGICALREF = S.STOCKREF WHERE S.TRCODE = 8 "
               "GROUP BY I.CODE, I.NAME ORDER BY SUM(S.AMOUNT) DESC, I.CODE",
        "params": [{"name": "n", "type": "int"}],
    },
}
NAMED_QUERIES_NETSIS: dict[str, Any] = {
    "balance": {
        "entity": "account",
        "sql": "SELECT C.CARI_KOD, C.CARI_ISIM, SUM(H.BORC) - SUM(H.ALACAK) AS BAKIYE "
               "FROM TBLCASABIT C WITH (NOLOCK) LEFT JOIN TBLCAHAR H WITH (NOLOCK) "
               "ON H.CARI_KOD = C.CARI_KOD WHERE C.CARI_KOD = :ref GROUP BY C.CARI_KOD, C.CARI_ISIM",
        "params": [{"name": "ref", "source": "link"}],
    },
}


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The full-size demo databases, generated once per test session."""
    folder = tmp_path_factory.mktemp("demodb")
    ensure(folder)
    return folder


@pytest.fixture
def writable_tiger(demo_dir: Path, tmp_path: Path) -> Path:
    """A private copy of tiger.db for tests that write (the extension write)."""
    target = tmp_path / "tiger.db"
    shutil.copyfile(demo_dir / "tiger.db", target)
    return target


def sqlite_tiger_set(db: Path, code: str = "SQL-TIGER", writer: Path | None = None,
                     **overrides: Any) -> IntegrationSet:
    database: dict[str, Any] = {
        "engine": "sqlite",
        "connection_string": f"DRIVER={{SQLite3}};Database=file:{db}?mode=ro",
        "query_timeout_s": 10,
        "max_rows": 5000,
    }
    if writer is not None:
        database["writer_connection_string"] = f"DRIVER={{SQLite3}};Database={writer}"
    database.update(overrides.pop("database", {}))
    data: dict[str, Any] = {"database": database,
                            "sql": {"queries": NAMED_QUERIES_TIGER},
                            "extensions": [{"entity": "account", "table": "LG_XT001_FFF",
                                            "columns": ["SEKTOR", "CRM_ID", "MUSTERI_SKORU"]}]
                            if writer is not None else []}
    data.update(overrides)
    return tiger_set(code, **data)


def sqlite_netsis_set(db: Path, code: str = "SQL-NETSIS", **overrides: Any) -> IntegrationSet:
    database: dict[str, Any] = {
        "engine": "sqlite",
        "connection_string": f"DRIVER={{SQLite3}};Database=file:{db}?mode=ro",
        "repair_turkish": True,
        "query_timeout_s": 10,
    }
    database.update(overrides.pop("database", {}))
    data: dict[str, Any] = {"database": database, "sql": {"queries": NAMED_QUERIES_NETSIS}}
    data.update(overrides)
    return netsis_set(code, **data)


@pytest.fixture(scope="session")
def pg_demo() -> Iterator[dict[str, Any]]:
    """Both demo schemas in PostgreSQL (small scale), read through a SELECT-only role."""
    need_service("PostgreSQL", PG_HOST, PG_PORT)
    from simulators.demodb.postgres import drop_postgres, load_postgres

    loaded = {kind: load_postgres(kind, dbname=name, owner=PG_OWNER, reader=PG_READER,
                                  scale=PG_SCALE)
              for kind, name in PG_DATABASES.items()}
    yield loaded
    for name in PG_DATABASES.values():
        drop_postgres(name)


def pg_tiger_set(pg: dict[str, Any], code: str = "PG-TIGER", **overrides: Any) -> IntegrationSet:
    demo = pg["tiger"]
    database: dict[str, Any] = {
        "engine": "postgres",
        "connection_string": demo.reader_connection_string,
        "writer_connection_string": demo.owner_connection_string,
        "query_timeout_s": 10,
    }
    database.update(overrides.pop("database", {}))
    data: dict[str, Any] = {"database": database, "sql": {"queries": NAMED_QUERIES_TIGER},
                            "extensions": [{"entity": "account", "table": "LG_XT001_FFF",
                                            "columns": ["SEKTOR", "CRM_ID", "MUSTERI_SKORU"]}]}
    data.update(overrides)
    return tiger_set(code, **data)


def pg_netsis_set(pg: dict[str, Any], code: str = "PG-NETSIS", **overrides: Any) -> IntegrationSet:
    demo = pg["netsis"]
    database: dict[str, Any] = {"engine": "postgres",
                                "connection_string": demo.reader_connection_string,
                                "repair_turkish": True, "query_timeout_s": 10}
    database.update(overrides.pop("database", {}))
    data: dict[str, Any] = {"database": database, "sql": {"queries": NAMED_QUERIES_NETSIS}}
    data.update(overrides)
    return netsis_set(code, **data)
