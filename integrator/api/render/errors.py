"""The error body (SPEC §5): code, status, retryable, request id, message, details, the links
made before the error, and what a blocked check found."""

from __future__ import annotations

from lxml import etree

from integrator.api.render.base import clean, created_link_element
from integrator.api.render.quotes import quote_check_element
from integrator.errors import IntegratorError
from integrator.services.checks import QuoteCheck


# -- errors -------------------------------------------------------------------------------------------
def error_element(error: IntegratorError, request_id: str) -> etree._Element:
    """``<Error code status retryable requestId><Message/><Detail source path line/>…</Error>``."""
    root = etree.Element(
        "Error",
        code=error.code,
        status=str(error.status),
        retryable="true" if error.retryable else "false",
        requestId=clean(request_id),
    )
    etree.SubElement(root, "Message").text = clean(error.message)
    for item in error.details:
        el = etree.SubElement(root, "Detail", source=item.source)
        if item.path is not None:
            el.set("path", clean(item.path))
        if item.line is not None:
            el.set("line", str(item.line))
        el.text = clean(item.text)
    for link in error.links:
        root.append(created_link_element(link))
    if isinstance(error.payload, QuoteCheck):  # STOCK_BLOCKED / RISK_BLOCKED: what was found
        root.append(quote_check_element(error.payload))
    return root
