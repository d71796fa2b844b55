"""The one XML row format of every SQL result (F12-F14, F18-F21, F31).

```xml
<Rows count="2" truncated="false">
  <Row ref="4711" code="120.01.001">                 <!-- ref/code: the link, where the row has one -->
    <Col name="CODE" type="string">120.01.001</Col>
    <Col name="BALANCE" type="decimal">1250.50</Col>   <!-- decimals with '.', never exponent -->
    <Col name="DATE" type="datetime">2026-03-01T00:00:00</Col>
    <Col name="TAXNR" type="string"></Col>           <!-- empty string -->
    <Col name="EMAIL" type="string" null="true"/>    <!-- NULL -->
  </Row>
</Rows>
```

Types: string, int, decimal, float, bool (true/false), date (YYYY-MM-DD), datetime
(YYYY-MM-DDTHH:MM:SS[.ffffff]), time, binary (base64). Characters XML 1.0 cannot carry are
replaced by U+FFFD.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from datetime import date, datetime
from datetime import time as dtime
from decimal import Decimal
from typing import Any

from lxml import etree

from integrator.sql.executor import Column, Result

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def text_of(value: Any) -> str:
    """The XML text of one value (never called for NULL)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds" if value.microsecond else "seconds")
    if isinstance(value, date | dtime):
        return value.isoformat()
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    return _XML_ILLEGAL.sub("\ufffd", str(value))


def _link_text(value: Any) -> str:
    return text_of(value).strip() if value is not None else ""


def row_element(columns: tuple[Column, ...], row: tuple[Any, ...], *, link: bool) -> etree._Element:
    element = etree.Element("Row")
    if link:
        names = [c.name.upper() for c in columns]
        if "REF" in names:
            element.set("ref", _link_text(row[names.index("REF")]))
        if "CODE" in names:
            element.set("code", _link_text(row[names.index("CODE")]))
    for column, value in zip(columns, row, strict=True):
        col = etree.SubElement(element, "Col", name=column.name, type=column.type)
        if value is None:
            col.set("null", "true")
        else:
            col.text = text_of(value)
    return element


def rows_element(result: Result, *, link: bool = False, tag: str = "Rows",
                 rows: Iterable[tuple[Any, ...]] | None = None,
                 truncated: bool | None = None) -> etree._Element:
    """``<Rows count truncated>`` with one ``<Row>`` per row (``rows`` overrides the result's)."""
    chosen = list(result.rows if rows is None else rows)
    element = etree.Element(tag, count=str(len(chosen)),
                            truncated="true" if (result.truncated if truncated is None
                                                 else truncated) else "false")
    for row in chosen:
        element.append(row_element(result.columns, row, link=link))
    return element
