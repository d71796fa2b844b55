"""The Kubernetes manifests and the Dockerfile stay consistent with the service (N6)."""

from __future__ import annotations

from pathlib import Path

import yaml

from integrator.config import config_warnings, load_config
from integrator.services.cursor import new_cursor_key
from integrator.sessions.seal import new_key
from tests.fixtures.deploy import DEPLOY, REPO, docs


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
