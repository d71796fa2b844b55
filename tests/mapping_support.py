"""Shared helpers of the mapping tests: the golden sets, contexts, CRM records, and the structural
check of generated Logo XML (tests/golden/logo-objects.xsd)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

from integrator.api.inbound import parse_record
from integrator.config import IntegrationSet, load_set_file
from integrator.model import CrmRecord
from integrator.translators import MappingContext

GOLDEN = Path(__file__).parent / "golden"
LOGO_DECLARATION = '<?xml version="1.0" encoding="ISO-8859-9"?>'
ROOTS = {"account": "Account", "product": "Product"}


@cache
def golden_set(erp: str) -> IntegrationSet:
    """The golden set of an ERP kind ("go" is the Tiger set with erp switched)."""
    source = "netsis" if erp == "netsis" else "tiger"
    loaded = load_set_file(GOLDEN / "sets" / f"{source}.yaml", env={})
    if erp == "go":
        return IntegrationSet.model_validate({**loaded.model_dump(by_alias=True, mode="python"),
                                              "erp": "go", "code": "GOLDEN-GO"})
    return loaded


def context(erp: str, user: str | None = "ayşe", **changes: Any) -> MappingContext:
    return MappingContext.for_user(golden_set(erp), user, **changes)


def record(text: str | bytes, entity: str) -> CrmRecord:
    data = text.encode() if isinstance(text, str) else text
    return parse_record(data, expected={ROOTS.get(entity, "Quote")}, max_depth=32)


@cache
def logo_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(GOLDEN / "logo-objects.xsd")))


def check_logo(xml: str) -> etree._Element:
    """The document is declared ISO-8859-9, encodes in it, parses, and matches the Logo XSD."""
    assert xml.startswith(LOGO_DECLARATION + "\n")
    data = xml.encode("iso-8859-9")  # raises if a character cannot be carried
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    schema = logo_schema()
    assert schema.validate(root), schema.error_log
    return root


def record_element(root: etree._Element) -> etree._Element:
    assert len(root) == 1
    return root[0]


def text_of(element: etree._Element, tag: str) -> str | None:
    found = element.find(tag)
    return None if found is None else (found.text or "")
