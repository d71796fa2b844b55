"""The PostgreSQL demo loader run by several processes at once, as the xdist workers of one test
run do (each loads its own databases with the same two roles). Without a lock between them, a
creation or a password change of a role collided with another's ("role already exists", "tuple
concurrently updated") and every PostgreSQL test of that worker errored in its setup."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.common import PG_HOST, PG_PORT, need_service
from tests.fixtures.sql import PG_OWNER, PG_READER

ROOT = Path(__file__).resolve().parents[2]
LOADER = """
import sys
from simulators.demodb.postgres import drop_postgres, load_postgres
prefix, owner, reader = sys.argv[1:4]
for i in range(3):
    name = f"{prefix}_{i}"
    try:
        load_postgres("tiger", dbname=name, owner=owner, reader=reader, scale=0.01)
    finally:
        drop_postgres(name)
"""


@pytest.mark.postgres
def test_demo_loader_runs_in_parallel_processes_f4() -> None:
    need_service("PostgreSQL", PG_HOST, PG_PORT)
    loaders = [subprocess.Popen([sys.executable, "-c", LOADER, f"crm_setup_{os.getpid()}_{n}",
                                 PG_OWNER, PG_READER],
                                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for n in range(4)]
    failures = []
    for loader in loaders:
        _, err = loader.communicate(timeout=120)
        if loader.returncode != 0:
            failures.append(err.strip().splitlines()[-1] if err.strip() else f"exit {loader.returncode}")
    assert failures == []
