"""Inbound CRM XML (the Normalizer): a request body becomes a ``CrmRecord``.

``model.xml.parse_xml`` is the only way a body becomes an element tree (no DTD, no entities, no
network, no DOCTYPE, a depth limit; the size limit is the HTTP layer's). ``parse_body`` adds the
XSD check of the CRM schema (``schemas/crm.xsd``) and the expected root; ``record_from_element``
builds the one canonical record shape (``model.records.CrmRecord``).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from functools import cache
from importlib import resources
from types import MappingProxyType

from lxml import etree

from integrator.errors import Detail, ValidationFailed
from integrator.model import CrmRecord
from integrator.model.xml import parse_xml

__all__ = ["CrmRecord", "crm_schema", "parse_body", "parse_record", "parse_records", "parse_xml",
           "record_from_element"]

@cache
def crm_schema() -> etree.XMLSchema:
    text = resources.files("integrator").joinpath("schemas/crm.xsd").read_bytes()
    return etree.XMLSchema(parse_xml(text, max_depth=64))


def parse_body(body: bytes, *, expected: Collection[str], max_depth: int) -> etree._Element:
    """Parse a CRM request body, check the root element and validate it against the XSD."""
    root = parse_xml(body, max_depth=max_depth)
    tag = str(root.tag)
    if tag not in expected:
        names = " or ".join(f"<{name}>" for name in sorted(expected))
        raise ValidationFailed(
            f"expected {names} as the root element, got <{tag}>",
            details=[Detail(f"root element <{tag}>", "input", line=root.sourceline)],
        )
    schema = crm_schema()
    if not schema.validate(root):
        details = [
            Detail(_clean_schema_message(err.message), "input", path=err.path or None,
                   line=err.line or None)
            for err in schema.error_log
        ]
        raise ValidationFailed(f"<{tag}> does not match the CRM schema", details=details[:20])
    return root


def _clean_schema_message(message: str) -> str:
    return re.sub(r"^Element '([^']*)'(, attribute '([^']*)')?: ", r"<\1> \3 ", message).replace(
        "  ", " "
    )


def _opt(value: str | None) -> str | None:
    return value if value not in (None, "") else None


def _opt_int(element: etree._Element, name: str) -> int | None:
    value = element.get(name)
    return int(value) if value not in (None, "") else None


def _fields(element: etree._Element) -> Mapping[str, str]:
    return MappingProxyType({
        str(child.get("name")): child.text or "" for child in element if child.tag == "Field"
    })


def record_from_element(element: etree._Element) -> CrmRecord:
    """Normalise a schema-valid element (Account, Product, Quote, Line) into a ``CrmRecord``."""
    kind = str(element.tag)
    account = element.find("Account")
    product = element.find("Product")
    lines_el = element.find("Lines")
    return CrmRecord(
        kind=kind,
        crm_id=_opt(element.get("crmId")),
        ref=_opt(element.get("ref")),
        code=_opt(element.get("code")),
        fields=_fields(element),
        revision=_opt_int(element, "revision"),
        set_code=_opt(element.get("set")),
        warehouse=_opt_int(element, "warehouse"),
        account=record_from_element(account) if account is not None else None,
        product=record_from_element(product) if product is not None else None,
        lines=tuple(record_from_element(line) for line in lines_el.iter("Line"))
        if lines_el is not None else (),
        source_line=element.sourceline,
    )


def parse_record(body: bytes, *, expected: Collection[str], max_depth: int) -> CrmRecord:
    return record_from_element(parse_body(body, expected=expected, max_depth=max_depth))


def parse_records(body: bytes, *, container: str, max_depth: int) -> list[CrmRecord]:
    """A bulk body (<Accounts>/<Products>) as records, in input order."""
    root = parse_body(body, expected={container}, max_depth=max_depth)
    return [record_from_element(child) for child in root]
