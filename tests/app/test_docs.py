"""Documentation stays true: every set field is in docs/sets.md, README commands exist."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from integrator.api.setxml import _dict_value, _is_dict, _is_model, _list_item, _unwrap
from integrator.config import IntegrationSet, Mappings

REPO = Path(__file__).resolve().parents[2]


def field_paths(model: type[BaseModel], prefix: str = "") -> list[str]:
    paths = []
    for name, info in model.model_fields.items():
        key = info.alias or name
        path = f"{prefix}{key}"
        annotation = info.annotation
        item = _list_item(annotation)
        if model is Mappings:
            paths += field_paths(item, "mappings.<entity>[].") if item is not None else []
            continue
        if item is not None and _is_model(item):
            paths += field_paths(item, f"{path}[].")
        elif _is_dict(annotation) and _is_model(_dict_value(annotation)):
            paths += field_paths(_dict_value(annotation), f"{path}.<name>.")
        elif _is_model(_unwrap(annotation)):
            paths += field_paths(_unwrap(annotation), f"{path}.")
        else:
            paths.append(path)
    return sorted(set(paths))


def test_every_set_field_is_documented() -> None:
    text = (REPO / "docs" / "sets.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"\| `([^`]+)` \|", text))
    missing = [p for p in field_paths(IntegrationSet) if p not in documented]
    assert missing == []


def test_readme_commands_exist() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "./run demo" in readme and "./run test" in readme
    assert (REPO / "run").stat().st_mode & 0o111
    ci = (REPO / ".ci" / "run").read_text()
    assert "./run test" in ci
