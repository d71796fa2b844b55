"""The integrator command: demo (N8 skeleton), hash-key."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from simulators.demo import DEMO_KEY
from tests.fixtures import process


@pytest.mark.slow
def test_demo_comes_up_ready(tmp_path: Path) -> None:
    with process.demo(tmp_path / "demo", log=tmp_path / "demo.log") as server:
        request = urllib.request.Request(  # noqa: S310 (localhost)
            f"{server.url}/v1/sessions", data=b'<OpenSession user="demo"/>',
            headers={"Authorization": f"Bearer {DEMO_KEY}"}, method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (localhost)
            body = response.read().decode()
        assert response.status == 201
        assert 'set="DEMO-TIGER"' in body
        assert response.headers["X-Session"] and f'id="{response.headers["X-Session"]}"' in body


def test_hash_key() -> None:
    result = subprocess.run([sys.executable, "-m", "integrator", "hash-key", "-"], input="demo-key\n",
                            capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "c48a01f49fd0f2cc404bc3cbbc80e91457a3d41bb429a695243de4c61794155c"
