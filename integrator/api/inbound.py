"""Inbound CRM XML (the Normalizer): a request body becomes a ``CrmRecord``.

``model.xml.parse_xml`` is the only way a body becomes an element tree (no DTD, no entities, no
network, no DOCTYPE, a depth limit; the size limit is the HTTP layer's). ``parse_body`` adds the
XSD check of the CRM schema (``schemas/crm.xsd``) and the expected root; ``record_from_element``
builds the one canonical record shape (``model.records.CrmRecord``) in one pass over the children.

The published XSD states that field names are unique within a record (``xs:unique``). libxml2
evaluates identity constraints with an XPath per element, which tripled the cost of validating a
500-line quote; the service compiles the schema without them and ``record_from_element`` enforces
the same rule while it collects the fields (a ``Duplicate field`` validation error with the line),
so a body is refused exactly when the published schema refuses it (tests/api/test_inbound.py).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from functools import cache
from importlib import resources
from types import MappingProxyType

from lxml import etree

from integrator.errors import Detail, ValidationFailed
from integrator.model import CrmRecord
from integrator.model.xml import parse_xml

__all__ = ["CrmRecord", "crm_schema", "parse_body", "parse_record", "parse_records", "parse_xml",
           "record_from_element"]

_XS = "{http://www.w3.org/2001/XMLSchema}"


@cache
def crm_schema(*, identity_constraints: bool = False) -> etree.XMLSchema:
    """The compiled CRM schema; without its ``xs:unique`` constraints unless asked (the record
    builder checks them, see the module docstring)."""
    text = resources.files("integrator").joinpath("schemas/crm.xsd").read_bytes()
    document = parse_xml(text, max_depth=64)
    if not identity_constraints:
        for unique in list(document.iter(f"{_XS}unique")):
            parent = unique.getparent()
            assert parent is not None
            parent.remove(unique)
    return etree.XMLSchema(document)


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


def _opt_int(value: str | None) -> int | None:
    return int(value) if value else None


def _duplicate(element: etree._Element, child: etree._Element, name: str) -> ValidationFailed:
    tag = str(element.tag)
    return ValidationFailed(
        f"<{tag}> does not match the CRM schema",
        details=[Detail(f"Duplicate field {name!r} in <{tag}>: field names are unique "
                        "within a record", "input", line=child.sourceline)],
    )


def record_from_element(element: etree._Element) -> CrmRecord:
    """Normalise a schema-valid element (Account, Product, Quote, Line) into a ``CrmRecord``."""
    fields: dict[str, str] = {}
    account = product = None
    lines: tuple[CrmRecord, ...] = ()
    for child in element:
        tag = child.tag
        if tag == "Field":
            name = str(child.get("name"))
            if name in fields:
                raise _duplicate(element, child, name)
            fields[name] = child.text or ""
        elif tag == "Lines":
            lines = tuple(record_from_element(line) for line in child if line.tag == "Line")
        elif tag == "Product":
            product = record_from_element(child)
        elif tag == "Account":
            account = record_from_element(child)
    get = element.attrib.get
    return CrmRecord(
        kind=str(element.tag),
        crm_id=get("crmId") or None,
        ref=get("ref") or None,
        code=get("code") or None,
        fields=MappingProxyType(fields),
        revision=_opt_int(get("revision")),
        set_code=get("set") or None,
        warehouse=_opt_int(get("warehouse")),
        account=account,
        product=product,
        lines=lines,
        source_line=element.sourceline,
    )


def parse_record(body: bytes, *, expected: Collection[str], max_depth: int) -> CrmRecord:
    return record_from_element(parse_body(body, expected=expected, max_depth=max_depth))


def parse_records(body: bytes, *, container: str, max_depth: int) -> list[CrmRecord]:
    """A bulk body (<Accounts>/<Products>) as records, in input order."""
    root = parse_body(body, expected={container}, max_depth=max_depth)
    return [record_from_element(child) for child in root]
