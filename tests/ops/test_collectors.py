"""The app's own registry carries the process, platform and GC collectors (N3, issue 14 item 5)."""

from __future__ import annotations

import platform
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from integrator.metrics import Metrics


async def test_metrics_carry_process_platform_and_gc_collectors(client: Any) -> None:
    text = await (await client.get("/metrics")).text()
    samples = {s.name: s for f in text_string_to_metric_families(text) for s in f.samples}
    assert samples["process_resident_memory_bytes"].value > 0
    assert samples["process_cpu_seconds_total"].value > 0
    assert "process_open_fds" in samples and "process_start_time_seconds" in samples
    assert samples["python_info"].labels["version"] == platform.python_version()
    assert "python_gc_objects_collected_total" in samples
    assert "python_gc_collections_total" in samples


def test_each_app_registers_its_own_collectors() -> None:
    # two apps in one process (tests, several apps) must not collide on one registry
    for metrics in (Metrics(), Metrics()):
        assert metrics.registry.get_sample_value("process_max_fds") is not None
        assert metrics.registry.get_sample_value("python_gc_collections_total",
                                                 {"generation": "0"}) is not None
