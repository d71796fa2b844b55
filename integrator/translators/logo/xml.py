"""Logo Objects XML: rendering a document, merging an update into an exported record, parsing
ReadDataObject output (research/logo-tiger.md §3.1).

A document is ``<PLURAL><SINGULAR DBOP="INS|UPD">fields</SINGULAR></PLURAL>`` declared
ISO-8859-9. Fields are an ordered mapping tag -> text, or tag -> list of field mappings for the
sub-lists (``TRANSACTIONS/TRANSACTION``, ``UNITS/UNIT``, ``BARCODE_LIST/BARCODE``).

Rendering is done by hand (it is the hot path of a 500-line order): every text has already been
checked to be ISO-8859-9 and XML 1.0 safe, and is escaped here (``&``, ``<``, ``>`` and carriage
returns, which a parser would otherwise turn into line feeds).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from lxml import etree

from integrator.errors import BadXml, Detail, MappingFailed
from integrator.inbound import parse_xml

DECLARATION = '<?xml version="1.0" encoding="ISO-8859-9"?>'
CONTAINER_ITEMS: dict[str, str] = {
    "TRANSACTIONS": "TRANSACTION", "UNITS": "UNIT", "BARCODE_LIST": "BARCODE",
}
_ESCAPE = re.compile(r"[&<>\r]")
_DECLARATION_RE = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
MAX_DEPTH = 64

Fields = Mapping[str, Any]


def escape(text: str) -> str:
    if _ESCAPE.search(text) is None:
        return text
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\r", "&#13;"))


_TAGS: dict[tuple[str, str], tuple[str, str, str]] = {}


def _tag(indent: str, tag: str) -> tuple[str, str, str]:
    """(opening, closing, empty) text of a tag at an indentation (cached: tags repeat a lot)."""
    found = _TAGS.get((indent, tag))
    if found is None:
        found = (f"{indent}<{tag}>", f"</{tag}>\n", f"{indent}<{tag}/>\n")
        if len(_TAGS) < 4096:
            _TAGS[(indent, tag)] = found
    return found


def _write(parts: list[str], fields: Fields, indent: str) -> None:
    search = _ESCAPE.search
    append = parts.append
    for tag, value in fields.items():
        if isinstance(value, list):
            item = CONTAINER_ITEMS[tag]
            inner = indent + "  "
            deeper = inner + "  "
            opening, closing = f"{inner}<{item}>\n", f"{inner}</{item}>\n"
            append(f"{indent}<{tag}>\n")
            for entry in value:
                append(opening)
                _write(parts, entry, deeper)
                append(closing)
            append(f"{indent}</{tag}>\n")
            continue
        opening, closing, empty = _TAGS.get((indent, tag)) or _tag(indent, tag)
        if value == "":
            append(empty)
        else:
            append(opening)
            append(value if search(value) is None else escape(value))
            append(closing)


def render(plural: str, singular: str, dbop: str, fields: Fields) -> str:
    """The document as text, pretty-printed, starting with the ISO-8859-9 declaration."""
    parts = [DECLARATION, f"\n<{plural}>\n  <{singular} DBOP=\"{dbop}\">\n"]
    _write(parts, fields, "    ")
    parts.append(f"  </{singular}>\n</{plural}>\n")
    return "".join(parts)


# -- parsing ReadDataObject output ----------------------------------------------------------------
def parse(xml: str | bytes) -> etree._Element:
    """Parse Logo XML (bytes as exported, declared ISO-8859-9; or text) with the hardened parser."""
    data = _DECLARATION_RE.sub("", xml, count=1).encode("utf-8") if isinstance(xml, str) else xml
    try:
        return parse_xml(data, max_depth=MAX_DEPTH)
    except BadXml as exc:
        raise MappingFailed("the ERP record is not well-formed Logo XML", details=[
            Detail(d.text, "erp", d.path, d.line) for d in exc.details]) from None


def record_element(root: etree._Element, plural: str, singular: str) -> etree._Element:
    """The record element of an exported document (``<PLURAL><SINGULAR>`` or a bare ``<SINGULAR>``)."""
    if root.tag == singular:
        return root
    if root.tag == plural:
        found = root.find(singular)
        if found is not None:
            return found
    tag = root.tag if isinstance(root.tag, str) else repr(root.tag)
    raise MappingFailed(f"the ERP record is not a Logo {plural}/{singular} document",
                        details=[Detail(f"root element <{tag}>", "erp")])


def leaf_values(element: etree._Element) -> dict[str, str]:
    """Tag -> text of the element's leaf children (first occurrence of each tag)."""
    result: dict[str, str] = {}
    for child in element:
        if not isinstance(child.tag, str) or len(child):
            continue
        result.setdefault(child.tag, child.text or "")
    return result


def items(element: etree._Element, container: str) -> Iterator[etree._Element]:
    """The items of a sub-list (``TRANSACTIONS`` -> each ``TRANSACTION``)."""
    holder = element.find(container)
    if holder is None:
        return iter(())
    return holder.iterfind(CONTAINER_ITEMS[container])


# -- update: merge mapped fields into the exported record ---------------------------------------------
def merge_update(root: etree._Element, plural: str, singular: str, fields: Fields) -> str:
    """Switch the exported record to ``DBOP="UPD"`` and set only the given (leaf) fields; every
    other tag of the ERP record stays as Logo exported it."""
    record = record_element(root, plural, singular)
    if root.tag == singular:
        wrapper = etree.Element(plural)
        wrapper.append(record)
        root = wrapper
    record.set("DBOP", "UPD")
    for tag, value in fields.items():
        if isinstance(value, list):
            continue
        element = record.find(tag)
        if element is None:
            element = etree.SubElement(record, tag)
        element.text = value if value != "" else None
    return f"{DECLARATION}\n{etree.tostring(root, encoding='unicode')}\n"
