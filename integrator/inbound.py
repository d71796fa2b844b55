"""Inbound CRM XML: hardened parsing and the CRM record model (the Normalizer).

``parse_xml`` is the only way a request body becomes an element tree: no DTD, no entities, no
network, no DOCTYPE at all, a depth limit and (at the HTTP layer) a size limit. ``parse_body``
adds the XSD check and the expected root. ``CrmRecord`` is the one canonical shape every entity
takes inside the service.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from types import MappingProxyType

from lxml import etree

from integrator.errors import BadXml, Detail, ValidationFailed

ALLOWED_ENCODINGS = frozenset({"utf-8", "utf8", "iso-8859-9", "windows-1254", "cp1254", "latin5"})
_DECLARED_ENCODING = re.compile(rb"^\s*<\?xml[^>]*\bencoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )


_PARSER = _parser()


def parse_xml(body: bytes, *, max_depth: int) -> etree._Element:
    """Parse untrusted XML. Raises ``BadXml`` (with the line number where known)."""
    if not body.strip():
        raise BadXml("the request body is empty; an XML document is expected")
    declared = _DECLARED_ENCODING.match(body[:200])
    if declared is not None and declared.group(1).decode().lower() not in ALLOWED_ENCODINGS:
        raise BadXml(
            f"encoding {declared.group(1).decode()!r} is not accepted; send UTF-8",
        )
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else None
        message = exc.msg or "malformed XML"
        raise BadXml(
            "the request body is not well-formed XML",
            details=[Detail(_clean_libxml_message(message), "input", line=line)],
        ) from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise BadXml("DOCTYPE declarations are not allowed", details=[Detail("DOCTYPE", line=1)])
    depth = _max_depth(root, max_depth)
    if depth > max_depth:
        raise BadXml(f"XML nesting exceeds the limit of {max_depth} levels")
    return root


def _clean_libxml_message(message: str) -> str:
    # libxml2 messages end with ", line N, column M" in some versions; the line is reported apart
    return re.sub(r",? line \d+, column \d+\s*$", "", message).strip()


def _max_depth(root: etree._Element, limit: int) -> int:
    deepest = 1
    stack: list[tuple[etree._Element, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                return deepest
        stack.extend((child, depth + 1) for child in node)
    return deepest


@cache
def crm_schema() -> etree.XMLSchema:
    text = resources.files("integrator").joinpath("schemas/crm.xsd").read_bytes()
    return etree.XMLSchema(etree.fromstring(text, _parser()))


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


# -- the CRM record model -------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CrmRecord:
    """One CRM record: an account, a product, a quote or a quote line.

    ``fields`` keeps document order; a ``Field`` element that is present but empty maps to ``""``
    (the CRM says "this field is empty"), a field that is absent is not in ``fields`` at all.
    """

    kind: str
    crm_id: str | None = None
    ref: str | None = None
    code: str | None = None
    fields: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    revision: int | None = None
    set_code: str | None = None
    warehouse: int | None = None
    account: CrmRecord | None = None
    product: CrmRecord | None = None
    lines: tuple[CrmRecord, ...] = ()
    source_line: int | None = None

    @property
    def has_link(self) -> bool:
        """True when the CRM sent the ERP key of this record (ref or code)."""
        return bool(self.ref) or bool(self.code)

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.fields.get(name, default)

    def iter_lines(self) -> Iterator[CrmRecord]:
        return iter(self.lines)


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
