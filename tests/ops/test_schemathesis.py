"""Property-based API fuzzing with schemathesis against the demo's own OpenAPI document (issue 13;
N1, SPEC §5): a bounded run (about two minutes) over every operation, positive and negative
inputs, as the demo serves them (``python -m simulators.demo``: the ERP simulators, the demo
databases, a real session). The run passes with zero 5xx answers and zero error answers that are
not the XML error body (``<Error code status retryable requestId>``).

``INTEGRATOR_FUZZ_EXAMPLES`` sets the examples per operation and mode (default 200); the run stops
generating after two minutes whatever is left. The summary line (calls, statuses per operation) is
printed; ``pytest -s`` shows it.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from lxml import etree
from schemathesis import GenerationMode

from simulators.demo import DEMO_KEY
from tests.fixtures import process

EXAMPLES = int(os.environ.get("INTEGRATOR_FUZZ_EXAMPLES", "200"))
BUDGET_S = 120.0  # the run stops generating after this (about two minutes), whatever is left


def problem_of(method: str, path: str, response: schemathesis.Response) -> str | None:
    """Why an answer breaks the contract: a 5xx, or an error answer that is not the XML body."""
    where = f"{method.upper()} {path} -> {response.status_code}"
    if response.status_code >= 500:
        return f"{where}: server error {response.content[:300]!r}"
    if response.status_code < 400:
        return None
    content_type = (response.headers.get("content-type") or [""])[0]
    if not content_type.startswith("application/xml"):
        return f"{where}: error answer is {content_type!r}"
    try:
        error = etree.fromstring(response.content)
    except etree.XMLSyntaxError as exc:
        return f"{where}: error body is not XML ({exc})"
    if error.tag != "Error" or error.get("status") != str(response.status_code) \
            or not error.get("code") or not error.get("requestId") \
            or error.get("retryable") not in ("true", "false"):
        return f"{where}: not an <Error code status retryable requestId> body"
    return None


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("fuzz")
    with process.demo(folder / "demo", log=folder / "demo.log") as server:
        yield server.url, server.log


@pytest.mark.slow
def test_schemathesis_finds_no_server_error_and_no_non_xml_error_n1(demo: Any) -> None:
    base, log = demo
    http = requests.Session()
    auth = {"Authorization": f"Bearer {DEMO_KEY}"}
    opened = http.post(f"{base}/v1/sessions", data=b'<OpenSession user="demo"/>',
                       headers={**auth, "Content-Type": "application/xml"}, timeout=10)
    assert opened.status_code == 201, opened.text
    session = opened.headers.get("X-Session") or etree.fromstring(opened.content).get("id")
    schema = schemathesis.openapi.from_url(f"{base}/v1/openapi.yaml")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25
    problems: list[str] = []
    statuses: Counter[int] = Counter()
    by_operation: Counter[str] = Counter()
    started = time.monotonic()

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            if time.monotonic() - started > BUDGET_S:
                break

            @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                      phases=[Phase.explicit, Phase.generate],
                      suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def exercise(case: schemathesis.Case) -> None:
                if time.monotonic() - started > BUDGET_S:
                    return
                # the real caller and session: the handlers run, not only the auth check
                headers = {name: value for name, value in (case.headers or {}).items()
                           if name.lower() not in ("authorization", "x-session")}
                headers.update(auth)
                headers["X-Session"] = session
                response = case.call(base_url=base, session=http, headers=headers, timeout=30)
                statuses[response.status_code] += 1
                by_operation[f"{case.method.upper()} {case.path} {response.status_code}"] += 1
                found = problem_of(case.method, case.formatted_path, response)
                if found is not None and len(problems) < 50:
                    problems.append(found)

            # Unsatisfiable: no invalid input exists (an operation without parameters or body)
            with contextlib.suppress(Unsatisfiable):
                exercise()
    elapsed = time.monotonic() - started
    calls = sum(statuses.values())
    print(f"schemathesis: {len(operations)} operations, {calls} calls in {elapsed:.0f}s, "
          f"statuses {dict(sorted(statuses.items()))}")
    for line, count in sorted(by_operation.items()):
        print(f"  {line}: {count}")
    assert calls >= len(operations) * 2
    assert problems == [], "\n".join(problems) + "\n" + Path(log).read_text()[-3000:]
