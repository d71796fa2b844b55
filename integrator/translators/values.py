"""Typed values and target encodings: how one CRM text becomes one ERP value, and back.

Every ERP field has a type in the catalog (``string``, ``integer``, ``decimal``, ``date``, ``time``,
``boolean``). CRM values are text; they are checked strictly against the field's type here and
written the way each ERP expects:

=========  ===============================  =================================
type       Logo XML (Tiger/Go)              Netsis JSON
=========  ===============================  =================================
string     as is                            as is
integer    ``42``                           ``42`` (number)
decimal    ``1234.50`` (``.`` separator)    number (exact, or a MAPPING error)
date       ``dd.mm.yyyy``                   ``yyyy-mm-dd``
time       packed ``H*2^24+M*2^16+S*2^8``   ``HH:MM:SS``
boolean    ``1`` / ``0``                    ``true`` / ``false``
=========  ===============================  =================================

An empty CRM value (``""``, "the field is empty") stays empty: an empty element in Logo XML and
``""`` for a Netsis string. A Netsis number, date or boolean cannot be empty (NetOpenX binds them
to non-nullable .NET types), so its writer returns ``None`` and the property is not written.

Lenient input (``1.234,50``, ``evet``, ``23/11/2026``) is the job of the converters
(``decimal``, ``bool``, ``date_from(...)``), so a set says explicitly what it accepts.

The target encodings: Logo XML is declared ISO-8859-9 (Latin-5) and must hold only characters that
encoding and XML 1.0 can carry; Netsis stores text in the cp1254 code page. ``bad_char_logo`` and
``bad_char_netsis`` find the first character that cannot be carried, so it is reported instead of
being lost.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from integrator.model import wire

FieldType = Literal["string", "integer", "decimal", "date", "time", "boolean"]
FIELD_TYPES: tuple[FieldType, ...] = ("string", "integer", "decimal", "date", "time", "boolean")

JsonValue = str | int | float | bool | None


class ValueRejected(ValueError):
    """A value does not fit its field; the message is a sentence for the MAPPING detail."""


# -- target character sets ------------------------------------------------------------------------
def _charset_class(codec: str, *, xml: bool) -> re.Pattern[str]:
    """A regex matching any character the single-byte ``codec`` cannot encode (or XML 1.0 cannot
    hold, when ``xml``)."""
    allowed: set[str] = set()
    for byte in range(256):
        try:
            char = bytes([byte]).decode(codec)
        except UnicodeDecodeError:
            continue
        if xml and byte < 0x20 and char not in "\t\n\r":
            continue
        allowed.add(char)
    ranges = "".join(re.escape(c) for c in sorted(allowed))
    return re.compile(f"[^{ranges}]")


LOGO_ENCODING = wire.LOGO_ENCODING
NETSIS_ENCODING = "cp1254"
_LOGO_BAD = _charset_class("iso-8859-9", xml=True)
_NETSIS_BAD = _charset_class("cp1254", xml=False)


def describe_char(char: str) -> str:
    printable = char if char.isprintable() and not char.isspace() else ""
    shown = f"'{printable}' " if printable else ""
    return f"{shown}(U+{ord(char):04X})"


def bad_char_logo(value: str) -> str | None:
    """The first character Logo XML (ISO-8859-9, XML 1.0) cannot carry, or None."""
    found = _LOGO_BAD.search(value)
    return found.group() if found else None


def bad_char_netsis(value: str) -> str | None:
    """The first character the Netsis code page (cp1254) cannot carry, or None."""
    found = _NETSIS_BAD.search(value)
    return found.group() if found else None


# -- parsing ------------------------------------------------------------------------------------
# ASCII digits only: Python's \d would also accept other scripts' digits
_INT = re.compile(r"[+-]?[0-9]+")
_DEC = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ]([0-9]{2}):([0-9]{2})"
                       r"(?::([0-9]{2})(?:\.[0-9]+)?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?")
_DOT_DATE = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})")
_TIME = re.compile(r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]+)?)?")
_TRUE = frozenset({"1", "true"})
_FALSE = frozenset({"0", "false"})


def parse_date(value: str) -> tuple[date, time | None]:
    """ISO date or datetime (``2026-11-23``, ``2026-11-23T14:30:00``) or ``23.11.2026``."""
    text = value.strip()
    match = _ISO_DATE.fullmatch(text)
    try:
        if match:
            day = date(int(match[1]), int(match[2]), int(match[3]))
            if match[4] is None:
                return day, None
            return day, time(int(match[4]), int(match[5]), int(match[6] or 0))
        match = _DOT_DATE.fullmatch(text)
        if match:
            return date(int(match[3]), int(match[2]), int(match[1])), None
    except ValueError:
        raise ValueRejected(f"{value!r} is not a valid date") from None
    raise ValueRejected(f"{value!r} is not a date (expected yyyy-mm-dd or dd.mm.yyyy)")


def parse_time(value: str) -> time:
    """``14:30``, ``14:30:05`` or an ISO datetime (its time part)."""
    text = value.strip()
    match = _TIME.fullmatch(text)
    try:
        if match:
            return time(int(match[1]), int(match[2]), int(match[3] or 0))
    except ValueError:
        raise ValueRejected(f"{value!r} is not a valid time") from None
    if _ISO_DATE.fullmatch(text):
        _, moment = parse_date(text)
        if moment is not None:
            return moment
    raise ValueRejected(f"{value!r} is not a time (expected HH:MM or HH:MM:SS)")


def pack_time(moment: time) -> int:
    """Logo's packed time: H*2^24 + M*2^16 + S*2^8 (research/logo-tiger.md §3.2)."""
    return (moment.hour << 24) + (moment.minute << 16) + (moment.second << 8)


