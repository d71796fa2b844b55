"""Command-line tools the operations tests run (promtool, kubectl): a test that needs one skips
when it is missing, except under ``INTEGRATOR_REQUIRE_SERVICES=1`` (``./run test``, CI), where a
missing tool fails the test."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import REQUIRE_SERVICES


def need_tool(name: str, package: str) -> str:
    """The path of ``name``; skip (or fail, when services are required) if it is not installed."""
    found = shutil.which(name)
    if found is not None:
        return found
    message = f"{name} is not installed (Debian package {package})"
    if REQUIRE_SERVICES:
        pytest.fail(message + " (INTEGRATOR_REQUIRE_SERVICES=1)")
    pytest.skip(message)
