"""The one hardened XML parser of the service: no DTD, no entities, no network, no DOCTYPE, a depth
limit (the size limit is the HTTP layer's). Every XML the service reads goes through it: CRM
request bodies, LogoObjectService answers and the Logo XML records inside them.

Two decisions are made on the raw bytes, before libxml2 sees them, so that they cannot depend on
anything outside the document (N1):

* **the encoding** the document will be decoded with: a UTF-8 byte-order mark, else the encoding
  the XML declaration names, else UTF-8. UTF-16/32 (a byte-order mark or NUL bytes) and encodings
  outside ``ALLOWED_ENCODINGS`` are refused, as is a UTF-8 mark before a declaration naming
  another encoding. The parser is then told that encoding, so libxml2 decodes with exactly the
  one that was checked (it never sniffs on its own);
* **DOCTYPE**: the prolog (declaration, white space, comments, processing instructions) is
  scanned and a ``<!DOCTYPE`` refuses the document. libxml2 never sees a DOCTYPE, so a SYSTEM id
  naming a local file or a FIFO is never opened, and the answer is the same whatever it names.
"""

from __future__ import annotations

import codecs
import functools
import re

from lxml import etree

from integrator.errors import BadXml, Detail

# the names accepted in a declaration, and the one libxml2 is told for each
_ENCODINGS = {"utf-8": "utf-8", "utf8": "utf-8", "iso-8859-9": "iso-8859-9",
              "latin5": "iso-8859-9", "windows-1254": "windows-1254", "cp1254": "windows-1254"}
ALLOWED_ENCODINGS = frozenset(_ENCODINGS)
_WIDE_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_DECLARATION_START = re.compile(rb"<\?xml[ \t\r\n]")
_ENCODING_PSEUDO_ATTR = re.compile(rb"[ \t\r\n]encoding[ \t\r\n]*=[ \t\r\n]*([\"'])(.*?)\1", re.S)
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_XML_SPACE = b" \t\r\n"
ERP_MAX_DEPTH = 64  # documents from the ERP (SOAP envelopes with Logo XML inside)


def _parser(*, huge: bool, encoding: str) -> etree.XMLParser:
    return etree.XMLParser(
        encoding=encoding,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=huge,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )


_PARSERS = {(huge, encoding): _parser(huge=huge, encoding=encoding)
            for huge in (False, True) for encoding in set(_ENCODINGS.values())}


def decided_encoding(body: bytes) -> str:
    """The encoding ``parse_xml`` decodes ``body`` with; ``BadXml`` when it is not accepted."""
    if body.startswith(_WIDE_BOMS) or b"\x00" in body:
        raise BadXml("the document is UTF-16 or UTF-32 (or holds NUL bytes); send UTF-8")
    bom = body.startswith(codecs.BOM_UTF8)
    start = len(codecs.BOM_UTF8) if bom else 0
    declared: str | None = None
    if _DECLARATION_START.match(body, start):
        end = body.find(b"?>", start)
        found = _ENCODING_PSEUDO_ATTR.search(body, start, end if end >= 0 else len(body))
        if found is not None:
            declared = found.group(2).decode("ascii", "replace")
    if declared is None:
        return "utf-8"
    encoding = _ENCODINGS.get(declared.lower())
    if encoding is None:
        raise BadXml(f"encoding {declared!r} is not accepted; send UTF-8")
    if bom and encoding != "utf-8":
        raise BadXml(f"the document starts with a UTF-8 byte-order mark but declares {declared!r}; "
                     "send UTF-8")
    return encoding


def _refuse_doctype(body: bytes) -> None:
    """Scan the prolog (after the declaration: white space, comments, processing instructions) and
    refuse a DOCTYPE before libxml2 could load anything it names."""
    position = len(codecs.BOM_UTF8) if body.startswith(codecs.BOM_UTF8) else 0
    size = len(body)
    while position < size:
        while position < size and body[position] in _XML_SPACE:
            position += 1
        if body.startswith(b"<!--", position):
            end = body.find(b"-->", position + 4)
            position = size if end < 0 else end + 3
        elif body.startswith(b"<?", position):
            end = body.find(b"?>", position + 2)
            position = size if end < 0 else end + 2
        else:
            break
    if body.startswith(b"<!DOCTYPE", position):
        raise BadXml("DOCTYPE declarations are not allowed",
                     details=[Detail("DOCTYPE", line=body.count(b"\n", 0, position) + 1)])


def parse_xml(body: bytes, *, max_depth: int, huge: bool = False,
              check_depth: bool = True) -> etree._Element:
    """Parse untrusted XML. Raises ``BadXml`` (with the line number where known).

    ``huge`` lifts libxml2's size limits for trusted-size answers of the ERP (a SOAP answer with a
    whole document in it); CRM bodies are parsed without it. ``check_depth=False`` leaves the depth
    limit to the caller (``refuse_too_deep``): the CRM schema bounds the depth of a valid body, so
    the inbound path checks it only when a body is not valid (libxml2 itself stops at 256 levels).
    """
    if not body.strip():
        raise BadXml("the request body is empty; an XML document is expected")
    encoding = decided_encoding(body)
    _refuse_doctype(body)
    try:
        root = etree.fromstring(body, _PARSERS[huge, encoding])
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else None
        message = exc.msg or "malformed XML"
        raise BadXml(
            "the request body is not well-formed XML",
            details=[Detail(_clean_libxml_message(message), "input", line=line)],
        ) from None
    if check_depth:
        refuse_too_deep(root, max_depth)
    return root


def refuse_too_deep(root: etree._Element, max_depth: int) -> None:
    """``BadXml`` when an element sits deeper than ``max_depth`` levels."""
    if _max_depth(root, max_depth) > max_depth:
        raise BadXml(f"XML nesting exceeds the limit of {max_depth} levels")


def parse_text(text: str, *, max_depth: int = ERP_MAX_DEPTH) -> etree._Element:
    """Parse XML held in a ``str`` (whatever encoding its declaration names: the text is already
    decoded). Raises ``BadXml``."""
    return parse_xml(_DECLARATION.sub("", text, count=1).encode("utf-8"), max_depth=max_depth,
                     huge=True)


def _clean_libxml_message(message: str) -> str:
    # libxml2 messages end with ", line N, column M" in some versions; the line is reported apart
    return re.sub(r",? line \d+, column \d+\s*$", "", message).strip()


@functools.cache
def _deeper_than(limit: int) -> etree.XPath:
    """An XPath that is true when an element sits deeper than ``limit`` levels (evaluated in C:
    a Python walk over every element cost more than the parse of a 500-line quote)."""
    return etree.XPath("boolean(/" + "/*" * (limit + 1) + ")")


def _max_depth(root: etree._Element, limit: int) -> int:
    """``limit + 1`` when the tree is deeper than ``limit``, else ``limit`` (enough to decide)."""
    return limit + 1 if _deeper_than(limit)(root) else limit


def local_name(tag: object) -> str:
    """An element's tag without its namespace."""
    return str(tag).rsplit("}", 1)[-1]