def unpack_time(packed: int) -> time:
    return time((packed >> 24) & 0xFF, (packed >> 16) & 0xFF, (packed >> 8) & 0xFF)


def _decimal(value: str) -> Decimal:
    return Decimal(_plain_decimal(value))


def _plain_decimal(value: str) -> str:
    """A checked decimal in plain notation, digits kept exactly: ``+07.50`` -> ``7.50``,
    ``.5`` -> ``0.5``, ``5.`` -> ``5``. String operations only (this is the hot path)."""
    if value.isascii() and value.replace(".", "", 1).isdigit() and value[-1] != "." and (
            value[0] not in "0." or value == "0" or value[1] == "."):
        return value  # already plain: 120.50, 0.125, 7
    text = value.strip()
    if not _DEC.fullmatch(text):
        raise ValueRejected(f"{value!r} is not a decimal number (use '.' as the decimal separator)")
    sign = "-" if text[0] == "-" else ""
    whole, _, fraction = text.lstrip("+-").partition(".")
    whole = whole.lstrip("0") or "0"
    return f"{sign}{whole}.{fraction}" if fraction else f"{sign}{whole}"


def _integer(value: str) -> int:
    text = value.strip()
    if not _INT.fullmatch(text):
        raise ValueRejected(f"{value!r} is not an integer")
    return int(text)


def _boolean(value: str) -> bool:
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueRejected(f"{value!r} is not a boolean (expected 1, 0, true or false)")


def canonical_decimal(number: Decimal) -> str:
    """Plain notation without an exponent and without trailing zeros after the point."""
    if number == number.to_integral_value():
        return str(int(number))
    return format(number.normalize(), "f")


# -- forward: CRM text -> ERP value, one writer per ERP family and field type ----------------------
# ``writer(family, kind)`` is the function the compiled mapping plans call per value. The common
# cases (printable ASCII text, plain decimals) are decided first inside each writer.
Writer = Callable[[str], Any]


def _rejected_char(char: str, encoding: str) -> ValueRejected:
    return ValueRejected(f"character {describe_char(char)} cannot be carried in {encoding}")


def _logo_text(value: str) -> str:
    if value.isascii() and value.isprintable():  # no control characters, nothing to look up
        return value
    found = _LOGO_BAD.search(value)
    if found is not None:
        raise _rejected_char(found.group(), LOGO_ENCODING)
    return value


def _logo_decimal(value: str) -> str:
    return _plain_decimal(value) if value else value


def _logo_integer(value: str) -> str:
    if value.isascii() and value.isdigit():
        return value.lstrip("0") or "0"
    return str(_integer(value)) if value else value


def _logo_date(value: str) -> str:
    if not value:
        return value
    day, _ = parse_date(value)
    return f"{day.day:02d}.{day.month:02d}.{day.year:04d}"


def _logo_time(value: str) -> str:
    return str(pack_time(parse_time(value))) if value else value


def _logo_boolean(value: str) -> str:
    if not value:
        return value
    return "1" if _boolean(value) else "0"


def _netsis_text(value: str) -> str:
    if value.isascii():  # cp1254 carries every ASCII character
        return value
    found = _NETSIS_BAD.search(value)
    if found is not None:
        raise _rejected_char(found.group(), NETSIS_ENCODING)
    return value


def _netsis_decimal(value: str) -> JsonValue:
    """A JSON number that is exactly the CRM decimal: an int when whole (up to 15 digits), else a
    double when it holds the value exactly, else ``ValueRejected``."""
    if value == "":
        return None
    text = _plain_decimal(value)
    whole, _, fraction = text.lstrip("-").partition(".")
    fraction = fraction.rstrip("0")
    if not fraction and len(whole) <= 15:
        return int(text.partition(".")[0])
    result = float(text)
    # up to 15 significant digits always survive a double; beyond that, check exactly
    if len((whole + fraction).lstrip("0")) > 15 and Decimal(repr(result)) != Decimal(text):
        raise ValueRejected(f"{value!r} has more digits than a JSON number carries exactly")
    return result


