"""The one hardened XML parser of the service: no DTD, no entities, no network, no DOCTYPE, a depth
limit (the size limit is the HTTP layer's). Every XML the service reads goes through it: CRM
request bodies, LogoObjectService answers and the Logo XML records inside them.
"""

from __future__ import annotations

import functools
import re

from lxml import etree

from integrator.errors import BadXml, Detail

ALLOWED_ENCODINGS = frozenset({"utf-8", "utf8", "iso-8859-9", "windows-1254", "cp1254", "latin5"})
_DECLARED_ENCODING = re.compile(rb"^\s*<\?xml[^>]*\bencoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
ERP_MAX_DEPTH = 64  # documents from the ERP (SOAP envelopes with Logo XML inside)


def _parser(*, huge: bool) -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=huge,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )


_PARSER = _parser(huge=False)
_HUGE_PARSER = _parser(huge=True)


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
    declared = _DECLARED_ENCODING.match(body[:200])
    if declared is not None and declared.group(1).decode().lower() not in ALLOWED_ENCODINGS:
        raise BadXml(
            f"encoding {declared.group(1).decode()!r} is not accepted; send UTF-8",
        )
    try:
        root = etree.fromstring(body, _HUGE_PARSER if huge else _PARSER)
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
