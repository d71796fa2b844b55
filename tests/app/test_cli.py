"""The integrator command: demo (N8 skeleton), hash-key."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from simulators.demo import DEMO_KEY
from tests.fixtures.ports import free_port_block, stop_process, wait_ready


@pytest.mark.slow
def test_demo_comes_up_ready(tmp_path: Path) -> None:
    port = free_port_block()
    log = (tmp_path / "demo.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "simulators.demo", "--port", str(port), "--data-dir",
         str(tmp_path / "demo")],
        stdout=log, stderr=subprocess.STDOUT)
    try:
        assert wait_ready(f"http://127.0.0.1:{port}/health/ready", process) == 200
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/v1/sessions", data=b'<OpenSession user="demo"/>',
            headers={"Authorization": f"Bearer {DEMO_KEY}", "Content-Type": "application/xml"},
            method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (localhost)
            body = response.read().decode()
        assert response.status == 201
        assert 'set="DEMO-TIGER"' in body
    finally:
        stop_process(process)
        log.close()


def test_hash_key() -> None:
    result = subprocess.run([sys.executable, "-m", "integrator", "hash-key", "-"], input="demo-key\n",
                            capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "c48a01f49fd0f2cc404bc3cbbc80e91457a3d41bb429a695243de4c61794155c"
