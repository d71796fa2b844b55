"""Inbound CRM XML (the Normalizer): a request body becomes a ``CrmRecord``.

``model.xml.parse_xml`` is the only way a body becomes an element tree (no DTD, no entities, no
network, no DOCTYPE, a depth limit; the size limit is the HTTP layer's). ``parse_body`` adds the
XSD check of the CRM schema (``schemas/crm.xsd``) and the expected root; ``parse_record`` and
``parse_records`` build the one canonical record shape (``model.records.CrmRecord``) of a record
body in one pass over its elements.

Two rules of the published XSD are checked by the record builder instead of libxml2, because
libxml2 made a 500-line quote cost several times its parse (issue 15):

* field names are unique within a record (``xs:unique``: an XPath per element). The schema is
  compiled without the constraints and the builder counts the names of each record; a repeated
  name is a ``Duplicate field`` validation error with the line of the repeated field;
* the ``Name`` facets of a field's name (not empty, at most 128 characters, no white space first,
  no line break: a regular expression per field). For record bodies the schema is compiled
  without them and the builder tests all the names of the body at once; when any name could
  break a facet, the body is validated against the full schema, so the answer and every message
  with its line are libxml2's own, as before.

A body is refused exactly when the published schema refuses it (tests/api/test_inbound.py holds
both paths to the published schema, over generated names and bodies).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import TypeVar

from lxml import etree

from integrator.errors import Detail, ValidationFailed
from integrator.model import CrmRecord
from integrator.model.records import NO_FIELDS as _NO_FIELDS
from integrator.model.xml import parse_xml, refuse_too_deep

__all__ = ["RECORD_ROOTS", "CrmRecord", "crm_schema", "parse_body", "parse_record",
           "parse_records", "parse_xml"]

_XS = "{http://www.w3.org/2001/XMLSchema}"
T = TypeVar("T")
# the roots whose bodies parse_record / parse_records build into records (and check the names of)
RECORD_ROOTS = frozenset({"Account", "Product", "Quote", "Accounts", "Products"})
# what makes a field name break the facets of the schema's Name type (1 to 128 characters, the
# pattern [^\s].*: no white space first, no line break), found in the names of a body joined and
# framed by NUL (which XML cannot carry): a line break, white space first, an empty name
_SUSPECT_PARTS = ("\n", "\r", "\x00 ", "\x00\t", "\x00\x00")
NAME_MAX_LENGTH = 128


@cache
def crm_schema(*, identity_constraints: bool = False, name_facets: bool = True) -> etree.XMLSchema:
    """The compiled CRM schema; without its ``xs:unique`` constraints unless asked, and without
    the facets of ``Name`` when told (the record builder checks both, see the module
    docstring)."""
    text = resources.files("integrator").joinpath("schemas/crm.xsd").read_bytes()
    document = parse_xml(text, max_depth=64)
    removed = [] if identity_constraints else list(document.iter(f"{_XS}unique"))
    if not name_facets:
        removed += document.xpath(
            "/xs:schema/xs:simpleType[@name='Name']/xs:restriction/*",
            namespaces={"xs": _XS[1:-1]})
    for element in removed:
        parent = element.getparent()
        assert parent is not None
        parent.remove(element)
    return etree.XMLSchema(document)


# no element of a body valid against the CRM schema sits deeper than this
# (Quote/Lines/Line/Product/Field; tests/api/test_inbound.py proves it from the schema)
SCHEMA_MAX_DEPTH = 5


def parse_body(body: bytes, *, expected: Collection[str], max_depth: int) -> etree._Element:
    """Parse a CRM request body, check the root element and validate it against the XSD.

    The depth limit is checked only where the schema does not already bound it: for a body that
    fails (before its schema errors are reported, so "too deep" wins as before) and when the limit
    is below the schema's own depth."""
    return _valid_root(body, expected, max_depth, crm_schema())


