"""The integrator command: demo (N8 skeleton), hash-key."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from simulators.demo import DEMO_KEY


def free_port_block(size: int = 3) -> int:
    """A port p such that p .. p+size-1 are free now (the demo uses port, port+1, port+2)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = int(s.getsockname()[1])
        if base + size > 65535:
            continue
        probes: list[socket.socket] = []
        try:
            for offset in range(size):
                probe = socket.socket()
                probes.append(probe)
                probe.bind(("127.0.0.1", base + offset))
            return base
        except OSError:
            continue
        finally:
            for probe in probes:
                probe.close()
    raise RuntimeError("no free port block")


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 60.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"demo exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (localhost)
                return int(response.status)
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {timeout}s")


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
            headers={"Authorization": f"Bearer {DEMO_KEY}"}, method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (localhost)
            body = response.read().decode()
        assert response.status == 201
        assert 'set="DEMO-TIGER"' in body
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def test_hash_key() -> None:
    result = subprocess.run([sys.executable, "-m", "integrator", "hash-key", "-"], input="demo-key\n",
                            capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "c48a01f49fd0f2cc404bc3cbbc80e91457a3d41bb429a695243de4c61794155c"
