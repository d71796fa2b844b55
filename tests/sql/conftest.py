"""Fixtures of the SQL tests: the demo databases on SQLite (SQLite3 ODBC driver) and on
PostgreSQL (psqlODBC, a SELECT-only role), and sets that point at them."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.common import PG_HOST, PG_PORT, need_service
from tests.fixtures.sql import PG_DATABASES, PG_OWNER, PG_READER, PG_SCALE


@pytest.fixture
def writable_tiger(demo_dir: Path, tmp_path: Path) -> Path:
    """A private copy of tiger.db for tests that write (the extension write)."""
    target = tmp_path / "tiger.db"
    shutil.copyfile(demo_dir / "tiger.db", target)
    return target


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