def _valid_root(body: bytes, expected: Collection[str], max_depth: int,
                schema: etree.XMLSchema) -> etree._Element:
    root = parse_xml(body, max_depth=max_depth, check_depth=False)
    tag = str(root.tag)
    if tag not in expected:
        refuse_too_deep(root, max_depth)
        names = " or ".join(f"<{name}>" for name in sorted(expected))
        raise ValidationFailed(
            f"expected {names} as the root element, got <{tag}>",
            details=[Detail(f"root element <{tag}>", "input", line=root.sourceline)],
        )
    if not schema.validate(root):
        refuse_too_deep(root, max_depth)
        _refuse_invalid(root)
    if max_depth < SCHEMA_MAX_DEPTH:
        refuse_too_deep(root, max_depth)
    return root


def _refuse_invalid(root: etree._Element) -> None:
    """Raise the full schema's errors when it refuses ``root`` (return when it accepts it)."""
    schema = crm_schema()
    if schema.validate(root):
        return
    details = [
        Detail(_clean_schema_message(err.message), "input", path=err.path or None,
               line=err.line or None)
        for err in schema.error_log
    ]
    raise ValidationFailed(f"<{root.tag!s}> does not match the CRM schema",
                           details=details[:20])


def _clean_schema_message(message: str) -> str:
    return re.sub(r"^Element '([^']*)'(, attribute '([^']*)')?: ", r"<\1> \3 ", message).replace(
        "  ", " "
    )


def parse_record(body: bytes, *, expected: Collection[str], max_depth: int) -> CrmRecord:
    """A record body (<Account>, <Product> or <Quote>) as a ``CrmRecord``."""
    root = _valid_root(body, expected, max_depth, _record_schema(expected))
    builder = _Builder()
    return builder.checked(root, builder.record)


def parse_records(body: bytes, *, container: str, max_depth: int) -> list[CrmRecord]:
    """A bulk body (<Accounts>/<Products>) as records, in input order."""
    root = _valid_root(body, {container}, max_depth, _record_schema({container}))
    builder = _Builder()
    return builder.checked(root, lambda element: [builder.record(child) for child in element])


def _record_schema(expected: Collection[str]) -> etree.XMLSchema:
    # the names are checked by the builder only for bodies it builds entirely
    lenient = RECORD_ROOTS.issuperset(expected)
    return crm_schema(name_facets=not lenient)


def _suspect(names: Collection[str]) -> bool:
    """True when a field name might break a facet of ``Name`` (the schema then has the last
    word). ``names`` are the distinct names of a body: a quote repeats a few names on every
    line, so the text scanned is a few names long, not the whole body's."""
    if not names:
        return False
    joined = "\x00" + "\x00".join(names) + "\x00"
    return (any(part in joined for part in _SUSPECT_PARTS)
            or max(map(len, names)) > NAME_MAX_LENGTH)


class _Duplicate(Exception):
    """A field name repeated within a record (raised while building, answered after the schema's
    own errors)."""

    def __init__(self, element: etree._Element, children: list[etree._Element]) -> None:
        super().__init__(element.tag)
        self.element, self.children = element, children


def _duplicate(duplicate: _Duplicate) -> ValidationFailed:
    seen: set[str] = set()
    for child in duplicate.children:
        name = str(child.get("name"))
        if name in seen:
            tag = str(duplicate.element.tag)
            return ValidationFailed(
                f"<{tag}> does not match the CRM schema",
                details=[Detail(f"Duplicate field {name!r} in <{tag}>: field names are unique "
                                "within a record", "input", line=child.sourceline)],
            )
        seen.add(name)
    raise AssertionError("no repeated field name")  # pragma: no cover


_new = tuple.__new__  # a CrmRecord from its values in order, without the named tuple's Python __new__


