"""Reverse mapping: ERP values back into CRM fields, for the rules with direction ``erp_to_crm`` or
``both``, through their reversible converters."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from integrator.errors import Detail
from integrator.translators import values
from integrator.translators.context import MAX_DETAILS
from integrator.translators.converters import run_backward
from integrator.translators.plan import Rule
from integrator.translators.values import FieldType, ValueRejected


def map_backward(rules: tuple[Rule, ...], read: Callable[[Rule], tuple[bool, Any]],
                 convert: Callable[[Any, FieldType], str], *, current: Mapping[str, str] | None,
                 errors: list[Detail], path: Callable[[Rule], str]) -> dict[str, str]:
    """ERP values -> CRM fields for the rules with direction erp_to_crm or both."""
    out: dict[str, str] = {}
    for rule in rules:
        present, raw = read(rule)
        if not present:
            continue
        if rule.if_empty and (not values.is_empty(out.get(rule.crm)) or (
                current is not None and not values.is_empty(current.get(rule.crm)))):
            continue
        text = convert(raw, rule.type)
        if rule.converters:
            try:
                text = run_backward(rule.converters, text)
            except ValueRejected as exc:
                if len(errors) < MAX_DETAILS:
                    errors.append(Detail(f"{rule.name} -> {rule.crm}: {exc}", "erp", path(rule)))
                continue
        out[rule.crm] = text
    return out
