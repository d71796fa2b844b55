"""Numbers as people and ERPs write them in text: ``1234.5``, ``1234,5``, ``1.234,50``,
``1,234.50``, ``1.234.567`` — one reading of the separators for the whole service."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

CENT = Decimal("0.01")

_PLAIN_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def plain_decimal_text(value: str) -> str | None:
    """The number in plain notation (``.`` as the decimal point, no thousands separators, no
    ``+``), ``""`` for blank text, or None when the text is not a number.

    The separator that comes last is the decimal one when both appear; a lone ``,`` is the
    decimal comma; several ``.`` alone are thousands separators."""
    if value.isascii() and value.replace(".", "", 1).isdigit():
        return value  # already plain: 7, 7.5, .5 (the common case)
    text = value.strip().replace(" ", "").replace("\u00a0", "")
    if not text:
        return ""
    if "," in text and "." in text:
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    elif "," in text:
        if text.count(",") > 1:
            return None
        text = text.replace(",", ".")
    elif text.count(".") > 1:
        text = text.replace(".", "")
    if not _PLAIN_DECIMAL.fullmatch(text):
        return None
    return text.lstrip("+")


def decimal_text(value: Decimal) -> str:
    """A decimal in plain notation without trailing zeros after the point (12, 3.5, -0.25): how
    the service writes quantities, prices and rates for people and for the CRM's fields."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def carried_exactly(value: Decimal) -> bool:
    """Whether the ERPs keep the number as written: both hold a line's quantity and price as a
    double (Netsis gets a JSON number, LogoObjects a double), exact for up to 15 significant
    digits; beyond that only when the double happens to be the same number."""
    digits = value.normalize().as_tuple().digits
    return len(digits) <= 15 or Decimal(repr(float(value))) == value


def money(value: Decimal) -> Decimal:
    """Rounded half-up to cents, as both ERPs (and their simulators) round a line's amounts."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def decimal_of(value: Any) -> Decimal | None:
    """A number as a database row or a JSON answer holds it, as a decimal (a float as the decimal
    its shortest repr writes); None for None or blank text. ``InvalidOperation`` for anything that
    is not a number (booleans included): the caller names the column."""
    if value is None or isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise InvalidOperation(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    text = str(value).strip()
    return Decimal(text) if text else None
