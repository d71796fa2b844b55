"""What every answer shares: text XML can carry, the bytes of an answer, a link the service made."""

from __future__ import annotations

import re

from lxml import etree

from integrator.errors import CreatedLink

# what XML 1.0 cannot carry: control characters, U+FFFE/U+FFFF, and lone surrogates (which UTF-8
# cannot encode either)
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# the escapes libxml2 (lxml) writes in character data and in attribute values
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTR_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                               "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def clean(text: str) -> str:
    """Text XML 1.0 can carry (the characters it cannot become U+FFFD)."""
    return _XML_ILLEGAL.sub("\ufffd", text)


def text_xml(text: str) -> str:
    """``text`` cleaned and escaped as element content, as lxml serialises it."""
    return clean(text).translate(_TEXT_ESCAPES)


def attr_xml(text: str) -> str:
    """``text`` cleaned and escaped as a (double-quoted) attribute value, as lxml serialises it."""
    return clean(text).translate(_ATTR_ESCAPES)


def needs_escaping(text: str) -> bool:
    """False when ``text`` goes into XML content and attribute values exactly as it is (nothing to
    clean or escape); a quick, conservative test (``isprintable`` refuses every control, format
    and separator character besides the space, so some text that needs nothing is still
    escaped — unchanged)."""
    return not text.isprintable() or "&" in text or "<" in text or ">" in text or '"' in text


XML_DECLARATION = "<?xml version='1.0' encoding='UTF-8'?>\n"  # as lxml writes it


def to_bytes(answer: etree._Element | str) -> bytes:
    """An answer's bytes with the XML declaration: an element, or XML text rendered here."""
    if isinstance(answer, str):
        return (XML_DECLARATION + answer).encode()
    return etree.tostring(answer, encoding="UTF-8", xml_declaration=True)


def created_link_element(link: CreatedLink) -> etree._Element:
    """``<Link entity crmId ref code created/>``: a record the service linked for the CRM (created
    in the ERP now, or found from an earlier attempt)."""
    return etree.Element("Link", entity=link.entity, crmId=clean(link.crm_id), ref=clean(link.ref),
                         code=clean(link.code), created="true" if link.created else "false")
