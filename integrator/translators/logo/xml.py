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
from itertools import pairwise
from typing import Any

from lxml import etree

from integrator.errors import BadXml, Detail, MappingFailed
from integrator.model.wire import LOGO_DECLARATION
from integrator.model.xml import parse_xml

DECLARATION = LOGO_DECLARATION
CONTAINER_ITEMS: dict[str, str] = {
    "TRANSACTIONS": "TRANSACTION", "UNITS": "UNIT", "BARCODE_LIST": "BARCODE",
    "CAMPAIGN_INFOS": "CAMPAIGN_INFO",
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


_CACHE_MAX = 4096
# indentation -> tag -> (opening, closing, empty element) text
_TAGS: dict[str, dict[str, tuple[str, str, str]]] = {}
# (indentation, item tag) -> the tags of a flat item, in order -> the text around its values
# (() when the item has a sub-list of its own)
_ITEMS: dict[tuple[str, str], dict[tuple[str, ...], tuple[str, ...]]] = {}


def _tag(indent: str, tag: str) -> tuple[str, str, str]:
    """(opening, closing, empty) text of a tag at an indentation (cached: tags repeat a lot)."""
    level = _TAGS.setdefault(indent, {})
    found = level.get(tag)
    if found is None:
        found = (f"{indent}<{tag}>", f"</{tag}>\n", f"{indent}<{tag}/>\n")
        if len(level) < _CACHE_MAX:
            level[tag] = found
    return found


def _item_pieces(templates: dict[tuple[str, ...], tuple[str, ...]], indent: str, item: str,
                 tags: tuple[str, ...]) -> tuple[str, ...]:
    """The text around the values of a flat item (``<TRANSACTION>`` and its fields): one piece
    more than it has values; () when one of its tags is a sub-list."""
    if any(tag in CONTAINER_ITEMS for tag in tags):
        pieces: tuple[str, ...] = ()
    elif not tags:
        pieces = (f"{indent}<{item}>\n{indent}</{item}>\n",)
    else:
        inner = indent + "  "
        pieces = (f"{indent}<{item}>\n{inner}<{tags[0]}>",
                  *(f"</{before}>\n{inner}<{after}>" for before, after in pairwise(tags)),
                  f"</{tags[-1]}>\n{indent}</{item}>\n")
    if len(templates) < _CACHE_MAX:
        templates[tags] = pieces
    return pieces


def _write_items(parts: list[str], item: str, entries: list[Fields], indent: str) -> None:
    """The items of a sub-list (the lines of a document).

    The lines of a document share their tags, so the text around their values comes from a cache
    and the whole list is those pieces interleaved with the values (two slice assignments), after
    one escaping check over all the values. A list with an empty value (an empty element,
    ``<TAG/>``) or an item with a sub-list of its own goes item by item.
    """
    templates = _ITEMS.setdefault((indent, item), {})
    pieces: list[str] = []
    texts: list[str] = []  # each item's values and a "" where its last piece goes
    for entry in entries:
        tags = tuple(entry)
        around = templates.get(tags)
        if around is None:
            around = _item_pieces(templates, indent, item, tags)
        if not around:
            break
        pieces.extend(around)
        texts.extend(entry.values())
        texts.append("")
    else:
        if texts.count("") == len(entries):  # no empty value
            joined = "".join(texts)
            if "&" in joined or "<" in joined or ">" in joined or "\r" in joined:
                texts = [escape(text) for text in texts]
            text = [""] * (2 * len(texts))
            text[::2] = pieces
            text[1::2] = texts
            parts.extend(text)
            return
    search = _ESCAPE.search
    append = parts.append
    for entry in entries:
        values = tuple(entry.values())
        around = templates.get(tuple(entry))
        if around and "" not in values:
            if search("".join(values)) is not None:
                values = tuple(escape(text) for text in values)
            text = [""] * (2 * len(around) - 1)
            text[::2] = around
            text[1::2] = values
            parts.extend(text)
            continue
        append(f"{indent}<{item}>\n")
        _write(parts, entry, indent + "  ")
        append(f"{indent}</{item}>\n")


def _write(parts: list[str], fields: Fields, indent: str) -> None:
    search = _ESCAPE.search
    append = parts.append
    for tag, value in fields.items():
        if isinstance(value, list):
            append(f"{indent}<{tag}>\n")
            _write_items(parts, CONTAINER_ITEMS[tag], value, indent + "  ")
            append(f"{indent}</{tag}>\n")
            continue
        opening, closing, empty = _tag(indent, tag)
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