def _netsis_integer(value: str) -> JsonValue:
    if value.isascii() and value.isdigit():
        return int(value)
    return _integer(value) if value else None


def _netsis_date(value: str) -> JsonValue:
    return parse_date(value)[0].isoformat() if value else None


def _netsis_time(value: str) -> JsonValue:
    return parse_time(value).isoformat() if value else None


def _netsis_boolean(value: str) -> JsonValue:
    return _boolean(value) if value else None


_WRITERS: dict[tuple[str, FieldType], Writer] = {
    ("logo", "string"): _logo_text, ("logo", "decimal"): _logo_decimal,
    ("logo", "integer"): _logo_integer, ("logo", "date"): _logo_date,
    ("logo", "time"): _logo_time, ("logo", "boolean"): _logo_boolean,
    ("netsis", "string"): _netsis_text, ("netsis", "decimal"): _netsis_decimal,
    ("netsis", "integer"): _netsis_integer, ("netsis", "date"): _netsis_date,
    ("netsis", "time"): _netsis_time, ("netsis", "boolean"): _netsis_boolean,
}


def writer(family: Literal["logo", "netsis"], kind: FieldType) -> Writer:
    """CRM text -> the value of a ``kind`` field of the ERP family; raises ``ValueRejected``.

    An empty CRM value stays empty for Logo (an empty element) and is ``None`` (not written) for
    a Netsis number, date or boolean."""
    return _WRITERS[(family, kind)]


def netsis_number(number: Decimal) -> JsonValue:
    """A computed decimal (the Netsis net price) as a JSON number, exactly or ``ValueRejected``."""
    return _netsis_decimal(canonical_decimal(number))


# -- reverse: ERP value -> CRM text -------------------------------------------------------------
def from_logo(text: str | None, kind: FieldType) -> str:
    """The text of a Logo XML element (ReadDataObject output) as a CRM value."""
    if text is None:
        return ""
    if kind == "string":
        return text
    stripped = text.strip()
    if stripped == "":
        return ""
    try:
        if kind == "date":
            day, _ = parse_date(stripped)
            return day.isoformat()
        if kind == "time" and _INT.fullmatch(stripped):
            return unpack_time(int(stripped)).isoformat()
        if kind == "decimal":
            return canonical_decimal(_decimal(stripped))
    except ValueRejected:
        return stripped
    return stripped


def from_json(value: Any, kind: FieldType) -> str:
    """A Netsis JSON value as a CRM value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return canonical_decimal(Decimal(repr(value)))
    text = str(value)
    if kind in ("date", "time") and text.strip():
        try:
            day, moment = parse_date(text)
        except ValueRejected:
            return text
        if kind == "date":
            return day.isoformat()
        return moment.isoformat() if moment is not None else text
    return text


def from_sql(value: Any, kind: FieldType) -> str:
    """A database value (as pyodbc returns it) as a CRM value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        if kind == "time":
            return value.time().isoformat()
        return value.date().isoformat() if kind == "date" else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return canonical_decimal(value)
    if isinstance(value, float):
        return canonical_decimal(Decimal(repr(value)))
    if isinstance(value, int):
        if kind == "time":
            try:
                return unpack_time(value).isoformat()
            except ValueError:  # not a packed Logo time (-1, garbage): kept as the number, as
                return str(value)  # unreadable dates and decimals are kept as their text
        return str(value)
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("cp1254", errors="replace")
    text = str(value)
    if kind == "date" and text.strip():
        try:
            return parse_date(text.strip()[:10])[0].isoformat()
        except ValueRejected:
            return text
    if kind == "decimal" and text.strip():
        try:
            return canonical_decimal(Decimal(text.strip()))
        except InvalidOperation:
            return text
    return text


Reader = Callable[[Any, FieldType], str]


def keeps_text(read: Reader, kind: FieldType) -> bool:
    """True when ``read`` gives a ``str`` value of a ``kind`` field back unchanged (every reader
    gives ``""`` for ``None``): a compiled reverse mapping then skips the call for such values, the
    hot path of a bulk read (``translators.reverse.Backward``)."""
    if read is from_sql:
        return kind not in ("date", "decimal")
    if read is from_json:
        return kind not in ("date", "time")
    if read is from_logo:
        return kind == "string"
    return False


def is_empty(value: Any) -> bool:
    """Empty for copy mode ``if_target_empty``: missing, null, or only whitespace (0 is a value)."""
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    return False
