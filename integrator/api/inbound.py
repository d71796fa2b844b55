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
from integrator.model.xml import parse_xml, refuse_too_deep

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


# no element of a body valid against the CRM schema sits deeper than this
# (Quote/Lines/Line/Product/Field; tests/api/test_inbound.py proves it from the schema)
SCHEMA_MAX_DEPTH = 5


def parse_body(body: bytes, *, expected: Collection[str], max_depth: int) -> etree._Element:
    """Parse a CRM request body, check the root element and validate it against the XSD.

    The depth limit is checked only where the schema does not already bound it: for a body that
    fails (before its schema errors are reported, so "too deep" wins as before) and when the limit
    is below the schema's own depth."""
    root = parse_xml(body, max_depth=max_depth, check_depth=False)
    tag = str(root.tag)
    if tag not in expected:
        refuse_too_deep(root, max_depth)
        names = " or ".join(f"<{name}>" for name in sorted(expected))
        raise ValidationFailed(
            f"expected {names} as the root element, got <{tag}>",
            details=[Detail(f"root element <{tag}>", "input", line=root.sourceline)],
        )
    schema = crm_schema()
    if not schema.validate(root):
        refuse_too_deep(root, max_depth)
        details = [
            Detail(_clean_schema_message(err.message), "input", path=err.path or None,
                   line=err.line or None)
            for err in schema.error_log
        ]
        raise ValidationFailed(f"<{tag}> does not match the CRM schema", details=details[:20])
    if max_depth < SCHEMA_MAX_DEPTH:
        refuse_too_deep(root, max_depth)
    return root


def _clean_schema_message(message: str) -> str:
    return re.sub(r"^Element '([^']*)'(, attribute '([^']*)')?: ", r"<\1> \3 ", message).replace(
        "  ", " "
    )


def _duplicate(element: etree._Element, child: etree._Element, name: str) -> ValidationFailed:
    tag = str(element.tag)
    return ValidationFailed(
        f"<{tag}> does not match the CRM schema",
        details=[Detail(f"Duplicate field {name!r} in <{tag}>: field names are unique "
                        "within a record", "input", line=child.sourceline)],
    )


def record_from_element(element: etree._Element) -> CrmRecord:
    """Normalise a schema-valid element (Account, Product, Quote, Line) into a ``CrmRecord``.

    The hot path of a large quote: one pass over the children, the attributes read once, the
    record built positionally; the uniqueness of field names is checked by counting (the slow
    search for the repeated name runs only when there is one)."""
    fields: dict[str, str] = {}
    account = product = None
    lines: tuple[CrmRecord, ...] = ()
    count = 0
    for child in element:
        tag = child.tag
        if tag == "Field":
            fields[child.get("name")] = child.text or ""  # type: ignore[index]
            count += 1
        elif tag == "Lines":
            lines = tuple([record_from_element(line) for line in child])
        elif tag == "Product":
            product = record_from_element(child)
        elif tag == "Account":
            account = record_from_element(child)
    if count != len(fields):
        seen: set[str] = set()
        for child in element.iterchildren("Field"):
            name = str(child.get("name"))
            if name in seen:
                raise _duplicate(element, child, name)
            seen.add(name)
    crm_id = ref = code = set_code = None
    revision = warehouse = None
    for name, value in element.items():  # the few attributes there are, in one call
        if not value:
            continue
        if name == "crmId":
            crm_id = value
        elif name == "code":
            code = value
        elif name == "ref":
            ref = value
        elif name == "revision":
            revision = int(value)
        elif name == "warehouse":
            warehouse = int(value)
        elif name == "set":
            set_code = value
    return CrmRecord(str(element.tag), crm_id, ref, code, MappingProxyType(fields), revision,
                     set_code, warehouse, account, product, lines, element.sourceline)


def parse_record(body: bytes, *, expected: Collection[str], max_depth: int) -> CrmRecord:
    return record_from_element(parse_body(body, expected=expected, max_depth=max_depth))


def parse_records(body: bytes, *, container: str, max_depth: int) -> list[CrmRecord]:
    """A bulk body (<Accounts>/<Products>) as records, in input order."""
    root = parse_body(body, expected={container}, max_depth=max_depth)
    return [record_from_element(child) for child in root]
