"""Command-line tools the operations tests run.

promtool (from Debian's package ``prometheus``) is put in .venv/bin by ``./run setup``, which CI
runs: a test that needs it skips when it is missing, except under
``INTEGRATOR_REQUIRE_SERVICES=1`` (``./run test``, CI), where it fails. kubectl is optional: the
rules on the manifests are checked on the parsed YAML files; rendering them with
``kubectl kustomize`` is an extra check where kubectl exists (./run cannot install it: Debian's
only package of it is years old and clashes with the one some machines carry).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from tests.conftest import REQUIRE_SERVICES


def need_tool(name: str, package: str, *, required: bool = True) -> str:
    """The path of ``name``; skip if it is not installed (fail instead when services are
    required and the tool is)."""
    # the PATH, then the virtualenv's bin (where ./run setup unpacks promtool)
    path = os.pathsep.join([os.environ.get("PATH", ""), str(Path(sys.executable).parent)])
    found = shutil.which(name, path=path)
    if found is not None:
        return found
    message = f"{name} is not installed (Debian package {package})"
    if required and REQUIRE_SERVICES:
        pytest.fail(message + " (INTEGRATOR_REQUIRE_SERVICES=1)")
    pytest.skip(message)
