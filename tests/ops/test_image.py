"""The container image is reproducible and production-only: a base image pinned by digest,
dependencies installed from the hash-pinned lock file, and nothing but the package copied in
(N6, issue 14 item 7)."""

from __future__ import annotations

import configparser
import re

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.fixtures.deploy import REPO

LOCK = REPO / "requirements.lock"


def instructions(dockerfile: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", "\n".join(
        line for line in dockerfile.splitlines() if not line.lstrip().startswith("#")))
    found = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, rest = line.strip().partition(" ")
            found.append((keyword.upper(), " ".join(rest.split())))
    return found


def dockerfile() -> list[tuple[str, str]]:
    return instructions((REPO / "Dockerfile").read_text())


PIN = re.compile(r"([A-Za-z0-9_.\-]+)==(\S+)((?:\s+--hash=sha256:[0-9a-f]{64})+)")


def locked(text: str) -> dict[str, tuple[str, list[str]]]:
    """name -> (version, sha256 hashes) of a pip-compile lock file."""
    pins: dict[str, tuple[str, list[str]]] = {}
    for line in re.sub(r"\\\n", " ", text).splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        found = PIN.fullmatch(line)
        assert found, f"not an exact pin with hashes: {line[:80]}"
        hashes = re.findall(r"sha256:([0-9a-f]{64})", found.group(3))
        pins[canonicalize_name(found.group(1))] = (found.group(2), hashes)
    return pins


def check_lock(text: str, requirements: list[Requirement]) -> None:
    pins = locked(text)
    for requirement in requirements:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement} is not in the lock: run pip-compile again"
        version, hashes = pins[name]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"the lock pins {name}=={version}, outside {requirement.specifier}")
        assert hashes


def install_requires() -> list[Requirement]:
    parser = configparser.ConfigParser()
    parser.read(REPO / "setup.cfg")
    return [Requirement(line) for line in parser["options"]["install_requires"].splitlines()
            if line.strip()]


def test_base_image_is_pinned_by_digest() -> None:
    steps = dockerfile()
    args = dict(a.split("=", 1) for k, a in steps if k == "ARG" and "=" in a)
    image = args["PYTHON_IMAGE"]
    assert re.fullmatch(r"python:3\.11\.\d+-slim-bookworm@sha256:[0-9a-f]{64}", image), image
    froms = [a for k, a in steps if k == "FROM"]
    assert froms and all(f.split()[0] == "${PYTHON_IMAGE}" for f in froms), froms


def test_dependencies_come_from_the_lock_with_hashes() -> None:
    steps = dockerfile()
    assert ("COPY", "requirements.lock /tmp/requirements.lock") in steps
    installs = [a for k, a in steps if k == "RUN" and "pip install" in a]
    [from_lock] = [a for a in installs if "requirements.lock" in a]
    assert "--require-hashes -r /tmp/requirements.lock" in from_lock
    assert "--no-deps" not in from_lock  # pip must see, and refuse, anything the lock misses
    # the one other install is the service's own wheel, without dependencies, then pip check
    others = [a for a in installs if a is not from_lock]
    assert len(others) == 1 and "--no-deps /wheels/" in others[0] and "pip check" in others[0]
    # the wheel build takes no build dependencies from an index: the pinned base image has them
    [build] = [a for k, a in steps if k == "RUN" and "pip wheel" in a]
    assert "--no-deps" in build and "--no-build-isolation" in build


def test_the_image_copies_only_the_package() -> None:
    steps = dockerfile()
    sources = []
    for keyword, args in steps:
        if keyword == "COPY" and not args.startswith("--from="):
            sources += args.split()[:-1]
    assert set(sources) == {"setup.cfg", "pyproject.toml", "README.md", "integrator",
                            "requirements.lock"}
    text = " ".join(a for _, a in steps)
    assert "simulators" not in text and "config/demo" not in text
    ignored = {line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()}
    assert {"simulators", "tests", "bench", "config"} <= ignored


def test_the_lock_pins_every_install_requires_entry() -> None:
    text = LOCK.read_text()
    check_lock(text, install_requires())
    assert "pip-compile --generate-hashes" in text and "setup.cfg" in text


def test_the_lock_check_refuses_a_missing_an_unhashed_or_a_stale_pin() -> None:
    text = LOCK.read_text()
    without = re.sub(r"(?m)^structlog==.*\n(?:    .*\n)*", "", text)
    with pytest.raises(AssertionError, match=r"structlog.* is not in the lock"):
        check_lock(without, install_requires())
    with pytest.raises(AssertionError, match="not an exact pin with hashes"):
        check_lock(text + "structlog>=26.1\n", install_requires())
    with pytest.raises(AssertionError, match="outside"):
        check_lock(text, [Requirement("aiohttp>=4")])
