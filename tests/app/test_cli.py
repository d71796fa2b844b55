"""The integrator command (N9; issue 14 item 6): check-config reports every problem in one run,
example.env, serve's log of where it listens and when it drains, one line for a taken port, help
text for every option without markup; the demo comes up; hash-key."""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
import yaml

from integrator.app import SHUTDOWN_TIMEOUT_S
from integrator.cli import build_parser
from integrator.services.cursor import new_cursor_key
from integrator.sessions.seal import new_key
from simulators.demo import DEMO_KEY
from tests.fixtures import process
from tests.fixtures.ports import free_port_block


@pytest.mark.slow
def test_demo_comes_up_ready(tmp_path: Path) -> None:
    with process.demo(tmp_path / "demo", log=tmp_path / "demo.log") as server:
        request = urllib.request.Request(  # noqa: S310 (localhost)
            f"{server.url}/v1/sessions", data=b'<OpenSession user="demo"/>',
            headers={"Authorization": f"Bearer {DEMO_KEY}", "Content-Type": "application/xml"},
            method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (localhost)
            body = response.read().decode()
        assert response.status == 201
        assert 'set="DEMO-TIGER"' in body
        assert response.headers["X-Session"] and f'id="{response.headers["X-Session"]}"' in body


def test_hash_key() -> None:
    result = subprocess.run([sys.executable, "-m", "integrator", "hash-key", "-"], input="demo-key\n",
                            capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "c48a01f49fd0f2cc404bc3cbbc80e91457a3d41bb429a695243de4c61794155c"


# -- check-config: every problem in one run (issue 14 items 6 and 9) ---------------------------
REPO = Path(__file__).resolve().parents[2]
EXAMPLE_ENV = REPO / "example.env"


def example_env() -> dict[str, str]:
    """The variables of example.env with their (placeholder) values."""
    found = {}
    for line in EXAMPLE_ENV.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            found[name.strip()] = value.strip()
    return found


def referenced() -> set[str]:
    """The ${NAME} references (without a default) in the values of the example configuration."""
    files = [REPO / "config" / "service.yaml", *sorted((REPO / "config" / "sets").glob("*.yaml"))]

    def strings(value: object) -> list[str]:
        if isinstance(value, dict):
            return [s for v in value.values() for s in strings(v)]
        if isinstance(value, list):
            return [s for v in value for s in strings(v)]
        return [value] if isinstance(value, str) else []

    return {name for f in files for text in strings(yaml.safe_load(f.read_text()))
            for name in re.findall(r"\$\{([A-Za-z_]\w*)\}", text)}


def check_config(path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "integrator", "check-config", str(path)],
                          capture_output=True, text=True, timeout=60, check=False, cwd=REPO,
                          env={"PATH": os.environ.get("PATH", ""), **env})


def test_check_config_lists_every_missing_variable_in_one_run() -> None:
    run = check_config(Path("config/service.yaml"), {})
    assert run.returncode == 1
    lines = run.stderr.splitlines()
    names = sorted(referenced())
    assert len(names) >= 8
    for name in names:
        assert sum(f"environment variable {name} is not set" in line for line in lines) >= 1, name
    assert lines[-1].startswith(f"configuration is invalid: {len(lines) - 1} problems; "
                                f"{len(names)} environment variables not set: {', '.join(names)}")


def test_example_env_names_what_the_example_configuration_reads() -> None:
    env = example_env()
    assert set(env) == referenced()
    # with real keys in place of the placeholders the example configuration is valid, warning-free
    env.update(STORE_KEY=new_key(), CURSOR_KEY=new_cursor_key())
    run = check_config(Path("config/service.yaml"), env)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[-1] == "configuration is valid"
    assert not [s for s in ("CHANGE_ME",) if s in run.stdout]  # secrets masked


def test_check_config_reports_problems_of_every_file_at_once(tmp_path: Path) -> None:
    (tmp_path / "sets").mkdir()
    (tmp_path / "service.yaml").write_text(
        "listen: {port: 99999}\nstore: ${REDIS_URL}\nsets: []\nsessions: {idle_ttl_s: 0}\n")
    good = (REPO / "config" / "demo" / "sets" / "demo-tiger.yaml").read_text()
    (tmp_path / "sets" / "a.yaml").write_text(good.replace("firm: 1", "firm: 1000"))
    (tmp_path / "sets" / "b.yaml").write_text(good.replace("code: DEMO-TIGER", "code: B")
                                              .replace("password: demo", "password: ${B_PW}"))
    (tmp_path / "sets" / "c.yaml").write_text("code: [unclosed\n")
    run = check_config(tmp_path / "service.yaml", {})
    assert run.returncode == 1
    expected = ["service.yaml: store: environment variable REDIS_URL is not set",
                "service.yaml: sets: sets live in files under sets_dir",
                "service.yaml: listen.port:", "service.yaml: sessions.idle_ttl_s:",
                "a.yaml: firm:", "b.yaml: credentials.password: environment variable B_PW",
                "c.yaml: line", "configuration is invalid: 7 problems; 2 environment variables "
                                "not set: B_PW, REDIS_URL"]
    for text in expected:
        assert text in run.stderr, (text, run.stderr)
    assert "store must be" not in run.stderr  # the missing variable, not its empty value


def test_check_config_warns_about_replicas_without_keys(tmp_path: Path) -> None:
    (tmp_path / "service.yaml").write_text("store: redis://redis:6379/0\nsets_dir: null\n")
    run = check_config(tmp_path / "service.yaml", {})
    assert run.returncode == 0, run.stderr
    assert "warning: store_encryption_keys is empty" in run.stdout
    assert "warning: cursor_keys is empty" in run.stdout
    assert run.stdout.splitlines()[-1] == "configuration is valid (2 warnings)"


# -- the help -----------------------------------------------------------------------------------
def test_every_option_has_help_and_no_markup() -> None:
    parser = build_parser()
    [commands] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    helps = [parser.format_help()]
    for name, sub in commands.choices.items():
        assert sub.description, f"{name} has no description"
        for action in sub._actions:
            assert action.help, f"{name}: {action.dest} has no help text"
        helps.append(sub.format_help())
    for action in parser._actions:
        assert action.help or isinstance(action, argparse._SubParsersAction), action.dest
    for text in helps:
        assert "``" not in text and ":func:" not in text and ".. " not in text


@pytest.mark.parametrize("module", ["simulators.demo", "simulators"])
def test_the_demo_help_has_no_markup(module: str) -> None:
    run = subprocess.run([sys.executable, "-m", module, "--help"], capture_output=True, text=True,
                         timeout=60, check=True, cwd=REPO)
    assert "``" not in run.stdout


# -- serve: where it listens, when it drains, a taken port ---------------------------------------
def serve_config(tmp_path: Path, port: int, event_loop: str = "uvloop") -> Path:
    path = tmp_path / "service.yaml"
    path.write_text(f"listen: {{host: 127.0.0.1, port: {port}, event_loop: {event_loop}}}\n"
                    "store: memory\nsets_dir: null\nlogging: {format: json}\n")
    return path


@pytest.mark.parametrize("event_loop", ["uvloop", "asyncio"])
def test_serve_logs_listening_draining_and_stopped(tmp_path: Path, event_loop: str) -> None:
    """N6: the service serves, drains and stops on either event loop (uvloop by default)."""
    port = free_port_block(1)
    config = serve_config(tmp_path, port, event_loop)
    with process.running(["-m", "integrator", "serve", "--config", str(config)],
                         port=port, log=tmp_path / "serve.log") as server:
        ready = urllib.request.urlopen(f"http://127.0.0.1:{port}/health/live", timeout=10)
        assert ready.status == 200
    assert server.process.returncode == 0
    events = [json.loads(line) for line in server.output().splitlines() if line.startswith("{")]
    names = [e["event"] for e in events]
    assert names.index("listening") < names.index("draining") < names.index("stopped")
    listening = events[names.index("listening")]
    assert (listening["host"], listening["port"], listening["event_loop"]) == (
        "127.0.0.1", port, event_loop)
    assert events[names.index("draining")]["timeout_s"] == SHUTDOWN_TIMEOUT_S


def test_serve_on_a_taken_port_is_one_line(tmp_path: Path) -> None:
    port = free_port_block(1)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        run = subprocess.run([sys.executable, "-m", "integrator", "serve", "--config",
                              str(serve_config(tmp_path, port))], capture_output=True, text=True,
                             timeout=60, check=False)
    assert run.returncode == 1
    errors = [line for line in (run.stdout + run.stderr).splitlines() if "error" in line.lower()]
    assert errors == [f"error: cannot listen on 127.0.0.1:{port}: the port is already in use"]
    assert "Traceback" not in run.stdout + run.stderr
