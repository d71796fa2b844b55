"""The Deployment leaves the replica count to the HPA, spreads replicas over zones and nodes,
drains before it stops, and carries no service-account token (N6, issue 14 item 7)."""

from __future__ import annotations

import inspect
import subprocess
from typing import Any

import pytest
import yaml

from integrator.app import SHUTDOWN_TIMEOUT_S, run
from tests.fixtures.deploy import DEPLOY, docs
from tests.fixtures.tools import need_tool

LABELS = {"app.kubernetes.io/name": "crm-integrator"}


def pod_spec(manifests: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = manifests["Deployment/crm-integrator"]["spec"]["template"]["spec"]
    return spec


def check_deployment(manifests: dict[str, Any]) -> None:
    """Every rule of this module on one set of manifests (the files, or kustomize's render)."""
    deployment = manifests["Deployment/crm-integrator"]
    assert "replicas" not in deployment["spec"], "the HPA owns the replica count"
    hpa = manifests["HorizontalPodAutoscaler/crm-integrator"]["spec"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                     "name": "crm-integrator"}
    # a node drain must stay possible at the HPA's minimum
    assert manifests["PodDisruptionBudget/crm-integrator"]["spec"]["minAvailable"] < hpa["minReplicas"]

    pod = pod_spec(manifests)
    assert pod["automountServiceAccountToken"] is False
    spread = {c["topologyKey"]: c for c in pod["topologySpreadConstraints"]}
    assert set(spread) == {"topology.kubernetes.io/zone", "kubernetes.io/hostname"}
    for constraint in spread.values():
        assert constraint["maxSkew"] == 1
        assert constraint["labelSelector"]["matchLabels"] == LABELS
    assert deployment["spec"]["template"]["metadata"]["labels"] == LABELS
    assert spread["kubernetes.io/hostname"]["whenUnsatisfiable"] == "DoNotSchedule"

    [container] = pod["containers"]
    pre_stop = container["lifecycle"]["preStop"]
    if "sleep" in pre_stop:
        seconds = int(pre_stop["sleep"]["seconds"])
    else:
        command = pre_stop["exec"]["command"]
        assert command[0] == "sleep", command
        seconds = int(command[1])
    assert 3 <= seconds <= 15, "long enough for the endpoint removal to reach the load balancers"
    # after the preStop hook, SIGTERM: aiohttp waits up to shutdown_timeout for requests in flight
    assert seconds + shutdown_timeout() < pod["terminationGracePeriodSeconds"]

    assert container["resources"]["requests"]["cpu"] and container["resources"]["requests"]["memory"]
    assert container["resources"]["limits"]["memory"]
    readiness, liveness = container["readinessProbe"], container["livenessProbe"]
    # liveness gives up later than readiness: a replica that is only not ready is not restarted
    assert (liveness["periodSeconds"] * liveness["failureThreshold"]
            > readiness["periodSeconds"] * readiness["failureThreshold"])


def shutdown_timeout() -> float:
    """aiohttp's shutdown_timeout as ``integrator serve`` runs the app (``integrator.app.run``)."""
    assert "SHUTDOWN_TIMEOUT_S" in inspect.getsource(run), (
        "integrator serve no longer drains for SHUTDOWN_TIMEOUT_S: recheck the preStop budget")
    return SHUTDOWN_TIMEOUT_S


def test_deployment_manifests() -> None:
    check_deployment(docs())


def test_the_checks_catch_a_fixed_replica_count() -> None:
    manifests = docs()
    manifests["Deployment/crm-integrator"]["spec"]["replicas"] = 3
    with pytest.raises(AssertionError, match="HPA owns"):
        check_deployment(manifests)


def test_kustomize_renders_the_same_rules() -> None:
    kubectl = need_tool("kubectl", "kubectl", required=False)
    rendered = subprocess.run([kubectl, "kustomize", str(DEPLOY)], check=True, capture_output=True,
                              text=True, timeout=120).stdout
    manifests = {f"{d['kind']}/{d['metadata']['name']}": d
                 for d in yaml.safe_load_all(rendered) if d}
    assert all(d["metadata"].get("namespace") == "crm-integrator"
               for key, d in manifests.items() if not key.startswith("Namespace/"))
    check_deployment(manifests)
