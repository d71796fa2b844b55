"""The closed converter registry (SPEC F8): named, parameterised value transformations.

A field mapping lists converters by name (``converters: [trim, upper_tr, "truncate(30)"]``). They
are parsed and checked when the set is loaded; an unknown name or a bad argument is a
configuration error, so a mapping can never run code. Converters run left to right on the CRM
value before it is typed for the ERP field; reading the ERP (the ``erp_to_crm`` direction) runs the
reversible ones backwards, right to left, and skips the rest.

=====================  =====================================================  =====================
converter              CRM -> ERP                                              ERP -> CRM
=====================  =====================================================  =====================
``trim``               strip surrounding whitespace                            strip
``upper_tr``           upper case with Turkish rules (i -> İ, ı -> I)          (skipped)
``lower_tr``           lower case with Turkish rules (I -> ı, İ -> i)          (skipped)
``truncate(n)``        keep the first n characters                             (skipped)
``default(x)``         x when the field is missing or empty                    (skipped)
``decimal``            ``1.234,50`` / ``120,5`` / ``1234.5`` -> ``1234.50``      (identity)
``bool``               true/false/yes/no/evet/hayır/e/h/on/off/1/0 -> 1 / 0     1 / 0 -> true / false
``date_from(FORMAT)``  the CRM writes dates in FORMAT -> ISO date              ISO -> FORMAT
``date_to(FORMAT)``    any date -> text in FORMAT (for text ERP fields)        FORMAT -> ISO
``value_table(NAME)``  CRM value -> ERP code from ``value_tables.NAME``         ERP code -> CRM value
=====================  =====================================================  =====================

FORMAT is one of ``dd.mm.yyyy``, ``dd/mm/yyyy``, ``dd-mm-yyyy``, ``mm/dd/yyyy``, ``yyyy-mm-dd``,
``yyyymmdd``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

from integrator.model.numbers import plain_decimal_text
from integrator.translators.values import ValueRejected, parse_date


class ConverterError(ValueError):
    """A converter name or argument is not valid (a configuration error)."""


def upper_tr(text: str) -> str:
    return text.replace("i", "İ").replace("ı", "I").upper()


def lower_tr(text: str) -> str:
    return text.replace("I", "ı").replace("İ", "i").lower()


def _date_pattern(layout: str) -> re.Pattern[str]:
    """``dd.mm.yyyy`` -> a regex with the groups d, m and y."""
    pattern = re.escape(layout)
    for token, group in (("yyyy", r"(?P<y>[0-9]{4})"), ("mm", r"(?P<m>[0-9]{1,2})"),
                         ("dd", r"(?P<d>[0-9]{1,2})")):
        pattern = pattern.replace(token, group, 1)
    if layout == "yyyymmdd":
        pattern = r"(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})"
    return re.compile(pattern)


def _date_template(layout: str) -> str:
    return (layout.replace("yyyy", "{y:04d}").replace("mm", "{m:02d}").replace("dd", "{d:02d}"))


DATE_LAYOUTS = ("dd.mm.yyyy", "dd/mm/yyyy", "dd-mm-yyyy", "mm/dd/yyyy", "yyyy-mm-dd", "yyyymmdd")
DATE_FORMATS: dict[str, tuple[str, re.Pattern[str]]] = {
    layout: (_date_template(layout), _date_pattern(layout)) for layout in DATE_LAYOUTS
}


def _parse_in_format(value: str, fmt: str) -> date:
    pattern = DATE_FORMATS[fmt][1]
    match = pattern.fullmatch(value.strip())
    if not match:
        raise ValueRejected(f"{value!r} is not a date in the format {fmt}")
    try:
        return date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        raise ValueRejected(f"{value!r} is not a valid date") from None


def _format(day: date, fmt: str) -> str:
    return DATE_FORMATS[fmt][0].format(d=day.day, m=day.month, y=day.year)


_TRUE_WORDS = frozenset({"1", "true", "t", "yes", "y", "evet", "e", "on", "doğru", "var", "x"})
_FALSE_WORDS = frozenset({"0", "false", "f", "no", "n", "hayır", "hayir", "h", "off", "yanlış",
                          "yok", ""})


def _lenient_decimal(value: str) -> str:
    text = plain_decimal_text(value)
    if text is None:
        raise ValueRejected(f"{value!r} is not a decimal number")
    return text


@dataclass(frozen=True, slots=True)
class Converter:
    """One parsed converter. ``forward`` may see ``None`` (the CRM did not send the field)."""

    name: str
    argument: str | None
    forward: Callable[[str | None], str | None]
    backward: Callable[[str], str] | None = None
    table: Mapping[str, str] | None = field(default=None, repr=False)

    @property
    def reversible(self) -> bool:
        return self.backward is not None

    @property
    def spec(self) -> str:
        return self.name if self.argument is None else f"{self.name}({self.argument})"


def _present(fn: Callable[[str], str]) -> Callable[[str | None], str | None]:
    def apply(value: str | None) -> str | None:
        return None if value is None else fn(value)

    return apply


def _value_table(name: str, table: Mapping[str, str]) -> Converter:
    folded = {lower_tr(k.strip()): v for k, v in table.items()}
    inverse: dict[str, str] = {}
    for crm_value, erp_value in table.items():
        inverse.setdefault(erp_value, crm_value)
    folded_inverse = {lower_tr(k.strip()): v for k, v in inverse.items()}

    def forward(value: str) -> str:
        if value == "":
            return value
        if value in table:
            return table[value]
        hit = folded.get(lower_tr(value.strip()))
        if hit is None:
            raise ValueRejected(f"{value!r} is not in value table {name}")
        return hit

    def backward(value: str) -> str:
        if value == "":
            return value
        if value in inverse:
            return inverse[value]
        hit = folded_inverse.get(lower_tr(value.strip()))
        if hit is None:
            raise ValueRejected(f"ERP value {value!r} is not in value table {name}")
        return hit

    return Converter("value_table", name, _present(forward), backward, table)


def _truncate(argument: str) -> Converter:
    if not re.fullmatch(r"[0-9]{1,5}", argument) or int(argument) < 1:
        raise ConverterError(f"truncate({argument}): the length must be a whole number from 1")
    length = int(argument)
    return Converter("truncate", argument, _present(lambda v: v[:length]))


def _default(argument: str) -> Converter:
    def forward(value: str | None) -> str | None:
        return argument if value is None or value == "" else value

    return Converter("default", argument, forward)


def _date_format(name: str, argument: str) -> Converter:
    fmt = argument.strip().lower()
    if fmt not in DATE_FORMATS:
        raise ConverterError(f"{name}({argument}): the format must be one of "
                             + ", ".join(DATE_FORMATS))

    def crm_format_to_iso(value: str) -> str:
        return value if value.strip() == "" else _parse_in_format(value, fmt).isoformat()

    def any_to_format(value: str) -> str:
        if value.strip() == "":
            return value
        try:
            day, _ = parse_date(value)
        except ValueRejected:
            day = _parse_in_format(value, fmt)
        return _format(day, fmt)

    def iso_to_format(value: str) -> str:
        return any_to_format(value)

    if name == "date_from":
        return Converter(name, fmt, _present(crm_format_to_iso), iso_to_format)
    return Converter(name, fmt, _present(any_to_format), crm_format_to_iso)


def _bool_forward(value: str) -> str:
    text = value.strip().lower()
    if text in _TRUE_WORDS:
        return "1"
    if text in _FALSE_WORDS:
        return "0"
    raise ValueRejected(f"{value!r} is not a yes/no value")


def _bool_backward(value: str) -> str:
    text = value.strip().lower()
    if text in ("1", "true"):
        return "true"
    if text in ("0", "false", ""):
        return "false"
    return value


_SIMPLE: dict[str, Converter] = {
    "trim": Converter("trim", None, _present(str.strip), str.strip),
    "upper_tr": Converter("upper_tr", None, _present(upper_tr)),
    "lower_tr": Converter("lower_tr", None, _present(lower_tr)),
    "decimal": Converter("decimal", None, _present(_lenient_decimal), lambda v: v),
    "bool": Converter("bool", None, _present(_bool_forward), _bool_backward),
}
_WITH_ARGUMENT = ("truncate", "default", "date_from", "date_to", "value_table")
NAMES: tuple[str, ...] = (*_SIMPLE, *_WITH_ARGUMENT)

_SPEC = re.compile(r"\s*([a-z_]+)\s*(?:\((.*)\))?\s*", re.DOTALL)


def parse_converter(spec: str, value_tables: Mapping[str, Mapping[str, str]]) -> Converter:
    """Parse one converter string of a field mapping. Raises ``ConverterError``."""
    match = _SPEC.fullmatch(spec)
    if not match:
        raise ConverterError(f"{spec!r} is not a converter (known: {', '.join(NAMES)})")
    name, argument = match.group(1), match.group(2)
    if name in _SIMPLE:
        if argument is not None:
            raise ConverterError(f"{name} takes no argument")
        return _SIMPLE[name]
    if name not in _WITH_ARGUMENT:
        raise ConverterError(f"unknown converter {name!r} (known: {', '.join(NAMES)})")
    if argument is None:
        raise ConverterError(f"{name} needs an argument: {name}(...)")
    if name == "truncate":
        return _truncate(argument.strip())
    if name == "default":
        return _default(argument)
    if name in ("date_from", "date_to"):
        return _date_format(name, argument)
    table_name = argument.strip()
    if table_name not in value_tables:
        raise ConverterError(f"value_table({table_name}): there is no value table {table_name!r}")
    return _value_table(table_name, value_tables[table_name])


def parse_chain(specs: list[str] | tuple[str, ...],
                value_tables: Mapping[str, Mapping[str, str]]) -> tuple[Converter, ...]:
    return tuple(parse_converter(spec, value_tables) for spec in specs)


def run_forward(chain: tuple[Converter, ...], value: str | None) -> str | None:
    for converter in chain:
        value = converter.forward(value)
    return value


def run_backward(chain: tuple[Converter, ...], value: str) -> str:
    for converter in reversed(chain):
        if converter.backward is not None:
            value = converter.backward(value)
    return value


def has_default(chain: tuple[Converter, ...]) -> bool:
    return any(c.name == "default" for c in chain)


__all__ = ["NAMES", "Converter", "ConverterError", "has_default", "lower_tr", "parse_chain",
           "parse_converter", "run_backward", "run_forward", "upper_tr"]
