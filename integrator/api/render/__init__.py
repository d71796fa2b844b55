"""Every XML answer the service gives the CRM (SPEC §5), in one place: this package.

Services return data; the handlers hand it to one of these functions. Values are written as XML 1.0
text (characters XML cannot carry become U+FFFD); numbers and dates in the wire format of the rows
(``.`` decimals, ISO dates). The integration-set format is its own codec (``api.setxml``).

Modules by subject: ``base`` (clean text, bytes, links), ``errors``, ``records`` (accounts and
products), ``quotes`` (transfers, checks, prices), ``rows`` (read-only SQL), ``admin`` (catalog,
sessions, sets, health). Handlers use ``render.<function>``.
"""

from integrator.api.render.admin import (
    catalog_element,
    check_element,
    current_session_element,
    health_element,
    session_element,
    set_health_element,
    set_saved_element,
    sets_element,
)
from integrator.api.render.base import clean, created_link_element, to_bytes
from integrator.api.render.errors import error_element
from integrator.api.render.quotes import (
    cancellation_element,
    prices_text,
    quote_check_element,
    quote_check_text,
    transfer_element,
    transfer_status_text,
)
from integrator.api.render.records import (
    failed_record_element,
    link_element,
    listed_text,
    page_element,
    record_text,
    result_element,
)
from integrator.api.render.rows import (
    extensions_element,
    rows_text,
    search_text,
    statement_text,
    stock_text,
    text_of,
)

__all__ = [
    "cancellation_element", "catalog_element", "check_element", "clean", "created_link_element",
    "current_session_element", "error_element", "extensions_element", "failed_record_element",
    "health_element", "link_element", "listed_text", "page_element", "prices_text",
    "quote_check_element", "quote_check_text", "record_text", "result_element", "rows_text", "search_text",
    "session_element", "set_health_element", "set_saved_element", "sets_element",
    "statement_text", "stock_text", "text_of", "to_bytes", "transfer_element",
    "transfer_status_text",
]
