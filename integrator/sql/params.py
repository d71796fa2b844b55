"""Parameters (F14, F21): ``:name`` and ``@name`` in set SQL become positional ``?`` bound in
the order they appear in the *final* SQL text (after transpiling, where e.g. ``TOP (@n)`` moves to
``LIMIT ?`` at the end).

Values are typed Python objects: ``str`` (sent as NVARCHAR: pyodbc binds ``str`` as
SQL_WVARCHAR), ``int``, ``Decimal``, ``date``, ``datetime``, ``bool`` (sent as 1/0), ``None``
(NULL) and lists/tuples of those, which expand an ``IN (:name)`` into ``IN (?, ?, …)`` (an empty
list becomes ``IN (NULL)``, which matches nothing).

``parse_value`` turns request text into the declared ``QueryParam.type``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from integrator.config import ParamType
from integrator.errors import Detail, ValidationFailed

Scalar = str | int | Decimal | date | datetime | bool | None
ParamValue = Scalar | Sequence[Scalar]

# the shape of a set of values, which is all compilation needs to know about them
Shape = tuple[tuple[str, str], ...]

MAX_LIST = 1000  # items of a list one statement binds at most
MAX_PARAMETERS = 2100  # SQL Server's limit per statement, the strictest engine a set runs on


def normalise_name(name: str) -> str:
    return name.lstrip(":@").lower()


def kind_of(value: ParamValue) -> str:
    if isinstance(value, (list, tuple)):  # the tuple form: faster than list | tuple
        return f"list{len(value)}:" + ("str" if any(isinstance(v, str) for v in value) else "other")
    return "str" if isinstance(value, str) else "other"


def shape_of(values: Mapping[str, ParamValue]) -> Shape:
    return shape_of_normalised({normalise_name(k): v for k, v in values.items()})


def shape_of_normalised(values: Mapping[str, ParamValue]) -> Shape:
    """``shape_of`` for values whose names are normalised already (``SqlEngine.prepare``)."""
    return tuple(sorted([(k, kind_of(v)) for k, v in values.items()]))


def scalar(value: Scalar) -> Scalar:
    """The value as it is handed to pyodbc."""
    if isinstance(value, bool):
        return 1 if value else 0
    return value


_INT = re.compile(r"^[+-]?\d{1,18}$")
_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def parse_value(name: str, text: str, kind: ParamType) -> Scalar:
    """Request text -> a typed value, or ``ValidationFailed`` naming the parameter."""
    raw = text.strip()

    def bad(expected: str) -> ValidationFailed:
        return ValidationFailed(f"parameter {name!r} must be {expected}",
                                details=[Detail(f"got {text!r}", "input", path=name)])

    if kind == "str":
        return text
    if kind == "int":
        if not _INT.match(raw):
            raise bad("an integer")
        return int(raw)
    if kind == "decimal":
        if not _DECIMAL.match(raw):
            raise bad("a decimal number written with '.'")
        try:
            return Decimal(raw)
        except InvalidOperation:
            raise bad("a decimal number written with '.'") from None
    if kind == "date":
        try:
            return date.fromisoformat(raw) if len(raw) == 10 else _fail()
        except ValueError:
            raise bad("a date YYYY-MM-DD") from None
    if kind == "datetime":
        try:
            return datetime.fromisoformat(raw)
        except ValueError:
            raise bad("a date-time YYYY-MM-DDTHH:MM:SS") from None
    if kind == "bool":
        lowered = raw.lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
        raise bad("true or false")
    raise bad(f"of a known type, not {kind}")  # pragma: no cover - ParamType is closed


def _fail() -> date:
    raise ValueError("not a date")
