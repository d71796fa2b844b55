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


def markdown_files() -> list[Path]:
    return [REPO / "README.md", REPO / "DEVELOPERS.md", *sorted((REPO / "docs").glob("*.md"))]


def test_links_stay_inside_the_repository() -> None:
    """Issue 14 item 9: a plain clone has everything its documents link to (the contract is
    docs/spec.md, not a file beside the repository)."""
    broken = []
    for document in markdown_files():
        text = document.read_text(encoding="utf-8")
        assert "../shared" not in text, f"{document.name} points outside the repository"
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if target.startswith(("http://", "https://", "mailto:", "#")):
                continue
            path = (document.parent / target.split("#")[0]).resolve()
            if not path.exists() or REPO not in (path, *path.parents):
                broken.append(f"{document.relative_to(REPO)}: {target}")
    assert broken == []


def test_the_contract_is_in_the_repository() -> None:
    spec = (REPO / "docs" / "spec.md").read_text(encoding="utf-8")
    named = {int(n) for n in re.findall(r"\bF(\d+)\b", spec)}
    for first, last in re.findall(r"\bF(\d+)–F(\d+)\b", spec):  # "F16–F22"
        named |= set(range(int(first), int(last) + 1))
    assert named == set(range(1, 36))
    assert {int(n) for n in re.findall(r"\bN(\d)\b", spec)} == set(range(1, 10))
    for document in ("README.md", "DEVELOPERS.md"):
        assert "docs/spec.md" in (REPO / document).read_text(encoding="utf-8")


def test_every_error_code_says_who_answers_it() -> None:
    """Issue 14 item 9: docs/api.md gives each error code its status, retry flag and the routes
    or features that can answer it."""
    from integrator.errors import ALL_ERRORS

    text = (REPO / "docs" / "api.md").read_text(encoding="utf-8")
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| `") and len(cells) == 5:
            for code in re.findall(r"`([A-Z_]+)`", cells[0]):
                rows[code] = cells
    for cls in ALL_ERRORS:
        code, status, retryable, _when, answered_by = rows[cls.code]
        assert (status, retryable) == (str(cls.status), "yes" if cls.retryable else "no"), cls.code
        assert len(answered_by) >= len("any route"), cls.code


def test_the_readme_names_every_document_and_bench() -> None:
    """A newcomer finds every document of docs/ in the README's table, and every bench script
    in its list (both fell behind once: docs/quotes.md and docs/prices.md were missing)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    documents = [path.name for path in sorted((REPO / "docs").glob("*.md"))]
    assert [name for name in documents if f"| [docs/{name}](docs/{name}) |" not in readme] == []
    benches = [path.name for path in sorted((REPO / "bench").glob("*.py"))
               if path.name not in ("__init__.py", "callgrind.py", "common.py", "locustfile.py")]
    assert [name for name in benches if f"`bench/{name}`" not in readme] == []
