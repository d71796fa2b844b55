"""Golden files for every (ERP kind, entity) (F6, F8, N7): Turkish text, custom fields, empty vs
missing fields, if_target_empty, value tables, converters, lines, updates.

Inputs are CRM XML under tests/golden/<erp>/<case>.in.xml (an update case also has
<case>.current.xml|json, the ERP record as it is now); the expected payloads are
<case>.out.xml (Logo, exact text) and <case>.out.json (Netsis: method, path, body).
Logo Go uses the Tiger inputs and must produce exactly the Tiger documents.
Regenerate after an intended change with ``UPDATE_GOLDEN=1 pytest tests/test_mapping_golden.py``
and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from integrator.translators import LogoDocument, NetsisDocument, translate, translate_update
from tests.fixtures.mapping import GOLDEN, check_logo, context, record, record_element

UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"

CASES = [
    # (erp, entity, case, user)
    ("tiger", "account", "account-full", "ayşe"),
    ("tiger", "account", "account-person", "ayşe"),
    ("tiger", "account", "account-update", "ayşe"),
    ("tiger", "product", "product-full", "ayşe"),
    ("tiger", "product", "product-update", "ayşe"),
    ("tiger", "order", "order-lines", "ayşe"),
    ("tiger", "dispatch", "dispatch-lines", "ayşe"),
    ("go", "account", "account-full", "ayşe"),
    ("go", "account", "account-update", "ayşe"),
    ("go", "product", "product-full", "ayşe"),
    ("go", "order", "order-lines", "ayşe"),
    ("go", "dispatch", "dispatch-lines", "ayşe"),
    ("netsis", "account", "account-full", "ayşe"),
    ("netsis", "account", "account-update", "ayşe"),
    ("netsis", "product", "product-full", "ayşe"),
    ("netsis", "product", "product-update", "ayşe"),
    ("netsis", "order", "order-lines", "ayşe"),
    ("netsis", "dispatch", "dispatch-lines", "nosalesman"),
    ("netsis", "quote", "quote-lines", "ayşe"),
]
DATA_TYPES = {"account": 30, "product": 0, "order": 3, "dispatch": 17}


def _folder(erp: str) -> Path:
    return GOLDEN / ("netsis" if erp == "netsis" else "tiger")


def _translate(erp: str, entity: str, case: str, user: str) -> LogoDocument | NetsisDocument:
    folder = _folder(erp)
    crm = record((folder / f"{case}.in.xml").read_bytes(), entity)
    ctx = context(erp, user)
    current_files = list(folder.glob(f"{case}.current.*"))
    if current_files:
        raw = current_files[0].read_bytes()
        current = raw if erp != "netsis" else json.loads(raw)
        return translate_update(entity, crm, ctx, current)  # type: ignore[arg-type]
    return translate(entity, crm, ctx)  # type: ignore[arg-type]


def _compare(path: Path, actual: str, erp: str) -> None:
    if UPDATE and erp != "go":
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"{path} is missing; run with UPDATE_GOLDEN=1 and review it"
    assert actual == path.read_text(encoding="utf-8")


@pytest.mark.parametrize(("erp", "entity", "case", "user"), CASES,
                         ids=[f"{c[0]}-{c[2]}" for c in CASES])
def test_golden_f6_f8(erp: str, entity: str, case: str, user: str) -> None:
    document = _translate(erp, entity, case, user)
    folder = _folder(erp)
    if erp == "netsis":
        assert isinstance(document, NetsisDocument)
        # the body is JSON-able and round-trips
        assert json.loads(document.to_json()) == document.body
        actual = json.dumps({"method": document.method, "path": document.path,
                             "body": document.body}, ensure_ascii=False, indent=2) + "\n"
        _compare(folder / f"{case}.out.json", actual, erp)
    else:
        assert isinstance(document, LogoDocument)
        assert document.data_type == DATA_TYPES[entity]
        root = check_logo(document.xml)
        assert record_element(root).get("DBOP") == document.operation
        assert document.operation == ("UPD" if "update" in case else "INS")
        _compare(folder / f"{case}.out.xml", document.xml, erp)