def _card(element: etree._Element, tag: str, fields: Mapping[str, str], account: CrmRecord | None,
          lines: tuple[CrmRecord, ...]) -> CrmRecord:
    """The record of an Account, Product or Quote element: its attributes (empty as absent) read
    in one call, the values placed in order."""
    crm_id = ref = code = set_code = None
    revision = warehouse = None
    for name, value in element.items():
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
    return _new(CrmRecord, (tag, crm_id, ref, code, fields, revision, set_code, warehouse,
                            account, None, lines, element.sourceline))


class _Builder:
    """Builds the records of one schema-valid body (the schema fixes which element holds which:
    Quote = Account?, Field*, Lines?; Line = Product?, Field*; Account and Product = Field*) and
    keeps the field names to check.

    The hot path of a large quote: children are taken as one list, field names counted rather
    than searched, attributes read in one call, the record built positionally."""

    __slots__ = ("names",)

    def __init__(self) -> None:
        self.names: list[dict[str, str]] = []  # the fields of every record, for their names

    def checked(self, root: etree._Element, build: Callable[[etree._Element], T]) -> T:
        try:
            built = build(root)
        except _Duplicate as duplicate:
            _refuse_invalid(root)  # the schema's own errors first, as when libxml2 checked all
            raise _duplicate(duplicate) from None
        if _suspect(set().union(*self.names)):
            _refuse_invalid(root)
        return built

    def fields(self, element: etree._Element, children: list[etree._Element]) -> Mapping[str, str]:
        fields: dict[str, str] = {}
        for child in children:
            fields[child.get(b"name")] = child.text or ""  # type: ignore[index]
        if len(fields) != len(children):
            raise _Duplicate(element, children)
        self.names.append(fields)
        return MappingProxyType(fields)

    def record(self, element: etree._Element) -> CrmRecord:
        tag = element.tag
        if tag == "Quote":
            return self.document(element)
        # a link (attributes only) is the usual Account or Product inside a quote
        fields = self.fields(element, element.getchildren()) if len(element) else _NO_FIELDS
        return _card(element, tag, fields, None, ())  # type: ignore[arg-type]  # a str tag

    def document(self, element: etree._Element) -> CrmRecord:
        children = element.getchildren()
        account = None
        lines: tuple[CrmRecord, ...] = ()
        if children and children[0].tag == "Account":
            account = self.record(children[0])
            del children[0]
        if children and children[-1].tag == "Lines":
            lines = self.lines(children.pop())
        return _card(element, "Quote", self.fields(element, children), account, lines)

    def lines(self, container: etree._Element) -> tuple[CrmRecord, ...]:
        """The records of a quote's lines, in one loop: a Line and its Product (a link, or a
        record with fields) are built inline, without a call per line, per Product and per
        field list (500 lines of a quote; docs/performance.md §1)."""
        names = self.names
        built: list[CrmRecord] = []
        for line in container:
            children = line.getchildren()
            product = None
            if children and children[0].tag == "Product":
                first = children[0]
                del children[0]
                # the attributes the schema allows a Product, each read by its (bytes) name:
                # cheaper than items() and a loop over the pairs
                revision = first.get(b"revision")
                product = _new(CrmRecord, (
                    "Product", first.get(b"crmId") or None, first.get(b"ref") or None,
                    first.get(b"code") or None,
                    self.fields(first, first.getchildren()) if len(first) else _NO_FIELDS,
                    int(revision) if revision else None, first.get(b"set") or None, None, None,
                    None, (), first.sourceline))
            # a loop rather than a comprehension (no function call per line); the key as bytes
            # (lxml takes it without encoding a str on every call)
            fields: dict[str, str] = {}
            for child in children:
                fields[child.get(b"name")] = child.text or ""  # type: ignore[index]
            if len(fields) != len(children):
                raise _Duplicate(line, children)
            names.append(fields)
            # a Line has only crmId and ref (the schema)
            built.append(_new(CrmRecord, (
                "Line", line.get(b"crmId") or None, line.get(b"ref") or None, None,
                MappingProxyType(fields), None, None, None, None, product, (), line.sourceline)))
        return tuple(built)
