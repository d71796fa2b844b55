"""Reverse mapping: ERP values back into CRM fields, for the rules with direction ``erp_to_crm`` or
``both``, through their reversible converters.

``Backward`` is the one implementation: the backward rules of a plan bound once to where their
values are in a source (the columns of a result, the keys of a parsed document), then run per
record. A bulk read binds the rules to its result's columns once per page and runs them on
100,000 rows (``translators.row_reader``); a single document binds them to its own keys
(``map_backward``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from integrator.errors import Detail
from integrator.model import CrmRecord
from integrator.translators.context import MAX_DETAILS
from integrator.translators.converters import run_backward
from integrator.translators.plan import Rule
from integrator.translators.values import Reader, ValueRejected, is_empty, keeps_text

# (CRM field, value position, type, None for a plain rule or (if_empty, converters, rule))
_Step = tuple[str, int, Any, tuple[bool, tuple[Any, ...], Rule] | None]


class Backward:
    """Backward rules bound to the positions of their values; ``fields`` maps one record.

    A rule whose value is not in the source (no position) is skipped, as a field the ERP record
    does not have. Per rule, in order: ``if_target_empty`` skips it when the CRM field already has
    a value (from an earlier rule, or in ``current``); the value is read as CRM text (``read``:
    ``values.from_sql`` / ``from_logo`` / ``from_json`` with the field's type); the reversible
    converters run backwards; a value a converter refuses is a ``Detail`` in ``errors`` (the
    field is left out). A *plain* rule (no converters, no ``if_target_empty``, and a reader that
    keeps text as it is) takes a ``str`` value as it is and ``None`` as ``""`` without the call.
    """

    __slots__ = ("_path", "_read", "_steps")

    def __init__(self, rules: Sequence[Rule], position: Callable[[Rule], int | None], read: Reader,
                 path: Callable[[Rule], str]) -> None:
        steps: list[_Step] = []
        for rule in rules:
            at = position(rule)
            if at is None:
                continue
            plain = not rule.converters and not rule.if_empty and keeps_text(read, rule.type)
            steps.append((rule.crm, at, rule.type,
                          None if plain else (rule.if_empty, rule.converters, rule)))
        self._steps = tuple(steps)
        self._read = read
        self._path = path

    def fields(self, values: Sequence[Any], *, current: Mapping[str, str] | None,
               errors: list[Detail]) -> dict[str, str]:
        """The CRM fields of one record whose ERP values are ``values`` (by position)."""
        out: dict[str, str] = {}
        read = self._read
        for crm, at, kind, rest in self._steps:
            value = values[at]
            if rest is None:
                out[crm] = value if value.__class__ is str else (
                    "" if value is None else read(value, kind))
                continue
            if_empty, converters, rule = rest
            if if_empty and (not is_empty(out.get(crm)) or (
                    current is not None and not is_empty(current.get(crm)))):
                continue
            text = read(value, kind)
            if converters:
                try:
                    text = run_backward(converters, text)
                except ValueRejected as exc:
                    if len(errors) < MAX_DETAILS:
                        errors.append(Detail(f"{rule.name} -> {rule.crm}: {exc}", "erp",
                                             self._path(rule)))
                    continue
            out[crm] = text
        return out


def map_backward(rules: Sequence[Rule], data: Mapping[str, Any], read: Reader, *,
                 current: Mapping[str, str] | None, errors: list[Detail],
                 path: Callable[[Rule], str]) -> dict[str, str]:
    """ERP values keyed by ERP field (``Rule.key``) -> CRM fields: ``Backward`` bound to the keys
    of one document (or document line)."""
    positions = {key: index for index, key in enumerate(data)}
    return Backward(rules, lambda rule: positions.get(rule.key), read, path).fields(
        tuple(data.values()), current=current, errors=errors)


class RowReader(Protocol):
    """A database row (its values in the order of the columns the reader was made for) as a CRM
    record (``translators.row_reader``); raises ``MappingFailed`` like ``read_row``."""

    def __call__(self, values: Sequence[Any], *, lines: Sequence[Mapping[str, Any]] = (),
                 current: CrmRecord | None = None) -> CrmRecord: ...
