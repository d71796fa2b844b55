"""Several worker processes on one host (issue 15 item 5; N6): ``integrator serve --workers N``
starts N processes on one port with SO_REUSEPORT, sharing Redis; SIGTERM to the parent drains them
all; a worker that dies is replaced; the workers drain when the parent is killed; the embedded
store, a zero count and a taken port are refused with one line."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from integrator.api.middlewares import hash_key
from integrator.app import ListenFailed
from integrator.config import load_config
from integrator.workers import serve_workers
from tests.fixtures.common import API_KEY
from tests.fixtures.ports import free_port_block, wait_ready

REPO = Path(__file__).resolve().parents[2]
STOP_BOUND_S = 20.0  # nothing is in flight: the drain ends at once; the bound only stops a hang


def write_config(folder: Path, port: int, store: str, prefix: str = "itest:") -> Path:
    """A service config on ``port`` with the demo Tiger set (its ERP and database are not used)."""
    (folder / "sets").mkdir(exist_ok=True)
    tiger = (REPO / "config" / "demo" / "sets" / "demo-tiger.yaml").read_text(encoding="utf-8")
    (folder / "sets" / "demo-tiger.yaml").write_text(tiger, encoding="utf-8")
    path = folder / "service.yaml"
    path.write_text(
        f"listen: {{host: 127.0.0.1, port: {port}}}\nstore: {store}\nstore_prefix: '{prefix}'\n"
        "api_keys:\n  - name: test\n"
        f"    sha256: {hash_key(API_KEY)}\n"
        "logging: {format: json, access_log: true}\nsets_dir: sets\n", encoding="utf-8")
    return path


def serve(config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "integrator", "serve", "--config", str(config), *args]


def events(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()
            if line.startswith("{")]


def gone(pid: int) -> bool:
    """The process has exited (a zombie counts: it runs nothing and holds no socket)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def wait_for(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout} s")
        time.sleep(0.1)


