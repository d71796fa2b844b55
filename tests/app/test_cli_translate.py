"""``integrator translate`` (N9): the ERP payload of a CRM XML, printed, never sent."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from integrator.cli import main
from tests.fixtures.mapping import GOLDEN, check_logo

# the golden quote; the demo sets have no "decimal" converter, so its Turkish decimal becomes "."
QUOTE = (GOLDEN / "tiger" / "order-lines.in.xml").read_bytes().replace(b"7,5", b"7.5")


def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], args: list[str],
        stdin: bytes) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
    code = main(["translate", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def golden_config(tmp_path: Path) -> Path:
    config = tmp_path / "service.yaml"
    config.write_text(f"store: memory\nsets_dir: {GOLDEN / 'sets'}\n", encoding="utf-8")
    return config


def test_translate_prints_logo_xml_from_the_demo_config_n9(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    quote = QUOTE.replace(b'set="GOLDEN-TIGER"', b'set="DEMO-TIGER"')
    code, out, err = run(monkeypatch, capsys,
                         ["--set", "DEMO-TIGER", "--entity", "order", "--user", "demo"], quote)
    assert code == 0, err
    root = check_logo(out)
    assert root[0].findtext("SALESMAN_CODE") == "S01"
    assert root[0].findtext("ARP_CODE") == "120.01.İST-001"
    assert "dataType 3" in err
    assert "not sent" in err


def test_translate_prints_netsis_json_n9(monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str],
                                        golden_config: Path) -> None:
    quote = (GOLDEN / "netsis" / "quote-lines.in.xml").read_bytes()
    code, out, err = run(monkeypatch, capsys, ["--set", "GOLDEN-NETSIS", "--entity", "quote",
                                               "--config", str(golden_config), "--user", "ayşe"],
                         quote)
    assert code == 0, err
    expected = json.loads((GOLDEN / "netsis" / "quote-lines.out.json").read_text("utf-8"))
    assert json.loads(out) == expected["body"]
    assert "  \"FaturaTip\": 15" in out                      # pretty, Turkish letters as such
    assert "GÜBRE-50KG" in out
    assert "POST ItemSlips" in err


def test_translate_shows_an_update_n9(monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str],
                                      golden_config: Path) -> None:
    code, out, err = run(
        monkeypatch, capsys,
        ["--set", "GOLDEN-TIGER", "--entity", "account", "--config", str(golden_config),
         "--update", str(GOLDEN / "tiger" / "account-update.current.xml")],
        (GOLDEN / "tiger" / "account-update.in.xml").read_bytes())
    assert code == 0, err
    assert out == (GOLDEN / "tiger" / "account-update.out.xml").read_text("utf-8")


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (["--set", "DEMO-TIGER", "--entity", "order"], b"<Quote crmId='Q'><Lines/></Quote>",
     "MAPPING: order Q cannot be mapped"),
    (["--set", "DEMO-TIGER", "--entity", "account"], b"<Account><Field name='Title'>\xe2\x82\xac"
     b"</Field></Account>", "cannot be carried in ISO-8859-9"),
    (["--set", "DEMO-TIGER", "--entity", "account"], QUOTE, "VALIDATION: expected <Account>"),
    (["--set", "DEMO-TIGER", "--entity", "account"], b"<Account>", "BAD_XML"),
    (["--set", "NOPE", "--entity", "account"], b"<Account/>", "no set 'NOPE'"),
    (["--set", "DEMO-TIGER", "--entity", "quote"], QUOTE, "only in Netsis"),
    (["--set", "DEMO-TIGER", "--entity", "order", "--user", "ghost"], QUOTE, "not a member"),
])
def test_translate_errors_exit_1_n9(monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str], args: list[str],
                                    stdin: bytes, message: str) -> None:
    code, out, err = run(monkeypatch, capsys, args, stdin)
    assert code == 1
    assert out == ""
    assert message in err


def test_translate_details_name_the_field_n9(monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    bad = QUOTE.replace(b"<Field name=\"Quantity\">5</Field>",
                        b"<Field name=\"Quantity\">be\xc5\x9f</Field>")
    code, _, err = run(monkeypatch, capsys, ["--set", "DEMO-TIGER", "--entity", "order"], bad)
    assert code == 1
    assert "Lines/Line[1]/Field[@name='Quantity']: Quantity -> QUANTITY: 'beş' is not a decimal" \
        in err


def test_translate_as_a_command_n9() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "integrator", "translate", "--set", "DEMO-NETSIS", "--entity",
         "order"], input=QUOTE, capture_output=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr.decode()
    body = json.loads(result.stdout)
    assert body["FaturaTip"] == 7
    assert body["FatUst"]["EKACK1"] == "Q-77"
