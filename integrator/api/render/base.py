"""What every answer shares: text XML can carry, the bytes of an answer, a link the service made."""

from __future__ import annotations

import re

from lxml import etree

from integrator.errors import CreatedLink

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean(text: str) -> str:
    """Text XML 1.0 can carry (the characters it cannot become U+FFFD)."""
    return _XML_ILLEGAL.sub("\ufffd", text)


def to_bytes(element: etree._Element) -> bytes:
    return etree.tostring(element, encoding="UTF-8", xml_declaration=True)


def created_link_element(link: CreatedLink) -> etree._Element:
    """``<Link entity crmId ref code created/>``: a record the service linked for the CRM (created
    in the ERP now, or found from an earlier attempt)."""
    return etree.Element("Link", entity=link.entity, crmId=clean(link.crm_id), ref=clean(link.ref),
                         code=clean(link.code), created="true" if link.created else "false")