def call(url: str, method: str = "GET", body: bytes | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """One request on a connection of its own (a new source port: the kernel picks a worker)."""
    request = urllib.request.Request(url, data=body, method=method,  # noqa: S310 (localhost)
                                     headers={"Authorization": f"Bearer {API_KEY}",
                                              "Content-Type": "application/xml", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (localhost)
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def scraped(body: bytes, sample: str, **labels: str) -> dict[str, float]:
    """worker -> the sum of ``sample`` over the series with ``labels``, from a /metrics body."""
    found: dict[str, float] = {}
    for family in text_string_to_metric_families(body.decode()):
        for s in family.samples:
            if s.name == sample and labels.items() <= s.labels.items():
                found[s.labels["worker"]] = found.get(s.labels["worker"], 0.0) + s.value
    return found


def workers_listening(log: Path) -> dict[int, int]:
    """worker number -> pid of its latest ``listening`` line."""
    return {e["worker"]: e["pid"] for e in events(log) if e["event"] == "listening"}


@pytest.fixture
def two_workers(tmp_path: Path, redis_url: str, store_prefix: str) -> Iterator[Any]:
    port = free_port_block(1)
    log = tmp_path / "serve.log"
    config = write_config(tmp_path, port, redis_url, store_prefix)
    with log.open("ab") as out:
        process = subprocess.Popen(serve(config, "--workers", "2"), stdout=out,
                                   stderr=subprocess.STDOUT)
    try:
        wait_ready(f"http://127.0.0.1:{port}/health/ready", process)
        wait_for(lambda: len(workers_listening(log)) == 2, 30, "two workers listening")
        yield process, port, log
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        for pid in workers_listening(log).values():
            if not gone(pid):
                os.kill(pid, signal.SIGKILL)


@pytest.mark.redis
def test_two_workers_share_the_port_and_the_store_and_stop_on_sigterm(two_workers: Any) -> None:
    process, port, log = two_workers
    url = f"http://127.0.0.1:{port}"
    status, body = call(f"{url}/v1/sessions", "POST", b'<OpenSession user="demo"/>')
    assert status == 201, body
    session = body.decode().split('id="')[1].split('"')[0]
    for _ in range(40):  # each on a new connection: both workers answer, from the shared store
        status, body = call(f"{url}/v1/session", headers={"X-Session": session})
        assert status == 200 and b'user="demo"' in body, body
    answered = {(e["worker"], e["pid"]) for e in events(log)
                if e["event"] == "request" and e["route"] == "/v1/session" and e["status"] == 200}
    pids = workers_listening(log)
    assert answered == {(1, pids[1]), (2, pids[2])} and pids[1] != pids[2]
    # every scrape, whichever worker accepts it, shows both workers' counters (api.peers)
    by_worker = Counter(str(e["worker"]) for e in events(log)
                        if e["event"] == "request" and e["route"] == "/v1/session")
    for _ in range(6):
        status, body = call(f"{url}/metrics")
        assert status == 200
        assert scraped(body, "integrator_worker_up") == {"1": 1.0, "2": 1.0}
        assert scraped(body, "integrator_http_requests_total", route="/v1/session") == by_worker
    sockets = Path(next(e for e in events(log) if e["event"] == "workers_starting")
                   ["metrics_sockets"])
    assert sorted(p.name for p in sockets.iterdir()) == ["worker-1.sock", "worker-2.sock"]

    process.send_signal(signal.SIGTERM)
    assert process.wait(STOP_BOUND_S) == 0
    found = events(log)
    for number, pid in pids.items():
        assert gone(pid)
        mine = [e["event"] for e in found if e.get("pid") == pid]
        assert mine.index("listening") < mine.index("draining") < mine.index("stopped")
        assert {"event": "worker_stopped", "worker": number, "pid": pid,
                "exit_code": 0}.items() <= next(e for e in found if e["event"] == "worker_stopped"
                                                and e["pid"] == pid).items()
    assert found[-1]["event"] == "workers_stopped" and found[-1]["exit_status"] == 0
    assert not sockets.exists()


@pytest.mark.redis
def test_a_dead_worker_is_replaced_and_the_workers_outlive_no_parent(two_workers: Any) -> None:
    process, port, log = two_workers
    first = workers_listening(log)
    os.kill(first[1], signal.SIGKILL)
    wait_for(lambda: workers_listening(log)[1] != first[1], 30, "worker 1 replaced")
    exited = next(e for e in events(log) if e["event"] == "worker_exited")
    assert (exited["worker"], exited["pid"], exited["signal"]) == (1, first[1], signal.SIGKILL)
    assert process.poll() is None
    for _ in range(10):
        assert call(f"http://127.0.0.1:{port}/health/live")[0] == 200
    # the replacement's metrics are in every scrape (the 10 probes since its start; probes are
    # not logged, so by their sum over the workers)
    for _ in range(4):
        body = call(f"http://127.0.0.1:{port}/metrics")[1]
        assert scraped(body, "integrator_worker_up") == {"1": 1.0, "2": 1.0}
        assert sum(scraped(body, "integrator_http_requests_total",
                           route="/health/live").values()) == 10

    # the parent killed outright: each worker sees its pipe close and drains by itself
    now = workers_listening(log)
    process.kill()
    process.wait(10)
    wait_for(lambda: all(gone(pid) for pid in now.values()), STOP_BOUND_S, "the workers exited")
    for pid in now.values():
        mine = [e["event"] for e in events(log) if e.get("pid") == pid]
        assert mine[-3:] == ["parent_gone", "draining", "stopped"]


def test_the_embedded_store_is_refused_with_several_workers(tmp_path: Path) -> None:
    config = write_config(tmp_path, free_port_block(1), "memory")
    run = subprocess.run(serve(config, "--workers", "2"), capture_output=True, text=True,
                         timeout=60, check=False)
    assert run.returncode == 1
    assert run.stderr.splitlines() == [
        "error: --workers is 2 but store is 'memory': the embedded store is not shared between "
        "worker processes; set store to a redis:// URL or run one worker"]
    # the same in the configuration: check-config names the setting
    text = config.read_text().replace("listen: {", "listen: {workers: 2, ")
    config.write_text(text)
    run = subprocess.run([sys.executable, "-m", "integrator", "check-config", str(config)],
                         capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 1
    assert (f"error: {config}: listen.workers is 2 but store is 'memory': the embedded store is "
            "not shared") in run.stderr


@pytest.mark.parametrize("count", ["0", "-1", "65", "two"])
def test_a_worker_count_out_of_range_is_a_usage_error(tmp_path: Path, count: str) -> None:
    config = write_config(tmp_path, free_port_block(1), "redis://127.0.0.1:6379/0")
    run = subprocess.run(serve(config, f"--workers={count}"), capture_output=True, text=True,
                         timeout=60, check=False)
    assert run.returncode == 2
    assert run.stderr.splitlines()[-1] == (f"integrator serve: error: argument --workers: {count!r} "
                                           "is not a number from 1 to 64")


def test_a_port_held_by_other_workers_is_one_line(tmp_path: Path) -> None:
    """A socket with SO_REUSEPORT (the workers of another instance) would let the new workers
    join it silently; the parent's check refuses the port first."""
    port = free_port_block(1)
    config = write_config(tmp_path, port, "redis://127.0.0.1:6379/0")
    with socket.socket() as other:
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        other.bind(("127.0.0.1", port))
        other.listen()
        run = subprocess.run(serve(config, "--workers", "2"), capture_output=True, text=True,
                             timeout=60, check=False)
    assert run.returncode == 1
    assert run.stderr.splitlines() == [
        f"error: cannot listen on 127.0.0.1:{port}: the port is already in use"]
    assert "worker_started" not in run.stdout


def sockets_refusal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tempdir: Path) -> str:
    """What ``serve --workers 2`` says when the temporary directory is ``tempdir``."""
    config = load_config(write_config(tmp_path, free_port_block(1), "redis://127.0.0.1:6379/0"))
    monkeypatch.setattr(tempfile, "tempdir", str(tempdir))  # where mkdtemp makes its directories
    with pytest.raises(ListenFailed) as caught:
        serve_workers(config.model_copy(update={"listen": config.listen.model_copy(
            update={"workers": 2})}))
    return str(caught.value)


def test_no_place_for_the_metrics_sockets_is_one_line(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "no-such-dir"
    assert sockets_refusal(tmp_path, monkeypatch, missing) == (
        "cannot make the directory of the workers' metrics sockets in "
        f"{missing}: No such file or directory (set TMPDIR to a writable directory)")


def test_a_temporary_directory_too_deep_for_socket_paths_is_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    deep = tmp_path / ("d" * 100)
    deep.mkdir()
    assert sockets_refusal(tmp_path, monkeypatch, deep) == (
        "the workers' metrics sockets would have paths longer than 107 bytes in "
        f"{deep} (set TMPDIR to a shorter path)")
    assert list(deep.iterdir()) == []  # the directory it made is gone
