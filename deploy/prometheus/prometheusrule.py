"""The alert rules as a Prometheus Operator PrometheusRule (deploy/monitoring/).

    .venv/bin/python deploy/prometheus/prometheusrule.py   # rewrites ../monitoring/prometheusrule.yaml

rules.yaml beside this file is the source (promtool checks and tests it); the manifest carries
the same groups under ``spec``. A test fails when the manifest is not what this script writes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

RULES = Path(__file__).with_name("rules.yaml")
OUTPUT = Path(__file__).resolve().parents[1] / "monitoring" / "prometheusrule.yaml"
HEADER = ("# Generated from deploy/prometheus/rules.yaml by deploy/prometheus/prometheusrule.py: "
          "edit those, not this.\n")


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (expressions) as literal blocks, so the manifest stays readable."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def manifest() -> dict[str, Any]:
    rules = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": "crm-integrator",
                     "labels": {"app.kubernetes.io/name": "crm-integrator"}},
        "spec": {"groups": rules["groups"]},
    }


def render() -> str:
    return HEADER + yaml.dump(manifest(), Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                              width=100)


if __name__ == "__main__":
    OUTPUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUTPUT}")
