"""The Kubernetes manifests and the Dockerfile stay consistent with the service (N6)."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import yaml

from integrator.app import SHUTDOWN_TIMEOUT_S
from integrator.cli import build_parser
from integrator.config import config_warnings, load_config
from integrator.services.cursor import new_cursor_key
from integrator.sessions.seal import new_key
from integrator.workers import STOP_MARGIN_S
from tests.fixtures.deploy import DEPLOY, REPO, docs
from tests.fixtures.tools import need_tool


def test_kustomization_lists_every_manifest() -> None:
    kustomization = yaml.safe_load((DEPLOY / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])
    files = {p.name for p in DEPLOY.glob("*.yaml")} - {"kustomization.yaml", "secret.example.yaml"}
    assert listed == files


def test_configmap_holds_a_valid_config(tmp_path: Path) -> None:
    configmap = docs()["ConfigMap/crm-integrator-config"]["data"]
    (tmp_path / "sets").mkdir()
    (tmp_path / "service.yaml").write_text(configmap["service.yaml"])
    for key, text in configmap.items():
        if key != "service.yaml":
            (tmp_path / "sets" / key).write_text(text)
    secret = docs()["Secret/crm-integrator-secrets"]["stringData"]
    env = {**secret, "REDIS_URL": "redis://redis:6379/0", "STORE_KEY": new_key(),
           "CURSOR_KEY": new_cursor_key()}
    config = load_config(tmp_path / "service.yaml", env=env)
    assert config.sets and config.listen.port == 8080
    assert config.listen.workers == 1  # one process per pod: the HPA scales pods (issue 15 item 5)
    assert config_warnings(config) == []  # replicas: the store sealed, cursors signed alike


def test_probes_and_security() -> None:
    deployment = docs()["Deployment/crm-integrator"]
    pod = deployment["spec"]["template"]["spec"]
    [container] = pod["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    # N6: replicas share Redis; the HPA owns their count (never fixed on the Deployment)
    assert "replicas" not in deployment["spec"]
    assert docs()["HorizontalPodAutoscaler/crm-integrator"]["spec"]["minReplicas"] >= 2
    # one worker process per pod (issue 15 item 5): no --workers; the HPA scales pods
    assert not any(arg.startswith("--workers") for arg in container["args"])


def test_dockerfile_essentials() -> None:
    text = (REPO / "Dockerfile").read_text()
    assert "slim-bookworm" in text
    for package in ("unixodbc", "tdsodbc", "libsqliteodbc"):
        assert package in text
    assert "USER 10001" in text
    assert "HEALTHCHECK" in text and "/health/live" in text


SYSTEMD_UNIT = DEPLOY / "systemd" / "crm-integrator.service"


def unit_settings(text: str) -> dict[str, dict[str, list[str]]]:
    """section -> key -> values, of a systemd unit (comments and blank lines left out)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key, []).append(value)
    return sections


def test_the_systemd_unit_stops_and_serves_as_the_supervisor_expects() -> None:
    """deploy/systemd (several workers on a host of its own, N6): the parent alone gets SIGTERM
    and drains the workers, systemd waits longer than the drain, the command is one the CLI
    takes, and the private /tmp holds the workers' metrics sockets."""
    service = unit_settings(SYSTEMD_UNIT.read_text(encoding="utf-8"))["Service"]
    assert service["KillMode"] == ["mixed"] and service["KillSignal"] == ["SIGTERM"]
    assert float(service["TimeoutStopSec"][0]) > SHUTDOWN_TIMEOUT_S + STOP_MARGIN_S
    assert service["PrivateTmp"] == ["yes"] and service["Restart"] == ["on-failure"]
    assert "AF_UNIX" in service["RestrictAddressFamilies"][0].split()  # the metrics sockets
    program, *args = shlex.split(service["ExecStart"][0])
    assert Path(program).name == "integrator"
    parsed = build_parser().parse_args(args)
    assert parsed.command == "serve" and parsed.config == "/etc/crm-integrator/service.yaml"


def test_systemd_verifies_the_unit(tmp_path: Path) -> None:
    """systemd's own check (no unknown keys, a valid command); optional where systemd is absent."""
    analyze = need_tool("systemd-analyze", "systemd", required=False)
    text = SYSTEMD_UNIT.read_text(encoding="utf-8").replace(
        "/opt/crm-integrator/bin/integrator", str(Path(sys.executable).parent / "integrator"))
    unit = tmp_path / SYSTEMD_UNIT.name
    unit.write_text(text, encoding="utf-8")
    checked = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True,
                             timeout=60, check=False)
    assert (checked.returncode, checked.stdout + checked.stderr) == (0, "")
