"""Every benchmark in ``bench/`` still runs (issue 15, SPEC §6: the targets are measured by them).

Two of them had stopped at an exception for a while without anyone noticing (``bench/checks.py``
at a ``TypeError``, ``bench/executor.py`` at an ``AttributeError`` after changes to the code they
drive). Each runs here once with the smallest sizes, as operators start it, and must end well
and print its figures. Nothing here looks at a figure's value: tests never assert timings.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# (script and its smallest arguments, a phrase its output must hold, the services it needs)
BENCHES: list[tuple[str, str, tuple[str, ...]]] = [
    ("translate.py --lines 20 --repeat 1 --number 2", "bare hardened lxml parse", ()),
    ("sql.py --n 50", "the service's own code", ()),
    ("sync.py --sizes 1000 --repeat 1 --creates 5 --bulk 10", "ratio service / direct", ()),
    ("quote.py --lines 20 --runs 2", "gateway alone", ()),
    ("checks.py --lines 20 --runs 2", "CalculateDataObject alone", ()),
    ("erp.py --calls 10 --concurrency 5", "Netsis logins for", ()),
    ("executor.py --n 100 --rounds 1 --per 20", "LifoExecutor.hop / ThreadPool", ()),
    ("load.py --duration 1 --warmup 0.5 --workers 2", "N = 2 workers against 1", ("redis",)),
    ("seats.py --seconds 0.5 --rounds 1", "notices / polls", ("redis",)),
    ("store.py --calls 50 --rounds 1", "store / redis-py CPU", ("redis",)),
    ("search.py --runs 2", "every candidate, direct", ()),
    ("request_parts.py --rounds 1 --requests 20", "what the parts cost", ()),
    ("request_profile.py --n 50", "", ()),
]


def _marks(needs: tuple[str, ...]) -> list[pytest.MarkDecorator]:
    marks = [pytest.mark.odbc, pytest.mark.slow]
    if "redis" in needs:
        marks.append(pytest.mark.redis)
    return marks


@pytest.mark.parametrize(("command", "phrase"), [
    pytest.param(command, phrase, marks=_marks(needs), id=command.split()[0])
    for command, phrase, needs in BENCHES])
def test_the_bench_runs_to_its_end(command: str, phrase: str, request: pytest.FixtureRequest
                                   ) -> None:
    if "redis" in request.node.keywords:
        request.getfixturevalue("redis_url")  # Redis must be up (a CI without it fails)
    script, *arguments = command.split()
    done = subprocess.run([sys.executable, str(ROOT / "bench" / script), *arguments], cwd=ROOT,
                          capture_output=True, text=True, timeout=600, check=False)
    shown = f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert done.returncode == 0, shown
    assert "Traceback" not in done.stdout + done.stderr, shown
    assert 'code="INTERNAL"' not in done.stdout, shown
    assert phrase in done.stdout, shown


def test_every_bench_is_run_here() -> None:
    """A new bench is added to the list above (the locust file is for operators' own loads)."""
    listed = {command.split()[0] for command, _, _ in BENCHES}
    scripts = {path.name for path in (ROOT / "bench").glob("*.py")}
    assert scripts - listed == {"callgrind.py", "common.py", "locustfile.py",
                                "request_instructions.py"}
