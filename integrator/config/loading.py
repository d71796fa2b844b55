"""Loading the configuration from YAML: ``service.yaml`` and one file per set in ``sets_dir``;
``${NAME}`` / ``${NAME:-default}`` references to environment variables; every problem reported
with its file, field path and reason, all in one run: every environment variable that is not set
(``ConfigError.missing_variables``), every invalid field of the service file and of each set file.
A field whose variable is missing reports only that (not also that its empty value is invalid)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from integrator.config.service import ServiceConfig
from integrator.config.sets import SET_CHECK, SET_CHECK_ERROR, IntegrationSet, SetCheck
from integrator.errors import Detail

__all__ = [
    "ConfigError", "Problem", "format_loc", "iter_set_files", "load_config", "load_set_file",
    "set_check_problems", "set_context", "validation_problems",
]



@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    path: str
    reason: str
    variable: str | None = None  # the environment variable that is not set, for that problem

    def __str__(self) -> str:
        where = f"{self.file}: {self.path}" if self.path else self.file
        return f"{where}: {self.reason}"


class ConfigError(Exception):
    """Configuration is invalid; ``problems`` names file, field path and reason for each."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems

    @property
    def missing_variables(self) -> list[str]:
        """The environment variables that are not set, each once, sorted."""
        return sorted({p.variable for p in self.problems if p.variable})


_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def _interpolate(value: Any, path: str, env: Mapping[str, str],
                 missing: list[tuple[str, str]]) -> Any:
    """``value`` with its ``${NAME}`` references replaced; (path, NAME) of each variable that is
    not set (and has no default) goes to ``missing``, its reference becomes empty."""
    if isinstance(value, str):
        def replace(match: re.Match[str]) -> str:
            name, default = match.group(1), match.group(2)
            if name in env:
                return env[name]
            if default is not None:
                return default
            missing.append((path, name))
            return ""

        return _ENV_REF.sub(replace, value)
    if isinstance(value, dict):
        return {k: _interpolate(v, f"{path}.{k}" if path else str(k), env, missing)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v, f"{path}[{i}]", env, missing) for i, v in enumerate(value)]
    return value


def _related(path: str, other: str) -> bool:
    """One path is the other, or lies inside it (``a.b[0]`` and ``a.b``; not the root)."""
    if not path or not other:
        return False
    inner, outer = (path, other) if len(path) >= len(other) else (other, path)
    return inner == outer or inner.startswith((outer + ".", outer + "["))


def _without_consequences(problems: list[Problem], missing: list[Problem]) -> list[Problem]:
    """The validation problems that are not only the empty value of a missing variable."""
    return [p for p in problems
            if not any(m.file == p.file and _related(p.path, m.path) for m in missing)]


def format_loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def set_check_problems(err: Mapping[str, Any]) -> list[Detail] | None:
    """The problems of a set check (``SetCheck``) carried by one pydantic error, or None when the
    error is not the set check's."""
    if err.get("type") != SET_CHECK_ERROR:
        return None
    problems: list[Detail] = err.get("ctx", {}).get("problems", [])
    return problems


def validation_problems(exc: ValidationError, file: str) -> list[Problem]:
    problems: list[Problem] = []
    for err in exc.errors(include_url=False, include_input=False):
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
        checked = set_check_problems(err)
        if checked is not None:  # one problem per statement or mapping, each at its own path
            problems.extend(Problem(file, d.path or format_loc(loc), d.text) for d in checked)
            continue
        reason = err["msg"]
        if reason.startswith("Value error, "):
            reason = reason[len("Value error, "):]
        problems.append(Problem(file, format_loc(loc), reason))
    return problems


def _read_yaml(path: Path, env: Mapping[str, str]) -> tuple[Any, list[Problem]]:
    """The file's data with its variables filled in, and a problem per variable not set (the
    file cannot be read or parsed: ``ConfigError``)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([Problem(str(path), "", f"cannot read: {exc.strerror}")]) from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        raise ConfigError([Problem(str(path), where, f"invalid YAML: {exc}")]) from exc
    missing: list[tuple[str, str]] = []
    data = _interpolate(data, "", env, missing)
    return data, [Problem(str(path), where, f"environment variable {name} is not set", name)
                  for where, name in missing]


def load_set_file(path: Path, env: Mapping[str, str] | None = None, *,
                  check: SetCheck | None = None) -> IntegrationSet:
    """One set file; ``check`` (``integrator.services.sets.set_problems``) adds the checks that
    need the field catalog and the SQL validator."""
    data, missing = _read_yaml(path, os.environ if env is None else env)
    if not isinstance(data, dict):
        raise ConfigError([Problem(str(path), "", "a set file must hold one mapping (one set)")])
    try:
        loaded = IntegrationSet.model_validate(data, context=set_context(check))
    except ValidationError as exc:
        raise ConfigError(missing + _without_consequences(validation_problems(exc, str(path)),
                                                          missing)) from exc
    if missing:
        raise ConfigError(missing)
    return loaded


def iter_set_files(folder: Path) -> Iterator[Path]:
    yield from sorted(p for p in folder.glob("*.y*ml") if p.suffix in (".yaml", ".yml"))


def set_context(check: SetCheck | None) -> dict[str, Any] | None:
    """The validation context that makes ``IntegrationSet`` run ``check`` as well."""
    return {SET_CHECK: check} if check is not None else None


def load_config(path: str | Path, env: Mapping[str, str] | None = None, *,
                check: SetCheck | None = None) -> ServiceConfig:
    """Load the service config and every set file of its ``sets_dir``; all problems at once."""
    env = os.environ if env is None else env
    file = Path(path)
    data, missing = _read_yaml(file, env)
    data = data or {}
    if not isinstance(data, dict):
        raise ConfigError([Problem(str(file), "", "the service config must be a mapping")])
    problems: list[Problem] = list(missing)
    if "sets" in data:
        problems.append(Problem(str(file), "sets", "sets live in files under sets_dir"))
        data = {k: v for k, v in data.items() if k != "sets"}
    try:
        config: ServiceConfig | None = ServiceConfig.model_validate({**data, "sets": []})
    except ValidationError as exc:
        config = None
        problems += _without_consequences(validation_problems(exc, str(file)), missing)
    sets: list[IntegrationSet] = []
    sets_dir = data.get("sets_dir", "sets")
    if sets_dir:
        folder = file.parent / str(sets_dir)
        if not folder.is_dir():
            problems.append(Problem(str(file), "sets_dir",
                                    f"folder {folder.resolve()} does not exist"))
        else:
            seen: dict[str, Path] = {}
            for set_file in iter_set_files(folder):
                try:
                    loaded = load_set_file(set_file, env, check=check)
                except ConfigError as exc:
                    problems.extend(exc.problems)
                    continue
                if loaded.code in seen:
                    problems.append(Problem(str(set_file), "code",
                                            f"set {loaded.code} is also defined in {seen[loaded.code]}"))
                    continue
                seen[loaded.code] = set_file
                sets.append(loaded)
    if problems or config is None:
        raise ConfigError(problems)
    return config.model_copy(update={"sets": sets})
