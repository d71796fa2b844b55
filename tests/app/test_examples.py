"""examples/ and the README's walk (issue 14 items 2 and 3, N8): examples/try-it.sh answers as the
README says against a demo it starts, and again after that demo restarts on the same data folder;
the README's walk and try-it.sh make the same calls with the same files; every example body is
one the service accepts."""

from __future__ import annotations

import re
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from integrator.api.inbound import parse_body
from integrator.api.setxml import set_from_element
from integrator.model.xml import parse_xml
from integrator.services.sets import set_problems
from simulators.demo import prepare_databases
from tests.fixtures import process
from tests.fixtures.ports import free_port_block
from tests.fixtures.tools import need_tool

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
TRY_IT = EXAMPLES / "try-it.sh"
WALK_TIMEOUT_S = 180


def try_it(url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(TRY_IT), url], capture_output=True, text=True,
                          timeout=WALK_TIMEOUT_S, check=False)


def assert_green(run: subprocess.CompletedProcess[str], server: process.Server) -> None:
    assert run.returncode == 0, (f"try-it.sh failed:\n{run.stdout}\n{run.stderr}\n"
                                 f"demo log:\n{server.output()[-4000:]}")
    assert re.search(r"all \d+ steps answered as expected", run.stdout)


@pytest.mark.slow
@pytest.mark.odbc
def test_try_it_is_green_on_a_demo_and_again_after_a_restart(tmp_path: Path) -> None:
    need_tool("curl", "curl")
    data = tmp_path / "demo"
    with process.demo(data, log=tmp_path / "first.log") as server:
        assert_green(try_it(server.url), server)
        assert_green(try_it(server.url), server)  # the same demo, the walk again
    assert server.process.returncode == 0
    # a restart on the same data folder: fresh ERP databases, the same answers
    with process.demo(data, log=tmp_path / "second.log") as server:
        assert_green(try_it(server.url), server)


def test_keep_data_keeps_the_erp_databases_and_fresh_replaces_them(tmp_path: Path) -> None:
    def changed(db: Path) -> int:
        with sqlite3.connect(db) as connection:
            return int(connection.execute(
                "SELECT COUNT(*) FROM LG_001_CLCARD WHERE CODE = 'TRY-IT'").fetchone()[0])

    tiger = prepare_databases(tmp_path, fresh=True)["tiger"]
    with sqlite3.connect(tiger) as connection:
        connection.execute("UPDATE LG_001_CLCARD SET CODE = 'TRY-IT' WHERE LOGICALREF = 2")
    original = tmp_path / "pristine" / "tiger.db"
    assert changed(tiger) == 1 and changed(original) == 0
    assert changed(prepare_databases(tmp_path, fresh=False)["tiger"]) == 1
    assert changed(prepare_databases(tmp_path, fresh=True)["tiger"]) == 0


def test_the_demo_names_a_taken_port_in_one_line(tmp_path: Path) -> None:
    port = free_port_block()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port + 1))
        taken.listen()
        run = subprocess.run(
            [sys.executable, "-m", "simulators.demo", "--port", str(port),
             "--data-dir", str(tmp_path / "demo")], capture_output=True, text=True, timeout=60)
    assert run.returncode == 1
    assert run.stderr.count("\n") == 1, run.stderr
    assert f"port {port + 1} (the LogoObjectService simulator) is already in use" in run.stderr
    assert not (tmp_path / "demo").exists()  # nothing was touched


# -- the README's walk and try-it.sh ------------------------------------------------------------
def readme_walk() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    walk = readme[readme.index("## Try it"):]
    return walk[:walk.index("\n## ", 1)]


def calls(text: str) -> set[str]:
    """The URLs called ($B/v1/...), variables and numbers made alike (602 and $REF)."""
    found = re.findall(r"\$B(/[^\s\"')]+)", text)
    return {re.sub(r"\$\{?\w+\}?|\d+", "#", url) for url in found}


def bodies(text: str, prefix: str) -> set[str]:
    return set(re.findall(re.escape(prefix) + r"/?([\w.-]+\.xml)", text))


def test_try_it_makes_the_calls_of_the_readme_walk() -> None:
    walk, script = readme_walk(), TRY_IT.read_text(encoding="utf-8")
    assert calls(walk) and calls(walk) == calls(script)
    sent = bodies(walk, "@examples")
    assert sent == bodies(script, '@"$EXAMPLES') | bodies(script, '"$EXAMPLES')
    assert sent == {p.name for p in EXAMPLES.glob("*.xml")}, "an example file the walk does not use"
    assert "### Quotes" in walk and "/v1/quotes/Q-9101/transfer" in walk and "/v1/prices" in walk


@pytest.mark.parametrize(("name", "root"), [
    ("account.xml", "Account"), ("account-update.xml", "Account"), ("product.xml", "Product"),
    ("product-netsis.xml", "Product"), ("accounts-bulk.xml", "Accounts"),
    ("products-stock.xml", "Products"), ("quote.xml", "Quote"), ("quote-check.xml", "Quote"),
    ("quote-dispatch.xml", "Quote"), ("quote-check-netsis.xml", "Quote"),
])
def test_example_records_match_the_crm_schema(name: str, root: str) -> None:
    parse_body((EXAMPLES / name).read_bytes(), expected={root}, max_depth=32)


def test_example_set_is_a_valid_set() -> None:
    root = parse_xml((EXAMPLES / "set.xml").read_bytes(), max_depth=32)
    integration_set = set_from_element(root, code="CRM-TIGER", check=set_problems)
    assert integration_set.code == "CRM-TIGER" and integration_set.erp == "tiger"
    assert etree.QName(root).localname == "IntegrationSet"
